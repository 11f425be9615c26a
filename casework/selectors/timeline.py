"""A household's history: everything that happened across all its cases, as typed events.

The history covers the whole household (an older, closed case is part of the family's history):
intakes, case openings and closings, assignments and handovers, applications, delay notices,
family interviews, decisions and their delivery, appeals, social contracts and their reviews,
individual programmes, participation in social projects and PAL, service plans and the hours
delivered, and the time logged in the activity log.

Each event names its kind, its day, the case it belongs to and the record it stands for (its
``subject``); the words people read are written by the page (casework.ui.presenters.timeline).
Each kind of record is read by one query (with its joins), so the history costs the same number of
queries however long it is. Two kinds are summarised rather than listed: service deliveries (one
event per plan and month: days and hours) and activity-log entries (one per worker, category and
month: minutes and entries), because a long-served household has them by the thousand; both are
aggregated by the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.cases import CaseStatus
from casework.models.proceedings import AppealOutcome
from casework.reference.models import AssistanceReason, BenefitType


class EntryKind(models.TextChoices):
    """Kinds of events, in the order they usually happen on one day."""

    INTAKE = "intake", _("Zgłoszenie")
    CASE_OPENED = "case_opened", _("Otwarcie sprawy")
    HANDOVER = "handover", _("Przekazanie sprawy")
    ASSIGNMENT = "assignment", _("Przypisanie sprawy")
    APPLICATION = "application", _("Wniosek")
    DELAY_NOTICE = "delay_notice", _("Zawiadomienie o zwłoce")
    INTERVIEW_PLANNED = "interview_planned", _("Potrzeba wywiadu środowiskowego")
    INTERVIEW_DONE = "interview_done", _("Wywiad środowiskowy przeprowadzony")
    DECISION = "decision", _("Decyzja")
    DECISION_DELIVERED = "decision_delivered", _("Doręczenie decyzji")
    APPEAL = "appeal", _("Odwołanie")
    APPEAL_FORWARDED = "appeal_forwarded", _("Odwołanie przekazane do SKO")
    APPEAL_DECIDED = "appeal_decided", _("Rozstrzygnięcie odwołania")
    CONTRACT = "contract", _("Kontrakt socjalny")
    CONTRACT_REVIEW = "contract_review", _("Ocena kontraktu socjalnego")
    CONTRACT_CLOSED = "contract_closed", _("Zakończenie kontraktu socjalnego")
    PROGRAMME = "programme", _("Program indywidualny")
    PROGRAMME_ENDED = "programme_ended", _("Zakończenie programu indywidualnego")
    PROJECT_JOINED = "project_joined", _("Udział w projekcie")
    PROJECT_LEFT = "project_left", _("Zakończenie udziału w projekcie")
    SERVICE_PLAN = "service_plan", _("Plan usług")
    SERVICE_DELIVERIES = "service_deliveries", _("Realizacja usług")
    SERVICE_PLAN_ENDED = "service_plan_ended", _("Zakończenie planu usług")
    ACTIVITY = "activity", _("Dziennik czynności")
    CASE_CLOSED = "case_closed", _("Zamknięcie sprawy")


RANK = {kind: rank for rank, kind in enumerate(EntryKind)}


@dataclass(frozen=True)
class ServiceMonth:
    """The services of one plan delivered in one month."""

    plan: ServicePlan | None
    last_day: dt.date
    days: int
    hours: Decimal


@dataclass(frozen=True)
class ActivityMonth:
    """A worker's activity-log entries of one category in one month."""

    worker_id: int
    worker_name: str
    category: str
    last_day: dt.date
    minutes: int
    count: int


Subject = (
    Case
    | Intake
    | CaseAssignment
    | Handover
    | Application
    | DelayNotice
    | FamilyInterview
    | Decision
    | Appeal
    | SocialContract
    | ContractReview
    | IndividualProgramme
    | ProjectParticipation
    | ServicePlan
    | ServiceMonth
    | ActivityMonth
)


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened: its kind, day (and time, when known), the case it belongs to
    ("" for what concerns a person rather than a case) and the record it stands for."""

    kind: EntryKind
    day: dt.date
    case_number: str
    subject: Subject
    at: dt.datetime | None = None
    order: int = 0  # tie-break within a kind on one day (the record's key)

    @property
    def label(self) -> str:
        return str(self.kind.label)

    def sort_key(self) -> tuple[dt.date, int, dt.datetime, int]:
        moment = self.at or dt.datetime.combine(self.day, dt.time.min, tzinfo=dt.UTC)
        return (self.day, RANK[self.kind], moment, self.order)


@dataclass(frozen=True)
class TimelineDay:
    day: dt.date
    entries: list[TimelineEvent]


@dataclass(frozen=True)
class ReferenceNames:
    """Names of the codes the events hold (benefits, assistance reasons)."""

    benefits: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def group_by_day(entries: Iterable[TimelineEvent]) -> list[TimelineDay]:
    """Consecutive entries of one day together (``entries`` already sorted)."""
    days: list[TimelineDay] = []
    for entry in entries:
        if days and days[-1].day == entry.day:
            days[-1].entries.append(entry)
        else:
            days.append(TimelineDay(day=entry.day, entries=[entry]))
    return days


def applications_queryset() -> QuerySet[Application]:
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


def interviews_queryset() -> QuerySet[FamilyInterview]:
    return FamilyInterview.objects.select_related("worker", "application").order_by(
        "-needed_since", "-id"
    )


def decisions_queryset() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "issued_by", "application", "application__applicant"
    ).order_by("-issued_on", "-id")


def appeals_queryset() -> QuerySet[Appeal]:
    return Appeal.objects.select_related(
        "registered_by", "decision", "decision__application"
    ).order_by("-lodged_on", "-id")


class HouseholdHistory:
    """Reads each kind of record of the household once and turns it into events; keeps the
    proceedings it read (applications, interviews, decisions, appeals) for the case file."""

    def __init__(self, *, household: Household, cases: Sequence[Case], people: Sequence[Person]):
        self.household = household
        self.cases = list(cases)
        self.numbers = {c.pk: c.number for c in self.cases}
        self.person_ids = [p.pk for p in people]
        self.names = ReferenceNames(
            benefits=dict(BenefitType.objects.values_list("code", "name")),
            reasons=dict(AssistanceReason.objects.values_list("code", "name")),
        )
        self.applications: list[Application] = []
        self.interviews: list[FamilyInterview] = []
        self.decisions: list[Decision] = []
        self.appeals: list[Appeal] = []
        self.plans: dict[int, ServicePlan] = {}
        self.today = timezone.localdate()

    def number(self, case_id: int | None) -> str:
        return self.numbers.get(case_id, "") if case_id is not None else ""

    def events(self) -> list[TimelineEvent]:
        events: list[TimelineEvent] = []
        for part in (
            self._cases,
            self._intakes,
            self._assignments_and_handovers,
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
            events.extend(part())
        return events

    def _event(
        self, kind: EntryKind, day: dt.date, subject: Subject, case_id: int | None, order: int
    ) -> TimelineEvent:
        return TimelineEvent(
            kind=kind, day=day, case_number=self.number(case_id), subject=subject, order=order
        )

    # -- cases, intakes, assignments ---------------------------------------------------------

    def _cases(self) -> list[TimelineEvent]:
        events = []
        for case in self.cases:
            events.append(
                self._event(EntryKind.CASE_OPENED, case.opened_on, case, case.pk, case.pk)
            )
            if case.status == CaseStatus.CLOSED and case.closed_on:
                events.append(
                    self._event(EntryKind.CASE_CLOSED, case.closed_on, case, case.pk, case.pk)
                )
        return events

    def _intakes(self) -> list[TimelineEvent]:
        intakes = (
            Intake.objects.filter(
                Q(household=self.household)
                | Q(person_id__in=self.person_ids)
                | Q(case__household=self.household)
            )
            .select_related("registered_by", "routed_team", "routed_worker")
            .order_by("arrived_at", "id")
        )
        return [
            TimelineEvent(
                kind=EntryKind.INTAKE,
                day=timezone.localdate(intake.arrived_at),
                at=intake.arrived_at,
                case_number=self.number(intake.case_id),
                subject=intake,
                order=intake.pk,
            )
            for intake in intakes
        ]

    def _assignments_and_handovers(self) -> list[TimelineEvent]:
        handovers = list(
            Handover.objects.filter(case__household=self.household)
            .select_related("from_team", "to_team", "from_worker", "to_worker", "by")
            .order_by("handed_over_at", "id")
        )
        from_handover = {
            (h.case_id, timezone.localdate(h.handed_over_at), h.to_team_id, h.to_worker_id)
            for h in handovers
        }
        assignments = (
            CaseAssignment.objects.filter(case__household=self.household)
            .select_related("team", "worker")
            .order_by("started_on", "id")
        )
        events = [
            self._event(EntryKind.ASSIGNMENT, a.started_on, a, a.case_id, a.pk)
            for a in assignments
            # the handover's event already says it
            if (a.case_id, a.started_on, a.team_id, a.worker_id) not in from_handover
        ]
        events.extend(
            TimelineEvent(
                kind=EntryKind.HANDOVER,
                day=timezone.localdate(h.handed_over_at),
                at=h.handed_over_at,
                case_number=self.number(h.case_id),
                subject=h,
                order=h.pk,
            )
            for h in handovers
        )
        return events

    # -- benefit proceedings -----------------------------------------------------------------

    def _applications(self) -> list[TimelineEvent]:
        self.applications = list(applications_queryset().filter(case__household=self.household))
        events = []
        for app in self.applications:
            events.append(
                self._event(EntryKind.APPLICATION, app.received_on, app, app.case_id, app.pk)
            )
            events.extend(
                self._event(EntryKind.DELAY_NOTICE, notice.sent_on, notice, app.case_id, notice.pk)
                for notice in app.delay_notices.all()
            )
        return events

    def _interviews(self) -> list[TimelineEvent]:
        self.interviews = list(interviews_queryset().filter(case__household=self.household))
        return [
            self._event(EntryKind.INTERVIEW_PLANNED, i.needed_since, i, i.case_id, i.pk)
            if i.conducted_on is None
            else self._event(EntryKind.INTERVIEW_DONE, i.conducted_on, i, i.case_id, i.pk)
            for i in self.interviews
        ]

    def _decisions(self) -> list[TimelineEvent]:
        self.decisions = list(
            decisions_queryset().filter(application__case__household=self.household)
        )
        events = []
        for decision in self.decisions:
            case_id = decision.application.case_id
            events.append(
                self._event(EntryKind.DECISION, decision.issued_on, decision, case_id, decision.pk)
            )
            if decision.delivered_on:
                events.append(
                    self._event(
                        EntryKind.DECISION_DELIVERED,
                        decision.delivered_on,
                        decision,
                        case_id,
                        decision.pk,
                    )
                )
        return events

    def _appeals(self) -> list[TimelineEvent]:
        self.appeals = list(
            appeals_queryset().filter(decision__application__case__household=self.household)
        )
        events = []
        for appeal in self.appeals:
            case_id = appeal.decision.application.case_id
            events.append(
                self._event(EntryKind.APPEAL, appeal.lodged_on, appeal, case_id, appeal.pk)
            )
            if appeal.forwarded_on:
                events.append(
                    self._event(
                        EntryKind.APPEAL_FORWARDED, appeal.forwarded_on, appeal, case_id, appeal.pk
                    )
                )
            if appeal.outcome != AppealOutcome.PENDING and appeal.outcome_on:
                events.append(
                    self._event(
                        EntryKind.APPEAL_DECIDED, appeal.outcome_on, appeal, case_id, appeal.pk
                    )
                )
        return events

    # -- social work -------------------------------------------------------------------------

    def _contracts(self) -> list[TimelineEvent]:
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
        events = []
        for contract in contracts:
            case_id = contract.case_id
            events.append(
                self._event(
                    EntryKind.CONTRACT,
                    contract.signed_on or contract.starts_on,
                    contract,
                    case_id,
                    contract.pk,
                )
            )
            events.extend(
                self._event(EntryKind.CONTRACT_REVIEW, review.done_on, review, case_id, review.pk)
                for review in contract.reviews.all()
                if review.done_on is not None  # not done yet: not an event
            )
            if contract.closed_on:
                events.append(
                    self._event(
                        EntryKind.CONTRACT_CLOSED,
                        contract.closed_on,
                        contract,
                        case_id,
                        contract.pk,
                    )
                )
        return events

    def _programmes(self) -> list[TimelineEvent]:
        programmes = IndividualProgramme.objects.filter(
            case__household=self.household
        ).select_related("person", "worker")
        events = []
        for programme in programmes:
            case_id = programme.case_id
            events.append(
                self._event(
                    EntryKind.PROGRAMME, programme.starts_on, programme, case_id, programme.pk
                )
            )
            ends_on = programme.ends_on
            if programme.status != "active" and ends_on and ends_on <= self.today:
                events.append(
                    self._event(
                        EntryKind.PROGRAMME_ENDED, ends_on, programme, case_id, programme.pk
                    )
                )
        return events

    def _projects(self) -> list[TimelineEvent]:
        participations = ProjectParticipation.objects.filter(
            person_id__in=self.person_ids
        ).select_related("project", "person")
        events = []
        for p in participations:
            events.append(self._event(EntryKind.PROJECT_JOINED, p.joined_on, p, None, p.pk))
            if p.left_on and p.left_on <= self.today:
                events.append(self._event(EntryKind.PROJECT_LEFT, p.left_on, p, None, p.pk))
        return events

    # -- care services -----------------------------------------------------------------------

    def _service_plans(self) -> list[TimelineEvent]:
        plans = ServicePlan.objects.filter(case__household=self.household).select_related(
            "recipient", "coordinator"
        )
        events = []
        for plan in plans:
            self.plans[plan.pk] = plan
            events.append(
                self._event(EntryKind.SERVICE_PLAN, plan.starts_on, plan, plan.case_id, plan.pk)
            )
            if plan.ends_on and plan.ends_on <= self.today:
                events.append(
                    self._event(
                        EntryKind.SERVICE_PLAN_ENDED, plan.ends_on, plan, plan.case_id, plan.pk
                    )
                )
        return events

    def _service_deliveries(self) -> list[TimelineEvent]:
        rows = (
            ServiceDelivery.objects.filter(plan__case__household=self.household)
            .annotate(month=TruncMonth("day"))
            .values("plan_id", "plan__case_id", "month")
            .annotate(days=Count("id"), hours=Sum("hours"), last_day=Max("day"))
            .order_by("plan_id", "month")
        )
        events = []
        for row in rows:
            month = ServiceMonth(
                plan=self.plans.get(row["plan_id"]),  # read by _service_plans, which runs first
                last_day=row["last_day"],
                days=row["days"],
                hours=row["hours"],
            )
            events.append(
                self._event(
                    EntryKind.SERVICE_DELIVERIES,
                    month.last_day,
                    month,
                    row["plan__case_id"],
                    row["plan_id"],
                )
            )
        return events

    def _activity(self) -> list[TimelineEvent]:
        rows = (
            ActivityEntry.objects.filter(household=self.household)
            .annotate(month=TruncMonth("day"))
            .values("worker_id", "worker__first_name", "worker__last_name", "category", "month")
            .annotate(minutes=Sum("minutes"), count=Count("id"), last_day=Max("day"))
            .order_by("worker_id", "category", "month")
        )
        events = []
        for row in rows:
            month = ActivityMonth(
                worker_id=int(row["worker_id"]),
                worker_name=f"{row['worker__first_name']} {row['worker__last_name']}".strip(),
                category=row["category"],
                last_day=row["last_day"],
                minutes=int(row["minutes"]),
                count=row["count"],
            )
            events.append(
                self._event(EntryKind.ACTIVITY, month.last_day, month, None, month.worker_id)
            )
        return events
