"""What every step of `make perf-scale` shares: the step record, the database it works on,
timing and statement-counting helpers, the PostgreSQL backend's memory."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "test-artifacts" / "perf-scale"
NATION = 2500
ALL_VOIVODESHIPS = [f"{code:02d}" for code in range(2, 33, 2)]
COUNTRY_COORDINATOR = "koordynator.kraj"


@dataclass
class Step:
    name: str
    value: float
    unit: str
    ours_vs: str = ""  # django-tenants' figure for the same step, as text
    goal: str = ""
    met: bool | None = None  # None: no goal, or not decidable at this N
    model: str = ""  # how the figure extrapolates to 2,500 centres
    at_2500: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def perfscale_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}_perfscale"))


def manage(*args: str, env: dict[str, str] | None = None, quiet: bool = True) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


def prepare_database(url: str, count: int, volume: float) -> float:
    """Create the database if missing, migrate it, the demo centres, the nation up to ``count``."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            print(f"perf-scale: creating database {name}", flush=True)
            connection.execute(f'CREATE DATABASE "{name}"')
    for args in (["migrate_schemas", "--noinput"], ["provision_centres", "--demo"]):
        print(f"perf-scale: manage.py {' '.join(args)}", flush=True)
        manage(*args)
    args = ["provision_nation", "--count", str(count), "--volume", str(volume)]
    print(f"perf-scale: manage.py {' '.join(args)}", flush=True)
    seconds = manage(*args, quiet=False)
    analyze_public(url)
    return seconds


def analyze_public(url: str) -> None:
    """ANALYZE the shared tables (public schema) after a bulk load, as autovacuum would in time:
    without statistics the planner picks plans for empty tables. The centres' schemas are left
    to autovacuum (one statement over every schema would walk the whole catalog)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        tables = [
            f'public."{name}"'
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        if tables:
            connection.execute(f"ANALYZE {', '.join(tables)}")


# --- measuring helpers ------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement psycopg sends, raw cursors included (django-tenants' SET search_path)."""
    import psycopg

    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(query if isinstance(query, str) else str(query))
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]  # counting wrapper
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]  # restored


class Rollback(Exception):
    pass


def backend_memory() -> tuple[float, float, float]:
    """(VmRSS and RssAnon of this process's PostgreSQL backend in MB, -1 when /proc cannot show
    them; the sum of its memory contexts in MB). VmRSS counts the shared buffers the backend
    touched, bounded by shared_buffers; RssAnon is its own memory, which grows per schema."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        contexts = float(cursor.fetchone()[0] or 0) / 2**20
    figures = {"VmRSS": -1.0, "RssAnon": -1.0}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        status = ""
    for name in figures:
        match = re.search(rf"{name}:\s+(\d+) kB", status)
        if match:
            figures[name] = int(match.group(1)) / 1024
    return figures["VmRSS"], figures["RssAnon"], contexts


def scratch_specs(count: int, skip: int) -> list[Any]:
    """Centres of the nation beyond the ones provisioned: new centres to create and roll back."""
    from tenants.nation import nation

    return nation()[skip : skip + count]


# --- the steps ----------------------------------------------------------------------------------
