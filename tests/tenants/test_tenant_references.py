"""Centre tables reference only their own schema or the public dictionaries that are reference
tables on Citus (``tenants.citus.REFERENCE_TABLES``). On Citus any other foreign key would make
the creation of a centre fail; here, on plain PostgreSQL, this check is what notices it first."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from tenants import citus
from tenants.models import Centre

pytestmark = pytest.mark.django_db


def centre_schemas() -> list[str]:
    return [*Centre.objects.values_list("schema_name", flat=True), settings.TENANT_BASE_SCHEMA]


def test_centre_tables_reference_only_their_schema_or_reference_tables() -> None:
    schemas = centre_schemas()
    assert len(schemas) >= 6
    assert citus.foreign_keys_leaving_schema(schemas) == []


def test_the_reference_list_names_public_tables_of_the_reference_app() -> None:
    """No stale entries: each listed table exists in public, and every table of the national
    dictionaries (``casework.reference``) is listed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'reference\\_%%'"
        )
        dictionaries = {name for (name,) in cursor.fetchall()}
    assert dictionaries == set(citus.REFERENCE_TABLES)


def test_a_foreign_key_from_a_centre_to_another_public_table_is_reported() -> None:
    if citus.is_citus():
        pytest.skip("Citus refuses such a foreign key itself")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                'ALTER TABLE "krasnystaw".casework_person ADD CONSTRAINT person_centre_fk '
                "FOREIGN KEY (id) REFERENCES public.tenants_centre (id) NOT VALID"
            )
        found = citus.foreign_keys_leaving_schema(centre_schemas())
        transaction.set_rollback(True)
    assert found == [("krasnystaw.casework_person", "person_centre_fk", "public.tenants_centre")]


def test_citus_setup_does_nothing_on_plain_postgresql() -> None:
    if citus.is_citus():
        pytest.skip("this is the plain PostgreSQL behaviour")
    out = StringIO()
    call_command("citus_setup", "--placement", stdout=out)
    assert out.getvalue() == "citus_setup: the database has no Citus extension; nothing to do.\n"
