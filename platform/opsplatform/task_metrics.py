"""Task counts for /metrics (opsplatform.metrics), written by the Celery workers into one Redis
hash so that any web process, in any container, reports every worker's counts."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger("opsplatform.metrics")

TASKS_KEY = "ops:metrics:tasks"


def redis_client() -> Any:
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )


def count_task(task: str, centre: str, state: str) -> None:
    """Called by the workers (opsplatform.celery) when a task ends; never fails the task."""
    try:
        client = redis_client()
        try:
            client.hincrby(TASKS_KEY, f"{task}\t{centre}\t{state}", 1)
        finally:
            client.close()
    except Exception:  # metrics must never break a task
        logger.warning("task_metric_not_counted", exc_info=True)
