"""Snapshot jobs: a public task starts a run and sends one task per centre; each centre's task
computes in its own schema; a periodic job resends centres whose worker died."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from benchmarking.models import SnapshotRun
from benchmarking.services import (
    HISTORY_START,
    previous_month,
    snapshot_centre_compute,
    snapshot_centres_to_resume,
    snapshot_run_create,
)
from opsplatform.celery import app
from opsplatform.schemas import current_tenant
from tasks.base import CentreTask
from tenants.models import Centre

STALE_AFTER = dt.timedelta(minutes=15)


def _send_centre(run_id: int, schema_name: str, queue: str | None = None) -> None:
    app.send_task(
        "benchmarking.tasks.snapshot_centre",
        args=(run_id,),
        headers={"_schema_name": schema_name},
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
) -> SnapshotRun:
    """Record a run and send one task per centre (to ``queue``, else the default queue)."""
    run = snapshot_run_create(
        kind=kind,
        period_from=period_from,
        period_to=period_to,
        requested_by=requested_by,
        centres=centres,
    )
    for row in run.centres.select_related("centre"):
        _send_centre(run.pk, row.centre.schema_name, queue)
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


@app.task(base=CentreTask, name="benchmarking.tasks.snapshot_centre")
def snapshot_centre(run_id: int) -> dict[str, Any]:
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
    for row in stale:
        _send_centre(row.run_id, row.centre.schema_name, queue)
    return len(stale)


@app.task(name="benchmarking.tasks.export_build")
def export_build_task(job_id: int) -> str:
    """Build one ministry export; a failure is recorded on the job with a message for the
    analyst."""
    from benchmarking.exports import export_build
    from benchmarking.models import ExportJob
    from opsplatform.errors import DomainError

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        export_build(job)
    except DomainError as error:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=error.message[:500], finished_at=timezone.now()
        )
        return "failed"
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error="Nie udało się przygotować eksportu z powodu błędu systemu; zgłoś to "
            "administratorowi.",
            finished_at=timezone.now(),
        )
        raise
    return "done"
