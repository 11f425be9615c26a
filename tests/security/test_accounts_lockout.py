"""Throttling and lock-out of repeated failed log-ins: five failures of a user name within fifteen
minutes lock it for fifteen minutes, whether they come through the log-in page, the code step or
the token API; the counters are per schema, so the demo user names shared by every centre never
lock each other out."""

import logging
from typing import Any

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from tenants.accounts import lockout
from tenants.accounts.roles import Role
from tenants.demo import DEMO_PASSWORD
from tests.security.accounts_support import (
    PASSWORD,
    client,
    code,
    give_device,
    logged_in,
    make_user,
)

pytestmark = pytest.mark.django_db

LOCKED = "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 15 min."


def _fail(slug: str | None, username: str, times: int) -> None:
    for _ in range(times):
        response = client(slug).post(
            "/konto/logowanie/", {"username": username, "password": "zle-haslo-000"}
        )
        assert response.status_code == 200


def test_five_failures_lock_the_user_name_even_for_the_right_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="tenants.accounts.login"):
        _fail("myslenice", "kierownik", 4)
        web = client("myslenice")
        response = web.post(
            "/konto/logowanie/", {"username": "kierownik", "password": "zle-haslo-000"}
        )
    assert LOCKED in response.content.decode()
    response = web.post("/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD})
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not logged_in(web)
    # Upper case is the same user name for the counter.
    response = client("myslenice").post(
        "/konto/logowanie/", {"username": "KIEROWNIK", "password": DEMO_PASSWORD}
    )
    assert LOCKED in response.content.decode()
    # Logged without the password.
    failures = [r for r in caplog.records if r.getMessage() == "failed log-in"]
    assert len(failures) == 5 and all(getattr(r, "username", "") == "kierownik" for r in failures)
    assert any(r.getMessage() == "log-in locked" for r in caplog.records)
    assert "zle-haslo-000" not in caplog.text


def test_failures_at_one_centre_do_not_lock_the_same_user_name_elsewhere() -> None:
    _fail("myslenice", "kierownik", 5)
    with schema_context("public"):  # the portal's own counter
        assert lockout.locked("kierownik", "127.0.0.1") is None
    assert (
        client("myslenice")
        .post("/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD})
        .status_code
        == 200
    )
    for other in ("daleszyce", "debica"):
        web = client(other)
        response = web.post(
            "/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, other
        assert logged_in(web)


def test_a_successful_log_in_resets_the_user_counter() -> None:
    _fail("krasnystaw", "socjalny", 4)
    assert (
        client("krasnystaw")
        .post("/konto/logowanie/", {"username": "socjalny", "password": DEMO_PASSWORD})
        .status_code
        == 302
    )
    _fail("krasnystaw", "socjalny", 4)  # four more: not locked, the count started again
    web = client("krasnystaw")
    assert (
        web.post(
            "/konto/logowanie/", {"username": "socjalny", "password": DEMO_PASSWORD}
        ).status_code
        == 302
    )


def test_the_token_api_counts_the_same_failures_and_answers_429() -> None:
    _fail("piaseczno", "kierownik", 3)
    api = client("piaseczno")

    def token(password: str) -> Any:
        return api.post(
            "/api/auth/token/",
            {"username": "kierownik", "password": password},
            content_type="application/json",
        )

    assert token("zle-haslo-000").status_code == 400
    response = token("zle-haslo-000")  # the fifth failure locks
    assert response.status_code == 429
    response = token(DEMO_PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_attempts" and body["fields"] == {}
    assert "Spróbuj ponownie za 15 min." in body["message"]
    assert 890 <= int(response["Retry-After"]) <= 900
    # The page is locked too.
    page = client("piaseczno").post(
        "/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD}
    )
    assert LOCKED in page.content.decode()


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_wrong_codes_count_towards_the_same_lock() -> None:
    make_user("debica", "zgadywacz", Role.BENEFITS)
    secret = give_device("debica", "zgadywacz")
    web = client("debica")
    web.post("/konto/logowanie/", {"username": "zgadywacz", "password": PASSWORD})
    right = code(secret)
    wrong = str((int(right) + 500_000) % 1_000_000).zfill(6)
    for _ in range(4):
        response = web.post("/konto/logowanie/kod/", {"code": wrong})
        assert "Nieprawidłowy lub już użyty kod." in response.content.decode()
    response = web.post("/konto/logowanie/kod/", {"code": wrong})
    assert LOCKED in response.content.decode()
    response = web.post("/konto/logowanie/kod/", {"code": right})
    assert LOCKED in response.content.decode()
    assert not logged_in(web)


@override_settings(LOGIN_IP_FAILURE_LIMIT=8)
def test_many_user_names_from_one_address_lock_the_address() -> None:
    for number in range(8):
        _fail("daleszyce", f"nieistniejacy{number}", 1)
    web = client("daleszyce")
    response = web.post("/konto/logowanie/", {"username": "socjalny", "password": DEMO_PASSWORD})
    assert LOCKED in response.content.decode()
    other_address = client("daleszyce")
    response = other_address.post(
        "/konto/logowanie/",
        {"username": "socjalny", "password": DEMO_PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302


def test_the_counter_keys_are_per_schema() -> None:
    from django.core.cache import cache
    from django_tenants.utils import schema_context

    with schema_context("myslenice"):
        lockout.record_failure("kierownik", "127.0.0.1", stage="test")
        key = cache.make_key("accounts:login-failures:user:kierownik")
        assert lockout.failures("kierownik") == 1
    assert key.startswith("myslenice:")
    for other in ("daleszyce", "public"):
        with schema_context(other):
            assert lockout.failures("kierownik") == 0
