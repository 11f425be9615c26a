"""Tables of counts with margins, as asked for (:class:`CountTable`) and as released
(:class:`ReleasedTable`, :class:`ReleasedValueTable`), and their additive lines
(:class:`Layout`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from benchmarking.disclosure.gate import (
    SUPPRESSED_STATUSES,
    Cell,
    CellStatus,
    DisclosureSettings,
    public_status,
)
from benchmarking.disclosure.values import ReleasedValue


@dataclass(frozen=True)
class TableSpec:
    """The shape of a table of counts. The total row and the total column are optional."""

    code: str
    title_pl: str
    title_en: str
    rows: tuple[tuple[str, str], ...]  # body rows: (key, Polish label), in order
    columns: tuple[tuple[str, str], ...]  # body columns: (key, Polish label)
    total_row: tuple[str, str] | None = None  # in every column, the body rows sum to this row
    total_column: tuple[str, str] | None = None  # in every row, the body columns sum to this
    sensitive_rows: frozenset[str] = frozenset()  # a zero in these rows is hidden in a small unit
    unit: str = "gospodarstwa domowe"

    def __post_init__(self) -> None:
        if not self.rows or not self.columns:
            raise ValueError(f"table {self.code}: needs at least one body row and column")
        for keys, what in ((self.row_keys(), "row"), (self.column_keys(), "column")):
            if len(set(keys)) != len(keys):
                raise ValueError(f"table {self.code}: {what} keys repeat: {keys}")
        unknown = self.sensitive_rows - {key for key, _ in self.rows}
        if unknown:
            raise ValueError(
                f"table {self.code}: sensitive rows {sorted(unknown)} are not body rows"
            )

    def row_keys(self) -> list[str]:
        keys = [key for key, _ in self.rows]
        if self.total_row is not None:
            keys.append(self.total_row[0])
        return keys

    def column_keys(self) -> list[str]:
        keys = [key for key, _ in self.columns]
        if self.total_column is not None:
            keys.append(self.total_column[0])
        return keys


@dataclass(frozen=True)
class CountTable:
    """Raw counts of a table. Never leaves the process: only :func:`protect_table`'s output may.

    ``counts`` holds every body and total cell. ``small_unit`` says that the area behind the table
    is below ``DisclosureSettings.small_unit_population`` (see
    :meth:`DisclosureSettings.is_small_unit`). Construction validates the table and keeps a
    read-only copy of the counts.
    """

    spec: TableSpec
    counts: Mapping[Cell, int]
    small_unit: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError if a cell is missing, unknown, not a whole number, negative, or if
        a total is not the sum of its line."""
        layout = Layout.of(self.spec)
        code = self.spec.code
        missing = [cell for cell in layout.cells if cell not in self.counts]
        if missing:
            raise ValueError(f"table {code}: cells without a count: {missing}")
        unknown = sorted(set(self.counts) - set(layout.cells))
        if unknown:
            raise ValueError(f"table {code}: counts for cells outside the table: {unknown}")
        for cell, count in self.counts.items():
            if isinstance(count, bool) or not isinstance(count, int):
                raise ValueError(f"table {code}: count of {cell} is not a whole number: {count!r}")
            if count < 0:
                raise ValueError(f"table {code}: count of {cell} is negative: {count}")
        for line in layout.lines:
            line_sum = sum(self.counts[cell] for cell in line.parts)
            if line_sum != self.counts[line.total]:
                raise ValueError(
                    f"table {code}: total {line.total} is {self.counts[line.total]}, "
                    f"but its line sums to {line_sum}"
                )


@dataclass(frozen=True)
class ReleasedCell:
    value: int | None  # None unless PUBLISHED
    status: CellStatus
    marker: str | None

    def __post_init__(self) -> None:
        if self.value is not None and self.status != CellStatus.PUBLISHED:
            raise ValueError(f"a {self.status} cell must not carry a number")

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "status": public_status(self.status), "marker": self.marker}


@dataclass(frozen=True)
class ReleasedTable:
    """A table that has passed :func:`protect_table`: the only form in which counts leave.

    ``small_unit`` is copied from the :class:`CountTable`. The audit needs it, because in a small
    unit a ``<k`` marker in a sensitive row (or the total row) may stand for 0.
    """

    spec: TableSpec
    cells: Mapping[Cell, ReleasedCell]
    settings: DisclosureSettings
    small_unit: bool = False

    @property
    def suppressed(self) -> frozenset[Cell]:
        """Keys of the hidden cells (primary, dominance, complementary). Pass this as ``prefer``
        when you protect the next release of the same table."""
        return frozenset(
            key for key, cell in self.cells.items() if cell.status in SUPPRESSED_STATUSES
        )


@dataclass(frozen=True)
class ReleasedValueTable:
    """A grid of single values (e.g. indicators × areas), each already released."""

    code: str
    title_pl: str
    title_en: str
    rows: tuple[tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]
    cells: Mapping[Cell, ReleasedValue]
    row_units: Mapping[str, str]  # row key -> unit label (e.g. "%", "dni")


@dataclass(frozen=True)
class Line:
    """One additive line: the ``parts`` sum to ``total``."""

    parts: tuple[Cell, ...]
    total: Cell

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (*self.parts, self.total)

    def terms(self) -> list[tuple[Cell, int]]:
        """The line as an equation: sum of coefficient × cell = 0."""
        return [(cell, 1) for cell in self.parts] + [(self.total, -1)]


@dataclass(frozen=True)
class Layout:
    """Cells of a table in reading order, its additive lines and which lines each cell is in."""

    cells: tuple[Cell, ...]
    position: Mapping[Cell, int]
    totals: frozenset[Cell]
    lines: tuple[Line, ...]
    lines_of: Mapping[Cell, tuple[Line, ...]]

    @classmethod
    def of(cls, spec: TableSpec) -> Layout:
        body_rows = [key for key, _ in spec.rows]
        body_columns = [key for key, _ in spec.columns]
        cells = tuple((row, column) for row in spec.row_keys() for column in spec.column_keys())
        lines: list[Line] = []
        if spec.total_row is not None:
            total_row = spec.total_row[0]
            for column in spec.column_keys():
                lines.append(Line(tuple((row, column) for row in body_rows), (total_row, column)))
        if spec.total_column is not None:
            total_column = spec.total_column[0]
            for row in spec.row_keys():
                lines.append(
                    Line(tuple((row, column) for column in body_columns), (row, total_column))
                )
        total_row_key = spec.total_row[0] if spec.total_row else None
        total_column_key = spec.total_column[0] if spec.total_column else None
        return cls(
            cells=cells,
            position={cell: index for index, cell in enumerate(cells)},
            totals=frozenset(
                cell for cell in cells if cell[0] == total_row_key or cell[1] == total_column_key
            ),
            lines=tuple(lines),
            lines_of={cell: tuple(line for line in lines if cell in line.cells) for cell in cells},
        )


def _zero_hidden_cells(spec: TableSpec, small_unit: bool, layout: Layout) -> frozenset[Cell]:
    """Cells where a zero is itself primary in a small unit: the sensitive rows (with their row
    totals) and the total row. A total-row zero says that nobody in that column is in any row,
    the sensitive ones included."""
    if not small_unit or not spec.sensitive_rows:
        return frozenset()
    rows = set(spec.sensitive_rows)
    if spec.total_row is not None:
        rows.add(spec.total_row[0])
    return frozenset(cell for cell in layout.cells if cell[0] in rows)
