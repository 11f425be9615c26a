"""Snapshot jobs: a public task starts a run and sends one task per batch of centres
(``SNAPSHOT_CENTRES_PER_TASK``); each batch computes its centres in turn, each in its own schema;
a periodic job resends centres whose worker died. The export task lives beside the export
build (``benchmarking.exports.worker``) and is registered with the worker from here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from benchmarking.exports.worker import export_build_task
from benchmarking.models import SnapshotRun
from benchmarking.services import (
    HISTORY_START,
    previous_month,
    snapshot_centre_compute,
    snapshot_centres_compute,
    snapshot_centres_to_resume,
    snapshot_run_create,
)
from opsplatform.celery import app
from opsplatform.schemas import current_tenant
from tasks.base import CentreTask
from tenants.models import Centre

__all__ = ["export_build_task"]

STALE_AFTER = dt.timedelta(minutes=15)


def _send_centres(run_id: int, centre_ids: list[int], queue: str | None = None) -> None:
    """One task per ``SNAPSHOT_CENTRES_PER_TASK`` centres (a task per centre costs a broker round
    trip, a tenant lookup and a result each, which a nightly run of 2,500 centres notices)."""
    size = settings.SNAPSHOT_CENTRES_PER_TASK
    for start in range(0, len(centre_ids), size):
        app.send_task(
            "benchmarking.tasks.snapshot_centres",
            args=(run_id, centre_ids[start : start + size]),
            queue=queue,
        )


def snapshot_run_start(
    *,
    kind: str,
    period_from: dt.date,
    period_to: dt.date,
    requested_by: str = "",
    centres: list[Centre] | None = None,
    queue: str | None = None,
    one_at_a_time: bool = False,
) -> SnapshotRun:
    """Record a run and send its centres in batches (to ``queue``, else the default queue);
    ``one_at_a_time``: refused while another run is in progress (``snapshot_run_create``)."""
    run = snapshot_run_create(
        kind=kind,
        period_from=period_from,
        period_to=period_to,
        requested_by=requested_by,
        centres=centres,
        one_at_a_time=one_at_a_time,
    )
    _send_centres(run.pk, list(run.centres.values_list("centre_id", flat=True)), queue)
    return run


@app.task(name="benchmarking.tasks.snapshot_nightly")
def snapshot_nightly() -> str:
    """Beat: last month and this month so far, for every centre."""
    today = timezone.localdate()
    run = snapshot_run_start(
        kind=SnapshotRun.Kind.NIGHTLY, period_from=previous_month(today), period_to=today
    )
    return str(run.public_id)


@app.task(name="benchmarking.tasks.snapshot_backfill")
def snapshot_backfill(requested_by: str = "") -> str:
    """Every month since 2016, e.g. after a metric was added."""
    run = snapshot_run_start(
        kind=SnapshotRun.Kind.BACKFILL,
        period_from=HISTORY_START,
        period_to=timezone.localdate(),
        requested_by=requested_by,
    )
    return str(run.public_id)


@app.task(name="benchmarking.tasks.snapshot_on_demand")
def snapshot_on_demand(
    period_from: str,
    period_to: str,
    centres: list[str] | None = None,
    requested_by: str = "",
    queue: str | None = None,
) -> str:
    """A run asked for by a person (or a command): chosen months, all or some centres."""
    chosen = None if centres is None else list(Centre.objects.filter(slug__in=centres))
    run = snapshot_run_start(
        kind=SnapshotRun.Kind.ON_DEMAND,
        period_from=dt.date.fromisoformat(period_from),
        period_to=dt.date.fromisoformat(period_to),
        requested_by=requested_by,
        centres=chosen,
        queue=queue,
    )
    return str(run.public_id)


@app.task(name="benchmarking.tasks.snapshot_centres")
def snapshot_centres(run_id: int, centre_ids: list[int]) -> dict[str, Any]:
    """A batch of a run's centres, each computed in its own schema in turn."""
    run = SnapshotRun.objects.get(pk=run_id)
    centres = Centre.objects.filter(pk__in=centre_ids).order_by("slug")
    failed = snapshot_centres_compute(run=run, centres=centres)
    return {"run": str(run.public_id), "centres": len(centre_ids), "failed": failed}


@app.task(base=CentreTask, name="benchmarking.tasks.snapshot_centre")
def snapshot_centre(run_id: int) -> dict[str, Any]:
    """One centre (the schema travels in the headers); messages sent before batches existed."""
    run = SnapshotRun.objects.get(pk=run_id)
    progress = snapshot_centre_compute(run=run, centre=current_tenant())
    return {"run": str(run.public_id), "values": progress.values_written}


@app.task(name="benchmarking.tasks.snapshot_resume")
def snapshot_resume(stale_after_seconds: float | None = None, queue: str | None = None) -> int:
    """Beat: resend the centres of unfinished runs whose task failed or whose worker died."""
    stale_after = (
        STALE_AFTER if stale_after_seconds is None else dt.timedelta(seconds=stale_after_seconds)
    )
    stale = snapshot_centres_to_resume(stale_after=stale_after)
    by_run: dict[int, list[int]] = {}
    for row in stale:
        by_run.setdefault(row.run_id, []).append(row.centre_id)
    for run_id, centre_ids in by_run.items():
        _send_centres(run_id, centre_ids, queue)
    return len(stale)
