"""Running on Citus: each centre's schema distributed by schema, the public tables it points at
replicated to every node. Everything here is a no-op on plain PostgreSQL.

Layout (``deploy/runbooks/citus.md`` has the operator's view):

* Centre schemas are created with ``citus.enable_schema_based_sharding`` on (for that one
  ``CREATE SCHEMA`` only, see :func:`centre_schema_sql`): Citus places the schema on one worker and
  every table created in it becomes a single-shard table co-located with the schema's other
  tables. A request of one centre touches one schema, so it is routed whole to that worker.
* The template schema (``settings.TENANT_BASE_SCHEMA``) stays an ordinary schema of the
  coordinator. It holds no centre's data; it is migrated, dumped once (``pg_dump``) and copied
  into each new centre (``tenants.schema_template``). Distributing it would gain nothing and would
  put it on a worker where every migration of it goes through Citus' DDL propagation.
* Public tables are of two kinds (:data:`REFERENCE_TABLES`; a centre table's foreign key to
  any other public table is found by :func:`foreign_keys_leaving_schema`):

  - *reference tables* (a copy on every node): the national dictionaries (``casework.reference``:
    reasons for assistance, income criteria, benefit types). Centre rows carry their codes, and
    centre requests read them all day (every intake and decision validates against them): as
    reference tables they are read and joined on the centre's own worker, and a foreign key from a
    centre table to them stays possible (a single-shard table may reference only its own schema or
    a reference table). They are small and change by migration only, so the cost of writing to
    every node is paid once a year.
  - *coordinator tables* (local to the coordinator): everything else — the centre registry and
    domains (read by the coordinator on every request to find the centre, written in the same
    transaction as a new schema), portal accounts and sessions, and the benchmarking tables (one
    run reads aggregates of every centre and writes the results in one place; their append-only
    ledger keeps its ordinary triggers, since local tables have them).

  ``tests/tenants/test_tenant_references.py`` keeps this true on plain PostgreSQL too: a centre
  table may reference only its own schema or a table listed here.

Triggers. The audit trail's chain and append-only triggers, the privacy rules' and the audit
guard's constraint triggers are ordinary PL/pgSQL triggers on the centre's tables. Citus refuses
triggers on distributed tables unless ``citus.enable_unsafe_triggers`` is on (set for the
database by :func:`cluster_settings_ensure`). Here they are safe, which is what the setting
leaves to us to judge: a centre's tables are single-shard and co-located, so a trigger fires on the
worker holding the shard, in the worker's part of the transaction, and the one table the
functions read (the schema's ``casework_auditentry``, named through ``TG_TABLE_SCHEMA``) is a
co-located shard on that same worker, which Citus reads by local execution in the same
transaction (uncommitted entries included). So the chain's advisory lock and its ``SELECT ...
ORDER BY seq DESC`` run on the one worker every writer of the centre reaches, and the chain
cannot fork; the guard sees the entries its transaction wrote. A deferred check runs at the
worker's COMMIT (``SET CONSTRAINTS`` is not forwarded); a refused commit is reported by the
coordinator as "could not commit transaction for shard ..." with the guard's message in the
worker's log. A shard move copies rows by logical replication, which fires no trigger (the
copied entries keep their hashes), and blocks writes only for the switch-over.
``tests/citus`` checks all of this on a cluster.

Settings read by those triggers must reach the worker: ``citus.propagate_set_commands = local``
forwards ``SET LOCAL`` (not ``set_config()``) to the workers a transaction uses, so the guard's
exemption and a restore's ``session_replication_role`` are written as ``SET LOCAL``.

Multi-statement SQL. A worker refuses a prepared statement holding several commands; the
template's DDL, replayed in one round trip on plain PostgreSQL, is split into single statements on
Citus (:func:`split_statements`). Django already runs a ``RunSQL`` script statement by statement.
"""

from __future__ import annotations

import logging
import re

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)

# The national dictionaries, which centre tables may reference: on Citus, reference tables.
REFERENCE_TABLES: tuple[str, ...] = (
    "reference_assistancereason",
    "reference_incomecriterion",
    "reference_benefittype",
)

_IS_CITUS = "_ops_is_citus"

# Set for the whole database on Citus (``citus_setup``; deploy/citus_cluster.py for tests).
DATABASE_SETTINGS = {
    # Triggers on the centres' single-shard tables: see the module docstring for why they are safe.
    "citus.enable_unsafe_triggers": "on",
    # A transaction's SET LOCAL reaches the workers it writes to: the audit guard's exemption
    # (``ops.audit_exempt``, read by triggers on the worker) and a restore's
    # ``session_replication_role`` must hold where the triggers fire.
    "citus.propagate_set_commands": "local",
}


def is_citus(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether the database has the Citus extension (asked once per connection)."""
    conn = conn or connection
    known = getattr(conn, _IS_CITUS, None)
    if known is None or getattr(conn, "_ops_is_citus_for", None) is not conn.connection:
        with conn.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            row = cursor.fetchone()
        known = bool(row and row[0])
        setattr(conn, _IS_CITUS, known)
        conn._ops_is_citus_for = conn.connection  # type: ignore[attr-defined]  # own cache attribute
    return bool(known)


def centre_schema_sql(schema: str) -> list[str]:
    """The statements creating a centre's (empty) schema: distributed by schema on Citus."""
    create = f'CREATE SCHEMA "{schema}"'
    if not is_citus():
        return [create]
    return [
        "SET LOCAL citus.enable_schema_based_sharding = on",
        create,
        "SET LOCAL citus.enable_schema_based_sharding = off",
    ]


# A statement ends at a semicolon outside quotes, comments and dollar-quoted bodies.
_TOKEN = re.compile(
    r"""
    (?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*)?\$)
    | (?P<squote>')
    | (?P<dquote>")
    | (?P<line>--[^\n]*)
    | (?P<block>/\*)
    | (?P<semi>;)
    """,
    re.VERBOSE,
)


def split_statements(script: str) -> list[str]:
    """``script`` as its single statements (without empty ones), for servers that take one at a
    time. Understands quotes, ``E''`` strings, comments and PL/pgSQL's dollar quoting."""
    statements: list[str] = []
    start = 0
    pos = 0
    length = len(script)
    while pos < length:
        match = _TOKEN.search(script, pos)
        if match is None:
            break
        kind = match.lastgroup if match.lastgroup != "tag" else "dollar"
        if match.group("dollar"):
            delimiter = match.group("dollar")
            end = script.find(delimiter, match.end())
            pos = length if end < 0 else end + len(delimiter)
        elif kind == "squote":
            pos = _after_quote(script, match.end(), "'")
        elif kind == "dquote":
            pos = _after_quote(script, match.end(), '"')
        elif kind == "line":
            pos = match.end()
        elif kind == "block":
            end = script.find("*/", match.end())
            pos = length if end < 0 else end + 2
        else:  # a semicolon
            statements.append(script[start : match.end()])
            start = pos = match.end()
    statements.append(script[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _after_quote(script: str, pos: int, quote: str) -> int:
    while True:
        end = script.find(quote, pos)
        if end < 0:
            return len(script)
        if script.startswith(quote * 2, end):  # a doubled quote stays inside
            pos = end + 2
            continue
        if quote == "'" and _backslash_escaped(script, end):
            pos = end + 1
            continue
        return end + 1


def _backslash_escaped(script: str, end: int) -> bool:
    """Inside an ``E'...'`` string a backslash escapes the quote (pg_dump writes none of these
    for DDL, but migrations might)."""
    opening = script.rfind("'", 0, end)
    while opening > 0 and script[opening - 1] == "'":
        opening = script.rfind("'", 0, opening - 1)
    if opening <= 0 or script[opening - 1] not in "eE":
        return False
    backslashes = 0
    i = end - 1
    while script[i] == "\\":
        backslashes += 1
        i -= 1
    return backslashes % 2 == 1


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return bool(without_comments.strip(" \t\r\n;"))


def execute_script(cursor: CursorWrapper, script: str) -> None:
    """Run the template's DDL ``script`` on ``cursor``: in one round trip on plain PostgreSQL; on
    Citus one statement at a time, identity columns as sequence defaults."""
    if is_citus():
        for statement in split_statements(identity_as_sequence(script)):
            cursor.execute(statement)
    else:
        cursor.execute(script)


# pg_dump writes an identity column as a separate ALTER TABLE, which Citus does not take on a
# distributed table (and it takes identity columns only of type bigint at all).
_IDENTITY = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(?P<table>\S+)\s+ALTER\s+COLUMN\s+(?P<column>\S+)\s+ADD\s+"
    r"GENERATED\s+(?:BY\s+DEFAULT|ALWAYS)\s+AS\s+IDENTITY\s*\(\s*SEQUENCE\s+NAME\s+"
    r"(?P<sequence>\S+)(?P<options>.*?)\);",
    re.DOTALL,
)


def identity_as_sequence(ddl: str) -> str:
    """``ddl`` with every identity column turned into a column defaulting to its own sequence.

    Same numbers, same sequence name (so the template's counters are copied as before); Citus
    evaluates ``nextval`` on the coordinator for each insert routed to a worker. The sequence is
    not ``OWNED BY`` its column (Citus refuses that on a distributed table); it lives in the
    centre's schema and goes with it.
    """

    def replace(match: re.Match[str]) -> str:
        table, column, sequence = match.group("table", "column", "sequence")
        options = " ".join(match.group("options").split())
        return (
            f"CREATE SEQUENCE {sequence} {options};\n"
            f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval('{sequence}');"
        )

    return _IDENTITY.sub(replace, ddl)


def reference_tables_ensure() -> list[str]:
    """Make the public dictionaries in :data:`REFERENCE_TABLES` reference tables (idempotent).

    Returns the tables converted now. Runs before a centre schema is created on Citus: a centre
    table's foreign key to one of these would be refused while it is local to the coordinator.
    """
    if not is_citus():
        return []
    converted: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname = ANY(%s) AND c.relkind = 'r'
              AND NOT EXISTS (
                  SELECT 1 FROM pg_dist_partition p
                  WHERE p.logicalrelid = c.oid AND p.partmethod = 'n' AND p.repmodel = 't'
              )
            ORDER BY c.relname
            """,
            [list(REFERENCE_TABLES)],
        )
        for (table,) in cursor.fetchall():
            cursor.execute("SELECT create_reference_table(%s)", [f"public.{table}"])
            converted.append(table)
    if converted:
        logger.info("citus_reference_tables", extra={"tables": converted})
    return converted


def cluster_settings_ensure() -> None:
    """:data:`DATABASE_SETTINGS` for the database, for every later session, and for this one
    (idempotent)."""
    if not is_citus():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        row = cursor.fetchone()
        name = str(row[0]) if row else ""
        quoted = '"' + name.replace('"', '""') + '"'
        for name, value in DATABASE_SETTINGS.items():
            cursor.execute(f"ALTER DATABASE {quoted} SET {name} = {value}")
            cursor.execute(f"SET {name} = {value}")


def setup() -> list[str]:
    """Everything :mod:`tenants.citus` needs of a Citus database (``manage.py citus_setup``)."""
    cluster_settings_ensure()
    return reference_tables_ensure()


def placement() -> list[tuple[str, str, int]]:
    """Each distributed schema with the worker holding its tables: ``(schema, host, port)``."""
    if not is_citus():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT s.schema_name::text, sh.nodename, sh.nodeport
            FROM citus_schemas s
            JOIN citus_shards sh ON sh.citus_table_type = 'schema'
                AND sh.table_name::text LIKE s.schema_name::text || '.%%'
            ORDER BY 1, 2, 3
            """
        )
        return [(str(schema), str(host), int(port)) for schema, host, port in cursor.fetchall()]


def schema_shards(schema: str) -> list[tuple[int, str, int]]:
    """The shards of a distributed schema's tables: ``(shard id, host, port)``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT sh.shardid, sh.nodename, sh.nodeport FROM citus_shards sh
            WHERE sh.citus_table_type = 'schema' AND sh.table_name::text LIKE %s
            ORDER BY sh.shardid
            """,
            [f"{schema}.%"],
        )
        return [(int(shard), str(host), int(port)) for shard, host, port in cursor.fetchall()]


def foreign_keys_leaving_schema(schemas: list[str]) -> list[tuple[str, str, str]]:
    """Foreign keys of the tables in ``schemas`` that point outside their own schema at anything
    but a table of :data:`REFERENCE_TABLES`: ``(table, constraint, referenced table)``.

    Empty is the rule: on Citus a centre's single-shard tables may reference only their own schema
    or reference tables, so any other reference would refuse the centre's creation there.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT src_ns.nspname || '.' || src.relname, con.conname,
                   dst_ns.nspname || '.' || dst.relname
            FROM pg_constraint con
            JOIN pg_class src ON src.oid = con.conrelid
            JOIN pg_namespace src_ns ON src_ns.oid = src.relnamespace
            JOIN pg_class dst ON dst.oid = con.confrelid
            JOIN pg_namespace dst_ns ON dst_ns.oid = dst.relnamespace
            WHERE con.contype = 'f' AND src_ns.nspname = ANY(%s)
              AND dst_ns.oid <> src_ns.oid
              AND NOT (dst_ns.nspname = 'public' AND dst.relname = ANY(%s))
            ORDER BY 1, 2
            """,
            [schemas, list(REFERENCE_TABLES)],
        )
        return [(str(a), str(b), str(c)) for a, b, c in cursor.fetchall()]


def centre_schema_distribute(schema: str) -> None:
    """Distribute an existing centre schema of the coordinator (a database moved from plain
    PostgreSQL): its identity columns become sequence defaults, numbering on from where they
    stood, then ``citus_schema_distribute`` moves the schema to a worker. The schema is
    read-only while its tables are copied. Runs in autocommit (Citus copies in its own steps)."""
    quoted = '"' + schema.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname, pg_get_serial_sequence(
                quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname)
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND a.attidentity IN ('a', 'd') AND NOT a.attisdropped
            ORDER BY 1, 2
            """,
            [schema],
        )
        identities = cursor.fetchall()
        for table, column, sequence in identities:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone() or (1, False)
            name = sequence.split(".", 1)[1]
            target = f'{quoted}."{table}"'
            cursor.execute(f'ALTER TABLE {target} ALTER COLUMN "{column}" DROP IDENTITY')
            cursor.execute(f"CREATE SEQUENCE {quoted}.{name}")
            cursor.execute(
                "SELECT setval(%s::regclass, %s, %s)", [f"{quoted}.{name}", last_value, is_called]
            )
            cursor.execute(
                f'ALTER TABLE {target} ALTER COLUMN "{column}" '
                f"SET DEFAULT nextval('{quoted}.{name}')"
            )
        cursor.execute("SELECT citus_schema_distribute(%s)", [schema])


def centre_schemas_distribute(schemas: list[str]) -> list[str]:
    """Distribute those of ``schemas`` that are not distributed yet; returns them."""
    if not is_citus():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name::text FROM citus_schemas")
        done = {name for (name,) in cursor.fetchall()}
    todo = [schema for schema in schemas if schema not in done]
    for schema in todo:
        centre_schema_distribute(schema)
    return todo
