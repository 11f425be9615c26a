"""The Celery app. Tenant-aware: a task sent while a centre's schema is active carries that schema
in its headers and runs in it on the worker (tenant-schemas-celery)."""

import logging
import os

from celery import Celery
from celery.signals import task_prerun
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

from opsplatform.schemas import current_schema

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.dev")

logger = logging.getLogger("opsplatform.tasks")

app: Celery = TenantAwareCeleryApp("opsplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {}  # filled by tasks.schedule once Django is ready
# Platform-wide jobs live in the top-level `tasks` package; apps keep theirs in `<app>/tasks.py`.
app.conf.imports = ["tasks.fanout", "tasks.probe", "tasks.casework"]
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_schedule(sender: Celery, **kwargs: object) -> None:
    from tasks.schedule import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@task_prerun.connect
def _log_task_schema(task_id: str, task: object, **kwargs: object) -> None:
    # Connected after tenant-schemas-celery's own handler, so the schema is already switched.

    logger.info(
        "task started",
        extra={
            "task": getattr(task, "name", "?"),
            "task_id": task_id,
            "schema": current_schema(),
        },
    )
