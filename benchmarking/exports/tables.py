"""The value tables of an export: care services (counts and sums of hours) and the reorganisation
indicators, and the indicators hidden by the linked protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.utils import timezone

from benchmarking.comparisons import release
from benchmarking.definitions import DisclosureClass, current_definitions
from benchmarking.disclosure import (
    REASON_SUPPRESSED,
    SUPPRESSED_MARKER,
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    DisclosureSettings,
    ReleasedValue,
    ReleasedValueTable,
    Subject,
    release_value,
)
from benchmarking.exports.parameters import (
    NATIONAL,
    TABLES,
    ExportParameters,
    area_groups,
)
from benchmarking.exports.sums import Sums
from benchmarking.selectors import (
    WHOLE,
    Figure,
    pool,
    pooled_by_area,
    top_two_share_bound,
)
from benchmarking.services import reporting_period_bounds
from tenants.models import Centre

# Sums of hours are shown to a tenth of an hour; the linked audit holds them in tenths.
HOURS_SCALE = 10
HOURS_ROWS = ("hours_planned", "hours_delivered")


def services_units(sums: Sums) -> dict[tuple[str, str], int]:
    """The cells of the services table as the linked audit holds them: the count of
    households, and each sum of hours in whole tenths of the value the table would show."""
    planned = sum((Decimal(s["hours_planned"]) for s in sums.services), Decimal(0))
    delivered = sum((Decimal(s["hours_delivered"]) for s in sums.services), Decimal(0))
    return {
        ("households", "scope"): sum(int(s["households"]) for s in sums.services),
        ("hours_planned", "scope"): hours_units(planned),
        ("hours_delivered", "scope"): hours_units(delivered),
    }


def hours_units(hours: Decimal | int | float) -> int:
    """A sum of hours as shown (to a tenth), in whole tenths."""
    shown = Decimal(str(hours)).quantize(Decimal("0.1"))
    return int(shown * HOURS_SCALE)


def services_table(sums: Sums, label: str) -> ReleasedValueTable:
    households = sum(int(s["households"]) for s in sums.services)
    planned = sum((Decimal(s["hours_planned"]) for s in sums.services), Decimal(0))
    delivered_parts = [
        Figure(Decimal(s["hours_delivered"]), None, Decimal(s["hours_delivered"]), 0,
               tuple(s["top_shares"]))
        for s in sums.services
    ]  # fmt: skip
    delivered = sum((f.numerator for f in delivered_parts), Decimal(0))
    top = top_two_share_bound(delivered_parts)

    def magnitude(value: Decimal, shares: tuple[float, ...]) -> ReleasedValue:
        return release_value(
            disclosure=DisclosureClass.MAGNITUDE,
            subject=Subject.CLIENTS,
            value=value.quantize(Decimal("0.1")),
            numerator=value,
            denominator=None,
            n=households,
            top_shares=shares,
            audience=Audience.MINISTRY,
        )

    cells = {
        ("households", "scope"): release_value(
            disclosure=DisclosureClass.COUNT,
            subject=Subject.CLIENTS,
            value=Decimal(households),
            numerator=Decimal(households),
            denominator=None,
            n=households,
            top_shares=(),
            audience=Audience.MINISTRY,
        ),
        ("hours_planned", "scope"): magnitude(planned, ()),
        ("hours_delivered", "scope"): magnitude(delivered, top),
    }
    return ReleasedValueTable(
        code="services",
        title_pl=TABLES["services"],
        title_en="Care services",
        rows=(
            ("households", "Gospodarstwa korzystające z usług"),
            ("hours_planned", "Godziny usług zaplanowane"),
            ("hours_delivered", "Godziny usług zrealizowane"),
        ),
        columns=(("scope", label),),
        cells=cells,
        row_units={
            "households": "gospodarstwa",
            "hours_planned": "godz.",
            "hours_delivered": "godz.",
        },
    )


def indicators_table(
    parameters: ExportParameters,
    centres: Sequence[Centre],
    label: str,
    disclosure: DisclosureSettings,
) -> tuple[ReleasedValueTable, dict[tuple[str, str], tuple[int, bool]]]:
    """The indicators over the period for the scope and, nationally, for voivodeship groups of
    at least ``min_centres`` centres. Also returns each count indicator's underlying count (mean
    × months) and whether it is hidden, for the linked audit.

    Each area's months are pooled over its centres by PostgreSQL, with what the centre-level
    rules read of its centres (``selectors.pooled_by_area``): the same statements and rows
    whatever the number of centres."""
    first, last = reporting_period_bounds(parameters.year, parameters.half)
    last = min(last, timezone.localdate())
    definitions = current_definitions()
    areas: list[tuple[str, str, list[Centre]]] = []
    if parameters.scope == NATIONAL:
        areas = area_groups(centres, disclosure)
    groups = {key: sorted({c.voivodeship for c in members}) for key, _, members in areas}
    areas.append(("scope", label, list(centres)))
    cells: dict[tuple[str, str], ReleasedValue] = {}
    counts: dict[tuple[str, str], tuple[int, bool]] = {}
    for definition in definitions:
        pooled = pooled_by_area(
            definition=definition,
            first=first,
            last=last,
            voivodeship=None if parameters.scope == NATIONAL else parameters.scope,
            areas=groups,
        )
        for key, _, _ in areas:
            area = pooled[WHOLE if key == "scope" else key]
            figures = [figure for _, figure in area.months if figure is not None]
            window = pool(definition, figures, over="months") if figures else None
            released = release(definition, window, Audience.MINISTRY, centres=area.centres)
            cells[(definition.code, key)] = released
            if definition.disclosure == DisclosureClass.COUNT and window is not None:
                counts[(definition.code, key)] = (
                    int(window.numerator),
                    released.status in SUPPRESSED_STATUSES,
                )
        if definition.disclosure != DisclosureClass.COUNT and len(areas) > 1:
            # A rate, share or median of the scope is a mean of its columns' weighted by bases
            # the reader does not see: beside one hidden column it would bound that column
            # from one side, or pin it when every other column equals it (as a window beside
            # one hidden month, ``comparisons._beside_one_hidden_month``). Counts are in the
            # linked audit instead.
            columns = [cells[(definition.code, key)] for key, _, _ in areas[:-1]]
            hidden = [c for c in columns if c.status in SUPPRESSED_STATUSES]
            scope = (definition.code, "scope")
            if len(hidden) == 1 and cells[scope].value is not None:
                cells[scope] = ReleasedValue(
                    None, CellStatus.COMPLEMENTARY, SUPPRESSED_MARKER, REASON_SUPPRESSED
                )
    table = ReleasedValueTable(
        code="indicators",
        title_pl=TABLES["indicators"],
        title_en="Reorganisation indicators",
        rows=tuple((d.code, d.name_pl) for d in definitions),
        columns=tuple((key, name) for key, name, _ in areas),
        cells=cells,
        row_units={
            d.code: f"{d.unit}, średnio w miesiącu"
            if d.disclosure == DisclosureClass.COUNT
            else d.unit
            for d in definitions
        },
    )
    return table, counts


# A rate printed beside the counts or sums it is computed from, in the same scope and period:
# (indicator, its sources as (table, row), all in the table's "scope" column). Shown beside a
# hidden source and the other sources shown, the rate gives the hidden one back
# (achieved = share × (completed + broken); delivered = share × planned).
RATIO_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "contracts_achieved": (
        ("contracts", "achieved"),
        ("contracts", "completed"),
        ("contracts", "broken"),
    ),
    "service_hours_delivered_share": (
        ("services", "hours_delivered"),
        ("services", "hours_planned"),
    ),
}


def rates_to_hide(
    hidden: Mapping[str, Iterable[tuple[str, str]]],
) -> set[tuple[str, str]]:
    """Indicator cells to hide because one of their sources is hidden, in this release or in
    any earlier release of the same scope and period (``hidden``: table → hidden cells)."""
    out: set[tuple[str, str]] = set()
    for rate, sources in RATIO_SOURCES.items():
        if any((row, "scope") in set(hidden.get(table, ())) for table, row in sources):
            out.add((rate, "scope"))
    return out


def sources_to_hide(
    shown_rates: Iterable[tuple[str, str]],
    hidden: Mapping[str, Iterable[tuple[str, str]]],
    present: Iterable[str],
) -> dict[str, set[tuple[str, str]]]:
    """The other way round: a rate already published (earlier, or in this release) whose source
    is hidden now while the rest are shown. Then every source of that rate in this release is
    hidden, so that no source can be worked out from the rate and the others."""
    out: dict[str, set[tuple[str, str]]] = {}
    tables = set(present)
    for rate, sources in RATIO_SOURCES.items():
        if (rate, "scope") not in set(shown_rates):
            continue
        if not any((row, "scope") in set(hidden.get(table, ())) for table, row in sources):
            continue
        for table, row in sources:
            if table in tables:
                out.setdefault(table, set()).add((row, "scope"))
    return out


def hide_values(table: ReleasedValueTable, hidden: Iterable[tuple[str, str]]) -> ReleasedValueTable:
    """A value table with these cells hidden as well (the linked suppression, the memory of
    earlier releases, a rate beside a hidden count)."""
    hidden = set(hidden)
    if not hidden & {cell for cell, value in table.cells.items() if value.value is not None}:
        return table
    cells = {
        cell: ReleasedValue(None, CellStatus.COMPLEMENTARY, SUPPRESSED_MARKER, REASON_SUPPRESSED)
        if cell in hidden and value.value is not None
        else value
        for cell, value in table.cells.items()
    }
    return ReleasedValueTable(
        code=table.code,
        title_pl=table.title_pl,
        title_en=table.title_en,
        rows=table.rows,
        columns=table.columns,
        cells=cells,
        row_units=table.row_units,
    )
