"""The snapshot step of `make perf-scale`: the nightly months for every centre and the whole
history for a few, before (the per-month contract) and after (the workers' set-based service),
and the PostgreSQL backend's memory after touching every schema."""

from __future__ import annotations

import datetime as dt
import resource
import time
from pathlib import Path

from deploy.perf_scale.common import NATION, Step, backend_memory, statements_sent

BACKFILL_SAMPLE = 6  # centres whose whole history is computed to time the backfill
BACKFILL_SAMPLE_PER_MONTH = 1  # centres whose history is computed the old way, month by month


class CpuMeter:
    """CPU seconds (user + system) of this process and of the PostgreSQL backends its
    connection used while measuring: the backend of the moment is read before each release of
    the connection (``opsplatform.schemas.connection_release``) and at the end. Wall times on a
    shared machine vary with the other load; these and the statement counts do not."""

    def __init__(self) -> None:
        self.process = 0.0
        self.backends = 0.0
        self._process_start = 0.0
        self._backend: tuple[int, float] | None = None

    def __enter__(self) -> CpuMeter:
        self._process_start = _process_cpu()
        self._backend = _backend_cpu()
        return self

    def sample(self) -> None:
        """Before the connection is closed: add what its backend used."""
        current = _backend_cpu()
        if current is None:
            return
        pid, used = current
        start = self._backend[1] if self._backend and self._backend[0] == pid else 0.0
        self.backends += max(used - start, 0.0)
        self._backend = None

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self.process = _process_cpu() - self._process_start


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu() -> tuple[int, float] | None:
    """(pid, CPU seconds) of this process's PostgreSQL backend; None when /proc cannot show it
    (a server on another machine)."""
    import os

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _batches(run_id: int, ids: list[int]) -> None:
    """The run's centres as the workers get them: one ``snapshot_centres`` task body per
    ``SNAPSHOT_CENTRES_PER_TASK`` centres, called in this process (no broker)."""
    from django.conf import settings

    from benchmarking.tasks import snapshot_centres

    size = settings.SNAPSHOT_CENTRES_PER_TASK
    for start in range(0, len(ids), size):
        snapshot_centres(run_id, ids[start : start + size])


def snapshot_all(steps: list[Step], n: int) -> None:
    """Before and after in the same run: the per-month contract in one connection over every
    schema (the old path: one month per transaction, several queries per
    formula, a connection that kept every schema's catalog) against the set-based path the
    workers run now (three years of months per step, connection released every
    SCHEMAS_PER_CONNECTION schemas), for the nightly months and for the whole history."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    import opsplatform.schemas as schemas
    from benchmarking.definitions import current_versions
    from benchmarking.models import Snapshot, SnapshotRun, TableSnapshot
    from benchmarking.services import (
        HISTORY_START,
        months_between,
        previous_month,
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

    # After: the nightly run (last month and this month) through the workers' batch task, as on
    # a working day when every centre changed (its months and its running half-year and year are
    # computed again), then again with nothing changed (what is stored stands), sampling the
    # backend before each release of the connection.
    peaks: list[float] = []
    release = schemas.connection_release
    meters: list[CpuMeter] = []

    def sampled_release() -> None:
        peaks.append(backend_memory()[1])
        for meter in meters:
            meter.sample()
        release()

    ids = [centre.pk for centre in centres]

    def nightly(label: str) -> tuple[float, float, CpuMeter]:
        connection.close()
        run = snapshot_run_create(kind=SnapshotRun.Kind.NIGHTLY, period_from=month, period_to=today)
        schemas.connection_release = sampled_release
        try:
            with statements_sent() as sent, CpuMeter() as meter:
                meters[:] = [meter]
                started = time.perf_counter()
                _batches(run.pk, ids)
                wall = time.perf_counter() - started
        finally:
            schemas.connection_release = release
            meters.clear()
        run.refresh_from_db()
        if run.status != SnapshotRun.Status.DONE:
            raise RuntimeError(f"the {label} nightly run ended {run.status}")
        return wall, len(sent), meter

    # Every centre changed since the stored months and a new day for the running periods: what
    # the marks of a centre whose records moved look like to the run (no stored month from its
    # current mark, no stored table covering today).
    Snapshot.objects.filter(year__gte=month.year).update(source="")
    TableSnapshot.objects.filter(year=today.year).update(source_last=today - dt.timedelta(days=1))
    changed_s, changed_statements, changed_cpu = nightly("changed")
    unchanged_s, unchanged_statements, unchanged_cpu = nightly("unchanged")
    peaks.append(backend_memory()[1])
    count = len(centres)
    per_centre = changed_s / count
    cpu_per_centre = (changed_cpu.process + changed_cpu.backends) / count
    at_2500 = per_centre * NATION / workers
    cpu_at_2500 = cpu_per_centre * NATION / workers
    before_at_2500 = before_per_centre_month * 2 * NATION / workers
    steps.append(
        Step(
            f"nightly snapshot ({month:%Y-%m} and {today:%Y-%m}), all {count} centres changed",
            round(changed_s, 1),
            "s",
            ours_vs="",
            goal="nightly (2 months) for 2,500 ≤ 60 s with make run's workers",
            met=at_2500 <= 60,
            model=f"{per_centre:.3f} s per centre (2 months, running half-year and year, "
            f"writes) × 2,500 / {workers} workers; CPU (worker + PostgreSQL) "
            f"{cpu_per_centre * 1000:.0f} ms per centre → {cpu_at_2500:.0f} s",
            at_2500=round(at_2500, 1),
            note=f"before (per-month contract, compute only): {before_per_centre_month * 1000:.0f}"
            f" ms and {before_statements:.0f} statements per centre-month → "
            f"{before_at_2500:.0f} s at 2,500; changed: {per_centre * 1000:.0f} ms, "
            f"{changed_statements / count:.1f} statements, CPU "
            f"{changed_cpu.process / count * 1000:.0f} ms worker + "
            f"{changed_cpu.backends / count * 1000:.0f} ms PostgreSQL per centre; "
            f"unchanged: {unchanged_s / count * 1000:.0f} ms, "
            f"{unchanged_statements / count:.1f} statements, CPU "
            f"{unchanged_cpu.process / count * 1000:.1f} + "
            f"{unchanged_cpu.backends / count * 1000:.1f} ms per centre",
            extra={
                "per_centre_s": per_centre,
                "statements_per_centre": changed_statements / count,
                "cpu_worker_per_centre_s": changed_cpu.process / count,
                "cpu_postgres_per_centre_s": changed_cpu.backends / count,
                "cpu_at_2500_s": cpu_at_2500,
                "unchanged_per_centre_s": unchanged_s / count,
                "unchanged_statements_per_centre": unchanged_statements / count,
                "unchanged_cpu_worker_per_centre_s": unchanged_cpu.process / count,
                "unchanged_cpu_postgres_per_centre_s": unchanged_cpu.backends / count,
                "before_per_centre_month_s": before_per_centre_month,
                "before_statements_per_centre_month": before_statements,
                "before_at_2500_s": before_at_2500,
                "centres": count,
                "per_task": settings.SNAPSHOT_CENTRES_PER_TASK,
            },
        )
    )

    # The whole history: a few centres set-based (written), one the old way (compute only). What
    # an earlier run stored for them is forgotten first, so the whole history is computed.
    months = list(months_between(HISTORY_START, today))
    sample = centres[-BACKFILL_SAMPLE:]
    Snapshot.objects.filter(centre__in=sample).update(source="")
    TableSnapshot.objects.filter(centre__in=sample).delete()
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.BACKFILL, period_from=HISTORY_START, period_to=today,
        centres=sample,
    )  # fmt: skip
    connection.close()
    schemas.connection_release = sampled_release
    try:
        with statements_sent() as sent, CpuMeter() as backfill_cpu:
            meters[:] = [backfill_cpu]
            started = time.perf_counter()
            _batches(run.pk, [centre.pk for centre in sample])
            backfill_per_centre = (time.perf_counter() - started) / len(sample)
    finally:
        schemas.connection_release = release
        meters.clear()
    backfill_statements = len(sent) / len(sample)
    backfill_cpu_per_centre = (backfill_cpu.process + backfill_cpu.backends) / len(sample)
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
            model=f"mean of {len(sample)} centres × 2,500 / {workers} workers, in minutes; CPU "
            f"(worker + PostgreSQL) {backfill_cpu_per_centre:.2f} s per centre → "
            f"{backfill_cpu_per_centre * NATION / workers / 60:.1f} min",
            at_2500=round(backfill_at_2500, 1),
            note=f"{backfill_statements:.0f} statements per centre, tables and writes included, "
            f"CPU {backfill_cpu.process / len(sample):.2f} s worker + "
            f"{backfill_cpu.backends / len(sample):.2f} s PostgreSQL; "
            f"before (per-month contract, compute only): {old_per_centre:.1f} s and "
            f"{old_statements:.0f} statements per centre → "
            f"{old_per_centre * NATION / workers / 60:.0f} min at 2,500",
            extra={
                "statements_per_centre": backfill_statements,
                "cpu_worker_per_centre_s": backfill_cpu.process / len(sample),
                "cpu_postgres_per_centre_s": backfill_cpu.backends / len(sample),
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
