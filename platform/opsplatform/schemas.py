"""Typed access to the schema state that django-tenants keeps on the database connection.

django-tenants ships no type information, so these few helpers are the one place that reaches
into its connection attributes; everything else calls them.
"""

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

T = TypeVar("T")


def current_schema() -> str:
    """The schema the default connection is using now (``public`` on the portal)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' backend


def current_tenant() -> Any:
    """The centre the connection is set to, or django-tenants' stand-in for the public schema."""
    return connection.tenant  # type: ignore[attr-defined]  # django-tenants' backend


def use_public_schema() -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' backend


def connection_release() -> None:
    """Close the default connection unless a transaction is open on it; the next query opens a
    new one, to a fresh PostgreSQL backend.

    A backend caches the catalog entries (relations, indexes, their plans) of every schema its
    connection has used and never gives that memory back: a connection that walks through
    thousands of centres' schemas grows to gigabytes. Closing it every few schemas is what bounds
    the backend of a long-lived process.
    """
    if not connection.in_atomic_block:
        connection.close()


def schemas_in_turn(items: Iterable[T], *, every: int | None = None) -> Iterator[T]:
    """Yield ``items`` (centres, or anything whose use touches one schema each) and release the
    connection after every ``every`` of them (``settings.SCHEMAS_PER_CONNECTION`` by default)."""
    limit = every or settings.SCHEMAS_PER_CONNECTION
    for position, item in enumerate(items, start=1):
        yield item
        if position % limit == 0:
            connection_release()
