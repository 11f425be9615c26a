"""A nightly run recomputes only what can have changed: a centre's months are computed again
when its change mark (audit-trail position, staff posts, registry population) moved since they
were stored, and what it stores then equals a full recomputation. Its statements per centre do not
grow with the number of centres in a batch, whether the centres changed or not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.models import Snapshot, SnapshotRun, TableSnapshot
from benchmarking.services import previous_month, snapshot_centres_compute, snapshot_run_create
from casework.models import ActivityEntry, Household
from casework.models.socialwork import ActivityCategory
from tenants.models import Centre
from tenants.org.models import StaffPosition

pytestmark = pytest.mark.django_db


def _nightly(centres: list[Centre], kind: str = SnapshotRun.Kind.NIGHTLY) -> SnapshotRun:
    today = timezone.localdate()
    run = snapshot_run_create(
        kind=kind, period_from=previous_month(today), period_to=today, centres=centres
    )
    assert snapshot_centres_compute(run=run, centres=centres) == []
    run.refresh_from_db()
    assert run.status == SnapshotRun.Status.DONE
    return run


def _statements(centres: list[Centre]) -> int:
    today = timezone.localdate()
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.NIGHTLY,
        period_from=previous_month(today),
        period_to=today,
        centres=centres,
    )
    with CaptureQueriesContext(connection) as queries:
        assert snapshot_centres_compute(run=run, centres=centres) == []
    return len(queries)


def _touch(centres: list[Centre]) -> None:
    """An audited write in each centre: its change mark moves."""
    for centre in centres:
        with schema_context(centre.schema_name):
            household = Household.objects.order_by("pk").first()
            assert household is not None
            household.save()


def test_statements_per_centre_do_not_grow_with_the_batch() -> None:
    centres = list(Centre.objects.order_by("slug"))
    assert len(centres) == 5
    _nightly(centres)

    # Unchanged: what the batch reads and writes, nothing per centre.
    unchanged = {size: _statements(centres[:size]) for size in (1, 2, 5)}
    assert unchanged[1] == unchanged[2] == unchanged[5], unchanged

    # Changed: the same per centre whatever the batch (its months and running tables, computed
    # in its schema), plus what the batch reads and writes once.
    changed: dict[int, int] = {}
    for size in (1, 2, 5):
        _touch(centres[:size])
        changed[size] = _statements(centres[:size])
    per_centre = changed[2] - changed[1]
    assert changed[5] == changed[1] + 4 * per_centre, changed
    # 13 statements of the metrics, 7 of the tables of every running period, the search path.
    assert per_centre <= 21, changed
    # Once per batch besides: the shared code lists of the tables (2) and the upserts (2).
    assert changed[1] - per_centre == unchanged[1] + 4, (changed, unchanged)


def _stored(centres: list[Centre], months: set[tuple[int, int]]) -> dict[tuple[Any, ...], Any]:
    values: dict[tuple[Any, ...], Any] = {}
    for row in Snapshot.objects.filter(centre__in=centres).values(
        "centre__slug", "metric", "version", "year", "month",
        "numerator", "denominator", "value", "n", "top_shares", "run_id",
    ):  # fmt: skip
        if (row["year"], row["month"]) in months:
            key = (row["centre__slug"], row["metric"], row["version"], row["year"], row["month"])
            values[key] = row
    return values


def _tables(
    centres: list[Centre], year: int, halves: tuple[int, ...]
) -> dict[tuple[Any, ...], Any]:
    return {
        (row["centre__slug"], row["half"]): row
        for row in TableSnapshot.objects.filter(
            centre__in=centres, year=year, half__in=halves
        ).values(
            "centre__slug",
            "half",
            "households",
            "persons",
            "persons_capped",
            "contracts",
            "services",
            "source_last",
            "run_id",
        )
    }


FIGURES = ("numerator", "denominator", "value", "n", "top_shares")
TABLE_FIGURES = ("households", "persons", "persons_capped", "contracts", "services")


def test_an_incremental_nightly_stores_what_a_full_recomputation_does() -> None:
    today = timezone.localdate()
    first = previous_month(today)
    months = {(first.year, first.month), (today.year, today.month)}
    running = (0, 2 if today.month >= 7 else 1)  # this year and this half-year, up to today
    centres = list(Centre.objects.order_by("slug"))
    by_slug = {centre.slug: centre for centre in centres}
    first_run = _nightly(centres)
    before = _stored(centres, months)
    assert len(before) == 5 * 2 * len(first_run.versions)

    # Three kinds of change, one centre each; two centres unchanged.
    with schema_context("debica"):  # casework records (audited): minutes of social work
        entries = ActivityEntry.objects.filter(
            day__gte=first, day__lte=today, category=ActivityCategory.SOCIAL_WORK
        )
        entry = entries.order_by("pk").first()
        assert entry is not None
        entry.minutes = entry.minutes + 120
        entry.save()
    with schema_context("myslenice"):  # staff posts (not audited): a social worker's FTE
        post = (
            StaffPosition.objects.filter(is_social_worker=True, ended_on__isnull=True)
            .order_by("pk")
            .first()
        )
        assert post is not None
        post.fte = Decimal("0.50") if post.fte != Decimal("0.50") else Decimal("0.75")
        post.save()
    krasnystaw = by_slug["krasnystaw"]  # the registry population (public schema)
    Centre.objects.filter(pk=krasnystaw.pk).update(population=krasnystaw.population + 1000)
    centres = list(Centre.objects.order_by("slug"))

    incremental_run = _nightly(centres)
    incremental = _stored(centres, months)
    incremental_tables = _tables(centres, today.year, running)
    # The unchanged centres' months stand as the first run stored them; the changed ones were
    # computed again, and changed.
    # (What another test's worker committed for a month may stand instead of the first run's, if
    # it was computed from the same mark: hence the runs as the first nightly left them.)
    for key, row in incremental.items():
        unchanged = key[0] in ("daleszyce", "piaseczno")
        assert row["run_id"] == (before[key]["run_id"] if unchanged else incremental_run.pk), key
    for slug, metric in (
        ("debica", "social_work_time_share"),
        ("myslenice", "residents_per_social_worker"),
        ("krasnystaw", "residents_per_social_worker"),
    ):
        keys = [(slug, metric, first_run.versions[metric], *month) for month in sorted(months)]
        assert any(incremental[key]["value"] != before[key]["value"] for key in keys), keys

    # A full recomputation (asked for by a person: nothing is skipped) stores the same.
    full_run = _nightly(centres, kind=SnapshotRun.Kind.ON_DEMAND)
    full = _stored(centres, months)
    full_tables = _tables(centres, today.year, running)
    assert set(full) == set(incremental)
    for key, row in full.items():
        assert row["run_id"] == full_run.pk, key
        assert {f: row[f] for f in FIGURES} == {f: incremental[key][f] for f in FIGURES}, key
    assert set(full_tables) == set(incremental_tables) and len(full_tables) == 5 * 2
    for key, row in full_tables.items():
        assert row["run_id"] == full_run.pk
        kept = incremental_tables[key]
        assert {f: row[f] for f in TABLE_FIGURES} == {f: kept[f] for f in TABLE_FIGURES}, key
        assert row["source_last"] == kept["source_last"] == today


def test_a_centre_with_a_month_missing_is_computed_again() -> None:
    centre = Centre.objects.get(slug="piaseczno")
    _nightly([centre])
    today = timezone.localdate()
    last_month = previous_month(today)
    kept = Snapshot.objects.filter(centre=centre, year=last_month.year, month=last_month.month)
    runs_before = set(kept.values_list("run_id", flat=True))
    Snapshot.objects.filter(
        centre=centre, year=today.year, month=today.month, metric="intakes"
    ).delete()
    second_run = _nightly([centre])
    rows = Snapshot.objects.filter(centre=centre, year=today.year, month=today.month)
    assert rows.count() == len(second_run.versions)
    assert set(rows.values_list("run_id", flat=True)) == {second_run.pk}
    assert set(kept.values_list("run_id", flat=True)) == runs_before != {second_run.pk}


def test_a_year_old_month_is_not_read_as_this_years() -> None:
    """Months are matched by year and month: the same month a year earlier, stored from the same
    mark, does not make this month's snapshot look stored."""
    centre = Centre.objects.get(slug="daleszyce")
    today = timezone.localdate()
    a_year_ago = dt.date(today.year - 1, today.month, 1)
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.BACKFILL, period_from=a_year_ago, period_to=a_year_ago,
        centres=[centre],
    )  # fmt: skip
    assert snapshot_centres_compute(run=run, centres=[centre]) == []
    Snapshot.objects.filter(centre=centre, year=today.year, month=today.month).delete()
    nightly = _nightly([centre])
    assert Snapshot.objects.filter(
        centre=centre, year=today.year, month=today.month, run=nightly
    ).count() == len(nightly.versions)
