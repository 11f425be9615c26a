"""A migration planned once and replayed as SQL in every centre schema that stands where it stood.

Django's ``migrate`` in one schema builds the project state from the whole migration graph and
renders the models before it sends a statement: about 0.6 s a schema whatever the migration, so a
nullable column over 2,500 centres took 26 minutes, nearly all of it in Python. Centres migrated by
this platform stand at the same state (they are made from one template and migrated together), so
the work is the same in each: :func:`replay_plan` asks Django for the SQL of the plan once, in
``collect_sql`` mode against one schema (as ``sqlmigrate`` does), and :func:`replay` runs it in
each other schema of the same applied set, with the migration records, in one transaction under a
``lock_timeout``, then sends ``post_migrate`` as ``migrate`` does (content types, permissions).

Only plans that reduce to SQL are replayed: every operation ``reduces_to_sql`` (``RunPython`` does
not) and every migration atomic. Others, and any schema whose replay fails other than on a lock,
are migrated by Django's ``migrate`` as before. Django's DDL names relations unqualified, so the
schema's search path (``schema, public``) is where it lands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations import SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation

CHUNK = 500


@dataclass(frozen=True)
class ReplayPlan:
    applied: str  # digest of the applied set this plan starts from
    statements: tuple[str, ...]
    records: tuple[tuple[str, str], ...]  # (app, name) rows django_migrations gains
    plan: tuple[tuple[Migration, bool], ...]


def applied_digests(schemas: Sequence[str], *, database: str = "default") -> dict[str, str]:
    """Each schema's applied migrations as one digest: one statement for the schemas that have a
    migration table (those without are left out), then one per ``CHUNK`` schemas."""
    digests: dict[str, str] = {}
    with connections[database].cursor() as cursor:
        with_table = with_migration_table(cursor, schemas)
        present = [schema for schema in schemas if schema in with_table]
        for start in range(0, len(present), CHUNK):
            chunk = present[start : start + CHUNK]
            parts = [
                f"SELECT {i} AS i, string_agg(app || '.' || name, ',' ORDER BY app, name) AS a "  # noqa: S608
                f"FROM {_ident(schema)}.django_migrations"
                for i, schema in enumerate(chunk)
            ]
            cursor.execute(" UNION ALL ".join(parts))
            for i, applied in cursor.fetchall():
                digests[chunk[i]] = _digest(applied or "")
    return digests


def with_migration_table(cursor: CursorWrapper, schemas: Sequence[str]) -> set[str]:
    """The schemas among ``schemas`` that have a ``django_migrations`` table: one statement."""
    cursor.execute(
        """
        SELECT n.nspname FROM pg_namespace n
        WHERE n.nspname = ANY(%s) AND EXISTS (
            SELECT 1 FROM pg_class c
            WHERE c.relnamespace = n.oid AND c.relname = 'django_migrations'
        )
        """,
        [list(schemas)],
    )
    return {name for (name,) in cursor.fetchall()}


def _digest(applied: str) -> str:
    return hashlib.sha256(applied.encode()).hexdigest()


def replay_plan(schema: str, *, database: str = "default") -> ReplayPlan | None:
    """The SQL that brings ``schema`` to the code's latest migrations, or None when the plan does
    not reduce to SQL (or there is nothing to do). Reads the schema; changes nothing."""
    connection = connections[database]
    connection.set_schema(schema)  # type: ignore[attr-defined]  # django-tenants' backend
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan or any(backwards for _, backwards in plan):
        return None
    if not all(_reduces_to_sql(migration) for migration, _ in plan):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(app || '.' || name, ',' ORDER BY app, name) FROM django_migrations"
        )
        row = cursor.fetchone()
    # The state migrate starts from (django-stubs leave this method out).
    state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
    statements: list[str] = []
    for migration, _ in plan:
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            state = migration.apply(state, editor, collect_sql=True)
        statements += [sql for sql in editor.collected_sql if not sql.lstrip().startswith("--")]
    records: list[tuple[str, str]] = []
    for migration, _ in plan:
        records += list(migration.replaces) or [(migration.app_label, migration.name)]
    return ReplayPlan(
        applied=_digest((row[0] if row else None) or ""),
        statements=tuple(statements),
        records=tuple(records),
        plan=tuple(plan),
    )


def _reduces_to_sql(migration: Migration) -> bool:
    def collectable(operation: Operation) -> bool:
        if isinstance(operation, SeparateDatabaseAndState):
            return all(collectable(op) for op in operation.database_operations)
        return bool(operation.reduces_to_sql)

    return bool(migration.atomic) and all(collectable(op) for op in migration.operations)


def replay(schema: str, plan: ReplayPlan, *, database: str, lock_timeout: str) -> None:
    """Run ``plan`` in ``schema`` and record it, in one transaction; then ``post_migrate``.

    Raises ``OperationalError`` (SQLSTATE 55P03) when a table stayed locked past the timeout, and
    ``SchemaMoved`` when the schema no longer stands where the plan starts: nothing is changed.
    """
    connection = connections[database]
    connection.set_schema(schema)  # type: ignore[attr-defined]  # django-tenants' backend
    with transaction.atomic(using=database), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        cursor.execute(
            "SELECT string_agg(app || '.' || name, ',' ORDER BY app, name) FROM django_migrations"
        )
        row = cursor.fetchone()
        if _digest((row[0] if row else None) or "") != plan.applied:
            raise SchemaMoved(schema)
        for statement in plan.statements:
            cursor.execute(statement)
        values = ", ".join(["(%s, %s, now())"] * len(plan.records))
        cursor.execute(
            f"INSERT INTO django_migrations (app, name, applied) VALUES {values}",  # noqa: S608
            [part for record in plan.records for part in record],
        )
    post_migrate(database=database, plan=plan)


def post_migrate(*, database: str, plan: ReplayPlan) -> None:
    """What ``migrate`` sends after migrating: content types and permissions of new models."""
    options: dict[str, Any] = {"apps": global_apps, "plan": list(plan.plan)}
    emit_post_migrate_signal(0, False, database, **options)


class SchemaMoved(Exception):
    """The schema's applied migrations changed since the plan was made (another run got there)."""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
