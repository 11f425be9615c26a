"""The benchmark suite behind `make perf`: how long the screens and API calls staff use most take,
measured in-process through the whole Django stack (tenant lookup by host, middleware, views,
templates) against the five demo centres on real PostgreSQL and Redis.

It works on its own database (the server's database name with ``_perf`` appended), migrated and
provisioned with the demo data on first use and reused afterwards, so it never touches the
database of `make run`. Each scenario is requested a few times to warm up, then ``--repeat`` times;
the report gives the median, the 95th percentile, the slowest request, the number of SQL
queries and the median and 95th percentile of this process's CPU time (on a busy machine the wall
times grow with the waits, the CPU time much less), per scenario and centre. ``--profile DIR``
writes a cProfile file of the measured requests per scenario and centre. Results are written to
``test-artifacts/perf/results.json``.

Budgets (``deploy/perf_budgets.toml``) are p95 times per scenario; the run exits 1 when one is
exceeded, naming it. Timings belong here, never in the test suite.

Run through deploy/devservices.py (`make perf` does), which provides DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = ROOT / "deploy" / "perf_budgets.toml"
RESULTS = ROOT / "test-artifacts" / "perf" / "results.json"
CENTRES = ["myslenice", "krasnystaw", "piaseczno", "daleszyce", "debica"]


@dataclass(frozen=True)
class Scenario:
    name: str
    centre: bool  # a centre host (else the portal)
    username: str
    path: Callable[[str], str]  # the path for a centre slug (or "" for the portal)
    api: bool = False
    htmx: bool = False  # a fragment the page asks for with htmx


@dataclass
class Result:
    scenario: str
    host: str
    median_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    status: int
    cpu_median_ms: float = 0.0  # this process's CPU time: what a busy machine's waits leave out
    cpu_p95_ms: float = 0.0


def perf_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}_perf"))


def prepare_database(url: str) -> None:
    """Create the perf database if missing, then migrate and provision it (idempotent steps)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = connection.execute(query, [name]).fetchone()
        if not exists:
            print(f"perf: creating database {name}", flush=True)
            connection.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    for args in (
        ["migrate_schemas", "--noinput"],
        ["provision_centres", "--demo"],
        ["benchmark_snapshots", "--backfill", "--if-empty", "--now"],
    ):
        print(f"perf: manage.py {' '.join(args)}", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def busiest_case(slug: str) -> str:
    """The open case with the most applications: the heaviest case file of the centre."""
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from casework.models import Case

    with schema_context(slug):
        case = (
            Case.objects.filter(status="open")
            .annotate(weight=Count("applications"))
            .order_by("-weight", "id")
            .first()
        )
        return str(case.public_id) if case else ""


def scenarios() -> list[Scenario]:
    cases: dict[str, str] = {}

    def case_file(slug: str) -> str:
        if slug not in cases:
            cases[slug] = busiest_case(slug)
        return f"/sprawy/{cases[slug]}/"

    return [
        Scenario("login_page", True, "", lambda s: "/konto/logowanie/"),  # the per-request floor
        Scenario("dashboard_manager", True, "kierownik", lambda s: "/"),
        Scenario("dashboard_social_worker", True, "socjalny", lambda s: "/"),
        Scenario("dashboard_benefits", True, "swiadczenia", lambda s: "/"),
        Scenario("case_list", True, "kierownik", lambda s: "/sprawy/"),
        Scenario("case_search", True, "kierownik", lambda s: "/sprawy/?q=Nowak&status=all"),
        Scenario("case_file", True, "kierownik", case_file),
        # The first part of the case file's history, asked for by the page once shown (htmx).
        Scenario(
            "case_history", True, "kierownik", lambda s: case_file(s) + "historia/", htmx=True
        ),
        Scenario(
            "desk_search",
            True,
            "pierwszy.kontakt",
            lambda s: "/pierwszy-kontakt/szukaj/?q=Kowal",
            htmx=True,
        ),
        Scenario("manager_overview", True, "kierownik", lambda s: "/kierownik/"),
        Scenario("manager_deadlines", True, "kierownik", lambda s: "/kierownik/terminy/"),
        Scenario("centre_benchmarks", True, "kierownik", lambda s: "/wskazniki/"),
        Scenario("api_case_list", True, "kierownik", lambda s: "/api/cases/", api=True),
        Scenario("api_people", True, "kierownik", lambda s: "/api/people/?q=Nowak", api=True),
        Scenario("portal_compare", False, "koordynator.wschod", lambda s: "/porownanie/"),
        Scenario(
            "portal_api_centres",
            False,
            "koordynator.wschod",
            lambda s: "/api/benchmarks/centres/",
            api=True,
        ),
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(
    scenario: Scenario, slug: str, warmup: int, repeat: int, profile: Path | None = None
) -> Result:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import get_public_schema_name, schema_context

    from tenants.accounts.tokens import api_token_issue

    host = f"{slug}.localhost" if scenario.centre else "localhost"
    schema = slug if scenario.centre else get_public_schema_name()
    client = Client(HTTP_HOST=host)
    headers: dict[str, str] = {}
    if scenario.username:
        with schema_context(schema):
            user = get_user_model().objects.get(username=scenario.username)
            if scenario.api:
                issued = api_token_issue(user=user, name="perf", second_factor=True)
                headers["HTTP_AUTHORIZATION"] = f"Token {issued.key}"
            else:
                client.force_login(user)
    path = scenario.path(slug)
    times: list[float] = []
    cpu_times: list[float] = []
    status = 0
    queries = 0
    if scenario.htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    profiler = cProfile.Profile() if profile else None
    for i in range(warmup + repeat):
        connection.queries_log.clear()  # the log keeps 9000 queries; a full one counts nothing
        with CaptureQueriesContext(connection) as captured:
            if profiler is not None and i >= warmup:
                profiler.enable()
            start, cpu_start = time.perf_counter(), time.process_time()
            response = client.get(path, **headers)  # type: ignore[arg-type]  # WSGI headers, not get()'s own
            elapsed = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - cpu_start) * 1000
            if profiler is not None:
                profiler.disable()
        status = response.status_code
        if i >= warmup:
            times.append(elapsed)
            cpu_times.append(cpu)
            queries = len(captured)
    if profiler is not None and profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / f"{scenario.name}-{slug or 'portal'}.prof")
    times.sort()
    p95 = _p95(times)
    return Result(
        scenario.name,
        host,
        round(statistics.median(times), 1),
        round(p95, 1),
        round(times[-1], 1),
        queries,
        status,
        round(statistics.median(cpu_times), 1),
        round(_p95(cpu_times), 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", help="run only scenarios whose name contains this text")
    parser.add_argument("--skip-setup", action="store_true", help="the perf database is ready")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile the measured requests (cProfile, slower): one .prof file per scenario "
        "and centre in DIR, to read with `python -m pstats` or snakeviz",
    )
    options = parser.parse_args()

    os.chdir(ROOT)
    url = perf_database_url(os.environ["DATABASE_URL"])
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "opsplatform.settings.dev",
            "BASE_DOMAIN": "localhost",
        }
    )
    # Logging of every request would measure the terminal, not the application.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not options.skip_setup:
        prepare_database(url)

    sys.path.insert(0, str(ROOT / "platform"))
    import django

    django.setup()
    # As a web process starts (imports, catalogue, the collector's heap frozen): the requests are
    # measured as gunicorn's workers would serve them.
    import opsplatform.wsgi  # noqa: F401

    budgets: dict[str, Any] = tomllib.loads(BUDGETS.read_text(encoding="utf-8"))["p95_ms"]
    results: list[Result] = []
    over: list[str] = []
    print(
        f"{'scenario':28} {'host':22} {'median':>8} {'p95':>8} {'max':>8} {'SQL':>5} "
        f"{'CPU':>6} {'CPU95':>6}  status"
    )
    for scenario in scenarios():
        if options.only and options.only not in scenario.name:
            continue
        for slug in CENTRES if scenario.centre else [""]:
            result = measure(scenario, slug, options.warmup, options.repeat, options.profile)
            results.append(result)
            budget = budgets.get(scenario.name)
            flag = ""
            if result.status != 200:
                flag = "  <- not 200"
                over.append(f"{scenario.name} at {result.host}: HTTP {result.status}")
            elif budget is not None and result.p95_ms > budget:
                flag = f"  <- over budget {budget} ms"
                over.append(f"{scenario.name} at {result.host}: p95 {result.p95_ms} > {budget} ms")
            print(
                f"{result.scenario:28} {result.host:22} {result.median_ms:8.1f} "
                f"{result.p95_ms:8.1f} {result.max_ms:8.1f} {result.queries:5d} "
                f"{result.cpu_median_ms:6.1f} {result.cpu_p95_ms:6.1f}  "
                f"{result.status}{flag}",
                flush=True,
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"results": [asdict(r) for r in results], "budgets_p95_ms": budgets}, indent=2),
        encoding="utf-8",
    )
    print(f"perf: results in {RESULTS.relative_to(ROOT)}")
    if over:
        print("perf: FAILED\n  " + "\n  ".join(over), file=sys.stderr)
        return 1
    print("perf: every scenario within its budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
