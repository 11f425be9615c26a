"""A refused capability is worded once (casework.permissions.REFUSALS): the API's answer and the
page's 403 say the same sentence, word for word, in Polish; a page the user switched to English
says its English translation, the API stays Polish."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from casework.permissions import REFUSALS, ROLE_CAPABILITIES, Capability, require_capability
from casework.ui.refusals import require
from opsplatform.errors import NotAllowed
from tenants.accounts.models import User
from tenants.accounts.roles import Role
from tests.casework.factories import api, case, household, person

SLUG = "daleszyce"


def _refusals(user: User, capability: Capability) -> tuple[str, str]:
    """What the API says (NotAllowed) and what a page says (PermissionDenied)."""
    with pytest.raises(NotAllowed) as api_error:
        require_capability(user, capability)
    with pytest.raises(PermissionDenied) as page_error:
        require(user, capability)
    return api_error.value.message, str(page_error.value)


REFUSED = [
    (role, capability)
    for role in ROLE_CAPABILITIES
    for capability in Capability
    if capability not in ROLE_CAPABILITIES[role]
]


def test_every_capability_has_its_refusal() -> None:
    assert set(REFUSALS) == set(Capability)
    assert REFUSED, "some role lacks some capability"


@pytest.mark.parametrize(("role", "capability"), REFUSED)
def test_the_api_and_the_page_say_the_same_sentence(role: str, capability: Capability) -> None:
    user = User(username="x", role=role)
    role_name = str(Role(role).label)
    with translation.override("pl"):
        api_text, page_text = _refusals(user, capability)
        assert api_text == page_text
        assert api_text.startswith(f"Rola „{role_name}” nie może ")
    with translation.override("en"):
        api_in_english, page_in_english = _refusals(user, capability)
        assert api_in_english == api_text, "the API answers in Polish whatever the language"
        assert page_in_english != page_text, "the page speaks the page's language"
        assert page_in_english.startswith("The role “"), page_in_english


@pytest.mark.django_db
def test_a_refused_close_reads_alike_in_the_api_and_on_the_page(centre_client: Any) -> None:
    """The auditor only reads: closing a case is refused by the API (JSON) and by the case
    file's step (a 403 page) with one sentence."""
    head = person(SLUG, last_name="Odmowna", city="Daleszyce")
    opened = case(SLUG, household(SLUG, head))
    api_response = api(SLUG, "audytor").post(
        f"/api/cases/{opened.public_id}/close/",
        {"closed_on": timezone.localdate().isoformat(), "reason": "Próba"},
        content_type="application/json",
    )
    assert api_response.status_code == 403, api_response.content
    api_text = api_response.json()["message"]

    page = centre_client.logged_in(SLUG, "audytor").post(
        f"/sprawy/{opened.public_id}/zamkniecie/",
        {"close-closed_on": timezone.localdate().isoformat(), "close-reason": "Próba"},
    )
    assert page.status_code == 403
    expected = (
        "Rola „audytor (tylko odczyt)” nie może zakładać spraw ani przekazywać ich między "
        "zespołami."
    )
    assert api_text == expected
    assert expected in html.unescape(page.content.decode())
