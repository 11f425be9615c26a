"""Working days in Poland: Monday to Friday except public holidays (from the `holidays` library,
which follows the statutory list, including Christmas Eve from 2025).

Counting is arithmetic, not a walk over the days: weekdays come from whole weeks of day
ordinals, and the holidays that fall on a weekday are counted from each year's sorted list
(bisected in the first and last year) and from running totals of whole years. Each year's list
is computed once per process; after that a count over any two dates is a few look-ups, whatever
the dates (a typo of 9999 included)."""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Callable
from functools import lru_cache

# Poland's calendar imported here, when the process starts, not by the first count: importing any
# one country loads the library's whole registry (some 300 modules, a few hundred milliseconds),
# which `holidays.country_holidays` would otherwise do inside the first request that counts days
# (the first dashboard after a log-in in a new web process).
from holidays.countries.poland import Poland


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(Poland(years=year))  # type: ignore[no-untyped-call]  # the library's constructor is untyped


@lru_cache(maxsize=256)
def _weekday_holidays(year: int) -> tuple[dt.date, ...]:
    """The year's public holidays that fall Monday to Friday, in order (a holiday on a Saturday
    or a Sunday takes no working day away)."""
    return tuple(sorted(day for day in _holidays(year) if day.weekday() < 5))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def _weekdays_through(day: dt.date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday, ordinal 1) up to ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class _YearTotals:
    """Weekday holidays in whole years, as running totals from ``ANCHOR`` in both directions,
    extended as far as a count has needed and then kept: a count over any span is two look-ups,
    after the first use of its years (each year's list is computed once per process)."""

    ANCHOR = 2000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # _ahead[i]: weekday holidays in the years ANCHOR .. ANCHOR + i - 1.
        # _behind[i]: weekday holidays in the years ANCHOR - i .. ANCHOR - 1.
        self._ahead = [0]
        self._behind = [0]

    def before(self, year: int) -> int:
        """Weekday holidays from 1 January ``ANCHOR`` up to 1 January ``year`` (negative for an
        earlier year): ``before(b) - before(a)`` is the count in the years ``a .. b - 1``."""
        if year >= self.ANCHOR:
            return self._extend(self._ahead, year - self.ANCHOR, lambda i: self.ANCHOR + i)
        return -self._extend(self._behind, self.ANCHOR - year, lambda i: self.ANCHOR - 1 - i)

    def _extend(self, totals: list[int], needed: int, year_at: Callable[[int], int]) -> int:
        if needed >= len(totals):
            with self._lock:
                while len(totals) <= needed:
                    totals.append(totals[-1] + len(_weekday_holidays(year_at(len(totals) - 1))))
        return totals[needed]


_year_totals = _YearTotals()


def _weekday_holidays_through(day: dt.date) -> int:
    """Weekday holidays from 1 January 2000 up to ``day`` (negative before 2000)."""
    return _year_totals.before(day.year) + bisect.bisect_right(_weekday_holidays(day.year), day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    weekdays = _weekdays_through(end) - _weekdays_through(start)
    return weekdays - (_weekday_holidays_through(end) - _weekday_holidays_through(start))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count): the
    earliest day by which ``days`` working days have passed, found by bisecting the count."""
    if days <= 0:
        return start
    # Every week has five weekdays and a year at most ~13 weekday holidays, so twice the
    # calendar days of ``days`` weekdays plus a fortnight always reaches far enough.
    reach = min(days * 7 // 5 * 2 + 14, (dt.date.max - start).days)
    low, high = 1, reach
    if working_days_between(start, start + dt.timedelta(days=high)) < days:
        raise OverflowError("the date would fall after the last representable day")
    while low < high:
        middle = (low + high) // 2
        if working_days_between(start, start + dt.timedelta(days=middle)) >= days:
            high = middle
        else:
            low = middle + 1
    return start + dt.timedelta(days=low)


def next_working_day_if_needed(day: dt.date) -> dt.date:
    """KPA art. 57 § 4: a time limit ending on a Saturday or a public holiday ends on the next
    working day (Sunday is a public holiday too)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_months_kpa(start: dt.date, months: int) -> dt.date:
    """A time limit in months (KPA art. 57 § 3 and § 4): the day of the month that corresponds to
    ``start``, or the month's last day if it has none; moved to the next working day if needed."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return next_working_day_if_needed(dt.date(year, month, min(start.day, last_day)))


def add_days_kpa(start: dt.date, days: int) -> dt.date:
    """A time limit in days (KPA art. 57 § 1 and § 4): counted from the day after ``start``."""
    return next_working_day_if_needed(start + dt.timedelta(days=days))
