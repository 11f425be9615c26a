"""Background work through a real worker and Redis: a task sent from a centre runs in that
centre's schema; beat's fan-out reaches every centre; a centre task without a centre is refused."""

import pytest
from celery.exceptions import TimeoutError as CeleryTimeout
from django_tenants.utils import schema_context

from opsplatform.celery import app
from opsplatform.schemas import current_schema
from tasks.fanout import centre_fan_out
from tasks.probe import centre_probe
from tasks.schedule import beat_schedule
from tests.conftest import CENTRE_SLUGS

pytestmark = [pytest.mark.django_db, pytest.mark.worker]


def test_a_task_sent_from_piaseczno_runs_in_piaseczno(worker: object) -> None:
    with schema_context("piaseczno"):
        result = centre_probe.delay()
    answer = result.get(timeout=30)
    assert answer["schema"] == "piaseczno"
    assert answer["current_schema"] == "piaseczno"
    assert answer["centre"] == "piaseczno"


def test_each_centre_sees_its_own_staff(worker: object) -> None:
    from django.contrib.auth import get_user_model

    for slug in CENTRE_SLUGS:
        with schema_context(slug):
            expected = get_user_model().objects.count()
            answer = centre_probe.delay().get(timeout=30)
        assert (answer["schema"], answer["staff_accounts"]) == (slug, expected)


def test_a_centre_task_sent_without_a_centre_is_refused(worker: object) -> None:
    assert current_schema() == "public"
    result = centre_probe.delay()
    with pytest.raises(Exception, match="needs a centre's schema"):
        result.get(timeout=30)


def test_a_task_sent_with_an_unknown_schema_does_not_run(worker: object) -> None:
    result = app.send_task("tasks.probe.centre_probe", headers={"_schema_name": "nie_ma_takiego"})
    with pytest.raises(Exception) as excinfo:
        result.get(timeout=30)
    assert not isinstance(excinfo.value, CeleryTimeout)


def test_a_centre_task_sent_with_the_portal_schema_is_refused(worker: object) -> None:
    result = app.send_task("tasks.probe.centre_probe", headers={"_schema_name": "public"})
    with pytest.raises(Exception, match="needs a centre's schema"):
        result.get(timeout=30)


def test_fan_out_reaches_every_centre_in_its_own_schema(worker: object) -> None:
    sent = centre_fan_out("tasks.probe.centre_probe")
    assert sent == sorted(CENTRE_SLUGS)
    # The fan-out sends by name; collect results through the worker's answers.
    seen = set()
    for slug in CENTRE_SLUGS:
        with schema_context(slug):
            seen.add(centre_probe.delay().get(timeout=30)["schema"])
    assert seen == set(CENTRE_SLUGS)


def test_beat_fan_out_task_runs_on_the_worker(worker: object) -> None:
    schedule = beat_schedule()
    entry = schedule["centre-sessions-clear-expired"]
    result = app.send_task(entry["task"], args=entry["args"])
    assert sorted(result.get(timeout=30)) == sorted(CENTRE_SLUGS)


def test_the_schedule_is_installed_on_the_app() -> None:
    app.finalize()
    assert "centre-sessions-clear-expired" in app.conf.beat_schedule


def test_the_worker_makes_and_drops_spare_centre_schemas(worker: object) -> None:
    """The refill a new centre asks for runs in the worker and commits its spares there."""
    from django_tenants.utils import schema_exists

    from tenants.models import SpareSchema
    from tenants.spares import REFILL_TASK

    try:
        made = app.send_task(REFILL_TASK, kwargs={"wanted": 1}).get(timeout=120)
        assert (made["made"], made["ready"]) == (1, 1), made
        name = SpareSchema.objects.get().name
        assert schema_exists(name)
    finally:
        dropped = app.send_task(REFILL_TASK, kwargs={"wanted": 0}).get(timeout=120)
    assert dropped["ready"] == 0 and not SpareSchema.objects.exists()
    assert not schema_exists(name)
