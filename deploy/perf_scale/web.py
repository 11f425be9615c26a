"""Steps of `make perf-scale` through HTTP: a centre's request (``SET search_path``, tenant
lookups) and the portal's coordinator comparisons for one voivodeship and for all sixteen."""

from __future__ import annotations

import time

from deploy.perf_scale.common import (
    ALL_VOIVODESHIPS,
    COUNTRY_COORDINATOR,
    Step,
    median,
    p95,
    statements_sent,
)
from deploy.perf_scale.exports import ensure_history


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


def portal(steps: list[Step], repeat: int, n: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenants.accounts.tokens import api_token_issue
    from tenants.models import Centre

    ensure_coordinators()
    ensure_history()  # the year the pages show, for every centre
    cases = (
        ("mazowieckie", REGION_COORDINATOR, 300.0, "14"),
        ("all 16 voivodeships", COUNTRY_COORDINATOR, 1000.0, ""),
    )
    measured: list[tuple[str, str, str, float, int, float, int, int, float]] = []
    for label, username, budget, code in cases:
        with schema_context("public"):
            user = get_user_model().objects.get(username=username)
            key = api_token_issue(user=user, name="perf-scale", second_factor=True).key
        centres = (
            Centre.objects.filter(voivodeship=code).count() if code else Centre.objects.count()
        )
        page = Client(HTTP_HOST="localhost")
        page.force_login(user)
        api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
        for what, client, path in (
            ("page /porownanie/", page, "/porownanie/"),
            ("API centres", api, "/api/benchmarks/centres/"),
            ("API compare", api, "/api/benchmarks/compare/?metric=decided_within_kpa_share"),
        ):
            times: list[float] = []
            cpu: list[float] = []  # this process's CPU: what the load of a shared machine spares
            queries = 0
            status = 0
            for i in range(2 + repeat):
                connection.queries_log.clear()
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
            measured.append(
                (what, label, code, budget, centres, p95(times), queries, status, median(cpu))
            )
    # Two scopes of the same request give a line: fixed cost + cost per centre in scope, for
    # time and for queries. The goal wants the queries flat (no cost per centre).
    for what, label, code, budget, centres, worst, queries, status, cpu_ms in measured:
        other = next(m for m in measured if m[0] == what and m[2] != code)
        span = other[4] - centres
        per_centre = (other[5] - worst) / span if span else 0.0
        per_centre_q = (other[6] - queries) / span if span else 0.0
        full = 314 if code else 2477
        at_2500 = worst + per_centre * (full - centres)
        queries_at = queries + per_centre_q * (full - centres)
        per_centre_cpu = (other[8] - cpu_ms) / span if span else 0.0
        cpu_at = cpu_ms + per_centre_cpu * (full - centres)
        steps.append(
            Step(
                f"portal {what}, {label} ({centres} centres)",
                round(worst, 1),
                "ms p95",
                goal=f"≤ {budget:.0f} ms p95 at {full} centres; queries flat",
                met=status == 200 and at_2500 <= budget and per_centre_q <= 0,
                model=f"fixed + {per_centre:.2f} ms per centre in scope (line through both "
                f"scopes), at {full} centres",
                at_2500=round(at_2500, 1),
                note=f"{queries} queries ({per_centre_q:+.2f} per centre → {queries_at:.0f} at "
                f"{full}), HTTP {status}; CPU of the web process {cpu_ms:.0f} ms median "
                f"({per_centre_cpu:+.2f} ms per centre → {cpu_at:.0f} ms at {full})",
                extra={
                    "queries": queries,
                    "status": status,
                    "centres": centres,
                    "cpu_ms_median": round(cpu_ms, 1),
                    "cpu_ms_at_full": round(cpu_at, 1),
                },
            )
        )
