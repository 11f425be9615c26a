"""The beat schedule. Per-centre jobs are scheduled as one public fan-out task that sends a message
to every centre's schema, so a centre added today is included tonight without a beat restart."""

from typing import Any

from celery.schedules import crontab


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        "centre-sessions-clear-expired": {
            "task": "tasks.fanout.fan_out",
            "schedule": crontab(hour=2, minute=30),
            "args": ("tenants.tasks.sessions_clear_expired",),
        },
        "contracts-activate-due": {
            "task": "tasks.fanout.fan_out",
            "schedule": crontab(hour=0, minute=15),
            "args": ("tasks.casework.contracts_activate_due",),
        },
        "retention-apply-nightly": {
            "task": "tasks.fanout.fan_out",
            "schedule": crontab(hour=1, minute=30),
            "args": ("tasks.casework.retention_apply",),
        },
        "benchmark-snapshots-nightly": {
            "task": "benchmarking.tasks.snapshot_nightly",
            "schedule": crontab(hour=3, minute=0),
        },
        "benchmark-snapshots-resume": {
            "task": "benchmarking.tasks.snapshot_resume",
            "schedule": crontab(minute="*/10"),
        },
        "centre-spare-schemas-refill": {
            "task": "tenants.tasks.spares_refill",
            "schedule": crontab(minute="*/5"),
        },
        "portal-sessions-clear-expired": {
            "task": "tenants.tasks.portal_sessions_clear_expired",
            "schedule": crontab(hour=2, minute=40),
        },
    }
