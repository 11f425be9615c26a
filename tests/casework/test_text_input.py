"""Typed text through the real API and pages: an invisible or direction-changing character in a
name, an address, a reason or a note is refused with a 400 (an error next to the field on a page)
naming the field and nothing is saved; letters of every script are stored as typed (NFC); a
reason of only zero-width spaces is no reason; over-long text is refused naming the field. Every
text field of every API input and page form applies the one rule (checked structurally, so a new
field cannot forget it)."""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from typing import Any

import pytest
from django import forms
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

import casework.api
import casework.ui
from casework.models import BreakGlassGrant, Intake, Person
from opsplatform.api.fields import TextField as ApiTextField
from opsplatform.text_rules import looks_blank
from opsplatform.ui.forms import TextField as FormTextField
from tests.casework.factories import api
from tests.casework.test_visibility import REASON, assigned_case
from tests.opsplatform.test_text_rules import BIDI_AND_ZERO_WIDTH, SCRIPTS, invisible, letters

pytestmark = pytest.mark.django_db
SLUG = "myslenice"
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text that is not free text: checked against a pattern or a list by the service or the field.
PATTERNED = {"pesel", "postal_code", "function", "scope", "q", "next"}
PERSON_TEXT = {
    "first_name": "Oksana",
    "last_name": "Kowalenko",
    "document_number": "FE1234567",
    "citizenship": "ukraińskie",
    "street": "ul. Słoneczna 4/2",
    "city": "Myślenice",
    "phone": "+48 600 100 200",
}


def _person(**changes: str) -> dict[str, Any]:
    """A person without PESEL (as many Ukrainian clients are), identified by a passport."""
    return {
        **PERSON_TEXT,
        "pesel": "",
        "document_type": "passport",
        "date_of_birth": "1988-04-12",
        "sex": "F",
        "postal_code": "32-400",
    } | changes


def _people() -> int:
    with schema_context(SLUG):
        return Person.objects.count()


@pytest.fixture
def manager() -> Client:
    return api(SLUG, "kierownik")


# --- every text field applies the rule --------------------------------------------------------


def _modules(package: Any) -> list[Any]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def _free_text(field: Any, base: type, text_field: type) -> bool:
    """A field people type free text into: a CharField, but not one of the subclasses that
    check a pattern (slug, e-mail, URL, UUID, regex)."""
    return isinstance(field, base) and (type(field) is base or isinstance(field, text_field))


def test_every_api_input_text_field_applies_the_rule() -> None:
    checked: list[str] = []
    plain: list[str] = []  # without the rule or without a maximum length
    for module in _modules(casework.api):
        for name, value in vars(module).items():
            is_input = isinstance(value, type) and issubclass(value, serializers.Serializer)
            if not is_input or not name.endswith("Input") or value.__module__ != module.__name__:
                continue
            for field_name, field in value._declared_fields.items():
                field = getattr(field, "child", None) or field
                if field_name in PATTERNED or not _free_text(
                    field, serializers.CharField, ApiTextField
                ):
                    continue
                if not isinstance(field, ApiTextField) or not field.max_length:
                    plain.append(f"{name}.{field_name}")
                checked.append(f"{name}.{field_name}")
    assert not plain
    assert {"PersonInput.first_name", "BreakGlassInput.reason", "DecisionInput.reasoning"} <= set(
        checked
    )


def test_every_page_form_text_field_applies_the_rule() -> None:
    checked: list[str] = []
    plain: list[str] = []  # without the rule or without a maximum length
    for module in _modules(casework.ui):
        for name, value in vars(module).items():
            is_form = isinstance(value, type) and issubclass(value, forms.BaseForm)
            if not is_form or value.__module__ != module.__name__:
                continue
            for field_name, field in value.base_fields.items():
                if field_name in PATTERNED or not _free_text(field, forms.CharField, FormTextField):
                    continue
                if not isinstance(field, FormTextField) or not field.max_length:
                    plain.append(f"{name}.{field_name}")
                checked.append(f"{name}.{field_name}")
    assert not plain
    assert {"DeskForm.first_name", "BreakGlassForm.reason", "HoldForm.reason"} <= set(checked)


# --- names and addresses through the API ------------------------------------------------------


@PROPERTY
@given(
    field=st.sampled_from(sorted(PERSON_TEXT)),
    bad=invisible,
    at=st.integers(min_value=0, max_value=20),
)
@example(field="last_name", bad="\u202e", at=3)  # right-to-left override
@example(field="first_name", bad="\u200b", at=0)  # zero-width space
def test_person_text_with_an_invisible_character_is_refused_naming_the_field(
    manager: Client, field: str, bad: str, at: int
) -> None:
    before = _people()
    value = PERSON_TEXT[field]
    value = value[:at] + bad + value[at:]
    response = manager.post(
        "/api/people/", _person(**{field: value}), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    assert "niewidoczny" in body["fields"][field][0]
    assert _people() == before


@PROPERTY
@given(
    first_name=st.text(letters, min_size=1, max_size=30),
    last_name=st.sampled_from(SCRIPTS),
)
@example(first_name="Ґанна", last_name="Nguyễn Thị Minh Khai")
def test_letters_of_every_script_are_stored_as_typed(
    manager: Client, first_name: str, last_name: str
) -> None:
    if looks_blank(first_name):  # e.g. a lone Hangul filler: blank, as it shows nothing
        return
    response = manager.post(
        "/api/people/",
        _person(first_name=first_name, last_name=last_name),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["first_name"] == unicodedata.normalize("NFC", first_name)
    assert created["last_name"] == last_name


def test_rectifying_a_name_refuses_a_direction_override(manager: Client) -> None:
    created = manager.post("/api/people/", _person(), content_type="application/json").json()
    response = manager.patch(
        f"/api/people/{created['id']}/",
        {"last_name": "Kowalenko\u202eakswolaK"},
        content_type="application/json",
    )
    assert response.status_code == 400 and list(response.json()["fields"]) == ["last_name"]
    with schema_context(SLUG):
        assert Person.objects.get(public_id=created["id"]).last_name == "Kowalenko"


@pytest.mark.parametrize(
    ("field", "length"),
    [("first_name", 101), ("last_name", 101), ("street", 201), ("city", 101), ("phone", 31)],
)
def test_over_long_person_text_is_refused_naming_the_field(
    manager: Client, field: str, length: int
) -> None:
    before = _people()
    response = manager.post(
        "/api/people/", _person(**{field: "ż" * length}), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]
    assert str(length - 1) in response.json()["fields"][field][0]
    assert _people() == before


# --- reasons and notes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b" * 12,  # twelve zero-width spaces
        "\u3164" * 12,  # twelve Hangul fillers: letters in Unicode's eyes, blank on paper
        " \u200b\u2060\ufeff \u200d\u200c\u200b\u2060\ufeff\u200b\u200b ",
        "Pilne\u202e zastępstwo w ośrodku",
    ],
)
def test_break_glass_needs_a_reason_one_can_read(reason: str) -> None:
    social_case = assigned_case("social_work", "Niewidzialna")
    benefits = api(SLUG, "swiadczenia")
    response = benefits.post(
        f"/api/households/{social_case.household.public_id}/break-glass/",
        {"reason": reason},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["reason"]
    with schema_context(SLUG):
        assert not BreakGlassGrant.objects.filter(household=social_case.household).exists()


def test_break_glass_reason_may_span_lines_and_is_stored_readable() -> None:
    social_case = assigned_case("social_work", "Wielowierszowa")
    response = api(SLUG, "swiadczenia").post(
        f"/api/households/{social_case.household.public_id}/break-glass/",
        {"reason": "Zastępstwo za pracownika.\nKlientka czeka w ośrodku."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "Zastępstwo za pracownika. Klientka czeka w ośrodku."


def _intake(**changes: Any) -> dict[str, Any]:
    return {
        "channel": "visit",
        "reporter_kind": "school",
        "reporter_name": "Szkoła Podstawowa nr 2",
        "reasons": ["ubostwo"],
        "notes": "Pierwsza linia.\nDruga linia.",
    } | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notes": "Rodzina\u2066 prosi o pomoc\u2069."}, "notes"),
        ({"notes": "ą" * 5_001}, "notes"),
        ({"reporter_name": "Szkoła\nPodstawowa"}, "reporter_name"),
        ({"reporter_name": "Szkoła\u200b"}, "reporter_name"),
    ],
)
def test_intake_text_is_checked_naming_the_field(changes: dict[str, str], field: str) -> None:
    client = api(SLUG, "pierwszy.kontakt")
    with schema_context(SLUG):
        before = Intake.objects.count()
    response = client.post("/api/intakes/", _intake(**changes), content_type="application/json")
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]
    with schema_context(SLUG):
        assert Intake.objects.count() == before


def test_intake_notes_keep_their_lines() -> None:
    response = api(SLUG, "pierwszy.kontakt").post(
        "/api/intakes/", _intake(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    with schema_context(SLUG):
        assert Intake.objects.get(public_id=response.json()["id"]).notes == _intake()["notes"]


# --- the pages -------------------------------------------------------------------------------


def _field_block(html: str, field: str) -> str:
    return html.split(f'id="field-{field}"', 1)[1].split('<div class="field', 1)[0]


@pytest.mark.parametrize("bad", BIDI_AND_ZERO_WIDTH[:6])
def test_desk_form_refuses_invisible_characters_next_to_the_field(
    centre_client: Any, bad: str
) -> None:
    from tests.casework.ui.test_desk import DESK, _clerk, _counts, _new_person, _visit

    before = _counts()
    data = _visit(**_new_person(last_name=f"Kowal{bad}ska"), notes=f"Notatka{bad}")
    response = _clerk(centre_client).post(DESK, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "niewidoczny" in _field_block(html, "last_name")
    assert "niewidoczny" in _field_block(html, "notes")
    assert "niewidoczny" not in _field_block(html, "first_name")
    assert _counts() == before


def test_break_glass_page_refuses_a_reason_of_zero_width_spaces(centre_client: Any) -> None:
    from tests.casework.ui.test_break_glass import social_work_case
    from tests.casework.ui.test_proceedings_forms import SLUG as UI_SLUG
    from tests.casework.ui.test_proceedings_forms import url

    other = social_work_case("Pustopowodowa")
    action = url("break-glass", household_id=other.household.public_id)
    benefits = centre_client.logged_in(UI_SLUG, "swiadczenia")
    response = benefits.post(action, {"reason": "\u200b" * 12, "next": url("case-detail", other)})
    assert response.status_code == 400
    assert "Podaj powód dostępu." in response.content.decode()
    response = benefits.post(action, {"reason": f"{REASON}\u202e", "next": "/"})
    assert response.status_code == 400 and "niewidoczny" in response.content.decode()
    with schema_context(UI_SLUG):
        assert not BreakGlassGrant.objects.filter(household=other.household).exists()
