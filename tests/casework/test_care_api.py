"""Care services through the API: a services coordinator plans care, records the hours delivered
and compares them with the hours planned (working days, public holidays excluded)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from casework.models import ServiceDelivery, ServicePlan
from casework.services.care import service_delivery_record, service_plan_create
from tests.casework.factories import api, assigned, case, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
JSON = "application/json"
MONDAY = dt.date(2025, 3, 3)  # a week with no public holiday


def _count(model: Any, **filters: Any) -> int:
    with schema_context(SLUG):
        return int(model.objects.filter(**filters).count())


@pytest.fixture
def family() -> tuple[Any, Any]:
    head = person(SLUG, last_name="Podopieczna")
    # The coordinator's scope: the case is assigned to the services team and to the coordinator.
    return assigned(SLUG, case(SLUG, household(SLUG, head)), "uslugi"), head


def _plan_body(family: tuple[Any, Any], **changes: Any) -> dict[str, Any]:
    opened, head = family
    return {
        "case": str(opened.public_id),
        "recipient": str(head.public_id),
        "service_type": "uslugi-opiekuncze",
        "provider_kind": "contracted",
        "provider_name": "Spółdzielnia Socjalna „Opieka”",
        "hours_per_week": "10.00",
        "starts_on": MONDAY.isoformat(),
        "hourly_cost": "38.50",
        "fee_rule": "percent",
        "fee_percent": "20.00",
    } | changes


def test_coordinator_plans_care_records_hours_and_sees_planned_vs_delivered(
    family: tuple[Any, Any],
) -> None:
    coordinator = api(SLUG, "uslugi")
    created = coordinator.post("/api/service-plans/", _plan_body(family), content_type=JSON)
    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["coordinator"]["username"], plan["fee_percent"]) == ("uslugi", "20.00")
    url = f"/api/service-plans/{plan['id']}"
    for day, hours in ((MONDAY, "2.50"), (MONDAY + dt.timedelta(days=1), "2.50")):
        recorded = coordinator.post(
            f"{url}/deliveries/",
            {"day": day.isoformat(), "hours": hours, "carer": "Opiekunka A."},
            content_type=JSON,
        )
        assert recorded.status_code == 201, recorded.content

    week = coordinator.get(f"{url}/?from=2025-03-03&to=2025-03-09")
    assert week.status_code == 200, week.content
    balance = week.json()["balance"]
    assert balance["working_days"] == 5
    assert (balance["planned_hours"], balance["delivered_hours"]) == ("10.00", "5.00")
    assert balance["delivered_share"] == "0.5000"
    assert week.json()["delivered_hours_total"] == "5.00"

    # 1 May (holiday) and 3 May (a Saturday holiday) leave four working days in that week.
    may = coordinator.get(f"{url}/?from=2025-04-28&to=2025-05-04").json()["balance"]
    assert (may["working_days"], may["planned_hours"], may["delivered_hours"]) == (
        4,
        "8.00",
        "0.00",
    )
    # A period before the plan starts has nothing planned.
    before = coordinator.get(f"{url}/?from=2025-01-01&to=2025-01-31").json()["balance"]
    assert (before["covered_from"], before["planned_hours"]) == (None, "0.00")

    deliveries = coordinator.get(f"{url}/deliveries/?from=2025-03-04").json()
    assert [d["day"] for d in deliveries["results"]] == ["2025-03-04"]
    listed = coordinator.get(f"/api/service-plans/?case={family[0].public_id}").json()
    assert [p["id"] for p in listed["results"]] == [plan["id"]]


def test_second_record_for_the_same_day_is_a_conflict(family: tuple[Any, Any]) -> None:
    coordinator = api(SLUG, "uslugi")
    plan = coordinator.post("/api/service-plans/", _plan_body(family), content_type=JSON).json()
    url = f"/api/service-plans/{plan['id']}/deliveries/"
    body = {"day": MONDAY.isoformat(), "hours": "3.00"}
    assert coordinator.post(url, body, content_type=JSON).status_code == 201
    again = coordinator.post(url, body | {"hours": "4.00"}, content_type=JSON)
    assert again.status_code == 409
    assert again.json()["code"] == "delivery_already_recorded"
    assert "day" in again.json()["fields"]
    with schema_context(SLUG):
        [kept] = ServiceDelivery.objects.filter(plan__public_id=plan["id"])
        assert kept.hours == Decimal("3.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2025-03-02", "hours": "2.00"}, "day"),  # the day before the plan starts
        ({"day": "2025-03-05", "hours": "0.00"}, "hours"),
        ({"day": "2025-03-05", "hours": "24.50"}, "hours"),
    ],
)
def test_delivery_outside_the_period_or_with_impossible_hours_is_refused(
    family: tuple[Any, Any], body: dict[str, str], field: str
) -> None:
    coordinator = api(SLUG, "uslugi")
    plan = coordinator.post(
        "/api/service-plans/",
        _plan_body(family, ends_on="2025-03-31"),
        content_type=JSON,
    ).json()
    response = coordinator.post(
        f"/api/service-plans/{plan['id']}/deliveries/", body, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json()["fields"][field][0]
    assert _count(ServiceDelivery, plan__public_id=plan["id"]) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fee_percent": None}, "fee_percent", "Przy odpłatności procentowej podaj procent"),
        ({"fee_percent": "120.00"}, "fee_percent", "0–100"),
        ({"fee_rule": "free"}, "fee_percent", "tylko przy odpłatności procentowej"),
        ({"hours_per_week": "0.00"}, "hours_per_week", "większa od zera"),
        ({"hourly_cost": "-1.00"}, "hourly_cost", "nie może być ujemny"),
        ({"ends_on": "2025-02-01"}, "ends_on", "przed dniem rozpoczęcia"),
        ({"provider_name": ""}, "provider_name", "Podaj nazwę podmiotu"),
    ],
)
def test_bad_service_plan_is_refused_with_the_field_and_nothing_saved(
    family: tuple[Any, Any], changes: dict[str, Any], field: str, message: str
) -> None:
    before = _count(ServicePlan)
    response = api(SLUG, "uslugi").post(
        "/api/service-plans/", _plan_body(family, **changes), content_type=JSON
    )
    assert response.status_code == 400
    assert message in response.json()["fields"][field][0]
    assert _count(ServicePlan) == before


def test_recipient_must_belong_to_the_case_household(family: tuple[Any, Any]) -> None:
    stranger = person(SLUG, last_name="Spoza")
    response = api(SLUG, "uslugi").post(
        "/api/service-plans/",
        _plan_body(family, recipient=str(stranger.public_id)),
        content_type=JSON,
    )
    assert response.status_code == 400 and "recipient" in response.json()["fields"]
    assert _count(ServicePlan, recipient__public_id=stranger.public_id) == 0


@pytest.mark.parametrize("username", ["socjalny", "pierwszy.kontakt", "audytor"])
def test_only_services_roles_plan_care(family: tuple[Any, Any], username: str) -> None:
    before = _count(ServicePlan)
    response = api(SLUG, username).post(
        "/api/service-plans/", _plan_body(family), content_type=JSON
    )
    assert (response.status_code, response.json()["code"]) == (
        403,
        "not_allowed_service_plan_manage",
    )
    assert _count(ServicePlan) == before


def test_auditor_cannot_record_delivered_hours(family: tuple[Any, Any]) -> None:
    plan = api(SLUG, "kierownik").post("/api/service-plans/", _plan_body(family), content_type=JSON)
    assert plan.status_code == 201, plan.content
    response = api(SLUG, "audytor").post(
        f"/api/service-plans/{plan.json()['id']}/deliveries/",
        {"day": MONDAY.isoformat(), "hours": "2.00"},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert _count(ServiceDelivery, plan__public_id=plan.json()["id"]) == 0


@pytest.fixture
def twelve_plans() -> str:
    coordinator = user(SLUG, "uslugi")
    plan_ids = []
    for i in range(12):
        head = person(SLUG, last_name=f"Planowana{i}")
        opened = assigned(SLUG, case(SLUG, household(SLUG, head)), "uslugi")
        with schema_context(SLUG):
            plan = service_plan_create(
                user=coordinator,
                case=opened,
                recipient=head,
                service_type="uslugi-opiekuncze",
                provider_kind="in_house",
                hours_per_week=Decimal(5),
                starts_on=MONDAY,
                hourly_cost=Decimal(30),
                fee_rule="free",
            )
            plan_ids.append(str(plan.public_id))
    with schema_context(SLUG):
        first = ServicePlan.objects.get(public_id=plan_ids[0])
        for offset in range(12):
            service_delivery_record(
                user=coordinator,
                plan=first,
                day=MONDAY + dt.timedelta(days=offset),
                hours=Decimal(1),
            )
    return plan_ids[0]


def test_list_queries_do_not_grow_with_page_size(twelve_plans: str) -> None:
    client = api(SLUG, "kierownik")
    for url in ("/api/service-plans/", f"/api/service-plans/{twelve_plans}/deliveries/"):
        counts = []
        for size in (5, 50):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{url}?page_size={size}")
            assert response.status_code == 200, response.content
            assert response.json()["count"] >= 12
            assert len(response.json()["results"]) == min(size, response.json()["count"])
            counts.append(len(queries))
        assert counts[0] == counts[1], f"{url}: {counts}"
