"""The case list: a worker's own cases first, the team's and the whole centre's as the role allows,
search by name, PESEL or register number (also while typing, with htmx), pages of 25 at a cost
that does not depend on the page, and the reads recorded in the audit trail."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from casework.models import AuditEntry
from tests.casework.factories import case, household, person
from tests.casework.ui.test_proceedings_forms import SLUG, family_case, url

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def listing(client: Client, **params: str) -> str:
    response = client.get(url("case-list"), params)
    assert response.status_code == 200
    return str(response.content.decode())


def scope_options(html: str) -> list[str]:
    select = re.search(r'<select name="zakres".*?</select>', html, re.S)
    assert select
    return re.findall(r'<option value="(\w+)"', select.group(0))


def selected_scope(html: str) -> str:
    select = re.search(r'<select name="zakres".*?</select>', html, re.S)
    assert select
    found = re.search(r'<option value="(\w+)" selected', select.group(0))
    assert found
    return found.group(1)


@pytest.fixture
def benefits(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "swiadczenia")


def test_benefits_worker_starts_from_own_cases(benefits: Client) -> None:
    mine, _head = family_case("Mojasprawa")
    other = case(SLUG, household(SLUG, person(SLUG, last_name="Niczyja")))
    html = listing(benefits)
    assert selected_scope(html) == "mine"
    assert mine.number in html
    assert other.number not in html
    assert html.count("<h1") == 1
    assert '<caption id="case-table-caption">' in html and 'scope="col"' in html
    # The whole centre is not the benefits worker's to list (casework.visibility): asking for it
    # falls back to the worker's own cases.
    everything = listing(benefits, zakres="all", q="Niczyja")
    assert selected_scope(everything) == "mine" and other.number not in everything


@pytest.mark.parametrize(
    ("username", "options", "default"),
    [
        ("swiadczenia", ["mine", "team"], "mine"),
        ("socjalny", ["mine", "team"], "mine"),
        ("pierwszy.kontakt", ["team"], "team"),
        ("kierownik", ["mine", "all"], "all"),
        ("audytor", ["all"], "all"),
    ],
)
def test_scopes_follow_the_role(
    centre_client: Any, username: str, options: list[str], default: str
) -> None:
    html = listing(centre_client.logged_in(SLUG, username))
    assert scope_options(html) == options
    assert selected_scope(html) == default


def test_team_scope_lists_the_teams_cases(centre_client: Any) -> None:
    ours, _head = family_case("Zespolowa")  # assigned to the benefits team
    social = centre_client.logged_in(SLUG, "socjalny")
    assert ours.number not in listing(social, zakres="team", q="Zespolowa")
    benefits_colleague = centre_client.logged_in(SLUG, "uslugi")  # same team at Daleszyce
    assert ours.number in listing(benefits_colleague, zakres="team", q="Zespolowa")


def test_a_scope_the_role_lacks_falls_back_to_its_default(centre_client: Any) -> None:
    html = listing(centre_client.logged_in(SLUG, "audytor"), zakres="mine")
    assert selected_scope(html) == "all"


def test_search_by_name_pesel_and_number(benefits: Client) -> None:
    found, head = family_case("Szukajewska")
    for query in ("szukajewska", f"{head.first_name} Szukajewska", str(head.pesel)[:8]):
        html = listing(benefits, zakres="all", status="any", q=query)
        assert found.number in html, query
    html = listing(benefits, zakres="all", q=found.number)
    assert "Liczba znalezionych spraw: 1." in html
    html = listing(benefits, zakres="all", q="Szukajewska Nieistniejąca")
    assert found.number not in html
    assert "Nie znaleziono spraw spełniających kryteria." in html


def test_closed_cases_are_behind_the_status_filter(benefits: Client) -> None:
    closed, _head = family_case("Zamknieta")
    benefits.post(
        url("case-close", closed),
        {"close-closed_on": closed.opened_on.isoformat(), "close-reason": "Wyjazd."},
    )
    assert closed.number not in listing(benefits, zakres="all", q="Zamknieta")
    assert closed.number in listing(benefits, zakres="all", q="Zamknieta", status="closed")
    assert closed.number in listing(benefits, zakres="all", q="Zamknieta", status="any")


def test_typing_gets_the_results_alone(benefits: Client) -> None:
    found, _head = family_case("Htmxowa")
    response = benefits.get(url("case-list"), {"q": "Htmxowa", "zakres": "all"}, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert found.number in html
    assert 'hx-swap-oob="innerHTML"' in html and "Liczba znalezionych spraw: 1." in html


def test_pages_of_25_at_a_constant_cost(
    benefits: Client, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    first = listing(benefits, zakres="all", status="any")
    assert "Strona 1 z" in first
    assert first.count("<tr>") == 26  # header and 25 cases
    second = listing(benefits, zakres="all", status="any", strona="2")
    assert "Strona 2 z" in second and "Poprzednia strona" in second
    first_numbers = set(re.findall(r">([A-Z]{3}/\d{4}/\d{5})<", first))
    second_numbers = set(re.findall(r">([A-Z]{3}/\d{4}/\d{5})<", second))
    assert len(first_numbers) == 25 and not first_numbers & second_numbers
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    family_case("Jedynaczka")
    with CaptureQueriesContext(connection) as one_case:
        assert "Liczba znalezionych spraw: 1." in listing(benefits, zakres="all", q="Jedynaczka")
    with django_assert_max_num_queries(len(one_case.captured_queries)):
        listing(benefits, zakres="all", status="any", strona="3")


def test_listed_cases_are_recorded_as_read(benefits: Client) -> None:
    found, _head = family_case("Odczytana")
    listing(benefits, zakres="all", q="Odczytana")
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            action="read", object_id=str(found.public_id), actor_username="swiadczenia"
        ).exists()


def test_only_staff_see_the_list(centre_client: Any) -> None:
    response = centre_client(SLUG).get(url("case-list"))
    assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]
