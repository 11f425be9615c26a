"""Open work for today in the demo centres (casework.demo_today), after the provisioning."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.demo_today import build
from casework.models import (
    Application,
    ContractReview,
    FamilyInterview,
    Intake,
    SocialContract,
)
from casework.selectors.dashboard import deadline_summary, unassigned_queue
from casework.selectors.deadlines import user_team_ids
from tenants.models import Centre

pytestmark = pytest.mark.django_db


def _summary(username: str, scope: str = "mine") -> Any:
    user = get_user_model().objects.get(username=username)
    return deadline_summary(user=user, scope=scope, today=timezone.localdate())


@pytest.mark.parametrize("username", ["swiadczenia", "socjalny", "uslugi"])
def test_each_demo_worker_has_deadlines_today(username: str) -> None:
    with schema_context("daleszyce"):
        summary = _summary(username)
    assert summary.total >= 1, f"{username} has no deadline overdue or due in 5 working days"


def test_benefits_worker_has_overdue_and_due_soon_work() -> None:
    with schema_context("daleszyce"):
        summary = _summary("swiadczenia")
        kinds = {item.kind for item in summary.items}
    assert summary.overdue >= 1
    assert summary.due_soon >= 1
    assert {"interview", "decision"} <= kinds


def test_manager_sees_the_centres_overdue_work() -> None:
    with schema_context("daleszyce"):
        summary = _summary("kierownik", scope="all")
    assert summary.overdue >= 3


def test_social_work_team_has_a_case_waiting_in_its_queue() -> None:
    with schema_context("daleszyce"):
        user = get_user_model().objects.get(username="socjalny")
        queue = list(unassigned_queue(team_ids=user_team_ids(user)))
    assert any(getattr(a.case, "routed_intakes", []) for a in queue)


def test_second_build_creates_nothing() -> None:
    models = (Application, FamilyInterview, SocialContract, ContractReview, Intake)
    centre = Centre.objects.select_related("programme").get(slug="daleszyce")
    with schema_context("daleszyce"):
        before = {m.__name__: m.objects.count() for m in models}
    build(centre=centre)
    with schema_context("daleszyce"):
        after = {m.__name__: m.objects.count() for m in models}
    assert after == before
