"""Taking an intake follows the household rule (casework.visibility): registering, routing or
closing an intake and opening a case are how a household enters a worker's scope, so a team role
may do it only for the households it sees, a new household nobody has recorded anything about,
or one opened to it by break-glass access (recorded with the reason). First contact and the
manager keep the desk's right to take any household.

The first test is an attack once found against ``make run``: Piaseczno's
social worker, refused a benefits case, registered an intake naming its household, routed it to
himself and had the case, its incomes and its file."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import AuditEntry, Case, CaseAssignment, Household, Intake, Person
from casework.services.cases import case_assign, case_close, case_open
from casework.services.intake import intake_register, intake_resolve, intake_route
from casework.visibility import HouseholdOutOfScope
from tenants.org.models import Team
from tests.casework.factories import api, case, household, new_pesel, person, user

pytestmark = pytest.mark.django_db
SLUG = "piaseczno"
SOCIAL_TEAM = "praca-socjalna"  # where Piaseczno's "socjalny" holds his post
BENEFITS_TEAM = "swiadczenia"
REASON = "Zastępstwo za pracownika na urlopie, rodzina prosi o pilną pomoc."


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def refused(response: Any) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "household_out_of_scope", body
    assert "trybie nadzwyczajnym" in body["message"]


def benefits_case(last_name: str) -> Case:
    """An open case of a new household, assigned (by the manager) to the benefits team."""
    opened = case(SLUG, household(SLUG, person(SLUG, last_name=last_name)))
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"), case=opened, team=Team.objects.get(code=BENEFITS_TEAM)
        )
    return opened


def head_of(hh: Household) -> Person:
    with schema_context(SLUG):
        return hh.members.select_related("person").get(left_on__isnull=True).person


def intake_body(**fields: Any) -> dict[str, Any]:
    return {"channel": "visit", "reporter_kind": "self", "reasons": ["ubostwo"]} | fields


def route_to_himself() -> dict[str, Any]:
    return {"team": SOCIAL_TEAM, "worker": str(user(SLUG, "socjalny").public_id)}


def counts() -> tuple[int, int, int]:
    with schema_context(SLUG):
        return Intake.objects.count(), Case.objects.count(), CaseAssignment.objects.count()


def test_team_role_cannot_pull_another_teams_household_into_its_scope() -> None:
    """The case is refused, and so are an intake naming its household (or a
    member of it) and routing one; nothing is saved and the case stays refused."""
    other = benefits_case("Cudza")
    social = api(SLUG, "socjalny")
    refused(social.get(f"/api/cases/{other.public_id}/"))
    before = counts()

    refused(post(social, "/api/intakes/", intake_body(household=str(other.household.public_id))))
    refused(
        post(social, "/api/intakes/", intake_body(person=str(head_of(other.household).public_id)))
    )
    assert counts() == before

    # An intake first contact registered about it, not yet routed: the service refuses it to the
    # social worker whichever way it is reached (the API refuses the URL already).
    with schema_context(SLUG):
        waiting = intake_register(
            user=user(SLUG, "pierwszy.kontakt"),
            channel="visit",
            reporter_kind="self",
            reasons=["ubostwo"],
            household=other.household,
        )
    refused(post(social, f"/api/intakes/{waiting.public_id}/route/", route_to_himself()))
    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        team = Team.objects.get(code=SOCIAL_TEAM)
        with pytest.raises(HouseholdOutOfScope):
            intake_route(user=worker, intake=waiting, team=team, worker=worker)
        with pytest.raises(HouseholdOutOfScope):
            intake_resolve(user=worker, intake=waiting, outcome="information")
        assert Intake.objects.get(pk=waiting.pk).outcome == "pending"

    refused(social.get(f"/api/cases/{other.public_id}/"))
    refused(social.get(f"/api/households/{other.household.public_id}/income/"))


def test_routing_is_checked_again_when_the_household_has_gained_another_teams_case() -> None:
    """An intake the social worker registered about a new household, which meanwhile got a
    benefits case: routing it to himself would hand him that case."""
    social = api(SLUG, "socjalny")
    new = household(SLUG, person(SLUG, last_name="Nowa"))
    intake = post(social, "/api/intakes/", intake_body(household=str(new.public_id)))
    assert intake.status_code == 201, intake.content
    opened = case(SLUG, new)
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"), case=opened, team=Team.objects.get(code=BENEFITS_TEAM)
        )
    intake_id = intake.json()["id"]
    refused(post(social, f"/api/intakes/{intake_id}/route/", route_to_himself()))
    refused(social.get(f"/api/cases/{opened.public_id}/"))


def test_a_closed_case_of_another_team_is_not_reopened_to_the_team_role() -> None:
    """A household whose only case another team held and closed has a file: neither an intake
    nor a new case brings it into the social worker's scope."""
    other = benefits_case("Zamknięta")
    with schema_context(SLUG):
        case_close(
            user=user(SLUG, "kierownik"),
            case=other,
            closed_on=timezone.localdate(),
            reason="Ustała potrzeba pomocy.",
        )
    social = api(SLUG, "socjalny")
    before = counts()
    refused(post(social, "/api/intakes/", intake_body(household=str(other.household.public_id))))
    refused(post(social, "/api/cases/", {"household": str(other.household.public_id)}))
    assert counts() == before


def test_break_glass_lets_the_team_role_take_the_intake_and_records_the_reason() -> None:
    other = benefits_case("Nadzwyczajna")
    social = api(SLUG, "socjalny")
    household_id = str(other.household.public_id)
    granted = post(social, f"/api/households/{household_id}/break-glass/", {"reason": REASON})
    assert granted.status_code == 201, granted.content

    registered = post(social, "/api/intakes/", intake_body(household=household_id))
    assert registered.status_code == 201, registered.content
    intake_id = registered.json()["id"]
    routed = post(social, f"/api/intakes/{intake_id}/route/", route_to_himself())
    assert routed.status_code == 200, routed.content
    assert routed.json()["case"] == other.number

    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        entries = AuditEntry.objects.filter(actor_id=worker.pk, household_id=household_id)
        intake_entry = entries.get(
            object_type="casework.intake", object_id=intake_id, action="create"
        )
        assert intake_entry.break_glass_reason == REASON
        assignment = entries.get(object_type="casework.caseassignment", action="create")
        assert assignment.break_glass_reason == REASON
        assert (
            CaseAssignment.objects.get(case=other, worker=worker, ended_on__isnull=True).team.code
            == SOCIAL_TEAM
        )


def test_team_role_registers_and_routes_someone_new() -> None:
    """A person new to the centre (created now, with a household of their own) is nobody's yet:
    the social worker registers and routes them as the desk would."""
    social = api(SLUG, "socjalny")
    created = post(
        social,
        "/api/people/",
        {
            "first_name": "Teresa",
            "last_name": "Terenowa",
            "pesel": new_pesel(),
            "street": "ul. Polna 2",
            "postal_code": "05-500",
            "city": "Piaseczno",
        },
    )
    assert created.status_code == 201, created.content
    person_id = created.json()["id"]
    hh = post(social, "/api/households/", {"head": person_id})
    assert hh.status_code == 201, hh.content
    intake = post(social, "/api/intakes/", intake_body(person=person_id))
    assert intake.status_code == 201, intake.content
    routed = post(social, f"/api/intakes/{intake.json()['id']}/route/", route_to_himself())
    assert routed.status_code == 200, routed.content
    with schema_context(SLUG):
        opened = Case.objects.get(number=routed.json()["case"])
    assert social.get(f"/api/cases/{opened.public_id}/").status_code == 200
    # And an intake about no one at all (a phone call for information) needs no household.
    anonymous = post(social, "/api/intakes/", intake_body(channel="phone"))
    assert anonymous.status_code == 201, anonymous.content


@pytest.mark.parametrize("username", ["pierwszy.kontakt", "kierownik"])
def test_the_desk_still_routes_any_household(username: str) -> None:
    """First contact and the manager take intakes about any household, as before: here the
    benefits team's household, routed to the social worker."""
    other = benefits_case(f"Biurowa{username[:4]}")
    desk = api(SLUG, username)
    intake = post(
        desk, "/api/intakes/", intake_body(person=str(head_of(other.household).public_id))
    )
    assert intake.status_code == 201, intake.content
    routed = post(desk, f"/api/intakes/{intake.json()['id']}/route/", route_to_himself())
    assert routed.status_code == 200, routed.content
    assert routed.json()["case"] == other.number
    assert api(SLUG, "socjalny").get(f"/api/cases/{other.public_id}/").status_code == 200


def test_duplicate_pesel_names_the_person_only_to_who_may_see_them() -> None:
    other = benefits_case("Peselowa")
    pesel = head_of(other.household).pesel
    data = {"first_name": "Jan", "last_name": "Inny", "pesel": pesel, "city": "Piaseczno"}
    social = post(api(SLUG, "socjalny"), "/api/people/", data)
    assert social.status_code == 409 and social.json()["code"] == "duplicate_pesel"
    person_id = str(head_of(other.household).public_id)
    assert person_id not in social.content.decode()
    desk = post(api(SLUG, "pierwszy.kontakt"), "/api/people/", data)
    assert desk.status_code == 409 and person_id in desk.content.decode()


def test_the_service_refuses_directly_too() -> None:
    """The rule is the services': pages and the API share it."""
    other = benefits_case("Serwisowa")
    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        with pytest.raises(HouseholdOutOfScope):
            intake_register(
                user=worker,
                channel="visit",
                reporter_kind="self",
                reasons=["ubostwo"],
                person=head_of(other.household),
            )
        closed = Household.objects.get(pk=other.household.pk)
        case_close(
            user=user(SLUG, "kierownik"),
            case=other,
            closed_on=timezone.localdate(),
            reason="Koniec.",
        )
        with pytest.raises(HouseholdOutOfScope):
            case_open(user=worker, household=closed)
