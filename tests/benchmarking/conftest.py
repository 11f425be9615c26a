"""Benchmark snapshots for the suite, computed once per session and committed (the worker and
every test see them): six months either side of each centre's go-live, and the first half of
2024 for every centre (with its reporting tables)."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from pytest_django import DjangoDbBlocker

from benchmarking.comparisons import add_months
from benchmarking.models import SnapshotRun
from benchmarking.services import snapshot_centre_compute, snapshot_run_create
from tenants.demo import DEMO_PASSWORD
from tenants.models import Centre

WINDOW_MONTHS = 6
EXPORT_PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 6, 1))


@pytest.fixture(scope="session")
def benchmark_data(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        centres = list(Centre.objects.select_related("programme").order_by("slug"))
        for centre in centres:
            go_live = centre.programme.go_live.replace(day=1)
            run = snapshot_run_create(
                kind=SnapshotRun.Kind.BACKFILL,
                period_from=add_months(go_live, -WINDOW_MONTHS),
                period_to=add_months(go_live, WINDOW_MONTHS - 1),
                centres=[centre],
            )
            snapshot_centre_compute(run=run, centre=centre)
        run = snapshot_run_create(
            kind=SnapshotRun.Kind.ON_DEMAND,
            period_from=EXPORT_PERIOD[0],
            period_to=EXPORT_PERIOD[1],
        )
        for centre in centres:
            snapshot_centre_compute(run=run, centre=centre)
    yield


def api_client(slug: str | None, username: str) -> Client:
    """A token-authenticated client on a centre's host (slug) or the portal (None)."""
    host = f"{slug}.localhost" if slug else "localhost"
    client = Client(HTTP_HOST=host)
    response = client.post(
        "/api/auth/token/",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
