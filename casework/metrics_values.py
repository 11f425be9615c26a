"""The values the metrics contract returns (``Aggregate``), the month they are computed for, and
the small constructors both the per-month formulas (``casework.metrics``) and the set-based
computation (``casework.metrics_months``) build them with."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Aggregate:
    """One metric of one centre for one month.

    ``value`` is numerator / denominator (or the statistic itself, e.g. a median) and None when it
    is undefined (denominator 0, nothing to take a median of). ``n`` counts the units behind the
    value (households, persons, applications…). ``top_shares`` holds the shares (0–1) of the two
    largest contributors to a sum of magnitudes, for the dominance rule; empty for counts.
    """

    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    n: int
    top_shares: tuple[float, ...] = ()


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)


def _ratio(
    numerator: Decimal | int,
    denominator: Decimal | int | None,
    n: int,
    *,
    top: tuple[float, ...] = (),
) -> Aggregate:
    num = Decimal(numerator)
    den = None if denominator is None else Decimal(denominator)
    value = (num / den).quantize(Decimal("0.0001")) if den else None
    return Aggregate(numerator=num, denominator=den, value=value, n=n, top_shares=top)


def _count(value: int) -> Aggregate:
    return Aggregate(numerator=Decimal(value), denominator=None, value=Decimal(value), n=value)


def _median(values: list[float]) -> Aggregate:
    if not values:
        return Aggregate(numerator=Decimal(0), denominator=None, value=None, n=0)
    median = Decimal(str(statistics.median(values))).quantize(Decimal("0.01"))
    return Aggregate(numerator=median, denominator=None, value=median, n=len(values))


def _top_shares(values: list[Decimal]) -> tuple[float, ...]:
    total = sum(values, Decimal(0))
    if not total:
        return ()
    largest = sorted(values, reverse=True)[:2]
    return tuple(float(v / total) for v in largest)
