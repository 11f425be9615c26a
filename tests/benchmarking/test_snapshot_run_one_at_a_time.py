"""Two analysts asking for a recomputation at the same moment start one run: the other is told a
run is in progress (409 ``run_in_progress``). The requests run in two threads, each with its own
database connection and its own committed transaction (ATOMIC_REQUESTS), released together by a
barrier; what they commit is deleted again by the test."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from benchmarking import tasks
from benchmarking.models import SnapshotRun
from benchmarking.services import RUN_IN_PROGRESS_WINDOW
from tenants.accounts.models import ApiToken
from tenants.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
T = TypeVar("T")


def _in_own_connection(work: Callable[[], T]) -> T:
    """``work`` in a thread of its own: its own connection, committed, then closed."""
    result: list[T] = []

    def run() -> None:
        try:
            result.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def test_two_simultaneous_requests_start_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[int] = []
    monkeypatch.setattr(tasks, "_send_centres", lambda run_id, *args: sent.append(run_id))
    in_progress = SnapshotRun.objects.filter(
        finished_at__isnull=True, started_at__gte=timezone.now() - RUN_IN_PROGRESS_WINDOW
    )
    assert not in_progress.exists(), "a run of another test is in progress: nothing to race"

    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def request(device: str) -> None:
        try:
            client = Client(HTTP_HOST="localhost")
            token = client.post(
                "/api/auth/token/",
                {"username": "analityk", "password": DEMO_PASSWORD, "name": device},
                content_type="application/json",
            ).json()["token"]
            barrier.wait(timeout=60)
            response = client.post(
                "/api/benchmarks/runs/",
                {"from": "2024-01", "to": "2024-02"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as error:  # reported by the main thread
            with lock:
                failures.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(f"race-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
        assert failures == []
        assert sorted(status for status, _ in answers) == [202, 409], answers
        refused = next(body for status, body in answers if status == 409)
        assert refused["code"] == "run_in_progress"
        assert refused["message"] == (
            "Trwa już przeliczenie wskaźników; poczekaj na jego zakończenie."
        )
        started = next(body for status, body in answers if status == 202)
        assert list(in_progress.values_list("public_id", flat=True)) == [uuid.UUID(started["id"])]
        assert len(sent) == 1  # the centres of one run only were sent to the workers
    finally:
        _in_own_connection(
            lambda: (
                in_progress.filter(requested_by="analityk").delete(),
                ApiToken.objects.filter(name__startswith="race-").delete(),
            )
        )
