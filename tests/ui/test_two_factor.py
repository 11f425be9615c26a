"""Two-factor log-in in a browser, against a server started with OPS_TWO_FACTOR=required (the
session's server runs the demo's default, two-factor off): a new staff member's password alone
does not log in (nor set up an app); the one-time link an administrator issued sets up the
authenticator app and shows the recovery codes; the member logs out and logs in again with a code
the test computes from the key the page showed."""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from pytest_django import DjangoDbBlocker

from tenants.accounts import totp
from tests import workers
from tests.ui.helpers import check_screen, login
from tests.ui.server import serve_test_database

ROOT = Path(__file__).resolve().parents[2]
CENTRE = "krasnystaw"
# Nothing like the user name or names: the similarity validator must never refuse it.
PASSWORD = "Zielony-Parasol-2026!"


@pytest.fixture(scope="module")
def required_server(live_server_process: int, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """A second `manage.py runserver` on the test database, with two-factor log-in required;
    yields the centre's address on it."""
    with django_db_blocker.unblock():
        database_url = workers.test_database_url()
    with serve_test_database(
        database_url, "browser-server-two-factor.log", {"OPS_TWO_FACTOR": "required"}
    ) as port:
        yield f"http://{CENTRE}.localhost:{port}"


def _manage(database_url: str, *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "opsplatform.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.CELERY_BROKER_URL,
            "REDIS_TEST_URL": settings.CELERY_BROKER_URL,
        },
        input=stdin,
        text=True,
        check=False,
        capture_output=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def new_staff_member(required_server: str, django_db_blocker: DjangoDbBlocker) -> tuple[str, str]:
    """A real (non-demo) benefits worker, committed so that the server sees them, and the
    address of the enrolment link an administrator issued for them (on the server)."""
    username = f"dwuetapowa.{secrets.token_hex(3)}"
    with django_db_blocker.unblock():
        database_url = workers.test_database_url()
    _manage(
        database_url,
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
        stdin=PASSWORD + "\n",
    )
    out = _manage(
        database_url,
        "issue_enrolment_link",
        "--centre",
        CENTRE,
        username,
        "--base-url",
        required_server,
    )
    link = out.strip().splitlines()[-1]
    assert link.startswith(f"{required_server}/konto/aplikacja/"), out
    return username, link


def test_staff_set_up_the_app_through_a_link_then_log_in_with_its_code(
    page: Page, required_server: str, new_staff_member: tuple[str, str]
) -> None:
    username, link = new_staff_member
    # The password alone neither logs in nor sets up an app: the page says whom to ask.
    page.goto(f"{required_server}/konto/logowanie/")
    page.get_by_label("Nazwa użytkownika").fill(username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_text("Poproś kierownika ośrodka o link")).to_be_visible()
    check_screen(page, "logowanie-bez-aplikacji")

    # The link: the key as text and the otpauth:// address, then the password and a code.
    page.goto(link)
    expect(page.get_by_role("heading", name="Logowanie dwuetapowe")).to_be_visible()
    uri = page.get_by_label("Adres dla aplikacji (otpauth://)").input_value()
    assert uri.startswith("otpauth://totp/")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert f"secret={secret}" in uri
    check_screen(page, "ustawienie-aplikacji")
    page.get_by_label("Obecne hasło").fill(PASSWORD)
    code_field = page.get_by_label("Kod z aplikacji uwierzytelniającej")
    code_field.fill("000000" if totp.code_at(secret) != "000000" else "111111")
    page.get_by_role("button", name="Potwierdź i zaloguj się").click()
    expect(page.get_by_text("Nieprawidłowy lub już użyty kod.")).to_be_visible()
    page.get_by_label("Obecne hasło").fill(PASSWORD)
    page.get_by_label("Kod z aplikacji uwierzytelniającej").fill(totp.code_at(secret))
    page.get_by_role("button", name="Potwierdź i zaloguj się").click()

    # Logged in; the recovery codes are shown once.
    expect(page.get_by_role("heading", name="Kody odzyskiwania")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    check_screen(page, "kody-odzyskiwania")
    page.get_by_role("link", name="Zapisałem kody – dalej").click()
    expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()

    # The account page tells the app is on.
    page.get_by_role("link", name="Dorota Dwuetapowa").click()
    expect(page.get_by_role("heading", level=1, name="Moje konto")).to_be_visible()
    expect(page.locator("#two-factor-status")).to_contain_text("Włączone")
    expect(page.locator("#recovery-codes-left")).to_contain_text("10")
    check_screen(page, "moje-konto")

    page.get_by_role("button", name="Wyloguj", exact=True).click()
    expect(page.get_by_role("heading", name="Logowanie")).to_be_visible()

    # (The link now answers 404 "Link jest nieważny": tests/security/test_accounts_credentials.py.)

    # The password alone is not enough any more; the code of the app is.
    page.goto(f"{required_server}/konto/logowanie/")
    page.get_by_label("Nazwa użytkownika").fill(username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Kod jednorazowy")).to_be_visible()
    check_screen(page, "kod-jednorazowy")
    page.goto(f"{required_server}/")
    expect(page.get_by_role("heading", name="Logowanie")).to_be_visible()  # not logged in

    login(page, CENTRE, username, PASSWORD, otp_secret=secret, base_url=required_server)
    expect(page.get_by_role("link", name="Dorota Dwuetapowa")).to_be_visible()
