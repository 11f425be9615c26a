"""A malformed month is refused in the language of whoever asked: the page in the language the
user chose (Polish unless English was chosen), the API always in Polish (its documented promise,
whatever cookie a browser session carries)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.benchmarking.conftest import api_client
from tests.conftest import CentreClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

PAGE = "/wskazniki/?metric=intakes&from=2024-13&to=2024-06"
POLISH = "Podaj miesiąc w postaci RRRR-MM, np. 2024-03."
ENGLISH = "Give the month as YYYY-MM, e.g. 2024-03."


def _from_field(html: str) -> str:
    found = re.search(r'id="field-from">(.*?)</div>', html, re.S)
    assert found, "no field 'from' on the page"
    return found.group(1)


def test_the_page_refuses_a_bad_month_in_polish_by_default(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("myslenice", "socjalny")
    field = _from_field(client.get(PAGE).content.decode())
    assert POLISH in field and ENGLISH not in field


def test_the_page_refuses_a_bad_month_in_english_when_english_was_chosen(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in("myslenice", "socjalny")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(PAGE)
    assert response["Content-Language"] == "en"
    field = _from_field(response.content.decode())
    assert ENGLISH in field and POLISH not in field


def test_the_api_refuses_a_bad_month_in_polish_whatever_the_cookie() -> None:
    client = api_client("myslenice", "socjalny")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/benchmarks/series/?metric=intakes&from=2024-13")
    assert response.status_code == 400
    assert response.json()["fields"]["from"] == [POLISH]
