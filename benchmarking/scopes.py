"""Aggregates of sets of centres (a coordinator's named centre, a voivodeship, the country): each
month pooled over the centres and the window pooled over the months, through the gate.

:func:`scope_releases` reads the snapshots of every scope asked for in one query, so a
coordinator's centres side by side cost as many queries as one centre (issue 13). Nothing here
records what it releases: callers that publish go through ``benchmarking.answers``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import (
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedValue,
    TableSpec,
    protect_table,
    scope_refusal,
)
from benchmarking.releases import centre_contributions, release
from benchmarking.selectors import (
    Figure,
    Period,
    centre_series,
    month_range,
    period_key,
    pool_scope,
)
from opsplatform.errors import ValidationFailed
from tenants.models import Centre


@dataclass(frozen=True)
class ScopeRelease:
    """An aggregate of a set of centres as it leaves the gate, before it is shown: each month
    and the window as released values, with the counts behind them (for COUNT metrics the
    summed numerators, which the ledger and the linked audit work with; 0 otherwise)."""

    metric: str
    version: int
    centres: int
    months: list[tuple[str, ReleasedValue, int]]
    window: tuple[ReleasedValue, int]


def scope_figures(
    *,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience = Audience.MINISTRY,
    named: bool = False,
) -> dict[str, Any]:
    """:func:`scope_release` as outputs carry it (nothing recorded in the ledger: callers that
    publish go through ``benchmarking.answers``)."""
    return scope_json(
        scope_release(
            centres=centres,
            definition=definition,
            first=first,
            last=last,
            audience=audience,
            named=named,
        )
    )


def scope_json(release: ScopeRelease, hide: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The answer's figures; values whose period label is in ``hide`` are shown as hidden (the
    linked audit or the suppression memory decided so)."""
    settings_ = DisclosureSettings.from_django()

    def shown_value(label: str, released: ReleasedValue) -> dict[str, object]:
        if label in hide and released.value is not None:
            released = ReleasedValue(
                None, CellStatus.COMPLEMENTARY, settings_.marker(CellStatus.COMPLEMENTARY), ""
            )
        return released.as_json()

    return {
        "metric": release.metric,
        "version": release.version,
        "centres": release.centres,
        "monthly": [
            {"period": label, **shown_value(label, released)}
            for label, released, _ in release.months
        ],
        "window": shown_value(WINDOW_LABEL, release.window[0]),
    }


WINDOW_LABEL = "window"


def scope_release(
    *,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience = Audience.MINISTRY,
    named: bool = False,
) -> ScopeRelease:
    """An aggregate of a set of centres (a voivodeship or the country): monthly values pooled
    over the centres, and the window pooled over months, through the gate.

    Unless ``named`` (a coordinator's own named centre), the scope must hold at least
    ``min_centres`` centres (else ValidationFailed on ``scope``), and every figure passes the
    centre-level rules: at least ``min_centres`` contributing centres and the p % rule. For
    counts the months and the window are one additive line (the window's count is the sum of
    the months'), protected together, so that a hidden month cannot be worked out as the window
    minus the shown months.
    """
    return scope_releases(
        scopes=[centres],
        definition=definition,
        first=first,
        last=last,
        audience=audience,
        named=named,
    )[0]


def scope_releases(
    *,
    scopes: Sequence[Sequence[Centre]],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience = Audience.MINISTRY,
    named: bool = False,
) -> list[ScopeRelease]:
    """:func:`scope_release` of each set of centres in ``scopes`` (e.g. a coordinator's named
    centres, one set each), from one read of the snapshots of all of them."""
    settings_ = DisclosureSettings.from_django()
    for centres in scopes:
        if not named and (refusal := scope_refusal(len(centres), settings_)):
            raise ValidationFailed(fields={"scope": [refusal]}, code="too_few_centres")
    by_centre = centre_series(
        centre_ids=sorted({c.pk for centres in scopes for c in centres}),
        definition=definition,
        first=first,
        last=last,
    )
    return [
        _release_scope(centres, by_centre, definition, first, last, audience, named, settings_)
        for centres in scopes
    ]


def _release_scope(
    centres: Sequence[Centre],
    by_centre: Mapping[int, Mapping[Period, Figure]],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
    named: bool,
    settings_: DisclosureSettings,
) -> ScopeRelease:
    periods = month_range(first, last)
    months, window = pool_scope(definition, by_centre, centres, periods)
    monthly_released = [
        release(
            definition,
            figure,
            audience,
            centres=None if named else centre_contributions(definition, by_centre, centres, [p]),
        )
        for p, figure in months
    ]
    window_released = release(
        definition,
        window,
        audience,
        centres=None if named else centre_contributions(definition, by_centre, centres, periods),
    )
    if definition.disclosure == DisclosureClass.COUNT and audience != Audience.OWN_CENTRE:
        monthly_released, window_released = _protect_months(
            months, window, monthly_released, window_released, settings_
        )
    counted = definition.disclosure == DisclosureClass.COUNT

    def count(figure: Figure | None) -> int:
        return int(figure.numerator) if counted and figure is not None else 0

    return ScopeRelease(
        metric=definition.code,
        version=definition.version,
        centres=len(centres),
        months=[
            (period_key(period), released, count(figure))
            for (period, figure), released in zip(months, monthly_released, strict=True)
        ],
        window=(window_released, count(window)),
    )


def _protect_months(
    months: Sequence[tuple[Period, Figure | None]],
    window: Figure | None,
    monthly: list[ReleasedValue],
    window_value: ReleasedValue,
    settings_: DisclosureSettings,
) -> tuple[list[ReleasedValue], ReleasedValue]:
    """Months and their window as one line of a table (months → total) through
    ``protect_table``: a hidden month is never the only hidden cell of the line, and the line's
    audit leaves each hidden month a protection interval of at least k."""
    if window is None:
        return monthly, window_value
    columns = tuple((period_key(p), period_key(p)) for p, _ in months)
    spec = TableSpec(
        code="months",
        title_pl="miesiące",
        title_en="months",
        rows=(("value", "value"),),
        columns=columns,
        total_column=("window", "okres"),
    )
    counts = {("value", period_key(p)): int(f.numerator) if f else 0 for p, f in months}
    counts[("value", "window")] = sum(counts.values())
    forced = {
        ("value", period_key(p))
        for (p, _), released in zip(months, monthly, strict=True)
        if released.status in SUPPRESSED_STATUSES
    }
    if window_value.status in SUPPRESSED_STATUSES:
        forced.add(("value", "window"))
    try:
        table = protect_table(
            CountTable(spec, counts), settings=settings_, dominated=frozenset(forced)
        )
    except ValueError:
        table = None
    hidden = {cell for cell, c in table.cells.items() if c.value is None} if table else set(counts)

    def hide(released: ReleasedValue, cell: tuple[str, str]) -> ReleasedValue:
        if cell in hidden and released.value is not None:
            return ReleasedValue(
                None, CellStatus.COMPLEMENTARY, settings_.marker(CellStatus.COMPLEMENTARY), ""
            )
        return released

    return (
        [
            hide(released, ("value", period_key(p)))
            for (p, _), released in zip(months, monthly, strict=True)
        ],
        hide(window_value, ("value", "window")),
    )
