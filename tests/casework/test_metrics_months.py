"""The set-based metrics (``centre_months_aggregates``) against their definition, the per-month
formulas (``centre_month_aggregates``): equal for every centre of the demo, every metric and every
month of its history, from a number of statements that does not depend on the number of months."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.definitions import current_versions
from casework.metrics import FORMULAS, centre_month_aggregates, centre_months_aggregates
from casework.metrics_months import RANGE_FORMULAS
from tenants.models import Centre

pytestmark = pytest.mark.django_db

HISTORY_START = dt.date(2016, 1, 1)


def every_version() -> dict[str, int]:
    """Every formula version casework has (one per code today), not only the current ones."""
    versions: dict[str, int] = {}
    for code, version in sorted(FORMULAS):
        versions[code] = version
    return versions


def test_every_formula_has_a_set_based_twin() -> None:
    assert set(RANGE_FORMULAS) == set(FORMULAS)


def test_set_based_equals_per_month_for_every_centre_metric_and_month() -> None:
    today = timezone.localdate()
    versions = every_version()
    compared = 0
    for centre in Centre.objects.order_by("slug"):
        with schema_context(centre.schema_name):
            months = centre_months_aggregates(
                first=HISTORY_START, last=today, population=centre.population, versions=versions
            )
            assert next(iter(months)) == (2016, 1) and list(months)[-1] == (today.year, today.month)
            for (year, month), aggregates in months.items():
                expected = centre_month_aggregates(
                    year=year, month=month, population=centre.population, versions=versions
                )
                for code in versions:
                    assert aggregates[code] == expected[code], (centre.slug, year, month, code)
                    compared += 1
    assert compared >= 5 * 120 * len(versions)


@pytest.mark.parametrize("months", [1, 2, 12, 60, 130])
def test_statements_do_not_depend_on_the_number_of_months(months: int) -> None:
    centre = Centre.objects.get(slug="piaseczno")
    last = dt.date(2026, 10, 1)
    back = last.year * 12 + last.month - 1 - (months - 1)
    first = dt.date(back // 12, back % 12 + 1, 1)
    with schema_context(centre.schema_name), CaptureQueriesContext(connection) as queries:
        result = centre_months_aggregates(
            first=first, last=last, population=centre.population, versions=current_versions()
        )
    assert len(result) == months
    # One statement per shared row set or per formula that groups in the database: 13 today,
    # whatever the number of months (the per-month path: about 40 per month).
    assert len(queries) == 13, [q["sql"][:80] for q in queries]


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with schema_context("piaseczno"), pytest.raises(ValueError):
        centre_months_aggregates(
            first=dt.date(2020, 2, 1), last=dt.date(2020, 1, 31), population=1, versions={}
        )
