"""Steps of `make perf-scale` about schemas: a new centre (ours vs django-tenants' migrate and
clone_schema), a no-op ``migrate_schemas``, bytes and relations per centre, the centre list and
backups."""

from __future__ import annotations

import os
import time
from typing import Any

from deploy.perf_scale.common import (
    NATION,
    ROOT,
    Rollback,
    Step,
    manage,
    median,
    scratch_specs,
    statements_sent,
)


def new_centre(steps: list[Step], n: int, repeat: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from opsplatform.schemas import use_public_schema
    from tenants.models import Centre
    from tenants.schema_template import _clone_with_django_tenants, template_script
    from tenants.services import centre_provision, template_schema_ensure
    from tenants.spares import spares_refill

    template_schema_ensure()
    started = time.perf_counter()
    template_script()  # rendered once per process (pg_dump of the template)
    render = time.perf_counter() - started
    specs = scratch_specs(2 * repeat + 6, n)

    def provision(spec: Any) -> tuple[float, int]:
        with statements_sent() as sent:
            started = time.perf_counter()
            with transaction.atomic():
                centre_provision(spec=spec, registry_version=1, base_domain=settings.PORTAL_HOST)
            seconds = time.perf_counter() - started
        return seconds, len(sent)

    def remove(slug: str) -> None:
        with transaction.atomic():
            Centre.objects.filter(slug=slug).delete()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')

    # The product's path: a spare schema made ahead by the worker (here by another process, so
    # that this backend meets each spare cold, as the web's would) renamed into the centre.
    wanted = settings.TENANT_SPARE_SCHEMAS
    settings.TENANT_SPARE_SCHEMAS = repeat
    manage("centre_spares", "--count", str(repeat))
    ours: list[float] = []
    queries: list[int] = []
    for spec in specs[:repeat]:
        seconds, count = provision(spec)
        ours.append(seconds)
        queries.append(count)
        remove(spec.slug)
    # With the pool empty (onboarding many centres at once): the template's DDL replayed.
    settings.TENANT_SPARE_SCHEMAS = 0
    replay: list[float] = []
    for spec in specs[repeat : 2 * repeat]:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                centre_provision(spec=spec, registry_version=1, base_domain=settings.PORTAL_HOST)
                replay.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    settings.TENANT_SPARE_SCHEMAS = wanted
    spares_refill(0)

    def drop(schema: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    migrate: list[float] = []
    clone: list[float] = []
    slow_repeat = max(1, min(3, repeat))
    for i in range(slow_repeat):
        schema = f"perfscale_migrate_{i}"
        drop(schema)
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        started = time.perf_counter()
        from django.core.management import call_command

        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema,
            executor="standard",
            interactive=False,
            verbosity=0,
        )
        migrate.append(time.perf_counter() - started)
        use_public_schema()
        drop(schema)
        schema = f"perfscale_clone_{i}"
        drop(schema)
        started = time.perf_counter()
        _clone_with_django_tenants(schema)
        clone.append(time.perf_counter() - started)
        drop(schema)
    t_ours, t_migrate, t_clone = median(ours), median(migrate), median(clone)
    t_replay = median(replay)
    speedup = t_migrate / t_ours if t_ours else 0.0
    steps.append(
        Step(
            "new centre (centre_provision, from a spare schema)",
            round(t_ours, 3),
            "s median",
            ours_vs=f"django-tenants migrate {t_migrate:.2f} s, clone_schema {t_clone:.2f} s",
            goal="≤ 0.3 s and ≥ 20× faster than django-tenants' migrate",
            met=t_ours <= 0.3 and speedup >= 20,
            model="flat in N (catalog lookups by name, no scan of other schemas)",
            at_2500=round(t_ours, 3),
            note=f"{speedup:.0f}× faster than migrate; {median([float(q) for q in queries]):.0f} "
            f"statements; with no spare ready (template DDL replayed) {t_replay:.3f} s, "
            f"{t_migrate / t_replay if t_replay else 0:.0f}× faster; template rendered once in "
            f"{render:.2f} s",
            extra={
                "ours_s": ours,
                "replay_s": replay,
                "migrate_s": migrate,
                "clone_s": clone,
                "render_s": render,
                "statements": queries,
            },
        )
    )


def onboarding(steps: list[Step], n: int) -> None:
    """``provision_nation`` adding centres to the N present, in one process and in two
    (``--jobs 2``): the rate is the difference of two runs (12 and 60 centres), so that the
    command's fixed start-up (Django, the template's migrations, the nation's list) cancels out.
    The centres made are removed after each run."""
    from django.db import connection

    from tenants.models import Centre
    from tenants.nation import nation

    small, large = 12, 60
    slugs = [spec.slug for spec in nation()[n : n + large]]

    def remove() -> None:
        Centre.objects.filter(slug__in=slugs).delete()
        with connection.cursor() as cursor:
            for slug in slugs:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')

    def run(count: int, jobs: int) -> float:
        args = ["--count", str(n + count), "--volume", "0", "--no-staff", "--jobs", str(jobs)]
        seconds = manage("provision_nation", *args)
        remove()
        return seconds

    remove()
    rates: dict[int, float] = {}
    fixed: dict[int, float] = {}
    for jobs in (1, 2):
        few, many = run(small, jobs), run(large, jobs)
        rates[jobs] = (large - small) / max(many - few, 1e-6)
        fixed[jobs] = few - small / rates[jobs]
    country = {jobs: (fixed[jobs] + 2477 / rate) / 60 for jobs, rate in rates.items()}
    steps.append(
        Step(
            "onboarding 2,477 empty centres (provision_nation --jobs 2, measured)",
            round(country[2], 1),
            "min",
            ours_vs=f"one process: {country[1]:.1f} min",
            goal="≤ 15 min",
            met=country[2] <= 15,
            model=f"start-up + 2,477 / the rate between {small} and {large} centres added to "
            f"the {n + 5} present",
            at_2500=round(country[2], 1),
            note=f"{rates[2]:.2f} centres/s with two processes, {rates[1]:.2f} with one; "
            f"start-up {fixed[2]:.1f} / {fixed[1]:.1f} s",
            extra={"rates": rates, "startup_s": fixed},
        )
    )


def _whole_command_at_2500(seconds: float, n: int) -> tuple[float, int, float]:
    """A command over every schema at 2,500: Django's start-up (``manage.py check``, measured)
    plus the rest grown linearly. Returns (start-up, schemas now, at 2,500)."""
    baseline = manage("check")
    total = n + 5
    return baseline, total, baseline + (seconds - baseline) * NATION / total


def noop_migrate(steps: list[Step], n: int) -> None:
    ours = manage("migrate_schemas", "--noinput")
    standard = manage("migrate_schemas", "--noinput", "--executor=standard")
    baseline, total, at_2500 = _whole_command_at_2500(ours, n)
    steps.append(
        Step(
            "no-op migrate_schemas (whole command)",
            round(ours, 2),
            "s",
            ours_vs=f"--executor=standard {standard:.1f} s",
            goal="≤ 60 s over 2,500 schemas",
            met=at_2500 <= 60,
            model=f"start-up ({baseline:.1f} s, manage.py check) + (rest) × 2,500 / {total}",
            at_2500=round(at_2500, 1),
            note=f"standard at 2,500 ≈ {standard * NATION / total / 60:.0f} min",
            extra={"standard_s": standard, "startup_s": baseline, "schemas": total},
        )
    )


PROBE = "perfscale_probe"
PROBE_MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    # Written by `make perf-scale` for one measurement and removed after it.
    dependencies = [("casework", "{parent}")]
    operations = [
        migrations.AddField("decision", "{probe}", models.TextField(null=True)),
        migrations.AddIndex(
            "decision", models.Index(fields=["{probe}"], name="casework_de_{probe}_idx")
        ),
    ]
"""


def additive_migrate(steps: list[Step], n: int) -> None:
    """A real additive migration (a nullable column and an index on decisions) over every
    schema, through ``migrate_schemas``: written into casework's migrations for the run, then
    undone (file, columns, records) whatever happens."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from tenants.models import Centre

    loader = MigrationLoader(None, ignore_no_migrations=True)
    parent = max(name for app, name in loader.graph.leaf_nodes() if app == "casework")
    number = int(parent.split("_", 1)[0]) + 1
    name = f"{number:04d}_{PROBE}"
    path = ROOT / "casework" / "migrations" / f"{name}.py"
    schemas = ["public", settings_template(), *Centre.objects.values_list("schema_name", flat=True)]
    try:
        path.write_text(PROBE_MIGRATION.format(parent=parent, probe=PROBE), encoding="utf-8")
        seconds = manage("migrate_schemas", "--noinput")
    finally:
        path.unlink(missing_ok=True)
        with connection.cursor() as cursor:
            for start in range(0, len(schemas), 100):
                cursor.execute(";".join(_undo(s, name) for s in schemas[start : start + 100]))
    baseline, total, at_2500 = _whole_command_at_2500(seconds, n)
    steps.append(
        Step(
            "additive migration over every schema (column + index)",
            round(seconds, 1),
            "s",
            ours_vs="Django's migrate per schema: 0.63 s a schema (a record-only migration, "
            "505 schemas in 5 min 19 s, measured 2026-12-07)",
            goal="≤ 10 min over 2,500 schemas",
            met=at_2500 <= 600,
            model=f"start-up ({baseline:.1f} s) + (rest) × 2,500 / {total}",
            at_2500=round(at_2500, 1),
            note="Django's migrate in the first schema, the SQL planned there replayed in the rest",
            extra={"schemas": total, "startup_s": baseline},
        )
    )


def _undo(schema: str, name: str) -> str:
    drop = f'ALTER TABLE IF EXISTS "{schema}".casework_decision DROP COLUMN IF EXISTS {PROBE}'
    forget = (
        f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'casework' AND name = '{name}'"  # noqa: S608
    )
    return f"{drop}; {forget}"


def settings_template() -> str:
    from django.conf import settings

    return str(settings.TENANT_BASE_SCHEMA)


def sizes(steps: list[Step], n: int) -> None:
    from django.db import connection, transaction

    from tenants.schema_template import schema_create

    schema = "perfscale_size"
    try:
        with transaction.atomic():
            schema_create(schema)
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid))
                        FILTER (WHERE c.relkind IN ('r', 'm', 'S')), 0)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = %s
                    """,
                    [schema],
                )
                relations, size = cursor.fetchone()
            raise Rollback
    except Rollback:
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), (SELECT count(*) FROM pg_class)"
        )
        database, pg_class = cursor.fetchone()
    steps.append(
        Step(
            "empty centre: relations / bytes",
            relations,
            "relations",
            model="per centre: flat",
            at_2500=relations * NATION,
            note=f"{size / 2**20:.2f} MB per empty centre; at 2,500: "
            f"{relations * NATION:,} relations, {size * NATION / 2**30:.1f} GB empty",
            extra={"bytes": size},
        )
    )
    steps.append(
        Step(
            f"database at {n + 5} centres",
            round(database / 2**20, 1),
            "MB",
            model="∝ centres (history volume as provisioned)",
            at_2500=round(database / 2**20 * NATION / (n + 5), 1),
            note=f"pg_class {pg_class:,} rows",
        )
    )


def centre_list(steps: list[Step], n: int) -> None:
    total = n + 5
    seconds = manage("list_centres")
    urls = manage("list_centres", "--urls")
    steps.append(
        Step(
            "admin's centre list (manage.py list_centres, teams per centre)",
            round(seconds, 2),
            "s",
            ours_vs=f"--urls only {urls:.2f} s",
            model=f"∝ centres: × 2,500 / {total}",
            at_2500=round(seconds * NATION / total, 1),
        )
    )


# --- the report --------------------------------------------------------------------------------


def backups(steps: list[Step], n: int) -> None:
    """Backups at N: one centre's logical backup (``centre_backup``, the per-centre path the
    backup runbook gives), and ``pg_dump`` of the whole database, which locks every table of
    every schema in one transaction and so needs a lock table as big as the database's tables."""
    import subprocess
    import tempfile
    from pathlib import Path

    from django.db import connection

    from tenants.backup import centre_backup
    from tenants.models import Centre
    from tenants.nation import nation
    from tenants.schema_template import _server_major, pg_dump_executable

    total = n + 5
    slug = next(
        slug
        for slug in Centre.objects.order_by("slug").values_list("slug", flat=True)
        if slug in {s.slug for s in nation()[:50]}
    )
    timings = []
    with tempfile.TemporaryDirectory() as directory:
        for repeat in range(3):
            started = time.perf_counter()
            centre_backup(slug=slug, output=Path(directory) / f"{repeat}.zip")
            timings.append(time.perf_counter() - started)
    one = median(timings)
    steps.append(
        Step(
            f"one centre's backup (centre_backup {slug}, median of 3)",
            round(one, 3),
            "s",
            model="flat: the catalog read once by the schema's oid, then the centre's own rows",
            at_2500=round(one, 3),
            note=f"every centre one after another ≈ {one * total / 60:.1f} min at {total}, "
            f"≈ {one * NATION / 60:.0f} min at 2,500 (the centres' own data grows it)",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p')"
            " AND relnamespace <> 'pg_catalog'::regnamespace"
        )
        tables = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT current_setting('max_locks_per_transaction')::int"
            " * (current_setting('max_connections')::int"
            " + current_setting('max_prepared_transactions')::int)"
        )
        lock_slots = int(cursor.fetchone()[0])
    executable = pg_dump_executable(_server_major())
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": str(settings_dict.get("HOST") or ""),
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": str(settings_dict.get("USER") or ""),
        "PGDATABASE": str(settings_dict["NAME"]),
        "PGPASSWORD": str(settings_dict.get("PASSWORD") or ""),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [executable or "pg_dump", "--schema-only", "--file", os.devnull],
        env=env, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    dump_s = time.perf_counter() - started
    failed = done.returncode != 0
    steps.append(
        Step(
            "pg_dump --schema-only of the whole database",
            round(dump_s, 2),
            "s",
            model=f"∝ tables: × 2,500 / {total}" + ("; failed" if failed else ""),
            at_2500=None if failed else round(dump_s * NATION / total, 1),
            note=(
                f"{tables:,} tables, lock table {lock_slots:,} slots "
                "(max_locks_per_transaction × connections): "
                + (
                    "failed, out of lock slots: a whole-database pg_dump needs "
                    "max_locks_per_transaction ≥ tables / connections; back up the cluster "
                    "physically and centres with centre_backup (deploy/runbooks/backup.md)"
                    if failed
                    else "fits"
                )
            ),
        )
    )
