"""The client's address behind our reverse proxies (opsplatform.client_address.client_ip): the
audit trail, the log-in lock-out and the password-reset limit all count the client, never the
proxy, and never an address the client wrote itself. tests/security/test_client_address_nginx.py
checks the same through the production nginx.conf in front of gunicorn."""

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings
from django_tenants.utils import schema_context

from casework.models import AuditEntry
from opsplatform.client_address import client_ip
from tenants.demo import DEMO_PASSWORD
from tests.casework.factories import api, new_pesel
from tests.security.accounts_support import client, make_user

PROXY = "10.0.0.1"  # the address nginx connects from
LOCKED = "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 15 min."


def _ip(hops: int, forwarded: str | None, remote: str | None = PROXY) -> str | None:
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    if remote is not None:
        request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXY_HOPS=hops):
        return client_ip(request)


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        # No proxy configured (development): the header is the client's own word, ignored.
        (0, None, PROXY),
        (0, "198.51.100.7", PROXY),
        # nginx.conf writes the header itself: one entry, the client.
        (1, "203.0.113.9", "203.0.113.9"),
        # What a client prepended stays on the left, where nothing is read.
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7,203.0.113.9", "203.0.113.9"),
        # Two proxies of ours (a load balancer, then nginx appending): the second from the right.
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Fewer entries than proxies: the request did not come through them; REMOTE_ADDR.
        (1, None, PROXY),
        (1, "", PROXY),
        (2, "203.0.113.9", PROXY),
        # Not an address where the client's should be: REMOTE_ADDR, never the text.
        (1, "evil'; DROP TABLE", PROXY),
        (1, "203.0.113.9:4431", PROXY),
        # IPv6, in its canonical form.
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_ip(hops: int, forwarded: str | None, expected: str) -> None:
    assert _ip(hops, forwarded) == expected


def test_no_address_at_all() -> None:
    assert _ip(1, None, remote=None) is None
    assert _ip(0, None, remote="") is None


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1)
def test_the_audit_trail_records_the_client_behind_the_proxy() -> None:
    desk = api("piaseczno", "pierwszy.kontakt")
    person = desk.post(
        "/api/people/",
        {"first_name": "Ewa", "last_name": "Zza-Proxy", "pesel": new_pesel()},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
    ).json()
    with schema_context("piaseczno"):
        entry = AuditEntry.objects.get(person_id=person["id"], action="create")
    assert entry.ip == "203.0.113.9"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=0)
def test_without_a_configured_proxy_a_forged_header_is_not_recorded() -> None:
    desk = api("piaseczno", "pierwszy.kontakt")
    person = desk.post(
        "/api/people/",
        {"first_name": "Ewa", "last_name": "Bez-Proxy", "pesel": new_pesel()},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.44",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    ).json()
    with schema_context("piaseczno"):
        entry = AuditEntry.objects.get(person_id=person["id"], action="create")
    assert entry.ip == "192.0.2.44"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1, LOGIN_IP_FAILURE_LIMIT=8)
def test_one_client_behind_the_proxy_cannot_lock_out_the_others() -> None:
    for number in range(8):
        client("daleszyce").post(
            "/konto/logowanie/",
            {"username": f"nieistniejacy{number}", "password": "zle-haslo-000"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    locked = client("daleszyce").post(
        "/konto/logowanie/",
        {"username": "socjalny", "password": DEMO_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert LOCKED in locked.content.decode()
    # Another client through the same proxy logs in.
    other = client("daleszyce").post(
        "/konto/logowanie/",
        {"username": "socjalny", "password": DEMO_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert other.status_code == 302


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=1, PASSWORD_RESET_REQUESTS_PER_ADDRESS=2)
def test_the_password_reset_limit_is_per_client_behind_the_proxy() -> None:
    for n in range(4):
        make_user("myslenice", f"proxyskrzynka{n}", email=f"proxyskrzynka{n}@example.org")
    for n, address in enumerate(["203.0.113.9"] * 3 + ["203.0.113.10"]):
        client("myslenice").post(
            "/konto/haslo/reset/",
            {"email": f"proxyskrzynka{n}@example.org"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )
    # The first client's third request is over its limit; the second client's first is not.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "proxyskrzynka0@example.org",
        "proxyskrzynka1@example.org",
        "proxyskrzynka3@example.org",
    ]
