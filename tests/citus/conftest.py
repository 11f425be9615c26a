"""Tests of the platform on a Citus cluster (``make test-citus`` runs them against its local
cluster). On plain PostgreSQL they are skipped.

They need real commits (a shard move, a deferred check at COMMIT on a worker), which the test's
own rolled-back transaction cannot give: their work runs through :func:`outside`, on a thread
with its own connection, whose writes stay. The cluster's test database is made afresh by every
``make test-citus``."""

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, connections

from opsplatform.schemas import use_public_schema
from tenants import citus

T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/citus/" in str(item.fspath):
            item.add_marker(pytest.mark.citus)
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _citus_only(db: None) -> None:
    if not citus.is_citus(connection):
        pytest.skip("the database has no Citus extension (make test-citus runs these)")


def outside(work: Callable[[], T]) -> T:
    """``work()`` on its own connection, in autocommit: what it writes is committed."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            use_public_schema()
            result.append(work())
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="citus-outside")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
