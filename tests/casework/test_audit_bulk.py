"""No change to an audited table without its audit entry: the bulk writes of the services (ending
assignments on a close, a handover, a reassignment) are recorded row by row; every bulk queryset
method of every audited model either records what the single-row path records or is refused; and
PostgreSQL refuses to commit a raw write that left no entry."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.audit import AUDIT_EXEMPT_SETTING, AUDITED_MODELS, Actor, acting_as
from casework.models import AuditEntry, CaseAssignment
from casework.models.base import AuditedQuerySet, AuditedRecord
from tenants.models import Centre
from tests.casework.factories import api, case, user

pytestmark = pytest.mark.django_db
SLUG = "myslenice"
CONTENT = (
    "action",
    "actor_id",
    "actor_username",
    "actor_role",
    "object_type",
    "object_id",
    "person_id",
    "household_id",
    "ip",
    "break_glass_reason",
)


def _content(entry: AuditEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in CONTENT)


def _entries_after(seq: int, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq, **filters).order_by("seq"))


def _last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def _commit_checks() -> None:
    """What COMMIT would check: the deferred audit guard runs now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- the services' bulk writes, through the API -----------------------------------------------


def test_every_assignment_ended_by_a_reassignment_handover_or_close_has_its_entry() -> None:
    manager = api(SLUG, "kierownik")
    opened = case(SLUG)
    with schema_context(SLUG):
        start = _last_seq()
    steps = [
        ("assign/", {"team": "swiadczenia", "worker": str(user(SLUG, "swiadczenia").public_id)}),
        # The benefits assignment is ended by the handover (another function).
        (
            "handover/",
            {
                "team": "praca-socjalna",
                "worker": str(user(SLUG, "socjalny").public_id),
                "reason": "Potrzebna praca socjalna z rodziną.",
            },
        ),
        # The social-work assignment is ended by a reassignment within the same function.
        ("assign/", {"team": "praca-socjalna"}),
        # And the last one by closing the case.
        ("close/", {"closed_on": timezone.localdate().isoformat(), "reason": "Poprawa sytuacji"}),
    ]
    for path, body in steps:
        response = manager.post(
            f"/api/cases/{opened.public_id}/{path}",
            body,
            content_type="application/json",
            REMOTE_ADDR="10.4.5.6",
        )
        assert response.status_code in (200, 201), response.content
    with schema_context(SLUG):
        ended = list(CaseAssignment.objects.filter(case_id=opened.pk, ended_on__isnull=False))
        assert len(ended) == 3
        assert not CaseAssignment.objects.filter(case_id=opened.pk, ended_on__isnull=True).exists()
        household = str(opened.household.public_id)
        for assignment in ended:
            updates = _entries_after(
                start,
                object_type="casework.caseassignment",
                object_id=str(assignment.public_id),
                action="update",
            )
            assert [
                (e.actor_username, e.actor_role, e.ip, e.household_id, e.person_id) for e in updates
            ] == [("kierownik", "manager", "10.4.5.6", household, "")], assignment.function


# --- every bulk method of every audited model -------------------------------------------------


def test_the_audited_models_are_the_audited_records_and_use_the_audited_queryset() -> None:
    from django.apps import apps

    records = {m for m in apps.get_models() if issubclass(m, AuditedRecord)}
    assert set(AUDITED_MODELS) == records and len(records) >= 20
    for model in AUDITED_MODELS:
        for manager in (model._default_manager, model._base_manager):
            assert isinstance(manager.all(), AuditedQuerySet), (model, manager)


@pytest.fixture
def actor() -> Iterator[Actor]:
    with schema_context(SLUG):
        who = Actor.for_user(user(SLUG, "kierownik"), ip="10.9.8.7")
        with acting_as(who):
            yield who


def _copy(instance: models.Model, *, pk: int | None) -> models.Model:
    """A new object with ``instance``'s values, the given primary key and a fresh public id."""
    copy = type(instance)(
        **{
            field.attname: getattr(instance, field.attname)
            for field in instance._meta.concrete_fields
        }
    )
    copy.pk = pk
    copy.public_id = uuid.uuid4()  # type: ignore[attr-defined]  # every audited model has it
    return copy


def _exempt_delete(instance: models.Model) -> None:
    """Take the row out behind the guard's back (named exemption; its dependants' foreign keys are
    checked at commit, by which time the row is back), making room for copies of it."""
    table = connection.ops.quote_name(instance._meta.db_table)
    _raw("SELECT set_config(%s, 'test', true)", [AUDIT_EXEMPT_SETTING])
    _raw(f"DELETE FROM {table} WHERE id = %s", [instance.pk])  # noqa: S608
    _raw("SELECT set_config(%s, '', true)", [AUDIT_EXEMPT_SETTING])


@pytest.mark.parametrize("model", AUDITED_MODELS, ids=lambda m: m._meta.label)
def test_every_bulk_write_of_an_audited_model_is_recorded_like_a_single_save(
    model: type[models.Model], actor: Actor
) -> None:
    label = model._meta.label_lower
    rows = list(model._default_manager.order_by("pk")[:2])
    assert len(rows) == 2, f"the demo data has no two {label} rows"
    ids = [row.pk for row in rows]
    public_ids = [str(row.public_id) for row in rows]  # type: ignore[attr-defined]  # audited models have it

    # The single-row path, for comparison.
    start = _last_seq()
    rows[0].save()
    (single,) = _entries_after(start)
    assert (single.action, single.actor_username, single.ip) == ("update", "kierownik", "10.9.8.7")

    # update(): one entry per row matched, the same content as save()'s.
    start = _last_seq()
    moment = timezone.now()
    assert model._default_manager.filter(pk__in=ids).update(updated_at=moment) == 2
    updated = _entries_after(start)
    assert sorted(e.object_id for e in updated) == sorted(public_ids)
    assert all(e.action == "update" and e.object_type == label for e in updated)
    assert _content(next(e for e in updated if e.object_id == public_ids[0])) == _content(single)

    # bulk_update(): the same.
    start = _last_seq()
    for row in rows:
        row.updated_at = moment + dt.timedelta(seconds=1)  # type: ignore[attr-defined]  # a Record
    assert model._default_manager.bulk_update(rows, ["updated_at"]) == 2
    bulk_updated = _entries_after(start)
    assert [e.object_id for e in bulk_updated] == public_ids
    assert _content(bulk_updated[0]) == _content(single)

    # bulk_create(): a create entry per object, as create() would write. The row is taken out
    # first (by the named exemption) so that a copy of it breaks no unique constraint.
    original = rows[1]
    _exempt_delete(original)
    start = _last_seq()
    (created,) = model._default_manager.bulk_create([_copy(original, pk=None)])
    (entry,) = _entries_after(start)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "create",
        label,
        str(created.public_id),  # type: ignore[attr-defined]  # audited models have it
    )
    assert (entry.actor_username, entry.actor_role, entry.ip) == (
        "kierownik",
        "manager",
        "10.9.8.7",
    )

    # delete() of a queryset: its entry, as delete() of the object would write.
    start = _last_seq()
    model._default_manager.filter(pk=created.pk).delete()
    (entry,) = _entries_after(start)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "delete",
        label,
        str(created.public_id),  # type: ignore[attr-defined]  # audited models have it
    )
    assert (entry.actor_username, entry.ip) == ("kierownik", "10.9.8.7")

    # The original's id back (its dependants point to it), through bulk_create again.
    start = _last_seq()
    model._default_manager.bulk_create([_copy(original, pk=original.pk)])
    assert [e.action for e in _entries_after(start)] == ["create"]

    # A bulk_create that cannot tell which rows it wrote is refused.
    manager = model._default_manager
    with pytest.raises(TypeError, match="cannot be audited"):
        manager.bulk_create([_copy(rows[0], pk=None)], ignore_conflicts=True)
    with pytest.raises(TypeError, match="cannot be audited"):
        manager.bulk_create(
            [_copy(rows[0], pk=None)],
            update_conflicts=True,
            update_fields=["updated_at"],
            unique_fields=["public_id"],
        )

    _commit_checks()  # and the database finds an entry for every row written above


def test_the_demo_history_is_loaded_under_one_named_entry_per_centre() -> None:
    """The synthetic history is the one exemption from the guard; the trail says it was loaded."""
    for slug in ("myslenice", "piaseczno"):
        with schema_context(slug):
            assert CaseAssignment.objects.exists()
            entries = AuditEntry.objects.filter(object_type="casework.demohistory")
            assert [(e.action, e.actor_username) for e in entries] == [("create", "system")]


# --- the database guard -------------------------------------------------------------------------


def _raw(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casework_caseassignment SET ended_on = started_on WHERE id = %s",
        "DELETE FROM casework_caseassignment WHERE id = %s",
        "INSERT INTO casework_caseassignment "
        "(public_id, created_at, updated_at, case_id, function, team_id, worker_id, started_on, "
        "ended_on) SELECT gen_random_uuid(), now(), now(), case_id, function || '-x', team_id, "
        "worker_id, started_on, NULL FROM casework_caseassignment WHERE id = %s",
    ],
    ids=["update", "delete", "insert"],
)
def test_postgresql_refuses_to_commit_raw_sql_without_an_entry(statement: str) -> None:
    with schema_context(SLUG):
        target = CaseAssignment.objects.order_by("-pk").values_list("pk", flat=True)[0]
        with pytest.raises(IntegrityError, match="without an audit entry"), transaction.atomic():
            _raw(statement, [target])
            _commit_checks()


def test_a_raw_change_is_refused_even_after_an_entry_for_another_row() -> None:
    with schema_context(SLUG):
        first, second = CaseAssignment.objects.order_by("-pk")[:2]
        with pytest.raises(IntegrityError, match="without an audit entry"), transaction.atomic():
            first.save()  # an entry for this row, not for the next one
            _raw("UPDATE casework_caseassignment SET ended_on = NULL WHERE id = %s", [second.pk])
            _commit_checks()


def test_truncate_of_an_audited_table_is_refused() -> None:
    with (
        schema_context(SLUG),
        pytest.raises(DatabaseError, match="TRUNCATE"),
        transaction.atomic(),
    ):
        _raw("TRUNCATE casework_contractreview")


def test_the_named_exemption_lets_a_load_through_and_ends_with_its_setting() -> None:
    with schema_context(SLUG), transaction.atomic():
        target = CaseAssignment.objects.order_by("-pk").values_list("pk", flat=True)[0]
        _raw("SELECT set_config(%s, 'test', true)", [AUDIT_EXEMPT_SETTING])
        _raw("UPDATE casework_caseassignment SET updated_at = now() WHERE id = %s", [target])
        _raw("SELECT set_config(%s, '', true)", [AUDIT_EXEMPT_SETTING])
        _commit_checks()
        with pytest.raises(IntegrityError, match="without an audit entry"), transaction.atomic():
            _raw("UPDATE casework_caseassignment SET updated_at = now() WHERE id = %s", [target])
            _commit_checks()


def test_every_centre_schema_guards_every_audited_table() -> None:
    tables = {model._meta.db_table for model in AUDITED_MODELS}
    schemas = list(Centre.objects.values_list("schema_name", flat=True))
    assert len(schemas) >= 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.relname, t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) AND t.tgname LIKE %s AND t.tgenabled = 'O'",
            [schemas, "%_audit_%"],
        )
        found = {(schema, table, name) for schema, table, name in cursor.fetchall()}
    for schema in schemas:
        for table in tables:
            assert (schema, table, f"{table}_audit_required") in found
            assert (schema, table, f"{table}_audit_no_truncate") in found
