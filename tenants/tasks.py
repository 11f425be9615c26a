from django.contrib.sessions.models import Session
from django.utils import timezone

from opsplatform.celery import app
from opsplatform.schemas import current_schema
from tasks.base import CentreTask


def _clear_expired() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@app.task(base=CentreTask, name="tenants.tasks.sessions_clear_expired")
def sessions_clear_expired() -> dict[str, object]:
    """Delete expired sessions in the centre's schema (each centre keeps its own sessions)."""
    return {"schema": current_schema(), "deleted": _clear_expired()}


@app.task(name="tenants.tasks.portal_sessions_clear_expired")
def portal_sessions_clear_expired() -> dict[str, object]:
    return {"schema": current_schema(), "deleted": _clear_expired()}


@app.task(name="tenants.tasks.spares_refill")
def spares_refill(wanted: int | None = None) -> dict[str, object]:
    """Keep ``TENANT_SPARE_SCHEMAS`` (or ``wanted``) spare schemas of the template's state
    (tenants.spares)."""
    from tenants.spares import spares_refill as refill

    report = refill(wanted)
    return {
        "ready": report.ready,
        "made": report.made,
        "dropped": report.dropped,
        "skipped": report.skipped,
    }
