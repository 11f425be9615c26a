"""The reporting tables of many periods at once (``centre_periods_tables``) against their
definition, one period at a time (``centre_period_tables``): equal for every demo centre, every
half-year and year of its history (the running ones up to today) and a few odd periods, from a
number of statements that does not depend on the number of periods."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.metrics_tables import centre_period_tables, centre_periods_tables
from tenants.models import Centre

pytestmark = pytest.mark.django_db


def reporting_periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    periods = []
    for year in range(2016, today.year + 1):
        for first, last in (
            (dt.date(year, 1, 1), dt.date(year, 6, 30)),
            (dt.date(year, 7, 1), dt.date(year, 12, 31)),
            (dt.date(year, 1, 1), dt.date(year, 12, 31)),
        ):
            if first <= today:
                periods.append((first, min(last, today)))
    return periods


def test_many_periods_equal_one_at_a_time_for_every_centre_and_period() -> None:
    today = timezone.localdate()
    periods = [
        *reporting_periods(today),
        (dt.date(2020, 3, 15), dt.date(2020, 3, 15)),  # one day
        (dt.date(2014, 1, 1), dt.date(2030, 12, 31)),  # beyond the history on both sides
        (dt.date(2021, 2, 1), dt.date(2023, 8, 31)),  # across years
    ]
    compared = 0
    for centre in Centre.objects.order_by("slug"):
        with schema_context(centre.schema_name):
            together = centre_periods_tables(periods)
            assert len(together) == len(periods)
            for (first, last), tables in zip(periods, together, strict=True):
                expected = centre_period_tables(first=first, last=last)
                assert tables == expected, (centre.slug, first, last)
                compared += 1
    assert compared == 5 * len(periods)


def test_statements_do_not_depend_on_the_number_of_periods() -> None:
    today = timezone.localdate()
    periods = reporting_periods(today)
    counts = []
    with schema_context("piaseczno"):
        centre_periods_tables(periods[-1:])  # the schema's search path is set once, before
        for chosen in (periods[-2:], periods):
            with CaptureQueriesContext(connection) as queries:
                centre_periods_tables(chosen)
            counts.append(len(queries))
    assert counts[0] == counts[1] <= 10, counts


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with schema_context("piaseczno"), pytest.raises(ValueError):
        centre_periods_tables([(dt.date(2020, 2, 1), dt.date(2020, 1, 31))])
    with schema_context("piaseczno"):
        assert centre_periods_tables([]) == []
