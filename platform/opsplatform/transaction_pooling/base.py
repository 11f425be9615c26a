"""django-tenants' PostgreSQL backend for PgBouncer in transaction pooling mode
(``DATABASE_POOL_MODE=transaction``; settings/base.py selects it).

Under transaction pooling, consecutive transactions of one Django connection may run on different
PostgreSQL server connections, and a server connection passes from one client to another between
transactions. django-tenants' session-level ``SET search_path`` (sent once when a cursor is made)
is then wrong twice over: the statements after it may run on another server connection, still on
the path some other centre left there, and the setting stays behind on the server connection for
whichever client gets it next. Either way one centre could read another's tables.

Here the path belongs to the transaction instead:

* every statement runs inside a transaction: inside ``atomic`` (``ATOMIC_REQUESTS`` wraps each
  view) as it stands, and a statement issued in autocommit mode (middleware, tasks, commands) gets
  a transaction of its own around it;
* the first statement of every transaction, and the first after a switch of centre or a rollback
  to a savepoint, is ``SET LOCAL search_path = "<centre>","public"``: PostgreSQL forgets it at
  COMMIT or ROLLBACK, so nothing is left on the pooled server connection;
* the session-level ``SET`` is never sent.

The settings also turn off server-side cursors (a named cursor outlives no transaction under
PgBouncer) and psycopg's prepared statements (``prepare_threshold=None``: a statement prepared on
one server connection does not exist on the next). Run migrations and provisioning (the release
step) against PostgreSQL directly: they take session-level advisory locks and COPY data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.backends.postgresql.base import CursorDebugWrapper as PostgresDebugCursor
from django.db.backends.utils import CursorWrapper
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import quote_schema_name


class _TransactionScopedPath:
    """Cursor behaviour: each statement runs in a transaction that starts with the path."""

    db: DatabaseWrapper
    cursor: Any

    def _execute_with_wrappers(self, sql: Any, params: Any, many: bool, executor: Any) -> Any:
        if self.db.get_autocommit():
            # No transaction open: this statement gets one, so that the path and the statement
            # reach the same server connection. Client-side cursors have every row by the time
            # execute returns, so the commit on leaving the block loses nothing.
            with transaction.atomic(using=self.db.alias):
                self.db.set_path_for_transaction(self.cursor)
                return super()._execute_with_wrappers(sql, params, many, executor)  # type: ignore[misc]  # private in stubs
        self.db.set_path_for_transaction(self.cursor)
        return super()._execute_with_wrappers(sql, params, many, executor)  # type: ignore[misc]  # private in stubs


class PooledCursor(_TransactionScopedPath, CursorWrapper):
    pass


class PooledDebugCursor(_TransactionScopedPath, PostgresDebugCursor):
    pass


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Whether the current transaction has been given the current schema's path.
        self.path_set_in_transaction = False
        super().__init__(*args, **kwargs)

    def _cursor(self, name: str | None = None) -> Any:
        # The base PostgreSQL cursor, skipping django-tenants' session-level SET.
        return super(TenantDatabaseWrapper, self)._cursor(name)

    def make_cursor(self, cursor: Any) -> CursorWrapper:
        return PooledCursor(cursor, self)

    def make_debug_cursor(self, cursor: Any) -> CursorWrapper:
        return PooledDebugCursor(cursor, self)

    def set_path_for_transaction(self, raw_cursor: Any) -> None:
        """``SET LOCAL search_path`` once per transaction (again after a switch of schema or a
        rollback to a savepoint). Called with a transaction open."""
        if self.path_set_in_transaction:
            return
        paths = ",".join(quote_schema_name(s) for s in self._get_cursor_search_paths())
        with self.wrap_database_errors:
            raw_cursor.execute(f"SET LOCAL search_path = {paths}")
        self.path_set_in_transaction = True

    def _forget_path(self) -> None:
        self.path_set_in_transaction = False

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        self._forget_path()

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._forget_path()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._forget_path()

    def _savepoint_rollback(self, sid: str) -> None:
        try:
            super()._savepoint_rollback(sid)
        finally:
            self._forget_path()

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)
        self._forget_path()

    def close(self) -> None:
        self._forget_path()
        super().close()
