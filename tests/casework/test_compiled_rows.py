"""``casework.metrics_months.compiled_rows``: a values_list queryset compiled once per key and
process, read again in any centre's schema, gives exactly the rows the queryset gives there."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django_tenants.utils import schema_context

from casework.metrics_months import _COMPILED, compiled_rows
from casework.models import ActivityEntry, Case, Decision, Intake, ServicePlan
from tests.conftest import CENTRE_SLUGS

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2023, 1, 1), dt.date(2025, 12, 31)

QUERIES: dict[str, Callable[[], QuerySet[Any, Any]]] = {
    # A date truncated to its month (a converter turns PostgreSQL's timestamp into a date),
    # sums of minutes (Decimal-free integers) with a filter.
    "minutes": lambda: (
        ActivityEntry.objects.filter(day__range=(FIRST, LAST))
        .annotate(month=TruncMonth("day"))
        .values("month", "worker_id")
        .annotate(total=Sum("minutes"), social=Sum("minutes", filter=Q(category="social_work")))
        .values_list("month", "worker_id", "total", "social")
        .order_by("month", "worker_id")
    ),
    # Moments and their local dates.
    "intakes": lambda: (
        Intake.objects.filter(arrived_at__date__range=(FIRST, LAST))
        .annotate(day=TruncDate("arrived_at"))
        .values_list("day", "outcome", "arrived_at", "resolved_at")
        .order_by("arrived_at", "pk")
    ),
    # A join, an alias before the columns.
    "decisions": lambda: (
        Decision.objects.filter(issued_on__range=(FIRST, LAST))
        .annotate(issued=F("issued_on"))
        .values_list("issued", "application__received_on", "issued_on")
        .order_by("issued_on", "pk")
    ),
    # Decimals.
    "plans": lambda: ServicePlan.objects.values_list(
        "hours_per_week", "starts_on", "ends_on"
    ).order_by("pk"),
    # Counts by two truncated months, one of them often NULL.
    "cases": lambda: (
        Case.objects.annotate(opened=TruncMonth("opened_on"), closed=TruncMonth("closed_on"))
        .values("opened", "closed")
        .annotate(count=Count("id"))
        .values_list("opened", "closed", "count")
        .order_by("opened", "closed")
    ),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_compiled_rows_are_the_querysets_in_every_centre(name: str) -> None:
    _COMPILED.clear()
    built = 0

    def build() -> QuerySet[Any, Any]:
        nonlocal built
        built += 1
        return QUERIES[name]()

    seen = set()
    for slug in CENTRE_SLUGS:
        with schema_context(slug):
            expected = list(QUERIES[name]())
            assert compiled_rows(("test", name), build) == expected, (slug, name)
            seen.add(tuple(expected))
    assert built == 1  # compiled once, read in five schemas
    assert len(seen) > 1  # the centres' rows differ: each read its own schema


def test_a_queryset_that_matches_nothing_by_construction_gives_no_rows() -> None:
    _COMPILED.clear()
    with schema_context(CENTRE_SLUGS[0]):
        rows = compiled_rows(
            ("test", "none"), lambda: Case.objects.filter(pk__in=[]).values_list("pk")
        )
    assert rows == []


def test_only_a_values_list_queryset_is_taken() -> None:
    _COMPILED.clear()
    with schema_context(CENTRE_SLUGS[0]), pytest.raises(TypeError):
        compiled_rows(("test", "objects"), lambda: Case.objects.all())
