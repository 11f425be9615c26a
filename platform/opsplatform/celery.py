"""The Celery app. Tenant-aware: a task sent while a centre's schema is active carries that schema
in its headers and runs in it on the worker (tenant-schemas-celery)."""

import logging
import os
from contextvars import Token
from typing import Any

from celery import Celery, Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

from opsplatform.request_id import (
    TASK_HEADER,
    accepted,
    current_request_id,
    reset_request_id,
    set_request_id,
)
from opsplatform.schemas import current_schema

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.dev")

logger = logging.getLogger("opsplatform.tasks")

app: Celery = TenantAwareCeleryApp("opsplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {}  # filled by tasks.schedule once Django is ready
# Platform-wide jobs live in the top-level `tasks` package; apps keep theirs in `<app>/tasks.py`.
app.conf.imports = ["tasks.fanout", "tasks.probe", "tasks.casework"]
app.autodiscover_tasks()


# --- Request ids and task metrics ----------------------------------------------------------------
_request_id_tokens: dict[str, Token[str]] = {}


@before_task_publish.connect
def _carry_request_id(headers: dict[str, object] | None = None, **kwargs: object) -> None:
    """A task sent while serving a request carries the request's id to the worker."""
    request_id = current_request_id()
    if headers is not None and request_id:
        headers.setdefault(TASK_HEADER, request_id)


@task_prerun.connect
def _use_request_id(task_id: str, task: Task[Any, Any], **kwargs: object) -> None:
    carried = accepted(task.request.get(TASK_HEADER))
    _request_id_tokens[task_id] = set_request_id(carried or task_id)


@task_postrun.connect
def _count_task(
    task_id: str,
    task: Task[Any, Any],
    state: str | None = None,
    kwargs: object = None,
    **rest: object,
) -> None:
    token = _request_id_tokens.pop(task_id, None)
    from tenant_schemas_celery.app import get_schema_name_from_task

    from opsplatform.task_metrics import count_task

    centre = get_schema_name_from_task(task, kwargs) or "public"
    count_task(task.name, centre, (state or "unknown").lower())
    if token is not None:
        reset_request_id(token)


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
