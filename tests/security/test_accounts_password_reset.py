"""Password reset by e-mail: the same answer whether or not the address has an account, a link for
the host the request came to, valid only there and only once; the new password ends every session
and token and does not skip the second factor."""

import re
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django_tenants.utils import schema_context

from tenants.accounts.lockout import clear_all
from tenants.accounts.models import ApiToken
from tenants.accounts.roles import Role
from tests.security.accounts_support import (
    PASSWORD,
    client,
    code,
    give_device,
    logged_in,
    make_user,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Calkiem-Nowe-Haslo-2027"


def _request_reset(slug: str | None, email: str) -> Any:
    return client(slug).post("/konto/haslo/reset/", {"email": email})


def _link(slug: str | None) -> str:
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    host = f"{slug}.localhost" if slug else "localhost"
    match = re.search(rf"http://{re.escape(host)}(/konto/haslo/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_the_answer_does_not_tell_whether_the_address_has_an_account() -> None:
    make_user("myslenice", "resetowana", email="resetowana@example.org")
    known = _request_reset("myslenice", "resetowana@example.org")
    unknown = _request_reset("myslenice", "nikt@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/konto/haslo/reset/wyslano/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["resetowana@example.org"]
    assert "resetowana" in mail.outbox[0].body
    page = client("myslenice").get("/konto/haslo/reset/wyslano/")
    assert "Sprawdź skrzynkę e-mail" in page.content.decode()


def test_an_address_known_only_at_another_centre_gets_nothing() -> None:
    make_user("daleszyce", "tylko.daleszyce", email="tylko@example.org")
    response = _request_reset("myslenice", "tylko@example.org")
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_link_sets_a_new_password_once_and_ends_every_session_and_token() -> None:
    make_user("krasnystaw", "zapominalska", email="zapominalska@example.org")
    session = client("krasnystaw")
    session.post("/konto/logowanie/", {"username": "zapominalska", "password": PASSWORD})
    assert logged_in(session)
    token = client("krasnystaw").post(
        "/api/auth/token/",
        {"username": "zapominalska", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 200
    _request_reset("krasnystaw", "zapominalska@example.org")
    link = _link("krasnystaw")
    web = client("krasnystaw")
    form = web.get(link, follow=True)
    assert form.status_code == 200 and "Nowe hasło" in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]
    response = web.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/konto/haslo/reset/gotowe/"
    assert not logged_in(web)  # a reset does not log in
    assert not logged_in(session)
    with schema_context("krasnystaw"):
        assert not ApiToken.objects.filter(user__username="zapominalska").exists()
    again = client("krasnystaw").get(link, follow=True)
    assert "Ten odnośnik jest nieważny" in again.content.decode()
    fresh = client("krasnystaw")
    fresh.post("/konto/logowanie/", {"username": "zapominalska", "password": NEW_PASSWORD})
    assert logged_in(fresh)


def test_a_link_from_one_centre_is_worthless_at_another() -> None:
    make_user("piaseczno", "link.piaseczno", email="link@example.org")
    make_user("debica", "link.debica", email="link@example.org")
    _request_reset("piaseczno", "link@example.org")
    link = _link("piaseczno")
    response = client("debica").get(link, follow=True)
    assert "Ten odnośnik jest nieważny" in response.content.decode()


def test_the_portal_sends_portal_links() -> None:
    make_user(None, "koordynatorka", Role.REGIONAL_COORDINATOR, email="koord@example.org")
    _request_reset(None, "koord@example.org")
    assert _link(None).startswith("/konto/haslo/reset/")


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_a_reset_does_not_skip_the_second_factor() -> None:
    make_user("myslenice", "z.aplikacja", Role.MANAGER, email="z.aplikacja@example.org")
    secret = give_device("myslenice", "z.aplikacja")
    _request_reset("myslenice", "z.aplikacja@example.org")
    web = client("myslenice")
    form = web.get(_link("myslenice"), follow=True)
    web.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = web.post("/konto/logowanie/", {"username": "z.aplikacja", "password": NEW_PASSWORD})
    assert response["Location"] == "/konto/logowanie/kod/"
    assert not logged_in(web)
    web.post("/konto/logowanie/kod/", {"code": code(secret)})
    assert logged_in(web)


def test_demo_accounts_get_no_link_outside_demo_mode() -> None:
    with schema_context("myslenice"):
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(username="kierownik").update(email="demo@example.org")
    with override_settings(DEMO_MODE=False):
        _request_reset("myslenice", "demo@example.org")
    assert mail.outbox == []
    clear_all()  # the request above counted against the address's reset rate
    _request_reset("myslenice", "demo@example.org")
    assert len(mail.outbox) == 1


def test_repeated_requests_send_one_e_mail_and_answer_the_same() -> None:
    make_user("myslenice", "zasypywana", email="zasypywana@example.org")
    answers = [_request_reset("myslenice", "zasypywana@example.org") for _ in range(3)]
    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {"/konto/haslo/reset/wyslano/"}
    assert len(mail.outbox) == 1


@override_settings(PASSWORD_RESET_REQUESTS_PER_ADDRESS=2)
def test_one_client_address_cannot_flood_many_mailboxes() -> None:
    for n in range(4):
        make_user("myslenice", f"skrzynka{n}", email=f"skrzynka{n}@example.org")
        _request_reset("myslenice", f"skrzynka{n}@example.org")
    assert len(mail.outbox) == 2
