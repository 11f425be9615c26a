"""Writes of benchmarking: snapshot runs and the snapshots they store.

A run is split into tasks of a few centres each. Each centre's months are computed inside its
schema through casework's metrics contract, up to three years of months per set-based step, and
the step's values of all centres of the task are written with one upsert keyed by centre, metric,
version and month, one step per transaction: a task that dies half-way and is sent again
recomputes what it had not finished and overwrites what it had, so a rerun leaves exactly one
value per centre, metric and month, with no gaps.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from benchmarking.definitions import DEFINITIONS, current_versions
from benchmarking.models import Snapshot, SnapshotRun, SnapshotRunCentre, TableSnapshot
from casework.metrics import centre_months_aggregates
from casework.metrics_tables import (
    PeriodTables,
    TablesDictionary,
    audit_marks,
    centre_periods_tables,
    change_marks,
    tables_dictionary,
)
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.schemas import schemas_in_turn
from tenants.models import Centre

HISTORY_START = dt.date(2016, 1, 1)
TABLES_VERSION = 1
# Months computed together and committed in one transaction: a constant number of queries per
# step, and what a killed worker loses is at most one step (a backfill of ten years in four).
MONTHS_PER_STEP = 36
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
    """Compute and store every month of the run for one centre (idempotent, resumable): the batch
    path (:func:`snapshot_centres_compute`) for a batch of one, raising what made the centre
    fail after recording it. ``tables`` is accepted for callers that read it beforehand; the
    batch reads its own."""
    del tables  # the batch reads the due tables with the centre's marks
    failures = _compute_batch(run=run, centres=[centre])
    if failures:
        raise failures[0][1]
    return SnapshotRunCentre.objects.get(run=run, centre=centre)


def snapshot_centres_compute(*, run: SnapshotRun, centres: Iterable[Centre]) -> list[str]:
    """Compute and store every month of the run for several centres (one task's batch), releasing
    the database connection every ``SCHEMAS_PER_CONNECTION`` centres so that its backend does not
    grow with every schema. A centre that fails is recorded as failed (the resume job sends it
    again) and the others go on; returns the slugs of the failed ones."""
    failed: list[str] = []
    listed = list(centres)
    size = settings.SCHEMAS_PER_CONNECTION
    chunks = [listed[start : start + size] for start in range(0, len(listed), size)]
    # The connection is released after each chunk, as ``schemas_in_turn`` does every
    # SCHEMAS_PER_CONNECTION schemas.
    for chunk in schemas_in_turn(chunks, every=1):
        failed.extend(centre.slug for centre, _ in _compute_batch(run=run, centres=chunk))
    return failed


@dataclass
class _CentreWork:
    centre: Centre
    progress: int  # SnapshotRunCentre pk
    done: int  # months of the run stored; -1 once the centre failed
    written: int
    source: str  # the centre's change mark and population, stored with what is computed from it


def _compute_batch(
    *, run: SnapshotRun, centres: Sequence[Centre]
) -> list[tuple[Centre, Exception]]:
    """Every month of the run for a batch of centres, a step of up to ``MONTHS_PER_STEP`` months
    at a time; returns the centres that failed, with why.

    What the batch reads and writes costs the same statements whatever its size: the progress
    rows, the centres' change marks (``casework.metrics_tables.change_marks``), the months
    already stored from the same marks and the stored reporting tables are read in one statement
    each; each step's snapshots and tables of all centres are written in one upsert each and
    their progress in one update, in one transaction (a killed worker loses at most that step).
    Only the computation is per centre, inside its schema: ``centre_months_aggregates`` for the
    months not stored from the centre's current mark (a run asked for by a person recomputes
    them all), then, with the last step, the due reporting tables (:class:`TablesPlan`)."""
    if run.finished_at is not None:
        return []
    by_pk = {centre.pk: centre for centre in centres}
    pending = list(
        SnapshotRunCentre.objects.filter(run=run, centre_id__in=list(by_pk))
        .exclude(status=SnapshotRunCentre.Status.DONE)
        .values_list("pk", "centre_id", "months_done", "values_written")
        .order_by("centre__slug")
    )
    if not pending:
        return []
    now = timezone.now()
    SnapshotRunCentre.objects.filter(pk__in=[row[0] for row in pending]).update(
        status=SnapshotRunCentre.Status.RUNNING,
        started_at=now,
        last_progress_at=now,
        attempts=F("attempts") + 1,
        error="",
    )
    marks = change_marks([by_pk[row[1]].schema_name for row in pending])
    work = []
    for pk, centre_id, done, written in pending:
        centre = by_pk[centre_id]
        seq, staff = marks[centre.schema_name]
        work.append(_CentreWork(centre, pk, done, written, f"{seq}.{staff}.{centre.population}"))
    months = list(months_between(run.period_from, run.period_to))
    incremental = run.kind != SnapshotRun.Kind.ON_DEMAND
    stored = _months_stored(run=run, work=work, months=months) if incremental else set()
    plan = tables_plan(
        run=run,
        centres=[item.centre for item in work],
        marks={item.centre.pk: marks[item.centre.schema_name][0] for item in work},
    )
    # The shared code lists the tables are laid out by, once for the batch.
    dictionary = tables_dictionary() if any(plan.due(item.centre) for item in work) else None
    failures: list[tuple[Centre, Exception]] = []
    for start in range(0, len(months), MONTHS_PER_STEP):
        step = months[start : start + MONTHS_PER_STEP]
        end = start + len(step)
        last_step = end == len(months)
        snapshots: list[Snapshot] = []
        tables: list[TableSnapshot] = []
        advanced: list[_CentreWork] = []
        for item in work:
            if item.done < 0 or (item.done >= end and not last_step):
                continue  # failed, or this step was stored by an earlier attempt
            due = [
                month
                for month in step[max(item.done - start, 0) :]
                if (item.centre.pk, *month) not in stored
            ]
            try:
                with schema_context(item.centre.schema_name):
                    rows = _snapshot_rows(run=run, item=item, months=due)
                    if last_step:
                        tables.extend(
                            _centre_table_rows(
                                run=run, centre=item.centre, plan=plan, dictionary=dictionary
                            )
                        )
            except Exception as exc:
                logger.exception(
                    "snapshot of a centre failed",
                    extra={"schema": item.centre.schema_name, "run": str(run.public_id)},
                )
                failures.append((item.centre, exc))
                item.done = -1
                continue
            snapshots.extend(rows)
            item.written += len(rows)
            item.done = max(item.done, end)
            advanced.append(item)
        with transaction.atomic():
            if snapshots:
                Snapshot.objects.bulk_create(
                    snapshots,
                    update_conflicts=True,
                    unique_fields=["centre", "metric", "version", "year", "month"],
                    update_fields=[*SNAPSHOT_FIELDS, "run", "source"],
                )
            if tables:
                TableSnapshot.objects.bulk_create(
                    tables,
                    update_conflicts=True,
                    unique_fields=["centre", "version", "year", "half"],
                    update_fields=[*TABLE_FIELDS, *TABLE_SOURCE_FIELDS],
                )
            if advanced:
                _progress_update(advanced, months_done=end, finished=last_step)
    if failures:
        errors = [
            When(centre_id=centre.pk, then=Value(type(exc).__name__)) for centre, exc in failures
        ]
        SnapshotRunCentre.objects.filter(
            run=run, centre_id__in=[centre.pk for centre, _ in failures]
        ).update(
            status=SnapshotRunCentre.Status.FAILED,
            error=Case(*errors, default=Value(""), output_field=models.CharField()),
            finished_at=timezone.now(),
        )
    snapshot_run_finish_if_complete(run=run)
    return failures


SNAPSHOT_FIELDS = ("numerator", "denominator", "value", "n", "top_shares")


def _months_stored(
    *, run: SnapshotRun, work: Sequence[_CentreWork], months: Sequence[tuple[int, int]]
) -> set[tuple[int, int, int]]:
    """``(centre pk, year, month)`` of the run's months whose every metric of the run's versions
    is stored from the centre's current mark (one statement): computing them again would give
    the same values, as the metrics of a month depend on the centre's records (audited), its
    staff posts and its registry population only, all in the mark."""
    sources = {item.centre.pk: item.source for item in work}
    wanted = set(months)
    metrics = Q()
    for code, version in run.versions.items():
        metrics |= Q(metric=code, version=version)
    rows = (
        Snapshot.objects.filter(
            metrics,
            centre_id__in=list(sources),
            year__gte=months[0][0],
            year__lte=months[-1][0],
            source__in=sorted(set(sources.values())),
        )
        .values("centre_id", "year", "month", "source")
        .annotate(count=Count("id"))
        .values_list("centre_id", "year", "month", "source", "count")
        .order_by()
    )
    return {
        (centre_id, year, month)
        for centre_id, year, month, source, count in rows
        if source == sources[centre_id] and count == len(run.versions) and (year, month) in wanted
    }


def _snapshot_rows(
    *, run: SnapshotRun, item: _CentreWork, months: Sequence[tuple[int, int]]
) -> list[Snapshot]:
    """The snapshots of ``months`` (in order; the range from the first to the last is computed,
    in a constant number of statements) from the current schema."""
    if not months:
        return []
    centre = item.centre
    computed = centre_months_aggregates(
        first=dt.date(*months[0], 1),
        last=dt.date(*months[-1], 1),
        population=centre.population,
        versions=run.versions,
    )
    return [
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
            source=item.source,
        )
        for (year, month), aggregates in computed.items()
        for code, aggregate in aggregates.items()
    ]


def _progress_update(items: Sequence[_CentreWork], *, months_done: int, finished: bool) -> None:
    """The progress of a step's centres, in one statement."""
    now = timezone.now()
    written = [When(pk=item.progress, then=Value(item.written)) for item in items]
    values: dict[str, Any] = {
        "months_done": months_done,
        "values_written": Case(
            *written, default=F("values_written"), output_field=models.PositiveIntegerField()
        ),
        "last_progress_at": now,
    }
    if finished:
        values.update(status=SnapshotRunCentre.Status.DONE, finished_at=now)
    SnapshotRunCentre.objects.filter(pk__in=[item.progress for item in items]).update(**values)


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


def tables_plan(
    *, run: SnapshotRun, centres: Sequence[Centre], marks: dict[int, int] | None = None
) -> TablesPlan:
    """The reporting tables due for ``centres`` in ``run``: the centres' marks in one statement
    (unless given: centre pk → audit-trail position) and what is stored in another, whatever the
    number of centres."""
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
    if marks is None:
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
    with schema_context(centre.schema_name):
        rows = _centre_table_rows(run=run, centre=centre, plan=plan)
    if rows:
        TableSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["centre", "version", "year", "half"],
            update_fields=[*TABLE_FIELDS, *TABLE_SOURCE_FIELDS],
        )


def _centre_table_rows(
    *,
    run: SnapshotRun,
    centre: Centre,
    plan: TablesPlan,
    dictionary: TablesDictionary | None = None,
) -> list[TableSnapshot]:
    """The due reporting tables of ``centre``, computed in the current schema (its own);
    ``dictionary``: the shared code lists, read once for many centres."""
    mark = plan.marks.get(centre.pk)
    due = plan.due(centre)
    if not due:
        return []
    computed = centre_periods_tables(
        [(first, last) for _year, _half, first, last in due], dictionary
    )
    rows = []
    for (year, half, _first, last), tables in zip(due, computed, strict=True):
        end = reporting_period_bounds(year, half)[1]
        rows.append(
            TableSnapshot(
                centre=centre,
                version=TABLES_VERSION,
                year=year,
                half=half,
                # An expression, so that Django sends the rows as VALUES, not as one array per
                # column (UNNEST): psycopg escapes JSON text inside a text array character by
                # character, which costs more than the upsert itself.
                complete=Value(end < plan.today),
                source_seq=mark,
                source_last=last,
                run=run,
                **_table_snapshot_fields(tables),
            )
        )
    return rows


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
