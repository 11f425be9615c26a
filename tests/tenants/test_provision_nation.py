"""`provision_nation --jobs J`: the centres still missing are shared out among J processes on the
same database; each is created once, every one of them is created, and a second run finds
nothing to do. The processes commit their centres, so this test removes them itself."""

import io

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from tenants.management.commands.provision_nation import _database_url
from tenants.models import Centre
from tenants.nation import nation

pytestmark = pytest.mark.django_db

COUNT = 5


def _remove(slugs: list[str]) -> None:
    """Outside the test's transaction: what the processes committed."""
    with psycopg.connect(_database_url(), autocommit=True) as connection:
        for slug in slugs:
            connection.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')
        centres = "SELECT id FROM tenants_centre WHERE slug = ANY(%s)"
        for table, column in (("tenants_domain", "tenant_id"),
                              ("tenants_reorganisationprogramme", "centre_id")):  # fmt: skip
            connection.execute(
                f"DELETE FROM {table} WHERE {column} IN ({centres})",  # noqa: S608
                [slugs],
            )
        connection.execute("DELETE FROM tenants_centre WHERE slug = ANY(%s)", [slugs])


def test_two_processes_create_every_missing_centre_once() -> None:
    slugs = [spec.slug for spec in nation()[:COUNT]]
    args = ["provision_nation", "--count", str(COUNT), "--volume", "0", "--no-staff"]
    try:
        out = io.StringIO()
        call_command(*args, "--jobs", "2", stdout=out)
        assert f"Utworzono {COUNT} ośrodków" in out.getvalue()
        assert sorted(Centre.objects.filter(slug__in=slugs).values_list("slug", flat=True)) == (
            sorted(slugs)
        )
        assert all(schema_exists(slug) for slug in slugs)
        again = io.StringIO()
        call_command(*args, "--jobs", "2", stdout=again)
        assert f"{COUNT} już jest, 0 do utworzenia" in again.getvalue()
    finally:
        _remove(slugs)


def test_a_wrong_number_of_processes_is_refused_in_polish() -> None:
    with pytest.raises(CommandError, match="--jobs: od 1 do 8"):
        call_command("provision_nation", "--count", "1", "--jobs", "0")
