"""The audit trail: every write and every read of a person's data is recorded with who, role,
when, what and from where; PostgreSQL refuses to change or delete entries; the verify command
detects an entry edited behind the database's back."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django_tenants.utils import schema_context

from casework.audit import audit_verify
from casework.models import AuditEntry
from tests.casework.factories import api, new_pesel

pytestmark = pytest.mark.django_db
SLUG = "piaseczno"


def _entries(**filters: str) -> list[AuditEntry]:
    with schema_context(SLUG):
        return list(AuditEntry.objects.filter(**filters).order_by("seq"))


def test_create_change_and_read_are_recorded_with_actor_role_and_ip() -> None:
    desk = api(SLUG, "pierwszy.kontakt")
    person = desk.post(
        "/api/people/",
        {"first_name": "Ewa", "last_name": "Audytowana", "pesel": new_pesel()},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    ).json()
    desk.patch(
        f"/api/people/{person['id']}/", {"city": "Piaseczno"}, content_type="application/json"
    )
    api(SLUG, "socjalny").get(f"/api/people/{person['id']}/")
    entries = _entries(person_id=person["id"])
    assert [(e.action, e.actor_username, e.actor_role) for e in entries] == [
        ("create", "pierwszy.kontakt", "first_contact"),
        ("update", "pierwszy.kontakt", "first_contact"),
        ("read", "socjalny", "social_worker"),
    ]
    assert entries[0].ip == "10.1.2.3"
    assert all(e.object_type == "casework.person" for e in entries)


def test_a_search_records_a_read_of_every_person_listed() -> None:
    desk = api(SLUG, "pierwszy.kontakt")
    ids = [
        desk.post(
            "/api/people/",
            {"first_name": "Lista", "last_name": f"Wyszukiwana{i}", "pesel": new_pesel()},
            content_type="application/json",
        ).json()["id"]
        for i in range(3)
    ]
    api(SLUG, "kierownik").get("/api/people/?q=Wyszukiwana")
    for person_id in ids:
        assert [e.action for e in _entries(person_id=person_id)] == ["create", "read"]


def test_postgresql_refuses_update_delete_and_truncate() -> None:
    api(SLUG, "pierwszy.kontakt").post(
        "/api/people/",
        {"first_name": "Nie", "last_name": "Zmienialny", "pesel": new_pesel()},
        content_type="application/json",
    )
    assert _entries()
    with schema_context(SLUG):
        for statement in (
            "UPDATE casework_auditentry SET actor_username = 'ktoś'",
            "DELETE FROM casework_auditentry",
            "TRUNCATE casework_auditentry",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)


def test_the_chain_verifies_and_detects_an_edited_entry() -> None:
    desk = api(SLUG, "pierwszy.kontakt")
    for i in range(3):
        desk.post(
            "/api/people/",
            {"first_name": "Łańcuch", "last_name": f"Wpis{i}", "pesel": new_pesel()},
            content_type="application/json",
        )
    out = io.StringIO()
    call_command("audit_verify", SLUG, stdout=out)
    assert f"{SLUG}: dziennik zdarzeń spójny" in out.getvalue()
    with schema_context(SLUG):
        target = AuditEntry.objects.order_by("seq")[1]
        with connection.cursor() as cursor:
            # Someone with superuser rights edits an entry behind the trigger's back.
            cursor.execute(
                "ALTER TABLE casework_auditentry DISABLE TRIGGER casework_auditentry_no_update"
            )
            cursor.execute(
                "UPDATE casework_auditentry SET actor_username = 'ktoś inny' WHERE seq = %s",
                [target.seq],
            )
            cursor.execute(
                "ALTER TABLE casework_auditentry ENABLE TRIGGER casework_auditentry_no_update"
            )
        result = audit_verify()
    assert not result.ok and result.broken_at == target.seq
    with pytest.raises(CommandError, match="naruszony"):
        call_command("audit_verify", SLUG, stdout=io.StringIO())


def test_a_deleted_entry_is_detected() -> None:
    desk = api(SLUG, "pierwszy.kontakt")
    for i in range(3):
        desk.post(
            "/api/people/",
            {"first_name": "Luka", "last_name": f"Wpis{i}", "pesel": new_pesel()},
            content_type="application/json",
        )
    with schema_context(SLUG):
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE casework_auditentry DISABLE TRIGGER casework_auditentry_no_update"
            )
            cursor.execute("DELETE FROM casework_auditentry WHERE seq = 2")
            cursor.execute(
                "ALTER TABLE casework_auditentry ENABLE TRIGGER casework_auditentry_no_update"
            )
        result = audit_verify()
    assert result.broken_at == 3
