"""Nightly casework jobs, per centre (casework itself never imports tasks: the jobs live here)."""

import datetime as dt

from django.utils import timezone

from casework.privacy.services import apply_retention
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


@app.task(base=CentreTask, name="tasks.casework.retention_apply")
def retention_apply(as_of: str | None = None, dry_run: bool = False) -> dict[str, object]:
    """Erase or anonymise what is past retention in this centre (see casework.privacy.services).
    Returns counts and case numbers only (register numbers, not personal data)."""
    today = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = apply_retention(today, dry_run=dry_run)
    return {
        "schema": current_schema(),
        "as_of": today.isoformat(),
        "dry_run": dry_run,
        "run": str(result.run_id) if result.run_id else None,
        "cases": [case.number for case in result.erased_cases],
        "held": [case.number for case in result.held_cases],
        "intakes": result.intakes,
        "persons": result.persons,
        "rows": result.rows,
    }
