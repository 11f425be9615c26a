"""Reads of intakes, cases, proceedings, teams and staff, with the joins their lists need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Case as Cases
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from casework.models import (
    Appeal,
    Application,
    Case,
    CaseAssignment,
    Decision,
    FamilyInterview,
    Handover,
    HouseholdMember,
    Intake,
)
from casework.models.people import Relation
from casework.selectors.deadlines import Scope, user_team_ids
from casework.selectors.lookup import PublicId, get_or_404, get_or_field_error
from casework.visibility import households_q
from opsplatform.errors import ValidationFailed
from tenants.accounts.models import User
from tenants.org.models import StaffPosition, Team


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("parent").prefetch_related(
        Prefetch(
            "positions",
            queryset=StaffPosition.objects.filter(ended_on__isnull=True).select_related("person"),
            to_attr="current_positions",
        )
    )


def team_by_code(code: str, *, field: str = "team") -> Team:
    team = Team.objects.filter(code=code).first()
    if team is None:
        raise ValidationFailed(
            fields={field: [_("Nie ma komórki o kodzie „%(code)s”.") % {"code": code}]}
        )
    return team


def worker_by_id(public_id: PublicId, *, field: str = "worker") -> User:
    return get_or_field_error(
        get_user_model().objects.all(), public_id, field, "Nie znaleziono: pracownik."
    )


def staff_list() -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "positions",
                queryset=StaffPosition.objects.filter(ended_on__isnull=True).select_related("team"),
                to_attr="current_positions",
            )
        )
        .order_by("last_name", "first_name")
    )


def intake_list(
    *, outcome: str = "", day_from: dt.date | None = None, day_to: dt.date | None = None
) -> QuerySet[Intake]:
    intakes = Intake.objects.select_related(
        "person", "household", "routed_team", "routed_worker", "registered_by", "case"
    )
    if outcome:
        intakes = intakes.filter(outcome=outcome)
    if day_from:
        intakes = intakes.filter(arrived_at__date__gte=day_from)
    if day_to:
        intakes = intakes.filter(arrived_at__date__lte=day_to)
    return intakes.order_by("-arrived_at", "-id")


def intake_get(*, public_id: PublicId) -> Intake:
    return get_or_404(intake_list(), public_id, "Nie znaleziono zgłoszenia.")


def case_queryset() -> QuerySet[Case]:
    """Cases with their household and current assignments (``current_assignments``)."""
    return _case_queryset()


def _case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("household").prefetch_related(
        Prefetch(
            "assignments",
            queryset=CaseAssignment.objects.filter(ended_on__isnull=True).select_related(
                "team", "worker"
            ),
            to_attr="current_assignments",
        )
    )


def case_list(
    *, status: str = "", team: str = "", worker: PublicId | None = None
) -> QuerySet[Case]:
    cases = _case_queryset()
    if status:
        cases = cases.filter(status=status)
    if team:
        cases = cases.filter(assignments__team__code=team, assignments__ended_on__isnull=True)
    if worker:
        cases = cases.filter(
            assignments__worker__public_id=worker, assignments__ended_on__isnull=True
        )
    return cases.distinct().order_by("-opened_on", "-id")


def case_get(*, public_id: PublicId) -> Case:
    cases = _case_queryset().prefetch_related(
        Prefetch(
            "handovers",
            queryset=Handover.objects.select_related(
                "from_team", "to_team", "from_worker", "to_worker", "by"
            ),
        )
    )
    return get_or_404(cases, public_id, "Nie znaleziono sprawy.")


def case_get_brief(*, public_id: PublicId) -> Case:
    """The case with its household and current assignments, without its handovers (the case
    file's first screen: one query fewer than ``case_get``)."""
    return get_or_404(_case_queryset(), public_id, "Nie znaleziono sprawy.")


def case_ids_by_number(numbers: Iterable[str]) -> dict[str, UUID]:
    """The public ids of the cases with these numbers (znak sprawy; deadline rows carry the
    number), from one query."""
    wanted = {number for number in numbers if number}
    if not wanted:
        return {}
    rows = Case.objects.filter(number__in=wanted).values_list("number", "public_id")
    return {str(number): public_id for number, public_id in rows}


def case_by_id(public_id: PublicId, *, field: str = "case") -> Case:
    return get_or_field_error(
        Case.objects.select_related("household"), public_id, field, "Nie znaleziono: sprawa."
    )


def application_list(*, status: str = "", case: PublicId | None = None) -> QuerySet[Application]:
    applications = Application.objects.select_related(
        "case", "case__household", "applicant", "registered_by"
    )
    if status:
        applications = applications.filter(status=status)
    if case:
        applications = applications.filter(case__public_id=case)
    return applications.prefetch_related("delay_notices").order_by("-received_on", "-id")


def application_get(*, public_id: PublicId) -> Application:
    return get_or_404(application_list(), public_id, "Nie znaleziono wniosku.")


def application_by_id(public_id: PublicId, *, field: str = "application") -> Application:
    return get_or_field_error(
        Application.objects.select_related("case"), public_id, field, "Nie znaleziono: wniosek."
    )


def interview_list(
    *, case: PublicId | None = None, pending: bool | None = None
) -> QuerySet[FamilyInterview]:
    interviews = FamilyInterview.objects.select_related(
        "case", "case__household", "application", "worker"
    )
    if case:
        interviews = interviews.filter(case__public_id=case)
    if pending is not None:
        interviews = interviews.filter(conducted_on__isnull=pending)
    return interviews.order_by("-needed_since", "-id")


def interview_get(*, public_id: PublicId) -> FamilyInterview:
    return get_or_404(interview_list(), public_id, "Nie znaleziono wywiadu.")


def decision_list(*, application: PublicId | None = None) -> QuerySet[Decision]:
    decisions = Decision.objects.select_related(
        "application",
        "application__case",
        "application__case__household",
        "application__applicant",
        "issued_by",
        "interview",
    )
    if application:
        decisions = decisions.filter(application__public_id=application)
    return decisions.order_by("-issued_on", "-id")


def decision_get(*, public_id: PublicId) -> Decision:
    return get_or_404(decision_list(), public_id, "Nie znaleziono decyzji.")


def decision_by_id(public_id: PublicId, *, field: str = "decision") -> Decision:
    return get_or_field_error(Decision.objects.all(), public_id, field, "Nie znaleziono: decyzja.")


def appeal_list(*, pending: bool | None = None) -> QuerySet[Appeal]:
    appeals = Appeal.objects.select_related(
        "decision",
        "decision__application__applicant",
        "decision__application__case__household",
        "registered_by",
    )
    if pending is not None:
        appeals = (
            appeals.filter(outcome="pending") if pending else appeals.exclude(outcome="pending")
        )
    return appeals.order_by("-lodged_on", "-id")


def appeal_get(*, public_id: PublicId) -> Appeal:
    return get_or_404(appeal_list(), public_id, "Nie znaleziono odwołania.")


# --- the case list ---------------------------------------------------------------------------


def case_search(
    *, user: User, query: str = "", scope: str = Scope.ALL, status: str = ""
) -> QuerySet[Case]:
    """Cases whose register number, or the name or PESEL of a household member (present or
    past), matches every word of ``query``; ``mine``: cases currently assigned to the user,
    ``team``: to the user's team(s) and the units under them, ``all``: the whole centre. Only the
    households the user sees (``casework.visibility``), whatever the scope. Newest first, with the
    household's current members and the current assignments."""
    cases = case_list(status=status).prefetch_related(
        Prefetch(
            "household__members",
            queryset=HouseholdMember.objects.filter(left_on__isnull=True)
            .select_related("person")
            .order_by(Cases(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)), "id"),
            to_attr="current_members",
        )
    )
    cases = cases.filter(households_q(user, "household"))
    # Current assignments; of a closed case, those it had when it closed (closing ends them).
    current = CaseAssignment.objects.filter(case=OuterRef("pk")).filter(
        Q(ended_on__isnull=True) | Q(case__status="closed", ended_on=F("case__closed_on"))
    )
    if scope == Scope.MINE:
        cases = cases.filter(Exists(current.filter(worker_id=user.pk)))
    elif scope == Scope.TEAM:
        cases = cases.filter(Exists(current.filter(team_id__in=user_team_ids(user))))
    for word in query.split():
        members = HouseholdMember.objects.filter(household=OuterRef("household"))
        person_match = Q(person__last_name__icontains=word) | Q(person__first_name__icontains=word)
        if word.isdigit():
            person_match |= Q(person__pesel__startswith=word)
        cases = cases.filter(Q(number__icontains=word) | Exists(members.filter(person_match)))
    return cases


def open_case_ids_of_people(*, people: Iterable[Any], user: User) -> dict[int, tuple[str, UUID]]:
    """For each person (by primary key), the number and public id of the open case of their
    current household, when the user sees that household; one query."""
    pks = [p.pk for p in people]
    if not pks:
        return {}
    rows = (
        Case.objects.filter(
            status="open",
            household__members__person_id__in=pks,
            household__members__left_on__isnull=True,
        )
        .filter(households_q(user, "household"))
        .values_list("household__members__person_id", "number", "public_id")
        .order_by("-opened_on")
    )
    found: dict[int, tuple[str, UUID]] = {}
    for person_id, number, public_id in rows:
        found.setdefault(person_id, (number, public_id))
    return found


def cases_by_number(numbers: Iterable[str]) -> list[Case]:
    """The cases with these numbers (a page that lists cases by number records them as read)."""
    wanted = {number for number in numbers if number}
    return list(Case.objects.filter(number__in=wanted)) if wanted else []
