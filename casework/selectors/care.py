"""Reads of care services: plans, deliveries, and hours planned against hours delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from casework.calendar_days import working_days_between
from casework.models import ServiceDelivery, ServicePlan
from casework.selectors.lookup import PublicId
from opsplatform.errors import NotFound

WORKING_DAYS_IN_A_WEEK = 5


def service_plan_list(
    *,
    case: PublicId | None = None,
    recipient: PublicId | None = None,
    coordinator: PublicId | None = None,
    service_type: str = "",
    active_on: dt.date | None = None,
) -> QuerySet[ServicePlan]:
    """Plans with case, recipient and coordinator, and the hours delivered so far (all days).
    ``case``, ``recipient`` and ``coordinator`` are public ids."""
    plans = ServicePlan.objects.select_related(
        "case", "case__household", "recipient", "coordinator"
    ).annotate(
        delivered_hours_total=Coalesce(
            Sum("deliveries__hours"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=10, decimal_places=2),
        )
    )
    if case:
        plans = plans.filter(case__public_id=case)
    if recipient:
        plans = plans.filter(recipient__public_id=recipient)
    if coordinator:
        plans = plans.filter(coordinator__public_id=coordinator)
    if service_type:
        plans = plans.filter(service_type=service_type)
    if active_on:
        plans = plans.filter(starts_on__lte=active_on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=active_on)
        )
    return plans.order_by("-starts_on", "-id")


def service_plan_get(*, public_id: PublicId) -> ServicePlan:
    plan = service_plan_list().filter(public_id=public_id).first()
    if plan is None:
        raise NotFound(_("Nie znaleziono planu usług."))
    return plan


def service_delivery_list(
    *, plan: ServicePlan, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[ServiceDelivery]:
    deliveries = ServiceDelivery.objects.filter(plan=plan).select_related(
        "plan", "plan__recipient", "plan__case", "plan__case__household", "recorded_by"
    )
    if date_from:
        deliveries = deliveries.filter(day__gte=date_from)
    if date_to:
        deliveries = deliveries.filter(day__lte=date_to)
    return deliveries.order_by("day", "id")


@dataclass(frozen=True)
class PlanBalance:
    """Hours planned against hours delivered in the part of a period the plan covers."""

    date_from: dt.date
    date_to: dt.date
    covered_from: dt.date | None
    covered_to: dt.date | None
    working_days: int
    planned_hours: Decimal
    delivered_hours: Decimal

    @property
    def delivered_share(self) -> Decimal | None:
        if not self.planned_hours:
            return None
        return (self.delivered_hours / self.planned_hours).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )


def _balance(
    plan: ServicePlan, date_from: dt.date, date_to: dt.date, delivered: Decimal | None
) -> PlanBalance:
    """The balance of ``plan`` over the period, with ``delivered`` the hours recorded in the
    overlap (None: the plan has none there)."""
    start = max(date_from, plan.starts_on)
    end = min(date_to, plan.ends_on) if plan.ends_on else date_to
    if end < start:
        return PlanBalance(date_from, date_to, None, None, 0, Decimal("0.00"), Decimal("0.00"))
    # working_days_between counts the days after its start, so start the day before.
    days = working_days_between(start - dt.timedelta(days=1), end)
    planned = (plan.hours_per_week * days / WORKING_DAYS_IN_A_WEEK).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    return PlanBalance(date_from, date_to, start, end, days, planned, delivered or Decimal("0.00"))


def service_plan_balance(*, plan: ServicePlan, date_from: dt.date, date_to: dt.date) -> PlanBalance:
    """Planned hours are the weekly hours spread over the working days (Monday to Friday, public
    holidays excluded) of the overlap of the period with the plan's own, five per week; delivered
    hours are the recorded ones in that overlap. Care given on weekends counts as delivered, so
    delivery may exceed the plan."""
    start = max(date_from, plan.starts_on)
    end = min(date_to, plan.ends_on) if plan.ends_on else date_to
    delivered: Decimal | None = None
    if start <= end:
        delivered = ServiceDelivery.objects.filter(
            plan=plan, day__gte=start, day__lte=end
        ).aggregate(total=Sum("hours"))["total"]
    return _balance(plan, date_from, date_to, delivered)


def service_plan_balances(
    *, plans: Iterable[ServicePlan], date_to: dt.date
) -> dict[int, PlanBalance]:
    """The balance of each plan (by primary key) from its start to its end or ``date_to``,
    whichever comes first – as :func:`service_plan_balance` counts it – with the hours delivered
    summed for all the plans in one query. A plan starting after ``date_to`` has an empty
    balance."""
    periods: dict[int, tuple[ServicePlan, dt.date, dt.date]] = {}
    for plan in plans:
        end = min(plan.ends_on, date_to) if plan.ends_on else date_to
        periods[plan.pk] = (plan, min(plan.starts_on, end), end)
    delivered: dict[int, Decimal] = {}
    if periods:
        rows = (
            ServiceDelivery.objects.filter(
                plan_id__in=periods, day__gte=F("plan__starts_on"), day__lte=date_to
            )
            .filter(Q(plan__ends_on__isnull=True) | Q(day__lte=F("plan__ends_on")))
            .values("plan_id")
            .annotate(total=Sum("hours"))
            .order_by()
        )
        delivered = {row["plan_id"]: row["total"] for row in rows}
    return {
        pk: _balance(plan, date_from, end, delivered.get(pk))
        for pk, (plan, date_from, end) in periods.items()
    }
