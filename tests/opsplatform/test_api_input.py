"""What every request may carry, checked once for every endpoint and page: no NUL character in a
query parameter or a form field (400 naming it, never a server error); the API answers in Polish
whatever the language cookie says, in JSON even for an unknown address with DEBUG on; a PESEL is a
JSON string, never a number; ``page`` is a positive whole number."""

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.casework.factories import api
from tests.conftest import CentreClientFactory, host

pytestmark = pytest.mark.django_db

SLUG = "krasnystaw"
NUL = "\x00"


def refused(response: Any, field: str, status: int = 400) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "fields"}, body
    assert field in body["fields"] and body["fields"][field][0], body
    return body


def query_parameters(client: Client) -> list[tuple[str, str]]:
    """(path, parameter) of every GET operation of the centre's OpenAPI schema that addresses no
    record (no ``{id}`` in its path), with each query parameter it documents."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if "{" in path or get is None:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] != "format":
                found.append((path, parameter["name"]))
    return found


def test_nul_in_any_query_parameter_of_any_list_is_a_400_naming_it() -> None:
    client = api(SLUG, "kierownik")
    parameters = query_parameters(client)
    named = {name for _path, name in parameters}
    # The ones that used to answer 500, among everything the schema documents.
    assert {"q", "team", "outcome", "status", "page"} <= named, named
    wrong = {}
    for path, name in parameters:
        response = client.get(path, {name: NUL})
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        if response.status_code != 400 or name not in body.get("fields", {}):
            wrong[f"{path}?{name}"] = (response.status_code, body)
    assert not wrong, wrong


@pytest.mark.parametrize(
    "url", ["/api/people/?q=%00", "/api/households/?q=a%00b", "/api/cases/?team=%00"]
)
def test_nul_named_in_the_api_error(url: str) -> None:
    body = refused(api(SLUG, "kierownik").get(url), url.split("?")[1].split("=")[0])
    assert "NUL" in body["fields"][url.split("?")[1].split("=")[0]][0]


@pytest.mark.parametrize("url", ["/pierwszy-kontakt/?q=%00", "/sprawy/?q=%00", "/sprawy/?x%00=1"])
def test_nul_in_a_page_query_is_a_400_page_naming_it(
    centre_client: CentreClientFactory, url: str
) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nieprawidłowe zapytanie" in page
    assert (url.split("?")[1].split("=")[0].replace("%00", "\\0")) in page


def test_nul_in_a_form_field_is_a_400_naming_it(
    centre_client: CentreClientFactory,
) -> None:
    client = centre_client.logged_in(SLUG, "pierwszy.kontakt")
    response = client.post("/pierwszy-kontakt/", {"first_name": "Ja\x00n", "last_name": "X"})
    assert response.status_code == 400
    assert "first_name" in response.content.decode()


def test_nul_page_in_english_when_english_is_chosen(centre_client: CentreClientFactory) -> None:
    client = centre_client.logged_in(SLUG, "kierownik")
    client.cookies["ops_language"] = "en"
    assert "Bad request" in client.get("/sprawy/?q=%00").content.decode()


# --- Polish, JSON ------------------------------------------------------------------------------


@pytest.fixture
def english_browser() -> Client:
    """An API client whose browser chose English for the pages."""
    client = api(SLUG, "kierownik")
    client.cookies["ops_language"] = "en"
    return client


def test_the_api_answers_in_polish_whatever_the_language_cookie(english_browser: Client) -> None:
    response = english_browser.get("/api/interviews/", {"pending": "maybe"})
    body = refused(response, "pending")
    assert response["Content-Language"] == "pl"
    assert body["fields"]["pending"] == ["Wymagana jest wartość logiczna (true albo false)."]

    body = refused(english_browser.post("/api/people/", {}, content_type="application/json"),
                   "first_name")  # fmt: skip
    assert body["fields"]["first_name"] == ["To pole jest wymagane."]

    body = refused(
        english_browser.post("/api/people/", "null", content_type="application/json"),
        "non_field_errors",
    )
    assert body["fields"]["non_field_errors"][0].startswith("Nie przesłano danych")

    body = refused(english_browser.get("/api/cases/", {"worker": "abc"}), "worker")
    assert "UUID" in body["fields"]["worker"][0] and "valid" not in body["fields"]["worker"][0]


def test_the_pages_still_follow_the_language_cookie(centre_client: CentreClientFactory) -> None:
    client = centre_client(SLUG)
    client.cookies["ops_language"] = "en"
    assert client.get("/konto/logowanie/")["Content-Language"] == "en"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "url", ["/api/no-such-endpoint/", "/api/people/not-a-uuid/", "/api/benchmarks/nothing/"]
)
def test_unknown_api_address_is_json_404_even_with_debug(debug: bool, url: str) -> None:
    with override_settings(DEBUG=debug):
        response = api(SLUG, "kierownik").get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert response.json() == {"code": "not_found", "message": "Nie znaleziono.", "fields": {}}


def test_unknown_page_stays_an_html_page() -> None:
    response = Client(HTTP_HOST=host(SLUG)).get("/nie-ma-takiej-strony/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- PESEL, page -------------------------------------------------------------------------------


def test_a_pesel_sent_as_a_number_is_refused_not_stripped_of_its_zero() -> None:
    client = api(SLUG, "pierwszy.kontakt")
    response = client.post(
        "/api/people/",
        {"first_name": "Zofia", "last_name": "Zerowa", "pesel": 2270803628},
        content_type="application/json",
    )
    body = refused(response, "pesel")
    assert "tekst" in body["fields"]["pesel"][0]
    assert client.get("/api/people/", {"q": "Zerowa"}).json()["count"] == 0


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", NUL])
def test_a_page_that_is_not_a_positive_number_is_a_400_naming_it(page: str) -> None:
    refused(api(SLUG, "kierownik").get("/api/people/", {"page": page}), "page")


def test_page_size_that_is_not_a_positive_number_is_a_400_naming_it() -> None:
    refused(api(SLUG, "kierownik").get("/api/people/", {"page_size": "zero"}), "page_size")


def test_a_page_past_the_end_is_a_json_404_and_the_first_pages_work() -> None:
    client = api(SLUG, "kierownik")
    assert client.get("/api/people/", {"page": "1", "page_size": "2"}).status_code == 200
    assert client.get("/api/people/", {"page": "last"}).status_code == 200
    refused_404 = client.get("/api/people/", {"page": "999999"})
    assert refused_404.status_code == 404
    assert refused_404.json()["code"] == "not_found"
