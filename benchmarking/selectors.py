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

from benchmarking.definitions import DisclosureClass, MetricDefinition
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
    rows = Snapshot.objects.filter(
        centre_id__in=list(centre_ids),
        metric=definition.code,
        version=definition.version,
        year__gte=first.year,
        year__lte=last.year,
    ).values_list(
        "centre_id", "year", "month", "numerator", "denominator", "value", "n", "top_shares"
    )
    wanted = set(month_range(first, last))
    series: dict[int, dict[Period, Figure]] = defaultdict(dict)
    for centre_id, year, month, numerator, denominator, value, n, top in rows:
        if (year, month) in wanted:
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


def pool(definition: MetricDefinition, figures: Iterable[Figure], *, over: str) -> Figure | None:
    """Pool figures of one metric over months (``over="months"``) or centres (``"centres"``).

    Ratios pool their numerators and denominators; counts are summed over centres and averaged
    per month over months; medians become the n-weighted mean of the medians; staffing ratios
    pool over centres and average over months.
    """
    parts = [f for f in figures if f.value is not None or f.n]
    if not parts:
        return None
    numerator = sum((f.numerator for f in parts), Decimal(0))
    n = sum(f.n for f in parts)
    months = max(f.months for f in parts) if over == "centres" else sum(f.months for f in parts)
    kind = definition.disclosure
    if kind == DisclosureClass.COUNT:
        count = numerator if over == "centres" else numerator / len(parts)
        return Figure(numerator, None, count.quantize(Decimal("0.01")), n, (), months)
    if kind == DisclosureClass.MEDIAN:
        valued = [f for f in parts if f.value is not None and f.n]
        weight = sum(f.n for f in valued)
        if not weight:
            return Figure(Decimal(0), None, None, 0, (), months)
        mean = sum((f.value * f.n for f in valued if f.value is not None), Decimal(0)) / weight
        return Figure(mean, None, mean.quantize(Decimal("0.01")), n, (), months)
    if kind == DisclosureClass.STAFFING and over == "months":
        values = [f.value for f in parts if f.value is not None]
        if not values:
            return Figure(numerator, None, None, n, (), months)
        mean = sum(values, Decimal(0)) / len(values)
        return Figure(numerator, None, mean.quantize(Decimal("0.0001")), n, (), months)
    denominator = sum((f.denominator or Decimal(0) for f in parts), Decimal(0))
    ratio = (numerator / denominator).quantize(Decimal("0.0001")) if denominator else None
    top = top_two_share_bound(parts) if kind == DisclosureClass.MAGNITUDE else ()
    return Figure(numerator, denominator or None, ratio, n, top, months)


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
