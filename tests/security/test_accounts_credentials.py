"""Credentials: API tokens (hashed, per device, idle and absolute expiry, checked against the
account's current two-factor requirement, listed and revoked by their owner), TOTP secrets
encrypted at rest and their key rotation, recovery codes, the one-time enrolment link an
administrator issues, and the reset of a lost device."""

import hashlib
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import AuditEntry
from tenants.accounts import encryption, totp
from tenants.accounts.models import ApiToken, EnrolmentLink, RecoveryCode, TOTPDevice, User
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

CODE_RE = re.compile(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>")


def issue(slug: str | None, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client(slug).post(
        "/api/auth/token/",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def api_get(slug: str | None, token: str, path: str = "/api/households/") -> Any:
    return client(slug).get(path, HTTP_AUTHORIZATION=f"Token {token}")


# --- API tokens ---------------------------------------------------------------------------------


def test_a_token_issued_with_the_password_alone_is_refused_once_two_factor_is_required() -> None:
    make_user("myslenice", "bez.kodu", Role.MANAGER)
    response = issue("myslenice", "bez.kodu")  # demo default: two-factor off
    assert response.status_code == 200
    token = response.json()["token"]
    assert api_get("myslenice", token).status_code == 200
    with override_settings(TWO_FACTOR_REQUIRED=True):
        refused = api_get("myslenice", token)
        assert refused.status_code == 401
        assert refused.json()["code"] == "two_factor_required"
        assert "logowania dwuetapowego" in refused.json()["message"]
        assert refused["WWW-Authenticate"] == "Token"
        # The log-in page refuses the same user the same way (no app, two-factor required).
        page = client("myslenice").post(
            "/konto/logowanie/", {"username": "bez.kodu", "password": PASSWORD}
        )
        assert "Poproś kierownika ośrodka o link" in page.content.decode()


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_a_token_issued_with_the_code_keeps_working_and_a_recovery_code_issues_one() -> None:
    make_user("krasnystaw", "z.kodem", Role.BENEFITS)
    secret = give_device("krasnystaw", "z.kodem")
    token = issue("krasnystaw", "z.kodem", otp=code(secret), name="laptop").json()["token"]
    assert api_get("krasnystaw", token).status_code == 200
    with schema_context("krasnystaw"):
        user = User.objects.get(username="z.kodem")
    from tenants.accounts.two_factor import recovery_codes_generate

    with schema_context("krasnystaw"):
        recovery = recovery_codes_generate(user)
    response = issue("krasnystaw", "z.kodem", otp=recovery[0], name="telefon")
    assert response.status_code == 200
    again = issue("krasnystaw", "z.kodem", otp=recovery[0], name="tablet")
    assert again.status_code == 400 and again.json()["code"] == "invalid_otp"


def test_tokens_are_kept_hashed_one_per_device() -> None:
    make_user("piaseczno", "hash.token")
    first = issue("piaseczno", "hash.token", name="laptop").json()
    second = issue("piaseczno", "hash.token", name="laptop").json()  # the same device again
    other = issue("piaseczno", "hash.token", name="skrypt").json()
    assert api_get("piaseczno", first["token"]).status_code == 401  # replaced
    assert api_get("piaseczno", second["token"]).status_code == 200
    assert api_get("piaseczno", other["token"]).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM piaseczno.accounts_apitoken AS t")
        rows = [row[0] for row in cursor.fetchall()]
    assert len(rows) == 2
    for key in (second["token"], other["token"]):
        assert not any(key in row for row in rows)
        assert any(hashlib.sha256(key.encode()).hexdigest() in row for row in rows)


def test_idle_and_absolute_expiry() -> None:
    make_user("daleszyce", "wygasa")
    token = issue("daleszyce", "wygasa").json()["token"]
    idle = timedelta(seconds=settings.API_TOKEN_IDLE_SECONDS)
    with schema_context("daleszyce"):
        row = ApiToken.objects.get(user__username="wygasa")
        # Used a little before the idle limit: still good, and the use moves the limit on.
        ApiToken.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - idle - timedelta(days=1),
            last_used_at=timezone.now() - idle + timedelta(minutes=5),
        )
    assert api_get("daleszyce", token).status_code == 200
    with schema_context("daleszyce"):
        row.refresh_from_db()
        assert row.last_used_at is not None
        assert row.last_used_at > timezone.now() - timedelta(minutes=1)
        ApiToken.objects.filter(pk=row.pk).update(
            last_used_at=timezone.now() - idle - timedelta(seconds=1)
        )
    response = api_get("daleszyce", token)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"

    token = issue("daleszyce", "wygasa").json()["token"]
    with schema_context("daleszyce"):
        ApiToken.objects.filter(user__username="wygasa").update(
            created_at=timezone.now() - timedelta(seconds=settings.API_TOKEN_MAX_AGE_SECONDS + 1),
            last_used_at=timezone.now() - timedelta(minutes=2),
        )
    response = api_get("daleszyce", token)  # in use all along, but past its absolute lifetime
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_the_last_use_is_written_at_most_once_a_minute() -> None:
    make_user("debica", "czesto")
    token = issue("debica", "czesto").json()["token"]
    assert api_get("debica", token).status_code == 200
    with schema_context("debica"):
        first = ApiToken.objects.get(user__username="czesto").last_used_at
    assert first is not None
    assert api_get("debica", token).status_code == 200
    with schema_context("debica"):
        assert ApiToken.objects.get(user__username="czesto").last_used_at == first


def test_an_inactive_account_s_token_is_refused() -> None:
    make_user("debica", "odchodzi")
    token = issue("debica", "odchodzi").json()["token"]
    with schema_context("debica"):
        User.objects.filter(username="odchodzi").update(is_active=False)
    response = api_get("debica", token)
    assert response.status_code == 401 and response.json()["code"] == "inactive"


def test_users_list_and_revoke_their_own_tokens_only() -> None:
    make_user("myslenice", "wlasne")
    make_user("myslenice", "cudze")
    mine = issue("myslenice", "wlasne", name="laptop").json()
    issue("myslenice", "wlasne", name="telefon")
    theirs = issue("myslenice", "cudze", name="laptop").json()
    listed = api_get("myslenice", mine["token"], "/api/auth/tokens/").json()
    assert sorted(t["name"] for t in listed) == ["laptop", "telefon"]
    assert all("token" not in t and len(t["prefix"]) == 8 for t in listed)
    assert {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"} <= set(listed[0])
    api = Client(HTTP_HOST="myslenice.localhost", HTTP_AUTHORIZATION=f"Token {mine['token']}")
    response = api.delete(f"/api/auth/tokens/{theirs['id']}/")
    assert response.status_code == 404 and response.json()["code"] == "token_not_found"
    assert api_get("myslenice", theirs["token"]).status_code == 200
    telefon = next(t for t in listed if t["name"] == "telefon")
    assert api.delete(f"/api/auth/tokens/{telefon['id']}/").status_code == 204
    # The account page lists the rest and revokes one too.
    web = client("myslenice")
    web.post("/konto/logowanie/", {"username": "wlasne", "password": PASSWORD})
    page = web.get("/konto/").content.decode()
    assert "<td>laptop</td>" in page and "<td>telefon</td>" not in page
    web.post(f"/konto/tokeny/{mine['id']}/uniewaznij/")
    assert api_get("myslenice", mine["token"]).status_code == 401
    # Log-out with a token ends that token only.
    other = issue("myslenice", "cudze", name="skrypt").json()
    api_other = Client(
        HTTP_HOST="myslenice.localhost", HTTP_AUTHORIZATION=f"Token {other['token']}"
    )
    assert api_other.post("/api/auth/logout/").status_code == 204
    assert api_get("myslenice", other["token"]).status_code == 401
    assert api_get("myslenice", theirs["token"]).status_code == 200


def test_the_account_page_lists_tokens_once_in_its_body() -> None:
    """The token table belongs to the page, not to its <title> (it was pasted into both)."""
    make_user("myslenice", "tytul")
    issue("myslenice", "tytul", name="laptop")
    web = client("myslenice")
    web.post("/konto/logowanie/", {"username": "tytul", "password": PASSWORD})
    page = web.get("/konto/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and "<" not in title.group(1)
    assert page.count('id="api-tokens"') == 1


# --- secrets at rest ----------------------------------------------------------------------------


def test_the_totp_secret_column_holds_no_plaintext() -> None:
    make_user("krasnystaw", "szyfr")
    secret = give_device("krasnystaw", "szyfr")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d::text, d.secret_encrypted FROM krasnystaw.accounts_totpdevice AS d "
            "JOIN krasnystaw.accounts_user AS u ON u.id = d.user_id WHERE u.username = 'szyfr'"
        )
        row, stored = cursor.fetchone()
    assert secret not in row and secret.lower() not in row.lower()
    assert stored.startswith("gAAAAA")
    assert encryption.decrypt(stored) == secret


def test_the_migration_encrypts_plaintext_secrets() -> None:
    from importlib import import_module

    migration = import_module("tenants.accounts.migrations.0004_encrypt_secrets_drop_plain_tokens")
    make_user("piaseczno", "stary.sekret")
    secret = totp.new_secret()
    with schema_context("piaseczno"):
        user = User.objects.get(username="stary.sekret")
        TOTPDevice.objects.bulk_create(
            [TOTPDevice(user=user, secret_encrypted=secret, confirmed=True)]
        )
        migration.encrypt_secrets(apps, None)
        stored = TOTPDevice.objects.get(user=user).secret_encrypted
    assert stored != secret and encryption.decrypt(stored) == secret


def test_rotating_the_keys_reencrypts_every_schema() -> None:
    old_keys = list(settings.SECRETS_KEYS)
    new_key = Fernet.generate_key().decode()
    make_user("myslenice", "rotacja")
    make_user(None, "rotacja.portal", Role.MINISTRY_ANALYST)
    centre_secret = give_device("myslenice", "rotacja")
    portal_secret = give_device(None, "rotacja.portal")
    with override_settings(SECRETS_KEYS=[new_key, *old_keys]):
        out = io.StringIO()
        call_command("rotate_secret_keys", stdout=out)
        assert "Zaszyfrowano ponownie" in out.getvalue()
        again = io.StringIO()
        call_command("rotate_secret_keys", stdout=again)
        assert "Zaszyfrowano ponownie 0 sekretów" in again.getvalue()
    with override_settings(SECRETS_KEYS=[new_key]):  # the old key dropped
        with schema_context("myslenice"):
            device = TOTPDevice.objects.get(user__username="rotacja")
            assert device.secret == centre_secret
        with schema_context("public"):
            assert TOTPDevice.objects.get(user__username="rotacja.portal").secret == portal_secret
        web = client("myslenice")
        web.post("/konto/logowanie/", {"username": "rotacja", "password": PASSWORD})
        web.post("/konto/logowanie/kod/", {"code": code(centre_secret)})
        assert logged_in(web)
    with override_settings(SECRETS_KEYS=old_keys):
        with schema_context("myslenice"), pytest.raises(encryption.SecretUndecryptable):
            _ = TOTPDevice.objects.get(user__username="rotacja").secret
        with pytest.raises(CommandError, match="nie da się odszyfrować"):
            call_command("rotate_secret_keys", stdout=io.StringIO())


# --- recovery codes -----------------------------------------------------------------------------


def _logged_in_with_app(slug: str, username: str, secret: str, step: int = 0) -> Client:
    web = client(slug)
    web.post("/konto/logowanie/", {"username": username, "password": PASSWORD})
    web.post("/konto/logowanie/kod/", {"code": code(secret, step)})
    assert logged_in(web)
    return web


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_a_recovery_code_logs_in_once_and_a_new_set_replaces_the_old() -> None:
    make_user("daleszyce", "bez.telefonu")
    secret = give_device("daleszyce", "bez.telefonu")
    web = _logged_in_with_app("daleszyce", "bez.telefonu", secret)
    wrong = web.post("/konto/kody-odzyskiwania/nowe/", {"recovery-password": "zle-haslo-123"})
    assert "Nieprawidłowe hasło." in wrong.content.decode()
    response = web.post("/konto/kody-odzyskiwania/nowe/", {"recovery-password": PASSWORD})
    assert response["Location"] == "/konto/kody-odzyskiwania/"
    codes = CODE_RE.findall(web.get("/konto/kody-odzyskiwania/").content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    with schema_context("daleszyce"):
        stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not any(c in h for c in codes for h in stored)

    def log_in_with(recovery: str) -> Client:
        other = client("daleszyce")
        other.post("/konto/logowanie/", {"username": "bez.telefonu", "password": PASSWORD})
        other.post("/konto/logowanie/kod/", {"code": recovery.upper().replace("-", " ")})
        return other

    assert logged_in(log_in_with(codes[0]))
    assert not logged_in(log_in_with(codes[0]))  # used up
    assert "Pozostało 9" in web.get("/konto/").content.decode()
    web.post("/konto/kody-odzyskiwania/nowe/", {"recovery-password": PASSWORD})
    assert not logged_in(log_in_with(codes[1]))  # the old set ended


# --- enrolment links and reset ------------------------------------------------------------------


def _link_token(output: str) -> str:
    match = re.search(r"/konto/aplikacja/([^/\s]+)/", output)
    assert match, output
    return match.group(1)


def _enrol(web: Client, token: str, password: str = PASSWORD) -> tuple[Any, str]:
    page = web.get(f"/konto/aplikacja/{token}/")
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode())
    assert secret
    key = secret.group(1).replace(" ", "")
    response = web.post(
        f"/konto/aplikacja/{token}/", {"password": password, "code": totp.code_at(key)}
    )
    return response, key


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_an_enrolment_link_sets_up_the_app_once() -> None:
    make_user("krasnystaw", "nowy.pracownik", Role.SOCIAL_WORKER)
    out = io.StringIO()
    call_command("issue_enrolment_link", "--centre", "krasnystaw", "nowy.pracownik", stdout=out)
    assert "://krasnystaw.localhost/konto/aplikacja/" in out.getvalue()
    token = _link_token(out.getvalue())
    with schema_context("krasnystaw"):
        assert EnrolmentLink.objects.filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
    web = client("krasnystaw")
    page = web.get(f"/konto/aplikacja/{token}/")
    wrong = web.post(f"/konto/aplikacja/{token}/", {"password": "zle-haslo-123", "code": "1"})
    assert "Nieprawidłowe hasło." in wrong.content.decode()
    assert page.status_code == 200 and not logged_in(web)
    response, key = _enrol(web, token)
    assert response.status_code == 302 and response["Location"] == "/konto/kody-odzyskiwania/"
    assert logged_in(web)
    assert len(CODE_RE.findall(web.get("/konto/kody-odzyskiwania/").content.decode())) == 10
    with schema_context("krasnystaw"):
        device = TOTPDevice.objects.get(user__username="nowy.pracownik")
        assert device.confirmed and device.secret == key
    used = client("krasnystaw").get(f"/konto/aplikacja/{token}/")
    assert used.status_code == 404 and "Poproś kierownika ośrodka" in used.content.decode()
    # Now the password and the app's next code log in (the current one was used to confirm).
    _logged_in_with_app("krasnystaw", "nowy.pracownik", key, step=1)


def test_an_enrolment_link_expires_and_a_new_one_replaces_it() -> None:
    make_user("myslenice", "spozniony", Role.BENEFITS)
    tokens = []
    for _ in range(2):
        out = io.StringIO()
        call_command("issue_enrolment_link", "--centre", "myslenice", "spozniony", stdout=out)
        tokens.append(_link_token(out.getvalue()))
    assert client("myslenice").get(f"/konto/aplikacja/{tokens[0]}/").status_code == 404
    with schema_context("myslenice"):
        EnrolmentLink.objects.filter(user__username="spozniony").update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert client("myslenice").get(f"/konto/aplikacja/{tokens[1]}/").status_code == 404
    # A link of one centre means nothing at another.
    out = io.StringIO()
    call_command("issue_enrolment_link", "--centre", "myslenice", "spozniony", stdout=out)
    assert (
        client("piaseczno").get(f"/konto/aplikacja/{_link_token(out.getvalue())}/").status_code
        == 404
    )


def test_the_manager_issues_links_and_other_staff_may_not() -> None:
    make_user("debica", "do.ustawienia", Role.FIRST_CONTACT)
    manager = client("debica")
    manager.post("/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD})
    page = manager.get("/konto/pracownicy/").content.decode()
    assert "do.ustawienia" in page
    with schema_context("debica"):
        member = User.objects.get(username="do.ustawienia")
    response = manager.post(f"/konto/pracownicy/{member.public_id}/link/")
    assert response.status_code == 200
    link = re.search(r'id="enrolment-link" value="([^"]+)"', response.content.decode())
    assert link and link.group(1).startswith("http://debica.localhost/konto/aplikacja/")
    with schema_context("debica"):
        issued = EnrolmentLink.objects.get(user=member)
        assert issued.issued_by == "kierownik"
        assert AuditEntry.objects.filter(
            object_type="accounts.enrolmentlink", object_id=str(member.public_id)
        ).exists()
    assert "link wydany" in manager.get("/konto/pracownicy/").content.decode()
    worker = client("debica")
    worker.post("/konto/logowanie/", {"username": "do.ustawienia", "password": PASSWORD})
    assert worker.get("/konto/pracownicy/").status_code == 403
    assert worker.post(f"/konto/pracownicy/{member.public_id}/link/").status_code == 403


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_reset_two_factor_removes_the_app_and_ends_sessions_and_tokens() -> None:
    make_user("piaseczno", "zgubil.telefon", Role.MANAGER)
    secret = give_device("piaseczno", "zgubil.telefon")
    web = _logged_in_with_app("piaseczno", "zgubil.telefon", secret)
    token = issue("piaseczno", "zgubil.telefon", otp=code(secret, 1)).json()["token"]
    assert api_get("piaseczno", token).status_code == 200
    out = io.StringIO()
    call_command("reset_two_factor", "--centre", "piaseczno", "zgubil.telefon", stdout=out)
    assert "issue_enrolment_link --centre piaseczno zgubil.telefon" in out.getvalue()
    assert not logged_in(web)
    assert api_get("piaseczno", token).status_code == 401
    with schema_context("piaseczno"):
        user = User.objects.get(username="zgubil.telefon")
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert not ApiToken.objects.filter(user=user).exists()
        audited = set(
            AuditEntry.objects.filter(object_id=str(user.public_id)).values_list(
                "object_type", "action", "actor_username"
            )
        )
    assert ("accounts.totpdevice", "delete", "system") in audited
    assert ("accounts.apitoken", "delete", "system") in audited
    # The password alone gets nowhere now; a new link sets up a new app.
    page = client("piaseczno").post(
        "/konto/logowanie/", {"username": "zgubil.telefon", "password": PASSWORD}
    )
    assert "Poproś kierownika ośrodka o link" in page.content.decode()
    with pytest.raises(CommandError, match="Nie ma konta"):
        call_command("reset_two_factor", "--centre", "piaseczno", "nikt", stdout=io.StringIO())
