"""/healthz on every host: database, Redis and worker as JSON; 200 only when all are up."""

import pytest
from django.test import Client, override_settings

from tests.conftest import CENTRE_SLUGS, host

pytestmark = pytest.mark.django_db


@pytest.mark.worker
@pytest.mark.parametrize("slug", [*CENTRE_SLUGS, None])
def test_healthy_on_every_host(worker: object, slug: str | None) -> None:
    response = Client(HTTP_HOST=host(slug)).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["ok"]
    assert body["schema"] == (slug or "public")


def test_no_worker_means_unavailable() -> None:
    # Same Redis server, a database where no worker listens.
    from django.conf import settings

    base, current = settings.CELERY_BROKER_URL.rsplit("/", 1)
    broker = f"{base}/{(int(current or 0) + 1) % 16}"  # not the suite's own database
    with override_settings(CELERY_BROKER_URL=broker):
        response = Client(HTTP_HOST="myslenice.localhost").get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert not body["worker"]["ok"]
    assert "Celery" in body["worker"]["error"]


def test_redis_down_means_unavailable() -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert not body["redis"]["ok"] and not body["worker"]["ok"]
    assert body["database"]["ok"]
