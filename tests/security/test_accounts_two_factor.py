"""Two-factor log-in (TOTP): the algorithm against RFC 6238, the two-step web log-in, the set-up of
an app, the token API, and who must use it (every centre staff role; optional on the portal;
switchable off only in demo mode)."""

import os
import re
import subprocess
import sys
import time
from typing import Any

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from tenants.accounts import totp, two_factor
from tenants.accounts.models import TOTPDevice, User
from tenants.accounts.roles import PORTAL_ROLES, STAFF_ROLES, Role
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

# A valid Fernet key for the settings that require one (DEBUG off).
SECRETS_KEY = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAwMDAwMDAwMDA="
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
        (20000000000, "353130"),
    ],
)
def test_codes_match_the_rfc_6238_test_vectors(moment: int, expected: str) -> None:
    # RFC 6238 appendix B (SHA-1), last six of the eight digits.
    assert totp.code_at(RFC_SECRET, moment) == expected


def test_the_window_is_one_step_either_side() -> None:
    moment = 1111111111.0
    for offset in (-1, 0, 1):
        candidate = totp.code_at(RFC_SECRET, moment + offset * 30)
        assert totp.matching_step(RFC_SECRET, candidate, moment) == totp.step_at(moment) + offset
    for offset in (-3, -2, 2, 3):
        candidate = totp.code_at(RFC_SECRET, moment + offset * 30)
        assert totp.matching_step(RFC_SECRET, candidate, moment) is None
    assert totp.matching_step(RFC_SECRET, "12345", moment) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", moment) is None


def test_the_provisioning_uri_names_the_secret_and_the_issuer() -> None:
    uri = totp.provisioning_uri(RFC_SECRET, account="kierownik", issuer="OPS myslenice")
    assert uri.startswith("otpauth://totp/OPS%20myslenice%3Akierownik?")
    assert f"secret={RFC_SECRET}" in uri and "period=30" in uri and "digits=6" in uri


def test_who_must_use_two_factor() -> None:
    with override_settings(TWO_FACTOR_REQUIRED=True):
        for role in STAFF_ROLES:
            assert two_factor.required_for(User(role=role))
        for role in PORTAL_ROLES:
            assert not two_factor.required_for(User(role=role))
    with override_settings(TWO_FACTOR_REQUIRED=False, DEMO_MODE=True):
        assert not two_factor.required_for(User(role=Role.MANAGER))
    # Outside demo mode the requirement holds even if the setting were forced off.
    with override_settings(TWO_FACTOR_REQUIRED=False, DEMO_MODE=False):
        assert two_factor.required_for(User(role=Role.MANAGER))


def _environment(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO_MODE", "OPS_TWO_FACTOR"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from opsplatform.settings.components import environment as e; print(e.TWO_FACTOR)",
        ],
        env=clean
        | {
            "SECRET_KEY": "x" * 40,
            "OPS_SECRETS_KEYS": "dGVzdC1vbmx5LXNlY3JldHMta2V5LTAwMDAwMDAwMDA=",
        }
        | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_two_factor_can_be_switched_off_only_in_demo_mode() -> None:
    refused = _environment(DEBUG="false", OPS_TWO_FACTOR="off")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "OPS_TWO_FACTOR" in refused.stderr
    assert _environment(DEBUG="false").stdout.strip() == "required"
    assert _environment(DEBUG="true").stdout.strip() == "off"  # the demo's default
    assert _environment(DEBUG="true", OPS_TWO_FACTOR="required").stdout.strip() == "required"
    assert _environment(DEBUG="true", DEMO_MODE="false").stdout.strip() == "required"
    assert _environment(DEBUG="true", OPS_TWO_FACTOR="maybe").returncode != 0


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_the_password_alone_never_sets_up_an_app() -> None:
    make_user("myslenice", "ewa.nowa", Role.BENEFITS)
    web = client("myslenice")
    response = web.post("/konto/logowanie/", {"username": "ewa.nowa", "password": PASSWORD})
    assert response.status_code == 200
    assert "Poproś kierownika ośrodka o link" in response.content.decode()
    assert not logged_in(web)
    # No pending log-in to finish, no device made, no set-up page at the old address.
    assert web.get("/konto/logowanie/kod/").status_code == 302
    assert web.get("/konto/logowanie/aplikacja/").status_code == 404
    with schema_context("myslenice"):
        assert not TOTPDevice.objects.filter(user__username="ewa.nowa").exists()


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_staff_with_an_app_give_its_code_and_a_code_works_once() -> None:
    make_user("krasnystaw", "jan.kod", Role.MANAGER)
    secret = give_device("krasnystaw", "jan.kod")
    web = client("krasnystaw")
    response = web.post(
        "/konto/logowanie/?next=/konto/", {"username": "jan.kod", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/konto/logowanie/kod/"
    assert not logged_in(web)
    current = code(secret)
    response = web.post("/konto/logowanie/kod/", {"code": current})
    assert response.status_code == 302 and response["Location"] == "/konto/"
    assert logged_in(web)
    # The same code again, in another browser: refused (no replay within its 30 seconds).
    other = client("krasnystaw")
    other.post("/konto/logowanie/", {"username": "jan.kod", "password": PASSWORD})
    response = other.post("/konto/logowanie/kod/", {"code": current})
    assert response.status_code == 200
    assert "Nieprawidłowy lub już użyty kod." in response.content.decode()
    assert not logged_in(other)


def test_the_code_page_needs_a_fresh_password_step() -> None:
    make_user("piaseczno", "ola.kod", Role.AUDITOR)
    secret = give_device("piaseczno", "ola.kod")
    web = client("piaseczno")
    response = web.post("/konto/logowanie/kod/", {"code": code(secret)})
    assert response.status_code == 302 and response["Location"] == "/konto/logowanie/"
    assert not logged_in(web)
    web.post("/konto/logowanie/", {"username": "ola.kod", "password": PASSWORD})
    session = web.session
    pending = session["ops_pending_login"]
    pending["at"] = time.time() - 6 * 60  # the pending log-in is good for five minutes
    session["ops_pending_login"] = pending
    session.save()
    response = web.post("/konto/logowanie/kod/", {"code": code(secret)})
    assert response.status_code == 302 and response["Location"] == "/konto/logowanie/"
    assert not logged_in(web)


def test_an_app_is_asked_for_even_where_two_factor_is_optional() -> None:
    # Demo default (two-factor off) and a portal role (always optional): the app set up is used.
    make_user(None, "analityk.2fa", Role.MINISTRY_ANALYST)
    secret = give_device(None, "analityk.2fa")
    web = client(None)
    response = web.post("/konto/logowanie/", {"username": "analityk.2fa", "password": PASSWORD})
    assert response["Location"] == "/konto/logowanie/kod/"
    web.post("/konto/logowanie/kod/", {"code": code(secret)})
    assert logged_in(web)


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_portal_accounts_may_log_in_without_an_app() -> None:
    web = client(None)
    response = web.post("/konto/logowanie/", {"username": "analityk", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(web)


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_the_account_page_sets_up_and_replaces_the_app() -> None:
    make_user("daleszyce", "kasia.konto", Role.SOCIAL_WORKER)
    old_secret = give_device("daleszyce", "kasia.konto")
    web = client("daleszyce")
    web.post("/konto/logowanie/", {"username": "kasia.konto", "password": PASSWORD})
    web.post("/konto/logowanie/kod/", {"code": code(old_secret)})
    other = client("daleszyce")
    other.post("/konto/logowanie/", {"username": "kasia.konto", "password": PASSWORD})
    other.post("/konto/logowanie/kod/", {"code": code(old_secret, 1)})
    assert logged_in(web) and logged_in(other)
    page = web.get("/konto/").content.decode()
    assert "Włączone" in page and "Wyloguj ze wszystkich urządzeń" in page
    assert web.get("/konto/dwuetapowe/").status_code == 200
    with schema_context("daleszyce"):
        new = TOTPDevice.objects.get(user__username="kasia.konto", confirmed=False)
    wrong_password = web.post(
        "/konto/dwuetapowe/", {"password": "nie-to-haslo-123", "code": code(new.secret)}
    )
    assert "Nieprawidłowe hasło." in wrong_password.content.decode()
    response = web.post("/konto/dwuetapowe/", {"password": PASSWORD, "code": code(new.secret)})
    assert response.status_code == 302 and response["Location"] == "/konto/kody-odzyskiwania/"
    # The new recovery codes are shown once.
    shown = web.get("/konto/kody-odzyskiwania/").content.decode()
    assert len(re.findall(r"<code>[a-z2-7]{4}(?:-[a-z2-7]{4}){3}</code>", shown)) == 10
    assert web.get("/konto/kody-odzyskiwania/")["Location"] == "/konto/"
    with schema_context("daleszyce"):
        devices = list(TOTPDevice.objects.filter(user__username="kasia.konto"))
    assert [d.secret for d in devices] == [new.secret] and devices[0].confirmed
    assert logged_in(web)  # this session goes on, the other one has ended
    assert not logged_in(other)


def test_a_portal_user_may_switch_the_app_off_but_staff_may_not() -> None:
    make_user(None, "koordynator.2fa", Role.REGIONAL_COORDINATOR)
    secret = give_device(None, "koordynator.2fa")
    web = client(None)
    web.post("/konto/logowanie/", {"username": "koordynator.2fa", "password": PASSWORD})
    web.post("/konto/logowanie/kod/", {"code": code(secret)})
    response = web.post("/konto/dwuetapowe/wylacz/", {"disable-password": PASSWORD})
    assert response.status_code == 302
    with schema_context("public"):
        assert not TOTPDevice.objects.filter(user__username="koordynator.2fa").exists()

    make_user("debica", "staff.2fa", Role.MANAGER)
    secret = give_device("debica", "staff.2fa")
    staff = client("debica")
    staff.post("/konto/logowanie/", {"username": "staff.2fa", "password": PASSWORD})
    staff.post("/konto/logowanie/kod/", {"code": code(secret)})
    with override_settings(TWO_FACTOR_REQUIRED=True):
        staff.post("/konto/dwuetapowe/wylacz/", {"disable-password": PASSWORD})
    with schema_context("debica"):
        assert TOTPDevice.objects.filter(user__username="staff.2fa", confirmed=True).exists()


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_the_token_api_asks_for_the_code() -> None:
    make_user("myslenice", "api.kod", Role.BENEFITS)
    api = client("myslenice")

    def post(**data: str) -> Any:
        return api.post(
            "/api/auth/token/",
            {"username": "api.kod", "password": PASSWORD, **data},
            content_type="application/json",
        )

    response = post()
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_enrolment_required"
    assert "link" in response.json()["message"]
    with schema_context("myslenice"):
        assert not TOTPDevice.objects.filter(user__username="api.kod").exists()
    secret = give_device("myslenice", "api.kod")
    response = post()
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "otp_required" and set(body["fields"]) == {"otp"}
    assert set(body) == {"code", "message", "fields"}
    wrong = str((int(code(secret)) + 1) % 1_000_000).zfill(6)
    response = post(otp=wrong)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_otp"
    assert "otp" in response.json()["fields"]
    response = post(otp=code(secret))
    assert response.status_code == 200 and response.json()["token"]


def test_demo_mode_without_two_factor_logs_staff_in_with_the_password() -> None:
    # The demo's default (make run): OPS_TWO_FACTOR unset in demo mode means off.
    web = client("myslenice")
    response = web.post("/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    token = client("myslenice").post(
        "/api/auth/token/",
        {"username": "kierownik", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 200
