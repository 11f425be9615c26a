"""The ministry's export step of `make perf-scale`: the national XLSX export built at N centres
through the product's path (``benchmarking.exports``: asked for as the analyst, built as the
worker builds it), timed, its statements counted, and extrapolated to the country: the linked
audit as it is (its family is tables × scopes × periods, whatever the number of centres), the
rest along a line through a voivodeship's export and the country's in the same run.

Both the portal and the exports need every centre's figures of the period they show: a year's
monthly snapshots and its half-year reporting tables, computed first through the snapshot
service the workers run (:func:`ensure_history`), for the centres that lack them."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from deploy.perf_scale.common import NATION, Rollback, Step, analyze_public, statements_sent

ANALYST = "analityk"  # the demo's ministry analyst
REPEAT = 3  # builds of each export; the median is reported
AUDIT = "protect_corrected"  # the linked audit, as ``benchmarking.exports.family`` calls it


@dataclass(frozen=True)
class Built:
    """One export's figures."""

    seconds: float = 0.0
    audit_seconds: float = 0.0  # in the linked audit (``protect_corrected``)
    statements: int = 0
    size: int = 0
    centres: int = 0
    programmes: int = 0  # solved by the linked audit
    rounds: int = 0  # of complementary suppression
    hidden: int = 0  # cells the export hides


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


@contextmanager
def audit_timed() -> Iterator[list[float]]:
    """The seconds spent in the linked audit of an export (``protect_corrected`` as the exports
    call it), appended to the list yielded."""
    from benchmarking.exports import family

    spent: list[float] = []
    original = getattr(family, AUDIT)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(family, AUDIT, timed)  # a timing wrapper
    try:
        yield spent
    finally:
        setattr(family, AUDIT, original)


def _build(scope: str, period: str) -> Built:
    """One export of ``scope`` (XLSX), asked for and built, rolled back afterwards so that every
    repetition meets the same ledger."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from benchmarking.exports.build import export_build
    from benchmarking.exports.parameters import scope_centres
    from benchmarking.exports.request import export_request
    from benchmarking.linked import SOLVER_CALLS
    from benchmarking.models import ExportJob, PublishedCell

    analyst = get_user_model().objects.get(username=ANALYST)
    figures = Built()
    try:
        with transaction.atomic():
            with statements_sent() as sent, audit_timed() as audit:
                SOLVER_CALLS.reset()
                started = time.perf_counter()
                job = export_request(
                    user=analyst, data={"period": period, "scope": scope, "format": "xlsx"}
                )
                job = export_build(job)
                elapsed = time.perf_counter() - started
            if job.status != ExportJob.Status.DONE:
                raise RuntimeError(f"export of {scope} {period}: {job.status} {job.error}")
            hidden = PublishedCell.objects.filter(
                release=str(job.public_id), channel=PublishedCell.Channel.EXPORT, hidden=True
            ).count()
            figures = Built(
                seconds=elapsed,
                audit_seconds=sum(audit),
                statements=len(sent),
                size=job.size,
                centres=len(scope_centres(scope)),
                programmes=SOLVER_CALLS.total,
                rounds=SOLVER_CALLS.rounds,
                hidden=hidden,
            )
            raise Rollback
    except Rollback:
        pass
    return figures


def national_export(steps: list[Step], n: int) -> None:
    computed, computed_s = ensure_history()
    period = f"{history_year()}-H2"
    measured: dict[str, Built] = {}
    _build("14", period)  # warm: imports (the solver's), templates, the first read of each table
    for label, scope in (("mazowieckie", "14"), ("the country", "PL")):
        runs = [_build(scope, period) for _ in range(REPEAT)]
        measured[label] = replace(
            runs[-1],
            seconds=statistics.median(r.seconds for r in runs),
            audit_seconds=statistics.median(r.audit_seconds for r in runs),
        )
    region, country = measured["mazowieckie"], measured["the country"]
    span = country.centres - region.centres
    # The linked audit works on a family of tables × 17 scopes × periods whatever the number of
    # centres: it stays as it is. The rest (reading the centres' figures, the tables, the file)
    # grows with the centres in scope: a line through mazowieckie's export and the country's.
    rest = country.seconds - country.audit_seconds
    region_rest = region.seconds - region.audit_seconds
    per_centre = max(0.0, (rest - region_rest) / span) if span else 0.0
    per_centre_q = (country.statements - region.statements) / span if span else 0.0
    at_2500 = country.seconds + per_centre * (NATION - country.centres)
    steps.append(
        Step(
            f"national XLSX export, {period} ({country.centres} centres)",
            round(country.seconds, 2),
            "s median",
            goal="≤ 10 s at 2,500 centres; statements flat",
            met=at_2500 <= 10.0 and per_centre_q <= 0,
            model=f"linked audit {country.audit_seconds:.2f} s (a family of tables × scopes × "
            f"periods, not centres) + the rest {rest:.2f} s, growing {per_centre * 1000:.1f} ms "
            f"per centre in scope (line through the export of mazowieckie, {region.centres} "
            f"centres, and the country's)",
            at_2500=round(at_2500, 2),
            note=f"{country.statements} statements ({region.statements} for mazowieckie: "
            f"{per_centre_q:+.2f} per centre), {country.size / 1024:.0f} KiB; "
            f"{country.programmes} programmes of the linked audit ({region.programmes} for "
            f"mazowieckie), {country.rounds} rounds of complementary suppression, "
            f"{country.hidden} cells hidden ({region.hidden} for mazowieckie); the year's "
            f"figures computed first for {computed} centres in {computed_s:.0f} s",
            extra={
                "statements": country.statements,
                "statements_region": region.statements,
                "region_s": round(region.seconds, 3),
                "audit_s": round(country.audit_seconds, 3),
                "audit_region_s": round(region.audit_seconds, 3),
                "bytes": country.size,
                "centres": country.centres,
                "programmes": country.programmes,
                "programmes_region": region.programmes,
                "rounds": country.rounds,
                "hidden": country.hidden,
                "hidden_region": region.hidden,
            },
        )
    )
