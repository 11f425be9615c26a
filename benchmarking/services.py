"""Writes of benchmarking: snapshot runs and the snapshots they store.

A run is split into tasks of a few centres each. Each centre's months are computed inside its
schema through casework's metrics contract, up to a year of months per set-based step, and
written with an upsert keyed by centre, metric, version and month, one step per transaction: a
task that dies half-way and is sent again recomputes what it had not finished and overwrites what
it had, so a rerun leaves exactly one value per centre, metric and month, with no gaps.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from benchmarking.definitions import DEFINITIONS, current_versions
from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre, TableSnapshot
from casework.metrics import centre_months_aggregates
from casework.metrics_tables import PeriodTables, audit_marks, centre_period_tables
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.schemas import schemas_in_turn
from tenants.models import Centre

HISTORY_START = dt.date(2016, 1, 1)
TABLES_VERSION = 1
# Months computed together and committed in one transaction: a constant number of queries per
# step, and what a killed worker loses is at most one step.
MONTHS_PER_STEP = 12
# A run asked for while another started this long ago is still unfinished is refused (an older
# unfinished run is taken for stuck: the resume job deals with it, it does not block new runs).
RUN_IN_PROGRESS_WINDOW = dt.timedelta(hours=1)

logger = logging.getLogger(__name__)


def months_between(first: dt.date, last: dt.date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def reporting_period_bounds(year: int, half: int) -> tuple[dt.date, dt.date]:
    """First and last day of a half-year (half 1 or 2) or of the whole year (half 0)."""
    first = dt.date(year, 7 if half == 2 else 1, 1)
    last = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
    return first, last


def reporting_periods(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """The half-years and years (MRPiPS-03 periods) that overlap the months first..last."""
    periods: list[tuple[int, int]] = []
    for year in range(first.year, last.year + 1):
        for half in (1, 2, 0):
            start, end = reporting_period_bounds(year, half)
            if start <= last and end >= first:
                periods.append((year, half))
    return periods


def _cell_map(cells: dict[tuple[str, str], int]) -> dict[str, int]:
    return {f"{row}|{column}": count for (row, column), count in sorted(cells.items())}


TABLE_FIELDS = (
    "reason_rows",
    "form_columns",
    "households",
    "persons",
    "persons_capped",
    "contracts",
    "services",
)

TABLE_SOURCE_FIELDS = ("complete", "source_seq", "source_last", "run", "computed_at")


def _table_snapshot_fields(tables: PeriodTables) -> dict[str, Any]:
    services = tables.services
    return {
        "reason_rows": list(tables.reason_rows),
        "form_columns": list(tables.form_columns),
        "households": _cell_map(tables.households),
        "persons": _cell_map(tables.persons),
        "persons_capped": _cell_map(tables.persons_capped),
        "contracts": dict(tables.contracts),
        "services": {
            "households": services.households,
            "hours_planned": str(services.hours_planned),
            "hours_delivered": str(services.hours_delivered),
            "top_shares": list(services.top_shares),
        },
    }


@transaction.atomic
def snapshot_run_create(
    *,
    kind: str,
    period_from: dt.date,
    period_to: dt.date,
    versions: dict[str, int] | None = None,
    centres: list[Centre] | None = None,
    requested_by: str = "",
    one_at_a_time: bool = False,
) -> SnapshotRun:
    """Record a run and one progress row per centre (all centres unless given).

    Creating a run holds a transaction-level advisory lock until the transaction ends, so runs are
    created one after another. With ``one_at_a_time`` (a run asked for in the portal) the run is
    refused with ``run_in_progress`` while another started within ``RUN_IN_PROGRESS_WINDOW`` is
    unfinished: the check and the insert happen under the lock, so of two simultaneous requests
    the second sees the first's run (committed before the lock is released) and is refused."""
    first, last = period_from.replace(day=1), period_to.replace(day=1)
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["period_to"] = [_("Koniec okresu nie może być przed jego początkiem.")]
    if last > timezone.localdate().replace(day=1):
        errors["period_to"] = [_("Nie można liczyć wskaźników za przyszłe miesiące.")]
    chosen = versions or current_versions()
    known = {(d.code, d.version) for d in DEFINITIONS}
    unknown = [
        f"{code}@{version}" for code, version in chosen.items() if (code, version) not in known
    ]
    if unknown:
        errors["versions"] = [
            _("Nieznane definicje wskaźników: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('benchmarking_snapshot_run'))")
    if (
        one_at_a_time
        and SnapshotRun.objects.filter(
            finished_at__isnull=True, started_at__gte=timezone.now() - RUN_IN_PROGRESS_WINDOW
        ).exists()
    ):
        raise Conflict(
            _("Trwa już przeliczenie wskaźników; poczekaj na jego zakończenie."),
            code="run_in_progress",
        )
    run = SnapshotRun.objects.create(
        kind=kind, period_from=first, period_to=last, versions=chosen, requested_by=requested_by
    )
    targets = centres if centres is not None else list(Centre.objects.order_by("slug"))
    SnapshotRunCentre.objects.bulk_create(
        [SnapshotRunCentre(run=run, centre=centre) for centre in targets]
    )
    return run


def snapshot_centre_compute(
    *, run: SnapshotRun, centre: Centre, tables: TablesPlan | None = None
) -> SnapshotRunCentre:
    """Compute and store every month of the run for one centre (idempotent, resumable).

    The months are computed set-based (``centre_months_aggregates``: a fixed number of queries
    for up to ``MONTHS_PER_STEP`` months) and committed a step at a time together with the
    progress, so an attempt sent again after its worker died starts at the first month not done.
    A message delivered again after the centre or the run finished does nothing. ``tables``:
    which reporting tables are due, read for a batch of centres at once (:func:`tables_plan`).
    """
    progress = SnapshotRunCentre.objects.get(run=run, centre=centre)
    if run.finished_at is not None or progress.status == SnapshotRunCentre.Status.DONE:
        return progress
    now = timezone.now()
    SnapshotRunCentre.objects.filter(pk=progress.pk).update(
        status=SnapshotRunCentre.Status.RUNNING,
        started_at=now,
        last_progress_at=now,
        attempts=F("attempts") + 1,
        error="",
    )
    written = progress.values_written
    months = list(months_between(run.period_from, run.period_to))
    try:
        for start in range(progress.months_done, len(months), MONTHS_PER_STEP):
            step = months[start : start + MONTHS_PER_STEP]
            with schema_context(centre.schema_name):
                computed = centre_months_aggregates(
                    first=dt.date(*step[0], 1),
                    last=dt.date(*step[-1], 1),
                    population=centre.population,
                    versions=run.versions,
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
                for (year, month), aggregates in computed.items()
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
                    months_done=start + len(step),
                    values_written=written,
                    last_progress_at=timezone.now(),
                )
        snapshot_centre_tables(run=run, centre=centre, plan=tables)
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


def snapshot_centres_compute(*, run: SnapshotRun, centres: Iterable[Centre]) -> list[str]:
    """``snapshot_centre_compute`` for several centres in turn (one task's batch), releasing the
    database connection every ``SCHEMAS_PER_CONNECTION`` centres so that its backend does not
    grow with every schema. A centre that fails is recorded as failed (the resume job sends it
    again) and the others go on; returns the slugs of the failed ones."""
    failed: list[str] = []
    listed = list(centres)
    size = settings.SCHEMAS_PER_CONNECTION
    chunks = [listed[start : start + size] for start in range(0, len(listed), size)]
    # The connection is released after each chunk, as ``schemas_in_turn`` does every
    # SCHEMAS_PER_CONNECTION schemas; the chunk's due tables are read in two statements.
    for chunk in schemas_in_turn(chunks, every=1):
        plan = tables_plan(run=run, centres=chunk)
        for centre in chunk:
            try:
                snapshot_centre_compute(run=run, centre=centre, tables=plan)
            except Exception:
                logger.exception(
                    "snapshot of a centre failed",
                    extra={"schema": centre.schema_name, "run": str(run.public_id)},
                )
                failed.append(centre.slug)
    return failed


@dataclass(frozen=True)
class TablesPlan:
    """Which reporting tables of a run's centres need computing.

    A centre's table of a period is computed again only if the centre's records changed since
    (its audit-trail position, ``casework.metrics_tables.audit_marks``) or the table must now
    cover more days (a period still running: up to today); otherwise the stored one stands. A
    run asked for by a person (on demand) computes them all, e.g. after a change of the code
    lists shared by all centres, which the marks do not see."""

    periods: tuple[tuple[int, int, dt.date, dt.date], ...]  # year, half, first, last day covered
    today: dt.date
    marks: dict[int, int]  # centre pk → audit-trail position
    stored: dict[tuple[int, int, int], tuple[int | None, dt.date | None]]
    force: bool

    def due(self, centre: Centre) -> list[tuple[int, int, dt.date, dt.date]]:
        if self.force or centre.pk not in self.marks:
            return list(self.periods)
        mark = self.marks[centre.pk]
        return [
            period
            for period in self.periods
            if self.stored.get((centre.pk, period[0], period[1])) != (mark, period[3])
        ]


def tables_plan(*, run: SnapshotRun, centres: Sequence[Centre]) -> TablesPlan:
    """The reporting tables due for ``centres`` in ``run``: the centres' marks in one statement
    and what is stored in another, whatever the number of centres."""
    today = timezone.localdate()
    periods = tuple(
        (year, half, first, min(last, today))
        for year, half in reporting_periods(run.period_from, run.period_to)
        for first, last in [reporting_period_bounds(year, half)]
        if first <= today
    )
    force = run.kind == SnapshotRun.Kind.ON_DEMAND
    if force or not periods or not centres:
        return TablesPlan(periods, today, {}, {}, force)
    by_schema = audit_marks([centre.schema_name for centre in centres])
    marks = {centre.pk: by_schema[centre.schema_name] for centre in centres}
    stored = {
        (centre_id, year, half): (seq, last)
        for centre_id, year, half, seq, last in TableSnapshot.objects.filter(
            centre__in=[centre.pk for centre in centres],
            version=TABLES_VERSION,
            year__in=sorted({period[0] for period in periods}),
        ).values_list("centre_id", "year", "half", "source_seq", "source_last")
    }
    return TablesPlan(periods, today, marks, stored, force)


def snapshot_centre_tables(
    *, run: SnapshotRun, centre: Centre, plan: TablesPlan | None = None
) -> None:
    """The reporting tables of every half-year and year the run's months touch that are due
    (:class:`TablesPlan`), upserted in one statement with what they were computed from."""
    if plan is None or (centre.pk not in plan.marks and not plan.force):
        plan = tables_plan(run=run, centres=[centre])
    due = plan.due(centre)
    if not due:
        return
    mark = plan.marks.get(centre.pk)
    rows = []
    with schema_context(centre.schema_name):
        for year, half, first, last in due:
            tables = centre_period_tables(first=first, last=last)
            _, end = reporting_period_bounds(year, half)
            rows.append(
                TableSnapshot(
                    centre=centre,
                    version=TABLES_VERSION,
                    year=year,
                    half=half,
                    complete=end < plan.today,
                    source_seq=mark,
                    source_last=last,
                    run=run,
                    **_table_snapshot_fields(tables),
                )
            )
    TableSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["centre", "version", "year", "half"],
        update_fields=[*TABLE_FIELDS, *TABLE_SOURCE_FIELDS],
    )


def snapshot_run_finish_if_complete(*, run: SnapshotRun) -> None:
    """Close the run once no centre of it is pending or running.

    Called after every centre, so it must not read the run's centres: one EXISTS on the partial
    index of unfinished rows while the run goes on (whatever the number of centres), then one
    more and the update when it ends.
    """
    rows = SnapshotRunCentre.objects.filter(run=run)
    if rows.filter(status__in=SnapshotRunCentre.UNFINISHED).exists():
        return
    failed = rows.filter(status=SnapshotRunCentre.Status.FAILED).exists()
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
        moment = row.last_progress_at or row.started_at or row.run.started_at
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
