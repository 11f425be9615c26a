"""Answers about one centre through the ledger of published cells and the linked audit: its
monthly series, its before/after report and its cohort figures, on the API and the pages alike.

Each answer is released by the gate for its audience (``comparisons``, ``before_after``,
``cohort_figures``), then goes through :func:`benchmarking.answers.guard` (the suppression
memory per cell and, for counts, the linked audit against everything the family was shown) and
:func:`benchmarking.answers.record_answer` (every figure into the ledger). Families:

* a centre's own staff: ``own_centre`` / the centre's slug. Everything is recorded; nothing is
  hidden, since they see the records themselves;
* a centre's staff as peers in cohorts: ``peer`` / the centre's slug. They know their own
  centre's figures, so the audit counts those as known;
* a regional coordinator: ``region`` / their voivodeships, the same family as their compare
  and aggregate answers (``answers.family_of``), so a named centre's months, its windows, its
  before/after windows and the national cohort figures are protected together.

Cells are keyed like the aggregate answers: ``metric:<code>:v<version>``, scope ``c:<slug>``
(a named centre) or ``cohort:<code>``, the period (a month, a calendar period or a before/after
window ``2023-04..2024-03``), row ``count`` (the count behind a mean) or ``value``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from benchmarking.answers import (
    centre_scope,
    guard,
    guard_tables,
    metric_table,
    record_answer,
    related_scopes,
)
from benchmarking.batch import AnswerBatch
from benchmarking.before_after import (
    AFTER,
    BEFORE,
    before_after_json,
    before_after_release,
    windows,
)
from benchmarking.cohort_figures import CohortRelease, cohort_release
from benchmarking.cohorts import Cohort
from benchmarking.comparisons import fixed_period, series_release
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import (
    Audience,
    CellStatus,
    DisclosureSettings,
    ReleasedValue,
)
from benchmarking.linked import Key, Relation
from benchmarking.models import PublishedCell
from opsplatform.errors import Conflict, ValidationFailed
from tenants.models import Centre


def own_family(centre: Centre) -> tuple[str, str]:
    """A centre's staff looking at their own centre."""
    return (Audience.OWN_CENTRE.value, centre.slug)


def peer_family(centre: Centre) -> tuple[str, str]:
    """A centre's staff looking at their cohorts."""
    return (Audience.PEER.value, centre.slug)


def _row(definition: MetricDefinition) -> tuple[bool, str]:
    counted = definition.disclosure == DisclosureClass.COUNT
    return counted, "count" if counted else "value"


def _hidden(released: ReleasedValue) -> ReleasedValue:
    if released.value is None:
        return released
    marker = DisclosureSettings.from_django().marker(CellStatus.COMPLEMENTARY)
    return ReleasedValue(None, CellStatus.COMPLEMENTARY, marker, "")


def series_answer(
    *,
    centre: Centre,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
    family: tuple[str, str],
    channel: str = PublishedCell.Channel.API,
) -> list[dict[str, Any]]:
    """One centre's months (as ``comparisons.series``) as ``family`` may see them now,
    recorded in the ledger. Raises Conflict when they cannot be protected."""
    months = series_release(
        centre=centre, definition=definition, first=first, last=last, audience=audience
    )
    counted, row = _row(definition)
    table, scope = metric_table(definition), centre_scope(centre)
    cells: dict[Key, tuple[ReleasedValue, int]] = {
        (table, scope, label, row, "value"): (released, count) for label, released, count in months
    }
    hidden = guard(cells, family=family, counted=counted)
    values = [
        {"period": key[2], **(_hidden(released) if key in hidden else released).as_json()}
        for key, (released, _) in cells.items()
    ]
    record_answer(cells, hidden, counted=counted, family=family, channel=channel, answer=values)
    return values


def before_after_answer(
    *,
    centre: Centre,
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    family: tuple[str, str],
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
    channel: str = PublishedCell.Channel.API,
    batch: AnswerBatch | None = None,
) -> dict[str, Any]:
    """The before/after report (``before_after.before_after``) as ``family`` may see it now,
    recorded in the ledger: each indicator's two windows are cells of the centre's table, a
    window the sum of its months, protected with the months and windows shown before.
    ``batch``: the snapshots and the ledger held for several centres
    (:func:`before_after_answers`)."""
    release = before_after_release(
        centre=centre,
        definitions=definitions,
        audience=audience,
        before_months=before_months,
        after_months=after_months,
        skip_months=skip_months,
        today=today,
        series=batch.series if batch is not None else None,
    )
    scope = centre_scope(centre)
    cells: dict[bool, dict[Key, tuple[ReleasedValue, int]]] = {True: {}, False: {}}
    sides: dict[Key, tuple[str, str]] = {}
    for definition, before, after in release.metrics:
        counted, row = _row(definition)
        windows = [(BEFORE, release.before_period, before)]
        if release.after_period is not None:
            windows.append((AFTER, release.after_period, after))
        for side, period, window in windows:
            key = (metric_table(definition), scope, period, row, "value")
            cells[counted][key] = (window.released, window.count)
            sides[key] = (definition.code, side)
    hidden: set[Key] = set()
    for counted, group in cells.items():
        hidden |= guard(group, family=family, counted=counted, batch=batch)
    report = before_after_json(release, frozenset(sides[key] for key in hidden))
    for counted, group in cells.items():
        record_answer(
            group,
            hidden,
            counted=counted,
            family=family,
            channel=channel,
            answer=report,
            batch=batch,
        )
    return report


def before_after_answers(
    *,
    centres: Sequence[Centre],
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    family: tuple[str, str],
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
    channel: str = PublishedCell.Channel.API,
) -> dict[int, dict[str, Any] | ValidationFailed]:
    """:func:`before_after_answer` of each centre in turn (by pk: the report, or the
    ValidationFailed that says why there is none, e.g. no go-live), in a number of queries that
    does not grow with the number of centres: their snapshots and the family's ledger are read
    once, and the reports recorded in one insert. Each report is protected against the ledger
    and the reports before it, exactly as if they had been asked one after another; a Conflict
    is raised after the reports before it are recorded."""
    spans = [
        windows(
            programme.go_live,
            before_months=before_months,
            after_months=after_months,
            skip_months=skip_months,
            today=today,
        )
        for centre in centres
        if (programme := getattr(centre, "programme", None)) is not None
    ]
    first = min((before[0] for before, _ in spans), default=today)
    last = max((after[1] for _, after in spans), default=today)
    batch = AnswerBatch(family=family, centre_ids=[c.pk for c in centres], first=first, last=last)
    if spans and family[0] != Audience.OWN_CENTRE.value:
        years = {day.year for before, _ in spans for day in before}
        years |= {day.year for _, after in spans if after[1] >= after[0] for day in after}
        tables = {table for d in definitions for table in guard_tables(d, family)}
        counted = any(d.disclosure == DisclosureClass.COUNT for d in definitions)
        named = [centre_scope(centre) for centre in centres]
        batch.hold(
            tables=sorted(tables),
            years=years,
            scopes=(
                related_scopes(batch, tables=sorted(tables), seeds=named) if counted else named
            ),
        )
    reports: dict[int, dict[str, Any] | ValidationFailed] = {}
    try:
        for centre in centres:
            try:
                reports[centre.pk] = before_after_answer(
                    centre=centre,
                    definitions=definitions,
                    audience=audience,
                    family=family,
                    before_months=before_months,
                    after_months=after_months,
                    skip_months=skip_months,
                    today=today,
                    channel=channel,
                    batch=batch,
                )
            except ValidationFailed as error:
                reports[centre.pk] = error
    finally:
        batch.flush()
    return reports


def cohort_answer(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
    family: tuple[str, str],
    channel: str = PublishedCell.Channel.API,
) -> dict[str, Any]:
    """A cohort answer (``cohort_figures.cohort_figures``) as ``family`` may see it now,
    recorded in the ledger.

    The cohort's pooled value is a cell of scope ``cohort:<code>``, the sum of its members'
    counts for COUNT metrics. The linked audit takes the members as unknowns that must stay
    protected (a small count keeps a range of k, any other is not pinned), the viewer's own
    count as known, and every figure the family was shown before, so that two cohorts (say,
    all centres and the reorganised ones) cannot be differenced into one named centre. When
    that would happen the pooled value is hidden. Quartiles and peers are recorded as shown."""
    release = cohort_release(
        cohort=cohort, definition=definition, first=first, last=last, viewer=viewer
    )
    counted, row = _row(definition)
    table = metric_table(definition)
    period = fixed_period(first, last) or f"{first:%Y-%m}..{last:%Y-%m}"
    pooled_key: Key = (table, f"cohort:{cohort.code}", period, row, "value")
    # The family's ledger held for this answer: the cohort's cells, and for counts the scopes
    # its members tie it to (not every cell the family holds), read once; an answer identical
    # to one recorded before writes nothing.
    batch = AnswerBatch(family=family, centre_ids=(), first=first, last=last)
    if family[0] != Audience.OWN_CENTRE.value:
        tables = guard_tables(definition, family)
        seeds = [pooled_key[1]]
        if counted and release.pooled is not None:
            seeds += [f"c:{slug}" for slug in release.member_counts]
        batch.hold(
            tables=tables,
            years={first.year, last.year},
            scopes=related_scopes(batch, tables=tables, seeds=seeds) if counted else seeds,
        )
    try:
        return _cohort_answer(release, pooled_key, viewer=viewer, batch=batch, channel=channel)
    finally:
        batch.flush()


def _cohort_answer(
    release: CohortRelease,
    pooled_key: Key,
    *,
    viewer: Centre | None,
    batch: AnswerBatch,
    channel: str,
) -> dict[str, Any]:
    figures = release.figures
    table, scope, period, row, _ = pooled_key
    counted, family = row == "count", batch.family
    shown: dict[Key, tuple[ReleasedValue, int]] = {}
    hidden: set[Key] = set()
    if release.pooled is not None:
        cells: dict[Key, tuple[ReleasedValue, int]] = {
            pooled_key: (release.pooled, release.pooled_count)
        }
        members: dict[Key, int] = {
            (table, f"c:{slug}", period, row, "value"): count
            for slug, count in release.member_counts.items()
        }
        own: Key | None = (table, f"c:{viewer.slug}", period, row, "value") if viewer else None
        known: dict[Key, int] = {own: members[own]} if own is not None and own in members else {}
        pooled_members: list[Key] = [
            (table, f"c:{slug}", period, row, "value") for slug in release.pooled_members
        ]
        try:
            hidden = guard(
                cells,
                family=family,
                counted=counted,
                known=known,
                watched={key: count for key, count in members.items() if key not in known},
                relations=[Relation.total(pooled_members, pooled_key)] if counted else [],
                batch=batch,
            )
        except Conflict:
            # Earlier answers already narrow a member: this one adds nothing to them.
            hidden = {pooled_key}
        if pooled_key in hidden:
            figures["pooled"] = _hidden(release.pooled).as_json()
        shown |= cells
    values: dict[Key, tuple[ReleasedValue, int]] = {}
    for label, value in zip(("q1", "median", "q3"), figures.get("quartiles", []), strict=False):
        values[(table, scope, period, label, "value")] = (_published(value), 0)
    for peer in figures.get("peers", []):
        key = (table, scope, period, f"peer:{peer['pseudonym']}", "value")
        values[key] = (_published(peer["value"]), 0)
    record_answer(
        shown,
        hidden,
        counted=counted,
        family=family,
        channel=channel,
        answer=figures,
        batch=batch,
    )
    record_answer(
        values, set(), counted=False, family=family, channel=channel, answer=figures, batch=batch
    )
    return figures


def _published(value: str) -> ReleasedValue:
    return ReleasedValue(Decimal(value), CellStatus.PUBLISHED, None, "")
