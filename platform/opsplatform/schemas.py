"""Typed access to the schema state that django-tenants keeps on the database connection.

django-tenants ships no type information, so these few helpers are the one place that reaches
into its connection attributes; everything else calls them.
"""

from typing import Any

from django.db import connection


def current_schema() -> str:
    """The schema the default connection is using now (``public`` on the portal)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def current_tenant() -> Any:
    """The centre the connection is set to, or django-tenants' stand-in for the public schema."""
    return connection.tenant  # type: ignore[attr-defined]


def use_public_schema() -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]
