"""``/healthz`` on every host: database, Redis and Celery worker, as JSON.

200 only when all three are up, 503 otherwise. Each check is bounded in time so that a dead
dependency makes the endpoint answer "down" quickly rather than hang. Says nothing about any
centre's data, so it needs no log-in.
"""

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opsplatform.schemas import current_schema

WORKER_TIMEOUT_SECONDS = 1.5


def check_database() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_redis() -> dict[str, object]:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_worker() -> dict[str, object]:
    from opsplatform.celery import app

    # Ask any worker on the configured broker to answer; return as soon as one does.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
        replies = app.control.broadcast(
            "ping", reply=True, limit=1, timeout=WORKER_TIMEOUT_SECONDS, connection=broker
        )
    if not replies:
        return {"ok": False, "error": "Żaden proces roboczy (Celery worker) nie odpowiedział."}
    return {"ok": True, "workers": sorted(name for reply in replies for name in reply)}


def _run(check: Callable[[], dict[str, object]]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a health check reports failures, it does not raise them
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _run(check_database),
        "redis": _run(check_redis),
    }
    # Without a broker there is no way to reach a worker: report it down without waiting.
    checks["worker"] = (
        _run(check_worker)
        if checks["redis"]["ok"]
        else {"ok": False, "error": "Redis niedostępny.", "ms": 0.0}
    )
    healthy = all(bool(c["ok"]) for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "schema": current_schema(), **checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
