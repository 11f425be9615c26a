"""Steps of `make perf-scale` through HTTP: a centre's request (``SET search_path``, tenant
lookups) and the portal's coordinator comparisons for one voivodeship and for all sixteen."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from deploy.perf_scale.common import (
    ALL_VOIVODESHIPS,
    COUNTRY_COORDINATOR,
    Step,
    median,
    p95,
    statements_sent,
)
from deploy.perf_scale.exports import ensure_history
from deploy.perf_scale.snapshots import _backend_cpu


def centre_request(steps: list[Step], slug: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenants.accounts.tokens import api_token_issue

    with schema_context(slug):
        user = get_user_model().objects.get(username="kierownik")
        key = api_token_issue(user=user, name="perf-scale", second_factor=True).key
    client = Client(HTTP_HOST=f"{slug}.localhost", HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/teams/")  # warm: host → centre cached
    with statements_sent() as sent, CaptureQueriesContext(connection) as captured:
        response = client.get("/api/teams/")
    sets = [s for s in sent if s.lstrip().upper().startswith("SET SEARCH_PATH")]
    lookups = [
        q["sql"] for q in captured if "tenants_domain" in q["sql"] or "tenants_centre" in q["sql"]
    ]
    steps.append(
        Step(
            f"SET search_path per request (/api/teams/ at {slug})",
            len(sets),
            "statements",
            goal="1",
            met=len(sets) == 1 and response.status_code == 200,
            model="per request: flat",
            at_2500=len(sets),
        )
    )
    steps.append(
        Step(
            "tenant-lookup queries per request, warm",
            len(lookups),
            "queries",
            goal="0",
            met=not lookups,
            model="per request: flat",
            at_2500=len(lookups),
            note=f"{len(captured)} queries in all, HTTP {response.status_code}",
        )
    )


REGION_COORDINATOR = "koordynator.perf.mazowieckie"


def ensure_coordinators() -> None:
    """The coordinators the portal step logs in as: all sixteen voivodeships, and mazowieckie.
    Its own accounts, not the demo's (whose second factor a forced log-in does not carry: the
    page would answer a redirect, not the comparison)."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    from tenants.accounts.roles import Role

    for username, voivodeships, last_name in (
        (COUNTRY_COORDINATOR, ALL_VOIVODESHIPS, "Krajowy"),
        (REGION_COORDINATOR, ["14"], "Mazowiecki"),
    ):
        with schema_context("public"):
            get_user_model().objects.update_or_create(
                username=username,
                defaults={
                    "role": Role.REGIONAL_COORDINATOR,
                    "voivodeships": voivodeships,
                    "first_name": "Koordynator",
                    "last_name": last_name,
                    "is_demo": True,
                },
            )


@dataclass(frozen=True)
class Measured:
    wall_p95: float
    cpu_median: float
    queries: int
    status: int
    ledger_read: int = 0  # rows of the ledger of published cells read by the request
    examined: int = 0  # cells its answers looked at (benchmarking.ledger.HeldLedger)
    db_cpu: float = 0.0  # its PostgreSQL backend's CPU, ms per request (mean over the repeats)

    @property
    def cpu(self) -> float:
        """The request's CPU on both sides (web process median + its backend's mean), ms."""
        return self.cpu_median + self.db_cpu


# Named centres a request answers at most: the page shows 25 a page, the compare API 50 and
# the list of centres 200 (their default page sizes).
SHOWN_AT_MOST = {"page /porownanie/": 25, "API centres": 200, "API compare": 50}


def _measure(client: Any, path: str, repeat: int) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarking.ledger import HeldLedger

    times: list[float] = []
    cpu: list[float] = []  # this process's CPU: what the load of a shared machine spares
    queries = status = read = examined = 0
    held: list[HeldLedger] = []
    original = HeldLedger.__init__

    def init(self: HeldLedger, **kwargs: Any) -> None:
        original(self, **kwargs)
        held.append(self)

    HeldLedger.__init__ = init  # type: ignore[method-assign]
    backend_before = None
    try:
        for i in range(2 + repeat):
            if i == 2:
                backend_before = _backend_cpu()
            connection.queries_log.clear()
            held.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                started_cpu = time.process_time()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                elapsed_cpu = (time.process_time() - started_cpu) * 1000
            status = response.status_code
            if i >= 2:
                times.append(elapsed)
                cpu.append(elapsed_cpu)
                queries = len(captured)
                read = sum(h.read for h in held)
                examined = sum(h.examined for h in held)
        backend_after = _backend_cpu()
    finally:
        HeldLedger.__init__ = original  # type: ignore[method-assign]
    db_cpu = 0.0
    if backend_before and backend_after and backend_before[0] == backend_after[0]:
        db_cpu = (backend_after[1] - backend_before[1]) * 1000 / max(repeat, 1)
    return Measured(p95(times), median(cpu), queries, status, read, examined, db_cpu)


def _rates(
    field: str,
    region: Measured,
    country: Measured,
    alike: Measured | None,
    centres: tuple[int, int],
    shown: tuple[int, int],
) -> tuple[float, float]:
    """(per centre in scope, per named centre shown) of one figure, from the two coordinators'
    measurements and the country's restricted to mazowieckie's number of centres shown."""
    one, other = getattr(region, field), getattr(country, field)
    span = centres[1] - centres[0]
    if not span:
        return 0.0, 0.0
    if alike is None:
        return (other - one) / span, 0.0
    same = getattr(alike, field)
    per_shown = (other - same) / (shown[1] - shown[0]) if shown[1] != shown[0] else 0.0
    return (same - one) / span, per_shown


def _national_distribution_cpu(repeat: int) -> float:
    """CPU (this process + its PostgreSQL backend) of the country's distribution of the page's
    headline metric over the last full year, ms per computation (mean over ``repeat``)."""
    from django.utils import timezone

    from benchmarking.cohort_figures import cohort_release
    from benchmarking.cohorts import COHORTS_BY_CODE
    from benchmarking.comparisons import last_complete_year
    from benchmarking.definitions import current_definitions
    from benchmarking.ui.forms import HEADLINE_METRIC

    definition = next(d for d in current_definitions() if d.code == HEADLINE_METRIC)
    first, last = last_complete_year(timezone.localdate())
    cohort = COHORTS_BY_CODE["platforma"]

    def once() -> None:
        cohort_release(cohort=cohort, definition=definition, first=first, last=last, viewer=None)

    once()  # warm
    before, started = _backend_cpu(), time.process_time()
    for _ in range(max(repeat, 1)):
        once()
    process = time.process_time() - started
    after = _backend_cpu()
    backend = after[1] - before[1] if before and after and before[0] == after[0] else 0.0
    return (process + backend) * 1000 / max(repeat, 1)


def portal(steps: list[Step], repeat: int, n: int) -> None:
    """Each request as the coordinator of mazowieckie and of all sixteen voivodeships, and as
    the latter restricted to as many named centres as the former sees (one voivodeship's on the
    page, a page of that size in the API). A request's CPU (web process and its PostgreSQL
    backend) is taken as fixed + per centre in the coordinator's scope + per named centre it
    shows: the three measurements give the two rates; the national distribution, which both
    coordinators' pages carry, is measured apart and grows with the country. The figure at 314
    (mazowieckie) and 2,477 centres (the country) is the measured p95 plus that growth of CPU,
    with the page and the API showing at most a page of centres."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants.accounts.tokens import api_token_issue
    from tenants.models import Centre

    ensure_coordinators()
    ensure_history()  # the year the pages show, for every centre
    clients = {}
    for username in (REGION_COORDINATOR, COUNTRY_COORDINATOR):
        with schema_context("public"):
            user = get_user_model().objects.get(username=username)
            key = api_token_issue(user=user, name="perf-scale", second_factor=True).key
        page = Client(HTTP_HOST="localhost")
        page.force_login(user)
        api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
        clients[username] = (page, api)
    region_n = Centre.objects.filter(voivodeship="14").count()
    country_n = Centre.objects.count()
    # The national distribution (quartiles over every centre of the country) is in the page and
    # the compare API of both coordinators: at this N both see the same country, so its growth
    # to 2,477 centres is measured apart and taken as linear in the country's centres.
    national = _national_distribution_cpu(repeat)
    national_growth = national * (2477 / country_n - 1) if country_n < 2477 else 0.0
    compare = "/api/benchmarks/compare/?metric=decided_within_kpa_share"
    carries_national = {"page /porownanie/": True, "API centres": False, "API compare": True}
    requests = (
        ("page /porownanie/", 0, "/porownanie/", "/porownanie/?wojewodztwo=14"),
        (
            "API centres",
            1,
            "/api/benchmarks/centres/",
            f"/api/benchmarks/centres/?page_size={min(max(region_n, 1), 500)}",
        ),
        ("API compare", 1, compare, f"{compare}&page_size={max(region_n, 1)}"),
    )
    for what, which, path, restricted in requests:
        at_most = SHOWN_AT_MOST[what]
        region = _measure(clients[REGION_COORDINATOR][which], path, repeat)
        country = _measure(clients[COUNTRY_COORDINATOR][which], path, repeat)
        shown_region, shown_country = min(region_n, at_most), min(country_n, at_most)
        # The country's scope showing mazowieckie's number of centres: what the scope alone
        # adds. Without a restricted variant the request shows every centre of its scope.
        alike = (
            _measure(clients[COUNTRY_COORDINATOR][which], restricted, repeat)
            if restricted
            else None
        )
        rates = {
            field: _rates(
                field, region, country, alike, (region_n, country_n), (shown_region, shown_country)
            )
            for field in ("cpu", "cpu_median", "queries")
        }
        for label, username, budget, full, ours in (
            ("mazowieckie", REGION_COORDINATOR, 300.0, 314, region),
            ("all 16 voivodeships", COUNTRY_COORDINATOR, 1000.0, 2477, country),
        ):
            centres = region_n if username == REGION_COORDINATOR else country_n
            shown = min(centres, at_most)
            grow = (full - centres, min(full, at_most) - shown)
            # The growth with the scope is taken from the request's CPU (web process and its
            # backend), which the load of a shared machine spares, and added to the measured
            # p95: rates from differences of p95s on a loaded machine are mostly noise.
            both_at, cpu_at, queries_at = (
                getattr(ours, field) + rates[field][0] * grow[0] + rates[field][1] * grow[1]
                for field in ("cpu", "cpu_median", "queries")
            )
            if carries_national[what]:
                both_at += national_growth
            wall_at = ours.wall_p95 + max(both_at - ours.cpu, 0.0)
            per_scope_q = rates["queries"][0]
            steps.append(
                Step(
                    f"portal {what}, {label} ({centres} centres)",
                    round(ours.wall_p95, 1),
                    "ms p95",
                    goal=f"≤ {budget:.0f} ms p95 at {full} centres; queries flat",
                    met=ours.status == 200 and wall_at <= budget and per_scope_q <= 0,
                    model=f"measured p95 + the CPU growth (web + PostgreSQL): "
                    f"{rates['cpu'][0]:.3f} ms per centre in scope + "
                    f"{rates['cpu'][1]:.2f} ms per named centre shown (at most "
                    f"{min(at_most, full)}), at {full} centres"
                    + (
                        f" + the national distribution ({national:.0f} ms at {country_n} "
                        f"centres) linear to 2,477"
                        if carries_national[what]
                        else ""
                    ),
                    at_2500=round(wall_at, 1),
                    note=f"{ours.queries} queries (→ {queries_at:.0f} at {full}), HTTP "
                    f"{ours.status}; CPU of the web process {ours.cpu_median:.0f} ms median "
                    f"(→ {cpu_at:.0f} ms at {full}), PostgreSQL {ours.db_cpu:.0f} ms "
                    f"(both → {both_at:.0f} ms at {full}); ledger rows read {ours.ledger_read}, "
                    f"cells examined {ours.examined}",
                    extra={
                        "queries": ours.queries,
                        "status": ours.status,
                        "centres": centres,
                        "shown": shown,
                        "cpu_ms_median": round(ours.cpu_median, 1),
                        "cpu_ms_at_full": round(cpu_at, 1),
                        "db_cpu_ms_mean": round(ours.db_cpu, 1),
                        "cpu_both_ms_at_full": round(both_at, 1),
                        "queries_at_full": round(queries_at, 1),
                        "ledger_rows_read": ours.ledger_read,
                        "ledger_cells_examined": ours.examined,
                    },
                )
            )
