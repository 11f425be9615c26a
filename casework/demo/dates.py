"""Date arithmetic and small text helpers of the demo history."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, kept within the month (31 January + 1 → 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def female_surname(surname: str) -> str:
    """The feminine form of a Polish surname (Kowalski → Kowalska); others are unchanged."""
    for ending, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + female
    return surname


def months_from_to(start: dt.date, end: dt.date) -> Iterable[tuple[int, int]]:
    """(year, month) of every month from ``start``'s to ``end``'s, both included."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
