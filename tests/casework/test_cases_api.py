"""Cases: one open case per household, assignments per function, handovers with reason and time,
and a worker's caseload."""

import pytest

from tests.casework.factories import api, case, household, user

pytestmark = pytest.mark.django_db
SLUG = "myslenice"


def test_handover_between_teams_is_recorded_and_reassigns() -> None:
    manager = api(SLUG, "kierownik")
    opened = case(SLUG)
    worker = user(SLUG, "swiadczenia")
    response = manager.post(
        f"/api/cases/{opened.public_id}/assign/",
        {"team": "swiadczenia", "worker": str(worker.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    social = user(SLUG, "socjalny")
    response = manager.post(
        f"/api/cases/{opened.public_id}/handover/",
        {
            "team": "praca-socjalna",
            "worker": str(social.public_id),
            "reason": "Potrzebna praca socjalna z rodziną.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    handover = response.json()
    assert (handover["from_team"], handover["to_team"]) == ("swiadczenia", "praca-socjalna")
    detail = manager.get(f"/api/cases/{opened.public_id}/").json()
    assert [a["team"] for a in detail["assignments"]] == ["praca-socjalna"]
    assert len(detail["handovers"]) == 1
    mine = api(SLUG, "socjalny").get(f"/api/cases/?worker={social.public_id}").json()
    assert opened.number in [c["number"] for c in mine["results"]]


def test_handover_needs_a_reason_and_a_worker_of_that_team() -> None:
    manager = api(SLUG, "kierownik")
    opened = case(SLUG)
    response = manager.post(
        f"/api/cases/{opened.public_id}/handover/",
        {"team": "praca-socjalna", "reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    response = manager.post(
        f"/api/cases/{opened.public_id}/handover/",
        {
            "team": "praca-socjalna",
            "worker": str(user(SLUG, "swiadczenia").public_id),
            "reason": "Zmiana",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "worker_not_in_team"


def test_one_open_case_per_household() -> None:
    hh = household(SLUG)
    case(SLUG, hh)
    response = api(SLUG, "kierownik").post(
        "/api/cases/", {"household": str(hh.public_id)}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "case_already_open"


def test_closing_a_case_before_it_opened_is_refused() -> None:
    opened = case(SLUG)
    response = api(SLUG, "kierownik").post(
        f"/api/cases/{opened.public_id}/close/",
        {"closed_on": "2000-01-01", "reason": "Poprawa sytuacji"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "closed_on" in response.json()["fields"]


def test_auditor_reads_but_cannot_open_a_case() -> None:
    auditor = api(SLUG, "audytor")
    assert auditor.get("/api/cases/").status_code == 200
    response = auditor.post(
        "/api/cases/",
        {"household": str(household(SLUG).public_id)},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/cases/?status=all", "status"),
        ("/api/cases/?worker=nie-uuid", "worker"),
        ("/api/intakes/?from=2026-13-01", "from"),
        ("/api/applications/?case=x", "case"),
        ("/api/interviews/?pending=moze", "pending"),
        ("/api/decisions/?application=1", "application"),
        ("/api/reference/reasons/?on=wczoraj", "on"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(url: str, parameter: str) -> None:
    response = api(SLUG, "kierownik").get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [parameter]
