"""Fan-out over all centres: one message per centre, each carrying that centre's schema."""

import logging
from typing import Any

from django_tenants.utils import get_tenant_model

from opsplatform.celery import app

logger = logging.getLogger(__name__)


def centre_fan_out(task_name: str, *, kwargs: dict[str, Any] | None = None) -> list[str]:
    """Send ``task_name`` once per centre, to run in that centre's schema. Returns the schemas."""
    schemas = list(
        get_tenant_model()
        .objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        app.send_task(task_name, kwargs=kwargs or {}, headers={"_schema_name": schema})
    logger.info("fan-out sent", extra={"task": task_name, "centres": len(schemas)})
    return schemas


@app.task(name="tasks.fanout.fan_out")
def fan_out(task_name: str, kwargs: dict[str, Any] | None = None) -> list[str]:
    """Beat entry point: runs in the public schema and sends one task per centre."""
    return centre_fan_out(task_name, kwargs=kwargs)
