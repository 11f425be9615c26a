"""A real Celery worker process for the tests, on the suite's own queue and Redis database,
connected to the test database."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def celery_worker(
    name: str = "suite", queue: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker consuming ``queue`` (default: the suite's queue); its log is
    test-artifacts/worker-<name>.log."""
    from opsplatform.celery import app

    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"worker-{name}.log").open("wb")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_TEST_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    hostname = f"{name}-{os.getpid()}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "opsplatform",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "info",
            "-n",
            hostname,
            "-Q",
            queue or settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start; see {log.name}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
