"""The case file: a household's people, its cases, the case's own proceedings, what is due in it
and (on request) the household's history (casework.selectors.timeline).

Everything here is typed data; the page (casework.ui) writes the words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Subquery

from casework.calendar_days import working_days_between
from casework.models import (
    Appeal,
    Application,
    Case,
    ContractReview,
    Decision,
    FamilyInterview,
    Household,
    HouseholdMember,
    SocialContract,
)
from casework.models.cases import CaseStatus
from casework.models.proceedings import AppealOutcome, ApplicationStatus
from casework.models.socialwork import ContractStatus
from casework.selectors.cases import case_get_brief, case_queryset
from casework.selectors.deadlines import DeadlineKind
from casework.selectors.lookup import PublicId
from casework.selectors.timeline import (
    RANK,
    EntryKind,
    HouseholdHistory,
    ReferenceNames,
    TimelineDay,
    TimelineEvent,
    appeals_queryset,
    applications_queryset,
    decisions_queryset,
    group_by_day,
    interviews_queryset,
)

DEFAULT_TIMELINE_LIMIT = 150


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
    and the household's history (across all its cases)."""

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
    names: ReferenceNames = field(default_factory=ReferenceNames)

    @property
    def timeline_truncated(self) -> bool:
        return self.timeline_shown < self.timeline_total


def case_file_get(
    *,
    public_id: PublicId,
    limit: int | None = DEFAULT_TIMELINE_LIMIT,
    offset: int = 0,
    with_timeline: bool = True,
) -> CaseFile:
    """The case with its household, current members and the household's history (newest first,
    grouped by day; the events from ``offset`` on, at most ``limit`` of them, all when ``limit``
    is None). Unknown id: NotFound.

    ``with_timeline=False`` reads only what the file's first screen needs (the case, its
    household, its own proceedings): a fixed number of queries, the history left empty (the page
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
        return CaseFile(
            case=case,
            household=household,
            members=current,
            cases=cases,
            proceedings=_case_proceedings(case, current),
            timeline=[],
            timeline_total=0,
            timeline_shown=0,
            all_members=members,
        )
    history = HouseholdHistory(household=household, cases=cases, people=[m.person for m in members])
    events = history.events()
    events.sort(key=TimelineEvent.sort_key, reverse=True)
    shown = events[offset:] if limit is None else events[offset : offset + limit]
    return CaseFile(
        case=case,
        household=household,
        members=current,
        cases=cases,
        proceedings=CaseProceedings(
            case=case,
            members=current,
            applications=[a for a in history.applications if a.case_id == case.pk],
            interviews=[i for i in history.interviews if i.case_id == case.pk],
            decisions=[d for d in history.decisions if d.application.case_id == case.pk],
            appeals=[a for a in history.appeals if a.decision.application.case_id == case.pk],
        ),
        timeline=group_by_day(shown),
        timeline_total=len(events),
        timeline_shown=offset + len(shown),
        kinds=sorted({e.kind for e in events}, key=RANK.__getitem__),
        all_members=members,
        names=history.names,
    )


def _case_proceedings(case: Case, members: list[HouseholdMember]) -> CaseProceedings:
    # Only what the first screen shows of them (what is due, the open step's form and which steps
    # apply): their own columns, the case given, the latest date of the delay notices; no
    # applicant, registering or issuing worker (the history and the step forms read those).
    applications = (
        Application.objects.annotate(latest_new_due_on=Max("delay_notices__new_due_on"))
        .filter(case=case)
        .order_by("-received_on", "-id")
    )
    applications_read: list[Application] = list(applications)
    for application in applications_read:
        application.case = case
    # By the keys already read (an index lookup, not a join over the centre's decisions), and not
    # at all when there is nothing to look for.
    # The forms name a decision by its number, date, outcome and benefit, an appeal by its
    # decision's number: no joins beyond those.
    decisions = (
        list(
            Decision.objects.filter(application_id__in=[a.pk for a in applications_read]).order_by(
                "-issued_on", "-id"
            )
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
    interviews = list(
        FamilyInterview.objects.select_related("worker")
        .filter(case=case)
        .order_by("-needed_since", "-id")
    )
    return CaseProceedings(
        case=case,
        members=members,
        applications=applications_read,
        interviews=interviews,
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
        applications=list(applications_queryset().filter(case=case)),
        interviews=list(interviews_queryset().filter(case=case)),
        decisions=list(decisions_queryset().filter(application__case=case)),
        appeals=list(appeals_queryset().filter(decision__application__case=case)),
    )


def application_due_on(application: Application) -> dt.date:
    """The day the application must be decided by: the KPA limit, or the latest new date given in
    a delay notice (``delay_notices`` prefetched, as ``applications_queryset`` does)."""
    if hasattr(application, "latest_new_due_on"):  # annotated instead (the file's first screen)
        latest: dt.date | None = application.latest_new_due_on
    else:
        latest = max((n.new_due_on for n in application.delay_notices.all()), default=None)
    return latest or application.decision_due_on


# --- what is due in the case ---------------------------------------------------------------------

DueSubject = FamilyInterview | Application | Appeal | ContractReview


@dataclass(frozen=True)
class DueItem:
    """Something of the case waiting for the staff, with its date: the first thing the case file
    shows. ``subject`` is the record waiting; ``step`` names the case-file step that acts on it
    ("" when its form is elsewhere, e.g. a contract review, which ``contract`` then names)."""

    kind: str  # a DeadlineKind value
    subject: DueSubject
    due_on: dt.date
    days_late: int  # working days past ``due_on`` (0 when not yet late)
    step: str = ""
    contract: SocialContract | None = None

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def case_due_list(*, proceedings: CaseProceedings, today: dt.date) -> list[DueItem]:
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
                subject=interview,
                due_on=interview.due_on,
                days_late=late(interview.due_on),
                step="interview-record",
            )
        )
    for application in proceedings.pending_applications:
        due = application_due_on(application)
        items.append(
            DueItem(
                kind=DeadlineKind.DECISION,
                subject=application,
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
                subject=appeal,
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
                subject=review,
                due_on=review.due_on,
                days_late=late(review.due_on),
                contract=review.contract,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.kind))
    return items
