"""migrate_schemas over many centres: only the schemas lacking a migration are migrated, found in
a number of statements that does not grow with each centre; a busy centre is retried later."""

import io
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from tenants import migration_executor
from tenants.migration_executor import expected_migrations, schemas_pending
from tests.conftest import CENTRE_SLUGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def migrated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The schemas Django's migrate is run in (recorded instead of run)."""
    runs: list[str] = []

    def run(args: Any, options: Any, codename: str, schema_name: str, **kwargs: Any) -> None:
        runs.append(schema_name)

    monkeypatch.setattr(migration_executor, "run_migrations", run)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    yield runs


def test_every_centre_is_up_to_date_and_none_is_migrated(migrated: list[str]) -> None:
    assert schemas_pending(list(CENTRE_SLUGS)) == []
    out = io.StringIO()
    call_command("migrate_schemas", tenant=True, interactive=False, stdout=out)
    assert migrated == []


def test_a_schema_missing_a_migration_is_the_only_one_migrated(migrated: list[str]) -> None:
    app, name = expected_migrations()[-1].split(".", 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM daleszyce.django_migrations WHERE app = %s AND name = %s", [app, name]
        )
    assert schemas_pending(list(CENTRE_SLUGS)) == ["daleszyce"]
    call_command("migrate_schemas", tenant=True, interactive=False, stdout=io.StringIO())
    assert migrated == ["daleszyce"]


def test_finding_pending_schemas_takes_the_same_statements_for_one_or_five_centres() -> None:
    schemas_pending(["myslenice"])  # the search path is set once per connection, not counted
    with CaptureQueriesContext(connection) as one:
        schemas_pending(["myslenice"])
    with CaptureQueriesContext(connection) as five:
        schemas_pending(list(CENTRE_SLUGS))
    assert len(one.captured_queries) == len(five.captured_queries) == 2


def test_a_busy_centre_is_retried_after_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []
    busy_once = {"krasnystaw"}

    def run(args: Any, options: Any, codename: str, schema_name: str, **kwargs: Any) -> None:
        attempts.append(schema_name)
        if schema_name in busy_once:
            busy_once.discard(schema_name)
            try:
                raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
            except psycopg.errors.LockNotAvailable as exc:
                raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(migration_executor, "run_migrations", run)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(migration_executor, "schemas_pending", lambda schemas, **kw: schemas)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    call_command("migrate_schemas", tenant=True, interactive=False, stdout=io.StringIO())
    assert attempts.count("krasnystaw") == 2
    assert attempts[-1] == "krasnystaw"  # after every other centre
    assert sorted(set(attempts)) == sorted(CENTRE_SLUGS)
    assert "krasnystaw: tables busy" in out.getvalue()
    assert f"{len(CENTRE_SLUGS)}/{len(CENTRE_SLUGS)} migrated" in out.getvalue()


def test_a_centre_busy_in_every_round_fails_the_run_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(args: Any, options: Any, codename: str, schema_name: str, **kwargs: Any) -> None:
        if schema_name == "debica":
            try:
                raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
            except psycopg.errors.LockNotAvailable as exc:
                raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(migration_executor, "run_migrations", run)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(migration_executor, "schemas_pending", lambda schemas, **kw: schemas)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    with pytest.raises(RuntimeError, match="debica"):
        call_command("migrate_schemas", tenant=True, interactive=False, stdout=io.StringIO())
