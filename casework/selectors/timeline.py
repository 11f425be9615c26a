"""The case file: a household's people, its cases and one timeline of everything that happened.

The timeline covers the whole household, across all its cases (an older, closed case is part of
the family's history): intakes, case openings and closings, assignments and handovers,
applications, delay notices, family interviews, decisions and their delivery, appeals, social
contracts and their reviews, individual programmes, participation in social projects and PAL,
service plans and the hours delivered, and the time logged in the activity log.

Each kind of record is read by one query (with its joins), so building a file costs the same
number of queries however long the history. Two kinds are summarised rather than listed: service
deliveries (one entry per plan and month: days and hours) and activity-log entries (one per worker,
category and month: minutes and entries), because a long-served household has them by the
thousand; both are aggregated by the database.

The case list (search by name, PESEL or register number, scoped to the user, the user's team or
the whole centre) lives here too, next to the file it opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.calendar_days import working_days_between
from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    Case,
    CaseAssignment,
    ContractReview,
    Decision,
    DelayNotice,
    FamilyInterview,
    Handover,
    Household,
    HouseholdMember,
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.cases import CaseStatus
from casework.models.intake import IntakeOutcome
from casework.models.proceedings import AppealOutcome, ApplicationStatus
from casework.models.socialwork import ContractStatus
from casework.reference.models import AssistanceReason, BenefitType
from casework.selectors.cases import case_get_brief, case_queryset
from casework.selectors.deadlines import DeadlineKind
from casework.selectors.lookup import PublicId
from tenants.org.models import CanonicalFunction

DEFAULT_TIMELINE_LIMIT = 150


class EntryKind(StrEnum):
    """Kinds of timeline entries, in the order they usually happen on one day."""

    INTAKE = "intake"
    CASE_OPENED = "case_opened"
    HANDOVER = "handover"
    ASSIGNMENT = "assignment"
    APPLICATION = "application"
    DELAY_NOTICE = "delay_notice"
    INTERVIEW_PLANNED = "interview_planned"
    INTERVIEW_DONE = "interview_done"
    DECISION = "decision"
    DECISION_DELIVERED = "decision_delivered"
    APPEAL = "appeal"
    APPEAL_FORWARDED = "appeal_forwarded"
    APPEAL_DECIDED = "appeal_decided"
    CONTRACT = "contract"
    CONTRACT_REVIEW = "contract_review"
    CONTRACT_CLOSED = "contract_closed"
    PROGRAMME = "programme"
    PROGRAMME_ENDED = "programme_ended"
    PROJECT_JOINED = "project_joined"
    PROJECT_LEFT = "project_left"
    SERVICE_PLAN = "service_plan"
    SERVICE_DELIVERIES = "service_deliveries"
    SERVICE_PLAN_ENDED = "service_plan_ended"
    ACTIVITY = "activity"
    CASE_CLOSED = "case_closed"


_RANK = {kind: rank for rank, kind in enumerate(EntryKind)}


def kind_label(kind: EntryKind) -> str:
    labels = {
        EntryKind.INTAKE: _("Zgłoszenie"),
        EntryKind.CASE_OPENED: _("Otwarcie sprawy"),
        EntryKind.HANDOVER: _("Przekazanie sprawy"),
        EntryKind.ASSIGNMENT: _("Przypisanie sprawy"),
        EntryKind.APPLICATION: _("Wniosek"),
        EntryKind.DELAY_NOTICE: _("Zawiadomienie o zwłoce"),
        EntryKind.INTERVIEW_PLANNED: _("Potrzeba wywiadu środowiskowego"),
        EntryKind.INTERVIEW_DONE: _("Wywiad środowiskowy przeprowadzony"),
        EntryKind.DECISION: _("Decyzja"),
        EntryKind.DECISION_DELIVERED: _("Doręczenie decyzji"),
        EntryKind.APPEAL: _("Odwołanie"),
        EntryKind.APPEAL_FORWARDED: _("Odwołanie przekazane do SKO"),
        EntryKind.APPEAL_DECIDED: _("Rozstrzygnięcie odwołania"),
        EntryKind.CONTRACT: _("Kontrakt socjalny"),
        EntryKind.CONTRACT_REVIEW: _("Ocena kontraktu socjalnego"),
        EntryKind.CONTRACT_CLOSED: _("Zakończenie kontraktu socjalnego"),
        EntryKind.PROGRAMME: _("Program indywidualny"),
        EntryKind.PROGRAMME_ENDED: _("Zakończenie programu indywidualnego"),
        EntryKind.PROJECT_JOINED: _("Udział w projekcie"),
        EntryKind.PROJECT_LEFT: _("Zakończenie udziału w projekcie"),
        EntryKind.SERVICE_PLAN: _("Plan usług"),
        EntryKind.SERVICE_DELIVERIES: _("Realizacja usług"),
        EntryKind.SERVICE_PLAN_ENDED: _("Zakończenie planu usług"),
        EntryKind.ACTIVITY: _("Dziennik czynności"),
        EntryKind.CASE_CLOSED: _("Zamknięcie sprawy"),
    }
    return labels[kind]


class DocumentKind(StrEnum):
    DECISION = "decision"
    CONTRACT = "contract"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened. ``at`` is set when the time of day is known; ``document`` names
    the printable document the entry stands for (the page turns it into links)."""

    kind: EntryKind
    day: dt.date
    who: str
    summary: str
    case_number: str
    at: dt.datetime | None = None
    tone: str = ""  # "ok", "warn" or "err": a state worth a badge
    state: str = ""
    document: tuple[DocumentKind, UUID] | None = None
    reference: str = ""  # how the document is named in a link ("decyzja nr …")
    order: int = 0  # tie-break within a kind on one day (the record's key)

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    def sort_key(self) -> tuple[dt.date, int, dt.datetime, int]:
        moment = self.at or dt.datetime.combine(self.day, dt.time.min, tzinfo=dt.UTC)
        return (self.day, _RANK[self.kind], moment, self.order)


@dataclass(frozen=True)
class TimelineDay:
    day: dt.date
    entries: list[TimelineEntry]


@dataclass
class CaseProceedings:
    """The case's current members and its own proceedings: what the next-step forms act on."""

    case: Case
    members: list[HouseholdMember]
    applications: list[Application]
    interviews: list[FamilyInterview]
    decisions: list[Decision]
    appeals: list[Appeal]

    @property
    def is_open(self) -> bool:
        return self.case.status == CaseStatus.OPEN

    @property
    def pending_applications(self) -> list[Application]:
        return [a for a in self.applications if a.status == ApplicationStatus.PENDING]

    @property
    def undecided_benefits(self) -> list[tuple[Application, str]]:
        """Benefits of pending applications that have no decision yet: what may be decided."""
        decided = {(d.application_id, d.benefit) for d in self.decisions}
        return [
            (a, code)
            for a in self.pending_applications
            for code in a.benefits
            if (a.pk, code) not in decided
        ]

    @property
    def pending_interviews(self) -> list[FamilyInterview]:
        return [i for i in self.interviews if i.conducted_on is None]

    @property
    def undelivered_decisions(self) -> list[Decision]:
        return [d for d in self.decisions if d.delivered_on is None]

    @property
    def delivered_decisions(self) -> list[Decision]:
        return [d for d in self.decisions if d.delivered_on is not None]

    @property
    def appealable_decisions(self) -> list[Decision]:
        """Delivered decisions with no appeal yet (the service checks the 14 days)."""
        appealed = {a.decision_id for a in self.appeals}
        return [d for d in self.delivered_decisions if d.pk not in appealed]

    @property
    def appeals_to_forward(self) -> list[Appeal]:
        return [
            a for a in self.appeals if a.forwarded_on is None and a.outcome == AppealOutcome.PENDING
        ]

    @property
    def pending_appeals(self) -> list[Appeal]:
        return [a for a in self.appeals if a.outcome == AppealOutcome.PENDING]


@dataclass
class CaseFile:
    """Everything the case-file page shows: the household, its cases, the case's proceedings
    and the household's timeline (across all its cases)."""

    case: Case
    household: Household
    members: list[HouseholdMember]
    cases: list[Case]
    proceedings: CaseProceedings
    timeline: list[TimelineDay]
    timeline_total: int
    timeline_shown: int
    kinds: list[EntryKind] = field(default_factory=list)
    all_members: list[HouseholdMember] = field(default_factory=list)  # past ones too

    @property
    def timeline_truncated(self) -> bool:
        return self.timeline_shown < self.timeline_total


# --- formatting helpers --------------------------------------------------------------------------


def _name(user: Any) -> str:
    if user is None:
        return ""
    full = str(user.get_full_name()).strip()
    return full or str(user.get_username())


def _day(value: dt.date | None) -> str:
    return date_format(value, "d.m.Y") if value else ""


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    text = number_format(amount, decimal_pos=2, force_grouping=True)
    return _("%(amount)s zł") % {"amount": text}


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d godz. %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d godz.") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


def _decimal_hours(value: Decimal) -> str:
    text = number_format(value.normalize(), force_grouping=True)
    return _("%(h)s godz.") % {"h": text}


def _cap(text: str) -> str:
    """The first letter upper-case, the rest untouched (``str.capitalize`` lowers "IV")."""
    return text[:1].upper() + text[1:]


def _month(day: dt.date) -> str:
    """The month and year; Polish writes the month's name in lower case, English does not."""
    text = date_format(day, "F Y")
    return text.lower() if (get_language() or "pl").startswith("pl") else text


def _team_and_worker(team: Any, worker: Any) -> str:
    parts = [str(team.name) if team is not None else ""]
    if worker is not None:
        parts.append(_name(worker))
    return " – ".join(p for p in parts if p)


# --- the case file -------------------------------------------------------------------------------


def case_file_get(
    *,
    public_id: PublicId,
    limit: int | None = DEFAULT_TIMELINE_LIMIT,
    offset: int = 0,
    with_timeline: bool = True,
) -> CaseFile:
    """The case with its household, current members and the household's timeline (newest first,
    grouped by day; the entries from ``offset`` on, at most ``limit`` of them, all when ``limit``
    is None). Unknown id: NotFound.

    ``with_timeline=False`` reads only what the file's first screen needs (the case, its
    household, its own proceedings): a fixed number of queries, the timeline left empty (the page
    asks for it separately, see ``casework.ui.cases.case_history``)."""
    # The case and the household's other cases in one read (with their current assignments).
    cases = list(
        case_queryset()
        .filter(
            household_id=Subquery(
                Case.objects.filter(public_id=public_id).values("household_id")[:1]
            )
        )
        .order_by("-opened_on", "-id")
    )
    case = next((c for c in cases if str(c.public_id) == str(public_id)), None)
    if case is None:
        case = case_get_brief(public_id=public_id)  # NotFound, as every case lookup says it
    household = case.household
    members = list(
        HouseholdMember.objects.filter(household=household)
        .select_related("person")
        .order_by("joined_on", "id")
    )
    current = [m for m in members if m.left_on is None]
    if not with_timeline:
        proceedings = _case_proceedings(case, current)
        return CaseFile(
            case=case,
            household=household,
            members=current,
            cases=cases,
            proceedings=proceedings,
            timeline=[],
            timeline_total=0,
            timeline_shown=0,
            all_members=members,
        )
    people = [m.person for m in members]
    builder = _TimelineBuilder(household=household, cases=cases, people=people)
    entries = builder.entries()
    entries.sort(key=TimelineEntry.sort_key, reverse=True)
    shown = entries[offset:] if limit is None else entries[offset : offset + limit]
    return CaseFile(
        case=case,
        household=household,
        members=current,
        cases=cases,
        proceedings=CaseProceedings(
            case=case,
            members=current,
            applications=[a for a in builder.applications if a.case_id == case.pk],
            interviews=[i for i in builder.interviews if i.case_id == case.pk],
            decisions=[d for d in builder.decisions if d.application.case_id == case.pk],
            appeals=[a for a in builder.appeals if a.decision.application.case_id == case.pk],
        ),
        timeline=group_by_day(shown),
        timeline_total=len(entries),
        timeline_shown=offset + len(shown),
        kinds=sorted({e.kind for e in entries}, key=_RANK.__getitem__),
        all_members=members,
    )


def _case_proceedings(case: Case, members: list[HouseholdMember]) -> CaseProceedings:
    # The latest date of the delay notices is all the first screen needs of them.
    applications = (
        Application.objects.select_related("applicant", "registered_by", "case")
        .annotate(latest_new_due_on=Max("delay_notices__new_due_on"))
        .filter(case=case)
        .order_by("-received_on", "-id")
    )
    applications_read: list[Application] = list(applications)
    # By the keys already read (an index lookup, not a join over the centre's decisions), and not
    # at all when there is nothing to look for.
    # The forms name a decision by its number, date, outcome and benefit, an appeal by its
    # decision's number: no joins beyond those.
    decisions = (
        list(
            Decision.objects.filter(application_id__in=[a.pk for a in applications_read])
            .select_related("issued_by")
            .order_by("-issued_on", "-id")
        )
        if applications_read
        else []
    )
    appeals = (
        list(
            Appeal.objects.filter(decision_id__in=[d.pk for d in decisions])
            .select_related("decision")
            .order_by("-lodged_on", "-id")
        )
        if decisions
        else []
    )
    return CaseProceedings(
        case=case,
        members=members,
        applications=applications_read,
        interviews=list(_interviews().filter(case=case)),
        decisions=decisions,
        appeals=appeals,
    )


def case_proceedings_get(*, case: Case) -> CaseProceedings:
    """The case's current members and proceedings, read for one form (fewer queries than the
    whole file); the same joins as the file's, so the forms label their options alike."""
    members = list(
        HouseholdMember.objects.filter(household_id=case.household_id, left_on__isnull=True)
        .select_related("person")
        .order_by("joined_on", "id")
    )
    return CaseProceedings(
        case=case,
        members=members,
        applications=list(_applications().filter(case=case)),
        interviews=list(_interviews().filter(case=case)),
        decisions=list(_decisions().filter(application__case=case)),
        appeals=list(_appeals().filter(decision__application__case=case)),
    )


def application_due_on(application: Application) -> dt.date:
    """The day the application must be decided by: the KPA limit, or the latest new date given in
    a delay notice (``delay_notices`` prefetched, as ``_applications`` does)."""
    if hasattr(application, "latest_new_due_on"):  # annotated instead (the file's first screen)
        latest: dt.date | None = application.latest_new_due_on
    else:
        latest = max((n.new_due_on for n in application.delay_notices.all()), default=None)
    return latest or application.decision_due_on


# --- what is due in the case ---------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """Something of the case waiting for the staff, with its date: the first thing the case file
    shows. ``step`` names the case-file step that acts on it ("" when its form is elsewhere, e.g.
    a contract review, which ``contract`` then names)."""

    kind: str  # a DeadlineKind value
    what: str
    due_on: dt.date
    days_late: int  # working days past ``due_on`` (0 when not yet late)
    step: str = ""
    contract: SocialContract | None = None

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def case_due_list(
    *, proceedings: CaseProceedings, today: dt.date, benefit_names: dict[str, str]
) -> list[DueItem]:
    """What is waiting in the case, the earliest date first: interviews not yet conducted,
    applications without a decision (by their KPA or postponed date), appeals not yet forwarded
    to the SKO and contract reviews not yet done (contracts in force). One query (the reviews);
    the rest comes from ``proceedings``."""

    def late(due: dt.date) -> int:
        return max(0, working_days_between(due, today)) if due < today else 0

    items: list[DueItem] = []
    for interview in proceedings.pending_interviews:
        items.append(
            DueItem(
                kind=DeadlineKind.INTERVIEW,
                what=_cap(str(interview.get_kind_display())),
                due_on=interview.due_on,
                days_late=late(interview.due_on),
                step="interview-record",
            )
        )
    for application in proceedings.pending_applications:
        due = application_due_on(application)
        benefits = ", ".join(benefit_names.get(code, code) for code in application.benefits)
        items.append(
            DueItem(
                kind=DeadlineKind.DECISION,
                what=_("Decyzja w sprawie wniosku z %(day)s: %(benefits)s")
                % {"day": _day(application.received_on), "benefits": benefits},
                due_on=due,
                days_late=late(due),
                step="decision",
            )
        )
    for appeal in proceedings.appeals_to_forward:
        due = appeal.forward_due_on
        items.append(
            DueItem(
                kind=DeadlineKind.APPEAL_FORWARD,
                what=_("Przekazanie do SKO odwołania od decyzji nr %(number)s")
                % {"number": appeal.decision.number},
                due_on=due,
                days_late=late(due),
                step="appeal-forward",
            )
        )
    reviews = ContractReview.objects.filter(
        contract__case=proceedings.case,
        done_on__isnull=True,
        contract__status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
    ).select_related("contract", "contract__person")
    for review in reviews:
        items.append(
            DueItem(
                kind=DeadlineKind.CONTRACT_REVIEW,
                what=_("Ocena realizacji kontraktu socjalnego – %(person)s")
                % {"person": review.contract.person},
                due_on=review.due_on,
                days_late=late(review.due_on),
                contract=review.contract,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.kind))
    return items


def _applications() -> QuerySet[Application]:
    return (
        Application.objects.select_related("applicant", "registered_by", "case")
        .prefetch_related(
            Prefetch(
                "delay_notices",
                queryset=DelayNotice.objects.select_related("by").order_by("sent_on", "id"),
            )
        )
        .order_by("-received_on", "-id")
    )


def _interviews() -> QuerySet[FamilyInterview]:
    return FamilyInterview.objects.select_related("worker", "application").order_by(
        "-needed_since", "-id"
    )


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "issued_by", "application", "application__applicant"
    ).order_by("-issued_on", "-id")


def _appeals() -> QuerySet[Appeal]:
    return Appeal.objects.select_related(
        "registered_by", "decision", "decision__application"
    ).order_by("-lodged_on", "-id")


def group_by_day(entries: Iterable[TimelineEntry]) -> list[TimelineDay]:
    """Consecutive entries of one day together (``entries`` already sorted)."""
    days: list[TimelineDay] = []
    for entry in entries:
        if days and days[-1].day == entry.day:
            days[-1].entries.append(entry)
        else:
            days.append(TimelineDay(day=entry.day, entries=[entry]))
    return days


class _TimelineBuilder:
    """Reads each kind of record of the household once and turns it into entries."""

    def __init__(self, *, household: Household, cases: Sequence[Case], people: Sequence[Person]):
        self.household = household
        self.cases = list(cases)
        self.numbers = {c.pk: c.number for c in self.cases}
        self.person_ids = [p.pk for p in people]
        self.benefit_names = dict(BenefitType.objects.values_list("code", "name"))
        self.applications: list[Application] = []
        self.interviews: list[FamilyInterview] = []
        self.decisions: list[Decision] = []
        self.appeals: list[Appeal] = []
        self.plan_labels: dict[int, str] = {}
        self.today = timezone.localdate()
        self._handovers_cache: list[Handover] | None = None

    def number(self, case_id: int | None) -> str:
        return self.numbers.get(case_id, "") if case_id is not None else ""

    def benefit(self, code: str) -> str:
        return self.benefit_names.get(code, code)

    def entries(self) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        for part in (
            self._cases,
            self._intakes,
            self._assignments,
            self._handovers,
            self._applications,
            self._interviews,
            self._decisions,
            self._appeals,
            self._contracts,
            self._programmes,
            self._projects,
            self._service_plans,
            self._service_deliveries,
            self._activity,
        ):
            entries.extend(part())
        return entries

    # -- cases, intakes, assignments ---------------------------------------------------------

    def _cases(self) -> list[TimelineEntry]:
        entries = []
        for case in self.cases:
            entries.append(
                TimelineEntry(
                    kind=EntryKind.CASE_OPENED,
                    day=case.opened_on,
                    who="",
                    summary=_("Sprawa %(number)s otwarta.") % {"number": case.number},
                    case_number=case.number,
                    order=case.pk,
                )
            )
            if case.status == CaseStatus.CLOSED and case.closed_on:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.CASE_CLOSED,
                        day=case.closed_on,
                        who="",
                        summary=case.closing_reason,
                        case_number=case.number,
                        order=case.pk,
                    )
                )
        return entries

    def _intakes(self) -> list[TimelineEntry]:
        reason_names = dict(AssistanceReason.objects.values_list("code", "name"))
        intakes = (
            Intake.objects.filter(
                Q(household=self.household)
                | Q(person_id__in=self.person_ids)
                | Q(case__household=self.household)
            )
            .select_related("registered_by", "routed_team", "routed_worker")
            .order_by("arrived_at", "id")
        )
        entries = []
        for intake in intakes:
            parts = [f"{intake.get_channel_display()}, {intake.get_reporter_kind_display()}"]
            if intake.reasons:
                parts.append(", ".join(reason_names.get(code, code) for code in intake.reasons))
            if intake.outcome == IntakeOutcome.ROUTED:
                target = _team_and_worker(intake.routed_team, intake.routed_worker)
                parts.append(_("przekazano: %(target)s") % {"target": target})
            else:
                parts.append(str(intake.get_outcome_display()))
            if intake.outcome_note:
                parts.append(intake.outcome_note)
            entries.append(
                TimelineEntry(
                    kind=EntryKind.INTAKE,
                    day=timezone.localdate(intake.arrived_at),
                    at=intake.arrived_at,
                    who=_name(intake.registered_by),
                    summary=" · ".join(parts),
                    case_number=self.number(intake.case_id),
                    tone="warn" if intake.outcome == IntakeOutcome.PENDING else "",
                    state=str(intake.get_outcome_display())
                    if intake.outcome == IntakeOutcome.PENDING
                    else "",
                    order=intake.pk,
                )
            )
        return entries

    def _handover_rows(self) -> list[Handover]:
        if self._handovers_cache is None:
            self._handovers_cache = list(
                Handover.objects.filter(case__household=self.household)
                .select_related("from_team", "to_team", "from_worker", "to_worker", "by")
                .order_by("handed_over_at", "id")
            )
        return self._handovers_cache

    def _assignments(self) -> list[TimelineEntry]:
        from_handover = {
            (h.case_id, timezone.localdate(h.handed_over_at), h.to_team_id, h.to_worker_id)
            for h in self._handover_rows()
        }
        functions = dict(CanonicalFunction.choices)
        assignments = (
            CaseAssignment.objects.filter(case__household=self.household)
            .select_related("team", "worker")
            .order_by("started_on", "id")
        )
        entries = []
        for a in assignments:
            if (a.case_id, a.started_on, a.team_id, a.worker_id) in from_handover:
                continue  # the handover entry already says it
            entries.append(
                TimelineEntry(
                    kind=EntryKind.ASSIGNMENT,
                    day=a.started_on,
                    who="",
                    summary=_("%(function)s: %(target)s")
                    % {
                        "function": functions.get(a.function, a.function),
                        "target": _team_and_worker(a.team, a.worker),
                    },
                    case_number=self.number(a.case_id),
                    order=a.pk,
                )
            )
        return entries

    def _handovers(self) -> list[TimelineEntry]:
        entries = []
        for h in self._handover_rows():
            source = _team_and_worker(h.from_team, h.from_worker) or _("bez przypisania")
            target = _team_and_worker(h.to_team, h.to_worker)
            entries.append(
                TimelineEntry(
                    kind=EntryKind.HANDOVER,
                    day=timezone.localdate(h.handed_over_at),
                    at=h.handed_over_at,
                    who=_name(h.by),
                    summary=_("%(source)s → %(target)s. Powód: %(reason)s")
                    % {"source": source, "target": target, "reason": h.reason},
                    case_number=self.number(h.case_id),
                    order=h.pk,
                )
            )
        return entries

    # -- benefit proceedings -----------------------------------------------------------------

    def _applications(self) -> list[TimelineEntry]:
        self.applications = list(_applications().filter(case__household=self.household))
        entries = []
        for app in self.applications:
            benefits = ", ".join(self.benefit(code) for code in app.benefits)
            flags = []
            if app.urgent:
                flags.append(_("pilny"))
            if app.complex:
                flags.append(_("sprawa szczególnie skomplikowana"))
            summary = _("%(applicant)s wnosi o: %(benefits)s. Termin załatwienia: %(due)s.") % {
                "applicant": app.applicant,
                "benefits": benefits,
                "due": _day(app.decision_due_on),
            }
            if flags:
                summary += " (" + ", ".join(flags) + ")"
            pending = app.status == ApplicationStatus.PENDING
            late = pending and application_due_on(app) < self.today
            entries.append(
                TimelineEntry(
                    kind=EntryKind.APPLICATION,
                    day=app.received_on,
                    who=_name(app.registered_by),
                    summary=summary,
                    case_number=self.number(app.case_id),
                    tone="err" if late else "warn" if pending else "",
                    state=str(_("po terminie")) if late else str(app.get_status_display()),
                    order=app.pk,
                )
            )
            for notice in app.delay_notices.all():
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.DELAY_NOTICE,
                        day=notice.sent_on,
                        who=_name(notice.by),
                        summary=_("Nowy termin: %(due)s. Przyczyna: %(reason)s")
                        % {"due": _day(notice.new_due_on), "reason": notice.reason},
                        case_number=self.number(app.case_id),
                        order=notice.pk,
                    )
                )
        return entries

    def _interviews(self) -> list[TimelineEntry]:
        self.interviews = list(_interviews().filter(case__household=self.household))
        today = timezone.localdate()
        entries = []
        for interview in self.interviews:
            kind = str(interview.get_kind_display())
            if interview.conducted_on is None:
                overdue = interview.due_on < today
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.INTERVIEW_PLANNED,
                        day=interview.needed_since,
                        who=_name(interview.worker),
                        summary=_("%(kind)s do przeprowadzenia do %(due)s.")
                        % {"kind": _cap(kind), "due": _day(interview.due_on)},
                        case_number=self.number(interview.case_id),
                        tone="err" if overdue else "warn",
                        state=_("po terminie") if overdue else _("zaplanowany"),
                        order=interview.pk,
                    )
                )
                continue
            late = interview.conducted_on > interview.due_on
            entries.append(
                TimelineEntry(
                    kind=EntryKind.INTERVIEW_DONE,
                    day=interview.conducted_on,
                    who=_name(interview.worker),
                    summary=_("%(kind)s. Diagnoza: %(diagnosis)s")
                    % {"kind": _cap(kind), "diagnosis": _shorten(interview.diagnosis)},
                    case_number=self.number(interview.case_id),
                    tone="err" if late else "",
                    state=_("po terminie (%(due)s)") % {"due": _day(interview.due_on)}
                    if late
                    else "",
                    order=interview.pk,
                )
            )
        return entries

    def _decisions(self) -> list[TimelineEntry]:
        self.decisions = list(_decisions().filter(application__case__household=self.household))
        entries = []
        for decision in self.decisions:
            case_number = self.number(decision.application.case_id)
            details = [
                f"{decision.get_outcome_display()}: {self.benefit(decision.benefit)}",
            ]
            if decision.amount is not None:
                details.append(_money(decision.amount))
            if decision.period_from:
                period = _("od %(start)s") % {"start": _day(decision.period_from)}
                if decision.period_to:
                    period += " " + _("do %(end)s") % {"end": _day(decision.period_to)}
                details.append(period)
            entries.append(
                TimelineEntry(
                    kind=EntryKind.DECISION,
                    day=decision.issued_on,
                    who=_name(decision.issued_by),
                    summary=_("Nr %(number)s – %(details)s")
                    % {"number": decision.number, "details": ", ".join(details)},
                    case_number=case_number,
                    tone="err" if decision.outcome == "refuse" else "ok",
                    state=str(decision.get_outcome_display()),
                    document=(DocumentKind.DECISION, decision.public_id),
                    reference=_("decyzja nr %(number)s") % {"number": decision.number},
                    order=decision.pk,
                )
            )
            if decision.delivered_on:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.DECISION_DELIVERED,
                        day=decision.delivered_on,
                        who="",
                        summary=_("Decyzja nr %(number)s doręczona stronie.")
                        % {"number": decision.number},
                        case_number=case_number,
                        order=decision.pk,
                    )
                )
        return entries

    def _appeals(self) -> list[TimelineEntry]:
        self.appeals = list(
            _appeals().filter(decision__application__case__household=self.household)
        )
        entries = []
        for appeal in self.appeals:
            case_number = self.number(appeal.decision.application.case_id)
            number = appeal.decision.number
            entries.append(
                TimelineEntry(
                    kind=EntryKind.APPEAL,
                    day=appeal.lodged_on,
                    who=_name(appeal.registered_by),
                    summary=_("Odwołanie od decyzji nr %(number)s.") % {"number": number},
                    case_number=case_number,
                    tone="warn" if appeal.outcome == AppealOutcome.PENDING else "",
                    state=str(appeal.get_outcome_display())
                    if appeal.outcome == AppealOutcome.PENDING
                    else "",
                    order=appeal.pk,
                )
            )
            if appeal.forwarded_on:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.APPEAL_FORWARDED,
                        day=appeal.forwarded_on,
                        who="",
                        summary=_("Odwołanie od decyzji nr %(number)s przekazane do SKO.")
                        % {"number": number},
                        case_number=case_number,
                        order=appeal.pk,
                    )
                )
            if appeal.outcome != AppealOutcome.PENDING and appeal.outcome_on:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.APPEAL_DECIDED,
                        day=appeal.outcome_on,
                        who="",
                        summary=_("Decyzja nr %(number)s: %(outcome)s.")
                        % {"number": number, "outcome": appeal.get_outcome_display()},
                        case_number=case_number,
                        order=appeal.pk,
                    )
                )
        return entries

    # -- social work -------------------------------------------------------------------------

    def _contracts(self) -> list[TimelineEntry]:
        contracts = (
            SocialContract.objects.filter(case__household=self.household)
            .select_related("person", "worker")
            .prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=ContractReview.objects.filter(done_on__isnull=False).order_by(
                        "done_on", "id"
                    ),
                )
            )
        )
        entries = []
        for contract in contracts:
            case_number = self.number(contract.case_id)
            document = (DocumentKind.CONTRACT, contract.public_id)
            reference = _("kontrakt socjalny z %(day)s") % {"day": _day(contract.starts_on)}
            entries.append(
                TimelineEntry(
                    kind=EntryKind.CONTRACT,
                    day=contract.signed_on or contract.starts_on,
                    who=_name(contract.worker),
                    summary=_("%(variant)s z: %(person)s, %(start)s – %(end)s. Cele: %(goals)s")
                    % {
                        "variant": _cap(str(contract.get_variant_display())),
                        "person": contract.person,
                        "start": _day(contract.starts_on),
                        "end": _day(contract.ends_on),
                        "goals": _shorten(contract.goals),
                    },
                    case_number=case_number,
                    state=str(contract.get_status_display()),
                    tone="warn" if contract.status == "draft" else "",
                    document=document,
                    reference=reference,
                    order=contract.pk,
                )
            )
            for review in contract.reviews.all():
                if review.done_on is None:  # not done yet: not an event
                    continue
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.CONTRACT_REVIEW,
                        day=review.done_on,
                        who=_name(contract.worker),
                        summary=_shorten(review.note) or _("Ocena realizacji kontraktu."),
                        case_number=case_number,
                        order=review.pk,
                    )
                )
            if contract.closed_on:
                achieved = {True: _("cele osiągnięte"), False: _("cele nieosiągnięte")}
                outcome = (
                    achieved[contract.goals_achieved] if contract.goals_achieved is not None else ""
                )
                summary = ", ".join(
                    p
                    for p in (
                        str(contract.get_status_display()),
                        outcome,
                        _shorten(contract.outcome_note),
                    )
                    if p
                )
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.CONTRACT_CLOSED,
                        day=contract.closed_on,
                        who=_name(contract.worker),
                        summary=summary,
                        case_number=case_number,
                        tone="err" if contract.status == "broken" else "ok",
                        state=str(contract.get_status_display()),
                        order=contract.pk,
                    )
                )
        return entries

    def _programmes(self) -> list[TimelineEntry]:
        programmes = IndividualProgramme.objects.filter(
            case__household=self.household
        ).select_related("person", "worker")
        today = timezone.localdate()
        entries = []
        for programme in programmes:
            case_number = self.number(programme.case_id)
            entries.append(
                TimelineEntry(
                    kind=EntryKind.PROGRAMME,
                    day=programme.starts_on,
                    who=_name(programme.worker),
                    summary=_("%(kind)s: %(person)s.")
                    % {
                        "kind": _cap(str(programme.get_kind_display())),
                        "person": programme.person,
                    },
                    case_number=case_number,
                    state=str(programme.get_status_display()),
                    order=programme.pk,
                )
            )
            if programme.status != "active" and programme.ends_on and programme.ends_on <= today:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.PROGRAMME_ENDED,
                        day=programme.ends_on,
                        who=_name(programme.worker),
                        summary=_("%(kind)s: %(status)s.")
                        % {
                            "kind": _cap(str(programme.get_kind_display())),
                            "status": programme.get_status_display(),
                        },
                        case_number=case_number,
                        order=programme.pk,
                    )
                )
        return entries

    def _projects(self) -> list[TimelineEntry]:
        participations = ProjectParticipation.objects.filter(
            person_id__in=self.person_ids
        ).select_related("project", "person")
        today = timezone.localdate()
        entries = []
        for p in participations:
            project = f"{p.project.get_kind_display()} „{p.project.name}”"
            entries.append(
                TimelineEntry(
                    kind=EntryKind.PROJECT_JOINED,
                    day=p.joined_on,
                    who="",
                    summary=_("%(person)s: %(project)s.")
                    % {"person": p.person, "project": project},
                    case_number="",
                    order=p.pk,
                )
            )
            if p.left_on and p.left_on <= today:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.PROJECT_LEFT,
                        day=p.left_on,
                        who="",
                        summary=_("%(person)s: %(project)s.")
                        % {"person": p.person, "project": project},
                        case_number="",
                        order=p.pk,
                    )
                )
        return entries

    # -- care services -----------------------------------------------------------------------

    def _service_plans(self) -> list[TimelineEntry]:
        plans = ServicePlan.objects.filter(case__household=self.household).select_related(
            "recipient", "coordinator"
        )
        today = timezone.localdate()
        entries = []
        for plan in plans:
            case_number = self.number(plan.case_id)
            service = str(plan.get_service_type_display())
            self.plan_labels[plan.pk] = service
            provider = str(plan.get_provider_kind_display())
            if plan.provider_name:
                provider += f" ({plan.provider_name})"
            entries.append(
                TimelineEntry(
                    kind=EntryKind.SERVICE_PLAN,
                    day=plan.starts_on,
                    who=_name(plan.coordinator),
                    summary=_("%(service)s dla: %(person)s, %(hours)s tygodniowo; %(provider)s.")
                    % {
                        "service": _cap(service),
                        "person": plan.recipient,
                        "hours": _decimal_hours(plan.hours_per_week),
                        "provider": provider,
                    },
                    case_number=case_number,
                    order=plan.pk,
                )
            )
            if plan.ends_on and plan.ends_on <= today:
                entries.append(
                    TimelineEntry(
                        kind=EntryKind.SERVICE_PLAN_ENDED,
                        day=plan.ends_on,
                        who=_name(plan.coordinator),
                        summary=_("%(service)s dla: %(person)s.")
                        % {"service": _cap(service), "person": plan.recipient},
                        case_number=case_number,
                        order=plan.pk,
                    )
                )
        return entries

    def _service_deliveries(self) -> list[TimelineEntry]:
        rows = (
            ServiceDelivery.objects.filter(plan__case__household=self.household)
            .annotate(month=TruncMonth("day"))
            .values("plan_id", "plan__case_id", "month")
            .annotate(days=Count("id"), hours=Sum("hours"), last_day=Max("day"))
            .order_by("plan_id", "month")
        )
        labels = self.plan_labels  # filled by _service_plans, which runs first
        entries = []
        for row in rows:
            last_day: dt.date = row["last_day"]
            entries.append(
                TimelineEntry(
                    kind=EntryKind.SERVICE_DELIVERIES,
                    day=last_day,
                    who="",
                    summary=_("%(service)s, %(month)s: %(hours)s w %(days)d dniach.")
                    % {
                        "service": _cap(labels.get(row["plan_id"], "")),
                        "month": _month(last_day),
                        "hours": _decimal_hours(row["hours"]),
                        "days": row["days"],
                    },
                    case_number=self.number(row["plan__case_id"]),
                    order=row["plan_id"],
                )
            )
        return entries

    def _activity(self) -> list[TimelineEntry]:
        categories = dict(ActivityEntry._meta.get_field("category").flatchoices)
        rows = (
            ActivityEntry.objects.filter(household=self.household)
            .annotate(month=TruncMonth("day"))
            .values("worker_id", "worker__first_name", "worker__last_name", "category", "month")
            .annotate(minutes=Sum("minutes"), count=Count("id"), last_day=Max("day"))
            .order_by("worker_id", "category", "month")
        )
        entries = []
        for row in rows:
            last_day: dt.date = row["last_day"]
            who = f"{row['worker__first_name']} {row['worker__last_name']}".strip()
            entries.append(
                TimelineEntry(
                    kind=EntryKind.ACTIVITY,
                    day=last_day,
                    who=who,
                    summary=_("%(category)s, %(month)s: %(time)s (wpisów: %(count)d).")
                    % {
                        "category": _cap(str(categories.get(row["category"], row["category"]))),
                        "month": _month(last_day),
                        "time": _hours(int(row["minutes"])),
                        "count": row["count"],
                    },
                    case_number="",
                    order=int(row["worker_id"]),
                )
            )
        return entries


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
