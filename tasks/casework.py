"""Nightly casework jobs, per centre (casework itself never imports tasks: the jobs live here)."""

from django.utils import timezone

from casework.services.socialwork import contracts_activate_due
from opsplatform.celery import app
from opsplatform.schemas import current_schema
from tasks.base import CentreTask


@app.task(base=CentreTask, name="tasks.casework.contracts_activate_due")
def contracts_activate() -> dict[str, object]:
    return {
        "schema": current_schema(),
        "activated": contracts_activate_due(on=timezone.localdate()),
    }
