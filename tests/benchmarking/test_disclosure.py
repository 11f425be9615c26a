"""The disclosure gate (privacy.md). No published count lies in 1..k−1, no published rate or
median has a base below k, every line with a published total has zero or at least two hidden
cells, no hidden cell can be worked out, and consecutive releases cannot be differenced.

No database is needed: the gate is pure. The line structure and the checks below are written
independently of the module's internals, so they test what the module promises, not how it
works."""

from collections.abc import Sequence
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as DjangoSettings
from scipy.optimize import Bounds, LinearConstraint, milp

from benchmarking.definitions import DisclosureClass
from benchmarking.disclosure import (
    Audience,
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedCell,
    ReleasedTable,
    ReleasedValue,
    Subject,
    TableSpec,
    audit_intervals,
    gate_calls,
    gate_stamp,
    protect_table,
    release_value,
)

Cell = tuple[str, str]
K10 = DisclosureSettings()
K5 = DisclosureSettings(k=5)
TOTAL = "total"

PROPERTY = hypothesis_settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- Building tables and checking releases --------------------------------------------------------


def table_from(
    grid: Sequence[Sequence[int]],
    *,
    total_row: bool = True,
    total_column: bool = True,
    sensitive_rows: frozenset[str] = frozenset(),
    small_unit: bool = False,
) -> CountTable:
    """A table whose body is ``grid`` (rows r0, r1…, columns c0, c1…), totals computed."""
    rows = tuple((f"r{i}", f"wiersz {i}") for i in range(len(grid)))
    columns = tuple((f"c{j}", f"kolumna {j}") for j in range(len(grid[0])))
    spec = TableSpec(
        code="test",
        title_pl="Tabela testowa",
        title_en="Test table",
        rows=rows,
        columns=columns,
        total_row=(TOTAL, "Ogółem") if total_row else None,
        total_column=(TOTAL, "Razem") if total_column else None,
        sensitive_rows=sensitive_rows,
    )
    counts: dict[Cell, int] = {}
    for i, line in enumerate(grid):
        for j, count in enumerate(line):
            counts[(f"r{i}", f"c{j}")] = count
        if total_column:
            counts[(f"r{i}", TOTAL)] = sum(line)
    if total_row:
        for column in spec.column_keys():
            counts[(TOTAL, column)] = sum(counts[(row, column)] for row, _ in rows)
    return CountTable(spec=spec, counts=counts, small_unit=small_unit)


def changed_by_one(table: CountTable, cell: Cell, delta: int) -> CountTable:
    """The same table with one household more (delta=1) or fewer (delta=-1) in a body cell."""
    spec = table.spec
    grid = [[table.counts[(row, column)] for column, _ in spec.columns] for row, _ in spec.rows]
    row_index = [row for row, _ in spec.rows].index(cell[0])
    column_index = [column for column, _ in spec.columns].index(cell[1])
    grid[row_index][column_index] += delta
    return table_from(
        grid,
        total_row=spec.total_row is not None,
        total_column=spec.total_column is not None,
        sensitive_rows=spec.sensitive_rows,
        small_unit=table.small_unit,
    )


def additive_lines(spec: TableSpec) -> list[list[Cell]]:
    """Every line whose cells are tied by a published total (body cells plus the total)."""
    lines = []
    if spec.total_row is not None:
        for column in spec.column_keys():
            lines.append([(row, column) for row in spec.row_keys()])
    if spec.total_column is not None:
        for row in spec.row_keys():
            lines.append([(row, column) for column in spec.column_keys()])
    return lines


def zero_hidden_rows(table: CountTable) -> set[str]:
    """Rows where a zero must be hidden: sensitive rows in a small unit and, as a zero column total
    would show that the sensitive cells above it are zero, the total row too."""
    if not table.small_unit or not table.spec.sensitive_rows:
        return set()
    rows = set(table.spec.sensitive_rows)
    if table.spec.total_row is not None:
        rows.add(table.spec.total_row[0])
    return rows


def exact_range(table: CountTable, released: ReleasedTable, target: Cell) -> tuple[int, int]:
    """The range of ``target`` for an attacker who uses everything the release says, exactly: the
    published cells, the line equations and whole numbers. Every hidden cell carries the one
    marker ``x``, which says nothing about its size, so a hidden cell is only a whole number
    ≥ 0. This is a mixed-integer programme, written independently of the gate's own linear
    audit (upper ends at the cap mean "unbounded")."""
    hidden = sorted(released.suppressed)
    column = {cell: i for i, cell in enumerate(hidden)}
    size = len(column)
    cap = 10 * sum(table.counts.values()) + 100  # far above any count: a stronger attacker
    constraints = []
    for line in additive_lines(table.spec):
        row, constant = np.zeros(size), 0.0
        for position, cell in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0  # the last cell is the total
            if cell in column:
                row[column[cell]] += sign
            else:
                constant -= sign * table.counts[cell]
        if row.any():
            constraints.append(LinearConstraint(row, constant, constant))
    extremes = []
    for direction in (1.0, -1.0):
        objective = np.zeros(size)
        objective[column[target]] = direction
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(size),
            bounds=Bounds(np.zeros(size), np.full(size, cap)),
        )
        assert result.status == 0, result.message
        extremes.append(round(direction * result.fun))
    return extremes[0], extremes[1]


def assert_protected(table: CountTable, released: ReleasedTable) -> None:
    k = released.settings.k
    counts = table.counts
    assert set(released.cells) == set(counts)
    sensitive_rows = zero_hidden_rows(table)
    for cell, shown in released.cells.items():
        count = counts[cell]
        sensitive_zero = count == 0 and table.small_unit and cell[0] in sensitive_rows
        should_be_primary = 0 < count < k or sensitive_zero
        assert (shown.status == CellStatus.PRIMARY) == should_be_primary, (cell, count, shown)
        if shown.status == CellStatus.PUBLISHED:
            assert shown.value == count and shown.marker is None
            assert not 0 < count < k, f"published a count below k at {cell}"
            assert not sensitive_zero, f"published a sensitive zero of a small unit at {cell}"
        else:
            assert shown.status in (CellStatus.PRIMARY, CellStatus.COMPLEMENTARY)
            assert shown.value is None
            assert shown.marker == "x"

    hidden = released.suppressed
    for line in additive_lines(table.spec):
        hidden_in_line = sum(1 for cell in line if cell in hidden)
        assert hidden_in_line != 1, f"a hidden cell recoverable by subtraction in {line}"

    intervals = audit_intervals(released)
    assert set(intervals) == hidden
    for cell, (low, high) in intervals.items():
        assert low <= counts[cell] <= high, (cell, counts[cell], low, high)
        assert high - low >= 1, f"hidden cell {cell} is pinned at {low}"


def proven_zero(released: ReleasedTable, cell: Cell) -> bool:
    """Whether ``cell`` is a shown 0 that would still be provably 0 if it were hidden."""
    shown = released.cells[cell]
    if shown.status != CellStatus.PUBLISHED or shown.value != 0:
        return False
    cells = {**released.cells, cell: ReleasedCell(None, CellStatus.COMPLEMENTARY, "x")}
    rehidden = ReleasedTable(
        released.spec, MappingProxyType(cells), released.settings, released.small_unit
    )
    return audit_intervals(rehidden)[cell] == (0.0, 0.0)


# --- Tables: properties ---------------------------------------------------------------------------

# Many zeros and counts below k, some large ones: the hard cases for suppression.
counts = st.one_of(st.just(0), st.integers(1, 12), st.integers(10, 90))


@st.composite
def count_tables(draw: st.DrawFn, max_rows: int = 8, max_columns: int = 6) -> CountTable:
    n_rows = draw(st.integers(2, max_rows))
    n_columns = draw(st.integers(1, max_columns))
    grid = draw(
        st.lists(
            st.lists(counts, min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    row_keys = [f"r{i}" for i in range(n_rows)]
    return table_from(
        grid,
        total_row=draw(st.booleans()),
        total_column=draw(st.booleans()),
        sensitive_rows=draw(st.frozensets(st.sampled_from(row_keys), max_size=2)),
        small_unit=draw(st.booleans()),
    )


@PROPERTY
@given(table=count_tables(), settings=st.sampled_from([K10, K10, K5]))
def test_any_table_is_protected(table: CountTable, settings: DisclosureSettings) -> None:
    released = protect_table(table, settings=settings)
    assert_protected(table, released)
    assert protect_table(table, settings=settings) == released, "the release is deterministic"


@hypothesis_settings(max_examples=40, deadline=None)
@given(table=count_tables(max_rows=5, max_columns=4), settings=st.sampled_from([K10, K5]))
def test_every_hidden_cell_keeps_a_protection_interval_for_an_exact_attacker(
    table: CountTable, settings: DisclosureSettings
) -> None:
    # The gate's audit is a linear programme; here the same attacker is solved exactly, as a
    # mixed-integer programme over whole numbers. A cell hidden for itself (a small count, a
    # sensitive zero) keeps a range at least k wide, any other hidden cell at least two values.
    released = protect_table(table, settings=settings)
    for cell in released.suppressed:
        low, high = exact_range(table, released, cell)
        assert low <= table.counts[cell] <= high
        needed = settings.k if released.cells[cell].status == CellStatus.PRIMARY else 1
        assert high - low >= needed, f"an exact attacker narrows {cell} to {low}..{high}"


@PROPERTY
@given(table=count_tables(), data=st.data())
def test_one_household_apart_cannot_be_differenced(table: CountTable, data: st.DataObject) -> None:
    body = [(row, column) for row, _ in table.spec.rows for column, _ in table.spec.columns]
    changed = data.draw(st.sampled_from(body))
    delta = data.draw(st.sampled_from([1, -1] if table.counts[changed] > 0 else [1]))
    second = changed_by_one(table, changed, delta)

    first_release = protect_table(table, settings=K10)
    second_release = protect_table(second, settings=K10, prefer=first_release.suppressed)

    assert_protected(second, second_release)
    # What was hidden stays hidden, together with the cells that hid it. The one exception is a
    # cell that the second release proves to be 0 on its own (e.g. a zero whose line total is
    # "x"). It is shown as 0, because hiding it would tell an attacker nothing new.
    for cell in first_release.suppressed - second_release.suppressed:
        assert proven_zero(second_release, cell), cell
    hidden_in_both = first_release.suppressed & second_release.suppressed
    if changed in hidden_in_both:
        for line in additive_lines(table.spec):
            if changed in line:
                assert any(cell in hidden_in_both for cell in line if cell != changed), line
    # A value the first release published is out already: no later release can hide it (e.g. 10
    # households, then 9). The same holds for 1 household, then a 0 the second release proves on
    # its own. The gate controls only what it has not yet published.


# --- Tables: worked examples ----------------------------------------------------------------------


def test_one_small_cell_is_closed_by_a_rectangle_of_small_complements() -> None:
    table = table_from(
        [
            [4, 20, 30],
            [15, 25, 12],
            [40, 11, 50],
        ]
    )
    released = protect_table(table, settings=K10)

    # The 4 is primary. Its column and its row each take their smallest cell (15, 20). Then the
    # 25 completes the second row and the second column at once. No total is hidden.
    assert released.cells[("r0", "c0")] == ReleasedCell(None, CellStatus.PRIMARY, "x")
    complementary = {cell for cell, c in released.cells.items() if c.status == "complementary"}
    assert complementary == {("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
    assert released.cells[("r1", "c1")].marker == "x"
    assert released.cells[("r2", "c2")] == ReleasedCell(50, CellStatus.PUBLISHED, None)
    assert released.cells[(TOTAL, TOTAL)].value == 207
    assert_protected(table, released)


BRIDGE = [
    [3, 4, 30, 40],
    [5, 6, 2, 50],
    [20, 30, 7, 8],
    [60, 70, 9, 5],
]


def test_two_rectangles_joined_by_one_cell_are_fixed_by_the_audit() -> None:
    table = table_from(BRIDGE)
    primary_only = ReleasedTable(
        spec=table.spec,
        cells=MappingProxyType(
            {
                cell: ReleasedCell(None, CellStatus.PRIMARY, "x")
                if 0 < count < 10
                else ReleasedCell(count, CellStatus.PUBLISHED, None)
                for cell, count in table.counts.items()
            }
        ),
        settings=K10,
    )
    # The primary cells alone already satisfy the rule of two in every line...
    for line in additive_lines(table.spec):
        assert sum(1 for cell in line if cell in primary_only.suppressed) != 1
    # ...yet the 2 joining the two rectangles is (rows 0–1) minus (columns 0–1): 20 − 18.
    assert audit_intervals(primary_only)[("r1", "c2")] == (2.0, 2.0)

    released = protect_table(table, settings=K10)
    assert released.suppressed > primary_only.suppressed
    low, high = audit_intervals(released)[("r1", "c2")]
    assert high - low >= 1
    assert_protected(table, released)


def test_one_marker_says_nothing_about_the_size_of_a_hidden_cell() -> None:
    # A row [1, 10 | 11]. With two markers ("<10" for 1..9, "x" for 0 or at least 10) the row
    # could only be read as 1 + 10. With the one marker "x" both hidden cells are anything from
    # 0 to 11, so the 1 keeps a range wider than k.
    table = table_from([[1, 10], [20, 30]], total_row=False)
    released = protect_table(table, settings=K10)
    assert released.suppressed == {("r0", "c0"), ("r0", "c1")}
    assert {released.cells[cell].marker for cell in released.suppressed} == {"x"}
    assert audit_intervals(released) == {("r0", "c0"): (0.0, 11.0), ("r0", "c1"): (0.0, 11.0)}
    assert_protected(table, released)

    # A row [5, 0 | 5]: hiding the 5 and the 0 would leave the 5 within 0..5, narrower than k.
    # The gate hides the row total instead of the zero, and the 5 is unbounded.
    zero_beside = table_from([[5, 0], [20, 30]], total_row=False)
    released = protect_table(zero_beside, settings=K10)
    assert released.suppressed == {("r0", "c0"), ("r0", TOTAL)}
    assert released.cells[("r0", "c1")] == ReleasedCell(0, CellStatus.PUBLISHED, None)
    low, high = audit_intervals(released)[("r0", "c0")]
    assert high - low >= K10.k
    assert_protected(zero_beside, released)


def test_zeros_are_the_last_complements() -> None:
    # The 1 in row 2 needs a range at least k wide. A hidden zero outside a sensitive row only
    # hides that nobody is there, which is no secret, so the gate widens the range with
    # non-zero cells and totals first and leaves the zeros in the corner shown.
    table = table_from([[12, 11, 5, 7], [2, 3, 0, 0], [5, 0, 1, 0], [3, 5, 0, 0]])
    released = protect_table(table, settings=K10)
    for cell in (("r2", "c3"), ("r3", "c2"), ("r3", "c3")):
        assert released.cells[cell] == ReleasedCell(0, CellStatus.PUBLISHED, None)
    assert ("r0", "c1") in released.suppressed  # the 11, hidden as a complement
    low, high = audit_intervals(released)[("r2", "c2")]
    assert low <= 1 <= high and high - low >= K10.k
    assert_protected(table, released)


def test_a_sensitive_zero_is_hidden_only_in_a_small_unit() -> None:
    grid = [[0, 25], [30, 40], [50, 60]]
    violence = frozenset({"r0"})
    small = protect_table(table_from(grid, sensitive_rows=violence, small_unit=True), settings=K10)
    large = protect_table(table_from(grid, sensitive_rows=violence, small_unit=False), settings=K10)

    assert small.cells[("r0", "c0")].status == CellStatus.PRIMARY
    assert small.cells[("r0", "c0")].marker == "x"
    assert large.cells[("r0", "c0")] == ReleasedCell(0, CellStatus.PUBLISHED, None)
    # A zero column total would say the violence cell above it is zero as well.
    column_zero = table_from([[0, 0], [1, 0]], sensitive_rows=frozenset({"r1"}), small_unit=True)
    released = protect_table(column_zero, settings=K10)
    assert released.cells[(TOTAL, "c1")].status == CellStatus.PRIMARY
    assert_protected(column_zero, released)
    # An ordinary zero is published even in a small unit.
    ordinary = protect_table(table_from([[25, 0], [30, 40]], small_unit=True), settings=K10)
    assert ordinary.cells[("r0", "c1")] == ReleasedCell(0, CellStatus.PUBLISHED, None)


def test_totals_below_k_are_hidden_too() -> None:
    table = table_from([[3, 0], [4, 0], [50, 60]], total_column=False)
    released = protect_table(table, settings=K10)
    assert released.cells[(TOTAL, "c0")].status == CellStatus.PUBLISHED  # 57
    assert {("r0", "c0"), ("r1", "c0")} <= released.suppressed
    assert_protected(table, released)
    small_total = protect_table(table_from([[3, 20], [4, 30]], total_column=False), settings=K10)
    assert small_total.cells[(TOTAL, "c0")].status == CellStatus.PRIMARY  # 7


def test_the_threshold_is_a_setting() -> None:
    table = table_from([[7, 30], [20, 40]])
    assert protect_table(table, settings=K5).suppressed == frozenset()
    released = protect_table(table, settings=K10)
    assert released.cells[("r0", "c0")].marker == "x"
    assert len(released.suppressed) >= 4


def test_prefer_keeps_last_release_pattern() -> None:
    first = table_from([[4, 20, 30], [15, 25, 12], [40, 11, 50]])
    first_release = protect_table(first, settings=K10)
    # Next month the small cell has grown to 12: nothing is primary any more. But last month's
    # pattern stays hidden, or last month's 4 could be read off as this month's 12 minus the
    # growth.
    second = table_from([[12, 20, 30], [15, 25, 12], [40, 11, 50]])
    assert protect_table(second, settings=K10).suppressed == frozenset()
    again = protect_table(second, settings=K10, prefer=first_release.suppressed)
    assert again.suppressed == first_release.suppressed
    assert {again.cells[cell].status for cell in again.suppressed} == {CellStatus.COMPLEMENTARY}


def test_a_table_without_margins_needs_primary_suppression_only() -> None:
    table = table_from([[3, 40], [0, 12]], total_row=False, total_column=False)
    released = protect_table(table, settings=K10)
    assert released.suppressed == {("r0", "c0")}
    # Nothing bounds a hidden cell without margins, and the marker says nothing of its size.
    assert audit_intervals(released) == {("r0", "c0"): (0.0, float("inf"))}


@pytest.mark.parametrize(
    ("counts_change", "message"),
    [
        ({("r0", "c0"): -1}, "negative"),
        ({("r0", TOTAL): 999}, "sums to"),
        ({("r9", "c0"): 1}, "outside"),
    ],
)
def test_inconsistent_tables_are_refused(counts_change: dict[Cell, int], message: str) -> None:
    table = table_from([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match=message):
        CountTable(spec=table.spec, counts={**table.counts, **counts_change})


def test_a_missing_cell_is_refused() -> None:
    table = table_from([[1, 2], [3, 4]])
    counts = dict(table.counts)
    del counts[("r1", "c1")]
    with pytest.raises(ValueError, match="without a count"):
        CountTable(spec=table.spec, counts=counts)


# --- Single values --------------------------------------------------------------------------------


def release(
    disclosure: DisclosureClass,
    *,
    value: str | None = "0.5",
    numerator: str = "50",
    n: int = 100,
    top_shares: Sequence[float] = (),
    audience: Audience = Audience.PEER,
    subject: Subject = Subject.CLIENTS,
    settings: DisclosureSettings = K10,
) -> ReleasedValue:
    return release_value(
        disclosure=disclosure,
        subject=subject,
        value=None if value is None else Decimal(value),
        numerator=Decimal(numerator),
        denominator=Decimal(n),
        n=n,
        top_shares=top_shares,
        audience=audience,
        settings=settings,
    )


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    disclosure=st.sampled_from(DisclosureClass),
    subject=st.sampled_from(Subject),
    audience=st.sampled_from(Audience),
    has_value=st.booleans(),
    numerator=st.integers(0, 40),
    n=st.integers(0, 40),
    top_shares=st.lists(st.floats(0, 1), max_size=4),
    k=st.sampled_from([5, 10]),
)
def test_no_value_is_published_against_the_rules(
    disclosure: DisclosureClass,
    subject: Subject,
    audience: Audience,
    has_value: bool,
    numerator: int,
    n: int,
    top_shares: list[float],
    k: int,
) -> None:
    settings = DisclosureSettings(k=k)
    value = Decimal(numerator) / 3 if has_value else None
    released = release_value(
        disclosure=disclosure,
        subject=subject,
        value=value,
        numerator=Decimal(numerator),
        denominator=Decimal(n) if n else None,
        n=n,
        top_shares=top_shares,
        audience=audience,
        settings=settings,
    )
    if value is None:
        assert released.status == CellStatus.EMPTY and released.marker == "–"
        assert released.value is None and released.reason
        return
    if audience == Audience.OWN_CENTRE or disclosure == DisclosureClass.STAFFING:
        assert released.status == CellStatus.PUBLISHED
    if released.status != CellStatus.PUBLISHED:
        assert released.value is None and released.reason and released.marker
        return
    assert released.value == value and released.marker is None and released.reason == ""
    if audience == Audience.OWN_CENTRE:
        return
    if disclosure == DisclosureClass.COUNT:
        assert not 0 < numerator < k
    if disclosure == DisclosureClass.RATE:
        assert n >= k and numerator >= k
    if disclosure == DisclosureClass.MEDIAN:
        assert n >= k
    if disclosure == DisclosureClass.MAGNITUDE:
        assert subject == Subject.STAFF or n >= k
        assert sum(sorted(top_shares, reverse=True)[:2]) <= settings.dominance_share
        assert not (0 < n <= 2 and numerator != 0)


def test_rates_need_k_in_the_base_and_in_the_numerator() -> None:
    base_too_small = release(DisclosureClass.RATE, numerator="9", n=9)
    assert base_too_small.status == CellStatus.PRIMARY
    assert base_too_small.marker == "x"
    assert "mniej niż 10 przypadków" in base_too_small.reason
    numerator_too_small = release(DisclosureClass.RATE, numerator="3", n=200)
    assert numerator_too_small.status == CellStatus.PRIMARY
    assert "Licznik" in numerator_too_small.reason
    # "None of the 200" is as telling as "all of them": a zero numerator is below k too.
    assert release(DisclosureClass.RATE, value="0", numerator="0", n=200).status == "primary"
    assert release(DisclosureClass.RATE, numerator="10", n=10).status == CellStatus.PUBLISHED


def test_counts_and_medians() -> None:
    assert release(DisclosureClass.COUNT, value="9", numerator="9").status == "primary"
    assert release(DisclosureClass.COUNT, value="0", numerator="0").status == "published"
    assert release(DisclosureClass.COUNT, value="10", numerator="10").status == "published"
    assert release(DisclosureClass.MEDIAN, value="14", numerator="14", n=9).status == "primary"
    assert release(DisclosureClass.MEDIAN, value="14", numerator="14", n=10).status == "published"


def test_dominance_of_the_two_largest_contributors() -> None:
    dominated = release(
        DisclosureClass.MAGNITUDE, n=30, top_shares=(0.6, 0.35), subject=Subject.STAFF
    )
    assert dominated.status == CellStatus.DOMINANCE
    assert dominated.marker == "x"
    assert "90%" in dominated.reason and "pracowników" in dominated.reason
    spread = release(DisclosureClass.MAGNITUDE, n=30, top_shares=(0.5, 0.3))
    assert spread.status == CellStatus.PUBLISHED
    # Two contributors make up the whole sum, whatever the shares say.
    pair = release(DisclosureClass.MAGNITUDE, n=2, numerator="120", subject=Subject.STAFF)
    assert pair.status == CellStatus.DOMINANCE
    # Staff minutes need no k units; clients' magnitudes do.
    few_staff = release(
        DisclosureClass.MAGNITUDE, n=4, top_shares=(0.3, 0.3), subject=Subject.STAFF
    )
    assert few_staff.status == CellStatus.PUBLISHED
    few_clients = release(DisclosureClass.MAGNITUDE, n=4, top_shares=(0.3, 0.3))
    assert few_clients.status == CellStatus.PRIMARY


def test_own_centre_staffing_and_empty() -> None:
    own = release(DisclosureClass.COUNT, value="3", numerator="3", audience=Audience.OWN_CENTRE)
    assert own.status == CellStatus.PUBLISHED and own.value == Decimal(3)
    staffing = release(DisclosureClass.STAFFING, value="1843.5", numerator="2", n=1)
    assert staffing.status == CellStatus.PUBLISHED
    empty = release(DisclosureClass.RATE, value=None, audience=Audience.OWN_CENTRE)
    assert empty.as_json() == {
        "value": None,
        "status": "empty",
        "marker": "–",
        "reason": empty.reason,
    }
    assert empty.reason.startswith("Brak danych")


def test_released_value_as_json() -> None:
    assert release(DisclosureClass.RATE, value="0.8125").as_json() == {
        "value": "0.8125",
        "status": "published",
        "marker": None,
        "reason": "",
    }
    hidden = release(DisclosureClass.COUNT, value="4", numerator="4", settings=K5).as_json()
    assert hidden["value"] is None and hidden["marker"] == "x"


# --- Settings and the gate counter ----------------------------------------------------------------


def test_settings_come_from_django(settings: DjangoSettings) -> None:
    settings.BENCHMARK_DISCLOSURE = {"k": 5, "min_cohort": 5}  # cohort keys are not the gate's
    configured = DisclosureSettings.from_django()
    assert configured == DisclosureSettings(k=5, dominance_share=0.9, small_unit_population=20_000)
    assert gate_stamp() == {
        "gate": "benchmarking.disclosure",
        "version": 2,
        "k": 5,
        "dominance_share": 0.9,
        "small_unit_population": 20_000,
        "min_centres": 3,
        "min_order_centres": 10,
        "centre_p_percent": 10.0,
    }
    settings.BENCHMARK_DISCLOSURE = {"min_centres": 4, "min_order_centres": 12}
    assert DisclosureSettings.from_django().min_centres == 4
    assert gate_stamp()["min_order_centres"] == 12
    settings.BENCHMARK_DISCLOSURE = {"k": 5}
    # Without explicit settings the gate reads Django's.
    assert (
        release_value(
            disclosure=DisclosureClass.COUNT,
            subject=Subject.CLIENTS,
            value=Decimal(7),
            numerator=Decimal(7),
            denominator=None,
            n=7,
            top_shares=(),
            audience=Audience.MINISTRY,
        ).status
        == CellStatus.PUBLISHED
    )
    del settings.BENCHMARK_DISCLOSURE
    assert DisclosureSettings.from_django() == K10


def test_nonsense_thresholds_are_refused() -> None:
    with pytest.raises(ValueError):
        DisclosureSettings(k=1)
    with pytest.raises(ValueError):
        DisclosureSettings(dominance_share=1.5)


def test_every_release_is_counted() -> None:
    before = gate_calls()
    release(DisclosureClass.COUNT)
    protect_table(table_from([[1, 20], [30, 40]]), settings=K10)
    audit_intervals(protect_table(table_from([[50, 20], [30, 40]]), settings=K10))
    assert gate_calls() == before + 3  # the audit is not a release
