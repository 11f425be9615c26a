"""Reads of benchmarking: snapshot values as series, pooled over months or centres.

Everything here is raw (not yet through disclosure control) and stays inside the benchmarking
package: only ``benchmarking.comparisons`` and ``benchmarking.exports`` turn it into releases,
through the gate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import CentreParts
from benchmarking.models import Snapshot, SnapshotRun
from benchmarking.services import months_between
from tenants.models import Centre

Period = tuple[int, int]


@dataclass(frozen=True)
class Figure:
    """An aggregate and what disclosure control needs to judge it (never a record)."""

    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    n: int
    top_shares: tuple[float, ...] = ()
    months: int = 1


def period_key(period: Period) -> str:
    return f"{period[0]}-{period[1]:02d}"


def month_range(first: dt.date, last: dt.date) -> list[Period]:
    return list(months_between(first, last))


def centre_series(
    *, centre_ids: Sequence[int], definition: MetricDefinition, first: dt.date, last: dt.date
) -> dict[int, dict[Period, Figure]]:
    """Monthly figures of one metric version for the given centres, months without a snapshot
    left out. One query."""
    rows = (
        Snapshot.objects.filter(
            centre_id__in=list(centre_ids),
            metric=definition.code,
            version=definition.version,
            year__gte=first.year,  # an index range, as in _sums_query
            year__lte=last.year,
        )
        .annotate(month_index=F("year") * 12 + F("month"))
        .filter(
            month_index__gte=first.year * 12 + first.month,
            month_index__lte=last.year * 12 + last.month,
        )
        .order_by()
    )
    series: dict[int, dict[Period, Figure]] = defaultdict(dict)
    if definition.disclosure != DisclosureClass.MAGNITUDE:
        # Only magnitudes use their top contributors' shares (a JSON list to decode per row).
        for centre_id, year, month, numerator, denominator, value, n in rows.values_list(
            "centre_id", "year", "month", "numerator", "denominator", "value", "n"
        ):
            series[centre_id][(year, month)] = Figure(numerator, denominator, value, n)
        return dict(series)
    for centre_id, year, month, numerator, denominator, value, n, top in rows.values_list(
        "centre_id", "year", "month", "numerator", "denominator", "value", "n", "top_shares"
    ):
        series[centre_id][(year, month)] = Figure(
            numerator, denominator, value, n, tuple(float(s) for s in top)
        )
    return dict(series)


class SeriesReader:
    """Monthly figures of many centres over one span, read together: one query per metric version
    for all the centres, whatever their number, instead of one per centre. A centre or months
    outside what it was made for are read on their own, so an answer never misses data."""

    def __init__(self, centre_ids: Iterable[int], first: dt.date, last: dt.date) -> None:
        self.centre_ids = frozenset(centre_ids)
        self.first = first
        self.last = last
        self._read: dict[tuple[str, int], dict[int, dict[Period, Figure]]] = {}

    def series(
        self,
        *,
        centre_ids: Sequence[int],
        definition: MetricDefinition,
        first: dt.date,
        last: dt.date,
    ) -> dict[int, dict[Period, Figure]]:
        """:func:`centre_series` of these centres and months, from what was read together."""
        series = {
            centre_id: figures
            for centre_id in centre_ids
            if (figures := self.figures(definition, centre_id, first, last))
        }
        return series

    def figures(
        self, definition: MetricDefinition, centre_id: int, first: dt.date, last: dt.date
    ) -> dict[Period, Figure]:
        """``centre_id``'s figures of ``first``–``last`` (months without a snapshot left out)."""
        if centre_id not in self.centre_ids or first < self.first or last > self.last:
            return centre_series(
                centre_ids=[centre_id], definition=definition, first=first, last=last
            ).get(centre_id, {})
        key = (definition.code, definition.version)
        if key not in self._read:
            self._read[key] = centre_series(
                centre_ids=sorted(self.centre_ids),
                definition=definition,
                first=self.first,
                last=self.last,
            )
        wanted = set(month_range(first, last))
        own = self._read[key].get(centre_id, {})
        return {period: figure for period, figure in own.items() if period in wanted}


def top_two_share_bound(figures: Sequence[Figure]) -> tuple[float, ...]:
    """An upper bound of the two largest contributors' share of a pooled magnitude: the sum of
    the two largest in a pool is at most the sum over its parts of their two largest, so the
    numerator-weighted mean of the parts' top-two shares bounds the pool's."""
    total = sum((f.numerator for f in figures), Decimal(0))
    if not total:
        return ()
    bound = sum(Decimal(str(sum(f.top_shares[:2]))) * f.numerator for f in figures) / total
    return (float(bound),)


@dataclass(frozen=True)
class Sums:
    """What pooling needs of a set of figures of one metric: sums over its parts (the figures
    with a value or a base), computed in Python (:func:`pool`) or by PostgreSQL
    (:func:`pooled_by_area`, :func:`pooled_by_centre`) — both turned into the pooled figure by
    :func:`pooled`, so the two ways agree to the digit."""

    parts: int
    numerator: Decimal
    denominator: Decimal
    n: int
    months: int  # the parts' months: summed over months, the largest over centres
    weighted: Decimal  # Σ value × n over parts with a value and n > 0 (medians)
    weight: int  # Σ n over those parts
    values: Decimal  # Σ value over parts with a value (staffing ratios over months)
    valued: int  # how many parts have a value
    top: tuple[float, ...] = ()  # magnitudes pooled over centres: top_two_share_bound


def pool(definition: MetricDefinition, figures: Iterable[Figure], *, over: str) -> Figure | None:
    """Pool figures of one metric over months (``over="months"``) or centres (``"centres"``).

    Ratios pool their numerators and denominators; counts are summed over centres and averaged
    per month over months; medians become the n-weighted mean of the medians; staffing ratios
    pool over centres and average over months.
    """
    parts = [f for f in figures if f.value is not None or f.n]
    if not parts:
        return None
    numerator = denominator = weighted = values = Decimal(0)
    n = weight = valued = 0
    months: list[int] = []
    for f in parts:
        numerator += f.numerator
        if f.denominator:
            denominator += f.denominator
        n += f.n
        months.append(f.months)
        if f.value is not None:
            values += f.value
            valued += 1
            if f.n:
                weighted += f.value * f.n
                weight += f.n
    sums = Sums(
        parts=len(parts),
        numerator=numerator,
        denominator=denominator,
        n=n,
        months=max(months) if over == "centres" else sum(months),
        weighted=weighted,
        weight=weight,
        values=values,
        valued=valued,
        top=top_two_share_bound(parts)
        if definition.disclosure == DisclosureClass.MAGNITUDE
        else (),
    )
    return pooled(definition, sums, over=over)


def pooled(definition: MetricDefinition, sums: Sums, *, over: str) -> Figure:
    """The pooled figure of :func:`pool` from the sums of its parts (``sums.parts`` > 0)."""
    kind = definition.disclosure
    numerator, n, months = sums.numerator, sums.n, sums.months
    if kind == DisclosureClass.COUNT:
        count = numerator if over == "centres" else numerator / sums.parts
        return Figure(numerator, None, count.quantize(Decimal("0.01")), n, (), months)
    if kind == DisclosureClass.MEDIAN:
        if not sums.weight:
            return Figure(Decimal(0), None, None, 0, (), months)
        mean = sums.weighted / sums.weight
        return Figure(mean, None, mean.quantize(Decimal("0.01")), n, (), months)
    if kind == DisclosureClass.STAFFING and over == "months":
        if not sums.valued:
            return Figure(numerator, None, None, n, (), months)
        mean = sums.values / sums.valued
        return Figure(numerator, None, mean.quantize(Decimal("0.0001")), n, (), months)
    denominator = sums.denominator
    ratio = (numerator / denominator).quantize(Decimal("0.0001")) if denominator else None
    return Figure(numerator, denominator or None, ratio, n, sums.top, months)


def _sums_query(definition: MetricDefinition, first: dt.date, last: dt.date) -> QuerySet[Snapshot]:
    """The snapshots of one metric version in ``first``–``last`` that pooling counts (with a
    value or a base)."""
    return (
        Snapshot.objects.filter(
            metric=definition.code,
            version=definition.version,
            # Redundant with the months below, but an index range (metric, version, year):
            # only the window's years are read, not the metric's whole history.
            year__gte=first.year,
            year__lte=last.year,
        )
        .annotate(month_index=F("year") * 12 + F("month"))
        .filter(
            month_index__gte=first.year * 12 + first.month,
            month_index__lte=last.year * 12 + last.month,
        )
        .filter(Q(value__isnull=False) | ~Q(n=0))
        .order_by()
    )


_WEIGHTED = Q(value__isnull=False, n__gt=0)
SUMS = {
    "parts": Count("id"),
    "numerator_sum": Sum("numerator"),
    "denominator_sum": Sum("denominator"),
    "n_sum": Sum("n"),
    "weighted": Sum(
        ExpressionWrapper(F("value") * F("n"), output_field=DecimalField()), filter=_WEIGHTED
    ),
    "weight": Sum("n", filter=_WEIGHTED),
    "values_sum": Sum("value"),
    "valued": Count("value"),
}


# A magnitude's parts weighted by their two largest contributors' shares (as
# top_two_share_bound: the shares, floats, added as floats and taken at their shortest decimal
# form, times the part's numerator), summed exactly.
def _share(index: int) -> Coalesce:
    return Coalesce(Cast(KeyTextTransform(str(index), "top_shares"), FloatField()), Value(0.0))


_TOP_WEIGHTED = ExpressionWrapper(
    Func(
        Cast(_share(0) + _share(1), TextField()),
        template="(%(expressions)s)::numeric",  # exact: numeric without a scale
        output_field=DecimalField(),
    )
    * F("numerator"),
    output_field=DecimalField(),
)


def _aggregates(definition: MetricDefinition) -> dict[str, Any]:
    if definition.disclosure == DisclosureClass.MAGNITUDE:
        return SUMS | {"top_weighted": Sum(_TOP_WEIGHTED)}
    return SUMS


def _sums(row: Mapping[str, Any], months: int | None) -> Sums:
    def number(name: str) -> Decimal:
        return Decimal(row[name] or 0)

    numerator = number("numerator_sum")
    top: tuple[float, ...] = ()
    if "top_weighted" in row and numerator:
        top = (float(number("top_weighted") / numerator),)
    return Sums(
        parts=row["parts"],
        numerator=numerator,
        denominator=number("denominator_sum"),
        n=int(row["n_sum"] or 0),
        months=row["parts"] if months is None else months,
        weighted=number("weighted"),
        weight=int(row["weight"] or 0),
        values=number("values_sum"),
        valued=row["valued"],
        top=top,
    )


def pooled_by_voivodeship(
    *,
    voivodeships: Sequence[str],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
) -> dict[str, list[tuple[Period, Figure | None]]]:
    """Each voivodeship's months pooled over all its centres: what :func:`pool_scope` gives for
    the months of the voivodeship's centres, in one query returning one row per voivodeship
    and month, however many centres they hold."""
    periods = month_range(first, last)
    rows = (
        _sums_query(definition, first, last)
        .filter(centre__voivodeship__in=list(voivodeships))
        .values("centre__voivodeship", "year", "month")
        .annotate(**_aggregates(definition))
    )
    figures = {
        (row["centre__voivodeship"], (row["year"], row["month"])): pooled(
            definition, _sums(row, months=1), over="centres"
        )
        for row in rows
    }
    return {code: [(p, figures.get((code, p))) for p in periods] for code in voivodeships}


def pooled_by_centre(
    *,
    centre_ids: Sequence[int],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
) -> dict[int, Figure]:
    """Each centre's months pooled into one figure (:func:`pool` over months), centres without
    any left out: one query returning one row per centre."""
    rows = (
        _sums_query(definition, first, last)
        .filter(centre_id__in=list(centre_ids))
        .values("centre_id")
        .annotate(**_aggregates(definition))
    )
    return {
        row["centre_id"]: pooled(definition, _sums(row, months=None), over="months") for row in rows
    }


def pool_scope(
    definition: MetricDefinition,
    by_centre: Mapping[int, Mapping[Period, Figure]],
    centres: Sequence[Centre],
    periods: Sequence[Period],
) -> tuple[list[tuple[Period, Figure | None]], Figure | None]:
    """A set of centres as one area: each month pooled over the centres, and the whole window
    pooled over those months."""
    monthly = [
        (
            period,
            pool(
                definition,
                [by_centre[c.pk][period] for c in centres if period in by_centre.get(c.pk, {})],
                over="centres",
            ),
        )
        for period in periods
    ]
    figures = [figure for _, figure in monthly if figure is not None]
    return monthly, pool(definition, figures, over="months") if figures else None


def latest_run_id(first: dt.date, last: dt.date) -> int:
    """The newest finished run whose months overlap the window: the 'release' that peer
    pseudonyms are drawn for (0 when there is none)."""
    run = (
        SnapshotRun.objects.filter(
            finished_at__isnull=False, period_from__lte=last, period_to__gte=first
        )
        .order_by("-finished_at")
        .values_list("pk", flat=True)
        .first()
    )
    return run or 0


@dataclass(frozen=True)
class AreaFigures:
    """An area of an export (a voivodeship, a group of them, or the whole scope): its months
    pooled over its centres (as :func:`pool_scope`) and its centres' contributions to the
    window (as ``CentreParts.of(comparisons.centre_contributions(...))``)."""

    months: list[tuple[Period, Figure | None]]
    centres: CentreParts


WHOLE = "scope"


def _base_sql(kind: DisclosureClass) -> str:
    """``comparisons.base_of`` a centre's window pooled over months (``c``: its sums)."""
    if kind == DisclosureClass.RATE:
        return "coalesce(c.n_sum, 0)"
    if kind == DisclosureClass.MEDIAN:  # no weight: pooled() gives n = 0
        return "CASE WHEN coalesce(c.weight, 0) <> 0 THEN coalesce(c.n_sum, 0) ELSE 0 END"
    # COUNT, MAGNITUDE; STAFFING pooled over months has no denominator: its numerator.
    return "coalesce(c.numerator_sum, 0)"


def pooled_by_area(
    *,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    voivodeship: str | None,
    areas: Mapping[str, Sequence[str]],
) -> dict[str, AreaFigures]:
    """Each area's figures over the centres of a scope (one voivodeship, or the whole country
    for ``voivodeship`` None): ``areas`` maps an area's key to its voivodeships, and the key
    :data:`WHOLE` is every centre of the scope. Two statements, whatever the number of
    centres: one row per voivodeship and month (their sums, added up per area here) and one
    row per area with what the centre-level rules read of its centres' windows (how many
    contribute, the largest, and the rest summed as floats from the largest down, as
    ``CentreParts.of`` adds them)."""
    periods = month_range(first, last)
    in_scope = Q() if voivodeship is None else Q(centre__voivodeship=voivodeship)
    aggregates = _aggregates(definition)
    monthly = (
        _sums_query(definition, first, last)
        .filter(in_scope)
        .values("centre__voivodeship", "year", "month")
        .annotate(**aggregates)
    )
    keys = [*areas, WHOLE]
    members = {key: set(codes) for key, codes in areas.items()}
    added: dict[tuple[str, Period], dict[str, Any]] = {}
    row: dict[str, Any]
    for row in monthly:  # type: ignore[assignment]  # values() rows with the aggregates too
        period = (row["year"], row["month"])
        for key in keys:
            if key != WHOLE and row["centre__voivodeship"] not in members[key]:
                continue
            into = added.setdefault((key, period), dict.fromkeys(aggregates, None))
            for name in aggregates:
                if row[name] is not None:
                    into[name] = row[name] if into[name] is None else into[name] + row[name]
    figures = {
        cell: pooled(definition, _sums(row, months=1), over="centres")
        for cell, row in added.items()
    }

    per_centre = (
        _sums_query(definition, first, last)
        .filter(in_scope)
        .values("centre_id", "centre__voivodeship")
        .annotate(numerator_sum=Sum("numerator"), n_sum=Sum("n"), weight=SUMS["weight"])
    )
    centre_sql, centre_params = per_centre.query.sql_with_params()
    codes = [code for key, group in areas.items() for code in group]
    names = [key for key, group in areas.items() for _ in group]
    # Only fixed expressions and the ORM's own SQL are formatted in; values are parameters.
    sql = f"""
WITH c (centre_id, voivodeship, numerator_sum, n_sum, weight) AS ({centre_sql}),
b AS (SELECT c.voivodeship, abs({_base_sql(definition.disclosure)}) AS a FROM c),
x AS (
    SELECT m.area, b.a FROM b
    JOIN unnest(%s::text[], %s::text[]) AS m (voivodeship, area) ON m.voivodeship = b.voivodeship
    WHERE b.a <> 0
    UNION ALL
    SELECT %s, b.a FROM b WHERE b.a <> 0
),
r AS (SELECT x.area, x.a, row_number() OVER (PARTITION BY x.area ORDER BY x.a DESC) AS pos FROM x)
SELECT r.area, count(*), max(r.a), sum(r.a::float8 ORDER BY r.a DESC) FILTER (WHERE r.pos > 2)
FROM r GROUP BY r.area
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*centre_params, codes, names, WHOLE])
        parts = {
            area: CentreParts(int(count), float(largest), float(rest or 0))
            for area, count, largest, rest in cursor.fetchall()
        }
    return {
        key: AreaFigures(
            months=[(p, figures.get((key, p))) for p in periods],
            centres=parts.get(key, CentreParts(0, 0.0, 0.0)),
        )
        for key in keys
    }
