"""Sessions: idle expiry, an absolute lifetime, log-out everywhere (sessions and API tokens), and
the end of every other session when the password changes."""

import time
from datetime import timedelta
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import ApiToken
from tenants.accounts.roles import Role
from tests.security.accounts_support import PASSWORD, client, logged_in, make_user

pytestmark = pytest.mark.django_db


def _log_in(slug: str, username: str, password: str = PASSWORD) -> Client:
    web = client(slug)
    response = web.post("/konto/logowanie/", {"username": username, "password": password})
    assert response.status_code == 302
    return web


def _token(slug: str, username: str, password: str = PASSWORD) -> str:
    response = client(slug).post(
        "/api/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200
    return str(response.json()["token"])


def test_sessions_expire_after_thirty_idle_minutes_and_every_request_extends_them() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert 8 * 3600 <= settings.SESSION_MAX_AGE_SECONDS <= 10 * 3600
    make_user("myslenice", "bezczynna")
    web = _log_in("myslenice", "bezczynna")
    key = web.session.session_key
    with schema_context("myslenice"):
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + timedelta(minutes=1)
        )
    assert logged_in(web)
    with schema_context("myslenice"):
        expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)
    with schema_context("myslenice"):
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    assert not logged_in(web)


def test_a_session_ends_at_its_maximum_age_however_active() -> None:
    make_user("krasnystaw", "aktywna")
    web = _log_in("krasnystaw", "aktywna")
    assert logged_in(web)
    session = web.session
    session["ops_login_at"] = time.time() - settings.SESSION_MAX_AGE_SECONDS - 1
    session.save()
    assert not logged_in(web)


def test_log_out_everywhere_ends_every_session_and_token() -> None:
    make_user("piaseczno", "wszedzie", Role.MANAGER)
    first = _log_in("piaseczno", "wszedzie")
    second = _log_in("piaseczno", "wszedzie")
    token = _token("piaseczno", "wszedzie")
    api = client("piaseczno")
    assert api.get("/api/households/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    response = first.post("/konto/wyloguj-wszedzie/")
    assert response.status_code == 302 and response["Location"] == "/konto/logowanie/"
    assert not logged_in(first)
    assert not logged_in(second)
    assert api.get("/api/households/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    with schema_context("piaseczno"):
        assert not ApiToken.objects.filter(user__username="wszedzie").exists()
    assert logged_in(_log_in("piaseczno", "wszedzie"))


def test_log_out_everywhere_needs_a_post_from_a_logged_in_user() -> None:
    make_user("daleszyce", "get.wszedzie")
    web = _log_in("daleszyce", "get.wszedzie")
    assert web.get("/konto/wyloguj-wszedzie/").status_code == 405
    assert logged_in(web)
    anonymous = client("daleszyce").post("/konto/wyloguj-wszedzie/")
    assert anonymous.status_code == 302 and "/konto/logowanie/" in anonymous["Location"]


def test_changing_the_password_ends_the_other_sessions_and_tokens() -> None:
    make_user("debica", "zmiana.hasla")
    here = _log_in("debica", "zmiana.hasla")
    elsewhere = _log_in("debica", "zmiana.hasla")
    token = _token("debica", "zmiana.hasla")
    new_password = "Zupelnie-Nowe-Haslo-2027"
    response = here.post(
        "/konto/haslo/zmien/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302 and response["Location"] == "/konto/"
    assert logged_in(here)
    assert not logged_in(elsewhere)
    refused = client("debica").get("/api/households/", HTTP_AUTHORIZATION=f"Token {token}")
    assert refused.status_code == 401
    with schema_context("debica"):
        assert not ApiToken.objects.filter(user__username="zmiana.hasla").exists()
        assert get_user_model().objects.get(username="zmiana.hasla").check_password(new_password)


@pytest.mark.parametrize(
    "weak",
    ["Krotkie-1!", "1234567890123", "password1234", "zmiana.hasla.2"],
    ids=["short", "numeric", "common", "like-the-user-name"],
)
def test_the_password_rules_refuse_weak_passwords(weak: str) -> None:
    make_user("myslenice", "zmiana.hasla")
    web = _log_in("myslenice", "zmiana.hasla")
    response = web.post(
        "/konto/haslo/zmien/",
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    with schema_context("myslenice"):
        assert get_user_model().objects.get(username="zmiana.hasla").check_password(PASSWORD)


def test_the_password_rules_are_configured() -> None:
    configured = cast(list[dict[str, Any]], settings.AUTH_PASSWORD_VALIDATORS)
    validators = {str(v["NAME"]).rsplit(".", 1)[-1]: v for v in configured}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert {
        "UserAttributeSimilarityValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    } <= set(validators)
