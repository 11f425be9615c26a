"""The disclosure-control gate: every aggregate passes through here on its way out of a centre.

The case data behind every metric are special-category personal data (see privacy.md), so
nothing computed from them reaches a person outside the centre except through this module:

* :func:`release_value` releases one value (a count, rate, median or sum of magnitudes) to one
  audience, or says in Polish why it is withheld;
* :func:`protect_table` releases a table of counts with margins: primary suppression,
  complementary suppression, and a linear-programming audit showing that no hidden cell can be
  worked out exactly;
* :func:`audit_intervals` is that audit, run on any released table.

The module is pure: no database, no Django models. Only :meth:`DisclosureSettings.from_django`
reads settings. :func:`gate_calls` counts calls of the two gate functions, so tests can prove that
an output path went through the gate. :func:`gate_stamp` is the label an output carries to say
which gate and which thresholds it passed.

**What the audit assumes an attacker knows.** The methodology is public, so the attacker knows
every published cell, every additive line (body cells sum to their total) and what the markers
mean. ``<k`` stands for a count from 1 to k−1, because zeros are published. The exception is a
sensitive row in a small unit (and there the total row), where zeros are hidden too, so ``<k``
there means 0 to k−1. ``x``
stands for a count that is *not* 1..k−1, since such a count would have been marked ``<k``. So
``x`` is 0 or at least k, and at least k in a sensitive row of a small unit. That last fact
matters: in a line ``[<10, x | 11]`` both hidden cells are given away (1 and 10) although the line
has two of them. A model that only knew "0..k−1" and "0..∞" would miss this. "0 or at least k"
is not a linear constraint. The audit applies it by repeated tightening, which is sound (it never
claims more than the attacker can know) but not always complete. The tests check the releases
against an exact mixed-integer model of the same attacker. Counts are whole numbers too, but the
additive-table constraint matrix is totally unimodular and every bound is a whole number, so the
linear programme's extremes are already whole numbers. Integrality adds nothing there.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np

from benchmarking.definitions import DisclosureClass

GATE_NAME = "benchmarking.disclosure"
GATE_VERSION = 2

Cell = tuple[str, str]  # (row key, column key)


class Audience(StrEnum):
    OWN_CENTRE = "own_centre"  # a centre's own staff looking at their own centre: nothing hidden
    REGION = "region"  # regional coordinator: named centres of own voivodeships
    PEER = "peer"  # other centres in a cohort, under pseudonyms
    MINISTRY = "ministry"  # aggregates for the ministry


class Subject(StrEnum):
    CLIENTS = "clients"  # the units are households, persons or applications of clients
    STAFF = "staff"  # the units are the centre's staff (e.g. minutes of social workers)


class CellStatus(StrEnum):
    PUBLISHED = "published"
    PRIMARY = "primary"  # count 1..k−1 (or a sensitive zero in a small unit); rate/median base < k
    DOMINANCE = "dominance"  # two largest contributors > dominance share of a magnitude sum
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell cannot be recovered
    EMPTY = "empty"  # no data or undefined (e.g. denominator 0); not a suppression


SUPPRESSED_STATUSES = frozenset(
    {CellStatus.PRIMARY, CellStatus.DOMINANCE, CellStatus.COMPLEMENTARY}
)
SUPPRESSED_MARKER = "x"
# What outputs say of any hidden value: one status, one marker, one reason. Whether a value was
# hidden for being small, dominated or as a complement stays inside the gate.
PUBLIC_SUPPRESSED = "suppressed"
REASON_SUPPRESSED = (
    "Wartość ukryta (x): jest zbyt mała, opiera się na zbyt małej liczbie osób lub ośrodków, "
    "albo ukryto ją, aby nie dało się z sum odtworzyć innej ukrytej wartości. "
    "Chroni to dane osobowe."
)


def public_status(status: CellStatus) -> str:
    """The status an output may carry: ``suppressed`` for every kind of hidden value."""
    return PUBLIC_SUPPRESSED if status in SUPPRESSED_STATUSES else status.value


# --- Settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureSettings:
    """Thresholds of the gate. The defaults are privacy.md's and are the safe choice."""

    k: int = 10
    dominance_share: float = 0.90
    small_unit_population: int = 20_000
    # Centres as contributors (issue 15): no aggregate over fewer than ``min_centres`` centres; no
    # order statistic (quartile, median of centres, rank) over fewer than ``min_order_centres``;
    # p % rule: the centres other than the two largest must make up at least p % of the largest.
    min_centres: int = 3
    min_order_centres: int = 10
    centre_p_percent: float = 10.0

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 2:
            raise ValueError(f"disclosure threshold k must be a whole number ≥ 2, got {self.k!r}")
        if not 0 < self.dominance_share <= 1:
            raise ValueError(f"dominance_share must lie in (0, 1], got {self.dominance_share!r}")
        if self.small_unit_population < 0:
            raise ValueError("small_unit_population must not be negative")
        if self.min_centres < 3 or self.min_order_centres < self.min_centres:
            raise ValueError("min_centres must be ≥ 3 and min_order_centres ≥ min_centres")
        if not 0 <= self.centre_p_percent <= 100:
            raise ValueError("centre_p_percent must lie in [0, 100]")

    @classmethod
    def from_django(cls) -> DisclosureSettings:
        """Read ``settings.BENCHMARK_DISCLOSURE`` (a dict). Missing keys keep their defaults.
        Other keys in the dict (e.g. cohort rules) are not the gate's and are ignored."""
        from django.conf import settings

        configured: Mapping[str, Any] = getattr(settings, "BENCHMARK_DISCLOSURE", None) or {}
        defaults = cls()
        return cls(
            k=int(configured.get("k", defaults.k)),
            dominance_share=float(configured.get("dominance_share", defaults.dominance_share)),
            small_unit_population=int(
                configured.get("small_unit_population", defaults.small_unit_population)
            ),
            min_centres=int(configured.get("min_centres", defaults.min_centres)),
            min_order_centres=int(configured.get("min_order_centres", defaults.min_order_centres)),
            centre_p_percent=float(configured.get("centre_p_percent", defaults.centre_p_percent)),
        )

    def marker(self, status: CellStatus) -> str | None:
        """One symbol for every hidden value: ``x``. Two symbols ("<10" for small counts, "x"
        for the rest) told an attacker which hidden cells are 1..k−1 and which are 0 or ≥ k,
        and an integer program used exactly that to pin cells (issue 15)."""
        if status in SUPPRESSED_STATUSES:
            return SUPPRESSED_MARKER
        if status == CellStatus.EMPTY:
            return "–"
        return None

    def is_small_unit(self, population: int) -> bool:
        """Whether an area is a small unit, where zeros of sensitive reasons are hidden too."""
        return population < self.small_unit_population


# --- The gate counter -----------------------------------------------------------------------------

_gate_lock = threading.Lock()
_gate_call_count = 0


def _count_gate_call() -> None:
    global _gate_call_count
    with _gate_lock:
        _gate_call_count += 1


def gate_calls() -> int:
    """How many times :func:`release_value` and :func:`protect_table` have run in this process.
    It only grows, so a test can take it before and after an output path and compare."""
    with _gate_lock:
        return _gate_call_count


def gate_stamp(settings: DisclosureSettings | None = None) -> dict[str, object]:
    """What an output carries to say which gate, and with which thresholds, released it."""
    if settings is None:
        settings = DisclosureSettings.from_django()
    return {
        "gate": GATE_NAME,
        "version": GATE_VERSION,
        "k": settings.k,
        "dominance_share": settings.dominance_share,
        "small_unit_population": settings.small_unit_population,
        "min_centres": settings.min_centres,
        "min_order_centres": settings.min_order_centres,
        "centre_p_percent": settings.centre_p_percent,
    }


# --- Single values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasedValue:
    value: Decimal | None  # None unless status is PUBLISHED
    status: CellStatus
    marker: str | None
    reason: str  # why the value is not shown, in Polish, for a clerk; "" when published

    def __post_init__(self) -> None:
        if self.value is not None and self.status != CellStatus.PUBLISHED:
            raise ValueError(f"a {self.status} value must not carry a number")

    def as_json(self) -> dict[str, object]:
        """The value as outputs carry it: a hidden value says only that it is hidden."""
        hidden = self.status in SUPPRESSED_STATUSES
        return {
            "value": None if self.value is None else str(self.value),
            "status": public_status(self.status),
            "marker": self.marker,
            "reason": REASON_SUPPRESSED if hidden else self.reason,
        }


_REASON_EMPTY = (
    "Brak danych: w tym okresie nie ma z czego policzyć tej wartości (np. mianownik wynosi zero)."
)
_WHY_PERSONS = "bo mogłaby pozwolić rozpoznać konkretne osoby"


def release_value(
    *,
    disclosure: DisclosureClass,
    subject: Subject,
    value: Decimal | None,
    numerator: Decimal,
    denominator: Decimal | None,
    n: int,
    top_shares: Sequence[float],
    audience: Audience,
    settings: DisclosureSettings | None = None,
    centres: Sequence[Decimal] | None = None,
) -> ReleasedValue:
    """Release one value to ``audience``, or withhold it with a marker and a reason.

    * ``value`` None: EMPTY, for every audience. There is nothing to show, and nothing is hidden.
    * OWN_CENTRE: published as is. The centre's staff already see the records. The call still goes
      through here, so that every output path is counted.
    * STAFFING (staff and population, not clients): published.
    * COUNT: a numerator of 1..k−1 is PRIMARY.
    * RATE: PRIMARY when the base ``n`` or the numerator is below k. A numerator of 0 is below k
      too. That is privacy.md's literal rule, and it is kept on purpose: "none of the 8 cases" is
      as telling as "all of them".
    * MEDIAN: PRIMARY when fewer than k units lie behind it.
    * MAGNITUDE: PRIMARY when the units are clients and fewer than k. Otherwise DOMINANCE when the
      two largest contributors make up more than the dominance share, or when there are only one
      or two contributors to a non-zero sum (then they make up all of it).

    * COUNT also when the *value* is a mean of counts (a count per month over a window): a mean
      from 0 to k is PRIMARY like a count, because mean × months stands in for the hidden count.
    * ``centres`` (the centres' contributions, for an aggregate over centres): DOMINANCE when
      fewer than ``min_centres`` centres contribute, or when the p % rule fails at centre level
      (see :func:`centre_rule`). Not applied to OWN_CENTRE, nor when ``centres`` is None (a named
      centre's own value shown to its coordinator).

    ``denominator`` is accepted for the record. The rules need only the numerator and ``n``.
    """
    _count_gate_call()
    if settings is None:
        settings = DisclosureSettings.from_django()
    status, reason = _value_status(
        disclosure=disclosure,
        subject=subject,
        value=value,
        numerator=numerator,
        n=n,
        top_shares=top_shares,
        audience=audience,
        settings=settings,
    )
    if (
        status == CellStatus.PUBLISHED
        and centres is not None
        and audience != Audience.OWN_CENTRE
        and value is not None
    ):
        refusal = centre_rule(centres, settings)
        if refusal:
            status, reason = CellStatus.DOMINANCE, refusal
    if status == CellStatus.PUBLISHED:
        return ReleasedValue(value=value, status=status, marker=None, reason="")
    return ReleasedValue(value=None, status=status, marker=settings.marker(status), reason=reason)


def _value_status(
    *,
    disclosure: DisclosureClass,
    subject: Subject,
    value: Decimal | None,
    numerator: Decimal,
    n: int,
    top_shares: Sequence[float],
    audience: Audience,
    settings: DisclosureSettings,
) -> tuple[CellStatus, str]:
    k = settings.k
    if value is None:
        return CellStatus.EMPTY, _REASON_EMPTY
    if audience == Audience.OWN_CENTRE or disclosure == DisclosureClass.STAFFING:
        return CellStatus.PUBLISHED, ""
    if disclosure == DisclosureClass.COUNT:
        if 0 < numerator < k or 0 < value < k:
            return CellStatus.PRIMARY, (
                f"Liczba jest mniejsza niż {k}. Nie pokazujemy jej, {_WHY_PERSONS}."
            )
    elif disclosure == DisclosureClass.RATE:
        if n < k:
            return CellStatus.PRIMARY, (
                f"Wskaźnik policzono z mniej niż {k} przypadków. "
                f"Nie pokazujemy go, bo mógłby pozwolić rozpoznać konkretne osoby."
            )
        if numerator < k:
            return CellStatus.PRIMARY, (
                f"Licznik wskaźnika jest mniejszy niż {k}. "
                f"Wskaźnika nie pokazujemy, bo mógłby pozwolić rozpoznać konkretne osoby."
            )
    elif disclosure == DisclosureClass.MEDIAN:
        if n < k:
            return CellStatus.PRIMARY, (
                f"Medianę policzono z mniej niż {k} przypadków. Nie pokazujemy jej, {_WHY_PERSONS}."
            )
    elif disclosure == DisclosureClass.MAGNITUDE:
        if subject == Subject.CLIENTS and n < k:
            return CellStatus.PRIMARY, (
                f"Suma dotyczy mniej niż {k} osób lub gospodarstw. "
                f"Nie pokazujemy jej, {_WHY_PERSONS}."
            )
        if _dominated(numerator, n, top_shares, settings.dominance_share):
            share = f"{settings.dominance_share * 100:g}".replace(".", ",")
            if subject == Subject.STAFF:
                return CellStatus.DOMINANCE, (
                    f"Ponad {share}% tej sumy przypada na dwóch pracowników. "
                    f"Nie pokazujemy jej, bo ujawniłaby dane konkretnych pracowników."
                )
            return CellStatus.DOMINANCE, (
                f"Ponad {share}% tej sumy przypada na dwie osoby lub dwa gospodarstwa. "
                f"Nie pokazujemy jej, bo ujawniłaby dane konkretnych osób."
            )
    return CellStatus.PUBLISHED, ""


def centre_rule(
    contributions: Sequence[Decimal | int | float], settings: DisclosureSettings
) -> str:
    """Why an aggregate over centres may not be shown, in Polish, or "" when it may.

    ``contributions`` are the centres' parts of the aggregate (their counts, bases or sums). A
    zero aggregate has nothing to dominate. Otherwise at least ``min_centres`` centres must
    contribute, and the p % rule must hold: the centres other than the two largest make up at
    least p % of the largest, so that the second-largest centre cannot estimate the largest to
    within p % by subtracting its own part.
    """
    parts = sorted((abs(float(c)) for c in contributions if c), reverse=True)
    if not parts:
        return ""
    if len(parts) < settings.min_centres:
        return (
            f"Wartość opiera się na danych mniej niż {settings.min_centres} ośrodków. "
            "Nie pokazujemy jej, bo ujawniłaby dane pojedynczego ośrodka."
        )
    rest = sum(parts[2:])
    if rest < settings.centre_p_percent / 100 * parts[0]:
        return (
            "Jeden lub dwa ośrodki wnoszą niemal całą tę wartość. Nie pokazujemy jej, bo "
            "ujawniłaby dane pojedynczego ośrodka."
        )
    return ""


def scope_refusal(centre_count: int, settings: DisclosureSettings | None = None) -> str:
    """Why a scope (a set of centres) may not be released as an aggregate, or "" if it may."""
    if settings is None:
        settings = DisclosureSettings.from_django()
    if centre_count < settings.min_centres:
        return (
            f"W tym zakresie są dane tylko {centre_count} "
            f"{'ośrodka' if centre_count == 1 else 'ośrodków'}, a zestawienia zbiorcze pokazujemy "
            f"dla co najmniej {settings.min_centres} ośrodków: wartość zbiorcza jednego czy dwóch "
            "ośrodków to dane tych ośrodków (ochrona danych osobowych)."
        )
    return ""


def _dominated(numerator: Decimal, n: int, top_shares: Sequence[float], share: float) -> bool:
    largest_two = sorted(top_shares, reverse=True)[:2]
    if sum(largest_two) > share:
        return True
    return 0 < n <= 2 and numerator != 0


# --- Tables of counts -----------------------------------------------------------------------------


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
        layout = _Layout.of(self.spec)
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
class _Line:
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
class _Layout:
    """Cells of a table in reading order, its additive lines and which lines each cell is in."""

    cells: tuple[Cell, ...]
    position: Mapping[Cell, int]
    totals: frozenset[Cell]
    lines: tuple[_Line, ...]
    lines_of: Mapping[Cell, tuple[_Line, ...]]

    @classmethod
    def of(cls, spec: TableSpec) -> _Layout:
        body_rows = [key for key, _ in spec.rows]
        body_columns = [key for key, _ in spec.columns]
        cells = tuple((row, column) for row in spec.row_keys() for column in spec.column_keys())
        lines: list[_Line] = []
        if spec.total_row is not None:
            total_row = spec.total_row[0]
            for column in spec.column_keys():
                lines.append(_Line(tuple((row, column) for row in body_rows), (total_row, column)))
        if spec.total_column is not None:
            total_column = spec.total_column[0]
            for row in spec.row_keys():
                lines.append(
                    _Line(tuple((row, column) for column in body_columns), (row, total_column))
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


def _zero_hidden_cells(spec: TableSpec, small_unit: bool, layout: _Layout) -> frozenset[Cell]:
    """Cells where a zero is itself primary in a small unit: the sensitive rows (with their row
    totals) and the total row. A total-row zero says that nobody in that column is in any row,
    the sensitive ones included."""
    if not small_unit or not spec.sensitive_rows:
        return frozenset()
    rows = set(spec.sensitive_rows)
    if spec.total_row is not None:
        rows.add(spec.total_row[0])
    return frozenset(cell for cell in layout.cells if cell[0] in rows)


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
    layout = _Layout.of(table.spec)
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


def protected(interval: tuple[float, float], *, sensitive: bool, k: int) -> bool:
    """Whether a hidden cell keeps enough uncertainty: a sensitive cell (a small count, a hidden
    sensitive zero, a dominated sum) a protection interval at least k wide, any other hidden
    cell at least not a single value."""
    low, high = interval
    return high - low >= (k if sensitive else 1) - 0.5


def _hidden_in(line: _Line, suppressed: set[Cell]) -> int:
    return sum(1 for cell in line.cells if cell in suppressed)


def _complete_lines(layout: _Layout, counts: Mapping[Cell, int], suppressed: set[Cell]) -> None:
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
    layout: _Layout,
    counts: Mapping[Cell, int],
    suppressed: set[Cell],
    cell: Cell,
    line: _Line | None,
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
    layout: _Layout,
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


def _reachable_lines(layout: _Layout, suppressed: set[Cell], start: Cell) -> list[_Line]:
    """Lines connected to ``start`` through hidden cells, in a fixed order."""
    seen_cells = {start}
    seen_lines: list[_Line] = []
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


# --- The audit ------------------------------------------------------------------------------------


def audit_intervals(released: ReleasedTable) -> dict[Cell, tuple[float, float]]:
    """For every hidden cell, the smallest and largest value an attacker can derive from the
    release. Upper ends may be ``inf``.

    Each extreme is the optimum of a linear programme (scipy's HiGHS). The variables are the hidden
    cells, each at least 0: with one marker for every hidden value, the marker says nothing about
    the size of a hidden cell. The constraints are every additive line, with published cells as
    constants. Extremes are rounded to whole numbers. The constraint matrix of one table is
    totally unimodular, so they are whole numbers anyway and integrality adds nothing; linked
    tables (``benchmarking.linked``) use a mixed-integer programme instead.

    Raises ValueError if the released table is incomplete or inconsistent (no values satisfy
    it).
    """
    layout = _Layout.of(released.spec)
    published: dict[Cell, int] = {}
    hidden: set[Cell] = set()
    for cell in layout.cells:
        released_cell = released.cells.get(cell)
        if released_cell is None:
            raise ValueError(f"table {released.spec.code}: no released cell {cell}")
        if released_cell.status in SUPPRESSED_STATUSES:
            hidden.add(cell)
        elif released_cell.value is None:
            raise ValueError(f"table {released.spec.code}: cell {cell} is neither shown nor hidden")
        else:
            published[cell] = released_cell.value
    return _audit(layout, published, hidden)


Bounds = tuple[float, float | None]
_Group = tuple[list[Cell], list[_Line]]  # hidden cells sharing lines, and those lines


def _audit(
    layout: _Layout, published: Mapping[Cell, int], suppressed: set[Cell] | frozenset[Cell]
) -> dict[Cell, tuple[float, float]]:
    hidden = sorted(suppressed, key=layout.position.__getitem__)
    bounds: dict[Cell, Bounds] = dict.fromkeys(hidden, (0, None))
    return _intervals(_groups(layout, hidden), published, bounds)


def _groups(layout: _Layout, hidden: list[Cell]) -> list[_Group]:
    """Split the hidden cells into groups that share no line: independent linear programmes."""
    parent = {cell: cell for cell in hidden}

    def root(cell: Cell) -> Cell:
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    for line in layout.lines:
        members = [cell for cell in line.cells if cell in parent]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[Cell, _Group] = {}
    for cell in hidden:
        groups.setdefault(root(cell), ([], []))[0].append(cell)
    for line in layout.lines:
        members = [cell for cell in line.cells if cell in parent]
        if members:
            groups[root(members[0])][1].append(line)
    return list(groups.values())


def _intervals(
    groups: list[_Group], published: Mapping[Cell, int], bounds: Mapping[Cell, Bounds]
) -> dict[Cell, tuple[float, float]]:
    """Minimum and maximum of every hidden cell of ``groups``, from a single linear programme.

    One ``linprog`` call per cell and direction costs milliseconds of set-up each, which adds up
    to seconds for a table. So the programmes are stacked instead: for every cell and direction,
    one copy of its group's equations, with an objective that minimises (or maximises) that cell
    in that copy. The copies share no variable, so an optimum of the stack is an optimum of every
    copy.

    The stack must be bounded, so open upper bounds are capped. The equations are those of a
    network flow: lines are nodes and each hidden cell is an arc between its two lines, after
    flipping the signs of some lines. So every vertex has each value at most ``reach``, i.e. twice
    the sum of the right-hand sides plus the finite bounds. A cap of ``2 * reach + 1`` therefore
    leaves every finite extreme as it is. An extreme above ``reach`` can only come from an
    unbounded direction, and is reported as ``inf``.
    """
    result: dict[Cell, tuple[float, float]] = {}
    rows: list[int] = []
    columns: list[int] = []
    coefficients: list[float] = []
    rhs: list[float] = []
    objective: list[float] = []
    var_bounds: list[tuple[float, float]] = []
    reads: list[tuple[Cell, int, float]] = []  # (cell, its column in the stack, its reach)
    for variables, lines in groups:
        if not lines:  # a table without margins: the markers are all there is to know
            for cell in variables:
                low, high = bounds[cell]
                result[cell] = (float(low), float("inf") if high is None else float(high))
            continue
        index = {cell: i for i, cell in enumerate(variables)}
        equations: list[tuple[list[tuple[int, int]], float]] = []
        for line in lines:
            terms = [(index[cell], sign) for cell, sign in line.terms() if cell in index]
            constant = sum(
                sign * published[cell] for cell, sign in line.terms() if cell not in index
            )
            equations.append((terms, float(-constant)))
        finite = [(low, high) for low, high in (bounds[cell] for cell in variables)]
        reach = 2 * sum(abs(value) for _, value in equations) + sum(
            max(abs(low), abs(high if high is not None else low)) for low, high in finite
        )
        capped = [
            (float(low), float(2 * reach + 1 if high is None else high)) for low, high in finite
        ]
        for cell in variables:
            for direction in (1.0, -1.0):
                offset, row_offset = len(objective), len(rhs)
                for row, (terms, value) in enumerate(equations):
                    for i, sign in terms:
                        rows.append(row_offset + row)
                        columns.append(offset + i)
                        coefficients.append(sign)
                    rhs.append(value)
                objective.extend(direction if other == cell else 0.0 for other in variables)
                var_bounds.extend(capped)
                reads.append((cell, offset + index[cell], reach))
    if not reads:
        return result

    # Imported here: scipy is heavy, and most callers only release single values.
    from scipy.optimize import linprog  # type: ignore[import-untyped,unused-ignore]
    from scipy.sparse import coo_array  # type: ignore[import-untyped,unused-ignore]

    a_eq = coo_array((coefficients, (rows, columns)), shape=(len(rhs), len(objective))).tocsr()
    solution = linprog(
        np.array(objective),
        A_eq=a_eq,
        b_eq=np.array(rhs),
        bounds=np.array(var_bounds),
        method="highs",
    )
    if solution.status != 0:
        raise ValueError(f"disclosure audit: no values fit the release ({solution.message})")
    extremes: dict[Cell, list[float]] = {}
    for cell, column, reach in reads:
        value = float(round(solution.x[column]))
        extremes.setdefault(cell, []).append(float("inf") if value > reach + 0.5 else value)
    for cell, (low, high) in extremes.items():
        result[cell] = (low, high)
    return result
