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

from tenants import citus, migration_executor
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


def _migration_rows(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def test_schemas_at_one_state_replay_the_sql_planned_once_on_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three schemas a migration behind: Django's migrate runs in the first only; the others
    replay the SQL planned there, and all three end as the template, object for object, with the
    same migration records and content types."""
    from django.db.migrations.loader import MigrationLoader
    from django_tenants.migration_executors.base import run_migrations as tenants_run_migrations

    from tenants.migration_executor import CentreMigrationExecutor
    from tenants.migration_replay import replay_plan
    from tenants.schema_template import schema_create
    from tests.tenants.test_provisioning import _shape

    loader = MigrationLoader(None, ignore_no_migrations=True)
    last = max(name for app, name in loader.graph.leaf_nodes() if app == "casework")
    parent = next(
        name for app, name in loader.graph.node_map[("casework", last)].parents if app == "casework"
    )
    schemas = ["replay_a", "replay_b", "replay_c"]
    for schema in schemas:
        schema_create(schema)
        call_command(
            "migrate_schemas",
            "casework",
            parent,
            schema_name=schema,
            interactive=False,
            verbosity=0,
        )
    assert schemas_pending(schemas) == schemas
    assert replay_plan("replay_a") is not None

    django_runs: list[str] = []
    real = tenants_run_migrations

    def run(args: Any, options: Any, codename: str, schema_name: str, **kwargs: Any) -> None:
        django_runs.append(schema_name)
        real(args, options, codename, schema_name, **kwargs)

    monkeypatch.setattr(migration_executor, "run_migrations", run)
    from django_tenants.management.commands.migrate_schemas import Command

    options = vars(Command().create_parser("manage.py", "migrate_schemas").parse_args([]))
    options.update(verbosity=1, interactive=False)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    CentreMigrationExecutor((), options).run_migrations(tenants=schemas)
    assert django_runs == ["replay_a"]
    assert "2 schemas replay the SQL planned once per group (1 groups)" in out.getvalue()
    assert schemas_pending(schemas) == []

    # The replayed schemas are what Django's migrate made of the first, object for object; on
    # plain PostgreSQL that is the template too (on Citus a centre's identity columns are
    # sequence defaults, tenants/citus.py, so only the first comparison holds).
    migrated = _shape("replay_a")
    for schema in schemas[1:]:
        assert _shape(schema) == migrated, schema
    if not citus.is_citus():
        assert migrated == _shape("_template")
    from opsplatform.schemas import use_public_schema

    use_public_schema()
    for schema in schemas:
        assert _migration_rows(schema) == _migration_rows("_template")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT app_label, model FROM _template.django_content_type "  # noqa: S608
                f'EXCEPT SELECT app_label, model FROM "{schema}".django_content_type) AS missing'
            )
            assert cursor.fetchone() == (0,)


def test_only_plans_that_reduce_to_sql_are_replayed() -> None:
    """RunPython cannot be written as SQL: such a plan goes through Django's migrate in every
    schema; schema changes (an index, a column) can."""
    from django.db import migrations, models

    from tenants.migration_replay import _reduces_to_sql

    class Data(migrations.Migration):
        operations = [migrations.RunPython(lambda apps, editor: None)]

    class Column(migrations.Migration):
        operations = [
            migrations.AddField("team", "note", models.TextField(null=True)),
            migrations.SeparateDatabaseAndState(
                database_operations=[migrations.RunSQL("SELECT 1", "SELECT 1")]
            ),
        ]

    class Hidden(migrations.Migration):
        operations = [
            migrations.SeparateDatabaseAndState(
                database_operations=[migrations.RunPython(lambda apps, editor: None)]
            )
        ]

    class NotAtomic(Column):
        atomic = False

    assert not _reduces_to_sql(Data("0001_data", "org"))
    assert _reduces_to_sql(Column("0001_column", "org"))
    assert not _reduces_to_sql(Hidden("0001_hidden", "org"))
    assert not _reduces_to_sql(NotAtomic("0001_not_atomic", "org"))
