"""A database moved from plain PostgreSQL: its centre schemas are ordinary schemas of the
coordinator with identity columns. ``citus_setup --distribute-centres`` puts each on a worker;
its rows come along and its ids number on."""

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from tenants import citus
from tenants.models import Centre
from tenants.org.models import Team
from tenants.schema_template import template_script
from tests.citus.conftest import outside

SCHEMA = "przeniesiony"


def _a_schema_as_plain_postgresql_made_it() -> int:
    """The template's DDL as is (identity columns kept), in a schema Citus does not distribute."""
    ddl, data = template_script().statements_for(SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{SCHEMA}"')
        for statement in [*citus.split_statements(ddl), *data]:
            cursor.execute(statement)
    with schema_context(SCHEMA):
        return Team.objects.create(code="przed", name="Przed", kind="team").pk


def _distribute() -> str:
    out = StringIO()
    centre = Centre.objects.get(slug="debica")
    # The command distributes the registry's centres: this schema stands in for one of them.
    Centre.objects.filter(pk=centre.pk).update(schema_name=SCHEMA)
    try:
        call_command("citus_setup", "--distribute-centres", "--placement", stdout=out)
    finally:
        Centre.objects.filter(pk=centre.pk).update(schema_name=centre.schema_name)
    return out.getvalue()


def _after() -> tuple[list[str], int]:
    with schema_context(SCHEMA):
        after = Team.objects.create(code="po", name="Po", kind="team").pk
        codes = list(Team.objects.filter(code__in=["przed", "po"]).values_list("code", flat=True))
    return sorted(codes), after


def _drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def test_a_centre_schema_of_a_plain_database_is_distributed_with_its_rows_and_numbering() -> None:
    outside(_drop)
    try:
        before = outside(_a_schema_as_plain_postgresql_made_it)
        assert SCHEMA not in {schema for schema, _, _ in outside(citus.placement)}
        out = outside(_distribute)
        assert f"citus_setup: {SCHEMA} distributed" in out
        assert f"{SCHEMA}: worker 127.0.0.1:" in out
        codes, after = outside(_after)
        assert codes == ["po", "przed"]
        assert after == before + 1
    finally:
        outside(_drop)
