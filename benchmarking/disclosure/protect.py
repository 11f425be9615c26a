"""Primary and complementary suppression of one table of counts (:func:`protect_table`) and a
table released with a pattern decided elsewhere (:func:`release_with_pattern`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from benchmarking.disclosure.audit import _audit, protected
from benchmarking.disclosure.gate import (
    SUPPRESSED_STATUSES,
    Cell,
    CellStatus,
    DisclosureSettings,
    _count_gate_call,
)
from benchmarking.disclosure.tables import (
    CountTable,
    Layout,
    Line,
    ReleasedCell,
    ReleasedTable,
    _zero_hidden_cells,
)


def protect_table(
    table: CountTable,
    *,
    settings: DisclosureSettings | None = None,
    prefer: frozenset[Cell] = frozenset(),
    dominated: frozenset[Cell] = frozenset(),
) -> ReleasedTable:
    """Release a table of counts so that no hidden count can be recovered from what is shown.

    Guarantees, for the released table:

    1. **Primary suppression.** Every count from 1 to k−1 is PRIMARY. In a small unit, so is
       every zero in a sensitive row, and every zero in the total row when the table has
       sensitive rows: a zero column total shows the sensitive cells above it are zero too. The
       threshold applies at every level, totals included. That is stricter than privacy.md,
       which allows small counts at national level. This module does not know the level, so it
       hides them everywhere.
    2. **Complementary suppression.** Every additive line has either no hidden cell or at least
       two. The lines are each column when there is a total row, and each row (the total row
       included) when there is a total column. Complements are chosen in this order. First every
       cell of ``prefer`` is hidden again, as explained below. Then non-zero body cells: first
       those that also complete another line, then the smallest. Then totals. Zeros come only when
       nothing else is left.
    3. **No hidden cell is pinned.** After the rule of two, :func:`audit_intervals` runs. It works
       out, by linear programming, the range of values an attacker can derive for each hidden cell
       (see the module docstring for what the attacker is assumed to know). If a range is a single
       value, one more cell in one of that cell's lines is hidden, and the rule of two and the
       audit run again. This repeats until every hidden cell has a range at least 1 wide. One
       exception: a complement that the release proves to be 0, e.g. a zero in a line whose total
       is ``<k``, is shown as 0 instead. A zero outside a sensitive row is no secret, hiding it
       protects nothing, and showing it tells the attacker nothing new. An example that needs
       the loop: two closed rectangles of hidden cells joined by one hidden cell.
       Every line has two hidden cells, yet the joining cell is the difference of two sums. If
       hiding every remaining cell in the lines involved still leaves a cell pinned (possible only
       in degenerate tables, e.g. one body row whose total row has to be hidden), ValueError is
       raised rather than anything being released.
    4. **Stable across releases.** Every cell in ``prefer`` (pass the previous release's
       ``suppressed``) is hidden again, as COMPLEMENTARY unless it is primary now. The exception
       is a cell that this release proves to be 0 on its own (see 3). A value hidden
       last time therefore stays hidden, and so do the cells that hid it. Two consecutive releases
       then cannot be differenced to recover it. The cost is that the pattern only grows while it
       is carried forward. The caller decides when a series starts afresh (e.g. a new reporting
       year). A value published in one release and hidden in the next cannot be taken back: the
       gate controls only the later release.
    5. **Deterministic.** The same table, settings and ``prefer`` give the same release.

    Keys in ``prefer`` that are not cells of this table are ignored.
    """
    _count_gate_call()
    if settings is None:
        settings = DisclosureSettings.from_django()
    table.validate()
    layout = Layout.of(table.spec)
    counts = table.counts
    zero_hidden = _zero_hidden_cells(table.spec, table.small_unit, layout)
    primary = {
        cell
        for cell in layout.cells
        if 0 < counts[cell] < settings.k or (counts[cell] == 0 and cell in zero_hidden)
    }
    dominant = {cell for cell in set(dominated) & set(layout.cells) if cell not in primary}
    sensitive = primary | dominant
    suppressed = sensitive | (set(prefer) & set(layout.cells))
    while True:
        _complete_lines(layout, counts, suppressed)
        published = {cell: counts[cell] for cell in layout.cells if cell not in suppressed}
        intervals = _audit(layout, published, suppressed)
        proven_zero = {
            cell
            for cell, interval in intervals.items()
            if cell not in sensitive and interval == (0.0, 0.0)
        }
        exposed = [
            cell
            for cell in layout.cells
            if cell in intervals
            and cell not in proven_zero
            and not protected(intervals[cell], sensitive=cell in sensitive, k=settings.k)
        ]
        if not exposed:
            break
        suppressed.add(_unpinning_cell(layout, counts, suppressed, exposed[0], table.spec.code))
    # A complement that the release itself proves to be 0 hides nothing, and a zero outside a
    # sensitive row is no secret. Showing it tells the attacker nothing new.
    suppressed -= proven_zero

    cells: dict[Cell, ReleasedCell] = {}
    for cell in layout.cells:
        if cell in suppressed:
            status = (
                CellStatus.PRIMARY
                if cell in primary
                else CellStatus.DOMINANCE
                if cell in dominant
                else CellStatus.COMPLEMENTARY
            )
            cells[cell] = ReleasedCell(value=None, status=status, marker=settings.marker(status))
        else:
            cells[cell] = ReleasedCell(value=counts[cell], status=CellStatus.PUBLISHED, marker=None)
    return ReleasedTable(
        spec=table.spec,
        cells=MappingProxyType(cells),
        settings=settings,
        small_unit=table.small_unit,
    )


def release_with_pattern(
    table: CountTable, released: ReleasedTable, suppressed: set[Cell] | frozenset[Cell]
) -> ReleasedTable:
    """``released`` (from :func:`protect_table` on ``table``) with exactly ``suppressed`` hidden:
    what the linked suppression of a release family (``benchmarking.linked``) decided. Cells it
    adds are COMPLEMENTARY; sensitive cells of ``released`` must stay hidden."""
    _count_gate_call()
    cells: dict[Cell, ReleasedCell] = {}
    for cell, before in released.cells.items():
        if cell in suppressed:
            status = (
                before.status
                if before.status in SUPPRESSED_STATUSES
                else (CellStatus.COMPLEMENTARY)
            )
            cells[cell] = ReleasedCell(None, status, released.settings.marker(status))
        elif before.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
            raise ValueError(f"table {table.spec.code}: sensitive cell {cell} must stay hidden")
        else:
            cells[cell] = ReleasedCell(table.counts[cell], CellStatus.PUBLISHED, None)
    return ReleasedTable(
        spec=released.spec,
        cells=MappingProxyType(cells),
        settings=released.settings,
        small_unit=released.small_unit,
    )


def _hidden_in(line: Line, suppressed: set[Cell]) -> int:
    return sum(1 for cell in line.cells if cell in suppressed)


def _complete_lines(layout: Layout, counts: Mapping[Cell, int], suppressed: set[Cell]) -> None:
    """Hide complements until no line has exactly one hidden cell (the rule of two)."""
    while True:
        line = next((line for line in layout.lines if _hidden_in(line, suppressed) == 1), None)
        if line is None:
            return
        # A line has at least two cells (a part and its total), so there is a candidate.
        candidates = [cell for cell in line.cells if cell not in suppressed]
        ranked = [
            (_complement_rank(layout, counts, suppressed, cell, line), cell) for cell in candidates
        ]
        suppressed.add(min(ranked)[1])


def _complement_rank(
    layout: Layout,
    counts: Mapping[Cell, int],
    suppressed: set[Cell],
    cell: Cell,
    line: Line | None,
) -> tuple[bool, bool, int, int, int]:
    """Sort key for a complement candidate, best first: non-zero before zero, body before totals,
    then those that complete another line (or at least leave none with a single hidden cell), then
    the smallest, then reading order."""
    effect = 0
    for other in layout.lines_of[cell]:
        if other == line:
            continue
        hidden = _hidden_in(other, suppressed)
        if hidden == 0:
            effect += 1  # this line would now have one hidden cell and need another complement
        elif hidden == 1:
            effect -= 1  # this line is completed too
    count = counts[cell]
    return (count == 0, cell in layout.totals, effect, count, layout.position[cell])


def _unpinning_cell(
    layout: Layout,
    counts: Mapping[Cell, int],
    suppressed: set[Cell],
    pinned: Cell,
    code: str,
) -> Cell:
    """The cell to hide next so that ``pinned`` gains freedom. Candidates come first from the pinned
    cell's own lines, then from any line reachable through hidden cells."""
    candidates = [
        cell for line in layout.lines_of[pinned] for cell in line.cells if cell not in suppressed
    ]
    if not candidates:
        candidates = [
            cell
            for line in _reachable_lines(layout, suppressed, pinned)
            for cell in line.cells
            if cell not in suppressed
        ]
    if not candidates:
        raise ValueError(
            f"table {code}: cell {pinned} can be derived even with every related cell hidden; "
            "the table cannot be released in this shape"
        )
    return min(
        (_complement_rank(layout, counts, suppressed, cell, None), cell) for cell in candidates
    )[1]


def _reachable_lines(layout: Layout, suppressed: set[Cell], start: Cell) -> list[Line]:
    """Lines connected to ``start`` through hidden cells, in a fixed order."""
    seen_cells = {start}
    seen_lines: list[Line] = []
    frontier = [start]
    while frontier:
        cell = frontier.pop()
        for line in layout.lines_of[cell]:
            if line in seen_lines:
                continue
            seen_lines.append(line)
            for other in line.cells:
                if other in suppressed and other not in seen_cells:
                    seen_cells.add(other)
                    frontier.append(other)
    return sorted(seen_lines, key=lambda line: layout.position[line.total])
