"""Working days in Poland: Monday to Friday except public holidays (from the `holidays` library,
which follows the statutory list, including Christmas Eve from 2025)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


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
