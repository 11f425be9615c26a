"""The metrics contract for many months at once: ``casework.metrics`` set-based.

``casework.metrics`` defines each formula for one month, a few queries each, so a backfill of ten
years costs 16 formulas × 130 months × several queries per centre. Here every formula of the same
``(code, version)`` is computed for all the months ``first`` to ``last`` from one pass over the
rows of the whole range: each query either groups by month in the database (sums and distinct
households of the large tables: activity log, care deliveries, handovers) or fetches the few
columns a formula needs once, and the rows are then sorted into months in Python by exactly the
predicate the per-month query applies (SQL's NULL semantics included). The number of statements
is a constant, whatever the number of months.

The per-month formulas stay the definition: for every ``(code, version)`` here there is one in
``casework.metrics`` and the two agree exactly, month by month (tests/casework/test_metrics_months
compares them over every month of the demo centres). A new version of a formula is added to both.

Callers use ``casework.metrics.centre_months_aggregates``; this module is casework's own.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.db.models.query import ValuesListIterable
from django.utils import timezone

from casework.calendar_days import add_working_days, is_working_day
from casework.metrics_values import Aggregate, Month, _count, _median, _ratio, _top_shares
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

MonthKey = tuple[int, int]


def _key(value: dt.date | dt.datetime) -> MonthKey:
    """The month of a date, or of a moment in the current time zone (as ``__date`` reads it)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.year, value.month


# Compiled once ----------------------------------------------------------------------------------
#
# A batch computes the same months for many centres, each in its own schema (the search path), so
# every centre sends the same statements with the same parameters. Building a queryset and
# compiling it to SQL costs more Python time than reading its rows; it is done once per process
# and key, and the rows are then converted exactly as Django converts them (the same converters,
# taken from the compiler). tests/casework/test_metrics_months.py compares the results with the
# per-month ORM definitions, and test_compiled_rows with the queryset itself.

_COMPILED: dict[Hashable, tuple[str, tuple[Any, ...], str, dict[int, Any]] | None] = {}
_COMPILED_AT_MOST = 512


def compiled_rows(key: Hashable, build: Callable[[], QuerySet[Any, Any]]) -> list[tuple[Any, ...]]:
    """The rows of the ``values_list`` queryset ``build()`` (not flat, not named), compiled once
    for ``key`` per process: ``key`` must determine the statement and its parameters (the dates
    the queryset filters by, say). The current time zone is part of the key (date truncation
    sends its name)."""
    full_key = (key, timezone.get_current_timezone_name())
    if full_key not in _COMPILED:
        queryset = build()
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("compiled_rows takes a values_list queryset (not flat, not named)")
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            entry = None
        else:
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            entry = (sql, tuple(params), compiler.using, compiler.get_converters(fields))
        if len(_COMPILED) >= _COMPILED_AT_MOST:
            _COMPILED.clear()
        _COMPILED[full_key] = entry
    entry = _COMPILED[full_key]
    if entry is None:
        return []
    sql, params, using, converters = entry
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for fetched in rows:
        row = list(fetched)
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


class MonthRange:
    """The months ``first`` to ``last`` and the rows their formulas share, each loaded once (on
    first use) for the whole range."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        months: list[Month] = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.append(Month(year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if not months:
            raise ValueError("The range ends before it starts.")
        self.months = months
        self.index = {(m.year, m.month): position for position, m in enumerate(months)}
        self.first = months[0].first
        self.last = months[-1].last

    def span(self, start: dt.date | None, end: dt.date | None) -> range:
        """Positions of the months m with ``start <= m.last`` and ``end >= m.first`` (an open
        ``end`` is None); empty when ``start`` is None (SQL: NULL <= x is not true)."""
        if start is None:
            return range(0)
        low = 0 if start < self.first else self._position(start)
        high = len(self.months) - 1 if end is None or end > self.last else self._position(end)
        return range(low, high + 1)

    def _position(self, day: dt.date) -> int:
        return (day.year - self.first.year) * 12 + day.month - self.first.month

    def by_month(self, rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
        """Rows whose first column is a date or moment, grouped by the position of its month."""
        grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            position = self.index.get(_key(row[0]))
            if position is not None:
                grouped[position].append(row[1:])
        return grouped

    # Shared rows -------------------------------------------------------------------------------

    @cached_property
    def social_worker_positions(self) -> list[tuple[int | None, dt.date, dt.date | None, Any]]:
        return compiled_rows(
            ("social_worker_positions", self.first, self.last),
            lambda: (
                StaffPosition.objects.filter(is_social_worker=True, started_on__lte=self.last)
                .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=self.first))
                .values_list("person_id", "started_on", "ended_on", "fte")
            ),
        )

    @cached_property
    def social_worker_fte(self) -> list[Decimal]:
        """Per month: the FTE of social-worker posts held on its last day."""
        totals = [Decimal(0)] * len(self.months)
        for _, started, ended, fte in self.social_worker_positions:
            for position, month in enumerate(self.months):
                if started <= month.last and (ended is None or ended >= month.last):
                    totals[position] += fte
        return totals

    @cached_property
    def social_work_households(self) -> list[set[int]]:
        households: list[set[int]] = [set() for _ in self.months]
        rows = compiled_rows(
            ("social_work_households", self.first, self.last),
            lambda: (
                ActivityEntry.objects.filter(
                    day__range=(self.first, self.last),
                    category=ActivityCategory.SOCIAL_WORK,
                    household__isnull=False,
                )
                .annotate(month=TruncMonth("day"))
                .values_list("month", "household_id")
                .order_by()
                .distinct()
            ),
        )
        for position, members in self.by_month(rows).items():
            households[position] = {household for (household,) in members}
        return households

    @cached_property
    def intakes(self) -> dict[int, list[tuple[Any, ...]]]:
        """Per month: ``(outcome, arrived_at, resolved_at)`` of the intakes arrived in it."""
        # The moments a day earlier and later bound the local days for the index on arrived_at
        # (the local date of a moment alone cannot use it); the date range decides.
        earliest = dt.datetime.combine(self.first - dt.timedelta(days=1), dt.time(), dt.UTC)
        latest = dt.datetime.combine(self.last + dt.timedelta(days=2), dt.time(), dt.UTC)
        return self.by_month(
            compiled_rows(
                ("intakes", self.first, self.last),
                lambda: (
                    Intake.objects.filter(
                        arrived_at__gte=earliest,
                        arrived_at__lt=latest,
                        arrived_at__date__range=(self.first, self.last),
                    )
                    .annotate(day=TruncDate("arrived_at"))
                    .values_list("day", "outcome", "arrived_at", "resolved_at")
                    .order_by()
                ),
            )
        )

    @cached_property
    def decisions(self) -> dict[int, list[tuple[Any, ...]]]:
        """Per month: ``(received_on, decision_due_on, issued_on)`` of the decisions issued in
        it."""
        return self.by_month(
            compiled_rows(
                ("decisions", self.first, self.last),
                lambda: (
                    Decision.objects.filter(issued_on__range=(self.first, self.last))
                    .annotate(issued=F("issued_on"))
                    .values_list(
                        "issued",
                        "application__received_on",
                        "application__decision_due_on",
                        "issued_on",
                    )
                    .order_by()
                ),
            )
        )

    @cached_property
    def contracts(self) -> list[tuple[Any, ...]]:
        return compiled_rows(
            ("contracts",),
            lambda: SocialContract.objects.values_list(
                "signed_on", "starts_on", "closed_on", "status", "goals_achieved"
            ).order_by(),
        )

    @cached_property
    def plans(self) -> list[list[tuple[Any, ...]]]:
        """Per month: ``(household, hours_per_week, starts_on, ends_on)`` of the service plans
        overlapping it."""
        per_month: list[list[tuple[Any, ...]]] = [[] for _ in self.months]
        rows = compiled_rows(
            ("plans", self.first, self.last),
            lambda: (
                ServicePlan.objects.filter(starts_on__lte=self.last)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.first))
                .values_list("case__household_id", "hours_per_week", "starts_on", "ends_on")
                .order_by()
            ),
        )
        for row in rows:
            for position in self.span(row[2], row[3]):
                per_month[position].append(row)
        return per_month

    @cached_property
    def working_days(self) -> Callable[[dt.date, dt.date], int]:
        """Working days from one day to another (both included) inside the range."""
        before = [0]
        for offset in range((self.last - self.first).days + 1):
            before.append(before[-1] + is_working_day(self.first + dt.timedelta(days=offset)))

        def count(start: dt.date, end: dt.date) -> int:
            if end < start:
                return 0
            return before[(end - self.first).days + 1] - before[(start - self.first).days]

        return count


RangeFormula = Callable[[MonthRange, int], Iterator[Aggregate]]
RANGE_FORMULAS: dict[tuple[str, int], RangeFormula] = {}


def range_formula(code: str, version: int) -> Callable[[RangeFormula], RangeFormula]:
    def register(function: RangeFormula) -> RangeFormula:
        RANGE_FORMULAS[(code, version)] = function
        return function

    return register


@range_formula("social_work_time_share", 1)
def _social_work_time_share(months: MonthRange, population: int) -> Iterator[Aggregate]:
    per_worker = months.by_month(
        compiled_rows(
            ("social_work_time_share", months.first, months.last),
            lambda: (
                ActivityEntry.objects.filter(day__range=(months.first, months.last))
                .annotate(month=TruncMonth("day"))
                .values("month", "worker_id")
                .annotate(
                    total=Sum("minutes"),
                    social=Sum("minutes", filter=Q(category=ActivityCategory.SOCIAL_WORK)),
                )
                .values_list("month", "worker_id", "total", "social")
                .order_by()
            ),
        )
    )
    for position, month in enumerate(months.months):
        workers = {
            person
            for person, started, ended, _ in months.social_worker_positions
            if person is not None
            and started <= month.last
            and (ended is None or ended >= month.first)
        }
        rows = [row for row in per_worker.get(position, []) if row[0] in workers]
        total = sum((Decimal(row[1] or 0) for row in rows), Decimal(0))
        social = [Decimal(row[2] or 0) for row in rows]
        yield _ratio(sum(social, Decimal(0)), total or None, len(rows), top=_top_shares(social))


@range_formula("social_work_only_households", 1)
def _social_work_only_households(months: MonthRange, population: int) -> Iterator[Aggregate]:
    with_cash: list[set[int | None]] = [set() for _ in months.months]
    rows = compiled_rows(
        ("cash_grants", months.first, months.last),
        lambda: (
            Decision.objects.filter(
                outcome__in=(DecisionOutcome.GRANT, DecisionOutcome.PARTIAL),
                benefit__in=BENEFITS_NEEDING_AMOUNT,
                period_from__lte=months.last,
            )
            .filter(
                Q(period_to__isnull=True, period_from__gte=months.first)
                | Q(period_to__gte=months.first)
            )
            .values_list("application__case__household_id", "period_from", "period_to")
            .order_by()
        ),
    )
    for household, period_from, period_to in rows:
        # Per month: from <= last and (to IS NULL and from >= first, or to >= first); an
        # open-ended grant counts only in the month it starts.
        end = period_from if period_to is None else period_to
        for position in months.span(period_from, end):
            with_cash[position].add(household)
    for position in range(len(months.months)):
        yield _count(len(months.social_work_households[position] - with_cash[position]))


@range_formula("residents_per_social_worker", 1)
def _residents_per_social_worker(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for fte in months.social_worker_fte:
        yield _ratio(population, fte or None, int(fte))


@range_formula("households_per_social_worker", 1)
def _households_per_social_worker(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for households, fte in zip(
        months.social_work_households, months.social_worker_fte, strict=True
    ):
        yield _ratio(len(households), fte or None, len(households))


@range_formula("contracts_signed", 1)
def _contracts_signed(months: MonthRange, population: int) -> Iterator[Aggregate]:
    signed = [0] * len(months.months)
    for signed_on, *_ in months.contracts:
        position = None if signed_on is None else months.index.get(_key(signed_on))
        if position is not None:
            signed[position] += 1
    yield from (_count(count) for count in signed)


@range_formula("contracts_active", 1)
def _contracts_active(months: MonthRange, population: int) -> Iterator[Aggregate]:
    active = [0] * len(months.months)
    for signed_on, starts_on, closed_on, status, _ in months.contracts:
        if signed_on is None or starts_on is None or status == ContractStatus.DRAFT:
            continue
        for position in months.span(max(signed_on, starts_on), None):
            month = months.months[position]
            if closed_on is None or closed_on > month.last:
                active[position] += 1
    yield from (_count(count) for count in active)


@range_formula("contracts_achieved", 1)
def _contracts_achieved(months: MonthRange, population: int) -> Iterator[Aggregate]:
    total = [0] * len(months.months)
    achieved = [0] * len(months.months)
    for _, _, closed_on, status, goals_achieved in months.contracts:
        if closed_on is None or status not in (ContractStatus.COMPLETED, ContractStatus.BROKEN):
            continue
        position = months.index.get(_key(closed_on))
        if position is not None:
            total[position] += 1
            achieved[position] += goals_achieved is True
    for closed, good in zip(total, achieved, strict=True):
        yield _ratio(good, closed or None, closed)


@range_formula("intakes", 1)
def _intake_count(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for position in range(len(months.months)):
        yield _count(len(months.intakes.get(position, [])))


@range_formula("minutes_to_routing", 1)
def _minutes_to_routing(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for position in range(len(months.months)):
        yield _median(
            [
                (resolved - arrived).total_seconds() / 60
                for outcome, arrived, resolved in months.intakes.get(position, [])
                if outcome == IntakeOutcome.ROUTED and resolved is not None
            ]
        )


@range_formula("resolved_at_desk_share", 1)
def _resolved_at_desk_share(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for position in range(len(months.months)):
        outcomes = [row[0] for row in months.intakes.get(position, [])]
        decided = [outcome for outcome in outcomes if outcome != IntakeOutcome.PENDING]
        desk = sum(1 for outcome in decided if outcome in RESOLVED_AT_DESK)
        yield _ratio(desk, len(decided) or None, len(decided))


@range_formula("days_to_decision", 1)
def _days_to_decision(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for position in range(len(months.months)):
        rows = months.decisions.get(position, [])
        yield _median([float((issued - received).days) for received, _, issued in rows])


@range_formula("decided_within_kpa_share", 1)
def _decided_within_kpa(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for position in range(len(months.months)):
        rows = months.decisions.get(position, [])
        within = sum(1 for _, due, issued in rows if issued <= due)
        yield _ratio(within, len(rows) or None, len(rows))


@range_formula("interviews_on_time_share", 1)
def _interviews_on_time(months: MonthRange, population: int) -> Iterator[Aggregate]:
    per_month = months.by_month(
        compiled_rows(
            ("interviews", months.first, months.last),
            lambda: (
                FamilyInterview.objects.filter(conducted_on__range=(months.first, months.last))
                .annotate(conducted=F("conducted_on"))
                .values_list("conducted", "needed_since", "conducted_on", "application__urgent")
                .order_by()
            ),
        )
    )
    deadline = _deadlines(
        [row[0] for rows in per_month.values() for row in rows if row[0] is not None]
    )

    for position in range(len(months.months)):
        rows = per_month.get(position, [])
        on_time = sum(
            1
            for needed, conducted, urgent in rows
            if conducted is not None and conducted <= deadline(needed, 2 if urgent else 14)
        )
        yield _ratio(on_time, len(rows) or None, len(rows))


def _deadlines(days: list[dt.date]) -> Callable[[dt.date, int], dt.date]:
    """``add_working_days`` for the given days, from one list of the working days that follow
    them: the n-th working day after a day is n places after it in the list (a day beyond the
    list, or a count reaching past it, falls back to ``add_working_days``)."""
    if not days:
        return add_working_days
    start, end = min(days), max(days) + dt.timedelta(days=DEADLINE_REACH_DAYS)
    working = [
        start + dt.timedelta(days=offset)
        for offset in range((end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=offset))
    ]

    def deadline(needed: dt.date, count: int) -> dt.date:
        if count <= 0 or not start <= needed <= end:
            return add_working_days(needed, count)
        position = bisect.bisect_right(working, needed) + count - 1
        if position >= len(working):
            return add_working_days(needed, count)
        return working[position]

    return deadline


# Calendar days after the latest day that the list of working days covers: more than 14 working
# days always fit (two weeks of weekdays and the holidays between them).
DEADLINE_REACH_DAYS = 40


@range_formula("services_households", 1)
def _services_households(months: MonthRange, population: int) -> Iterator[Aggregate]:
    for plans in months.plans:
        yield _count(len({plan[0] for plan in plans}))


@range_formula("service_hours_delivered_share", 1)
def _service_hours(months: MonthRange, population: int) -> Iterator[Aggregate]:
    delivered_by_month = months.by_month(
        compiled_rows(
            ("deliveries", months.first, months.last),
            lambda: (
                ServiceDelivery.objects.filter(day__range=(months.first, months.last))
                .annotate(month=TruncMonth("day"))
                .values("month", "plan_id")
                .annotate(hours=Sum("hours"))
                .values_list("month", "hours")
                .order_by()
            ),
        )
    )
    for position, month in enumerate(months.months):
        planned = Decimal(0)
        plans = months.plans[position]
        for _, per_week, starts, ends in plans:
            start, end = max(starts, month.first), min(ends or month.last, month.last)
            planned += Decimal(per_week) * months.working_days(start, end) / 5
        delivered = [Decimal(hours) for (hours,) in delivered_by_month.get(position, [])]
        yield _ratio(
            sum(delivered, Decimal(0)), planned or None, len(plans), top=_top_shares(delivered)
        )


@range_formula("handovers_per_case", 1)
def _handovers_per_case(months: MonthRange, population: int) -> Iterator[Aggregate]:
    handovers = [0] * len(months.months)
    rows = compiled_rows(
        ("handovers", months.first, months.last),
        lambda: (
            Handover.objects.filter(
                # The moments a day earlier and later bound the local days for the index.
                handed_over_at__gte=dt.datetime.combine(
                    months.first - dt.timedelta(days=1), dt.time(), dt.UTC
                ),
                handed_over_at__lt=dt.datetime.combine(
                    months.last + dt.timedelta(days=2), dt.time(), dt.UTC
                ),
                handed_over_at__date__range=(months.first, months.last),
            )
            .annotate(day=TruncDate("handed_over_at"))
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(count=Count("id"))
            .values_list("month", "count")
            .order_by()
        ),
    )
    for position, counts in months.by_month(rows).items():
        handovers[position] = sum(count for (count,) in counts)
    # Open cases per month from the cases grouped by the months they opened and closed in: a case
    # is open in month m when opened_on <= m.last and (closed_on IS NULL or closed_on >= m.first).
    open_cases = [0] * len(months.months)
    spans = compiled_rows(
        ("open_cases", months.first, months.last),
        lambda: (
            Case.objects.filter(opened_on__lte=months.last)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=months.first))
            .annotate(opened=TruncMonth("opened_on"), closed=TruncMonth("closed_on"))
            .values("opened", "closed")
            .annotate(count=Count("id"))
            .values_list("opened", "closed", "count")
            .order_by()
        ),
    )
    for opened, closed, count in spans:
        closed_last = None if closed is None else Month(closed.year, closed.month).last
        for position in months.span(opened, closed_last):
            open_cases[position] += count
    for handed, cases in zip(handovers, open_cases, strict=True):
        yield _ratio(handed, cases or None, cases)


def centre_months_aggregates(
    *, first: dt.date, last: dt.date, population: int, versions: dict[str, int]
) -> dict[MonthKey, dict[str, Aggregate]]:
    """The aggregates of the current centre's schema for every month ``first`` to ``last``
    (the days are ignored), for each ``code: version``: ``{(year, month): {code: aggregate}}``,
    equal to ``casework.metrics.centre_month_aggregates`` month by month.

    Raises KeyError for a code and version without a formula, ValueError if ``last`` is in an
    earlier month than ``first``.
    """
    months = MonthRange(first, last)
    formulas = {code: RANGE_FORMULAS[(code, version)] for code, version in versions.items()}
    result: dict[MonthKey, dict[str, Aggregate]] = {
        (month.year, month.month): {} for month in months.months
    }
    for code, function in formulas.items():
        for month, aggregate in zip(months.months, function(months, population), strict=True):
            result[(month.year, month.month)][code] = aggregate
    return result
