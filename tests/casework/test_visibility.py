"""Least privilege inside a centre (casework.visibility): each role sees the households its rule
gives it, in lists (filtered in SQL), details, the API and the services that write; break-glass
opens another team's household for a stated reason, flagged in the audit trail, until it
expires."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import AuditEntry, BreakGlassGrant, Case
from casework.services.cases import case_assign
from casework.services.intake import intake_register
from casework.services.proceedings import interview_schedule
from casework.visibility import HouseholdOutOfScope, households_q, in_scope
from tenants.org.models import Team
from tests.casework.factories import api, case, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "myslenice"
REASON = "Zastępstwo za nieobecnego pracownika, pilna wizyta klientki."


def team_of(function: str) -> Team:
    with schema_context(SLUG):
        return Team.objects.filter(functions__contains=[function]).order_by("order", "id")[0]


def assigned_case(function: str, last_name: str) -> Case:
    """An open case of a new household, assigned to the (first) team with ``function``."""
    head = person(SLUG, last_name=last_name)
    opened = case(SLUG, household(SLUG, head))
    with schema_context(SLUG):
        case_assign(user=user(SLUG, "kierownik"), case=opened, team=team_of(function))
    return opened


@pytest.fixture
def two_cases() -> tuple[Case, Case]:
    """One case with the benefits team, one with the social-work team."""
    return assigned_case("benefits", "Świadczeniowa"), assigned_case("social_work", "Socjalna")


def numbers(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def refused(response: Any) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "household_out_of_scope"
    assert "trybie nadzwyczajnym" in body["message"]


def test_team_roles_see_their_teams_households_only(two_cases: tuple[Case, Case]) -> None:
    benefits_case, social_case = two_cases
    benefits, social = api(SLUG, "swiadczenia"), api(SLUG, "socjalny")

    listed = numbers(benefits, "/api/cases/?page_size=200&status=open")
    assert benefits_case.number in listed and social_case.number not in listed
    listed = numbers(social, "/api/cases/?page_size=200&status=open")
    assert social_case.number in listed and benefits_case.number not in listed

    assert benefits.get(f"/api/cases/{benefits_case.public_id}/").status_code == 200
    refused(benefits.get(f"/api/cases/{social_case.public_id}/"))
    refused(social.get(f"/api/cases/{benefits_case.public_id}/"))
    # Households and their incomes follow the same rule.
    refused(benefits.get(f"/api/households/{social_case.household.public_id}/"))
    refused(benefits.get(f"/api/households/{social_case.household.public_id}/income/"))
    assert benefits.get(f"/api/households/{benefits_case.household.public_id}/").status_code == 200
    # A person of another team's household is not found by the team roles' search.
    people = benefits.get("/api/people/?q=Socjalna").json()["results"]
    assert social_case.household.public_id not in {p["id"] for p in people}
    assert all(p["last_name"] != "Socjalna" for p in people)


def test_assignment_to_the_worker_alone_opens_the_household() -> None:
    opened = assigned_case("social_work", "Przypisana")
    swiadczenia = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        assert not in_scope(swiadczenia, opened.household)
        team = Team.objects.get(positions__person=swiadczenia, positions__ended_on__isnull=True)
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=team,
            worker=swiadczenia,
            function="benefits",
        )
        assert in_scope(swiadczenia, opened.household)
    assert api(SLUG, "swiadczenia").get(f"/api/cases/{opened.public_id}/").status_code == 200


@pytest.mark.parametrize("username", ["kierownik", "audytor"])
def test_manager_and_auditor_see_every_household(
    username: str, two_cases: tuple[Case, Case]
) -> None:
    client = api(SLUG, username)
    listed = numbers(client, "/api/cases/?page_size=200&status=open")
    assert {c.number for c in two_cases} <= listed
    for opened in two_cases:
        assert client.get(f"/api/cases/{opened.public_id}/").status_code == 200


def test_auditor_reads_but_cannot_write(two_cases: tuple[Case, Case]) -> None:
    opened = two_cases[0]
    response = api(SLUG, "audytor").post(
        f"/api/cases/{opened.public_id}/close/",
        {"closed_on": timezone.localdate().isoformat(), "reason": "Próba zapisu"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed_case_manage"
    response = api(SLUG, "audytor").post(
        f"/api/households/{opened.household.public_id}/break-glass/",
        {"reason": REASON},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_first_contact_finds_people_but_not_case_files(two_cases: tuple[Case, Case]) -> None:
    desk = api(SLUG, "pierwszy.kontakt")
    found = desk.get("/api/people/?q=Socjalna").json()["results"]
    assert any(p["last_name"] == "Socjalna" for p in found)
    household_id = two_cases[1].household.public_id
    assert desk.get(f"/api/households/{household_id}/").status_code == 200
    refused(desk.get(f"/api/cases/{two_cases[1].public_id}/"))
    refused(desk.get(f"/api/households/{household_id}/income/"))
    # The register of cases (whether there is an open case and which team has it) is intake's.
    assert {c.number for c in two_cases} <= numbers(desk, "/api/cases/?page_size=200")
    assert desk.get("/api/applications/?page_size=200").json()["results"] == []


def test_intakes_follow_the_rule() -> None:
    head = person(SLUG, last_name="Zgłaszana")
    hh = household(SLUG, head)
    desk_user = user(SLUG, "pierwszy.kontakt")
    with schema_context(SLUG):
        intake = intake_register(
            user=desk_user, channel="visit", reporter_kind="self", reasons=["ubostwo"], person=head
        )
    assert intake.household_id == hh.pk or intake.household_id is None
    listed = api(SLUG, "pierwszy.kontakt").get("/api/intakes/?page_size=200").json()["results"]
    assert str(intake.public_id) in {i["id"] for i in listed}
    social = api(SLUG, "socjalny")
    listed = social.get("/api/intakes/?page_size=200").json()["results"]
    assert str(intake.public_id) not in {i["id"] for i in listed}
    assert social.get(f"/api/intakes/{intake.public_id}/").status_code == 403


def test_services_refuse_writes_outside_the_scope(two_cases: tuple[Case, Case]) -> None:
    _benefits_case, social_case = two_cases
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG), pytest.raises(HouseholdOutOfScope):
        interview_schedule(
            user=worker, case=social_case, worker=worker, needed_since=timezone.localdate()
        )
    response = api(SLUG, "swiadczenia").post(
        "/api/applications/",
        {
            "case": str(social_case.public_id),
            "applicant": str(person(SLUG).public_id),
            "received_on": timezone.localdate().isoformat(),
            "benefits": ["zasilek-celowy"],
        },
        content_type="application/json",
    )
    refused(response)


def test_break_glass_needs_a_reason_and_is_flagged_until_it_expires(
    two_cases: tuple[Case, Case],
) -> None:
    social_case = two_cases[1]
    benefits = api(SLUG, "swiadczenia")
    url = f"/api/households/{social_case.household.public_id}/break-glass/"
    for reason in ("", "pilne"):
        response = benefits.post(url, {"reason": reason}, content_type="application/json")
        assert response.status_code == 400, response.content
        assert "reason" in response.json()["fields"]
    refused(benefits.get(f"/api/cases/{social_case.public_id}/"))

    response = benefits.post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 201, response.content
    grant = response.json()
    assert grant["reason"] == REASON and grant["household"] == str(social_case.household.public_id)
    granted_at = dt.datetime.fromisoformat(grant["granted_at"])
    expires_at = dt.datetime.fromisoformat(grant["expires_at"])
    assert expires_at - granted_at == dt.timedelta(hours=8)

    assert benefits.get(f"/api/cases/{social_case.public_id}/").status_code == 200
    listed = numbers(benefits, "/api/cases/?page_size=200&status=open")
    assert social_case.number in listed
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        entries = AuditEntry.objects.filter(
            actor_id=worker.pk, household_id=str(social_case.household.public_id)
        )
        granted = entries.get(object_type="casework.breakglassgrant")
        assert granted.break_glass_reason == REASON and granted.action == "create"
        reads = entries.filter(action="read", object_type="casework.case")
        assert reads.count() == 2  # the detail and the list
        assert {e.break_glass_reason for e in reads} == {REASON}
        # Expiry closes the household again.
        BreakGlassGrant.objects.filter(public_id=grant["id"]).update(
            granted_at=timezone.now() - dt.timedelta(hours=9),
            expires_at=timezone.now() - dt.timedelta(hours=1),
        )
    refused(benefits.get(f"/api/cases/{social_case.public_id}/"))
    assert social_case.number not in numbers(benefits, "/api/cases/?page_size=200&status=open")


def test_break_glass_is_refused_for_a_household_in_scope(two_cases: tuple[Case, Case]) -> None:
    response = api(SLUG, "swiadczenia").post(
        f"/api/households/{two_cases[0].household.public_id}/break-glass/",
        {"reason": REASON},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "household_in_scope"


def test_break_glass_writes_are_flagged(two_cases: tuple[Case, Case]) -> None:
    social_case = two_cases[1]
    benefits = api(SLUG, "swiadczenia")
    benefits.post(
        f"/api/households/{social_case.household.public_id}/break-glass/",
        {"reason": REASON},
        content_type="application/json",
    )
    with schema_context(SLUG):
        applicant_id = social_case.household.members.select_related("person").get().person.public_id
    response = benefits.post(
        "/api/applications/",
        {
            "case": str(social_case.public_id),
            "applicant": str(applicant_id),
            "received_on": timezone.localdate().isoformat(),
            "benefits": ["zasilek-celowy"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with schema_context(SLUG):
        created = AuditEntry.objects.get(
            object_type="casework.application", object_id=response.json()["id"], action="create"
        )
    assert created.break_glass_reason == REASON


@pytest.mark.parametrize("username", ["swiadczenia", "pierwszy.kontakt"])
def test_scoped_lists_cost_the_same_whatever_the_page_size(username: str) -> None:
    for i in range(3):
        assigned_case("benefits", f"Stronicowana{i}")
    client = api(SLUG, username)
    counts = []
    for size in (1, 50):
        for endpoint in ("/api/cases/", "/api/people/", "/api/households/", "/api/intakes/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{endpoint}?page_size={size}").status_code == 200
            counts.append((endpoint, len(queries)))
    assert counts[:4] == counts[4:]


def test_the_rule_is_one_sql_filter() -> None:
    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        list(Case.objects.all()[:1])  # the connection is on the centre's schema
        with CaptureQueriesContext(connection) as plain:
            list(Case.objects.all()[:5])
        with CaptureQueriesContext(connection) as scoped:
            list(Case.objects.filter(households_q(worker, "household"))[:5])
        assert len(scoped) == len(plain)


@pytest.mark.parametrize("username", ["swiadczenia", "socjalny", "uslugi"])
def test_demo_accounts_keep_work_inside_their_scope(username: str, centre_client: Any) -> None:
    """At Daleszyce each team account has open cases it sees, its dashboard's deadlines are of
    households it sees, and its case list lists them."""
    from casework.selectors.deadlines import deadline_list

    slug = "daleszyce"
    worker = user(slug, username)
    with schema_context(slug):
        visible = Case.objects.filter(households_q(worker, "household"), status="open")
        assert visible.count() > 0, username
        rows = list(
            deadline_list(user=worker, scope="mine", horizon=60, today=timezone.localdate())
        )
        numbers_due = {row["d_case"] for row in rows}
        assert set(visible.filter(number__in=numbers_due).values_list("number", flat=True)) == (
            numbers_due
        )
        some_case = visible.order_by("-opened_on")[0]
    client = centre_client.logged_in(slug, username)
    assert client.get("/").status_code == 200
    assert client.get(f"/sprawy/{some_case.public_id}/").status_code == 200
    listing = client.get("/sprawy/", {"zakres": "team"}).content.decode()
    assert "Nie znaleziono spraw" not in listing
