"""Through the real proxy: deploy/production/nginx.conf (Debian's nginx) in front of gunicorn, with
the production kit's OPS_TRUSTED_PROXY_HOPS. Requests come from different loopback addresses, some
with a forged X-Forwarded-For; the audit trail, the lock-out counters and the password-reset limit
must name the real client, never nginx (127.0.0.1) and never the forged value.

gunicorn serves the test database with the test settings (demo accounts, no second factor), so
what it writes is committed: the audit entries stay (the table is append-only), the Redis counters
are cleared after the test like every other lock-out test's."""

import json
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context
from pytest_django import DjangoDbBlocker

from casework.models import AuditEntry
from tenants.demo import DEMO_PASSWORD
from tests import workers
from tests.security.nginx_support import (
    Proxy,
    gunicorn,
    nginx_and_openssl,
    nginx_in_front_of,
    production_env_value,
)

pytestmark = pytest.mark.django_db

SLUG = "myslenice"
HOST = f"{SLUG}.{settings.BASE_DOMAIN}"
FORGED = "198.51.100.66"
NGINX_ADDRESS = "127.0.0.1"


@pytest.fixture(scope="module")
def proxy(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Proxy]:
    found = nginx_and_openssl()
    if isinstance(found, str):
        pytest.skip(found)
    with django_db_blocker.unblock():
        database_url = workers.test_database_url()
    hops = production_env_value("OPS_TRUSTED_PROXY_HOPS")
    with (
        gunicorn(database_url, {"OPS_TRUSTED_PROXY_HOPS": hops}) as web_port,
        nginx_in_front_of(web_port) as running,
    ):
        yield running


def _json(
    proxy: Proxy,
    method: str,
    path: str,
    source: str,
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    status, _, content = proxy.request(
        method,
        path,
        host=HOST,
        source=source,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body).encode() if body is not None else None,
    )
    return status, json.loads(content) if content else {}


def _token(
    proxy: Proxy, username: str, password: str, source: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    return _json(
        proxy,
        "POST",
        "/api/auth/token/",
        source,
        headers=headers,
        body={"username": username, "password": password},
    )


def test_the_audit_trail_records_the_client_not_nginx_nor_a_forged_header(proxy: Proxy) -> None:
    for source, forged in [("127.0.0.2", FORGED), ("127.0.0.3", None)]:
        extra = {"X-Forwarded-For": forged} if forged else {}
        status, body = _token(proxy, "kierownik", DEMO_PASSWORD, source, extra)
        assert status == 200, body
        status, page = _json(
            proxy,
            "GET",
            "/api/people/?page_size=1",
            source,
            headers={"Authorization": f"Token {body['token']}", **extra},
        )
        assert status == 200, page
        (person,) = page["results"]
        with schema_context(SLUG):
            latest = AuditEntry.objects.filter(
                person_id=person["id"], action="read", actor_username="kierownik"
            ).latest("seq")
        assert latest.ip == source


def test_failed_log_ins_lock_the_client_address_not_everyone_behind_nginx(proxy: Proxy) -> None:
    limit = settings.LOGIN_IP_FAILURE_LIMIT
    for number in range(limit):
        status, body = _token(
            proxy,
            f"nieistniejacy{number}",
            "zle-haslo-000",
            "127.0.0.2",
            {"X-Forwarded-For": FORGED},
        )
        assert status in {400, 429}, body
    # The attacking client is locked out, even with a right password...
    status, body = _token(proxy, "socjalny", DEMO_PASSWORD, "127.0.0.2")
    assert status == 429, body
    # ...another client of the same centre, behind the same nginx, is not.
    status, body = _token(proxy, "socjalny", DEMO_PASSWORD, "127.0.0.3")
    assert status == 200, body
    with schema_context(SLUG):
        assert cache.get("accounts:login-lock:ip:127.0.0.2") is not None
        for address in (NGINX_ADDRESS, FORGED, "127.0.0.3"):
            assert cache.get(f"accounts:login-lock:ip:{address}") is None
            assert cache.get(f"accounts:login-failures:ip:{address}") is None


def test_the_password_reset_limit_counts_the_client(proxy: Proxy) -> None:
    for source in ("127.0.0.2", "127.0.0.2", "127.0.0.3"):
        status, headers, content = proxy.request(
            "GET", "/konto/haslo/reset/", host=HOST, source=source
        )
        assert status == 200
        cookie = SimpleCookie(headers["Set-Cookie"])["csrftoken"].value
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert match
        status, headers, _ = proxy.request(
            "POST",
            "/konto/haslo/reset/",
            host=HOST,
            source=source,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Referer": f"https://{HOST}/konto/haslo/reset/",
                "X-Forwarded-For": FORGED,
            },
            body=f"email=nikt%40example.org&csrfmiddlewaretoken={match.group(1).decode()}".encode(),
        )
        assert status == 302 and headers["Location"] == "/konto/haslo/reset/wyslano/"
    with schema_context(SLUG):
        assert cache.get("accounts:reset-ip:127.0.0.2") == 2
        assert cache.get("accounts:reset-ip:127.0.0.3") == 1
        assert cache.get(f"accounts:reset-ip:{NGINX_ADDRESS}") is None
        assert cache.get(f"accounts:reset-ip:{FORGED}") is None


def test_the_production_kit_trusts_exactly_nginx() -> None:
    # nginx.conf writes X-Forwarded-For itself (one entry): one hop, no more.
    assert production_env_value("OPS_TRUSTED_PROXY_HOPS") == "1"
