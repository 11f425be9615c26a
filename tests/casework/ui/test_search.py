"""The header's search: from any page, a case by its number straight to its file, a
person by PESEL or name with their case; only what the user may see, and the lists recorded as
read."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from casework.models import AuditEntry
from tests.casework.factories import case, household, open_to, person

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"


def test_the_header_has_the_search_on_every_staff_page(centre_client: Any) -> None:
    html = centre_client.logged_in(SLUG, "socjalny").get("/sprawy/").content.decode()
    assert 'action="/szukaj/"' in html and 'role="search"' in html
    login_page = centre_client(SLUG).get("/konto/logowanie/").content.decode()
    assert 'action="/szukaj/"' not in login_page


def test_a_case_number_goes_straight_to_the_case_file(centre_client: Any) -> None:
    head = person(SLUG, last_name="Numerowa")
    opened = open_to(SLUG, case(SLUG, household(SLUG, head)), "socjalny")
    client = centre_client.logged_in(SLUG, "socjalny")
    response = client.get("/szukaj/", {"q": opened.number})
    assert response.status_code == 302
    assert response["Location"] == f"/sprawy/{opened.public_id}/"


def test_a_pesel_finds_the_person_and_their_case_and_the_reads_are_recorded(
    centre_client: Any,
) -> None:
    head = person(SLUG, last_name="Peselowa")
    opened = open_to(SLUG, case(SLUG, household(SLUG, head)), "socjalny")
    client = centre_client.logged_in(SLUG, "socjalny")
    html = client.get("/szukaj/", {"q": head.pesel}).content.decode()
    assert f"Sprawa {opened.number}" in html
    assert f"{head.first_name} {head.last_name}" in html
    assert f'href="/sprawy/{opened.public_id}/"' in html
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            actor_username="socjalny", action="read", object_id=str(head.public_id)
        ).exists()


def test_the_search_shows_only_what_the_user_may_see(centre_client: Any) -> None:
    """A household outside the social worker's cases and team: neither its case nor its
    person is listed (the manager finds both)."""
    head = person(SLUG, last_name="Niewidoczna")
    hidden = case(SLUG, household(SLUG, head))
    worker = centre_client.logged_in(SLUG, "socjalny")
    html = worker.get("/szukaj/", {"q": head.pesel}).content.decode()
    assert hidden.number not in html and "Niewidoczna" not in html
    assert worker.get("/szukaj/", {"q": hidden.number}).status_code == 200  # no redirect
    manager = centre_client.logged_in(SLUG, "kierownik")
    assert manager.get("/szukaj/", {"q": hidden.number}).status_code == 302
    assert "Niewidoczna" in manager.get("/szukaj/", {"q": head.pesel}).content.decode()


def test_a_short_query_asks_for_more(centre_client: Any) -> None:
    html = centre_client.logged_in(SLUG, "socjalny").get("/szukaj/", {"q": "a"}).content.decode()
    assert "Wpisz co najmniej 2 znaki." in html
