"""Observability: a request id on every response, log line and audit entry (the audit chain still
verifies); Prometheus metrics on /metrics for loopback or a token only (requests and latency by
view, tasks by centre from a real worker, queue depth, snapshot lag); Sentry only with a DSN."""

import gzip
import http.server
import io
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.models import SnapshotRun
from casework.audit import audit_verify
from casework.models import AuditEntry
from opsplatform.celery import app
from opsplatform.request_id import RequestIdLogFilter
from tasks.probe import centre_probe
from tests.conftest import CentreClientFactory, host

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-test-token-0123456789abcdef"


# --- Request ids --------------------------------------------------------------------------------


def test_every_audit_entry_of_a_request_carries_its_id_and_the_chain_verifies(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("myslenice", "kierownik")
    response = client.get("/api/people/?page_size=3")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    with schema_context("myslenice"):
        entries = AuditEntry.objects.filter(request_id=request_id)
        assert entries.count() == 3
        assert {e.action for e in entries} == {"read"}
        assert audit_verify().ok
    # Another request, another id.
    assert client.get("/api/people/?page_size=1")["X-Request-ID"] != request_id


def test_the_proxy_s_request_id_is_kept_and_a_malformed_one_replaced(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client("myslenice")
    given = "0123456789abcdef0123456789abcdef"
    assert client.get("/konto/logowanie/", headers={"x-request-id": given})["X-Request-ID"] == given
    replaced = client.get("/konto/logowanie/", headers={"x-request-id": "a b\nc"})["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)


def test_every_log_line_of_a_request_carries_its_id(centre_client: CentreClientFactory) -> None:
    """Django's own line for a 4xx answer is written after the middleware returned: it too."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(name)s %(message)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = centre_client("myslenice").post(
            "/api/auth/token/", {}, content_type="application/json"
        )
        logging.getLogger("django.request").warning("after the request")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 400
    request_id = response["X-Request-ID"]
    assert stream.getvalue().splitlines() == [
        f"{request_id} django.request Bad Request: /api/auth/token/",
        "- django.request after the request",
    ]


# --- /metrics -----------------------------------------------------------------------------------


def _metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_requests_by_view_for_loopback_only(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("krasnystaw", "kierownik")
    assert client.get("/api/people/?page_size=1").status_code == 200
    text = client.get("/metrics").content.decode()
    count = _metric(
        text, "ops_http_requests_total", view="casework-api:person-list", method="GET", status="200"
    )
    assert count is not None and count >= 1
    assert _metric(text, "ops_http_request_duration_seconds_count", view="casework-api:person-list")
    # Not from elsewhere: a client behind nginx is not loopback.
    outside = centre_client("krasnystaw").get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert outside.status_code == 403
    assert outside.json()["code"] == "permission_denied"


def test_metrics_with_a_token_need_the_token() -> None:
    from django.test import Client

    client = Client(HTTP_HOST=host(None))
    with override_settings(METRICS_TOKEN=TOKEN):
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
        answered = client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
        assert answered.status_code == 200
        assert answered["Content-Type"].startswith("text/plain")


def test_queue_depth_and_snapshot_lag() -> None:
    from django.test import Client

    client = Client(HTTP_HOST=host(None))
    # A queue of its own: no worker of the suite takes these messages.
    queue = f"ops-test-depth-{os.getpid()}"
    with (
        app.connection_for_write() as connection,
        override_settings(CELERY_TASK_DEFAULT_QUEUE=queue),
    ):
        redis_client = connection.default_channel.client  # type: ignore[attr-defined]  # kombu's Redis channel
        redis_client.delete(queue)
        for _ in range(3):
            app.send_task("tasks.probe.centre_probe", queue=queue, connection=connection)
        try:
            text = client.get("/metrics").content.decode()
        finally:
            redis_client.delete(queue)
    assert _metric(text, "ops_celery_queue_length", queue=queue) == 3

    SnapshotRun.objects.create(
        kind=SnapshotRun.Kind.ON_DEMAND,
        status=SnapshotRun.Status.DONE,
        period_from=timezone.localdate(),
        period_to=timezone.localdate(),
        versions={},
    )
    SnapshotRun.objects.filter(status=SnapshotRun.Status.DONE).update(
        finished_at=timezone.now() - timedelta(hours=30)
    )
    lag = _metric(client.get("/metrics").content.decode(), "ops_benchmark_snapshot_lag_seconds")
    assert lag is not None and 30 * 3600 <= lag < 31 * 3600


@pytest.mark.worker
def test_tasks_are_counted_by_centre(worker: object) -> None:
    from django.test import Client

    client = Client(HTTP_HOST=host(None))

    def done() -> float:
        text = client.get("/metrics").content.decode()
        labels = {"task": "tasks.probe.centre_probe", "centre": "daleszyce", "state": "success"}
        return _metric(text, "ops_celery_tasks_total", **labels) or 0.0

    before = done()
    with schema_context("daleszyce"):
        centre_probe.delay().get(timeout=30)
    deadline = time.monotonic() + 30
    while done() != before + 1:
        assert time.monotonic() < deadline, "the worker never counted the task"
        time.sleep(0.1)


# --- Sentry -------------------------------------------------------------------------------------


def test_no_sentry_without_a_dsn() -> None:
    sentry = sys.modules.get("sentry_sdk")
    assert sentry is None or not sentry.get_client().is_active()


@pytest.fixture
def sentry_ingest() -> Iterator[tuple[int, list[bytes]]]:
    """A stand-in for Sentry's ingest endpoint on loopback: records every envelope posted."""
    received: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(self.path.encode() + b" " + body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


def test_errors_go_to_sentry_when_a_dsn_is_set(sentry_ingest: tuple[int, list[bytes]]) -> None:
    port, received = sentry_ingest
    script = (
        "import django; django.setup()\n"
        "import sentry_sdk\n"
        "assert sentry_sdk.get_client().is_active()\n"
        "sentry_sdk.capture_exception(RuntimeError('smoke'))\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    env = os.environ | {
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/7",
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert any(b"/api/7/envelope/" in body and b"smoke" in body for body in received)
