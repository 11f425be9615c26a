"""An export among everything already published to the ministry: the per-cell suppression memory
from the ledger, the centre-level rules per cell, the public relations linking releases, the
linked protection and the record of every released cell."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from benchmarking import ledger
from benchmarking.answers import (
    answer_relations,
    indicator_sums,
    metric_table,
    platform_voivodeships,
    twin_relations,
    without_free_totals,
)
from benchmarking.definitions import DisclosureClass, MetricDefinition, current_definitions
from benchmarking.disclosure import (
    SUPPRESSED_MARKER,
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    CentreParts,
    CountTable,
    DisclosureSettings,
    ReleasedTable,
    ReleasedValueTable,
    centre_rule,
    release_with_pattern,
)
from benchmarking.exports.parameters import (
    NATIONAL,
    TABLES,
    TOTAL,
    ExportParameters,
)
from benchmarking.exports.tables import HOURS_ROWS, RATIO_SOURCES, hours_units
from benchmarking.linked import (
    Constraint,
    Family,
    Key,
    Ratio,
    Relation,
    Unprotectable,
    protect_corrected,
)
from benchmarking.models import (
    ExportJob,
    PublishedCell,
)
from casework.metrics_tables import FORM_ANY
from opsplatform.errors import Conflict


def previous_pattern(parameters: ExportParameters) -> dict[str, frozenset[tuple[str, str]]]:
    """Every cell of this scope and period hidden in any earlier exact release, per cell (from
    the ledger of published cells, not the latest job): hidden again, so patterns stay stable
    and releases cannot be differenced. Noisy releases start afresh: their pattern must not
    follow an exact release's."""
    if parameters.dp_rho is not None:
        return {}
    _, hidden, _ = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=list(TABLES),
        periods=[parameters.period_label],
        scope=parameters.scope,
    )
    pattern: dict[str, set[tuple[str, str]]] = {}
    for table, _scope, _period, row, column in hidden:
        pattern.setdefault(table, set()).add((row, column))
    return {table: frozenset(cells) for table, cells in pattern.items()}


def published_rates(parameters: ExportParameters) -> set[tuple[str, str]]:
    """The indicator cells of this scope and period already published to the ministry."""
    published, _, _ = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=["indicators"],
        periods=[parameters.period_label],
        scope=parameters.scope,
    )
    return {(row, column) for _table, _scope, _period, row, column in published}


def dominated_cells(
    parts: Mapping[tuple[str, str], CentreParts],
    cells: Iterable[tuple[str, str]],
    disclosure: DisclosureSettings,
) -> frozenset[tuple[str, str]]:
    """Cells that fail the centre-level rules: fewer than ``min_centres`` centres contribute,
    or the p % rule fails (see ``disclosure.centre_rule``). ``parts``: what the rules read of
    each cell's contributions (``exports.sums.Sums.parts``; a cell missing has none)."""
    nothing = CentreParts(0, 0.0, 0.0)
    return frozenset(cell for cell in cells if centre_rule(parts.get(cell, nothing), disclosure))


ADDITIVE_CONTRACTS = ("signed", "completed", "achieved", "broken")


def family_relations(keys: Iterable[Key], voivodeships: Sequence[str]) -> list[Relation]:
    """The public structure linking the cells of the ministry's exports (see ``linked``)."""
    keys = list(keys)  # read twice: here and by indicator_sums
    by_table: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    for table, scope, period, row, column in keys:
        by_table.setdefault((table, scope, period), set()).add((row, column))
    relations: list[Relation] = []
    total = TOTAL[0]
    scopes_by = {(t, p) for t, _, p in by_table}
    for (table, scope, period), cells in by_table.items():
        rows = {r for r, _ in cells}
        columns = {c for _, c in cells}
        if table in ("households", "persons", "areas"):
            for column in columns:
                parts = [(table, scope, period, r, column) for r in rows if r != total]
                if (total, column) in cells and parts:
                    relations.append(Relation.total(parts, (table, scope, period, total, column)))
        if table in ("households", "persons"):
            for row in rows:
                any_key = (table, scope, period, row, FORM_ANY)
                forms = [(table, scope, period, row, c) for c in columns if c != FORM_ANY]
                if (row, FORM_ANY) in cells and forms:
                    relations.extend(Relation.at_most(form, any_key) for form in forms)
                    relations.append(Relation.at_most_sum(any_key, forms))
            if table == "households" and ("persons", scope, period) in by_table:
                relations.extend(
                    Relation.at_most(
                        ("households", scope, period, r, c), ("persons", scope, period, r, c)
                    )
                    for r, c in cells & by_table[("persons", scope, period)]
                )
        if table == "areas":
            for column in columns:
                relations.append(
                    Relation(
                        (
                            ((table, scope, period, total, column), 1),
                            (("households", scope, period, total, column), -1),
                        )
                    )
                )
        if table == "contracts" and {("achieved", "scope"), ("completed", "scope")} <= cells:
            relations.append(
                Relation.at_most(
                    (table, scope, period, "achieved", "scope"),
                    (table, scope, period, "completed", "scope"),
                )
            )
    # Half-years and their year.
    counted_indicators = {
        d.code for d in current_definitions() if d.disclosure == DisclosureClass.COUNT
    }
    # A COUNT indicator of the country's export is the sum of its columns (the answers' audit
    # knows it too).
    relations.extend(indicator_sums(keys))
    for (table, scope, period), cells in by_table.items():
        if "-" in period or table == "services":  # services: _services_relations
            continue
        halves = [f"{period}-H1", f"{period}-H2"]
        if not any((table, scope, h) in by_table for h in halves):
            continue
        for row, column in cells:
            year_key = (table, scope, period, row, column)
            half_keys = [(table, scope, h, row, column) for h in halves]
            if table == "indicators":
                # A COUNT indicator is held as its count (a sum of months): the year is the sum
                # of its halves. Rates, medians and sums of hours are not counts.
                if row in counted_indicators:
                    relations.append(Relation.total(half_keys, year_key))
                continue
            if table == "contracts" and row in ADDITIVE_CONTRACTS:
                relations.append(Relation.total(half_keys, year_key))
            else:
                relations.extend(Relation.at_most(h, year_key) for h in half_keys)
                relations.append(Relation.at_most_sum(year_key, half_keys))
    # Care services: households are distinct within a scope and period (a year's are at least
    # either half's and at most both), sums of hours add up over half-years and voivodeships
    # within the rounding of each value shown to a tenth (held in tenths).
    relations.extend(_services_relations(by_table, voivodeships))
    # The country and its voivodeships.
    for table, period in scopes_by:
        if table not in ("households", "persons", "contracts"):
            continue
        if not any((table, v, period) in by_table for v in voivodeships):
            continue
        for row, column in by_table.get((table, NATIONAL, period), set()):
            relations.append(
                Relation.total(
                    [(table, v, period, row, column) for v in voivodeships],
                    (table, NATIONAL, period, row, column),
                )
            )
    return relations


def _services_relations(
    by_table: Mapping[tuple[str, str, str], set[tuple[str, str]]], voivodeships: Sequence[str]
) -> list[Relation]:
    """The public structure of the services tables (see :func:`family_relations`)."""
    relations: list[Relation] = []
    for (table, scope, period), cells in sorted(by_table.items()):
        if table != "services":
            continue
        rows = {row for row, column in cells if column == "scope"}
        if "-" not in period:  # a year and its halves
            halves = [f"{period}-H1", f"{period}-H2"]
            for row in sorted(rows):
                year_key = (table, scope, period, row, "scope")
                half_keys = [(table, scope, h, row, "scope") for h in halves]
                if row in HOURS_ROWS:
                    relations.extend(Relation.near_total(half_keys, year_key, slack=1))
                else:
                    relations.extend(Relation.at_most(h, year_key) for h in half_keys)
                    relations.append(Relation.at_most_sum(year_key, half_keys))
        if scope == NATIONAL and any((table, v, period) in by_table for v in voivodeships):
            for row in sorted(rows):
                parts = [(table, v, period, row, "scope") for v in voivodeships]
                total = (table, scope, period, row, "scope")
                if row in HOURS_ROWS:
                    slack = (len(parts) + 1) // 2
                    relations.extend(Relation.near_total(parts, total, slack=slack))
                else:
                    relations.append(Relation.total(parts, total))
    return relations


def rate_counts() -> dict[str, tuple[MetricDefinition, str, tuple[str, ...], tuple[str, ...]]]:
    """The rates whose numerator and denominator are cells of a count table of the exports:
    code → (definition, table, numerator rows, denominator rows), from ``RATIO_SOURCES`` (the
    first source is the numerator, the others the denominator)."""
    definitions = {d.code: d for d in current_definitions() if d.disclosure == DisclosureClass.RATE}
    out: dict[str, tuple[MetricDefinition, str, tuple[str, ...], tuple[str, ...]]] = {}
    for code, sources in RATIO_SOURCES.items():
        tables = {table for table, _ in sources}
        if code not in definitions or tables != {"contracts"}:
            continue  # sums of hours are magnitudes, not counts of the family
        rows = tuple(row for _, row in sources)
        out[code] = (definitions[code], "contracts", rows[:1], rows[1:])
    return out


def _ratio(definition: MetricDefinition, value: Key, numerator: Sequence[Key],
           denominator: Sequence[Key]) -> Ratio:  # fmt: skip
    """A rate as shown (``comparisons.shown``): shares in per cent with one decimal, other
    ratios with two."""
    share = definition.unit == "%"
    return Ratio(value, tuple(numerator), tuple(denominator), scale=100 if share else 1,
                 decimals=1 if share else 2)  # fmt: skip


def rate_relations(keys: Iterable[Key], voivodeships: Sequence[str]) -> list[Ratio]:
    """A rate published beside the counts it is computed from binds them (``linked.Ratio``):
    for every scope and period with a count table cell of a rate's numerator, the rate of the
    aggregate answers (``metric:<code>:v<version>``, row and column ``value``), the rate of an
    export's indicators of that scope (column ``scope``) and, in the country's export, of a
    voivodeship (its column)."""
    rates = rate_counts()
    places: set[tuple[str, str, str]] = set()  # (code, scope, period) with counts in the family
    for table, scope, period, row, _column in keys:
        for code, (_definition, source, numerator, _denominator) in rates.items():
            if table == source and row in numerator:
                places.add((code, scope, period))
    out: list[Ratio] = []
    for code, scope, period in sorted(places):
        definition, source, numerator, denominator = rates[code]
        parts = (
            [(source, scope, period, row, "scope") for row in numerator],
            [(source, scope, period, row, "scope") for row in denominator],
        )
        values: list[Key] = [
            (metric_table(definition), scope, period, "value", "value"),
            ("indicators", scope, period, code, "scope"),
        ]
        if scope in voivodeships:
            values.append(("indicators", NATIONAL, period, code, scope))
        out.extend(_ratio(definition, value, *parts) for value in values)
    return out


def hours_protection(units: int, disclosure: DisclosureSettings) -> int:
    """The protection interval, in tenths, of a hidden sum of hours of ``units`` tenths: p % of
    it (``centre_p_percent``), at least k tenths."""
    return max(disclosure.k, math.ceil(units * disclosure.centre_p_percent / 100))


def _as_held(key: Key, value: Decimal | int, ratios: Mapping[Key, Ratio]) -> int:
    """A published value as the family holds it: a rate in units of its last shown place, a
    sum of hours in tenths."""
    ratio = ratios.get(key)
    if ratio is not None:
        return ratio.units(value)
    if key[0] == "services" and key[3] in HOURS_ROWS:
        return hours_units(value)
    return int(value)


# COUNT indicators whose count is a count table's cell: (indicator, table, row).
INDICATOR_COUNTS = (("contracts_signed", "contracts", "signed"),)


def indicator_relations(keys: Iterable[Key], voivodeships: Sequence[str]) -> list[Relation]:
    """A COUNT indicator of an export (a mean per month, held as its count) is the count of the
    same thing in a count table: the export's own scope (column ``scope``) and, in the
    country's export, a voivodeship's column is that voivodeship's table."""
    known = set(keys)
    out: list[Relation] = []
    for table, scope, period, row, column in sorted(known):
        if table != "indicators":
            continue
        for metric, source, source_row in INDICATOR_COUNTS:
            if row != metric or (column != "scope" and column not in voivodeships):
                continue
            counted = scope if column == "scope" else column
            if scope != NATIONAL and column != "scope":
                continue
            other = (source, counted, period, source_row, "scope")
            out.append(Relation((((table, scope, period, row, column), 1), (other, -1))))
    return out


def protect_linked(
    parameters: ExportParameters,
    tables: Mapping[str, tuple[CountTable, ReleasedTable]],
    indicator_counts: Mapping[tuple[str, str], tuple[int, bool]],
    disclosure: DisclosureSettings,
    indicator_rates: Mapping[tuple[str, str], Decimal | None] | None = None,
    services: Mapping[tuple[str, str], tuple[int, CellStatus]] | None = None,
) -> tuple[dict[str, ReleasedTable], dict[str, set[tuple[str, str]]]]:
    """Protect the exact count tables of an export together with every related release already
    in the ledger: the same and the other half-years of the year, the country and the
    voivodeships, the indicators beside the counts (a COUNT indicator by its count, a rate by
    the bounds it puts on its numerator and denominator, ``rate_relations``), and the
    ministry's aggregate answers of the same counts and rates. ``indicator_rates``: the rate
    indicators of this export ((row, column) → the value shown, None when hidden).
    ``services``: the services table of this export ((row, column) → its value as held,
    ``tables.services_units``, and its status): the count of households and the sums of hours
    (in tenths), linked to the other voivodeships, the country and the other half-years within
    their rounding. Returns the tables with the family's pattern, and the cells of the value
    tables (indicators, services) that must be hidden as well. Raises Conflict if the export
    cannot be protected against what is already out."""
    scope, period = parameters.scope, parameters.period_label
    current: dict[Key, int] = {}
    sensitive: set[Key] = set()
    start: set[Key] = set()
    totals: set[Key] = set()
    for name, (table, released) in tables.items():
        for cell, count in table.counts.items():
            key = (name, scope, period, *cell)
            current[key] = count
            status = released.cells[cell].status
            if status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
                sensitive.add(key)
            if released.cells[cell].value is None:
                start.add(key)
            if cell[0] == TOTAL[0] or cell[1] == FORM_ANY:
                totals.add(key)
    for (metric, column), (count, hidden) in indicator_counts.items():
        key = ("indicators", scope, period, metric, column)
        current[key] = count
        if hidden:
            sensitive.add(key)
            start.add(key)
    required: dict[Key, int] = {}
    for (row, column), (units, status) in (services or {}).items():
        if status == CellStatus.EMPTY:
            continue
        key = ("services", scope, period, row, column)
        current[key] = units
        if status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
            sensitive.add(key)
            if row in HOURS_ROWS:
                # A sum of hours is a magnitude: hidden, it must stay uncertain by p % of itself
                # (the p % rule's protection), not by k tenths of an hour.
                required[key] = hours_protection(units, disclosure)
        if status in SUPPRESSED_STATUSES:
            start.add(key)
    # The ministry's aggregate answers of the COUNT indicators hold the same counts (and their
    # months), those of the rates bind the counts they come from: they are one family with the
    # exports.
    answers = [
        metric_table(d) for d in current_definitions() if d.disclosure == DisclosureClass.COUNT
    ]
    rate_answers = [metric_table(definition) for definition, *_ in rate_counts().values()]
    services_tables = ["services"] if services else []
    published_before, hidden_before, sensitive_before = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=[*tables, "indicators", *services_tables, *answers, *rate_answers],
        periods=ledger.periods_of_year(parameters.year),
    )
    voivodeships = platform_voivodeships()
    counted_keys = [*current, *published_before, *hidden_before]
    ratios = {ratio.value: ratio for ratio in rate_relations(counted_keys, voivodeships)}
    # The rates of this export: a shown one is held in units of its last place; a hidden one
    # tells nothing (its value is never used) and stays hidden.
    for (metric, column), shown in (indicator_rates or {}).items():
        key = ("indicators", scope, period, metric, column)
        if key not in ratios:
            continue
        current[key] = 0 if shown is None else ratios[key].units(shown)
        if shown is None:
            start.add(key)
    before = {
        key: _as_held(key, value, ratios)
        for key, value in published_before.items()
        if key not in current and (key[0] not in rate_answers or key in ratios)
    }
    everything = [*current, *before, *hidden_before]
    relations: list[Constraint] = [
        *family_relations(everything, voivodeships),
        *answer_relations([key for key in everything if key[0] in answers]),
        *twin_relations(everything),
        *ratios.values(),
    ]
    # An indicator count beside the same count in a table: its mean × months is that count.
    relations.extend(
        relation
        for relation in indicator_relations(everything, voivodeships)
        if len({current[key] for key in relation.cells() if key in current}) < 2
    )
    # A sum whose total is in no release, earlier or now, nor in any other relation says nothing
    # of its parts (as in the answers' audit): left out. A ratio's cells count as known.
    relations = [
        *without_free_totals(
            [r for r in relations if isinstance(r, Relation)],
            known={
                *current,
                *published_before,
                *hidden_before,
                *sensitive_before,
                *(key for r in relations if isinstance(r, Ratio) for key in r.cells()),
            },
        ),
        *(r for r in relations if isinstance(r, Ratio)),
    ]
    family = Family(
        current=current,
        relations=relations,
        sensitive=sensitive | (sensitive_before - set(current)),
        published_before=before,
        hidden_before=hidden_before | start,
        totals=totals,
        required=required,
    )
    earlier = {
        key: _as_held(key, value, ratios)
        for key, value in published_before.items()
        if key[0] not in rate_answers or key in ratios
    }
    try:
        suppressed = protect_corrected(family, k=disclosure.k, earlier=earlier)
    except Unprotectable as error:
        raise Conflict(error.message, code="release_unprotectable") from None
    except ValueError:
        raise Conflict(
            _(
                "Tego zestawienia nie da się wydać: dane tego okresu zmieniły się od "
                "poprzedniego wydania, a nowe wartości obok starych pozwoliłyby odtworzyć ukryte "
                "liczby."
            ),
            code="release_unprotectable",
        ) from None
    out: dict[str, ReleasedTable] = {}
    for name, (table, released) in tables.items():
        pattern = {(k[3], k[4]) for k in suppressed if k[0] == name}
        out[name] = release_with_pattern(table, released, pattern)
    hidden_values: dict[str, set[tuple[str, str]]] = {}
    for hidden_key in suppressed:
        if hidden_key[0] in ("indicators", "services"):
            hidden_values.setdefault(hidden_key[0], set()).add((hidden_key[3], hidden_key[4]))
    return out, hidden_values


def record_release(
    job: ExportJob,
    parameters: ExportParameters,
    released: Sequence[Any],
    indicator_counts: Mapping[tuple[str, str], tuple[int, bool]] | None = None,
) -> None:
    """Every cell of the export into the ledger of published cells. A COUNT indicator (a mean
    of counts) is recorded by its count: that is what it gives away, and what the linked audit
    works with."""
    counts = indicator_counts or {}
    cells: list[ledger.LedgerCell] = []
    for table in released:
        code = table.code if isinstance(table, ReleasedValueTable) else table.spec.code
        for (row, column), cell in table.cells.items():
            value = cell.value
            if code == "indicators" and value is not None and (row, column) in counts:
                value = counts[(row, column)][0]
            cells.append(
                ledger.LedgerCell(
                    table=table.code if isinstance(table, ReleasedValueTable) else table.spec.code,
                    scope=parameters.scope,
                    period=parameters.period_label,
                    row=row,
                    column=column,
                    value=value,
                    hidden=cell.status in SUPPRESSED_STATUSES,
                    marker=cell.marker or "",
                    sensitive=cell.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE),
                )
            )
    if parameters.dp_rho is None:
        cells.extend(rates_withheld(parameters, cells))
    ledger.record(
        cells,
        audience=Audience.MINISTRY.value,
        channel=PublishedCell.Channel.EXPORT,
        release=str(job.public_id),
        exact=parameters.dp_rho is None,
    )


def rates_withheld(
    parameters: ExportParameters, cells: Sequence[ledger.LedgerCell]
) -> list[ledger.LedgerCell]:
    """The rates of the aggregate answers this export withholds in advance: a rate whose
    numerator or denominator the export hides (``rate_counts``) would, answered later for the
    same scope and period beside the counts the export shows, give the hidden one back. So the
    answer's cell is recorded hidden now, and the answers' suppression memory (a cell hidden
    once stays hidden) keeps it hidden. A rate answered before with a value is out already:
    this export was protected against it (``protect_linked``)."""
    hidden = {(cell.table, cell.row) for cell in cells if cell.hidden and cell.column == "scope"}
    withheld: list[ledger.LedgerCell] = []
    for definition, table, numerator, denominator in rate_counts().values():
        if not any((table, row) in hidden for row in (*numerator, *denominator)):
            continue
        withheld.append(
            ledger.LedgerCell(
                table=metric_table(definition),
                scope=parameters.scope,
                period=parameters.period_label,
                row="value",
                column="value",
                value=None,
                hidden=True,
                marker=SUPPRESSED_MARKER,
            )
        )
    if not withheld:
        return []
    published, _, _ = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=[cell.table for cell in withheld],
        periods=[parameters.period_label],
        scope=parameters.scope,
    )
    return [cell for cell in withheld if cell.key not in published]
