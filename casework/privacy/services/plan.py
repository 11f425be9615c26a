"""The retention plan: which closed cases and intakes are due under the centre's rules on a day,
and which are held (what a run, or a dry run, works through)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from casework.models import (
    ActivityEntry,
    Case,
    IndividualProgramme,
    Intake,
    ServicePlan,
    SocialContract,
)
from casework.models.cases import CaseStatus
from casework.models.intake import IntakeOutcome
from casework.privacy.models import (
    ErasureRecord,
    LegalHold,
    RecordType,
    RetentionRule,
)


@dataclass(frozen=True)
class CaseDue:
    """A closed case and the day it becomes due (None: never, a rule is off or missing)."""

    case_id: int
    number: str
    closed_on: dt.date
    due_on: dt.date | None
    record_types: tuple[str, ...]
    held: bool


def _active_rules() -> dict[str, RetentionRule]:
    return {rule.record_type: rule for rule in RetentionRule.objects.filter(active=True)}


def _erased_case_ids() -> set[int]:
    return {
        case_id
        for case_id in ErasureRecord.objects.filter(model="casework.case").values_list(
            "case_id", flat=True
        )
        if case_id is not None
    }


def _kinds_present(cases: QuerySet[Case]) -> dict[int, set[str]]:
    """Which record types each case holds besides the case file."""
    ids = list(cases.values_list("id", flat=True))
    kinds: dict[int, set[str]] = {case_id: {RecordType.CASE_FILE.value} for case_id in ids}
    for case_id in SocialContract.objects.filter(case_id__in=ids).values_list("case_id", flat=True):
        kinds[case_id].add(RecordType.SOCIAL_CONTRACT)
    for case_id in IndividualProgramme.objects.filter(case_id__in=ids).values_list(
        "case_id", flat=True
    ):
        kinds[case_id].add(RecordType.SOCIAL_CONTRACT)
    for case_id in ServicePlan.objects.filter(case_id__in=ids).values_list("case_id", flat=True):
        kinds[case_id].add(RecordType.CARE_PLAN)
    activity = cases.filter(
        Exists(
            ActivityEntry.objects.filter(
                household_id=OuterRef("household_id"),
                day__gte=OuterRef("opened_on"),
                day__lte=OuterRef("closed_on"),
            )
        )
    ).values_list("id", flat=True)
    for case_id in activity:
        kinds[case_id].add(RecordType.ACTIVITY_LOG)
    return kinds


def _active_hold_case_ids(on: dt.date) -> set[int]:
    return set(
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .values_list("case_id", flat=True)
    )


def cases_due(*, as_of: dt.date, within_days: int = 0, include_held: bool = True) -> list[CaseDue]:
    """Closed cases not yet erased that are due on ``as_of`` (or within ``within_days`` after it),
    earliest first; held cases are included (``held``) unless ``include_held`` is off."""
    rules = _active_rules()
    horizon = as_of + dt.timedelta(days=within_days)
    erased = _erased_case_ids()
    closed = Case.objects.filter(status=CaseStatus.CLOSED, closed_on__isnull=False).exclude(
        id__in=erased
    )
    case_rule = rules.get(RecordType.CASE_FILE)
    if case_rule is None:
        return []
    # A cheap first cut: no case closed after this can be due by the horizon under any rule.
    shortest = min(rule.years for rule in rules.values())
    closed = closed.filter(closed_on__lt=dt.date(horizon.year - shortest, 1, 1))
    kinds = _kinds_present(closed)
    held_ids = _active_hold_case_ids(as_of)
    # Where a case has a hold history, that history decides (a hold past its ``until`` no longer
    # holds even before the next run resets the flag); a bare flag with no history holds too.
    with_history = set(LegalHold.objects.values_list("case_id", flat=True))
    result = []
    for case_id, number, closed_on, flag in closed.values_list(
        "id", "number", "closed_on", "legal_hold"
    ).order_by("closed_on", "id"):
        present = tuple(sorted(kinds[case_id]))
        if closed_on is None:  # excluded by the query; for the type checker
            continue
        if any(kind not in rules for kind in present):
            due_on = None
        else:
            due_on = max(rules[kind].due_on(closed_on) for kind in present)
        if due_on is None or due_on > horizon:
            continue
        held = case_id in held_ids or (flag and case_id not in with_history)
        if held and not include_held:
            continue
        result.append(CaseDue(case_id, number, closed_on, due_on, present, held))
    return result


def intakes_due(*, as_of: dt.date) -> QuerySet[Intake]:
    """Intakes that ended without a case, past the intake rule, with something left to erase."""
    rule = _active_rules().get(RecordType.INTAKE)
    if rule is None:
        return Intake.objects.none()
    # due_on(arrival) <= as_of  ⇔  arrival year <= as_of.year - years - 1
    last_year = as_of.year - rule.years - 1
    return (
        Intake.objects.filter(case__isnull=True, arrived_at__year__lte=last_year)
        .exclude(outcome=IntakeOutcome.PENDING)
        .filter(Q(person__isnull=False) | ~Q(reporter_name="") | ~Q(notes="") | ~Q(outcome_note=""))
    )
