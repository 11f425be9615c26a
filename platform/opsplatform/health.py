"""Health probes: ``/livez`` for anyone, ``/readyz`` with details for the orchestrator and operator.

``/livez`` answers 200 ``{"status": "ok"}`` as soon as the web process can handle a request. It is
answered by :class:`LivenessMiddleware`, first in the chain: on any host, with no database query
(not even the host → centre lookup), no Redis and no worker. Use it as the liveness probe: a
process that stops answering it is stuck and may be restarted; a database or worker outage never
restarts web.

``/readyz`` checks the database (in the host's schema), Redis and a Celery worker, and answers
them as JSON: 200 only when all three are up, 503 otherwise. Each check is bounded in time so
that a dead dependency makes it answer "down" quickly rather than hang. The worker check
broadcasts a ping to the workers; its result is kept for WORKER_CHECK_CACHE_SECONDS in each web
process, so probes every few seconds do not broadcast every time. It names the schema and the
workers' host names, so it answers only the orchestrator and the operator
(:func:`readyz_allowed`): a request with ``Authorization: Bearer <OPS_READYZ_TOKEN>``, or, when
no token is configured, a request from loopback.
"""

import hmac
import ipaddress
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opsplatform.client_address import client_ip
from opsplatform.schemas import current_schema

WORKER_TIMEOUT_SECONDS = 1.5
# Long enough that a probe every few seconds from each of several orchestrator nodes broadcasts
# once per interval per web process; short enough that a stopped worker shows within a probe or two.
WORKER_CHECK_CACHE_SECONDS = 10.0
LIVEZ_PATH = "/livez"

_worker_checks: dict[str, tuple[float, dict[str, object]]] = {}
_worker_checks_lock = threading.Lock()


class LivenessMiddleware:
    """Answers ``/livez`` before anything else runs (host routing, sessions, the database)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != LIVEZ_PATH:
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            response: HttpResponse = JsonResponse({"status": "method not allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
        else:
            response = JsonResponse({"status": "ok"})
        # The headers the security middleware further down would have added.
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Frame-Options"] = "DENY"
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        return response


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


def forget_worker_check() -> None:
    """Drop the kept worker check results (tests; nothing else needs to)."""
    with _worker_checks_lock:
        _worker_checks.clear()


def _cached_worker_check() -> dict[str, object]:
    """The worker check, run at most once per WORKER_CHECK_CACHE_SECONDS per broker; a kept
    result says how old it is (``age_s``)."""
    broker = settings.CELERY_BROKER_URL
    now = time.monotonic()
    with _worker_checks_lock:
        kept = _worker_checks.get(broker)
        if kept is not None and now - kept[0] < WORKER_CHECK_CACHE_SECONDS:
            return {**kept[1], "age_s": round(now - kept[0], 1)}
    result = _run(check_worker)
    with _worker_checks_lock:
        _worker_checks[broker] = (time.monotonic(), result)
    return {**result, "age_s": 0.0}


def _run(check: Callable[[], dict[str, object]]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a health check reports failures, it does not raise them
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def readyz_allowed(request: HttpRequest) -> bool:
    """Whether the request may see /readyz: it carries the configured bearer token, or no token
    is configured and it comes from loopback (the client's address through our trusted proxies,
    so a request relayed by nginx from outside is not "loopback")."""
    token: str = settings.READYZ_TOKEN
    if token:
        scheme, _, given = str(request.META.get("HTTP_AUTHORIZATION") or "").partition(" ")
        # Constant-time: the comparison must not tell how much of a guessed token was right.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    address = client_ip(request)
    return address is not None and ipaddress.ip_address(address).is_loopback


def _refused() -> JsonResponse:
    if settings.READYZ_TOKEN:
        response = JsonResponse(
            {
                "code": "not_authenticated",
                "message": "Stan usług jest dostępny tylko z tokenem "
                "(nagłówek Authorization: Bearer <OPS_READYZ_TOKEN>).",
                "fields": {},
            },
            status=401,
            json_dumps_params={"ensure_ascii": False},
        )
        response["WWW-Authenticate"] = 'Bearer realm="readyz"'
        return response
    return JsonResponse(
        {
            "code": "permission_denied",
            "message": "Stan usług jest dostępny tylko z tego samego komputera (loopback) "
            "albo z tokenem ustawionym w OPS_READYZ_TOKEN.",
            "fields": {},
        },
        status=403,
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    if not readyz_allowed(request):
        return _refused()
    checks = {
        "database": _run(check_database),
        "redis": _run(check_redis),
    }
    # Without a broker there is no way to reach a worker: report it down without waiting.
    checks["worker"] = (
        _cached_worker_check()
        if checks["redis"]["ok"]
        else {"ok": False, "error": "Redis niedostępny.", "ms": 0.0}
    )
    healthy = all(bool(c["ok"]) for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "schema": current_schema(), **checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )
