"""The snapshot step of `make perf-scale`: the nightly months for every centre and the whole
history for a few, before (the per-month contract) and after (the workers' set-based service),
and the PostgreSQL backend's memory after touching every schema."""

from __future__ import annotations

import resource
import time

from deploy.perf_scale.common import NATION, Step, backend_memory, statements_sent

BACKFILL_SAMPLE = 6  # centres whose whole history is computed to time the backfill
BACKFILL_SAMPLE_PER_MONTH = 1  # centres whose history is computed the old way, month by month


def snapshot_all(steps: list[Step], n: int) -> None:
    """Before and after in the same run: the per-month contract in one connection over every
    schema (the old path: one month per transaction, several queries per
    formula, a connection that kept every schema's catalog) against the set-based path the
    workers run now (a year of months per step, connection released every
    SCHEMAS_PER_CONNECTION schemas), for the nightly months and for the whole history."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    import opsplatform.schemas as schemas
    from benchmarking.definitions import current_versions
    from benchmarking.models import SnapshotRun
    from benchmarking.services import (
        HISTORY_START,
        months_between,
        previous_month,
        snapshot_centres_compute,
        snapshot_run_create,
    )
    from casework.metrics import centre_month_aggregates
    from tenants.models import Centre

    today = timezone.localdate()
    month = previous_month(today)
    versions = current_versions()
    centres = list(Centre.objects.order_by("slug"))
    workers = 2  # the worker processes `make run` starts on this 2-core machine

    # Before: the per-month contract for last month, all centres, one connection.
    connection.close()  # a fresh backend: what it holds afterwards is what the schemas cost
    _, anon_start, _ = backend_memory()
    with statements_sent() as sent:
        started = time.perf_counter()
        for centre in centres:
            with schema_context(centre.schema_name):
                centre_month_aggregates(
                    year=month.year, month=month.month, population=centre.population,
                    versions=versions,
                )  # fmt: skip
        before_s = time.perf_counter() - started
    before_statements = len(sent) / len(centres)
    _, anon_before, _ = backend_memory()
    before_per_centre_month = before_s / len(centres)

    # After: the nightly run (last month and this month) through the workers' batch service,
    # sampling the backend before each release of the connection.
    peaks: list[float] = []
    release = schemas.connection_release

    def sampled_release() -> None:
        peaks.append(backend_memory()[1])
        release()

    connection.close()
    run = snapshot_run_create(kind=SnapshotRun.Kind.NIGHTLY, period_from=month, period_to=today)
    schemas.connection_release = sampled_release
    try:
        with statements_sent() as sent:
            started = time.perf_counter()
            snapshot_centres_compute(run=run, centres=centres)
            nightly_s = time.perf_counter() - started
    finally:
        schemas.connection_release = release
    peaks.append(backend_memory()[1])
    nightly_statements = len(sent) / len(centres)
    per_centre = nightly_s / len(centres)
    at_2500 = per_centre * NATION / workers
    before_at_2500 = before_per_centre_month * 2 * NATION / workers
    steps.append(
        Step(
            f"nightly snapshot ({month:%Y-%m} and {today:%Y-%m}), all {len(centres)} centres",
            round(nightly_s, 1),
            "s",
            ours_vs="",
            goal="nightly (2 months) for 2,500 ≤ 60 s with make run's workers",
            met=at_2500 <= 60,
            model=f"{per_centre:.3f} s per centre (2 months, tables, writes) × 2,500 / "
            f"{workers} workers",
            at_2500=round(at_2500, 1),
            note=f"before (per-month contract, compute only): {before_per_centre_month * 1000:.0f}"
            f" ms and {before_statements:.0f} statements per centre-month → "
            f"{before_at_2500:.0f} s at 2,500; after: {per_centre * 1000:.0f} ms and "
            f"{nightly_statements:.0f} statements per centre for both months, written",
            extra={
                "per_centre_s": per_centre,
                "statements_per_centre": nightly_statements,
                "before_per_centre_month_s": before_per_centre_month,
                "before_statements_per_centre_month": before_statements,
                "before_at_2500_s": before_at_2500,
                "centres": len(centres),
            },
        )
    )

    # The whole history: a few centres set-based (written), one the old way (compute only).
    months = list(months_between(HISTORY_START, today))
    sample = centres[-BACKFILL_SAMPLE:]
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.BACKFILL, period_from=HISTORY_START, period_to=today,
        centres=sample,
    )  # fmt: skip
    with statements_sent() as sent:
        started = time.perf_counter()
        snapshot_centres_compute(run=run, centres=sample)
        backfill_per_centre = (time.perf_counter() - started) / len(sample)
    backfill_statements = len(sent) / len(sample)
    with statements_sent() as sent:
        started = time.perf_counter()
        for centre in sample[:BACKFILL_SAMPLE_PER_MONTH]:
            with schema_context(centre.schema_name):
                for year, number in months:
                    centre_month_aggregates(
                        year=year, month=number, population=centre.population,
                        versions=versions,
                    )  # fmt: skip
        old_per_centre = (time.perf_counter() - started) / BACKFILL_SAMPLE_PER_MONTH
    old_statements = len(sent) / BACKFILL_SAMPLE_PER_MONTH
    backfill_at_2500 = backfill_per_centre * NATION / workers / 60
    steps.append(
        Step(
            f"backfill 2016→today ({len(months)} months), per centre",
            round(backfill_per_centre, 2),
            "s",
            goal="2,500 centres ≤ 30 min with make run's workers",
            met=backfill_at_2500 <= 30,
            model=f"mean of {len(sample)} centres × 2,500 / {workers} workers, in minutes",
            at_2500=round(backfill_at_2500, 1),
            note=f"{backfill_statements:.0f} statements per centre, tables and writes included; "
            f"before (per-month contract, compute only): {old_per_centre:.1f} s and "
            f"{old_statements:.0f} statements per centre → "
            f"{old_per_centre * NATION / workers / 60:.0f} min at 2,500",
            extra={
                "statements_per_centre": backfill_statements,
                "before_per_centre_s": old_per_centre,
                "before_statements_per_centre": old_statements,
            },
        )
    )

    per_connection = settings.SCHEMAS_PER_CONNECTION
    per_schema = max(anon_before - anon_start, 0.0) / len(centres)
    at_anon = anon_start + per_schema * NATION
    # A connection never touches more than SCHEMAS_PER_CONNECTION schemas now, so the bound is
    # the same at any N. The sampled peaks can be lower than the bound: a backend that falls
    # behind on other sessions' catalog invalidations (DDL of other databases on the server)
    # resets its caches.
    bound = anon_start + per_schema * min(per_connection, NATION)
    peak = max(peaks)
    steps.append(
        Step(
            "PostgreSQL backend after touching every schema (RssAnon)",
            round(max(peak, bound), 1),
            "MB",
            goal="≤ 300 MB",
            met=max(peak, bound) <= 300,
            model=f"after: {anon_start:.0f} MB fresh + {per_schema:.2f} MB per schema × "
            f"{per_connection} schemas per connection (OPS_SCHEMAS_PER_CONNECTION), any N",
            at_2500=round(max(peak, bound), 1),
            note=f"before (one connection over all {len(centres)} schemas): {anon_before:.0f} MB"
            f" → {at_anon:.0f} MB at 2,500; after: sampled peak {peak:.0f} MB over "
            f"{len(peaks)} connections",
            extra={
                "fresh_anon_mb": anon_start,
                "before_anon_mb": anon_before,
                "before_at_2500_mb": at_anon,
                "per_schema_mb": per_schema,
                "peaks": peaks,
            },
        )
    )
    worker_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    steps.append(
        Step(
            "this process's peak RSS (stands in for a worker)",
            round(worker_rss, 1),
            "MB",
            goal="≤ 400 MB",
            met=worker_rss <= 400,
            model="measured, not extrapolated",
        )
    )
