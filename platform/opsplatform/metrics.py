"""Metrics for Prometheus on ``/metrics``, for the scraper only: a request with
``Authorization: Bearer <OPS_METRICS_TOKEN>``, or, with no token set, a request from loopback
(like /readyz; nginx.conf never passes /metrics on).

* ``ops_http_requests_total{view,method,status}`` and ``ops_http_request_duration_seconds{view,
  method}``: every request that reaches host routing (not /livez, not static files), by URL name.
* ``ops_celery_tasks_total{task,centre,state}``: tasks finished by the workers, by centre schema
  ("public" for platform-wide jobs) and outcome (success, failure, retry). The workers count in
  Redis (one hash), so any web process reports every worker's counts, containers or not.
* ``ops_celery_queue_length{queue}``: messages waiting in the Celery queue (Redis), at scrape time.
* ``ops_benchmark_snapshot_lag_seconds``: time since the last benchmark snapshot run that finished
  successfully (absent until one has).

Several gunicorn workers: each process counts its own requests. With ``PROMETHEUS_MULTIPROC_DIR``
set (the production Procfile does, deploy/production/gunicorn.conf.py empties it at start and
marks dead workers) every scrape sums all workers' files (prometheus_client's multiprocess mode);
without it (development, tests) the answer is the serving process's own registry.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from opsplatform.client_address import client_ip
from opsplatform.task_metrics import TASKS_KEY, redis_client

logger = logging.getLogger("opsplatform.metrics")


# No `_created` series: they double the answer and Prometheus does not need them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client: unannotated

REQUESTS = Counter(
    "ops_http_requests", "HTTP requests answered, by URL name.", ["view", "method", "status"]
)
LATENCY = Histogram(
    "ops_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL name.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


class MetricsMiddleware:
    """Counts and times every request it sees (placed after /livez and static files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view, method).observe(time.perf_counter() - started)
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class ScrapeTimeCollector(Collector):
    """What is read when scraped: task counts and queue length (Redis), snapshot lag (database)."""

    def collect(self) -> Iterator[Metric]:
        tasks = _counter_family()
        queue = GaugeMetricFamily(
            "ops_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        try:
            client = redis_client()
            try:
                for field, value in client.hgetall(TASKS_KEY).items():
                    task, centre, state = field.decode().split("\t")
                    tasks.add_metric([task, centre, state], int(value))
                name = settings.CELERY_TASK_DEFAULT_QUEUE
                # kombu's Redis transport keeps one list per priority step besides the plain one.
                keys = [name, *(f"{name}\x06\x16{priority}" for priority in (3, 6, 9))]
                queue.add_metric([name], sum(int(client.llen(key)) for key in keys))
            finally:
                client.close()
        except Exception:
            logger.warning("metrics_redis_unavailable", exc_info=True)
        yield tasks
        yield queue
        lag = _snapshot_lag_seconds()
        if lag is not None:
            yield GaugeMetricFamily(
                "ops_benchmark_snapshot_lag_seconds",
                "Seconds since the last benchmark snapshot run finished successfully.",
                value=lag,
            )


def _counter_family() -> CounterMetricFamily:
    return CounterMetricFamily(
        "ops_celery_tasks",
        "Celery tasks finished, by task, centre schema and outcome.",
        labels=["task", "centre", "state"],
    )


def _snapshot_lag_seconds() -> float | None:
    from django.apps import apps
    from django.db.models import Max
    from django_tenants.utils import schema_context

    # By name: the platform layer does not import the benchmarking app.
    snapshot_run = apps.get_model("benchmarking", "SnapshotRun")
    try:
        with schema_context("public"):
            last = snapshot_run.objects.filter(status="done").aggregate(last=Max("finished_at"))[
                "last"
            ]
    except Exception:
        logger.warning("metrics_database_unavailable", exc_info=True)
        return None
    return None if last is None else max(0.0, (timezone.now() - last).total_seconds())


_scrape_time = CollectorRegistry(auto_describe=False)
_scrape_time.register(ScrapeTimeCollector())


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]  # unannotated
        own = generate_latest(processes)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(_scrape_time)


def metrics_allowed(request: HttpRequest) -> bool:
    """A request with the configured bearer token, or, with none configured, from loopback (the
    client's address through our trusted proxies: a request relayed by nginx is not loopback)."""
    token: str = settings.METRICS_TOKEN
    if token:
        scheme, _, given = str(request.META.get("HTTP_AUTHORIZATION") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    address = client_ip(request)
    return address is not None and ipaddress.ip_address(address).is_loopback


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        status = 401 if settings.METRICS_TOKEN else 403
        refused = JsonResponse(
            {
                "code": "not_authenticated" if status == 401 else "permission_denied",
                "message": "Metryki są dostępne tylko dla serwera Prometheus: z tego samego "
                "komputera (loopback) albo z tokenem (nagłówek Authorization: Bearer "
                "<OPS_METRICS_TOKEN>).",
                "fields": {},
            },
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
        if status == 401:
            refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
