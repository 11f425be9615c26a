"""A diagnostic task that reports where it ran: proves that a task sent from a centre runs in that
centre's schema on a real worker (``manage.py probe_task <slug>``, and the test suite)."""

import socket

from django.contrib.auth import get_user_model
from django.db import connection

from opsplatform.celery import app
from opsplatform.schemas import current_schema, current_tenant
from tasks.base import CentreTask


@app.task(base=CentreTask, name="tasks.probe.centre_probe")
def centre_probe() -> dict[str, object]:
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        row = cursor.fetchone()
    return {
        "schema": current_schema(),
        "current_schema": row[0] if row else None,
        "centre": getattr(tenant, "slug", None),
        "staff_accounts": get_user_model().objects.count(),
        "worker_host": socket.gethostname(),
    }
