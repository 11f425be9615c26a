"""The gate's reasons for withholding a figure are Polish texts marked for translation: Polish by
default, English where the reader chose English (the pages), and always Polish on the API (its
documented promise, whatever cookie a browser session carries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from benchmarking.definitions import DisclosureClass
from benchmarking.disclosure import (
    Audience,
    DisclosureSettings,
    Subject,
    centre_rule,
    release_value,
    scope_refusal,
)
from tests.benchmarking.conftest import api_client

GATE = DisclosureSettings()


def _reason(disclosure: DisclosureClass, *, n: int = 3, subject: Subject = Subject.CLIENTS,
            shares: tuple[float, ...] = ()) -> str:  # fmt: skip
    released = release_value(
        disclosure=disclosure, subject=subject, value=Decimal(3), numerator=Decimal(3),
        denominator=Decimal(n), n=n, top_shares=shares, audience=Audience.MINISTRY,
        settings=GATE,
    )  # fmt: skip
    return released.reason


def _reasons() -> list[str]:
    return [
        _reason(DisclosureClass.COUNT),
        _reason(DisclosureClass.RATE),
        _reason(DisclosureClass.RATE, n=40),
        _reason(DisclosureClass.MEDIAN),
        _reason(DisclosureClass.MAGNITUDE),
        _reason(DisclosureClass.MAGNITUDE, n=40, subject=Subject.STAFF, shares=(0.6, 0.35)),
        _reason(DisclosureClass.MAGNITUDE, n=40, shares=(0.6, 0.35)),
        centre_rule([5, 7], GATE),
        centre_rule([1000, 900, 1], GATE),
        scope_refusal(1, GATE),
        scope_refusal(2, GATE),
    ]


POLISH = [
    "Liczba jest mniejsza niż 10.",
    "Wskaźnik policzono z mniej niż 10 przypadków.",
    "Licznik wskaźnika jest mniejszy niż 10.",
    "Medianę policzono z mniej niż 10 przypadków.",
    "Suma dotyczy mniej niż 10 osób lub gospodarstw.",
    "Ponad 90% tej sumy przypada na dwóch pracowników.",
    "Ponad 90% tej sumy przypada na dwie osoby lub dwa gospodarstwa.",
    "Wartość opiera się na danych mniej niż 3 ośrodków.",
    "Jeden lub dwa ośrodki wnoszą niemal całą tę wartość.",
    "W tym zakresie są dane tylko 1 ośrodka,",
    "W tym zakresie są dane tylko 2 ośrodków,",
]
ENGLISH = [
    "The count is below 10.",
    "The indicator was computed from fewer than 10 cases.",
    "The indicator's numerator is below 10.",
    "The median was computed from fewer than 10 cases.",
    "The sum covers fewer than 10 persons or households.",
    "Over 90% of this sum comes from two staff members.",
    "Over 90% of this sum comes from two persons or two households.",
    "The value rests on data of fewer than 3 centres.",
    "One or two centres make up almost all of this value.",
    "This scope holds data of only 1 centre,",
    "This scope holds data of only 2 centres,",
]


def test_every_refusal_reason_is_polish_by_default() -> None:
    for reason, polish in zip(_reasons(), POLISH, strict=True):
        assert reason.startswith(polish), (reason, polish)


def test_every_refusal_reason_is_english_when_english_is_asked_for() -> None:
    with translation.override("en"):
        reasons = _reasons()
    for reason, english in zip(reasons, ENGLISH, strict=True):
        assert reason.startswith(english), (reason, english)


def test_a_hidden_value_says_why_in_the_active_language() -> None:
    hidden = release_value(
        disclosure=DisclosureClass.COUNT, subject=Subject.CLIENTS, value=Decimal(3),
        numerator=Decimal(3), denominator=None, n=3, top_shares=(), audience=Audience.MINISTRY,
        settings=GATE,
    )  # fmt: skip
    assert str(hidden.as_json()["reason"]).startswith("Wartość ukryta (x)")
    with translation.override("en"):
        assert str(hidden.as_json()["reason"]).startswith("Value hidden (x)")


# --- Through the page and the API (the demo: one centre per voivodeship) -------------------------

PAGE = "/porownanie/?metric=intakes&from=2024-01&to=2024-06&scope={scope}"
SCOPE_POLISH = "W tym zakresie są dane tylko 1 ośrodka"
SCOPE_ENGLISH = "This scope holds data of only 1 centre"


@pytest.fixture
def one_centre_scope(benchmark_data: Any) -> str:
    from tenants.models import Centre

    return str(Centre.objects.order_by("slug").values_list("voivodeship", flat=True)[0])


@pytest.mark.django_db
def test_the_page_refuses_a_one_centre_scope_in_polish_by_default(
    one_centre_scope: str, centre_client: Any
) -> None:
    page = centre_client.logged_in(None, "analityk")
    html = page.get(PAGE.format(scope=one_centre_scope)).content.decode()
    assert SCOPE_POLISH in html and SCOPE_ENGLISH not in html


@pytest.mark.django_db
def test_the_page_refuses_a_one_centre_scope_in_english_when_english_was_chosen(
    one_centre_scope: str, centre_client: Any
) -> None:
    page = centre_client.logged_in(None, "analityk")
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = page.get(PAGE.format(scope=one_centre_scope))
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert SCOPE_ENGLISH in html and SCOPE_POLISH not in html


@pytest.mark.django_db
def test_the_api_refuses_a_one_centre_scope_in_polish_whatever_the_cookie(
    one_centre_scope: str,
) -> None:
    client = api_client(None, "analityk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        f"/api/benchmarks/aggregates/?metric=intakes&from=2024-01&to=2024-06"
        f"&scope={one_centre_scope}"
    )
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["scope"][0].startswith(SCOPE_POLISH)


def test_a_cohort_total_refused_for_one_dominant_centre_says_so_in_the_readers_language() -> None:
    from benchmarking.cohort_figures import _contribution_refusal

    with translation.override("pl"):
        assert _contribution_refusal(0.857) == (
            "Wartość łączna grupy nie jest pokazywana: jeden ośrodek wnosi ponad 85% jej podstawy."
        )
    with translation.override("en"):
        assert _contribution_refusal(0.857) == (
            "The group's total value is not shown: one centre contributes over 85% of its base."
        )
