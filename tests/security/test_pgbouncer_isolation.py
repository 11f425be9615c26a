"""Through a real PgBouncer in transaction pooling mode (Debian's package), two centres interleaved
on one pooled server connection never read or write each other's data.

gunicorn (several workers, DATABASE_POOL_MODE=transaction) reaches the test database only through
PgBouncer with a pool of ONE server connection, so consecutive transactions of different workers
and centres run on the same PostgreSQL session. Many concurrent, alternating API calls of two
centres follow: every answer must hold only its own centre's people, and every read is audited in
its own centre's trail. Afterwards the pooled server connection carries no search path: the path
lived in each transaction (SET LOCAL), never in the session.

With the default backend (a session-level SET once per request) the same load through PgBouncer
answers with the other centre's people (see the README's PgBouncer paragraph for the figures)."""

import json
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from django_tenants.utils import schema_context
from pytest_django import DjangoDbBlocker

from casework.models import AuditEntry, Person
from tenants.demo import DEMO_PASSWORD
from tests import workers
from tests.conftest import host
from tests.security.nginx_support import gunicorn
from tests.security.pgbouncer_support import pgbouncer, pgbouncer_executable

pytestmark = pytest.mark.django_db

CENTRES = ("myslenice", "debica")
REQUESTS = 240
THREADS = 6


@pytest.fixture(scope="module")
def pooled(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[tuple[int, str]]:
    """(gunicorn's port, the PgBouncer URL)."""
    found = pgbouncer_executable()
    if found.startswith("!"):
        pytest.skip(found[1:])
    with django_db_blocker.unblock():
        database_url = workers.test_database_url()
    with (
        pgbouncer(database_url, pool_size=1) as through_pgbouncer,
        gunicorn(through_pgbouncer, {"DATABASE_POOL_MODE": "transaction"}, workers=3) as port,
    ):
        yield port, through_pgbouncer


def _call(port: int, slug: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    body = json.dumps(kwargs.pop("json")).encode() if "json" in kwargs else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={"Host": host(slug), "Content-Type": "application/json", **kwargs},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_two_centres_interleaved_on_one_pooled_connection_never_mix(
    pooled: tuple[int, str],
) -> None:
    port, through_pgbouncer = pooled
    people: dict[str, set[str]] = {}
    audited_before: dict[str, int] = {}
    for slug in CENTRES:
        with schema_context(slug):
            people[slug] = {str(p) for p in Person.objects.values_list("public_id", flat=True)}
            audited_before[slug] = AuditEntry.objects.filter(action="read").count()
    assert people[CENTRES[0]] and people[CENTRES[1]]
    assert not people[CENTRES[0]] & people[CENTRES[1]]

    tokens = {}
    for slug in CENTRES:
        status, body = _call(
            port,
            slug,
            "POST",
            "/api/auth/token/",
            json={"username": "kierownik", "password": DEMO_PASSWORD},
        )
        assert status == 200, body
        tokens[slug] = body["token"]

    seen: Counter[str] = Counter()
    foreign: list[tuple[str, str]] = []
    failures: list[tuple[str, int, Any]] = []
    lock = threading.Lock()

    def one(number: int) -> None:
        slug = CENTRES[number % 2]
        page = 1 + (number // 2) % 3
        status, body = _call(
            port,
            slug,
            "GET",
            f"/api/people/?page_size=20&page={page}",
            Authorization=f"Token {tokens[slug]}",
        )
        with lock:
            if status != 200:
                failures.append((slug, status, body))
                return
            seen[slug] += 1
            for person in body["results"]:
                if person["id"] not in people[slug]:
                    foreign.append((slug, person["id"]))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(REQUESTS)))

    summary = f"{len(foreign)} cross-centre reads, {len(failures)} failed calls of {REQUESTS}"
    assert foreign == [], summary
    assert failures == [], summary
    assert seen == dict.fromkeys(CENTRES, REQUESTS // 2)
    # Each centre's reads are audited in its own trail, 20 entries per page read, none elsewhere.
    for slug in CENTRES:
        with schema_context(slug):
            reads = AuditEntry.objects.filter(action="read", seq__isnull=False)
            new = reads.count() - audited_before[slug]
            assert new == 20 * (REQUESTS // 2)
            latest = reads.order_by("-seq")[:new]
            assert {e.person_id for e in latest} <= people[slug]

    # Nothing is left on the pooled server connection: a new client, sending no SET of its own,
    # finds PostgreSQL's default path there, not a centre's.
    url = through_pgbouncer.replace("postgres://", "postgresql://")
    with psycopg.connect(url, prepare_threshold=None) as raw:
        (path,) = raw.execute("SHOW search_path").fetchone()  # type: ignore[misc]  # one row: SHOW
    assert path == '"$user", public'
