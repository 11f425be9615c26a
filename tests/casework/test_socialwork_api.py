"""Social work through the API: the activity log and the share of social work, social contracts
from draft to outcome, individual programmes, social projects and PAL."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import (
    ActivityEntry,
    CommunityProject,
    IndividualProgramme,
    SocialContract,
)
from casework.models.people import Relation
from casework.services.people import household_member_add
from casework.services.socialwork import (
    activity_log,
    contract_create,
    programme_create,
    project_create,
    project_participant_add,
)
from tests.casework.factories import api, assigned, case, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
JSON = "application/json"


def _count(model: Any, **filters: Any) -> int:
    with schema_context(SLUG):
        return int(model.objects.filter(**filters).count())


def _contract_body(opened: Any, head: Any, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "case": str(opened.public_id),
        "person": str(head.public_id),
        "variant": "standard",
        "goals": "Podjęcie zatrudnienia i uregulowanie zaległości czynszowych.",
        "client_obligations": "Rejestracja w PUP, udział w warsztatach.",
        "centre_obligations": "Konsultacje raz w tygodniu, pomoc w kontakcie z zarządcą.",
        "starts_on": (today - dt.timedelta(days=10)).isoformat(),
        "ends_on": (today + dt.timedelta(days=80)).isoformat(),
    } | changes


@pytest.fixture
def family() -> tuple[Any, Any]:
    """An open case of a one-person household: (case, head)."""
    head = person(SLUG, last_name="Kontraktowa")
    # The social worker's scope: the case is assigned to the social-work team and the worker.
    return assigned(SLUG, case(SLUG, household(SLUG, head)), "socjalny"), head


def _draft(client: Client, family: tuple[Any, Any], **changes: Any) -> dict[str, Any]:
    response = client.post("/api/contracts/", _contract_body(*family, **changes), content_type=JSON)
    assert response.status_code == 201, response.content
    return dict(response.json())


# --- social contracts ------------------------------------------------------------------------


def test_social_worker_signs_reviews_and_completes_a_contract(family: tuple[Any, Any]) -> None:
    social = api(SLUG, "socjalny")
    today = timezone.localdate()
    contract = _draft(social, family)
    assert contract["status"] == "draft"
    assert contract["worker"]["username"] == "socjalny"
    assert contract["person"]["id"] == str(family[1].public_id)
    url = f"/api/contracts/{contract['id']}"

    signed = social.post(f"{url}/sign/", {"signed_on": today.isoformat()}, content_type=JSON)
    assert signed.status_code == 200, signed.content
    # It started ten days ago, so it is in force at once.
    assert (signed.json()["status"], signed.json()["signed_on"]) == ("active", today.isoformat())

    review = social.post(f"{url}/reviews/", {"due_on": today.isoformat()}, content_type=JSON)
    assert review.status_code == 201, review.content
    recorded = social.post(
        f"{url}/reviews/{review.json()['id']}/record/",
        {"done_on": today.isoformat(), "note": "Zarejestrowany w PUP, spłaca zaległości."},
        content_type=JSON,
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["done_on"] == today.isoformat()

    completed = social.post(
        f"{url}/complete/",
        {
            "closed_on": today.isoformat(),
            "goals_achieved": True,
            "outcome_note": "Podjął pracę, zaległości spłacone.",
        },
        content_type=JSON,
    )
    assert completed.status_code == 200, completed.content
    detail = social.get(f"{url}/").json()
    assert (detail["status"], detail["goals_achieved"], detail["closed_on"]) == (
        "completed",
        True,
        today.isoformat(),
    )
    assert [r["note"] for r in detail["reviews"]] == ["Zarejestrowany w PUP, spłaca zaległości."]
    listed = social.get(f"/api/contracts/?status=completed&case={family[0].public_id}").json()
    assert [c["id"] for c in listed["results"]] == [contract["id"]]


def test_contract_signed_before_its_start_waits_and_can_be_broken(
    family: tuple[Any, Any],
) -> None:
    manager = api(SLUG, "kierownik")
    today = timezone.localdate()
    contract = _draft(
        manager,
        family,
        starts_on=(today + dt.timedelta(days=7)).isoformat(),
        worker=str(user(SLUG, "socjalny").public_id),
    )
    assert contract["worker"]["username"] == "socjalny"
    url = f"/api/contracts/{contract['id']}"
    signed = manager.post(f"{url}/sign/", {"signed_on": today.isoformat()}, content_type=JSON)
    assert signed.json()["status"] == "signed"
    broken = manager.post(
        f"{url}/break/",
        {"closed_on": today.isoformat(), "outcome_note": "Odmowa realizacji zobowiązań."},
        content_type=JSON,
    )
    assert broken.status_code == 200, broken.content
    assert (broken.json()["status"], broken.json()["goals_achieved"]) == ("broken", False)


def test_contract_ending_before_it_starts_is_refused_and_nothing_is_saved(
    family: tuple[Any, Any],
) -> None:
    before = _count(SocialContract)
    today = timezone.localdate()
    response = api(SLUG, "socjalny").post(
        "/api/contracts/",
        _contract_body(*family, ends_on=(today - dt.timedelta(days=20)).isoformat()),
        content_type=JSON,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["ends_on"] == ["Kontrakt nie może kończyć się przed dniem rozpoczęcia."]
    assert _count(SocialContract) == before


def test_contract_only_with_a_current_member_of_the_case_household(
    family: tuple[Any, Any],
) -> None:
    stranger = person(SLUG, last_name="Obca")
    response = api(SLUG, "socjalny").post(
        "/api/contracts/",
        _contract_body(family[0], stranger, goals=""),
        content_type=JSON,
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["person"] == [
        "Osoba nie jest obecnie członkiem gospodarstwa domowego tej sprawy."
    ]
    assert fields["goals"] == ["Podaj cele kontraktu."]
    assert _count(SocialContract, person__public_id=stranger.public_id) == 0


@pytest.mark.parametrize("username", ["pierwszy.kontakt", "swiadczenia", "uslugi", "audytor"])
def test_roles_without_social_work_cannot_conclude_contracts(
    family: tuple[Any, Any], username: str
) -> None:
    before = _count(SocialContract)
    response = api(SLUG, username).post(
        "/api/contracts/", _contract_body(*family), content_type=JSON
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_allowed_contract_manage"
    assert "kontraktów socjalnych" in body["message"]
    assert _count(SocialContract) == before


def test_auditor_cannot_sign_a_contract(family: tuple[Any, Any]) -> None:
    contract = _draft(api(SLUG, "socjalny"), family)
    response = api(SLUG, "audytor").post(
        f"/api/contracts/{contract['id']}/sign/",
        {"signed_on": timezone.localdate().isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert _count(SocialContract, public_id=contract["id"], status="draft") == 1


def test_invalid_contract_transitions_are_conflicts(family: tuple[Any, Any]) -> None:
    social = api(SLUG, "socjalny")
    today = timezone.localdate().isoformat()
    contract = _draft(social, family)
    url = f"/api/contracts/{contract['id']}"
    close = {"closed_on": today, "goals_achieved": True, "outcome_note": "Cele osiągnięte."}

    draft_completed = social.post(f"{url}/complete/", close, content_type=JSON)
    assert draft_completed.status_code == 409
    assert draft_completed.json()["code"] == "contract_not_in_force"
    assert "projekt" in draft_completed.json()["message"]

    assert social.post(f"{url}/sign/", {"signed_on": today}, content_type=JSON).status_code == 200
    signed_twice = social.post(f"{url}/sign/", {"signed_on": today}, content_type=JSON)
    assert (signed_twice.status_code, signed_twice.json()["code"]) == (409, "contract_not_draft")

    assert social.post(f"{url}/complete/", close, content_type=JSON).status_code == 200
    broken_after = social.post(
        f"{url}/break/", {"closed_on": today, "outcome_note": "x"}, content_type=JSON
    )
    assert (broken_after.status_code, broken_after.json()["code"]) == (
        409,
        "contract_not_in_force",
    )
    review = social.post(f"{url}/reviews/", {"due_on": today}, content_type=JSON)
    assert (review.status_code, review.json()["code"]) == (409, "contract_closed")
    assert social.get(f"{url}/").json()["status"] == "completed"


def test_review_date_outside_the_contract_and_a_review_recorded_twice(
    family: tuple[Any, Any],
) -> None:
    social = api(SLUG, "socjalny")
    today = timezone.localdate()
    contract = _draft(social, family)
    url = f"/api/contracts/{contract['id']}"
    outside = social.post(
        f"{url}/reviews/",
        {"due_on": (today + dt.timedelta(days=200)).isoformat()},
        content_type=JSON,
    )
    assert outside.status_code == 400 and "due_on" in outside.json()["fields"]
    review = social.post(f"{url}/reviews/", {"due_on": today.isoformat()}, content_type=JSON)
    record_url = f"{url}/reviews/{review.json()['id']}/record/"
    body = {"done_on": today.isoformat(), "note": "Ocena."}
    unsigned = social.post(record_url, body, content_type=JSON)
    assert (unsigned.status_code, unsigned.json()["code"]) == (409, "contract_not_in_force")
    social.post(f"{url}/sign/", {"signed_on": today.isoformat()}, content_type=JSON)
    assert social.post(record_url, body, content_type=JSON).status_code == 200
    twice = social.post(record_url, body, content_type=JSON)
    assert (twice.status_code, twice.json()["code"]) == (409, "review_done")


# --- activity log ------------------------------------------------------------------------------


def _free_day(*usernames: str) -> dt.date:
    """A recent day on which none of these workers has logged time yet (the demo history logs
    time for the demo accounts too)."""
    today = timezone.localdate()
    with schema_context(SLUG):
        taken = set(
            ActivityEntry.objects.filter(
                worker__username__in=usernames, day__gte=today - dt.timedelta(days=400)
            ).values_list("day", flat=True)
        )
    return next(
        day for day in (today - dt.timedelta(days=i) for i in range(1, 400)) if day not in taken
    )


def _team_minutes(client: Client, period: str, team: str) -> dict[str, Any]:
    response = client.get(f"/api/activities/summary/?{period}&team={team}")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_worker_logs_time_and_the_day_total_is_capped_at_960_minutes(
    family: tuple[Any, Any],
) -> None:
    social = api(SLUG, "socjalny")
    day = _free_day("socjalny").isoformat()
    household_id = str(family[0].household.public_id)
    first = social.post(
        "/api/activities/",
        {"day": day, "minutes": 900, "category": "social_work", "household": household_id},
        content_type=JSON,
    )
    assert first.status_code == 201, first.content
    assert (first.json()["worker"]["username"], first.json()["household"]) == (
        "socjalny",
        household_id,
    )
    before = _count(ActivityEntry, worker__username="socjalny", day=day)
    too_much = social.post(
        "/api/activities/", {"day": day, "minutes": 61, "category": "other"}, content_type=JSON
    )
    assert too_much.status_code == 400
    body = too_much.json()
    assert body["code"] == "day_total_exceeded"
    assert "960" in body["fields"]["minutes"][0] and "60 min" in body["fields"]["minutes"][0]
    assert _count(ActivityEntry, worker__username="socjalny", day=day) == before
    exactly = social.post(
        "/api/activities/", {"day": day, "minutes": 60, "category": "other"}, content_type=JSON
    )
    assert exactly.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 0, "category": "social_work"}, "minutes"),
        ({"minutes": 961, "category": "social_work"}, "minutes"),
        ({"minutes": 30, "category": "kawa"}, "category"),
    ],
)
def test_activity_with_bad_minutes_or_category_is_refused(body: dict[str, Any], field: str) -> None:
    before = _count(ActivityEntry)
    response = api(SLUG, "socjalny").post(
        "/api/activities/",
        {"day": timezone.localdate().isoformat(), **body},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _count(ActivityEntry) == before


def test_auditor_cannot_log_time() -> None:
    response = api(SLUG, "audytor").post(
        "/api/activities/",
        {"day": timezone.localdate().isoformat(), "minutes": 30, "category": "other"},
        content_type=JSON,
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed_activity_log")


def test_activity_list_filters_and_summary_gives_the_share_of_social_work() -> None:
    day = _free_day("socjalny", "uslugi")
    social, services = user(SLUG, "socjalny"), user(SLUG, "uslugi")
    manager = api(SLUG, "kierownik")
    period = f"from={day}&to={day}"
    team_before = _team_minutes(manager, period, "praca-socjalna-uslugi")["total"]
    section_before = _team_minutes(manager, period, "sekcja-pomocy-srodowiskowej")["total"]
    benefits_before = _team_minutes(manager, period, "swiadczenia")["total"]
    with schema_context(SLUG):
        for worker, minutes, category in (
            (social, 300, "social_work"),
            (social, 100, "proceedings"),
            (services, 200, "services"),
            (services, 200, "social_work"),
        ):
            activity_log(user=worker, day=day, minutes=minutes, category=category)
    mine = manager.get(f"/api/activities/?worker={social.public_id}&{period}").json()
    assert sorted(e["minutes"] for e in mine["results"]) == [100, 300]
    theirs = manager.get(
        f"/api/activities/?worker={services.public_id}&category=social_work&{period}"
    ).json()
    assert [e["minutes"] for e in theirs["results"]] == [200]

    data = _team_minutes(manager, period, "praca-socjalna-uslugi")
    by_worker = {w["worker"]["username"]: w for w in data["workers"]}
    assert by_worker["socjalny"]["minutes"] == {
        "social_work": 300,
        "proceedings": 100,
        "services": 0,
        "other": 0,
    }
    assert by_worker["socjalny"]["team"]["code"] == "praca-socjalna-uslugi"
    assert by_worker["socjalny"]["social_work_share"] == "0.7500"
    assert by_worker["uslugi"]["social_work_share"] == "0.5000"
    assert [t["team"]["code"] for t in data["teams"]] == ["praca-socjalna-uslugi"]
    total = data["total"]
    assert total["total_minutes"] == team_before["total_minutes"] + 800
    assert total["minutes"]["social_work"] == team_before["minutes"]["social_work"] + 500
    # The section counts the teams under it; another team is unaffected.
    section = _team_minutes(manager, period, "sekcja-pomocy-srodowiskowej")["total"]
    assert section["total_minutes"] == section_before["total_minutes"] + 800
    benefits = _team_minutes(manager, period, "swiadczenia")["total"]
    assert benefits == benefits_before
    unknown = manager.get(f"/api/activities/summary/?{period}&team=nie-ma")
    assert unknown.status_code == 400 and "team" in unknown.json()["fields"]
    backwards = manager.get("/api/activities/summary/?from=2024-03-05&to=2024-03-01")
    assert backwards.status_code == 400 and "to" in backwards.json()["fields"]


# --- individual programmes ---------------------------------------------------------------------


def test_programme_is_created_completed_and_cannot_end_twice(family: tuple[Any, Any]) -> None:
    social = api(SLUG, "socjalny")
    today = timezone.localdate()
    opened, head = family
    body = {
        "case": str(opened.public_id),
        "person": str(head.public_id),
        "kind": "independence",
        "starts_on": (today - dt.timedelta(days=30)).isoformat(),
        "goals": "Samodzielne mieszkanie.",
    }
    bad = social.post(
        "/api/programmes/",
        body | {"ends_on": (today - dt.timedelta(days=40)).isoformat()},
        content_type=JSON,
    )
    assert bad.status_code == 400 and "ends_on" in bad.json()["fields"]
    assert _count(IndividualProgramme, case__public_id=opened.public_id) == 0
    created = social.post("/api/programmes/", body, content_type=JSON)
    assert created.status_code == 201, created.content
    url = f"/api/programmes/{created.json()['id']}"
    done = social.post(f"{url}/complete/", {"ends_on": today.isoformat()}, content_type=JSON)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["ends_on"]) == ("completed", today.isoformat())
    again = social.post(f"{url}/discontinue/", {"ends_on": today.isoformat()}, content_type=JSON)
    assert (again.status_code, again.json()["code"]) == (409, "programme_not_active")
    listed = social.get(f"/api/programmes/?case={opened.public_id}&status=completed").json()
    assert [p["id"] for p in listed["results"]] == [created.json()["id"]]
    denied = api(SLUG, "pierwszy.kontakt").post("/api/programmes/", body, content_type=JSON)
    assert denied.status_code == 403


# --- social projects and PAL -------------------------------------------------------------------


def test_project_participants_are_added_once_and_removed() -> None:
    social = api(SLUG, "socjalny")
    today = timezone.localdate()
    created = social.post(
        "/api/projects/",
        {
            "name": "Klub Seniora „Razem”",
            "kind": "pal",
            "starts_on": (today - dt.timedelta(days=60)).isoformat(),
            "target_groups": ["seniorzy", "osoby samotne"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    url = f"/api/projects/{created.json()['id']}"
    member = person(SLUG, last_name="Uczestniczka")
    body = {"person": str(member.public_id), "joined_on": today.isoformat()}
    added = social.post(f"{url}/participants/", body, content_type=JSON)
    assert added.status_code == 201, added.content
    twice = social.post(f"{url}/participants/", body, content_type=JSON)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_participating")
    early = social.post(
        f"{url}/participants/",
        {
            "person": str(person(SLUG).public_id),
            "joined_on": (today - dt.timedelta(days=90)).isoformat(),
        },
        content_type=JSON,
    )
    assert early.status_code == 400 and "joined_on" in early.json()["fields"]
    detail = social.get(f"{url}/").json()
    assert detail["participants_count"] == 1
    assert [p["person"]["last_name"] for p in detail["participations"]] == ["Uczestniczka"]
    # Other roles see the project and its head count, never who takes part.
    for username in ("swiadczenia", "uslugi", "pierwszy.kontakt"):
        seen = api(SLUG, username).get(f"{url}/").json()
        assert (seen["participants_count"], seen["participations"]) == (1, []), username
    audited = api(SLUG, "audytor").get(f"{url}/").json()["participations"]
    assert [p["person"]["last_name"] for p in audited] == ["Uczestniczka"]
    remove_url = f"{url}/participants/{added.json()['id']}/remove/"
    removed = social.post(remove_url, {"left_on": today.isoformat()}, content_type=JSON)
    assert removed.status_code == 200 and removed.json()["left_on"] == today.isoformat()
    again = social.post(remove_url, {"left_on": today.isoformat()}, content_type=JSON)
    assert (again.status_code, again.json()["code"]) == (409, "participation_ended")
    assert social.get(f"{url}/").json()["participants_count"] == 0
    denied = api(SLUG, "swiadczenia").post(
        "/api/projects/",
        {"name": "X", "kind": "social_project", "starts_on": today.isoformat()},
        content_type=JSON,
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "not_allowed_project_manage")
    assert _count(CommunityProject, name="X") == 0


# --- query counts ------------------------------------------------------------------------------


@pytest.fixture
def twelve_of_each() -> None:
    social = user(SLUG, "socjalny")
    today = timezone.localdate()
    with schema_context(SLUG):
        project = project_create(
            user=social, name="Projekt liczony", kind="social_project", starts_on=today
        )
    for i in range(12):
        head = person(SLUG, last_name=f"Liczona{i}")
        hh = household(SLUG, head)
        opened = assigned(SLUG, case(SLUG, hh), "socjalny")
        with schema_context(SLUG):
            child = person(SLUG, first_name="Jan", last_name=f"Liczony{i}")
            household_member_add(user=social, household=hh, person=child, relation=Relation.CHILD)
            activity_log(
                user=social,
                day=today - dt.timedelta(days=i),
                minutes=30,
                category="social_work",
                household=hh,
            )
            contract_create(
                user=social,
                case=opened,
                person=head,
                variant="family",
                goals="Cele",
                client_obligations="Zobowiązania",
                centre_obligations="Wsparcie",
                starts_on=today,
                ends_on=today + dt.timedelta(days=90),
            )
            programme_create(
                user=social, case=opened, person=child, kind="independence", starts_on=today
            )
            project_create(user=social, name=f"Projekt {i}", kind="pal", starts_on=today)
            project_participant_add(user=social, project=project, person=child, joined_on=today)


@pytest.mark.parametrize(
    "url", ["/api/activities/", "/api/contracts/", "/api/programmes/", "/api/projects/"]
)
def test_list_queries_do_not_grow_with_page_size(twelve_of_each: None, url: str) -> None:
    client = api(SLUG, "kierownik")
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        assert response.json()["count"] >= 12
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts}"


def test_signed_contracts_become_active_when_their_start_date_comes() -> None:
    import datetime as dt

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from casework.audit import SYSTEM, Actor, acting_as
    from casework.models import AuditEntry, SocialContract
    from casework.services.socialwork import (
        contract_create,
        contract_sign,
        contracts_activate_due,
    )
    from tests.casework.factories import case as make_case
    from tests.casework.factories import user as demo_user

    opened = assigned("krasnystaw", make_case("krasnystaw"), "socjalny")
    social = demo_user("krasnystaw", "socjalny")
    today = timezone.localdate()
    with schema_context("krasnystaw"):
        head = opened.household.members.get().person
        with acting_as(Actor.for_user(social)):
            contract = contract_create(
                user=social, case=opened, person=head, variant="standard", goals="Praca",
                client_obligations="Udział w warsztatach", centre_obligations="Wsparcie",
                starts_on=today + dt.timedelta(days=7), ends_on=today + dt.timedelta(days=97),
            )  # fmt: skip
            contract = contract_sign(user=social, contract=contract, signed_on=today)
        assert contract.status == "signed"
        assert contracts_activate_due(on=today) == 0
        before = AuditEntry.objects.filter(actor_username=SYSTEM.username).count()
        assert contracts_activate_due(on=today + dt.timedelta(days=7)) >= 1
        assert SocialContract.objects.get(pk=contract.pk).status == "active"
        assert (
            AuditEntry.objects.filter(
                actor_username=SYSTEM.username, object_id=str(contract.public_id)
            ).count()
            == 1
        )
        assert AuditEntry.objects.filter(actor_username=SYSTEM.username).count() > before
