"""Deadlines in working days (mine, my team's, the whole centre's) and caseloads vs the norm.

The clock is frozen on Wednesday 8 April 2026, two days after Easter Monday, and every date
expected below is read off the calendar (tests/casework/test_deadline_calendar.py lists the
holidays), never computed by the code under test."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

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
from tests.clock import frozen_on

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
TODAY = dt.date(2026, 4, 8)  # a Wednesday; Easter Monday was on 6 April


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with frozen_on(TODAY):
        yield


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
    moved by a delay notice, one whose KPA month ended on Easter Monday, an appeal not forwarded
    to the SKO whose 7th day was Easter Monday, and contract reviews due soon and later."""
    manager, benefits, social = (user(SLUG, n) for n in ("kierownik", "swiadczenia", "socjalny"))
    head = person(SLUG, last_name="Terminowa")
    opened = case(SLUG, household(SLUG, head), opened_on=dt.date(2026, 1, 5))
    _assign(opened, "swiadczenia", "swiadczenia")
    _assign(opened, "praca-socjalna-uslugi", "socjalny")
    with schema_context(SLUG):
        # Needed since Monday 2 March: 14 working days end on Friday 20 March.
        overdue_interview = interview_schedule(
            user=manager, case=opened, worker=benefits, needed_since=dt.date(2026, 3, 2)
        )
        # A decided application whose decision is under appeal.
        decided = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=dt.date(2026, 3, 2),
            benefits=["zasilek-celowy"],
        )
        conducted = interview_schedule(
            user=manager,
            case=opened,
            worker=manager,
            needed_since=dt.date(2026, 3, 2),
            application=decided,
        )
        interview_record(
            user=manager,
            interview=conducted,
            conducted_on=dt.date(2026, 3, 5),
            diagnosis="Trudna sytuacja materialna.",
            help_plan="Zasiłek celowy na opał.",
        )
        authorisation_grant(
            user=manager, worker=manager, reference="U/7", valid_from=dt.date(2026, 1, 5)
        )
        decision = decision_issue(
            user=manager,
            application=decided,
            benefit="zasilek-celowy",
            outcome="refuse",
            reasoning="Dochód powyżej kryterium.",
            issued_on=dt.date(2026, 3, 16),
        )
        decision_deliver(user=manager, decision=decision, delivered_on=dt.date(2026, 3, 20))
        # Lodged on Monday 30 March: the 7th day is Easter Monday, so it is due on Tuesday 7 April.
        appeal = appeal_register(user=manager, decision=decision, lodged_on=dt.date(2026, 3, 30))
        # Received on Friday 6 March: the month ends on Easter Monday, so on Tuesday 7 April.
        kpa_month = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=dt.date(2026, 3, 6),
            benefits=["zasilek-celowy"],
        )
        # Received on Monday 9 March (due Thursday 9 April), moved by a delay notice to Friday
        # 10 April.
        pending = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=dt.date(2026, 3, 9),
            benefits=["zasilek-celowy"],
        )
        delay_notice_send(
            user=manager,
            application=pending,
            sent_on=dt.date(2026, 4, 3),
            new_due_on=dt.date(2026, 4, 10),
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
            starts_on=dt.date(2026, 3, 9),
            ends_on=dt.date(2026, 7, 31),
        )
        contract_sign(user=social, contract=contract, signed_on=dt.date(2026, 3, 9))
        # Friday 10 April is 2 working days ahead; Wednesday 22 April is 10.
        review_soon = contract_review_plan(
            user=social, contract=contract, due_on=dt.date(2026, 4, 10)
        )
        review_later = contract_review_plan(
            user=social, contract=contract, due_on=dt.date(2026, 4, 22)
        )
    return {
        "case": opened,
        "interview": overdue_interview,
        "appeal": appeal,
        "application": pending,
        "kpa_month": kpa_month,
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
    interview = _items("swiadczenia")[_id(busy_case["interview"])]
    assert interview["kind"] == "interview"
    assert interview["kind_label"] == "rodzinny wywiad środowiskowy"
    assert interview["due_on"] == "2026-03-20"
    # 23–27 March, 30 March – 3 April, 7 and 8 April (Easter Monday is not counted).
    assert interview["working_days_left"] == -12
    assert interview["case_number"] == busy_case["case"].number
    assert interview["household"] == str(busy_case["case"].household.public_id)
    assert interview["worker"]["username"] == "swiadczenia"


def test_proceedings_deadlines_follow_the_delay_notice_and_kpa_art_133(
    busy_case: dict[str, Any],
) -> None:
    items = _items("swiadczenia")
    application = items[_id(busy_case["application"])]
    assert application["kind"] == "decision"
    assert (application["due_on"], application["working_days_left"]) == ("2026-04-10", 2)
    kpa_month = items[_id(busy_case["kpa_month"])]
    assert (kpa_month["due_on"], kpa_month["working_days_left"]) == ("2026-04-07", -1)
    appeal = items[_id(busy_case["appeal"])]
    assert appeal["kind"] == "appeal_forward"
    # Not Easter Monday (6 April, the 7th day) but the next working day.
    assert (appeal["due_on"], appeal["working_days_left"]) == ("2026-04-07", -1)
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
    assert everything[_id(busy_case["appeal"])]["due_on"] == "2026-04-07"


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
            closed_on=TODAY,
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
    today = TODAY
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
