"""A body over the size limit, or with too many fields, answers 413 with a Polish message before
any view runs (JSON in the API's error format under /api/, a page elsewhere) and saves nothing,
whatever its encoding (JSON, a form, multipart) and whether or not the user is logged in."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import schema_context

from casework.models import Intake, Person
from tests.casework.factories import api, person
from tests.conftest import host

pytestmark = pytest.mark.django_db
SLUG = "myslenice"
TEN_MEGABYTES = "a" * 10 * 1024 * 1024
MANY_FIELDS = {f"pole{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}


def _counts() -> tuple[int, int]:
    with schema_context(SLUG):
        return Person.objects.count(), Intake.objects.count()


def _person(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Anna",
        "last_name": "Duża",
        "pesel": "",
        "document_type": "passport",
        "document_number": "XX1",
        "date_of_birth": "1990-01-01",
        "sex": "F",
    } | changes


def assert_api_413(response: Any) -> None:
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "request_too_large" and body["fields"] == {}
    assert "za duże" in body["message"] and "nic nie zostało zapisane" in body["message"]


def assert_page_413(response: Any) -> None:
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Przesłane dane są za duże" in html and "nic nie zostało zapisane" in html


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda data: (json.dumps(data), "application/json"), id="json"),
        pytest.param(lambda data: (urlencode(data), FORM), id="form"),
        pytest.param(lambda data: (data, MULTIPART_CONTENT), id="multipart"),
    ],
)
def test_a_ten_megabyte_field_on_the_api_is_413_json_and_saves_nothing(encode: Any) -> None:
    before = _counts()
    body, content_type = encode(_person(first_name=TEN_MEGABYTES))
    response = api(SLUG, "kierownik").post("/api/people/", body, content_type=content_type)
    assert_api_413(response)
    assert _counts() == before


def test_a_ten_megabyte_patch_is_413_and_changes_nothing() -> None:
    existing = person(SLUG, last_name="Niezmieniona")
    client = api(SLUG, "kierownik")
    for body, content_type in (
        (json.dumps({"last_name": TEN_MEGABYTES}), "application/json"),
        # a multipart PATCH is parsed by the API itself, not ahead of it: the same answer
        (encode_multipart(BOUNDARY, {"last_name": TEN_MEGABYTES}), MULTIPART_CONTENT),
    ):
        response = client.patch(f"/api/people/{existing.public_id}/", body, content_type)
        assert_api_413(response)
    with schema_context(SLUG):
        assert Person.objects.get(pk=existing.pk).last_name == "Niezmieniona"


def test_too_many_fields_on_the_api_is_413() -> None:
    before = _counts()
    client = api(SLUG, "kierownik")
    body = urlencode(_person() | MANY_FIELDS)
    response = client.post("/api/people/", body, FORM)
    assert_api_413(response)
    assert_api_413(client.post("/api/people/", _person() | MANY_FIELDS))  # multipart
    assert _counts() == before


def test_the_api_answers_413_before_authentication() -> None:
    response = Client(HTTP_HOST=host(SLUG)).post(
        "/api/auth/token/", {"username": TEN_MEGABYTES}, content_type="application/json"
    )
    assert_api_413(response)


def test_a_ten_megabyte_field_on_a_page_is_a_polish_413_page(centre_client: Any) -> None:
    before = _counts()
    clerk = centre_client.logged_in("daleszyce", "pierwszy.kontakt")
    visit = {"channel": "visit", "reporter_kind": "self", "reasons": "ubostwo",
             "outcome": "information", "first_name": "Anna", "last_name": "Duża"}  # fmt: skip
    assert_page_413(clerk.post("/pierwszy-kontakt/", visit | {"notes": TEN_MEGABYTES}))
    assert_page_413(
        clerk.post(
            "/pierwszy-kontakt/",
            urlencode(visit | {"notes": TEN_MEGABYTES}),
            FORM,
        )
    )
    assert_page_413(clerk.post("/pierwszy-kontakt/", visit | MANY_FIELDS))
    assert _counts() == before


@pytest.mark.parametrize("slug", [SLUG, None], ids=["centre", "portal"])
def test_the_log_in_page_answers_413_too(centre_client: Any, slug: str | None) -> None:
    response = centre_client(slug).post(
        "/konto/logowanie/", {"username": "kierownik", "password": TEN_MEGABYTES}
    )
    assert_page_413(response)


def test_a_body_within_the_limit_still_reaches_the_view() -> None:
    response = api(SLUG, "kierownik").post(
        "/api/people/", _person(first_name="a" * 101), content_type="application/json"
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["first_name"]
