"""``migrate_schemas`` for thousands of centres: migrate only the schemas that need it.

django-tenants' standard executor runs Django's ``migrate`` in every centre's schema, one after
another, even when there is nothing to do: each run loads the migration graph and checks the
schema's state, about 0.1 s a schema, so a no-op over 2,500 centres took most of an hour. This
executor (the default through ``GET_EXECUTOR_FUNCTION``; ``--executor=standard`` still picks
django-tenants' own) first asks PostgreSQL which schemas lack any of the code's migrations, in a
few statements whatever the number of centres (one per 500 schemas), and runs ``migrate`` only in
those.

Each schema is migrated with a ``lock_timeout`` (``MIGRATION_LOCK_TIMEOUT``, default 5 s): a
centre whose tables are busy is put back at the end of the queue and tried again instead of
blocking the rest; after ``MIGRATION_LOCK_ROUNDS`` rounds the command fails naming the schemas left.
Every schema commits its own migrations, so a killed run is resumed by running the command
again: the schemas already done are no longer pending. Progress is printed as ``k/n``.

Runs that name an app or a migration, fake, plan, prune or check go to django-tenants' standard
executor unchanged: their meaning is per schema.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.standard import StandardExecutor

from opsplatform.schemas import connection_release, use_public_schema
from tenants.migration_replay import (
    ReplayPlan,
    SchemaMoved,
    applied_digests,
    replay,
    replay_plan,
    with_migration_table,
)

logger = logging.getLogger(__name__)

CHUNK = 500
RELEASE_EVERY = 100  # schemas replayed on one connection before a fresh backend
LOCK_NOT_AVAILABLE = "55P03"
# An app or a migration named (to move a schema to it, also backwards) is per schema too.
_PER_SCHEMA_OPTIONS = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "prune",
    "check_unapplied",
)


def get_executor(codename: str | None = None) -> type[MigrationExecutor]:
    """django-tenants' executor lookup, with this one as the default."""
    if codename in (None, "", CentreMigrationExecutor.codename):
        return CentreMigrationExecutor
    executor: type[MigrationExecutor] = tenants_get_executor(codename)
    return executor


def expected_migrations() -> list[str]:
    """Every migration of the code, as ``app.name`` (django-tenants records all of them in every
    schema, also those of apps whose tables live elsewhere)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.graph.nodes)


def schemas_pending(schemas: Sequence[str], *, database: str = "default") -> list[str]:
    """The schemas among ``schemas`` that lack any of the code's migrations, in their given order.

    One statement for the schemas' migration tables, then one per ``CHUNK`` schemas: the number
    of statements grows with the number of centres divided by 500, and no schema is migrated to
    find out.
    """
    if not schemas:
        return []
    expected = expected_migrations()
    connection = connections[database]
    pending: set[str] = set()
    with connection.cursor() as cursor:
        with_table = with_migration_table(cursor, schemas)
        pending.update(s for s in schemas if s not in with_table)
        present = [s for s in schemas if s in with_table]
        for start in range(0, len(present), CHUNK):
            chunk = present[start : start + CHUNK]
            parts = [_applied_count(i, schema) for i, schema in enumerate(chunk)]
            cursor.execute(" UNION ALL ".join(parts), {"expected": expected})
            for i, applied in cursor.fetchall():
                if applied < len(expected):
                    pending.add(chunk[i])
    return [s for s in schemas if s in pending]


class CentreMigrationExecutor(MigrationExecutor):
    codename = "ops"

    def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
        schemas = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in schemas:
            schemas.remove(self.PUBLIC_SCHEMA_NAME)
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
        if not schemas:
            return
        if self.args or any(self.options.get(name) for name in _PER_SCHEMA_OPTIONS):
            StandardExecutor(self.args, self.options).run_migrations(tenants=schemas)
            return
        database = self.options.get("database") or self.TENANT_DB_ALIAS
        pending = schemas_pending(schemas, database=database)
        verbosity = int(self.options.get("verbosity", 1))
        if verbosity >= 1:
            sys.stdout.write(
                f"[ops] {len(pending)} of {len(schemas)} centre schemas need migrating\n"
            )
        plans = self._replay_plans(pending, database=database, verbosity=verbosity)
        self._migrate_with_retries(pending, plans, database=database, verbosity=verbosity)

    def _replay_plans(
        self, pending: list[str], *, database: str, verbosity: int
    ) -> dict[str, ReplayPlan]:
        """For each group of pending schemas at the same applied set: the first (the pilot) is
        migrated by Django's ``migrate``, the others replay the SQL planned on the pilot before it
        moved (tenants/migration_replay.py), when the plan reduces to SQL."""
        groups: dict[str, list[str]] = {}
        for schema, digest in applied_digests(pending, database=database).items():
            groups.setdefault(digest, []).append(schema)
        plans: dict[str, ReplayPlan] = {}
        for schemas in groups.values():
            if len(schemas) < 2:
                continue
            plan = replay_plan(schemas[0], database=database)
            use_public_schema()
            if plan is None:
                continue
            plans.update((schema, plan) for schema in schemas[1:])
        if verbosity >= 1 and plans:
            sys.stdout.write(
                f"[ops] {len(plans)} schemas replay the SQL planned once per group "
                f"({len(groups)} groups)\n"
            )
        return plans

    def _migrate_with_retries(
        self,
        pending: list[str],
        plans: dict[str, ReplayPlan],
        *,
        database: str,
        verbosity: int,
    ) -> None:
        rounds = int(getattr(settings, "MIGRATION_LOCK_ROUNDS", 5))
        timeout = str(getattr(settings, "MIGRATION_LOCK_TIMEOUT", "5s"))
        total = len(pending)
        done = 0
        queue = list(pending)
        for round_number in range(1, rounds + 1):
            busy: list[str] = []
            for schema in queue:
                plan = plans.get(schema)
                if plan is not None:
                    migrated = self._replay_one(
                        schema, plan, database=database, lock_timeout=timeout
                    )
                else:
                    migrated = self._migrate_one(schema, database=database, lock_timeout=timeout)
                if migrated:
                    done += 1
                    if done % RELEASE_EVERY == 0:
                        connection_release()  # a backend's catalog cache grows per schema
                    if verbosity >= 1:
                        sys.stdout.write(f"[ops] {done}/{total} migrated: {schema}\n")
                else:
                    busy.append(schema)
                    if verbosity >= 1:
                        sys.stdout.write(
                            f"[ops] {schema}: tables busy (lock_timeout {timeout}), "
                            f"retried later (round {round_number} of {rounds})\n"
                        )
            queue = busy
            if not queue:
                return
            time.sleep(min(2**round_number, 30))  # let the busy centres' transactions end
        raise RuntimeError(
            "Schemas still busy after every retry, not migrated: " + ", ".join(queue)
        )

    def _replay_one(
        self, schema: str, plan: ReplayPlan, *, database: str, lock_timeout: str
    ) -> bool:
        """Replay ``plan`` in ``schema``; False when busy. A schema the replay does not fit (it
        moved, or a statement fails) is migrated by Django's ``migrate`` instead."""
        try:
            replay(schema, plan, database=database, lock_timeout=lock_timeout)
        except OperationalError as exc:
            use_public_schema()
            if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                return False
            return self._migrate_one(schema, database=database, lock_timeout=lock_timeout)
        except (SchemaMoved, DatabaseError) as exc:
            use_public_schema()
            logger.warning(
                "migration_replay_fell_back", extra={"schema": schema, "error": str(exc)}
            )
            return self._migrate_one(schema, database=database, lock_timeout=lock_timeout)
        use_public_schema()
        return True

    def _migrate_one(self, schema: str, *, database: str, lock_timeout: str) -> bool:
        """Migrate one schema; False when a lock could not be had within the lock timeout (the
        schema's migrations were rolled back and it is to be tried again)."""
        connection = connections[database]
        options: dict[str, Any] = dict(self.options)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", [lock_timeout])
            run_migrations(self.args, options, self.codename, schema)
        except OperationalError as exc:
            cause = getattr(exc, "__cause__", None)
            if getattr(cause, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            # The schema's migration that waited was rolled back with its own transaction; the
            # connection stays usable (migrate runs in autocommit) and goes back to public.
            use_public_schema()
            return False
        return True


def _applied_count(index: int, schema: str) -> str:
    table = f"{_ident(schema)}.django_migrations"
    applied = "count(*) FILTER (WHERE app || '.' || name = ANY(%(expected)s))"
    return f"SELECT {index} AS i, {applied} AS n FROM {table}"  # noqa: S608


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
