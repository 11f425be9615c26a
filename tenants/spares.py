"""Spare centre schemas: made from the template ahead of need, renamed into a new centre.

Replaying the template's DDL (``tenants.schema_template``) costs about 0.2 s whatever the number of
centres: PostgreSQL writes some 280 relations into its catalogs. That is the cost of a schema, not
of a centre, so it can be paid before anyone waits for it. The worker keeps
``settings.TENANT_SPARE_SCHEMAS`` schemas named ``_spare_<hex>`` (a name no centre can take: slugs
start with a letter) replayed from the template, each recorded with the template's migration state
(:class:`tenants.models.SpareSchema`). A new centre takes the oldest spare of the template's current
state with ``FOR UPDATE SKIP LOCKED`` and renames it (``ALTER SCHEMA ... RENAME``, one catalog row),
inside the provisioning transaction: a rollback gives the spare back, and two provisioning runs
never take the same one. When none is ready the centre is replayed as before; the pool only moves
the cost off the clerk's wait, never changes what a centre's schema holds.

Renaming is safe because nothing in a centre's schema names the schema in text: columns' defaults,
views, constraints and triggers refer to relations by oid, and :func:`renamable` checks that no
function of the template names its schema in its body or settings (spares are off if one does).
After a migration the template's state changes: spares of the old state are never taken and the
next refill drops them. On Citus, where a schema is distributed by name, there are no spares.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from tenants import citus
from tenants.models import SpareSchema
from tenants.schema_template import schema_create, template_fingerprint

logger = logging.getLogger(__name__)

PREFIX = "_spare_"
REFILL_TASK = "tenants.tasks.spares_refill"
# Refills serialise on this advisory lock (two workers would overfill the pool).
_REFILL_LOCK = 0x0_5BA2E


@dataclass(frozen=True)
class SpareReport:
    ready: int
    made: int = 0
    dropped: int = 0
    skipped: str = ""  # why nothing was done, when nothing was


def spares_wanted() -> int:
    if citus.is_citus():
        return 0
    return max(0, int(getattr(settings, "TENANT_SPARE_SCHEMAS", 0)))


def renamable() -> bool:
    """Whether a schema made from the template can be renamed: no function of the template names
    its schema in its body or its settings (a renamed copy would still point at the old name)."""
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_proc p
            WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s)
              AND (strpos(p.prosrc, %s) > 0
                   OR strpos(coalesce(array_to_string(p.proconfig, ','), ''), %s) > 0)
            """,
            [template, template, template],
        )
        row = cursor.fetchone()
    return bool(row) and row[0] == 0


def spare_take(schema: str) -> bool:
    """Rename a ready spare to ``schema`` in the caller's transaction; False when none is ready.

    Three statements: the template's migration state, the spare's row (deleted, skipping spares
    another transaction holds) and the rename.
    """
    if spares_wanted() == 0:
        return False
    fingerprint = template_fingerprint()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM tenants_spareschema WHERE name = (
                SELECT name FROM tenants_spareschema WHERE fingerprint = %s
                ORDER BY created_at, name LIMIT 1 FOR UPDATE SKIP LOCKED
            ) RETURNING name
            """,
            [fingerprint],
        )
        row = cursor.fetchone()
        if row is None:
            return False
        cursor.execute(f'ALTER SCHEMA "{row[0]}" RENAME TO "{schema}"')
    logger.info("centre_schema_from_spare", extra={"schema": schema, "spare": row[0]})
    return True


def spares_refill_soon() -> None:
    """Ask the worker to refill the pool (after a spare was taken); never fails the caller: with
    the broker unreachable, beat's refill every 5 minutes catches up."""
    if spares_wanted() == 0:
        return
    try:
        _send_refill()
    except Exception as exc:  # any broker error: the pool is refilled by beat
        logger.warning("spare_schemas_refill_not_sent", extra={"error": str(exc)})


def _send_refill() -> None:
    from opsplatform.celery import app

    app.send_task(REFILL_TASK)


def spares_refill(wanted: int | None = None) -> SpareReport:
    """Drop the spares of another template state (or above ``wanted``) and make the missing ones.

    Each spare is made or dropped in its own transaction. Returns at once, doing nothing, when
    another refill holds the lock.
    """
    if wanted is None or citus.is_citus():
        wanted = spares_wanted()  # none on Citus, whatever was asked
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_REFILL_LOCK])
        row = cursor.fetchone()
    if not (row and row[0]):
        return SpareReport(ready=_ready_count(template_fingerprint()), skipped="locked")
    try:
        return _refill(wanted)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_REFILL_LOCK])


def _refill(wanted: int) -> SpareReport:
    fingerprint = template_fingerprint()
    if wanted > 0 and not renamable():
        logger.warning("spare_schemas_off", extra={"reason": "a function names the template"})
        wanted = 0
    dropped = 0
    stale = list(
        SpareSchema.objects.exclude(fingerprint=fingerprint).values_list("name", flat=True)
    )
    current = list(
        SpareSchema.objects.filter(fingerprint=fingerprint).values_list("name", flat=True)
    )
    for name in stale + current[wanted:]:
        dropped += _drop(name)
    made = 0
    for _ in range(max(0, wanted - len(current))):
        name = f"{PREFIX}{secrets.token_hex(6)}"
        with transaction.atomic():
            schema_create(name)
            SpareSchema.objects.create(name=name, fingerprint=fingerprint)
        made += 1
    return SpareReport(ready=_ready_count(fingerprint), made=made, dropped=dropped)


def _drop(name: str) -> int:
    with transaction.atomic():
        deleted, _ = SpareSchema.objects.filter(name=name).delete()
        if deleted:
            with connection.cursor() as cursor:
                # A spare made earlier in the same transaction (a test's) still has its copied
                # rows' deferred foreign-key checks pending, which DROP refuses: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    return deleted


def _ready_count(fingerprint: str) -> int:
    return SpareSchema.objects.filter(fingerprint=fingerprint).count()
