"""The day at Krasnystaw, through the API only: a person walks in at the first-contact desk, is
routed, applies for zasiłek okresowy, gets an interview and a decision within the deadlines, and
appeals in time; every bad input on the way is refused with its field and nothing saved is lost."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.calendar_days import add_months_kpa, add_working_days, working_days_between
from casework.models import Application, Decision, Intake, Person
from tests.casework.factories import api, new_pesel, user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def refused(response: Any, field: str, status: int = 400) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "message", "fields"}
    assert field in body["fields"], body
    assert body["fields"][field][0]  # a message a clerk can read
    return body


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def desk() -> Client:
    return api(SLUG, "pierwszy.kontakt")


@pytest.fixture
def benefits() -> Client:
    """A benefits worker who joined today: in the benefits team, no authorisation yet."""
    from decimal import Decimal

    from tenants.accounts.services import account_create
    from tenants.demo import DEMO_PASSWORD
    from tenants.org.models import StaffPosition, Team

    with schema_context(SLUG):
        worker = account_create(
            schema_name=SLUG,
            username="nowa.swiadczenia",
            role="benefits",
            password=DEMO_PASSWORD,
            first_name="Nowa",
            last_name="Pracownica",
        )
        StaffPosition.objects.create(
            team=Team.objects.get(code="swiadczenia"),
            person=worker,
            job_title="pracownik socjalny",
            fte=Decimal("1.00"),
            is_social_worker=True,
            started_on=timezone.localdate(),
        )
    return api(SLUG, "nowa.swiadczenia")


def register_walk_in(desk: Client) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    person = ok(
        post(
            desk,
            "/api/people/",
            {
                "first_name": "Krystyna",
                "last_name": "Wzorcowa",
                "pesel": new_pesel(dt.date(1971, 2, 3)),
                "street": "ul. Przykładowa 5",
                "postal_code": "22-300",
                "city": "Krasnystaw",
            },
        ),
        201,
    )
    household = ok(post(desk, "/api/households/", {"head": person["id"]}), 201)
    intake = ok(
        post(
            desk,
            "/api/intakes/",
            {
                "channel": "visit",
                "reporter_kind": "self",
                "person": person["id"],
                "reasons": ["ubostwo", "bezrobocie"],
                "notes": "Utrata pracy, brak środków.",
            },
        ),
        201,
    )
    return person, household, intake


def test_walk_in_routed_applies_interviewed_decided_and_appeals(
    desk: Client, benefits: Client
) -> None:
    person, household, intake = register_walk_in(desk)
    assert intake["household"] == household["id"]
    assert intake["outcome"] == "pending"

    worker = user(SLUG, "nowa.swiadczenia")
    routed = ok(
        post(
            desk,
            f"/api/intakes/{intake['id']}/route/",
            {"team": "swiadczenia", "worker": str(worker.public_id)},
        )
    )
    assert routed["outcome"] == "routed" and routed["routed_team"] == "swiadczenia"
    assert routed["case"].startswith("KRA/")
    cases = ok(desk.get("/api/cases/?status=open&team=swiadczenia"))
    case = next(c for c in cases["results"] if c["number"] == routed["case"])
    assert case["assignments"][0]["worker"] == str(worker.public_id)

    today = timezone.localdate()
    application = ok(
        post(
            desk,
            "/api/applications/",
            {
                "case": case["id"],
                "applicant": person["id"],
                "received_on": today.isoformat(),
                "benefits": ["zasilek-okresowy"],
            },
        ),
        201,
    )
    assert application["decision_due_on"] == add_months_kpa(today, 1).isoformat()

    # First contact takes applications but issues no decisions.
    response = post(
        desk,
        "/api/decisions/",
        {
            "application": application["id"],
            "benefit": "zasilek-okresowy",
            "outcome": "grant",
            "amount": "500.00",
            "period_from": today.isoformat(),
            "reasoning": "x",
            "issued_on": today.isoformat(),
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed_decision_issue"

    interview = ok(
        post(
            benefits,
            "/api/interviews/",
            {
                "case": case["id"],
                "application": application["id"],
                "needed_since": today.isoformat(),
            },
        ),
        201,
    )
    assert interview["due_on"] == add_working_days(today, 14).isoformat()
    ok(
        post(
            benefits,
            f"/api/interviews/{interview['id']}/record/",
            {
                "conducted_on": today.isoformat(),
                "diagnosis": "Bezrobocie, brak dochodu.",
                "help_plan": "Zasiłek okresowy, praca socjalna, kontakt z PUP.",
            },
        )
    )

    decision_data = {
        "application": application["id"],
        "benefit": "zasilek-okresowy",
        "outcome": "grant",
        "amount": "612.50",
        "period_from": today.isoformat(),
        "period_to": (today + dt.timedelta(days=90)).isoformat(),
        "payment_schedule": "monthly",
        "reasoning": "Dochód poniżej kryterium, bezrobocie.",
        "issued_on": today.isoformat(),
    }
    # No authorisation yet: refused, nothing saved.
    response = post(benefits, "/api/decisions/", decision_data)
    assert response.status_code == 403 and response.json()["code"] == "no_authorisation"
    manager = api(SLUG, "kierownik")
    ok(
        post(
            manager,
            "/api/authorisations/",
            {
                "worker": str(worker.public_id),
                "reference": "OPS.077.1.2026",
                "valid_from": (today - dt.timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    decision = ok(post(benefits, "/api/decisions/", decision_data), 201)
    assert decision["number"].startswith("KRA/D/")
    assert decision["legal_basis"] == "art. 38 u.p.s."
    assert decision["interview"] == interview["id"]
    assert ok(benefits.get(f"/api/applications/{application['id']}/"))["status"] == "decided"
    assert working_days_between(today, dt.date.fromisoformat(application["decision_due_on"])) > 0

    ok(
        post(
            benefits,
            f"/api/decisions/{decision['id']}/deliver/",
            {"delivered_on": today.isoformat()},
        )
    )
    appeal = ok(
        post(
            benefits, "/api/appeals/", {"decision": decision["id"], "lodged_on": today.isoformat()}
        ),
        201,
    )
    ok(post(benefits, f"/api/appeals/{appeal['id']}/forward/", {"forwarded_on": today.isoformat()}))
    decided = ok(
        post(
            benefits,
            f"/api/appeals/{appeal['id']}/decide/",
            {"outcome": "upheld", "outcome_on": today.isoformat()},
        )
    )
    assert decided["outcome"] == "upheld"


def test_resolved_at_the_desk(desk: Client) -> None:
    _, _, intake = register_walk_in(desk)
    resolved = ok(
        post(
            desk,
            f"/api/intakes/{intake['id']}/resolve/",
            {"outcome": "referral_outside", "note": "PUP Krasnystaw"},
        )
    )
    assert resolved["outcome"] == "referral_outside" and resolved["resolved_at"]
    response = post(desk, f"/api/intakes/{intake['id']}/route/", {"team": "swiadczenia"})
    assert response.status_code == 409
    assert response.json()["code"] == "intake_already_resolved"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pesel": "71020312345"}, "pesel"),  # wrong check digit
        ({"pesel": "71023112348"}, "pesel"),  # 31 February
        (
            {
                "pesel": "",
                "date_of_birth": "2999-01-01",
                "sex": "F",
                "document_type": "passport",
                "document_number": "X1",
            },
            "date_of_birth",
        ),
        ({"pesel": ""}, "pesel"),  # neither PESEL nor a document
        ({"postal_code": "22300"}, "postal_code"),
    ],
)
def test_bad_person_data_is_refused(desk: Client, data: dict[str, Any], field: str) -> None:
    before = _count(Person)
    payload = {"first_name": "Jan", "last_name": "Błędny", "pesel": new_pesel()} | data
    refused(post(desk, "/api/people/", payload), field)
    assert _count(Person) == before


def test_pesel_and_recorded_sex_must_agree(desk: Client) -> None:
    body = refused(
        post(
            desk,
            "/api/people/",
            {
                "first_name": "Jan",
                "last_name": "Niezgodny",
                "pesel": new_pesel(female=True),
                "sex": "M",
            },
        ),
        "sex",
    )
    assert "PESEL" in body["fields"]["sex"][0]


def test_duplicate_pesel_is_a_conflict(desk: Client) -> None:
    pesel = new_pesel(dt.date(1990, 1, 1))
    ok(
        post(desk, "/api/people/", {"first_name": "Ala", "last_name": "Pierwsza", "pesel": pesel}),
        201,
    )
    body = refused(
        post(desk, "/api/people/", {"first_name": "Ala", "last_name": "Druga", "pesel": pesel}),
        "pesel",
        409,
    )
    assert body["code"] == "duplicate_pesel"


def test_a_foreigner_without_pesel_is_registered_with_a_document(desk: Client) -> None:
    person = ok(
        post(
            desk,
            "/api/people/",
            {
                "first_name": "Olena",
                "last_name": "Testowa",
                "document_type": "residence_card",
                "document_number": "RC1234567",
                "date_of_birth": "1988-04-12",
                "sex": "F",
                "citizenship": "ukraińskie",
            },
        ),
        201,
    )
    assert person["pesel"] is None
    found = ok(desk.get("/api/people/?q=RC1234567"))
    assert [p["id"] for p in found["results"]] == [person["id"]]


def test_intake_reasons_follow_the_dated_dictionary(desk: Client) -> None:
    _, household, _ = register_walk_in(desk)
    refused(
        post(
            desk,
            "/api/intakes/",
            {
                "channel": "phone",
                "reporter_kind": "police",
                "reporter_name": "KPP Krasnystaw",
                "household": household["id"],
                "reasons": ["przemoc-w-rodzinie"],
            },
        ),
        "reasons",
    )
    earlier = ok(
        post(
            desk,
            "/api/intakes/",
            {
                "channel": "phone",
                "reporter_kind": "police",
                "reporter_name": "KPP Krasnystaw",
                "household": household["id"],
                "reasons": ["przemoc-w-rodzinie"],
                "arrived_at": "2023-05-10T09:30:00+02:00",
            },
        ),
        201,
    )
    assert earlier["reasons"] == ["przemoc-w-rodzinie"]
    refused(
        post(
            desk,
            "/api/intakes/",
            {
                "channel": "phone",
                "reporter_kind": "police",
                "household": household["id"],
                "reasons": ["przemoc-domowa"],
            },
        ),
        "reporter_name",
    )


def _prepared_application(desk: Client, benefits: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    person, _, intake = register_walk_in(desk)
    routed = ok(post(desk, f"/api/intakes/{intake['id']}/route/", {"team": "swiadczenia"}))
    case = ok(desk.get("/api/cases/?status=open&team=swiadczenia&page_size=200"))
    case_id = next(c["id"] for c in case["results"] if c["number"] == routed["case"])
    today = timezone.localdate()
    application = ok(
        post(
            desk,
            "/api/applications/",
            {
                "case": case_id,
                "applicant": person["id"],
                "received_on": today.isoformat(),
                "benefits": ["zasilek-celowy"],
            },
        ),
        201,
    )
    worker = user(SLUG, "nowa.swiadczenia")
    with schema_context(SLUG):
        from casework.services.proceedings import authorisation_grant

        authorisation_grant(
            user=user(SLUG, "kierownik"),
            worker=worker,
            reference="UPR/1",
            valid_from=today - dt.timedelta(days=365),
        )
    return application, {"case": case_id, "person": person["id"]}


def interview_done(client: Client, case_id: str) -> None:
    """Schedule and record today's family interview for the case."""
    today = timezone.localdate().isoformat()
    interview = ok(post(client, "/api/interviews/", {"case": case_id, "needed_since": today}), 201)
    ok(
        post(
            client,
            f"/api/interviews/{interview['id']}/record/",
            {"conducted_on": today, "diagnosis": "d", "help_plan": "p"},
        )
    )


def _decision(application: dict[str, Any], **changes: Any) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return {
        "application": application["id"],
        "benefit": "zasilek-celowy",
        "outcome": "grant",
        "amount": "300.00",
        "period_from": today,
        "payment_schedule": "once",
        "reasoning": "Potrzeba zakupu opału.",
        "issued_on": today,
    } | changes


def test_no_decision_without_an_interview(desk: Client, benefits: Client) -> None:
    application, _ = _prepared_application(desk, benefits)
    body = refused(post(benefits, "/api/decisions/", _decision(application)), "interview")
    assert "wywiad" in body["fields"]["interview"][0]
    assert not _decided(application)


def test_negative_amount_and_reversed_period_are_refused(desk: Client, benefits: Client) -> None:
    application, ids = _prepared_application(desk, benefits)
    interview_done(benefits, ids["case"])
    refused(post(benefits, "/api/decisions/", _decision(application, amount="-10.00")), "amount")
    today = timezone.localdate()
    refused(
        post(
            benefits,
            "/api/decisions/",
            _decision(
                application,
                period_from=today.isoformat(),
                period_to=(today - dt.timedelta(days=1)).isoformat(),
            ),
        ),
        "period_to",
    )
    assert not _decided(application)
    ok(post(benefits, "/api/decisions/", _decision(application)), 201)


def test_a_role_without_decisions_cannot_issue_even_with_an_authorisation_attempt(
    desk: Client,
) -> None:
    social = api(SLUG, "socjalny")
    manager = api(SLUG, "kierownik")
    response = post(
        manager,
        "/api/authorisations/",
        {
            "worker": str(user(SLUG, "socjalny").public_id),
            "reference": "X",
            "valid_from": "2020-01-01",
        },
    )
    refused(response, "worker")
    response = post(social, "/api/applications/", {})
    assert response.status_code in (400, 403)
    auditor = api(SLUG, "audytor")
    response = post(
        auditor, "/api/people/", {"first_name": "A", "last_name": "B", "pesel": new_pesel()}
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed_person_write"


def test_appeal_after_fourteen_days_is_refused(desk: Client, benefits: Client) -> None:
    application, ids = _prepared_application(desk, benefits)
    interview_done(benefits, ids["case"])
    decision = ok(
        post(benefits, "/api/decisions/", _decision(application, outcome="refuse", amount=None)),
        201,
    )
    with schema_context(SLUG):
        # Delivered 30 days ago (recorded directly: the API refuses future dates only).
        Decision.objects.filter(public_id=decision["id"]).update(
            delivered_on=timezone.localdate() - dt.timedelta(days=30)
        )
    body = refused(
        post(
            benefits,
            "/api/appeals/",
            {"decision": decision["id"], "lodged_on": timezone.localdate().isoformat()},
        ),
        "lodged_on",
    )
    assert "po terminie" in body["fields"]["lodged_on"][0]


def test_unknown_ids_in_data_are_400_on_the_field(desk: Client) -> None:
    refused(
        post(
            desk,
            "/api/applications/",
            {
                "case": "00000000-0000-0000-0000-000000000000",
                "applicant": "00000000-0000-0000-0000-000000000000",
                "received_on": "2026-01-05",
                "benefits": ["zasilek-okresowy"],
            },
        ),
        "case",
    )
    assert desk.get("/api/cases/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_malformed_json_is_a_clear_400(desk: Client) -> None:
    response = desk.post("/api/people/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed"


def _count(model: Any) -> int:
    with schema_context(SLUG):
        return int(model.objects.count())


def _decided(application: dict[str, Any]) -> bool:
    with schema_context(SLUG):
        return Application.objects.get(public_id=application["id"]).status == "decided"


def test_intake_counts_are_kept(desk: Client) -> None:
    before = _count(Intake)
    register_walk_in(desk)
    assert _count(Intake) == before + 1
