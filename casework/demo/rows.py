"""Writing the history with PostgreSQL COPY: rows gathered per table (``Table``) into ids
reserved from each table's sequence, and sent by a second thread on the same connection
(``Writer``) so that PostgreSQL stores one batch while Python builds the next."""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg import sql

from casework.audit import AUDIT_EXEMPT_SETTING
from casework.demo.vocabulary import COPY_CHUNK, ID_BLOCK


def _column(model: type[models.Model], name: str) -> str:
    """The database column of model field ``name``."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found.column


# COPY's text format: these four characters are escaped, NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
# Public ids are UUIDs of version 8 (RFC 9562's custom layout): a 48-bit sequence number per
# table, then random bits. Ordered ids keep index inserts at the right-hand end, which more than
# halves the write-ahead log of a load this size compared with random version-4 ids.
_UUID_VERSION_VARIANT = (0x8 << 76) | (0x2 << 62)


def _text(value: Any) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        return str(value).translate(_COPY_ESCAPES)
    if kind is int:
        return str(value)
    if value is None:
        return NULL
    if kind is bool:
        return "t" if value else "f"
    if kind is list:
        items = ",".join('"' + str(v).replace('"', '\\"') + '"' for v in value)
        return ("{" + items + "}").translate(_COPY_ESCAPES)
    return str(value)  # date, aware datetime, Decimal


class Table:
    """Rows for one model, written with COPY in the text format. Ids come from the table's own
    sequence in blocks, so children can refer to parents before anything is written. Public ids
    are random UUIDs from a generator seeded by the centre, so demo URLs survive a rebuild."""

    def __init__(
        self, model: type[models.Model], fields: Sequence[str], *, ids: bool, seed: str
    ) -> None:
        self.model = model
        self.table = model._meta.db_table
        names = ("public_id", "created_at", "updated_at", *fields)
        self.with_ids = ids
        self.columns = (["id"] if ids else []) + [_column(model, name) for name in names]
        self.rows: list[list[Any]] = []
        self.lines: list[str] = []
        self.writer: Writer | None = None
        self.written = 0
        self._free: list[int] = []
        self.now = str(timezone.now())
        self._bits = random.Random(f"{seed}:{self.table}").getrandbits  # noqa: S311
        self._serial = self._bits(46)

    def public_id(self) -> str:
        """The next public id: a sequence number, then random bits (UUID version 8)."""
        self._serial += 1
        bits = self._bits(74)
        value = (self._serial << 80) | ((bits >> 62) << 64) | (bits & ((1 << 62) - 1))
        return f"{value | _UUID_VERSION_VARIANT:032x}"

    def prefetch(self) -> None:
        """Reserve a block of ids when none are left."""
        if not self._free:
            if self.writer is None:
                raise RuntimeError("ids are reserved through the writer")
            self._free = sorted(self.writer.reserve(self.table, ID_BLOCK), reverse=True)

    def next_id(self) -> int:
        """An id reserved for a row of this table."""
        self.prefetch()
        return self._free.pop()

    def add(self, *values: Any) -> int:
        """A row with a new id; returns the id."""
        pk = self.next_id()
        self.rows.append([pk, self.public_id(), self.now, self.now, *values])
        return pk

    def add_with_id(self, pk: int, *values: Any) -> None:
        """A row with an id taken earlier with ``next_id``."""
        self.rows.append([pk, self.public_id(), self.now, self.now, *values])

    def add_leaf(self, *values: Any) -> None:
        """A row that nothing refers to: the table's own sequence gives its id."""
        self.rows.append([self.public_id(), self.now, self.now, *values])

    def take(self, schema: str) -> tuple[sql.Composed, list[str]] | None:
        """The COPY statement and the rows gathered since the last call, as text chunks."""
        if not self.rows and not self.lines:
            return None
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(schema, self.table),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        lines = ["\t".join(map(_text, row)) + "\n" for row in self.rows] + self.lines
        chunks = ["".join(lines[i : i + COPY_CHUNK]) for i in range(0, len(lines), COPY_CHUNK)]
        self.written += len(lines)
        self.rows, self.lines = [], []
        return statement, chunks

    @property
    def count(self) -> int:
        """Rows gathered so far, sent or not."""
        return self.written + len(self.rows) + len(self.lines)


class Writer:
    """Runs the COPY statements on a second thread, on the same connection and transaction, so
    that PostgreSQL stores one batch (and checks its foreign keys) while Python builds the next.
    The main thread must not use the connection until ``close``."""

    def __init__(self, schema: str) -> None:
        connection.ensure_connection()
        self.schema = schema
        self.raw = connection.connection
        # One statement at a time on the connection: a COPY in progress holds it to the end.
        self.lock = threading.Lock()
        self.queue: queue.Queue[tuple[sql.Composed, list[str]] | None] = queue.Queue()
        self.error: BaseException | None = None
        with self.raw.cursor() as cursor:
            # Foreign keys are checked at the end of each COPY, here, not all at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The synthetic history has no audit entry per row (see the module docstring): the
            # database's audit guard is told so, by name, until ``close``. A SET LOCAL statement,
            # not set_config(): Citus forwards SET LOCAL to the workers where the guard runs.
            cursor.execute(f"SET LOCAL {AUDIT_EXEMPT_SETTING} = 'demo'")
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        """The writer thread: one COPY per item until ``None``; the first error is kept."""
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue
            statement, chunks = item
            try:
                with self.lock, self.raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for chunk in chunks:
                        copy.write(chunk)
            except BaseException as exc:  # re-raised on the main thread by close()
                self.error = exc

    def reserve(self, table: str, count: int) -> list[int]:
        """``count`` consecutive ids from the table's sequence. Inserts by other sessions wait
        until this transaction ends (they would take ids from the middle of the block)."""
        with self.lock, self.raw.cursor() as cursor:
            cursor.execute(
                sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(
                    sql.Identifier(self.schema, table)
                )
            )
            # The id's sequence: the one owned by the column, or (on Citus, where a centre's ids
            # come from a sequence only named in the column's default) the one its default uses.
            cursor.execute(
                """
                SELECT setval(s, nextval(s) + %(count)s - 1) FROM (
                    SELECT coalesce(pg_get_serial_sequence(%(table)s, 'id')::regclass, (
                        SELECT d.refobjid::regclass
                        FROM pg_attrdef ad
                        JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
                        JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass
                            AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
                        JOIN pg_class seq ON seq.oid = d.refobjid AND seq.relkind = 'S'
                        WHERE ad.adrelid = %(table)s::regclass AND a.attname = 'id'
                    )) AS s
                ) AS id_sequence
                """,
                {"count": count, "table": f'"{self.schema}"."{table}"'},
            )
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError(f"no id sequence for {table}")
            return list(range(row[0] - count + 1, row[0] + 1))

    def send(self, table: Table) -> None:
        """Queue the rows gathered in ``table`` (raises the writer thread's error, if any)."""
        if self.error is not None:
            raise self.error
        payload = table.take(self.schema)
        if payload is not None:
            self.queue.put(payload)

    def close(self) -> None:
        """Wait for the queued COPYs, then restore the constraints and the audit guard."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        with self.raw.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # every deferrable one is, by default
            cursor.execute(f"SET LOCAL {AUDIT_EXEMPT_SETTING} = ''")
