"""Refusals from the services speak the page's language: English on a page the user switched to
English, Polish in the API whatever the language cookie says (opsplatform.language)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context

from casework.models import Case, Handover
from casework.services.cases import case_assign
from opsplatform.api.exceptions import exception_handler
from opsplatform.errors import Conflict, ValidationFailed
from tenants.org.models import Team
from tests.casework.factories import api, case, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
HTMX = {"HX-Request": "true"}


def url(name: str, case_obj: Case) -> str:
    return reverse(
        f"casework-ui:{name}",
        kwargs={"case_id": case_obj.public_id},
        urlconf="opsplatform.urls_tenant",
    )


def open_case() -> Case:
    """An open case of a one-person household, assigned to the demo benefits worker."""
    head = person(SLUG, last_name="Językowa", city="Daleszyce")
    opened = case(
        SLUG, household(SLUG, head), opened_on=timezone.localdate() - dt.timedelta(days=20)
    )
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=Team.objects.get(functions__contains=["benefits"]),
            worker=user(SLUG, "swiadczenia"),
        )
    return opened


def social_team() -> Team:
    with schema_context(SLUG):
        return Team.objects.get(functions__contains=["social_work"])


def in_english(client: Client) -> Client:
    client.cookies["ops_language"] = "en"
    return client


def handover_outside_the_team(client: Client, opened: Case) -> Any:
    return client.post(
        url("case-handover", opened),
        {
            "handover-team": str(social_team().public_id),
            "handover-worker": str(user(SLUG, "swiadczenia").public_id),
            "handover-reason": "Próba.",
        },
        headers=HTMX,
    )


def test_an_english_page_shows_the_services_refusal_in_english(centre_client: Any) -> None:
    opened = open_case()
    client = in_english(centre_client.logged_in(SLUG, "swiadczenia"))
    html = handover_outside_the_team(client, opened).content.decode()
    assert "does not work in the unit" in html
    assert "nie pracuje w komórce" not in html
    with schema_context(SLUG):
        assert Handover.objects.filter(case=opened).count() == 0

    early = (opened.opened_on - dt.timedelta(days=1)).isoformat()
    html = client.post(
        url("case-close", opened),
        {"close-closed_on": early, "close-reason": "Pomyłka."},
        headers=HTMX,
    ).content.decode()
    assert "The closing date cannot be before the case was opened." in html
    assert "Data zamknięcia nie może" not in html


def test_a_polish_page_keeps_the_polish_refusal(centre_client: Any) -> None:
    opened = open_case()
    client = centre_client.logged_in(SLUG, "swiadczenia")
    html = handover_outside_the_team(client, opened).content.decode()
    assert "nie pracuje w komórce" in html
    assert "does not work in the unit" not in html


def test_the_api_answers_the_same_refusals_in_polish_despite_an_english_cookie() -> None:
    opened = open_case()
    client = in_english(api(SLUG, "kierownik"))
    response = client.post(
        f"/api/cases/{opened.public_id}/handover/",
        {
            "team": social_team().code,
            "worker": str(user(SLUG, "swiadczenia").public_id),
            "reason": "Zmiana",
        },
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == "worker_not_in_team"
    assert body["message"] == "Dane zawierają błędy – popraw zaznaczone pola."
    assert "nie pracuje w komórce" in body["fields"]["worker"][0]
    assert response["Content-Language"] == "pl"

    response = client.post(
        f"/api/cases/{opened.public_id}/close/",
        {"closed_on": "2000-01-01", "reason": "Poprawa sytuacji"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (
        "Data zamknięcia nie może być przed datą otwarcia sprawy."
        in (response.json()["fields"]["closed_on"])
    )


def test_a_domain_error_takes_lazy_texts_in_the_language_active_when_raised() -> None:
    with translation.override("en"):
        error = Conflict(
            gettext_lazy("Sprawa jest zamknięta."),
            fields={"case": [gettext_lazy("Sprawa jest zamknięta.")]},
        )
        default = ValidationFailed()
    assert error.message == "The case is closed."
    assert error.fields == {"case": ["The case is closed."]}
    assert default.message == "The data contain errors – correct the marked fields."
    with translation.override("pl"):
        assert ValidationFailed().message == "Dane zawierają błędy – popraw zaznaczone pola."
        response = exception_handler(Conflict(gettext_lazy("Sprawa jest zamknięta.")), {})
    assert response is not None and response.status_code == 409
    assert json.loads(json.dumps(response.data))["message"] == "Sprawa jest zamknięta."
