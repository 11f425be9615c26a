"""Re-encrypt the TOTP secrets of every schema (the portal's and every centre's) with the first
key of OPS_SECRETS_KEYS.

Set-based, whatever the number of centres: the schemas that have the table come from one catalogue
query, then per batch of schemas one UNION ALL query reads the secrets not yet under the first key
and one statement (a data-modifying CTE per schema that has any) writes them back. Rows already
under the first key are left as they are, so a second run writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from tenants.accounts import encryption
from tenants.accounts.models import TOTPDevice

SCHEMAS_PER_BATCH = 200


@dataclass
class RotationResult:
    schemas: int
    reencrypted: int


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _schemas_with_devices() -> list[str]:
    with connection.cursor() as cursor:
        # pg_class by name (indexed), not information_schema (a scan of every schema's tables).
        cursor.execute(
            "SELECT n.nspname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND c.relkind IN ('r', 'p') ORDER BY n.nspname",
            [TOTPDevice._meta.db_table],
        )
        return [row[0] for row in cursor.fetchall()]


def secrets_rotate(*, batch: int = SCHEMAS_PER_BATCH) -> RotationResult:
    table = _q(TOTPDevice._meta.db_table)
    schemas = _schemas_with_devices()
    total = 0
    for start in range(0, len(schemas), batch):
        chunk = schemas[start : start + batch]
        read = " UNION ALL ".join(
            f"SELECT %s, id, secret_encrypted FROM {_q(schema)}.{table}"  # noqa: S608
            for schema in chunk
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # A row's secret never changes (a new app is a new row), so writing back by id cannot
            # overwrite a newer secret.
            cursor.execute(read, chunk)
            changed: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for schema, pk, value in cursor.fetchall():
                if encryption.is_encrypted(value) and encryption.encrypted_with_first_key(value):
                    continue
                changed[schema].append((pk, encryption.reencrypt(value)))
            if not changed:
                continue
            ctes: list[str] = []
            params: list[int | str] = []
            for number, (schema, rows) in enumerate(changed.items()):
                values = ", ".join(["(%s::bigint, %s::text)"] * len(rows))
                ctes.append(
                    f"u{number} AS (UPDATE {_q(schema)}.{table} AS t "  # noqa: S608
                    f"SET secret_encrypted = v.secret FROM (VALUES {values}) AS v(id, secret) "
                    "WHERE t.id = v.id RETURNING 1)"
                )
                for pk, secret in rows:
                    params.extend([pk, secret])
                total += len(rows)
            counts = " UNION ALL ".join(
                f"SELECT count(*) FROM u{n}"  # noqa: S608
                for n in range(len(ctes))
            )
            cursor.execute(f"WITH {', '.join(ctes)} {counts}", params)
    return RotationResult(schemas=len(schemas), reencrypted=total)
