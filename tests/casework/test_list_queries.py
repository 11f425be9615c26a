"""Every list endpoint runs the same number of queries whatever the page size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.services.intake import intake_register, intake_route
from casework.services.proceedings import (
    appeal_register,
    application_register,
    authorisation_grant,
    decision_deliver,
    decision_issue,
    interview_record,
    interview_schedule,
)
from tenants.org.models import Team
from tests.casework.factories import api, household, person, user

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
ENDPOINTS = [
    "/api/people/",
    "/api/households/",
    "/api/intakes/",
    "/api/cases/",
    "/api/applications/",
    "/api/interviews/",
    "/api/decisions/",
    "/api/appeals/",
    "/api/staff/",
]


@pytest.fixture
def twelve_journeys() -> None:
    manager = user(SLUG, "kierownik")
    today = timezone.localdate()
    with schema_context(SLUG):
        authorisation_grant(
            user=manager, worker=manager, reference="U/1", valid_from=today - dt.timedelta(days=9)
        )
        team = Team.objects.filter(functions__contains=["benefits"]).get()
    for i in range(12):
        head = person(SLUG, last_name=f"Liczona{i}")
        hh = household(SLUG, head)
        with schema_context(SLUG):
            intake = intake_register(
                user=manager,
                channel="visit",
                reporter_kind="self",
                reasons=["ubostwo"],
                person=head,
            )
            intake = intake_route(user=manager, intake=intake, team=team)
            assert intake.case is not None
            application = application_register(
                user=manager,
                case=intake.case,
                applicant=head,
                received_on=today,
                benefits=["zasilek-celowy"],
            )
            interview = interview_schedule(
                user=manager,
                case=intake.case,
                worker=manager,
                needed_since=today,
                application=application,
            )
            interview_record(
                user=manager, interview=interview, conducted_on=today, diagnosis="d", help_plan="p"
            )
            decision = decision_issue(
                user=manager,
                application=application,
                benefit="zasilek-celowy",
                outcome="refuse",
                reasoning="Dochód powyżej kryterium.",
                issued_on=today,
            )
            decision_deliver(user=manager, decision=decision, delivered_on=today)
            appeal_register(user=manager, decision=decision, lodged_on=today)
        assert hh.public_id


@pytest.mark.parametrize("url", ENDPOINTS)
def test_queries_do_not_grow_with_page_size(twelve_journeys: None, url: str) -> None:
    client = api(SLUG, "kierownik")
    counts = []
    for size in (2, 8):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts}"
