"""Accounts live where they were created; log-in pages on every host; host-only cookies."""

import io
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from tenants.accounts.roles import PORTAL_ROLES, STAFF_ROLES, Role
from tenants.demo import DEMO_PASSWORD, PORTAL_DEMO_ACCOUNTS, STAFF_DEMO_ACCOUNTS
from tests.conftest import CENTRE_SLUGS, CentreClientFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Bardzo-Dlugie-Haslo-2026"


def make_staff(slug: str, username: str, role: Role = Role.SOCIAL_WORKER) -> None:
    with schema_context(slug):
        user = User(username=username, role=role, first_name="Zofia", last_name="Testowa")
        user.set_password(PASSWORD)
        user.full_clean()
        user.save()


@pytest.mark.parametrize("slug", [*CENTRE_SLUGS, None])
def test_every_host_has_a_polish_login_page(
    centre_client: CentreClientFactory, slug: str | None
) -> None:
    response = centre_client(slug).get("/konto/logowanie/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="pl">' in html
    assert "Logowanie" in html and "Nazwa użytkownika" in html and "Hasło" in html


def test_pages_require_log_in(centre_client: CentreClientFactory) -> None:
    response = centre_client("debica").get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logowanie/")


def test_a_myslenice_account_does_not_exist_at_debica(centre_client: CentreClientFactory) -> None:
    make_staff("myslenice", "anna.tylko.myslenice")
    with schema_context("debica"):
        assert not User.objects.filter(username="anna.tylko.myslenice").exists()
    assert centre_client.logged_in("myslenice", "anna.tylko.myslenice", PASSWORD)
    response = centre_client("debica").post(
        "/konto/logowanie/", {"username": "anna.tylko.myslenice", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.content.decode()


def test_every_demo_role_logs_in_at_every_centre(centre_client: CentreClientFactory) -> None:
    for slug in CENTRE_SLUGS:
        for username, role, _ in STAFF_DEMO_ACCOUNTS:
            client = centre_client.logged_in(slug, username)
            page = client.get("/").content.decode()
            assert str(role.label) in page
            assert "Struktura organizacyjna" in page


def test_portal_demo_accounts_log_in_on_the_portal_only(centre_client: CentreClientFactory) -> None:
    for username, _, _ in PORTAL_DEMO_ACCOUNTS:
        assert centre_client.logged_in(None, username)
        response = centre_client("myslenice").post(
            "/konto/logowanie/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200  # no such account at a centre


def test_coordinator_sees_only_the_centres_of_their_voivodeship(
    centre_client: CentreClientFactory,
) -> None:
    page = centre_client.logged_in(None, "koordynator.malopolskie").get("/").content.decode()
    assert "MGOPS Myślenice" in page
    for other in ("MOPS Krasnystaw", "MGOPS Piaseczno", "MGOPS Daleszyce", "MOPS Dębica"):
        assert other not in page
    page = centre_client.logged_in(None, "analityk").get("/").content.decode()
    assert "MGOPS Myślenice" not in page


def test_staff_roles_cannot_be_created_on_the_portal_nor_portal_roles_at_a_centre() -> None:
    with schema_context("public"):
        for role in STAFF_ROLES:
            with pytest.raises(ValidationError) as excinfo:
                User(username=f"x-{role}", role=role, password="x").full_clean()
            assert "role" in excinfo.value.message_dict
    with schema_context("piaseczno"):
        for role in PORTAL_ROLES:
            with pytest.raises(ValidationError) as excinfo:
                User(
                    username=f"x-{role}", role=role, voivodeships=["14"], password="x"
                ).full_clean()
            assert "role" in excinfo.value.message_dict


def test_a_misplaced_account_never_authenticates(centre_client: CentreClientFactory) -> None:
    # Even if a row were written around the model's validation, the backend refuses it.
    with schema_context("krasnystaw"):
        user = User(username="zly.koordynator", role=Role.REGIONAL_COORDINATOR, voivodeships=["06"])
        user.set_password(PASSWORD)
        user.save()
    response = centre_client("krasnystaw").post(
        "/konto/logowanie/", {"username": "zly.koordynator", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_coordinator_needs_a_voivodeship() -> None:
    with schema_context("public"), pytest.raises(ValidationError) as excinfo:
        User(username="k", role=Role.REGIONAL_COORDINATOR, password="x").full_clean()
    assert "voivodeships" in excinfo.value.message_dict


@override_settings(DEMO_MODE=False)
def test_demo_accounts_are_refused_outside_demo_mode(centre_client: CentreClientFactory) -> None:
    response = centre_client("daleszyce").post(
        "/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.content.decode()


def test_session_cookie_is_host_only(centre_client: CentreClientFactory) -> None:
    client = centre_client("myslenice")
    response = client.post(
        "/konto/logowanie/", {"username": "kierownik", "password": DEMO_PASSWORD}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["domain"] == ""
    assert cookie["httponly"]
    assert "domain=" not in cookie.output().lower()


def test_a_session_from_one_centre_is_worthless_at_another(
    centre_client: CentreClientFactory,
) -> None:
    myslenice = centre_client.logged_in("myslenice", "kierownik")
    stolen = myslenice.cookies["sessionid"].value
    debica = Client(HTTP_HOST="debica.localhost")
    debica.cookies["sessionid"] = stolen
    response = debica.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logowanie/")
    portal = Client(HTTP_HOST="localhost")
    portal.cookies["sessionid"] = stolen
    assert portal.get("/").status_code == 302


def test_logout_ends_the_session(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in("piaseczno", "swiadczenia")
    assert client.post("/konto/wyloguj/").status_code == 302
    assert client.get("/").status_code == 302


def test_create_account_command_makes_a_real_staff_account(
    centre_client: CentreClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "create_account",
        "jan.kierownik",
        "--centre",
        "krasnystaw",
        "--role",
        "manager",
        "--password-stdin",
        stdout=io.StringIO(),
    )
    with schema_context("krasnystaw"):
        assert not User.objects.get(username="jan.kierownik").is_demo
    assert centre_client.logged_in("krasnystaw", "jan.kierownik", PASSWORD)


@pytest.mark.parametrize(
    ("schema", "role", "password", "field"),
    [
        ("krasnystaw", Role.MANAGER, "krotkie", "password"),
        ("krasnystaw", Role.MINISTRY_ANALYST, PASSWORD, "role"),
        ("public", Role.SOCIAL_WORKER, PASSWORD, "role"),
        ("public", Role.REGIONAL_COORDINATOR, PASSWORD, "voivodeships"),
    ],
)
def test_account_create_refuses_bad_input(
    schema: str, role: str, password: str, field: str
) -> None:
    from tenants.accounts.services import AccountInvalid, account_create

    with pytest.raises(AccountInvalid) as excinfo:
        account_create(schema_name=schema, username="nowy", role=role, password=password)
    assert field in excinfo.value.fields
    with schema_context(schema):
        assert not User.objects.filter(username="nowy").exists()
