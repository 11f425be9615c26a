"""Provisioning from the registry: the five centres live, idempotent, fast by cloning, and bad
input refused with a clear message and nothing half-created left behind."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.errors import CentreInvalid
from tenants.models import Centre, Domain, ReorganisationProgramme
from tenants.org.models import StaffPosition, Team
from tenants.registry import load_registry, parse_registry
from tests.conftest import CENTRE_SLUGS

pytestmark = pytest.mark.django_db

NEW_CENTRE = """
version = 1

[[centre]]
slug = "{slug}"
name = "Gminny Ośrodek Pomocy Społecznej w Testowie"
short_name = "GOPS Testowo"
teryt_terc = "{terc}"
voivodeship = "{voivodeship}"
gmina_type = "rural"
population = 7000
population_date = 2020-12-31

[centre.programme]
title = "Projekt testowy"
programme = "PO WER 2014–2020"
measure = "Działanie 2.5"
budget_pln = "{budget}"
funding_source = "EFS"
project_start = {start}
go_live = {go_live}

[[centre.team]]
code = "pierwszy-kontakt"
name = "Stanowisko pierwszego kontaktu"
kind = "post"
functions = ["first_contact"]
"""


def write_registry(tmp_path: Path, **overrides: str) -> Path:
    values = {
        "slug": "testowo",
        "terc": "3010022",
        "voivodeship": "30",
        "budget": "100000.00",
        "start": "2019-01-01",
        "go_live": "2019-06-01",
    } | overrides
    path = tmp_path / "centres.toml"
    path.write_text(NEW_CENTRE.format(**values), encoding="utf-8")
    return path


def test_the_five_centres_are_live_with_schema_domain_and_programme() -> None:
    for slug in CENTRE_SLUGS:
        centre = Centre.objects.get(slug=slug)
        assert centre.schema_name == slug
        assert schema_exists(slug)
        assert Domain.objects.get(tenant=centre, is_primary=True).domain == f"{slug}.localhost"
        assert ReorganisationProgramme.objects.filter(centre=centre).exists()


def test_running_it_twice_changes_nothing() -> None:
    before = {c.slug: c.updated_at for c in Centre.objects.all()}
    programmes = {p.centre_id: p.updated_at for p in ReorganisationProgramme.objects.all()}
    with schema_context("krasnystaw"):
        teams_before = list(Team.objects.values_list("code", "updated_at"))
        positions_before = StaffPosition.objects.count()
    out = io.StringIO()
    call_command("provision_centres", "--demo", stdout=out)
    for slug in CENTRE_SLUGS:
        assert f"{slug}: bez zmian" in out.getvalue()
    assert {c.slug: c.updated_at for c in Centre.objects.all()} == before
    assert {p.centre_id: p.updated_at for p in ReorganisationProgramme.objects.all()} == programmes
    with schema_context("krasnystaw"):
        assert list(Team.objects.values_list("code", "updated_at")) == teams_before
        assert StaffPosition.objects.count() == positions_before


def test_a_changed_fact_updates_only_that_fact(tmp_path: Path) -> None:
    text = Path(load_registry.__globals__["REGISTRY_PATH"]).read_text(encoding="utf-8")
    changed = tmp_path / "centres.toml"
    changed.write_text(text.replace("population = 15828", "population = 15900"), encoding="utf-8")
    out = io.StringIO()
    call_command("provision_centres", "--registry", str(changed), stdout=out)
    assert "daleszyce: zaktualizowano (population)" in out.getvalue()
    assert "myslenice: bez zmian" in out.getvalue()
    assert Centre.objects.get(slug="daleszyce").population == 15900


def test_a_new_centre_is_cloned_from_the_template_with_every_migration(tmp_path: Path) -> None:
    call_command(
        "provision_centres", "--registry", str(write_registry(tmp_path)), stdout=io.StringIO()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app, name FROM _template.django_migrations EXCEPT "
            "SELECT app, name FROM testowo.django_migrations"
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = '_template' "
            "EXCEPT SELECT table_name FROM information_schema.tables WHERE table_schema = 'testowo'"
        )
        assert cursor.fetchall() == []
    with schema_context("testowo"):
        assert Team.objects.get().name == "Stanowisko pierwszego kontaktu"


def test_a_cloned_centre_has_its_own_empty_tables(tmp_path: Path) -> None:
    call_command(
        "provision_centres", "--registry", str(write_registry(tmp_path)), stdout=io.StringIO()
    )
    from django.contrib.auth import get_user_model

    with schema_context("testowo"):
        assert get_user_model().objects.count() == 0
    with schema_context("myslenice"):
        assert get_user_model().objects.count() > 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"terc": "9910022", "voivodeship": "99"}, "teryt_terc", "kodu województwa"),
        ({"terc": "3010022", "voivodeship": "12"}, "voivodeship", "nie zgadza się z kodem TERYT"),
        ({"terc": "301002"}, "teryt_terc", "ma 7 cyfr"),
        ({"go_live": "2018-12-31"}, "go_live", "przed początkiem projektu"),
        ({"budget": "-1.00"}, "budget_pln", "nie może być ujemna"),
        ({"terc": "1209033"}, "teryt_terc", "ma już inny ośrodek"),
        ({"slug": "Zły Slug"}, "slug", "małe litery"),
    ],
)
def test_bad_input_is_refused_and_leaves_nothing(
    tmp_path: Path, overrides: dict[str, str], field: str, message: str
) -> None:
    path = write_registry(tmp_path, **overrides)
    schemas_before = _schemas()
    with pytest.raises(CommandError) as excinfo:
        call_command("provision_centres", "--registry", str(path), stdout=io.StringIO())
    assert field in str(excinfo.value)
    assert message in str(excinfo.value)
    assert _schemas() == schemas_before
    assert Centre.objects.count() == len(CENTRE_SLUGS)


def test_duplicate_slug_in_the_file_is_refused(tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    text = path.read_text(encoding="utf-8")
    second = text.split("version = 1", 1)[1].replace(
        'teryt_terc = "3010022"', 'teryt_terc = "3010032"'
    )
    path.write_text(text + second, encoding="utf-8")
    with pytest.raises(CommandError, match="Powtórzony identyfikator „testowo”"):
        call_command("provision_centres", "--registry", str(path), stdout=io.StringIO())
    assert not schema_exists("testowo")


def test_a_failure_after_the_schema_was_cloned_rolls_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(specs: object) -> list[str]:
        raise RuntimeError("disk full while writing teams")

    monkeypatch.setattr(services, "_teams_sync", explode)
    registry = parse_registry(__import__("tomllib").loads(write_registry(tmp_path).read_text()))
    with pytest.raises(RuntimeError):
        services.registry_apply(registry=registry, base_domain="localhost")
    assert not schema_exists("testowo")
    assert not Centre.objects.filter(slug="testowo").exists()


def test_validation_runs_for_every_centre_before_any_is_created(tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    bad = NEW_CENTRE.split("version = 1", 1)[1].format(
        slug="drugie",
        terc="3010032",
        voivodeship="30",
        budget="-5.00",
        start="2019-01-01",
        go_live="2019-06-01",
    )
    path.write_text(path.read_text(encoding="utf-8") + bad, encoding="utf-8")
    with pytest.raises(CentreInvalid):
        services.registry_apply(
            registry=parse_registry(__import__("tomllib").loads(path.read_text())),
            base_domain="localhost",
        )
    assert not schema_exists("testowo")


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


SCHEMA_SHAPE = """
SELECT 'relation', c.relname::text || ':' || c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'column', c.relname::text || '.' || a.attname::text
    || ':' || format_type(a.atttypid, a.atttypmod)
    || ':' || a.attnotnull::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(s)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v')
UNION ALL
SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = %(s)s
UNION ALL
SELECT 'constraint', c.relname::text || ':' || con.conname::text
    || ':' || pg_get_constraintdef(con.oid)
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'trigger', pg_get_triggerdef(t.oid)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND NOT t.tgisinternal
UNION ALL
SELECT 'function', p.proname::text || ':' || md5(p.prosrc)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s
"""


def assert_same_as_template(schema: str) -> None:
    """``schema`` has every object of the template (:func:`_shape`) and its seeded rows."""
    template = _shape("_template")
    assert len(template) > 500
    assert _shape(schema) == template
    with connection.cursor() as cursor:
        for table in ("django_migrations", "django_content_type", "auth_permission"):
            cursor.execute(
                f"SELECT count(*) FROM (SELECT * FROM _template.{table} EXCEPT "  # noqa: S608
                f'SELECT * FROM "{schema}".{table}) AS missing'
            )
            assert cursor.fetchone() == (0,)


def _shape(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = pg_catalog")  # names printed fully qualified
        cursor.execute(SCHEMA_SHAPE, {"s": schema})
        rows = cursor.fetchall()
    return {(kind, text.replace(f"{schema}.", "<schema>.")) for kind, text in rows}


def test_a_new_centre_is_the_template_replayed_object_for_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table, column (type, null, default), index, constraint, trigger and function of the
    template exists in the new centre, made by replaying the template's rendered DDL (not by
    django-tenants' clone, which this test would not notice being used: hence the spy)."""
    from tenants import schema_template

    fallbacks: list[str] = []
    monkeypatch.setattr(schema_template, "_clone_with_django_tenants", fallbacks.append)
    call_command(
        "provision_centres", "--registry", str(write_registry(tmp_path)), stdout=io.StringIO()
    )
    assert fallbacks == []
    assert_same_as_template("testowo")
    # The sequences continue after the copied rows: a new row gets a fresh id.
    with schema_context("testowo"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.create(app_label="ops_test", model="probe")
