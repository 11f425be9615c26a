"""Two-factor log-in in a browser, against a server started with OPS_TWO_FACTOR=required (the
session's server runs the demo's default, two-factor off): a new staff member sets up the
authenticator app at the first log-in, logs out, and logs in again with a code the test computes
from the key the page showed."""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tenants.accounts import totp
from tests import workers
from tests.ui.helpers import check_screen, login
from tests.ui.server import serve_test_database

ROOT = Path(__file__).resolve().parents[2]
CENTRE = "krasnystaw"
# Nothing like the user name or names: the similarity validator must never refuse it.
PASSWORD = "Zielony-Parasol-2026!"


@pytest.fixture(scope="module")
def required_server(
    live_server_process: int, django_db_blocker: pytest.FixtureRequest
) -> Iterator[str]:
    """A second `manage.py runserver` on the test database, with two-factor log-in required;
    yields the centre's address on it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        database_url = workers.test_database_url()
    with serve_test_database(
        database_url, "browser-server-two-factor.log", {"OPS_TWO_FACTOR": "required"}
    ) as port:
        yield f"http://{CENTRE}.localhost:{port}"


@pytest.fixture
def new_staff_member(required_server: str, django_db_blocker: pytest.FixtureRequest) -> str:
    """A real (non-demo) benefits worker, committed so that the server sees them."""
    username = f"dwuetapowa.{secrets.token_hex(3)}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        database_url = workers.test_database_url()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_account",
            username,
            "--centre",
            CENTRE,
            "--role",
            "benefits",
            "--first-name",
            "Dorota",
            "--last-name",
            "Dwuetapowa",
            "--password-stdin",
        ],
        cwd=ROOT,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.CELERY_BROKER_URL,
            "REDIS_TEST_URL": settings.CELERY_BROKER_URL,
        },
        input=PASSWORD + "\n",
        text=True,
        check=False,
        capture_output=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return username


def test_staff_set_up_the_app_then_log_in_with_its_code(
    page: Page, required_server: str, new_staff_member: str
) -> None:
    page.goto(f"{required_server}/konto/logowanie/")
    page.get_by_label("Nazwa użytkownika").fill(new_staff_member)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()

    # No app yet: the set-up page, with the key as text and the otpauth:// address.
    expect(page.get_by_role("heading", name="Logowanie dwuetapowe")).to_be_visible()
    uri = page.get_by_label("Adres dla aplikacji (otpauth://)").input_value()
    assert uri.startswith("otpauth://totp/")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert f"secret={secret}" in uri
    check_screen(page, "ustawienie-aplikacji")
    code_field = page.get_by_label("Kod z aplikacji uwierzytelniającej")
    code_field.fill("000000" if totp.code_at(secret) != "000000" else "111111")
    page.get_by_role("button", name="Potwierdź i zaloguj się").click()
    expect(page.get_by_text("Nieprawidłowy lub już użyty kod.")).to_be_visible()
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(totp.code_at(secret))
    page.get_by_role("button", name="Potwierdź i zaloguj się").click()
    expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()

    # The account page tells the app is on.
    page.get_by_role("link", name="Dorota Dwuetapowa").click()
    expect(page.get_by_role("heading", level=1, name="Moje konto")).to_be_visible()
    expect(page.locator("#two-factor-status")).to_contain_text("Włączone")
    check_screen(page, "moje-konto")

    page.get_by_role("button", name="Wyloguj", exact=True).click()
    expect(page.get_by_role("heading", name="Logowanie")).to_be_visible()

    # The password alone is not enough any more; the code of the app is.
    page.get_by_label("Nazwa użytkownika").fill(new_staff_member)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Kod jednorazowy")).to_be_visible()
    check_screen(page, "kod-jednorazowy")
    page.goto(f"{required_server}/")
    expect(page.get_by_role("heading", name="Logowanie")).to_be_visible()  # not logged in

    login(page, CENTRE, new_staff_member, PASSWORD, otp_secret=secret, base_url=required_server)
    expect(page.get_by_role("link", name="Dorota Dwuetapowa")).to_be_visible()
