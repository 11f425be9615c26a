"""Isolation that fails closed, attacked through every endpoint the URL configurations declare.

The endpoints are enumerated from the centre and portal URL configurations at test time, so a new
endpoint is attacked without anyone adding it here. Each is tried with credentials that belong
somewhere else: a token and a session of centre A on centre B's host, a portal account's token on a
centre host, a centre account's token on the portal. Every attempt must be refused (401, 403, 404,
405 or a redirect to the log-in page) and never answer with data. The few endpoints that are open
without logging in are named below; an endpoint missing from that list is attacked like the rest.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tenants.demo import DEMO_PASSWORD
from tests.conftest import CentreClientFactory

ATTACKER_CENTRE = "myslenice"
VICTIM_CENTRE = "daleszyce"
# Open on purpose: log-in, health, language switch, the API's log-in and its public schema/docs.
OPEN_ENDPOINTS = {
    "konto/logowanie/",
    "konto/wyloguj/",
    "konto/logowanie/kod/",  # second log-in step: only a pending log-in of this session's own
    "konto/aplikacja/<str:token>/",  # app set-up: needs an unused, unexpired link of this schema
    "konto/haslo/reset/",  # password reset request: same answer for every address
    "konto/haslo/reset/wyslano/",  # static "check your e-mail" page
    "konto/haslo/reset/<uidb64>/<token>/",  # reset link: needs a valid token of this schema
    "konto/haslo/reset/gotowe/",  # static "password changed" page
    "readyz",  # details only for a bearer token or loopback (the test client's 127.0.0.1)
    "metrics",  # Prometheus: likewise a bearer token or loopback only (never through nginx)
    "i18n/setlang/",
    "api/auth/token/",
    "api/auth/logout/",
    "api/schema/",
    "api/docs/",
}
REFUSED = {401, 403, 404, 405}


@dataclass(frozen=True)
class Endpoint:
    route: str  # with sample values in place of the converters
    pattern: str


def _sample(converter: str) -> str:
    return {
        "uuid": str(uuid.uuid4()),
        "int": "1",
        "slug": VICTIM_CENTRE,
        "path": "x",
    }.get(converter, "x")


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route


def endpoints(urlconf: str) -> list[Endpoint]:
    found = []
    for pattern in sorted(set(_walk(get_resolver(urlconf).url_patterns))):
        if pattern.startswith("^") or "(?P" in pattern:
            continue  # regex routes (none today) would need their own samples
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _sample(m.group(1) or "str"), pattern)
        found.append(Endpoint(route=route, pattern=pattern))
    return found


CENTRE_ENDPOINTS = endpoints("opsplatform.urls_tenant")
PORTAL_ENDPOINTS = endpoints("opsplatform.urls_public")


def _token(slug: str | None, username: str) -> str:
    host = f"{slug}.localhost" if slug else "localhost"
    response = Client(HTTP_HOST=host).post(
        "/api/auth/token/",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _refused(response: HttpResponseBase, endpoint: Endpoint) -> None:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        assert "/konto/logowanie/" in location, f"{endpoint.pattern} redirected to {location}"
        return
    assert status in REFUSED, f"{endpoint.pattern} answered {status} to a foreign credential"


def _attackable(endpoint: Endpoint) -> bool:
    return endpoint.pattern not in OPEN_ENDPOINTS and not endpoint.pattern.startswith("static/")


def test_the_enumeration_finds_the_endpoints() -> None:
    centre = {e.pattern for e in CENTRE_ENDPOINTS}
    portal = {e.pattern for e in PORTAL_ENDPOINTS}
    assert "api/cases/<uuid:case_id>/" in centre and "sprawy/<uuid:case_id>/" in centre
    assert "api/exports/" in portal and "eksporty/" in portal
    assert len(centre) > 60 and len(portal) > 10


@pytest.mark.parametrize(
    "endpoint", [e for e in CENTRE_ENDPOINTS if _attackable(e)], ids=lambda e: e.pattern
)
def test_a_token_of_another_centre_is_refused(endpoint: Endpoint, db: None) -> None:
    client = Client(
        HTTP_HOST=f"{VICTIM_CENTRE}.localhost",
        HTTP_AUTHORIZATION=f"Token {_token(ATTACKER_CENTRE, 'kierownik')}",
    )
    for method in (client.get, client.post):
        _refused(method(f"/{endpoint.route}"), endpoint)


@pytest.mark.parametrize(
    "endpoint", [e for e in CENTRE_ENDPOINTS if _attackable(e)], ids=lambda e: e.pattern
)
def test_a_session_of_another_centre_is_refused(
    endpoint: Endpoint, db: None, centre_client: CentreClientFactory
) -> None:
    attacker = centre_client.logged_in(ATTACKER_CENTRE, "kierownik")
    victim = Client(HTTP_HOST=f"{VICTIM_CENTRE}.localhost")
    for name, morsel in attacker.cookies.items():
        victim.cookies[name] = morsel.value
    _refused(victim.get(f"/{endpoint.route}"), endpoint)


@pytest.mark.parametrize(
    "endpoint", [e for e in CENTRE_ENDPOINTS if _attackable(e)], ids=lambda e: e.pattern
)
def test_a_portal_token_is_refused_on_a_centre_host(endpoint: Endpoint, db: None) -> None:
    client = Client(
        HTTP_HOST=f"{VICTIM_CENTRE}.localhost",
        HTTP_AUTHORIZATION=f"Token {_token(None, 'koordynator.swietokrzyskie')}",
    )
    _refused(client.get(f"/{endpoint.route}"), endpoint)


@pytest.mark.parametrize(
    "endpoint", [e for e in PORTAL_ENDPOINTS if _attackable(e)], ids=lambda e: e.pattern
)
def test_a_centre_token_is_refused_on_the_portal(endpoint: Endpoint, db: None) -> None:
    client = Client(
        HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {_token(VICTIM_CENTRE, 'kierownik')}"
    )
    for method in (client.get, client.post):
        _refused(method(f"/{endpoint.route}"), endpoint)


@pytest.mark.parametrize(
    "endpoint", [e for e in PORTAL_ENDPOINTS if _attackable(e)], ids=lambda e: e.pattern
)
def test_a_centre_session_is_refused_on_the_portal(
    endpoint: Endpoint, db: None, centre_client: CentreClientFactory
) -> None:
    attacker = centre_client.logged_in(VICTIM_CENTRE, "kierownik")
    portal = Client(HTTP_HOST="localhost")
    for name, morsel in attacker.cookies.items():
        portal.cookies[name] = morsel.value
    _refused(portal.get(f"/{endpoint.route}"), endpoint)


# Which record each URL parameter names, to fetch real ids of the victim centre.
RECORD_OF_PARAMETER = {
    "appeal_id": "Appeal",
    "application_id": "Application",
    "case_id": "Case",
    "contract_id": "SocialContract",
    "decision_id": "Decision",
    "household_id": "Household",
    "intake_id": "Intake",
    "interview_id": "FamilyInterview",
    "member_id": "HouseholdMember",
    "participation_id": "ProjectParticipation",
    "person_id": "Person",
    "plan_id": "ServicePlan",
    "programme_id": "IndividualProgramme",
    "project_id": "CommunityProject",
    "review_id": "ContractReview",
}


def _victim_ids() -> dict[str, str]:
    from django_tenants.utils import schema_context

    from casework import models as cw

    ids = {}
    with schema_context(VICTIM_CENTRE):
        for parameter, model_name in RECORD_OF_PARAMETER.items():
            record = getattr(cw, model_name).objects.order_by("-id").first()
            if record is not None:
                ids[parameter] = str(record.public_id)
    return ids


CENTRE_RECORD_ENDPOINTS = [
    e
    for e in CENTRE_ENDPOINTS
    if set(re.findall(r"<uuid:(\w+)>", e.pattern)) & set(RECORD_OF_PARAMETER)
]


@pytest.mark.parametrize("endpoint", CENTRE_RECORD_ENDPOINTS, ids=lambda e: e.pattern)
def test_ids_of_another_centre_s_records_find_nothing(
    endpoint: Endpoint, db: None, centre_client: CentreClientFactory
) -> None:
    """A manager of centre A, on A's host, asking for B's records by their real ids."""
    foreign = _victim_ids()
    route = re.sub(
        r"<uuid:(\w+)>",
        lambda m: foreign.get(m.group(1), str(uuid.uuid4())),
        endpoint.pattern,
    )
    page_client = centre_client.logged_in(ATTACKER_CENTRE, "kierownik")
    api_client = Client(
        HTTP_HOST=f"{ATTACKER_CENTRE}.localhost",
        HTTP_AUTHORIZATION=f"Token {_token(ATTACKER_CENTRE, 'kierownik')}",
    )
    for client in (page_client, api_client):
        for method in (client.get, client.post):
            response = method(f"/{route}")
            if response.status_code == 400:
                # A payload refused before any lookup must not echo the foreign record.
                assert foreign.get("case_id", "-") not in response.content.decode()
                continue
            # (A token on a page URL is not a session: it is sent to the log-in page.)
            _refused(response, endpoint)
