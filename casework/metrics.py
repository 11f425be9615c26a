"""The metrics contract: the only way data leaves a centre's schema for benchmarking.

``centre_month_aggregates`` computes, inside the current centre's schema, the monthly aggregates
of the reorganisation indicators for given formula versions. It returns numbers and counts only:
no identifiers, no names, no free text, no dates finer than the month. Each aggregate carries the
count of units behind it (``n``) and, for sums of magnitudes, the shares of the two largest
contributors, so that disclosure control can apply the threshold and dominance rules without ever
seeing a record.

Formulas are versioned by ``(code, version)``: a changed formula is a new version and the old one
stays here, so old snapshots can always be explained and recomputed. benchmarking keeps the
definitions (names, units, disclosure classes) and checks that every version it defines has a
formula here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from casework.calendar_days import add_working_days, is_working_day
from casework.metrics_months import centre_months_aggregates as _set_based
from casework.metrics_values import Aggregate as Aggregate
from casework.metrics_values import Month as Month
from casework.metrics_values import _count, _median, _ratio, _top_shares
from casework.models import (
    ActivityEntry,
    Case,
    Decision,
    FamilyInterview,
    Handover,
    Intake,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.intake import RESOLVED_AT_DESK, IntakeOutcome
from casework.models.proceedings import DecisionOutcome
from casework.models.reference_codes import BENEFITS_NEEDING_AMOUNT
from casework.models.socialwork import ActivityCategory, ContractStatus
from tenants.org.models import StaffPosition

Formula = Callable[[Month, int], Aggregate]
FORMULAS: dict[tuple[str, int], Formula] = {}


def formula(code: str, version: int) -> Callable[[Formula], Formula]:
    def register(function: Formula) -> Formula:
        FORMULAS[(code, version)] = function
        return function

    return register


def _social_worker_ids(month: Month) -> list[int]:
    return list(
        StaffPosition.objects.filter(
            is_social_worker=True, started_on__lte=month.last, person__isnull=False
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month.first))
        .values_list("person_id", flat=True)
        .distinct()
    )


def _social_worker_fte(month: Month) -> Decimal:
    total = (
        StaffPosition.objects.filter(is_social_worker=True, started_on__lte=month.last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month.last))
        .aggregate(total=Sum("fte"))["total"]
    )
    return Decimal(total or 0)


def _social_work_households(month: Month) -> set[int]:
    return set(
        ActivityEntry.objects.filter(
            day__range=(month.first, month.last),
            category=ActivityCategory.SOCIAL_WORK,
            household__isnull=False,
        ).values_list("household_id", flat=True)
    )


@formula("social_work_time_share", 1)
def _social_work_time_share(month: Month, population: int) -> Aggregate:
    workers = _social_worker_ids(month)
    per_worker = list(
        ActivityEntry.objects.filter(worker_id__in=workers, day__range=(month.first, month.last))
        .values("worker_id")
        .annotate(
            total=Sum("minutes"),
            social=Sum("minutes", filter=Q(category=ActivityCategory.SOCIAL_WORK)),
        )
    )
    total = sum((Decimal(row["total"] or 0) for row in per_worker), Decimal(0))
    social = [Decimal(row["social"] or 0) for row in per_worker]
    return _ratio(sum(social, Decimal(0)), total or None, len(per_worker), top=_top_shares(social))


@formula("social_work_only_households", 1)
def _social_work_only_households(month: Month, population: int) -> Aggregate:
    with_cash = set(
        Decision.objects.filter(
            outcome__in=(DecisionOutcome.GRANT, DecisionOutcome.PARTIAL),
            benefit__in=BENEFITS_NEEDING_AMOUNT,
            period_from__lte=month.last,
        )
        .filter(
            Q(period_to__isnull=True, period_from__gte=month.first) | Q(period_to__gte=month.first)
        )
        .values_list("application__case__household_id", flat=True)
    )
    return _count(len(_social_work_households(month) - with_cash))


@formula("residents_per_social_worker", 1)
def _residents_per_social_worker(month: Month, population: int) -> Aggregate:
    fte = _social_worker_fte(month)
    return _ratio(population, fte or None, int(fte))


@formula("households_per_social_worker", 1)
def _households_per_social_worker(month: Month, population: int) -> Aggregate:
    households = len(_social_work_households(month))
    fte = _social_worker_fte(month)
    return _ratio(households, fte or None, households)


@formula("contracts_signed", 1)
def _contracts_signed(month: Month, population: int) -> Aggregate:
    return _count(SocialContract.objects.filter(signed_on__range=(month.first, month.last)).count())


@formula("contracts_active", 1)
def _contracts_active(month: Month, population: int) -> Aggregate:
    active = (
        SocialContract.objects.filter(signed_on__lte=month.last, starts_on__lte=month.last)
        .exclude(status=ContractStatus.DRAFT)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=month.last))
        .count()
    )
    return _count(active)


@formula("contracts_achieved", 1)
def _contracts_achieved(month: Month, population: int) -> Aggregate:
    closed = SocialContract.objects.filter(
        closed_on__range=(month.first, month.last),
        status__in=(ContractStatus.COMPLETED, ContractStatus.BROKEN),
    ).aggregate(total=Count("id"), achieved=Count("id", filter=Q(goals_achieved=True)))
    return _ratio(closed["achieved"], closed["total"] or None, closed["total"])


def _intakes(month: Month) -> QuerySet[Intake]:
    return Intake.objects.filter(arrived_at__date__range=(month.first, month.last))


@formula("intakes", 1)
def _intake_count(month: Month, population: int) -> Aggregate:
    return _count(_intakes(month).count())


@formula("minutes_to_routing", 1)
def _minutes_to_routing(month: Month, population: int) -> Aggregate:
    rows = _intakes(month).filter(outcome=IntakeOutcome.ROUTED, resolved_at__isnull=False)
    minutes = [
        (resolved - arrived).total_seconds() / 60
        for arrived, resolved in rows.values_list("arrived_at", "resolved_at")
        if resolved is not None
    ]
    return _median(minutes)


@formula("resolved_at_desk_share", 1)
def _resolved_at_desk_share(month: Month, population: int) -> Aggregate:
    counts = (
        _intakes(month)
        .exclude(outcome=IntakeOutcome.PENDING)
        .aggregate(total=Count("id"), desk=Count("id", filter=Q(outcome__in=RESOLVED_AT_DESK)))
    )
    return _ratio(counts["desk"], counts["total"] or None, counts["total"])


@formula("days_to_decision", 1)
def _days_to_decision(month: Month, population: int) -> Aggregate:
    days = [
        float((decided - received).days)
        for received, decided in Decision.objects.filter(
            issued_on__range=(month.first, month.last)
        ).values_list("application__received_on", "issued_on")
    ]
    return _median(days)


@formula("decided_within_kpa_share", 1)
def _decided_within_kpa(month: Month, population: int) -> Aggregate:
    rows = Decision.objects.filter(issued_on__range=(month.first, month.last)).values_list(
        "issued_on", "application__decision_due_on"
    )
    within = sum(1 for issued, due in rows if issued <= due)
    return _ratio(within, len(rows) or None, len(rows))


@formula("interviews_on_time_share", 1)
def _interviews_on_time(month: Month, population: int) -> Aggregate:
    rows = FamilyInterview.objects.filter(
        conducted_on__range=(month.first, month.last)
    ).values_list("needed_since", "conducted_on", "application__urgent")
    on_time = len(
        [
            needed
            for needed, conducted, urgent in rows
            if conducted is not None and conducted <= add_working_days(needed, 2 if urgent else 14)
        ]
    )
    return _ratio(on_time, len(rows) or None, len(rows))


def _plans_in(month: Month) -> QuerySet[ServicePlan]:
    return ServicePlan.objects.filter(starts_on__lte=month.last).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=month.first)
    )


@formula("services_households", 1)
def _services_households(month: Month, population: int) -> Aggregate:
    return _count(_plans_in(month).values("case__household_id").distinct().count())


@formula("service_hours_delivered_share", 1)
def _service_hours(month: Month, population: int) -> Aggregate:
    planned = Decimal(0)
    plans = list(_plans_in(month).values_list("id", "hours_per_week", "starts_on", "ends_on"))
    for _, per_week, starts, ends in plans:
        start, end = max(starts, month.first), min(ends or month.last, month.last)
        days = sum(
            1
            for offset in range((end - start).days + 1)
            if is_working_day(start + dt.timedelta(days=offset))
        )
        planned += Decimal(per_week) * days / 5
    delivered_rows = list(
        ServiceDelivery.objects.filter(day__range=(month.first, month.last))
        .values("plan_id")
        .annotate(hours=Sum("hours"))
    )
    delivered = [Decimal(row["hours"]) for row in delivered_rows]
    return _ratio(
        sum(delivered, Decimal(0)), planned or None, len(plans), top=_top_shares(delivered)
    )


@formula("handovers_per_case", 1)
def _handovers_per_case(month: Month, population: int) -> Aggregate:
    handovers = Handover.objects.filter(
        handed_over_at__date__range=(month.first, month.last)
    ).count()
    open_cases = (
        Case.objects.filter(opened_on__lte=month.last)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=month.first))
        .count()
    )
    return _ratio(handovers, open_cases or None, open_cases)


def centre_month_aggregates(
    *, year: int, month: int, population: int, versions: dict[str, int]
) -> dict[str, Aggregate]:
    """The aggregates of the current centre's schema for one month, for each ``code: version``.

    Raises KeyError for a code and version this module has no formula for.
    """
    period = Month(year, month)
    return {
        code: FORMULAS[(code, version)](period, population) for code, version in versions.items()
    }


def centre_months_aggregates(
    *, first: dt.date, last: dt.date, population: int, versions: dict[str, int]
) -> dict[tuple[int, int], dict[str, Aggregate]]:
    """The aggregates of the current centre's schema for every month from ``first`` to ``last``
    (days ignored), ``{(year, month): {code: aggregate}}``: the same values as
    ``centre_month_aggregates`` month by month, from a number of queries that does not depend on
    the number of months (``casework.metrics_months``).

    Raises KeyError for a code and version without a formula, ValueError if ``last`` is in an
    earlier month than ``first``.
    """
    return _set_based(first=first, last=last, population=population, versions=versions)
