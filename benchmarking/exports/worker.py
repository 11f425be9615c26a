"""The worker's task that builds an export (registered with Celery by ``benchmarking.tasks``,
which the worker discovers; its name stays ``benchmarking.tasks.export_build``)."""

from __future__ import annotations

from django.utils import timezone

from benchmarking.exports.build import export_build
from benchmarking.models import ExportJob
from opsplatform.celery import app
from opsplatform.errors import DomainError


@app.task(name="benchmarking.tasks.export_build")
def export_build_task(job_id: int) -> str:
    """Build one ministry export; a failure is recorded on the job with a message for the
    analyst."""
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
