"""The one-table audit: for every hidden cell, the range an attacker holding the table can
derive (a linear programme per group of hidden cells sharing lines)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from benchmarking.disclosure.gate import SUPPRESSED_STATUSES, Cell
from benchmarking.disclosure.tables import Layout, Line, ReleasedTable


def protected(interval: tuple[float, float], *, sensitive: bool, k: int) -> bool:
    """Whether a hidden cell keeps enough uncertainty: a sensitive cell (a small count, a hidden
    sensitive zero, a dominated sum) a protection interval at least k wide, any other hidden
    cell at least not a single value."""
    low, high = interval
    return high - low >= (k if sensitive else 1) - 0.5


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
    layout = Layout.of(released.spec)
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
_Group = tuple[list[Cell], list[Line]]  # hidden cells sharing lines, and those lines


def _audit(
    layout: Layout, published: Mapping[Cell, int], suppressed: set[Cell] | frozenset[Cell]
) -> dict[Cell, tuple[float, float]]:
    hidden = sorted(suppressed, key=layout.position.__getitem__)
    bounds: dict[Cell, Bounds] = dict.fromkeys(hidden, (0, None))
    return _intervals(_groups(layout, hidden), published, bounds)


def _groups(layout: Layout, hidden: list[Cell]) -> list[_Group]:
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
