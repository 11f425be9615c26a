"""Dates and times of acts, through the API: nothing done can be dated in the future (beyond a few
minutes of clock difference) or before the centres existed (1990); nothing planned can be dated
further ahead than the planning horizon. A refused date names its field and saves nothing."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import CaseAssignment, Intake
from opsplatform.plausible_dates import CLOCK_SKEW, latest_planned_day
from tests.casework.test_journey_api import SLUG, ok, post, refused, register_walk_in

pytestmark = pytest.mark.django_db

FAR_FUTURE = "9999-12-31T10:00+01:00"
FAR_PAST = "1900-01-02T10:00+01:00"


@pytest.fixture
def desk() -> Client:
    from tests.casework.factories import api

    return api(SLUG, "pierwszy.kontakt")


def _intake_state(intake_id: str) -> tuple[str, Any, int]:
    with schema_context(SLUG):
        intake = Intake.objects.get(public_id=intake_id)
        return intake.outcome, intake.resolved_at, CaseAssignment.objects.count()


@pytest.mark.parametrize("at", [FAR_FUTURE, FAR_PAST])
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("resolve", {"outcome": "information"}),
        ("route", {"team": "swiadczenia"}),
    ],
)
def test_intake_resolved_or_routed_at_an_impossible_time_is_refused(
    desk: Client, action: str, data: dict[str, Any], at: str
) -> None:
    _person, _household, intake = register_walk_in(desk)
    before = _intake_state(intake["id"])

    body = refused(post(desk, f"/api/intakes/{intake['id']}/{action}/", {**data, "at": at}), "at")

    assert any("przyszłości" in m or "wcześniejsza" in m for m in body["fields"]["at"]), body
    assert _intake_state(intake["id"]) == before == ("pending", None, before[2])


def test_intake_resolved_a_moment_ahead_of_the_server_clock_is_accepted(desk: Client) -> None:
    """A user's clock a minute ahead is not a future act."""
    _person, _household, intake = register_walk_in(desk)
    at = timezone.now() + CLOCK_SKEW / 5
    resolved = ok(
        post(
            desk,
            f"/api/intakes/{intake['id']}/resolve/",
            {"outcome": "information", "at": at.isoformat()},
        )
    )
    assert resolved["outcome"] == "information"


def test_application_received_in_the_future_or_before_1990_is_refused(desk: Client) -> None:
    person, _household, intake = register_walk_in(desk)
    routed = ok(post(desk, f"/api/intakes/{intake['id']}/route/", {"team": "swiadczenia"}))
    cases = ok(desk.get("/api/cases/?status=open&team=swiadczenia"))
    case = next(c for c in cases["results"] if c["number"] == routed["case"])
    for received_on in ("9999-12-31", "1900-01-02", (timezone.localdate() + dt.timedelta(1))):
        refused(
            post(
                desk,
                "/api/applications/",
                {
                    "case": case["id"],
                    "applicant": person["id"],
                    "received_on": str(received_on),
                    "benefits": ["zasilek-okresowy"],
                },
            ),
            "received_on",
        )
    assert ok(desk.get(f"/api/applications/?case={case['id']}"))["count"] == 0


def test_household_joined_long_ago_is_a_fact_of_life_but_not_before_1900(desk: Client) -> None:
    from tests.casework.factories import new_pesel

    def new_person() -> str:
        return str(
            ok(
                post(
                    desk,
                    "/api/people/",
                    {
                        "first_name": "Jan",
                        "last_name": "Dawny",
                        "pesel": new_pesel(dt.date(1950, 5, 6)),
                    },
                ),
                201,
            )["id"]
        )

    refused(post(desk, "/api/households/", {"head": new_person(), "joined_on": "1850-01-01"}),
            "joined_on")  # fmt: skip
    ok(post(desk, "/api/households/", {"head": new_person(), "joined_on": "1975-06-01"}), 201)


def test_planned_dates_are_bounded_by_the_horizon() -> None:
    from opsplatform.plausible_dates import check_planned

    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    check_planned(errors, "ends_on", latest_planned_day(today))
    assert errors == {}
    check_planned(errors, "ends_on", dt.date(9999, 12, 31))
    check_planned(errors, "period_to", dt.date(1900, 1, 1))
    assert set(errors) == {"ends_on", "period_to"}
    assert latest_planned_day(dt.date(2028, 2, 29)) == dt.date(2033, 2, 28)
