"""Snapshots: the contract returns numbers only; runs are idempotent per centre, metric, version
and month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.definitions import DEFINITIONS, current_versions
from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre
from benchmarking.services import (
    months_between,
    snapshot_centre_compute,
    snapshot_centres_compute,
    snapshot_run_create,
    snapshot_run_finish_if_complete,
)
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


def _statements_of_a_run(centre: Centre, first: dt.date, last: dt.date) -> int:
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.ON_DEMAND, period_from=first, period_to=last, centres=[centre]
    )
    with CaptureQueriesContext(connection) as queries:
        progress = snapshot_centre_compute(run=run, centre=centre)
    assert progress.status == SnapshotRunCentre.Status.DONE
    assert progress.months_done == len(list(months_between(first, last)))
    return len(queries)


def test_a_centres_snapshot_costs_the_same_statements_for_two_months_or_six() -> None:
    """Set-based: the months of a step (up to three years) cost no more statements than one month
    (the per-month path issued about 40 per month). Both periods touch the same reporting periods
    (the first half of 2021 and the year), so their tables cost the same too."""
    centre = Centre.objects.get(slug="myslenice")
    # Once first, so that both measured runs update the stored tables rather than create them.
    _statements_of_a_run(centre, dt.date(2021, 1, 1), dt.date(2021, 1, 1))
    two = _statements_of_a_run(centre, dt.date(2021, 1, 1), dt.date(2021, 2, 1))
    six = _statements_of_a_run(centre, dt.date(2021, 1, 1), dt.date(2021, 6, 1))
    assert six == two
    # Ten years: one step per thirty-six months (computed in a constant number of statements and
    # written in one transaction); the tables of its thirty half-years and years are computed
    # together, in as many statements as the two of the short runs.
    ten_years = _statements_of_a_run(centre, dt.date(2011, 1, 1), dt.date(2020, 12, 1))
    steps = 4
    assert ten_years <= two + (steps - 1) * 20, (ten_years, two)


def test_finishing_a_run_reads_no_more_with_five_centres_than_with_one() -> None:
    centres = list(Centre.objects.order_by("slug"))
    counts: list[tuple[int, int]] = []
    for chosen in (centres[:1], centres):
        run = snapshot_run_create(
            kind=SnapshotRun.Kind.ON_DEMAND,
            period_from=dt.date(2020, 1, 1),
            period_to=dt.date(2020, 1, 1),
            centres=chosen,
        )
        with CaptureQueriesContext(connection) as while_running:
            snapshot_run_finish_if_complete(run=run)
        run.refresh_from_db()
        assert run.finished_at is None
        run.centres.update(status=SnapshotRunCentre.Status.DONE)
        with CaptureQueriesContext(connection) as at_the_end:
            snapshot_run_finish_if_complete(run=run)
        run.refresh_from_db()
        assert run.status == SnapshotRun.Status.DONE and run.finished_at is not None
        counts.append((len(while_running), len(at_the_end)))
    assert counts[0] == counts[1] == (1, 3)


def test_a_batch_goes_on_after_a_centre_fails_and_the_run_ends_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import benchmarking.services as services

    centres = list(Centre.objects.filter(slug__in=("daleszyce", "debica")).order_by("slug"))
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.ON_DEMAND,
        period_from=dt.date(2020, 1, 1),
        period_to=dt.date(2020, 1, 1),
        centres=centres,
    )
    real = services.centre_months_aggregates  # type: ignore[attr-defined]  # imported, not re-exported

    def broken_in_daleszyce(**kwargs: object) -> object:
        from opsplatform.schemas import current_schema

        if current_schema() == "daleszyce":
            raise RuntimeError("boom")
        return real(**kwargs)  # type: ignore[arg-type]  # the caller's own keywords

    monkeypatch.setattr(services, "centre_months_aggregates", broken_in_daleszyce)
    assert snapshot_centres_compute(run=run, centres=centres) == ["daleszyce"]
    statuses = dict(run.centres.values_list("centre__slug", "status"))
    assert statuses == {"daleszyce": "failed", "debica": "done"}
    run.refresh_from_db()
    assert run.status == SnapshotRun.Status.FAILED
