"""A worker killed in the middle of a snapshot run (SIGKILL: no clean shutdown, no task failure
recorded), then a new worker and the resume job: the run finishes with exactly one value per
centre, metric, version and month of its period, no duplicates and no gaps.

The run is created and computed by real worker processes on a queue of this test's own, so that
the session's shared worker never takes its tasks. The workers write through their own database
connections and commit: the test reads their writes (READ COMMITTED) but cannot roll them back.
What this test leaves in the test database (one on-demand run for piaseczno, 2016 until last
month, and its snapshots) therefore stays until the session ends; every assertion below is scoped
to this run and centre, and other tests must not count piaseczno's committed snapshots. Months
that the session's benchmark data (tests/benchmarking/conftest.py) also stored are upserted again
with the same values, now pointing at this run.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.db.models import Count, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre
from benchmarking.services import HISTORY_START, months_between, previous_month
from opsplatform.celery import app
from tenants.models import Centre
from tests.workers import ARTIFACTS, celery_worker

pytestmark = [pytest.mark.django_db, pytest.mark.worker]

CENTRE = "piaseczno"
# Kill once this many months are stored: far enough in to have committed work to keep, far enough
# from the end (over 120 months) that the worker is surely still computing.
KILL_AFTER_MONTHS = 5
POLL = 0.05

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    worker: subprocess.Popen[bytes],
    log: str,
) -> T:
    """Poll ``probe`` until it returns something other than None; fail clearly if the worker
    exits or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if worker.poll() is not None:
            pytest.fail(f"worker exited ({worker.returncode}) while waiting for {what}; see {log}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:.0f} s; see {log}")
        time.sleep(POLL)


def progress_and_stored(run: SnapshotRun, centre: Centre) -> tuple[SnapshotRunCentre, int]:
    """The centre's progress row and the number of snapshots this run has stored for it, read in
    one statement (one view of the data, even while a worker is committing)."""
    stored = (
        Snapshot.objects.filter(run=run, centre=centre)
        .order_by()
        .values("run")
        .annotate(c=Count("id"))
        .values("c")
    )
    row = (
        SnapshotRunCentre.objects.filter(run=run, centre=centre)
        .annotate(stored=Coalesce(Subquery(stored), 0))
        .get()
    )
    return row, row.stored


def test_a_killed_then_resumed_run_leaves_one_value_per_centre_metric_and_month() -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed"
    centre = Centre.objects.get(slug=CENTRE)
    period_from, period_to = HISTORY_START, previous_month(timezone.localdate())
    months = list(months_between(period_from, period_to))
    first_log = str(ARTIFACTS / "worker-killed.log")
    second_log = str(ARTIFACTS / "worker-restarted.log")
    timings: dict[str, float] = {}
    started = time.monotonic()

    # 1–3. A worker on the test's own queue creates the run and starts computing; it is killed
    # after a few months, in the middle of the centre's task.
    with celery_worker(name="killed", queue=queue) as first:
        timings["first worker up"] = time.monotonic() - started
        result = app.send_task(
            "benchmarking.tasks.snapshot_on_demand",
            kwargs={
                "period_from": period_from.isoformat(),
                "period_to": period_to.isoformat(),
                "centres": [CENTRE],
                "requested_by": "test: worker killed",
                "queue": queue,
            },
            queue=queue,
        )
        try:
            public_id = result.get(timeout=60)
        except CeleryTimeout:
            pytest.fail(f"snapshot_on_demand did not answer within 60 s; see {first_log}")
        run = SnapshotRun.objects.get(public_id=public_id)
        total = len(months)
        assert run.period_from == period_from and run.period_to == period_to.replace(day=1)
        assert total > 4 * KILL_AFTER_MONTHS

        def some_months_done() -> SnapshotRunCentre | None:
            row = SnapshotRunCentre.objects.get(run=run, centre=centre)
            assert row.status != SnapshotRunCentre.Status.DONE, (
                f"the run finished before the worker could be killed; see {first_log}"
            )
            return row if row.months_done >= KILL_AFTER_MONTHS else None

        computing = time.monotonic()
        wait_for(
            some_months_done,
            timeout=120,
            what=f"{KILL_AFTER_MONTHS} months computed",
            worker=first,
            log=first_log,
        )
        timings["months before the kill"] = time.monotonic() - computing
        first.kill()  # SIGKILL: no warm shutdown, no task failure recorded, no ack sent
        first.wait(timeout=30)

    row, stored = progress_and_stored(run, centre)
    run.refresh_from_db()
    killed_at = row.months_done
    assert run.status == SnapshotRun.Status.RUNNING and run.finished_at is None
    assert row.status == SnapshotRunCentre.Status.RUNNING, f"{row.status} {row.error}"
    assert KILL_AFTER_MONTHS <= killed_at < total
    assert row.attempts == 1
    # One transaction per month: what the dead worker left is whole months, nothing half-written.
    assert stored == killed_at * len(run.versions)

    # 4. A new worker and the resume job (as beat would send it; "stale" at once instead of after
    # fifteen minutes). The killed message itself stays unacknowledged in Redis; it would be
    # redelivered only after the broker's visibility timeout (an hour), on this queue that nobody
    # consumes after this test, and a second computation of the same months is harmless (upsert).
    with celery_worker(name="restarted", queue=queue) as second:
        resuming = time.monotonic()
        resume = app.send_task(
            "benchmarking.tasks.snapshot_resume",
            kwargs={"stale_after_seconds": 0, "queue": queue},
            queue=queue,
        )
        try:
            resent = resume.get(timeout=60)
        except CeleryTimeout:
            pytest.fail(f"snapshot_resume did not answer within 60 s; see {second_log}")
        assert resent >= 1, f"the resume job resent nothing; see {second_log}"

        def run_finished() -> tuple[SnapshotRun, SnapshotRunCentre] | None:
            current = SnapshotRun.objects.get(pk=run.pk)
            if current.finished_at is None:
                return None
            return current, SnapshotRunCentre.objects.get(run=run, centre=centre)

        run, row = wait_for(
            run_finished, timeout=180, what="end of the resumed run", worker=second, log=second_log
        )
        timings["resumed run"] = time.monotonic() - resuming

    # 5. Done, and exactly one value per metric, version and month of the period for the centre.
    assert run.status == SnapshotRun.Status.DONE, f"{run.status}; see {second_log}"
    assert row.status == SnapshotRunCentre.Status.DONE, f"{row.status} {row.error}"
    assert row.months_done == total
    assert row.attempts >= 2
    expected = {
        (metric, version, year, month)
        for metric, version in run.versions.items()
        for year, month in months
    }
    period = set(months)
    stored_rows = [
        (metric, version, year, month, run_id)
        for metric, version, year, month, run_id in Snapshot.objects.filter(
            centre=centre, metric__in=list(run.versions)
        ).values_list("metric", "version", "year", "month", "run_id")
        if run.versions[metric] == version and (year, month) in period
    ]
    stored_keys = [row_[:4] for row_ in stored_rows]
    assert len(stored_keys) == len(set(stored_keys)), "duplicate snapshots"
    assert set(stored_keys) == expected, (
        f"missing {sorted(expected - set(stored_keys))[:5]}, "
        f"unexpected {sorted(set(stored_keys) - expected)[:5]}"
    )
    assert len(stored_keys) == total * len(run.versions)
    # The resumed task recomputed the whole period, so every value is this run's.
    assert {row_[4] for row_ in stored_rows} == {run.pk}
    timings["total"] = time.monotonic() - started
    print(  # shown with -s; the timings help to size the period
        f"killed after {killed_at}/{total} months; "
        + ", ".join(f"{k}: {v:.1f} s" for k, v in timings.items())
    )
