"""Reads for the staff dashboard and the first-contact desk.

The dashboard shows a worker's deadlines (from :func:`casework.selectors.deadlines.deadline_list`,
counted in working days), the queue of their team(s) – cases routed to a team and not yet given
to a worker, intakes routed to the worker in the last days, intakes waiting at the desk – and the
caseload against the norm. The desk needs people found by PESEL, name or address together with
their current household and its open case, and the entry number of an intake in the day's
register. Access is checked by the callers' capabilities; these functions only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from casework.calendar_days import working_days_between
from casework.models import Case, CaseAssignment, HouseholdMember, Intake, Person
from casework.models.cases import CaseStatus
from casework.models.intake import IntakeOutcome
from casework.reference.models import AssistanceReason
from casework.selectors.cases import case_ids_by_number
from casework.selectors.deadlines import (
    DEFAULT_HORIZON,
    Scope,
    caseload_get,
    deadline_list,
)
from casework.selectors.people import person_search_for
from tenants.accounts.models import User

RECENTLY_ROUTED_DAYS = 14  # calendar days during which an intake routed to a worker is "new"


# --- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineItem:
    """One deadline as the dashboard lists it."""

    kind: str
    due_on: dt.date
    working_days_left: int  # negative: overdue by that many working days
    case_number: str
    case_id: UUID | None
    object_id: UUID
    worker_name: str

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    @property
    def due_today(self) -> bool:
        return self.working_days_left == 0

    @property
    def working_days_overdue(self) -> int:
        return max(0, -self.working_days_left)


@dataclass(frozen=True)
class DeadlineSummary:
    scope: str
    horizon: int
    total: int
    overdue: int
    items: list[DeadlineItem]

    @property
    def due_soon(self) -> int:
        return self.total - self.overdue

    @property
    def not_shown(self) -> int:
        return self.total - len(self.items)


def _worker_name(row: dict[str, Any]) -> str:
    name = f"{row['d_worker_first_name'] or ''} {row['d_worker_last_name'] or ''}".strip()
    return name or str(row["d_worker_username"] or "")


def deadline_summary(
    *,
    user: User,
    scope: str = Scope.MINE,
    today: dt.date,
    horizon: int = DEFAULT_HORIZON,
    limit: int = 25,
) -> DeadlineSummary:
    """Deadlines overdue or due within ``horizon`` working days, earliest first: the counts of all
    of them and the first ``limit`` with the days left counted in working days. Raises
    ``NotAllowed`` for the whole centre's deadlines unless the user is a manager (as
    ``deadline_list`` does)."""
    rows = list(deadline_list(user=user, scope=scope, horizon=horizon, today=today))
    shown = rows[:limit]
    case_ids = case_ids_by_number({str(row["d_case"]) for row in shown})
    items = [
        DeadlineItem(
            kind=str(row["d_kind"]),
            due_on=row["d_due"],
            working_days_left=working_days_between(today, row["d_due"]),
            case_number=str(row["d_case"]),
            case_id=case_ids.get(str(row["d_case"])),
            object_id=row["d_object"],
            worker_name=_worker_name(row) if row["d_worker_pk"] is not None else "",
        )
        for row in shown
    ]
    overdue = sum(1 for row in rows if row["d_due"] < today)
    return DeadlineSummary(
        scope=str(scope), horizon=horizon, total=len(rows), overdue=overdue, items=items
    )


# --- the team's queue --------------------------------------------------------------------------


def reason_names() -> dict[str, str]:
    """Every art. 7 reason code ever in force, with its name (codes that are no longer in force
    still name old intakes)."""
    return dict(AssistanceReason.objects.values_list("code", "name"))


def _routed_intakes() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "case__intakes",
        queryset=Intake.objects.filter(outcome=IntakeOutcome.ROUTED).order_by(
            "-resolved_at", "-id"
        ),
        to_attr="routed_intakes",
    )


def unassigned_queue(*, team_ids: set[int] | None) -> QuerySet[CaseAssignment]:
    """Current assignments of open cases to a team with no worker yet – the team's queue –
    oldest first. ``team_ids`` None: every team of the centre. Each assignment carries its case,
    team, and the case's routed intakes (``case.routed_intakes``, latest first)."""
    assignments = CaseAssignment.objects.filter(
        ended_on__isnull=True, worker__isnull=True, case__status=CaseStatus.OPEN
    )
    if team_ids is not None:
        assignments = assignments.filter(team_id__in=team_ids)
    return (
        assignments.select_related("case__household", "team")
        .prefetch_related(_routed_intakes())
        .order_by("started_on", "id")
    )


def intakes_routed_to(*, worker: User, since: dt.date) -> QuerySet[Intake]:
    """Intakes routed to ``worker`` (by name) on or after ``since``, latest first."""
    return (
        Intake.objects.filter(
            outcome=IntakeOutcome.ROUTED, routed_worker_id=worker.pk, resolved_at__date__gte=since
        )
        .select_related("case", "routed_team", "person", "household")
        .order_by("-resolved_at", "-id")
    )


def intakes_pending() -> QuerySet[Intake]:
    """Intakes registered but neither resolved at the desk nor routed, oldest first."""
    return (
        Intake.objects.filter(outcome=IntakeOutcome.PENDING)
        .select_related("registered_by", "person", "household")
        .order_by("arrived_at", "id")
    )


@dataclass(frozen=True)
class DeskDay:
    """What the desk registered on one day."""

    registered: int
    routed: int
    resolved: int
    pending: int


def desk_day(*, day: dt.date, registered_by: User | None = None) -> DeskDay:
    """Intakes that arrived on ``day`` (by ``registered_by`` if given), by how they ended."""
    intakes = Intake.objects.filter(arrived_at__date=day)
    if registered_by is not None:
        intakes = intakes.filter(registered_by_id=registered_by.pk)
    outcomes = list(intakes.values_list("outcome", flat=True))
    routed = sum(1 for outcome in outcomes if outcome == IntakeOutcome.ROUTED)
    pending = sum(1 for outcome in outcomes if outcome == IntakeOutcome.PENDING)
    return DeskDay(
        registered=len(outcomes),
        routed=routed,
        resolved=len(outcomes) - routed - pending,
        pending=pending,
    )


# --- caseload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadFigure:
    households: int
    norm: int

    @property
    def percent(self) -> int:
        return round(100 * self.households / self.norm) if self.norm else 0

    @property
    def within_norm(self) -> bool:
        return self.households <= self.norm

    @property
    def over_norm(self) -> int:
        return max(0, self.households - self.norm)

    @property
    def meter_max(self) -> int:
        """The meter's scale: the norm, or the caseload itself when it is above the norm."""
        return max(self.norm, self.households)


def caseload_figure(*, user: User) -> CaseloadFigure:
    """The user's own open cases (one per household) against the norm of households per worker."""
    caseload = caseload_get(user=user, worker=user)
    return CaseloadFigure(households=caseload.cases.count(), norm=caseload.norm)


# --- the desk: finding people ------------------------------------------------------------------


@dataclass
class PersonMatch:
    """A person found at the desk, with their current household and its open case, if any, and
    who handles that case now (its current assignments, with team and worker)."""

    person: Person
    household_size: int = 0
    household_id: UUID | None = None
    open_case_number: str = ""
    open_case_id: UUID | None = None
    handled_by: list[CaseAssignment] = field(default_factory=list)


def _current_memberships() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "memberships",
        queryset=HouseholdMember.objects.filter(left_on__isnull=True)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__members",
                queryset=HouseholdMember.objects.filter(left_on__isnull=True),
                to_attr="current_members",
            ),
            Prefetch(
                "household__cases",
                queryset=Case.objects.filter(status=CaseStatus.OPEN).prefetch_related(
                    Prefetch(
                        "assignments",
                        queryset=CaseAssignment.objects.filter(ended_on__isnull=True)
                        .select_related("team", "worker")
                        .order_by("function", "id"),
                        to_attr="current_assignments",
                    )
                ),
                to_attr="open_cases",
            ),
        ),
        to_attr="current_memberships",
    )


def _match(person: Person) -> PersonMatch:
    match = PersonMatch(person=person)
    memberships = getattr(person, "current_memberships", [])
    if memberships:
        household = memberships[0].household
        match.household_id = household.public_id
        match.household_size = len(household.current_members)
        if household.open_cases:
            open_case = household.open_cases[0]
            match.open_case_number = open_case.number
            match.open_case_id = open_case.public_id
            match.handled_by = list(open_case.current_assignments)
    return match


def desk_person_matches(
    *, user: User, query: str, limit: int = 10
) -> tuple[list[PersonMatch], int]:
    """People matching ``query`` (every word, by name, PESEL or address) whose identity data
    ``user`` may see – ``person_search_for``, the API's rule: everyone for first contact and
    managers, for a team role only those ``GET /api/people/<id>/`` shows it – the first ``limit``
    with their households, and how many match in all."""
    people = person_search_for(user=user, query=query)
    total = people.count()
    found = list(people.prefetch_related(_current_memberships())[:limit])
    return [_match(person) for person in found], total


def desk_person(*, public_id: UUID | str) -> PersonMatch | None:
    """One person chosen at the desk, with their household; None if there is no such person."""
    person = Person.objects.prefetch_related(_current_memberships()).filter(public_id=public_id)
    found = person.first()
    return _match(found) if found is not None else None


def person_with_pesel(pesel: str) -> Person | None:
    """The person registered at the centre with this PESEL, if any."""
    return Person.objects.filter(pesel=pesel).first()


def person_has_household(person: Person) -> bool:
    """Whether the person is a current member of a household."""
    return HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists()


# --- the register of intakes -------------------------------------------------------------------


def intake_day_entry(intake: Intake) -> int:
    """The intake's entry number in the register of its day: its position among the intakes that
    arrived that (local) day, in order of arrival."""
    day = timezone.localdate(intake.arrived_at)
    earlier = Q(arrived_at__lt=intake.arrived_at) | Q(
        arrived_at=intake.arrived_at, id__lte=intake.pk
    )
    return Intake.objects.filter(earlier, arrived_at__date=day).count()


# --- the day in the field (printable) ----------------------------------------------------------


@dataclass(frozen=True)
class FieldVisit:
    """A family interview still to be conducted by the worker: where and whom to visit."""

    case_number: str
    case_id: UUID
    kind: str
    due_on: dt.date
    working_days_left: int
    address: str
    head_name: str
    phone: str


def field_visits(*, worker: User, today: dt.date, limit: int = 50) -> list[FieldVisit]:
    """The worker's family interviews not yet conducted, the overdue and the nearest first, with
    the household's address and its head's name and telephone: the list a field social worker
    takes along. Two queries."""
    from casework.models import FamilyInterview
    from casework.models.people import Relation

    interviews = (
        FamilyInterview.objects.filter(worker=worker, conducted_on__isnull=True)
        .select_related("case__household")
        .prefetch_related(
            Prefetch(
                "case__household__members",
                queryset=HouseholdMember.objects.filter(
                    left_on__isnull=True, relation=Relation.HEAD
                ).select_related("person"),
                to_attr="heads",
            )
        )
        .order_by("due_on", "id")[:limit]
    )
    visits = []
    for interview in interviews:
        household = interview.case.household
        heads = getattr(household, "heads", [])
        head = heads[0].person if heads else None
        street = ", ".join(p for p in (household.street, household.city) if p)
        visits.append(
            FieldVisit(
                case_number=interview.case.number,
                case_id=interview.case.public_id,
                kind=str(interview.get_kind_display()),
                due_on=interview.due_on,
                working_days_left=working_days_between(today, interview.due_on),
                address=street,
                head_name=f"{head.first_name} {head.last_name}" if head else "",
                phone=(head.phone if head else "") or "",
            )
        )
    return visits
