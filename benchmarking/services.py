"""Writes of benchmarking: snapshot runs and the snapshots they store.

A run is split into one task per centre. Each centre's months are computed inside its schema
through casework's metrics contract and written with an upsert keyed by centre, metric, version
and month, one month per transaction: a task that dies half-way and is sent again recomputes
what it had not finished and overwrites what it had, so a rerun leaves exactly one value per
centre, metric and month, with no gaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarking.definitions import DEFINITIONS, current_versions
from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre
from casework.metrics import centre_month_aggregates
from opsplatform.errors import ValidationFailed
from tenants.models import Centre

HISTORY_START = dt.date(2016, 1, 1)


def months_between(first: dt.date, last: dt.date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@transaction.atomic
def snapshot_run_create(
    *,
    kind: str,
    period_from: dt.date,
    period_to: dt.date,
    versions: dict[str, int] | None = None,
    centres: list[Centre] | None = None,
    requested_by: str = "",
) -> SnapshotRun:
    """Record a run and one progress row per centre (all centres unless given)."""
    first, last = period_from.replace(day=1), period_to.replace(day=1)
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["period_to"] = ["Koniec okresu nie może być przed jego początkiem."]
    if last > timezone.localdate().replace(day=1):
        errors["period_to"] = ["Nie można liczyć wskaźników za przyszłe miesiące."]
    chosen = versions or current_versions()
    known = {(d.code, d.version) for d in DEFINITIONS}
    unknown = [
        f"{code}@{version}" for code, version in chosen.items() if (code, version) not in known
    ]
    if unknown:
        errors["versions"] = [f"Nieznane definicje wskaźników: {', '.join(unknown)}."]
    if errors:
        raise ValidationFailed(fields=errors)
    run = SnapshotRun.objects.create(
        kind=kind, period_from=first, period_to=last, versions=chosen, requested_by=requested_by
    )
    targets = centres if centres is not None else list(Centre.objects.order_by("slug"))
    SnapshotRunCentre.objects.bulk_create(
        [SnapshotRunCentre(run=run, centre=centre) for centre in targets]
    )
    return run


def snapshot_centre_compute(*, run: SnapshotRun, centre: Centre) -> SnapshotRunCentre:
    """Compute and store every month of the run for one centre (idempotent, resumable)."""
    progress = SnapshotRunCentre.objects.get(run=run, centre=centre)
    SnapshotRunCentre.objects.filter(pk=progress.pk).update(
        status=SnapshotRunCentre.Status.RUNNING,
        started_at=timezone.now(),
        attempts=progress.attempts + 1,
        error="",
    )
    written = 0
    months = list(months_between(run.period_from, run.period_to))
    try:
        for done, (year, month) in enumerate(months, start=1):
            with schema_context(centre.schema_name):
                aggregates = centre_month_aggregates(
                    year=year, month=month, population=centre.population, versions=run.versions
                )
            rows = [
                Snapshot(
                    centre=centre,
                    metric=code,
                    version=run.versions[code],
                    year=year,
                    month=month,
                    numerator=aggregate.numerator,
                    denominator=aggregate.denominator,
                    value=aggregate.value,
                    n=aggregate.n,
                    top_shares=list(aggregate.top_shares),
                    run=run,
                )
                for code, aggregate in aggregates.items()
            ]
            with transaction.atomic():
                Snapshot.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["centre", "metric", "version", "year", "month"],
                    update_fields=["numerator", "denominator", "value", "n", "top_shares", "run"],
                )
                written += len(rows)
                SnapshotRunCentre.objects.filter(pk=progress.pk).update(
                    months_done=done, values_written=written
                )
    except Exception as exc:
        SnapshotRunCentre.objects.filter(pk=progress.pk).update(
            status=SnapshotRunCentre.Status.FAILED,
            error=type(exc).__name__,
            finished_at=timezone.now(),
        )
        snapshot_run_finish_if_complete(run=run)
        raise
    SnapshotRunCentre.objects.filter(pk=progress.pk).update(
        status=SnapshotRunCentre.Status.DONE, finished_at=timezone.now()
    )
    snapshot_run_finish_if_complete(run=run)
    progress.refresh_from_db()
    return progress


def snapshot_run_finish_if_complete(*, run: SnapshotRun) -> None:
    statuses = set(run.centres.values_list("status", flat=True))
    if statuses & {SnapshotRunCentre.Status.PENDING, SnapshotRunCentre.Status.RUNNING}:
        return
    failed = SnapshotRunCentre.Status.FAILED in statuses
    SnapshotRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        status=SnapshotRun.Status.FAILED if failed else SnapshotRun.Status.DONE,
        finished_at=timezone.now(),
    )


def snapshot_centres_to_resume(*, stale_after: dt.timedelta) -> list[SnapshotRunCentre]:
    """Centres of unfinished runs that failed, or have been pending or running for too long
    (their worker was killed): the resume job sends them again."""
    cutoff = timezone.now() - stale_after
    rows = SnapshotRunCentre.objects.select_related("run", "centre").filter(
        run__finished_at__isnull=True
    )
    stale: list[SnapshotRunCentre] = []
    for row in rows:
        moment = row.started_at or row.run.started_at
        if row.status == SnapshotRunCentre.Status.FAILED or (
            row.status != SnapshotRunCentre.Status.DONE and moment < cutoff
        ):
            stale.append(row)
    return stale


def run_summary(run: SnapshotRun) -> dict[str, Any]:
    centres = list(run.centres.select_related("centre"))
    return {
        "id": str(run.public_id),
        "kind": run.kind,
        "status": run.status,
        "period_from": run.period_from.isoformat(),
        "period_to": run.period_to.isoformat(),
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "centres": [
            {
                "centre": row.centre.slug,
                "status": row.status,
                "months_done": row.months_done,
                "values_written": row.values_written,
                "attempts": row.attempts,
                "error": row.error,
            }
            for row in centres
        ],
    }
