"""Backup and restore of one centre's schema, in plain SQL through the Django connection.

No pg_dump is needed: every table of the centre's schema is streamed with ``COPY ... TO STDOUT``
(CSV) into one zip archive, next to ``manifest.json``: format version, source centre and schema,
the schema's migration state (its ``django_migrations`` rows) and, per table, the columns, the row
count and the SHA-256 of its CSV. The code knows no app's models: it works on whatever tables the
schema has, so it stays generic over the centre's schema.

Restore checks the whole archive first (every checksum, the migration state and the tables and
columns of the target schema) and only then writes, in one transaction: with
``session_replication_role = replica`` for that transaction only, so that the append-only audit
triggers (which refuse TRUNCATE and would re-chain inserted rows) and the foreign-key triggers do
not fire while the snapshot is loaded as it was. That setting needs a superuser (or, on
PostgreSQL 15+, ``GRANT SET ON PARAMETER session_replication_role``). Every sequence is then set
past the largest value of its column.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import psycopg
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction

from tenants import citus
from tenants.accounts.models import ApiToken, EnrolmentLink
from tenants.errors import TenantsError
from tenants.models import Centre

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# The schema's migration state is compared, never overwritten: it belongs to the target's code.
SKIPPED_TABLES = frozenset({"django_migrations"})
# Live credentials never go into an archive: sessions, API tokens and enrolment links (a copy of
# the archive would otherwise let its reader act as the staff). A restore empties these tables
# in the target: everyone logs in again and API clients issue new tokens. The authenticator apps
# (secrets encrypted with OPS_SECRETS_KEYS) and the recovery codes (hashed) stay, like the
# password hashes, so staff log in with the same app after a restore.
CREDENTIAL_TABLES = frozenset(
    {Session._meta.db_table, ApiToken._meta.db_table, EnrolmentLink._meta.db_table}
)
CHUNK = 1 << 20


class BackupError(TenantsError):
    code = "backup_error"


@dataclass
class TableResult:
    name: str
    rows: int


@dataclass
class BackupResult:
    slug: str
    path: Path
    tables: list[TableResult]


@dataclass
class RestoreResult:
    slug: str
    source_slug: str
    tables: list[TableResult]
    replaced: bool


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _raw(cursor: Any) -> psycopg.Cursor[Any]:
    return cast("psycopg.Cursor[Any]", cursor.cursor)


# The catalog is read from pg_catalog by the schema's oid, never through information_schema: its
# views filter by casted names that no index serves, so each lookup scans every schema's tables
# and columns (about 0.5 s a table at 500 centres, 20 s for one centre's backup).
_SCHEMA_COLUMNS = """
    SELECT c.relname, a.attname
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
    WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %s)
      AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attgenerated = ''
    ORDER BY c.relname, a.attnum
"""


def schema_columns(schema: str) -> dict[str, list[str]]:
    """Every base table of ``schema`` with the columns that can be copied (generated columns are
    left to PostgreSQL), in table order; tables by name. One statement."""
    columns: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SCHEMA_COLUMNS, [schema])
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
    return columns


def schema_tables(schema: str) -> list[str]:
    """The base tables of ``schema`` that a backup copies, by name: every one but
    ``django_migrations`` and the live credentials (CREDENTIAL_TABLES)."""
    return [
        table
        for table in schema_columns(schema)
        if table not in SKIPPED_TABLES and table not in CREDENTIAL_TABLES
    ]


def schema_migrations(schema: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {_q(schema)}.django_migrations ORDER BY app, name"  # noqa: S608
        )
        return [[app, name] for app, name in cursor.fetchall()]


def schema_fingerprint(schema: str) -> dict[str, tuple[int, str]]:
    """Per table: row count and an MD5 of every row's text, in a stable order."""
    result: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in schema_tables(schema):
            rows = "string_agg(t::text, E'\\n' ORDER BY t::text)"
            cursor.execute(
                f"SELECT count(*), md5(coalesce({rows}, '')) FROM {_q(schema)}.{_q(table)} AS t"  # noqa: S608
            )
            count, digest = cursor.fetchone()
            result[table] = (int(count), str(digest))
    return result


def _centre(slug: str) -> Centre:
    centre: Centre | None = Centre.objects.filter(slug=slug).first()
    if centre is None:
        raise BackupError(
            f"Nie ma ośrodka „{slug}”. Nowy ośrodek najpierw dodaj do rejestru i utwórz "
            "poleceniem provision_centres, potem odtwórz do niego kopię z --replace."
        )
    return centre


def centre_backup(*, slug: str, output: Path) -> BackupResult:
    """Write the centre's schema to ``output`` (a zip archive), as one consistent snapshot."""
    centre = _centre(slug)
    schema = centre.schema_name
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".zip", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        outer = connection.in_atomic_block
        with transaction.atomic():
            if not outer:  # inside a caller's transaction the level is the caller's
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            tables = _write_archive(tmp, slug=slug, schema=schema)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(
        slug=slug, path=output, tables=[TableResult(t["name"], t["rows"]) for t in tables]
    )


def _write_archive(path: Path, *, slug: str, schema: str) -> list[dict[str, Any]]:
    tables: list[dict[str, Any]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with connection.cursor() as cursor:
            every = schema_columns(schema)
            for table in schema_tables(schema):
                columns = every[table]
                cols = ", ".join(_q(c) for c in columns)
                cursor.execute(f"SELECT count(*) FROM {_q(schema)}.{_q(table)}")  # noqa: S608
                rows = int(cursor.fetchone()[0])
                digest = hashlib.sha256()
                member = f"data/{table}.csv"
                with (
                    archive.open(member, "w", force_zip64=True) as out,
                    _raw(cursor).copy(
                        f"COPY {_q(schema)}.{_q(table)} ({cols}) TO STDOUT WITH (FORMAT csv)"
                    ) as copy,
                ):
                    for chunk in copy:
                        data = bytes(chunk)
                        digest.update(data)
                        out.write(data)
                tables.append(
                    {
                        "name": table,
                        "file": member,
                        "columns": columns,
                        "rows": rows,
                        "sha256": digest.hexdigest(),
                    }
                )
        manifest = {
            "format": FORMAT_VERSION,
            "source": {"slug": slug, "schema": schema},
            "created_at": datetime.now(UTC).isoformat(),
            "postgresql": connection.pg_version,  # type: ignore[attr-defined]  # PostgreSQL backend only
            "migrations": schema_migrations(schema),
            "tables": tables,
        }
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2, ensure_ascii=False))
    return tables


def archive_read(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    """Open the archive and check it whole: format, manifest and every table's checksum."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"Nie da się odczytać archiwum {path}: {exc}") from exc
    try:
        manifest = json.loads(archive.read(MANIFEST_NAME))
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(
                f"Nieznany format archiwum ({manifest.get('format')!r}); "
                f"to polecenie zna format {FORMAT_VERSION}."
            )
        for table in manifest["tables"]:
            digest = hashlib.sha256()
            with archive.open(table["file"]) as member:
                while chunk := member.read(CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() != table["sha256"]:
                raise BackupError(
                    f"Archiwum jest uszkodzone: suma kontrolna tabeli {table['name']} się nie "
                    "zgadza. Nic nie zostało zmienione."
                )
    except BackupError:
        archive.close()
        raise
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError) as exc:
        archive.close()
        raise BackupError(f"Archiwum jest uszkodzone lub niekompletne: {exc!r}") from exc
    return archive, manifest


def centre_restore(*, archive_path: Path, into: str, replace: bool) -> RestoreResult:
    """Load the archive into centre ``into`` (the same centre or another one).

    Refuses, before writing anything, when a checksum fails, when the archive's migration state
    or tables differ from the target schema's, or when the target has data and ``replace`` is off.
    """
    centre = _centre(into)
    schema = centre.schema_name
    archive, manifest = archive_read(archive_path)
    with archive:
        every = schema_columns(schema)
        _check_target(manifest, schema=schema, columns=every, replace=replace)
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred checks still pending in this transaction would block TRUNCATE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SHOW session_replication_role")
            previous = cursor.fetchone()[0]
            if previous not in ("origin", "replica", "local"):
                raise BackupError(f"Nieznana wartość session_replication_role: {previous}.")
            try:
                cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError as exc:
                if not isinstance(exc.__cause__, psycopg.errors.InsufficientPrivilege):
                    raise
                raise BackupError(
                    "Odtworzenie wymaga prawa do ustawienia session_replication_role "
                    "(superużytkownik bazy albo GRANT SET ON PARAMETER)."
                ) from exc
            tables = manifest["tables"]
            # The target's own sessions and tokens go too: they belong to the accounts as they
            # were, not to the ones restored.
            emptied = [t["name"] for t in tables] if replace else []
            emptied += [table for table in every if table in CREDENTIAL_TABLES]
            if emptied:
                names = [f"{_q(schema)}.{_q(name)}" for name in emptied]
                if citus.is_citus():
                    # Citus empties a distributed table's shards from a TRUNCATE trigger, which
                    # the replica role silences (the shards would keep their rows); a DELETE is
                    # routed to the shard itself, where the replica role (a SET LOCAL, forwarded)
                    # keeps the append-only triggers quiet as TRUNCATE's does here.
                    for name in names:
                        cursor.execute(f"DELETE FROM {name}")  # noqa: S608 (quoted identifiers)
                else:
                    cursor.execute(f"TRUNCATE {', '.join(names)}")
            results = [_copy_in(cursor, archive, table, schema=schema) for table in tables]
            _sequences_reset(cursor, schema)
            # SET LOCAL statements (not set_config()): Citus forwards them to the workers holding
            # the centre's tables, where the triggers would fire.
            cursor.execute(f"SET LOCAL session_replication_role = {previous}")
    return RestoreResult(
        slug=into, source_slug=manifest["source"]["slug"], tables=results, replaced=replace
    )


def _check_target(
    manifest: dict[str, Any], *, schema: str, columns: dict[str, list[str]], replace: bool
) -> None:
    """Refuse a target whose migrations, tables or columns (``columns``: the schema's, by
    :func:`schema_columns`) differ from the archive's, or that has data without ``replace``."""
    ours = schema_migrations(schema)
    theirs = [list(m) for m in manifest["migrations"]]
    if ours != theirs:
        missing = sorted({tuple(m) for m in theirs} - {tuple(m) for m in ours})
        extra = sorted({tuple(m) for m in ours} - {tuple(m) for m in theirs})
        raise BackupError(
            f"Stan migracji archiwum różni się od schematu „{schema}” (brak w schemacie: "
            f"{_names(missing)}; brak w archiwum: {_names(extra)}). Odtwórz kopię w wersji "
            "aplikacji, z której pochodzi, albo najpierw doprowadź migracje do tego samego stanu."
        )
    archived = {t["name"]: t["columns"] for t in manifest["tables"]}
    present = [
        table for table in columns if table not in SKIPPED_TABLES and table not in CREDENTIAL_TABLES
    ]
    if set(archived) != set(present):
        raise BackupError(
            f"Tabele archiwum i schematu „{schema}” się różnią: "
            f"{sorted(set(archived) ^ set(present))}."
        )
    for table, archived_columns in archived.items():
        if sorted(archived_columns) != sorted(columns[table]):
            raise BackupError(f"Kolumny tabeli {table} w archiwum i w schemacie się różnią.")
    if not replace:
        with connection.cursor() as cursor:
            for table in present:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(schema)}.{_q(table)})")  # noqa: S608
                if cursor.fetchone()[0]:
                    raise BackupError(
                        f"Ośrodek „{schema}” ma już dane (tabela {table}). Aby je zastąpić "
                        "kopią, dodaj --replace."
                    )


def _names(items: list[tuple[str, ...]]) -> str:
    return ", ".join(".".join(i) for i in items[:5]) + (" …" if len(items) > 5 else "") or "—"


def _copy_in(
    cursor: Any, archive: zipfile.ZipFile, table: dict[str, Any], *, schema: str
) -> TableResult:
    cols = ", ".join(_q(c) for c in table["columns"])
    with (
        archive.open(table["file"]) as member,
        _raw(cursor).copy(
            f"COPY {_q(schema)}.{_q(table['name'])} ({cols}) FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        _stream(member, copy)
    cursor.execute(f"SELECT count(*) FROM {_q(schema)}.{_q(table['name'])}")  # noqa: S608
    rows = int(cursor.fetchone()[0])
    if rows != table["rows"]:
        raise BackupError(
            f"Tabela {table['name']}: po odtworzeniu {rows} wierszy, w archiwum {table['rows']}."
        )
    return TableResult(table["name"], rows)


def _stream(source: IO[bytes], copy: psycopg.Copy) -> None:
    while chunk := source.read(CHUNK):
        copy.write(chunk)


def _sequences_reset(cursor: Any, schema: str) -> None:
    """Set every sequence of the schema that numbers a column past the column's max: those owned
    by a column (serial or identity) and those only named in a column's default (on Citus a
    centre's ids come from such sequences, tenants/citus.py)."""
    cursor.execute(
        "SELECT s.relname, t.relname, a.attname FROM pg_class s "
        "JOIN pg_namespace n ON n.oid = s.relnamespace "
        "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
        "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "WHERE s.relkind = 'S' AND n.nspname = %s "
        "UNION "
        "SELECT s.relname, t.relname, a.attname FROM pg_class s "
        "JOIN pg_namespace n ON n.oid = s.relnamespace "
        "JOIN pg_depend d ON d.refobjid = s.oid AND d.refclassid = 'pg_class'::regclass "
        "  AND d.classid = 'pg_attrdef'::regclass "
        "JOIN pg_attrdef ad ON ad.oid = d.objid "
        "JOIN pg_class t ON t.oid = ad.adrelid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ad.adnum "
        "WHERE s.relkind = 'S' AND n.nspname = %s",
        [schema, schema],
    )
    for sequence, table, column in cursor.fetchall():
        # Two statements, not one: on Citus a statement reading the centre's table runs on its
        # worker, whose copy of the sequence is not the one the coordinator numbers rows from.
        cursor.execute(f"SELECT max({_q(column)}) FROM {_q(schema)}.{_q(table)}")  # noqa: S608
        row = cursor.fetchone()
        top = int(row[0]) if row and row[0] is not None else 0
        cursor.execute(
            "SELECT setval(%s::regclass, %s, false)", [f"{_q(schema)}.{_q(sequence)}", top + 1]
        )
