"""Spare centre schemas (tenants/spares.py): a new centre renamed from a spare is the template
object for object, a rollback gives the spare back, spares of an older template are never taken,
and the pool is refilled to its size."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context, schema_exists
from pytest_django.fixtures import Settings as SettingsWrapper

from tenants import services, spares
from tenants.models import Centre, SpareSchema
from tenants.org.models import Team
from tenants.registry import load_registry
from tests.tenants.test_provisioning import assert_same_as_template, write_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(settings: SettingsWrapper) -> int:
    settings.TENANT_SPARE_SCHEMAS = 2
    report = spares.spares_refill()
    assert (report.made, report.ready) == (2, 2)
    return 2


def _provision(tmp_path: Path) -> list[str]:
    registry = load_registry(write_registry(tmp_path))
    with CaptureQueriesContext(connection) as sent:
        services.registry_apply(registry=registry, base_domain="localhost")
    return [q["sql"] for q in sent.captured_queries]


def test_a_centre_from_a_spare_is_the_template_object_for_object(pool: int, tmp_path: Path) -> None:
    first = SpareSchema.objects.order_by("created_at", "name").first()
    assert first is not None and schema_exists(first.name)
    sent = _provision(tmp_path)
    # Renamed, not replayed: no table was created while the clerk waited.
    assert any(s.startswith(f'ALTER SCHEMA "{first.name}" RENAME TO "testowo"') for s in sent)
    assert not any("CREATE TABLE" in s for s in sent)
    assert not schema_exists(first.name)
    assert list(SpareSchema.objects.values_list("name", flat=True)) != [first.name]
    assert SpareSchema.objects.count() == pool - 1

    assert_same_as_template("testowo")
    with schema_context("testowo"):
        assert Team.objects.get().name == "Stanowisko pierwszego kontaktu"
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.create(app_label="ops_test", model="probe")  # sequences continue


def test_a_rollback_gives_the_spare_back(pool: int, tmp_path: Path) -> None:
    names = set(SpareSchema.objects.values_list("name", flat=True))

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        _provision(tmp_path)
        assert SpareSchema.objects.count() == pool - 1
        raise Stop
    assert set(SpareSchema.objects.values_list("name", flat=True)) == names
    assert all(schema_exists(name) for name in names)
    assert not schema_exists("testowo")
    assert not Centre.objects.filter(slug="testowo").exists()


def test_spares_of_another_template_state_are_never_taken_and_the_refill_replaces_them(
    pool: int, tmp_path: Path
) -> None:
    old = set(SpareSchema.objects.values_list("name", flat=True))
    SpareSchema.objects.update(fingerprint="0" * 64)  # made before the template's last migration
    sent = _provision(tmp_path)
    assert any("CREATE TABLE" in s for s in sent)  # replayed instead
    assert set(SpareSchema.objects.values_list("name", flat=True)) == old
    assert all(schema_exists(name) for name in old)

    report = spares.spares_refill()
    assert (report.dropped, report.made, report.ready) == (2, 2, 2)
    assert not any(schema_exists(name) for name in old)
    assert set(SpareSchema.objects.values_list("name", flat=True)).isdisjoint(old)


def test_a_smaller_pool_drops_the_extra_spares_and_zero_turns_them_off(
    pool: int, settings: SettingsWrapper, tmp_path: Path
) -> None:
    assert spares.spares_refill(1).dropped == 1
    assert SpareSchema.objects.count() == 1
    settings.TENANT_SPARE_SCHEMAS = 0
    left = SpareSchema.objects.get().name
    assert spares.spare_take("testowo") is False
    assert schema_exists(left)
    assert spares.spares_refill().dropped == 1
    assert not schema_exists(left)


def test_no_spares_when_a_function_of_the_template_names_its_schema(
    settings: SettingsWrapper,
) -> None:
    """A renamed copy of such a function would still read the template: replay instead."""
    settings.TENANT_SPARE_SCHEMAS = 2
    assert spares.renamable()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION _template.ops_test_count() RETURNS bigint LANGUAGE sql "
            "AS 'SELECT count(*) FROM _template.django_migrations'"
        )
    assert not spares.renamable()
    report = spares.spares_refill()
    assert (report.made, report.ready) == (0, 0)


def test_the_command_fills_the_pool_and_says_so_in_polish(settings: SettingsWrapper) -> None:
    out = io.StringIO()
    call_command("centre_spares", "--count", "1", stdout=out)
    assert "Gotowych zapasowych schematów: 1 (utworzono 1, usunięto 0)" in out.getvalue()
    name = SpareSchema.objects.get().name
    assert name.startswith(spares.PREFIX) and schema_exists(name)


def test_taking_a_spare_asks_the_worker_for_another_once_committed(
    pool: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[str] = []
    monkeypatch.setattr(spares, "_send_refill", lambda: sent.append("refill"))
    with django_capture_on_commit_callbacks(execute=True):
        _provision(tmp_path)
    assert sent == ["refill"]
    assert SpareSchema.objects.count() == pool - 1  # made by the worker, not while the clerk waits


def test_an_unreachable_broker_never_fails_the_new_centre(
    pool: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def unreachable() -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(spares, "_send_refill", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        _provision(tmp_path)
    assert Centre.objects.filter(slug="testowo").exists() and schema_exists("testowo")


def test_the_refill_asked_for_is_a_task_the_worker_knows() -> None:
    from opsplatform.celery import app

    app.loader.import_default_modules()
    assert spares.REFILL_TASK in app.tasks


@pytest.mark.parametrize("count", ["-1", "51"])
def test_a_count_outside_the_pool_is_refused_in_polish(count: str) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--count: od 0 do 50"):
        call_command("centre_spares", "--count", count, stdout=io.StringIO())
    assert not SpareSchema.objects.exists()
