"""A frozen clock for tests of dated rules: the whole process (Django's ``timezone.now`` and
``localdate``, ``datetime.now``, ``time.time``) reads one fixed moment in Warsaw, so expected
dates are written out from the calendar instead of computed from today."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine

WARSAW = ZoneInfo("Europe/Warsaw")


@contextmanager
def frozen_on(day: dt.date, hour: int = 10) -> Iterator[None]:
    """The clock stands at ``hour``:00 in Warsaw on ``day`` until the block ends."""
    with time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=WARSAW), tick=False
    ):
        yield
