"""Browser tests: a real server process serves the test database, Debian's chromium driven by
Playwright visits it. Every screen is checked with axe-core and photographed at two widths
(test-artifacts/screenshots/); a console error or an uncaught page error fails the test.

The demo centres and the benchmark snapshots are committed by session fixtures, so the server
process sees them; what a browser test saves is committed too and stays for the session (these
tests run last, after the rolled-back ones)."""

import json
import os
import shutil
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pytest_django import DjangoDbBlocker

from tests.benchmarking.conftest import benchmark_data  # noqa: F401  (re-exported fixture)
from tests.ui.browser import CHROMIUM_ARGS, chromium_executable
from tests.ui.helpers import ARTIFACTS as SCREENSHOTS
from tests.ui.helpers import DESKTOP, LOGIN_TIMINGS, SERVER, server_url
from tests.ui.server import serve_test_database
from tests.workers import test_database_url

ROOT = Path(__file__).resolve().parents[2]
TIMINGS_FILE = ROOT / "test-artifacts" / "browser-timings.json"
# Playwright's sync API runs an event loop in the test thread; Django refuses database calls from a
# thread with a running loop unless told otherwise. The tests' own queries (fixtures, checks of what
# a page saved) are ordinary synchronous code, so this is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Every wait in these tests waits for a condition (an element, a text, a download); the limit only
# ends a wait that will never succeed. Playwright's own default for `expect` is 5 s, which a busy
# 2-core machine (make run and make perf beside the suite) exceeded for an htmx search result; the
# same 30 s bounds page actions (context.set_default_timeout below).
WAIT_LIMIT_MS = 30_000
expect.set_options(timeout=WAIT_LIMIT_MS)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The timing report: log-in to a usable start page, per account (the budget is
    at most 1 s); written to test-artifacts/browser-timings.json as well."""
    if not LOGIN_TIMINGS:
        return
    by_user: dict[str, list[float]] = {}
    for username, seconds in LOGIN_TIMINGS:
        by_user.setdefault(username, []).append(seconds)
    report = {
        username: {
            "count": len(times),
            "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3),
        }
        for username, times in sorted(by_user.items())
    }
    everything = [seconds for _username, seconds in LOGIN_TIMINGS]
    terminalreporter.write_sep("-", "browser timings: log-in to a usable start page")
    terminalreporter.write_line(
        f"all: {len(everything)} log-ins, median {statistics.median(everything):.2f} s, "
        f"max {max(everything):.2f} s"
    )
    for username, figures in report.items():
        terminalreporter.write_line(
            f"  {username:28} {figures['count']:3d} × median {figures['median_s']:.2f} s, "
            f"max {figures['max_s']:.2f} s"
        )
    TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS_FILE.write_text(json.dumps({"login_to_dashboard": report}, indent=2), "utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # pytest-django creates the test database only for tests that ask for it.
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def live_server_process(
    django_db_setup: None,
    benchmark_data: None,  # noqa: F811
    django_db_blocker: DjangoDbBlocker,
) -> Iterator[int]:
    """`manage.py runserver` on a free port against the test database (as `make run` serves)."""
    with django_db_blocker.unblock():
        database_url = test_database_url()
    try:
        with serve_test_database(database_url, "browser-server.log") as port:
            SERVER["port"] = port
            yield port
    finally:
        with django_db_blocker.unblock():
            _close_leftover_sessions()


def _close_leftover_sessions() -> None:
    """Once the server has stopped, end any session still open on the test database so that it
    can be dropped: PostgreSQL notices a dead client a moment later, and a connection opened
    inside Playwright's greenlets is invisible to Django's close_all()."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def host_url(live_server_process: int) -> Callable[[str | None], str]:
    """``host_url("daleszyce")`` -> the centre's address; ``host_url(None)`` -> the portal's."""
    return server_url


@pytest.fixture(scope="session")
def playwright_instance(live_server_process: int) -> Iterator[Playwright]:
    """Started after the database and the server are ready: Playwright's event loop must not be
    running while the test database is created and migrated."""
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(
    browser: Browser, host_url: Callable[[str | None], str], request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser context (no cookies) in Polish at 1280 px; fails the test on any console
    error or uncaught page error."""
    context = browser.new_context(
        viewport=DESKTOP, locale="pl-PL", timezone_id="Europe/Warsaw", accept_downloads=True
    )
    context.set_default_timeout(WAIT_LIMIT_MS)
    page = context.new_page()
    page._ops_test_name = request.node.name  # type: ignore[attr-defined]  # own tag on the page
    # Screenshots of an earlier run of this test would mix with this run's.
    shutil.rmtree(SCREENSHOTS / request.node.name, ignore_errors=True)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(error: Error) -> None:
        errors.append(f"page error: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    context.close()
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)
