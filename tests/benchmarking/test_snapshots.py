"""Snapshots: the contract returns numbers only; runs are idempotent per centre, metric, version
and month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.definitions import DEFINITIONS, current_versions
from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre
from benchmarking.services import snapshot_centre_compute, snapshot_run_create
from casework.metrics import FORMULAS, Aggregate, centre_month_aggregates
from tenants.models import Centre

pytestmark = pytest.mark.django_db


def test_every_definition_has_a_formula_and_names_in_both_languages() -> None:
    for definition in DEFINITIONS:
        assert (definition.code, definition.version) in FORMULAS
        assert definition.name_pl and definition.name_en and definition.numerator


def test_the_contract_returns_numbers_and_counts_only() -> None:
    with schema_context("myslenice"):
        aggregates = centre_month_aggregates(
            year=2019, month=3, population=44519, versions=current_versions()
        )
    assert set(aggregates) == set(current_versions())
    for aggregate in aggregates.values():
        assert isinstance(aggregate, Aggregate)
        for value in (aggregate.numerator, aggregate.denominator, aggregate.value):
            assert value is None or isinstance(value, Decimal)
        assert isinstance(aggregate.n, int)
        assert all(isinstance(share, float) for share in aggregate.top_shares)


def test_residents_per_social_worker_uses_the_registry_population() -> None:
    with schema_context("krasnystaw"):
        aggregate = centre_month_aggregates(
            year=timezone.localdate().year,
            month=timezone.localdate().month,
            population=18383,
            versions={"residents_per_social_worker": 1},
        )["residents_per_social_worker"]
    assert aggregate.numerator == 18383
    assert aggregate.denominator is not None and aggregate.denominator >= 10  # 1 + 4 + 5 posts


def test_a_run_twice_over_the_same_months_keeps_one_value_each() -> None:
    centre = Centre.objects.get(slug="daleszyce")
    for _ in range(2):
        run = snapshot_run_create(
            kind=SnapshotRun.Kind.ON_DEMAND,
            period_from=dt.date(2020, 1, 1),
            period_to=dt.date(2020, 6, 1),
            centres=[centre],
        )
        progress = snapshot_centre_compute(run=run, centre=centre)
        assert progress.status == SnapshotRunCentre.Status.DONE
        run.refresh_from_db()
        assert run.status == SnapshotRun.Status.DONE
    rows = Snapshot.objects.filter(centre=centre, year=2020, month__lte=6)
    assert rows.count() == 6 * len(current_versions())
    assert (
        not rows.values("metric", "version", "year", "month")
        .annotate(c=Count("id"))
        .filter(c__gt=1)
    )


def test_a_run_refuses_future_months_and_unknown_versions() -> None:
    from opsplatform.errors import ValidationFailed

    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as excinfo:
        snapshot_run_create(
            kind="on_demand", period_from=today, period_to=today + dt.timedelta(days=62)
        )
    assert "period_to" in excinfo.value.fields
    with pytest.raises(ValidationFailed) as excinfo:
        snapshot_run_create(
            kind="on_demand", period_from=today, period_to=today, versions={"intakes": 99}
        )
    assert "versions" in excinfo.value.fields


def test_every_centre_has_social_workers_from_the_start_of_the_history() -> None:
    for centre in Centre.objects.all():
        with schema_context(centre.schema_name):
            aggregates = centre_month_aggregates(
                year=2016,
                month=1,
                population=centre.population,
                versions={"residents_per_social_worker": 1, "social_work_time_share": 1},
            )
        assert aggregates["residents_per_social_worker"].value is not None, centre.slug
        assert aggregates["social_work_time_share"].value is not None, centre.slug
