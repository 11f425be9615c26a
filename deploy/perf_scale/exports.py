"""The ministry's export step of `make perf-scale`: the national XLSX export built at N centres
through the product's path (``benchmarking.exports``: asked for as the analyst, built as the
worker builds it), timed, its statements counted, and extrapolated to the country from a
voivodeship's export and the country's in the same run.

Both the portal and the exports need every centre's figures of the period they show: a year's
monthly snapshots and its half-year reporting tables, computed first through the snapshot
service the workers run (:func:`ensure_history`), for the centres that lack them."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

from deploy.perf_scale.common import NATION, Rollback, Step, analyze_public, statements_sent

ANALYST = "analityk"  # the demo's ministry analyst
# One build each: the country's export still takes tens of seconds (its linked audit adds
# complementary suppressions one at a time); a run of the step must fit beside the others.
REPEAT = 1


def history_year() -> int:
    """The year the portal shows by default (the last full year) and the exports are asked for."""
    from django.utils import timezone

    from benchmarking.comparisons import last_complete_year

    return last_complete_year(timezone.localdate())[0].year


def ensure_history() -> tuple[int, float]:
    """Compute the monthly snapshots and reporting tables of :func:`history_year` for the centres
    that have none yet (an on-demand run through the workers' service); (centres computed,
    seconds)."""
    from benchmarking.models import SnapshotRun, TableSnapshot
    from benchmarking.services import (
        TABLES_VERSION,
        snapshot_centres_compute,
        snapshot_run_create,
        snapshot_run_finish_if_complete,
    )
    from tenants.models import Centre

    year = history_year()
    done = TableSnapshot.objects.filter(version=TABLES_VERSION, year=year, half=2).values(
        "centre_id"
    )
    missing = list(Centre.objects.exclude(pk__in=done).order_by("slug"))
    if not missing:
        return 0, 0.0
    print(f"perf-scale: figures of {year} for {len(missing)} centres", flush=True)
    started = time.perf_counter()
    run = snapshot_run_create(
        kind=SnapshotRun.Kind.ON_DEMAND,
        period_from=dt.date(year, 1, 1),
        period_to=dt.date(year, 12, 1),
        centres=missing,
        requested_by="perf-scale",
    )
    failed = snapshot_centres_compute(run=run, centres=missing)
    snapshot_run_finish_if_complete(run=run)
    if failed:
        raise RuntimeError(f"snapshots failed for {len(failed)} centres: {failed[:5]}")
    seconds = time.perf_counter() - started
    analyze_public(os.environ["DATABASE_URL"])  # the snapshots just written, for the planner
    return len(missing), seconds


def _build(scope: str, period: str) -> tuple[float, int, int, int, int]:
    """One export of ``scope`` (XLSX), asked for and built, rolled back afterwards so that every
    repetition meets the same ledger; (seconds, statements, bytes, centres, programmes solved by
    the linked audit)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from benchmarking.exports.build import export_build
    from benchmarking.exports.parameters import scope_centres
    from benchmarking.exports.request import export_request
    from benchmarking.linked import SOLVER_CALLS
    from benchmarking.models import ExportJob

    analyst = get_user_model().objects.get(username=ANALYST)
    figures: tuple[float, int, int, int, int] = (0.0, 0, 0, 0, 0)
    try:
        with transaction.atomic(), statements_sent() as sent:
            SOLVER_CALLS.reset()
            started = time.perf_counter()
            job = export_request(
                user=analyst, data={"period": period, "scope": scope, "format": "xlsx"}
            )
            job = export_build(job)
            elapsed = time.perf_counter() - started
            if job.status != ExportJob.Status.DONE:
                raise RuntimeError(f"export of {scope} {period}: {job.status} {job.error}")
            figures = (
                elapsed,
                len(sent),
                job.size,
                len(scope_centres(scope)),
                SOLVER_CALLS.total,
            )
            raise Rollback
    except Rollback:
        pass
    return figures


def national_export(steps: list[Step], n: int) -> None:
    computed, computed_s = ensure_history()
    period = f"{history_year()}-H2"
    measured: dict[str, tuple[float, int, int, int, int]] = {}
    _build("14", period)  # warm: imports (the solver's), templates, the first read of each table
    for label, scope in (("mazowieckie", "14"), ("the country", "PL")):
        runs = [_build(scope, period) for _ in range(REPEAT)]
        seconds = statistics.median(r[0] for r in runs)
        measured[label] = (seconds, *runs[-1][1:])
    region_s, region_q, _, region_n, region_calls = measured["mazowieckie"]
    country_s, country_q, size, country_n, country_calls = measured["the country"]
    span = country_n - region_n
    per_centre = (country_s - region_s) / span if span else 0.0
    per_centre_q = (country_q - region_q) / span if span else 0.0
    at_2500 = country_s + per_centre * (NATION - country_n)
    steps.append(
        Step(
            f"national XLSX export, {period} ({country_n} centres)",
            round(country_s, 2),
            "s median",
            goal="≤ 10 s at 2,500 centres; statements flat",
            met=at_2500 <= 10.0 and per_centre_q <= 0,
            model=f"fixed + {per_centre * 1000:.1f} ms per centre in scope (line through the "
            f"export of mazowieckie, {region_n} centres, and the country's)",
            at_2500=round(at_2500, 2),
            note=f"{country_q} statements ({region_q} for mazowieckie: {per_centre_q:+.2f} per "
            f"centre), {size / 1024:.0f} KiB; {country_calls} programmes of the linked audit "
            f"({region_calls} for mazowieckie); the year's figures computed first for {computed} "
            f"centres in {computed_s:.0f} s",
            extra={
                "statements": country_q,
                "statements_region": region_q,
                "region_s": round(region_s, 3),
                "bytes": size,
                "centres": country_n,
                "programmes": country_calls,
                "programmes_region": region_calls,
            },
        )
    )
