"""A centre moved to the other worker while its staff write to it: Citus' own shard move
(``citus_move_shard_placement``, logical replication, a short write block at the switch) under a
bounded load through the API. Every write the API acknowledged is there exactly once, nothing is
there that was not acknowledged, and the centre's audit chain holds."""

import datetime as dt
import threading
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection, connections
from django_tenants.utils import schema_context

from casework.models import Person
from casework.pesel import make as make_pesel
from tenants import citus
from tests.casework.factories import api
from tests.citus.conftest import outside

SLUG = "myslenice"
WRITERS = 2
AFTER_MOVE = 15  # writes each writer makes once the move has finished
MAX_WRITES = 600  # each writer's bound, whatever the move's duration
MARK = "Przenoszona"
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "citus" / "move.txt"


@dataclass
class Load:
    acknowledged: list[str] = field(default_factory=list)  # ids the API answered 201 with
    refused: list[int] = field(default_factory=list)  # other statuses
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: threading.Event = field(default_factory=threading.Event)
    moved: threading.Event = field(default_factory=threading.Event)


def _writer(load: Load, number: int) -> None:
    # Each writer is its own device: one token per device, so a second issue would end the first.
    client = api(SLUG, "pierwszy.kontakt", device=f"writer-{number}")
    after = 0
    try:
        for i in range(MAX_WRITES):
            born = dt.date(1940, 1, 1) + dt.timedelta(days=number * MAX_WRITES + i)
            response = client.post(
                "/api/people/",
                {
                    "first_name": "Anna",
                    "last_name": MARK,
                    "pesel": make_pesel(born, 901 + number, True),
                    "street": "ul. Ruchoma 1",
                    "postal_code": "32-400",
                    "city": "Myślenice",
                },
                content_type="application/json",
            )
            with load.lock:
                if response.status_code == 201:
                    load.acknowledged.append(response.json()["id"])
                else:
                    load.refused.append(response.status_code)
                if len(load.acknowledged) >= 10:
                    load.started.set()
            if load.moved.is_set():
                after += 1
                if after >= AFTER_MOVE:
                    break
    finally:
        connections.close_all()


def _move() -> tuple[tuple[str, int], tuple[str, int]]:
    """Move the centre's shards (co-located: one call moves them all) to the other worker."""
    shards = citus.schema_shards(SLUG)
    source = (shards[0][1], shards[0][2])
    with connection.cursor() as cursor:
        cursor.execute("SELECT nodename, nodeport FROM pg_dist_node WHERE shouldhaveshards")
        workers = [(str(h), int(p)) for h, p in cursor.fetchall()]
        target = next(w for w in workers if w != source)
        cursor.execute(
            "SELECT citus_move_shard_placement(%s, %s, %s, %s, %s, shard_transfer_mode => 'auto')",
            [shards[0][0], source[0], source[1], target[0], target[1]],
        )
    return source, target


def _present() -> tuple[int, int, set[str]]:
    with schema_context(SLUG):
        rows = list(Person.objects.filter(last_name=MARK).values_list("public_id", "pesel"))
    ids = {str(public_id) for public_id, _ in rows}
    doubled = len(rows) - len({pesel for _, pesel in rows})
    return len(rows), doubled, ids


def _chain() -> str:
    out = StringIO()
    call_command("audit_verify", SLUG, stdout=out)
    return out.getvalue().strip()


def test_a_centre_moved_to_another_worker_under_writes_loses_and_doubles_nothing() -> None:
    load = Load()
    writers = [threading.Thread(target=_writer, args=(load, n)) for n in range(WRITERS)]
    for thread in writers:
        thread.start()
    try:
        assert load.started.wait(timeout=120), "the writers acknowledged nothing"
        before = outside(citus.placement)
        source, target = outside(_move)
        with load.lock:
            during = len(load.acknowledged)
    finally:
        load.moved.set()
        for thread in writers:
            thread.join()
    after = outside(citus.placement)
    rows, doubled, ids = outside(_present)
    chain = outside(_chain)

    placed = {schema: (host, port) for schema, host, port in after}
    report = (
        f"move of {SLUG}: {source[0]}:{source[1]} -> {target[0]}:{target[1]}\n"
        f"  placement before: {[(s, p) for s, _, p in before]}\n"
        f"  placement after:  {[(s, p) for s, _, p in after]}\n"
        f"  writes acknowledged: {len(load.acknowledged)} ({during} by the end of the move), "
        f"refused: {len(load.refused)}\n"
        f"  rows present: {rows}, doubled: {doubled}, "
        f"acknowledged but missing: {len(set(load.acknowledged) - ids)}, "
        f"present but not acknowledged: {len(ids - set(load.acknowledged))}\n"
        f"  audit chain: {chain}\n"
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report)  # make test-citus prints it
    print(report)
    assert placed[SLUG] == target
    assert load.refused == []
    assert rows == len(load.acknowledged) == len(set(load.acknowledged))
    assert ids == set(load.acknowledged)
    assert doubled == 0
    assert len(load.acknowledged) > during  # writes went on after the move, on the new worker
    assert "spójny" in chain
