"""The probes: /livez for anyone, minimal and without touching the database; /readyz with the
database, Redis and worker as JSON (200 only when all are up) for a bearer token or loopback only,
its worker broadcast kept for a few seconds."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from opsplatform import health
from tests.conftest import CENTRE_SLUGS, host

pytestmark = pytest.mark.django_db

TOKEN = "readyz-test-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _worker_check_forgotten() -> Iterator[None]:
    health.forget_worker_check()
    yield
    health.forget_worker_check()


def spare_redis_db() -> int:
    """A Redis database where no worker listens: REDIS_TEST_SPARE_DB, or one next to the suite's
    own (REDIS_TEST_DB), never 0, which is `make run`'s broker and cache."""
    if os.environ.get("REDIS_TEST_SPARE_DB"):
        spare = int(os.environ["REDIS_TEST_SPARE_DB"])
    else:
        suite = int(os.environ.get("REDIS_TEST_DB", "15"))
        spare = suite - 1 if suite >= 2 else suite + 1
    assert spare != 0, "REDIS_TEST_SPARE_DB must not be 0 (`make run` uses it)"
    return spare


# --- /livez -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hostname", ["localhost", "myslenice.localhost", "10.0.0.7:8000"])
def test_livez_answers_anyone_on_any_host_without_a_query(hostname: str) -> None:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST=hostname, REMOTE_ADDR="203.0.113.9").get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0
    assert response["Cache-Control"] == "no-store"


def test_livez_broadcasts_nothing_even_when_redis_is_down() -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = Client(HTTP_HOST="localhost").get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_is_gone() -> None:
    assert Client(HTTP_HOST="myslenice.localhost").get("/healthz").status_code == 404


# --- /readyz ------------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.parametrize("slug", [*CENTRE_SLUGS, None])
def test_readyz_healthy_on_every_host(worker: object, slug: str | None) -> None:
    response = Client(HTTP_HOST=host(slug)).get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["ok"]
    assert body["worker"]["workers"]
    assert body["schema"] == (slug or "public")


@pytest.mark.worker
def test_readyz_broadcasts_to_the_workers_once_per_interval(
    worker: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsplatform.celery import app

    broadcasts: list[str] = []
    real_broadcast = app.control.broadcast

    def counted(command: str, *args: Any, **kwargs: Any) -> Any:
        broadcasts.append(command)
        return real_broadcast(command, *args, **kwargs)

    monkeypatch.setattr(app.control, "broadcast", counted)
    client = Client(HTTP_HOST="myslenice.localhost")
    bodies = [client.get("/readyz").json() for _ in range(5)]
    assert broadcasts == ["ping"]
    assert all(body["worker"]["ok"] for body in bodies)
    assert bodies[0]["worker"]["age_s"] == 0.0
    # Once the kept result is older than the interval, the next probe asks the workers again.
    monkeypatch.setattr(health, "WORKER_CHECK_CACHE_SECONDS", 0.0)
    assert client.get("/readyz").json()["worker"]["ok"]
    assert broadcasts == ["ping", "ping"]


def test_no_worker_means_unavailable() -> None:
    from django.conf import settings

    base, _ = settings.CELERY_BROKER_URL.rsplit("/", 1)
    # Same Redis server, a database where no worker listens (and never make run's).
    with override_settings(CELERY_BROKER_URL=f"{base}/{spare_redis_db()}"):
        response = Client(HTTP_HOST="myslenice.localhost").get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert not body["worker"]["ok"]
    assert "Celery" in body["worker"]["error"]


def test_the_spare_redis_database_is_never_make_runs() -> None:
    assert spare_redis_db() not in {0, int(os.environ.get("REDIS_TEST_DB", "15"))}


def test_redis_down_means_unavailable() -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert not body["redis"]["ok"] and not body["worker"]["ok"]
    assert body["database"]["ok"]


@pytest.mark.parametrize("address", ["192.0.2.10", "10.0.0.5"])
def test_readyz_refuses_other_addresses_without_a_token(address: str) -> None:
    response = Client(HTTP_HOST="myslenice.localhost", REMOTE_ADDR=address).get("/readyz")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and "OPS_READYZ_TOKEN" in body["message"]
    assert "schema" not in body and "worker" not in body


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_readyz_through_the_proxy_is_not_loopback() -> None:
    # nginx on the same machine connects from 127.0.0.1; the client it relays is not local.
    client = Client(HTTP_HOST="myslenice.localhost", REMOTE_ADDR="127.0.0.1")
    assert client.get("/readyz", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 403
    # The compose healthcheck inside the container: no proxy, no header.
    assert client.get("/readyz").status_code != 403


@override_settings(READYZ_TOKEN=TOKEN)
def test_readyz_with_a_token_wants_the_token_from_everyone() -> None:
    local = Client(HTTP_HOST="localhost")  # loopback too, once a token is set
    refused = local.get("/readyz")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["code"] == "not_authenticated"
    assert local.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 401
    assert local.get("/readyz", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 401
    remote = Client(HTTP_HOST="myslenice.localhost", REMOTE_ADDR="192.0.2.10")
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):  # fast: no worker wait
        response = remote.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert response.json()["schema"] == "myslenice"
