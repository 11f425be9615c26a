"""Least privilege on the pages: the case list offers the whole centre only to the manager and the
auditor and lists only the households the user sees; a case file outside the user's scope answers
403 with the break-glass form; a stated reason opens it (flagged in the audit trail and shown to
the manager), a short one is refused at the field; first contact searches at the desk but does
not open case files."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from casework.models import AuditEntry, BreakGlassGrant, Case, Decision, SocialContract
from casework.services.cases import case_assign
from casework.visibility import households_q
from tenants.org.models import Team
from tests.casework.factories import case, household, person, user
from tests.casework.ui.test_case_list import listing, scope_options
from tests.casework.ui.test_proceedings_forms import SLUG, family_case, url

pytestmark = pytest.mark.django_db
REASON = "Zastępstwo za pracownika na urlopie, klientka czeka w ośrodku."


def social_work_case(last_name: str) -> Case:
    """An open case assigned to the social-work team (not the benefits worker's)."""
    opened = case(SLUG, household(SLUG, person(SLUG, last_name=last_name)))
    with schema_context(SLUG):
        team = Team.objects.filter(functions__contains=["social_work"]).order_by("id")[0]
        case_assign(user=user(SLUG, "kierownik"), case=opened, team=team)
    return opened


@pytest.fixture
def benefits(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "swiadczenia")


def test_case_list_offers_the_whole_centre_only_to_manager_and_auditor(
    centre_client: Any,
) -> None:
    mine, _head = family_case("Listowa")
    other = social_work_case("Cudza")
    for username in ("swiadczenia", "socjalny", "uslugi", "pierwszy.kontakt"):
        client = centre_client.logged_in(SLUG, username)
        assert "all" not in scope_options(listing(client)), username
    benefits = centre_client.logged_in(SLUG, "swiadczenia")
    for scope in ("mine", "team", "all"):
        html = listing(benefits, zakres=scope, q="Cudza")
        assert other.number not in html
    assert mine.number in listing(benefits, q="Listowa")
    for username in ("kierownik", "audytor"):
        client = centre_client.logged_in(SLUG, username)
        html = listing(client, zakres="all", q="Cudza")
        assert "all" in scope_options(html) and other.number in html


def test_case_file_outside_the_scope_offers_break_glass(benefits: Client) -> None:
    other = social_work_case("Nadzwyczajna")
    response = benefits.get(url("case-detail", other))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Dostęp w trybie nadzwyczajnym" in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="reason"' in html
    assert "Nadzwyczajna" not in html  # nothing of the household leaks on the refusal
    action = url("break-glass", household_id=other.household.public_id)
    assert f'action="{action}"' in html

    response = benefits.post(action, {"reason": "bo tak", "next": url("case-detail", other)})
    assert response.status_code == 400
    assert "co najmniej 10 znaków" in response.content.decode()
    with schema_context(SLUG):
        assert not BreakGlassGrant.objects.filter(household=other.household).exists()

    response = benefits.post(action, {"reason": REASON, "next": url("case-detail", other)})
    assert response.status_code == 302 and response["Location"] == url("case-detail", other)
    response = benefits.get(url("case-detail", other))
    assert response.status_code == 200 and "Nadzwyczajna" in response.content.decode()
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        entries = AuditEntry.objects.filter(
            actor_id=worker.pk, household_id=str(other.household.public_id)
        )
        assert entries.filter(object_type="casework.breakglassgrant").get().break_glass_reason
        read = entries.filter(action="read", object_type="casework.case").get()
        assert read.break_glass_reason == REASON


def test_break_glass_redirects_only_inside_the_site(benefits: Client) -> None:
    other = social_work_case("Przekierowana")
    action = url("break-glass", household_id=other.household.public_id)
    response = benefits.post(action, {"reason": REASON, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_manager_sees_break_glass_on_the_access_log(benefits: Client, centre_client: Any) -> None:
    other = social_work_case("Dziennikowa")
    action = url("break-glass", household_id=other.household.public_id)
    benefits.post(action, {"reason": REASON, "next": url("case-detail", other)})
    benefits.get(url("case-detail", other))
    manager = centre_client.logged_in(SLUG, "kierownik")
    html = manager.get(url("access-log")).content.decode()
    assert REASON in html and other.number in html
    with schema_context(SLUG):
        head = other.household.members.select_related("person").get().person
    html = manager.get(url("access-log-person", person_id=head.public_id)).content.decode()
    assert html.count('class="break-glass"') >= 2  # the grant and the read of the case
    assert "dostęp nadzwyczajny" in html


def test_first_contact_searches_at_the_desk_but_not_in_case_files(centre_client: Any) -> None:
    other = social_work_case("Biurkowa")
    desk = centre_client.logged_in(SLUG, "pierwszy.kontakt")
    found = desk.get(url("desk-search"), {"q": "Biurkowa"}, headers={"HX-Request": "true"})
    assert found.status_code == 200 and "Biurkowa" in found.content.decode()
    response = desk.get(url("case-detail", other))
    assert response.status_code == 403
    assert "Dostęp w trybie nadzwyczajnym" in response.content.decode()


def test_documents_and_social_work_pages_follow_the_rule(centre_client: Any) -> None:
    """Demo documents of households outside the social worker's scope are refused."""
    social = centre_client.logged_in(SLUG, "socjalny")
    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        decision = (
            Decision.objects.exclude(households_q(worker, "application__case__household"))
            .select_related("application__case")
            .first()
        )
        contract = SocialContract.objects.filter(households_q(worker, "case__household")).first()
    assert decision is not None
    response = social.get(url("decision-print", decision_id=decision.public_id))
    assert response.status_code == 403
    response = social.get(url("case-socialwork", decision.application.case))
    assert response.status_code == 403
    if contract is not None:
        response = social.get(url("contract-detail", contract_id=contract.public_id))
        assert response.status_code == 200


def test_steps_posted_outside_the_scope_are_refused(benefits: Client) -> None:
    other = social_work_case("Krokowa")
    response = benefits.post(url("case-close", other), {"close-closed_on": "2020-01-01"})
    assert response.status_code == 403
    with schema_context(SLUG):
        assert Case.objects.get(pk=other.pk).status == "open"
    assert re.search(r"trybie nadzwyczajnym", response.content.decode())
