"""Deadlines in working days (mine, my team's, the whole centre's) and caseloads vs the norm."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.calendar_days import add_working_days, working_days_between
from casework.services.cases import case_assign, case_close
from casework.services.proceedings import (
    appeal_register,
    application_register,
    authorisation_grant,
    decision_deliver,
    decision_issue,
    delay_notice_send,
    interview_record,
    interview_schedule,
)
from casework.services.socialwork import (
    contract_create,
    contract_review_plan,
    contract_sign,
)
from tenants.org.models import Team
from tests.casework.factories import api, case, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"


def _assign(opened: Any, team_code: str, username: str) -> None:
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=Team.objects.get(code=team_code),
            worker=user(SLUG, username),
        )


@pytest.fixture
def busy_case() -> dict[str, Any]:
    """A case with one deadline of each kind: an overdue interview, an application whose date was
    moved by a delay notice, an appeal not forwarded to the SKO and a contract review due soon."""
    today = timezone.localdate()
    manager, benefits, social = (user(SLUG, n) for n in ("kierownik", "swiadczenia", "socjalny"))
    head = person(SLUG, last_name="Terminowa")
    opened = case(SLUG, household(SLUG, head), opened_on=today - dt.timedelta(days=90))
    _assign(opened, "swiadczenia", "swiadczenia")
    _assign(opened, "praca-socjalna-uslugi", "socjalny")
    with schema_context(SLUG):
        overdue_interview = interview_schedule(
            user=manager,
            case=opened,
            worker=benefits,
            needed_since=today - dt.timedelta(days=40),
        )
        # A decided application whose decision is under appeal.
        decided = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=today - dt.timedelta(days=60),
            benefits=["zasilek-celowy"],
        )
        conducted = interview_schedule(
            user=manager,
            case=opened,
            worker=manager,
            needed_since=today - dt.timedelta(days=60),
            application=decided,
        )
        interview_record(
            user=manager,
            interview=conducted,
            conducted_on=today - dt.timedelta(days=55),
            diagnosis="Trudna sytuacja materialna.",
            help_plan="Zasiłek celowy na opał.",
        )
        authorisation_grant(
            user=manager, worker=manager, reference="U/7", valid_from=today - dt.timedelta(days=90)
        )
        decision = decision_issue(
            user=manager,
            application=decided,
            benefit="zasilek-celowy",
            outcome="refuse",
            reasoning="Dochód powyżej kryterium.",
            issued_on=today - dt.timedelta(days=20),
        )
        decision_deliver(
            user=manager, decision=decision, delivered_on=today - dt.timedelta(days=15)
        )
        appeal = appeal_register(
            user=manager, decision=decision, lodged_on=today - dt.timedelta(days=10)
        )
        # A pending application, its KPA date moved by a delay notice.
        pending = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=today - dt.timedelta(days=35),
            benefits=["zasilek-celowy"],
        )
        new_due_on = today + dt.timedelta(days=2)
        delay_notice_send(
            user=manager,
            application=pending,
            sent_on=today - dt.timedelta(days=5),
            new_due_on=new_due_on,
            reason="Oczekiwanie na zaświadczenie z ZUS.",
        )
        contract = contract_create(
            user=social,
            case=opened,
            person=head,
            variant="standard",
            goals="Cele",
            client_obligations="Zobowiązania",
            centre_obligations="Wsparcie",
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=120),
        )
        contract_sign(user=social, contract=contract, signed_on=today - dt.timedelta(days=30))
        soon = add_working_days(today, 2)
        later = add_working_days(today, 10)
        review_soon = contract_review_plan(user=social, contract=contract, due_on=soon)
        review_later = contract_review_plan(user=social, contract=contract, due_on=later)
    return {
        "case": opened,
        "interview": overdue_interview,
        "appeal": appeal,
        "application": pending,
        "new_due_on": new_due_on,
        "review_soon": review_soon,
        "review_later": review_later,
    }


def _items(username: str, query: str = "") -> dict[str, dict[str, Any]]:
    """Every deadline the user sees, page after page (the demo history adds its own)."""
    client = api(SLUG, username)
    items: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        response = client.get(f"/api/deadlines/?page_size=200&page={page}&{query}")
        assert response.status_code == 200, response.content
        items |= {item["object_id"]: item for item in response.json()["results"]}
        if not response.json()["next"]:
            return items
        page += 1


def _id(record: Any) -> str:
    return str(record.public_id)


def test_overdue_interview_shows_negative_working_days(busy_case: dict[str, Any]) -> None:
    today = timezone.localdate()
    items = _items("swiadczenia")
    interview = items[_id(busy_case["interview"])]
    due = busy_case["interview"].due_on
    assert interview["kind"] == "interview"
    assert interview["kind_label"] == "rodzinny wywiad środowiskowy"
    assert interview["due_on"] == due.isoformat()
    assert interview["working_days_left"] == working_days_between(today, due) < 0
    assert interview["case_number"] == busy_case["case"].number
    assert interview["household"] == str(busy_case["case"].household.public_id)
    assert interview["worker"]["username"] == "swiadczenia"


def test_proceedings_deadlines_follow_the_delay_notice_and_kpa_art_133(
    busy_case: dict[str, Any],
) -> None:
    today = timezone.localdate()
    items = _items("swiadczenia")
    application = items[_id(busy_case["application"])]
    assert application["kind"] == "decision"
    assert application["due_on"] == busy_case["new_due_on"].isoformat()
    assert application["working_days_left"] >= 0
    appeal = items[_id(busy_case["appeal"])]
    lodged = busy_case["appeal"].lodged_on
    assert appeal["kind"] == "appeal_forward"
    assert appeal["due_on"] == (lodged + dt.timedelta(days=7)).isoformat()
    assert appeal["working_days_left"] == working_days_between(today, lodged + dt.timedelta(7))
    assert appeal["worker"]["username"] == "swiadczenia"  # assigned to the case's benefits
    # Items come earliest first.
    dates = [item["due_on"] for item in items.values()]
    assert dates == sorted(dates)


def test_mine_team_and_horizon(busy_case: dict[str, Any]) -> None:
    soon, later = _id(busy_case["review_soon"]), _id(busy_case["review_later"])
    social = _items("socjalny")
    assert soon in social and later not in social
    assert social[soon]["kind"] == "contract_review"
    assert social[soon]["working_days_left"] == 2
    assert _id(busy_case["interview"]) not in social  # not hers
    assert later in _items("socjalny", "days=10")
    # The services coordinator works in the same team: the case is the team's.
    assert soon not in _items("uslugi")
    team = _items("uslugi", "scope=team")
    assert {soon, _id(busy_case["interview"]), _id(busy_case["appeal"])} <= set(team)
    # First contact's team has no assignment of this case.
    assert soon not in _items("pierwszy.kontakt", "scope=team")


def test_all_deadlines_are_for_managers_only(busy_case: dict[str, Any]) -> None:
    response = api(SLUG, "socjalny").get("/api/deadlines/?scope=all")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed_all_deadlines"
    # The manager holds no post in a team: the team scope is empty, not an error.
    assert _items("kierownik", "scope=team") == {}
    everything = _items("kierownik", "scope=all")
    expected = {"interview", "application", "appeal", "review_soon"}
    assert {_id(busy_case[key]) for key in expected} <= set(everything)


@pytest.mark.parametrize(
    ("query", "field"), [("days=-1", "days"), ("days=61", "days"), ("scope=wszystko", "scope")]
)
def test_bad_deadline_query_is_a_400_on_the_field(query: str, field: str) -> None:
    response = api(SLUG, "socjalny").get(f"/api/deadlines/?{query}")
    assert response.status_code == 400
    assert response.json()["fields"][field][0]


# --- caseload ----------------------------------------------------------------------------------


def test_caseload_counts_open_cases_against_the_norm() -> None:
    social = api(SLUG, "socjalny")
    before = social.get("/api/caseload/").json()["count"]
    opened = [case(SLUG) for _ in range(3)]
    for each in opened:
        _assign(each, "praca-socjalna-uslugi", "socjalny")
    with schema_context(SLUG):
        case_close(
            user=user(SLUG, "kierownik"),
            case=opened[2],
            closed_on=timezone.localdate(),
            reason="Usamodzielnienie.",
        )
    mine = social.get("/api/caseload/?page_size=200").json()
    assert mine["count"] == before + 2
    assert (mine["norm"], mine["within_norm"]) == (50, mine["count"] <= 50)
    assert mine["worker"]["username"] == "socjalny"
    numbers = {c["number"]: c for c in mine["results"]}
    assert {opened[0].number, opened[1].number} <= set(numbers)
    assert opened[2].number not in numbers
    assert numbers[opened[0].number]["functions"] == ["social_work"]

    other = social.get(f"/api/caseload/?worker={user(SLUG, 'uslugi').public_id}")
    assert (other.status_code, other.json()["code"]) == (403, "not_allowed_caseload")
    managed = api(SLUG, "kierownik").get(
        f"/api/caseload/?worker={user(SLUG, 'socjalny').public_id}"
    )
    assert managed.status_code == 200 and managed.json()["count"] == before + 2


# --- query counts ------------------------------------------------------------------------------


@pytest.fixture
def twelve_cases() -> None:
    today = timezone.localdate()
    manager, social = user(SLUG, "kierownik"), user(SLUG, "socjalny")
    for i in range(12):
        head = person(SLUG, last_name=f"Zaległa{i}")
        opened = case(SLUG, household(SLUG, head))
        _assign(opened, "praca-socjalna-uslugi", "socjalny")
        with schema_context(SLUG):
            interview_schedule(
                user=manager,
                case=opened,
                worker=user(SLUG, "swiadczenia"),
                needed_since=today - dt.timedelta(days=i),
            )
            contract = contract_create(
                user=social,
                case=opened,
                person=head,
                variant="standard",
                goals="Cele",
                client_obligations="Zobowiązania",
                centre_obligations="Wsparcie",
                starts_on=today,
                ends_on=today + dt.timedelta(days=60),
            )
            contract_sign(user=social, contract=contract, signed_on=today)
            contract_review_plan(user=social, contract=contract, due_on=today)


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("kierownik", "/api/deadlines/?scope=all&days=20"),
        ("socjalny", "/api/deadlines/?scope=team&days=20"),
        ("socjalny", "/api/caseload/?"),
    ],
)
def test_list_queries_do_not_grow_with_page_size(
    twelve_cases: None, username: str, url: str
) -> None:
    client = api(SLUG, username)
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}&page_size={size}")
        assert response.status_code == 200, response.content
        assert response.json()["count"] >= 12
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts}"
