"""A `manage.py runserver` process on the test database, for the browser tests (the session's
server in conftest.py, and extra ones with other settings, e.g. two-factor log-in required)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from tests.workers import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_test_database(
    database_url: str, log_name: str, extra_env: dict[str, str] | None = None
) -> Iterator[int]:
    """Serve the test database on a free port until the block ends; yields the port once the
    log-in page answers. The server's output goes to test-artifacts/<log_name>."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_TEST_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    with (ARTIFACTS / log_name).open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    url = f"http://localhost:{port}/konto/logowanie/"
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start; see {log.name}") from None
                    time.sleep(0.3)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
