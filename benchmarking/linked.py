"""Linked-table suppression and audit: a release protected together with everything related to it
that is already out (privacy.md, "Releases are one family").

One table at a time is not enough. An attacker holds every published table and knows the public
structure that links them: the country is the sum of its voivodeships, a year's events are the
sum of its half-years, the households of a year are at least those of either half and at most
their sum, persons are at least households, "ogółem" is at least each form of help and at most
their sum, contracts achieved are at most contracts completed. A *family* is the cells of the
release being built together with the cells of earlier releases (from the ledger of published
cells) and those relations. This module:

* :func:`audit_family` works out, for every hidden cell, the smallest and largest value the
  relations and the published values allow, by a mixed-integer programme per connected group of
  hidden cells (scipy's ``milp``, HiGHS). Cells that were never published (e.g. a voivodeship no
  one asked for) are unknowns too, at least 0. Hidden cells carry one marker, so they are only
  known to be whole numbers ≥ 0.
* :func:`protect_family` hides the sensitive cells of the new release, everything hidden before
  (the pattern is kept per cell, for good), and as many more cells of the new release as needed
  until every sensitive hidden cell keeps a *protection interval* at least k wide (a magnitude,
  such as a sum of hours: p % of its value, ``Family.required``) and no hidden cell is a single
  value. If that is impossible because earlier releases already fix a cell, it
  raises :class:`Unprotectable` with a Polish reason and nothing is released.

The module is pure: no database (refusal reasons are marked for translation).
``benchmarking.exports`` builds families from the ledger.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext

Key = tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    """``sum(coefficient × cell) == bound`` (``equal``) or ``<= bound``."""

    terms: tuple[tuple[Key, int], ...]
    equal: bool = True
    bound: int = 0

    @classmethod
    def total(cls, parts: Iterable[Key], total: Key) -> Relation:
        """The parts add up to the total."""
        return cls((*((p, 1) for p in parts), (total, -1)))

    @classmethod
    def at_most(cls, small: Key, large: Key) -> Relation:
        """``small <= large``."""
        return cls(((small, 1), (large, -1)), equal=False)

    @classmethod
    def at_most_sum(cls, whole: Key, parts: Iterable[Key]) -> Relation:
        """``whole <= sum(parts)``."""
        return cls(((whole, 1), *((p, -1) for p in parts)), equal=False)

    @classmethod
    def near_total(cls, parts: Iterable[Key], total: Key, slack: int) -> list[Relation]:
        """The parts add up to the total within ``slack`` either way: values rounded each on
        its own (sums of hours shown to a tenth, held in tenths) add up only that closely."""
        parts = list(parts)
        return [
            cls((*((p, 1) for p in parts), (total, -1)), equal=False, bound=slack),
            cls((*((p, -1) for p in parts), (total, 1)), equal=False, bound=slack),
        ]

    def cells(self) -> list[Key]:
        return [key for key, _ in self.terms]


@dataclass(frozen=True)
class Ratio:
    """An indicator published beside the counts it is computed from:
    ``value = scale × sum(numerator) / sum(denominator)`` (a rate: a share of counts), or
    ``value = sum(numerator) / months`` (a mean of counts per month), shown rounded to
    ``decimals`` places.

    The value is held as a whole number of its last shown place (66.7 % with one decimal is
    ``667``), so every value in a family stays a whole number. A reader holding it knows that
    the true ratio lies within half a place of it, i.e. the two linear bounds
    ``(2u − 1) × den ≤ 2 × scale × 10^decimals × num ≤ (2u + 1) × den``: a published rate beside
    a published denominator pins its numerator, a mean times its months is the total. A hidden
    indicator tells nothing, so the bounds hold only while the value is published."""

    value: Key
    numerator: tuple[Key, ...]
    denominator: tuple[Key, ...] = ()
    months: int = 0  # a constant denominator (means per month); 0 when ``denominator`` is used
    scale: int = 1  # 100 for a share shown in per cent
    decimals: int = 2

    def cells(self) -> list[Key]:
        return [self.value, *self.numerator, *self.denominator]

    def units(self, shown: Decimal | float | int) -> int:
        """A shown value as a whole number of its last place (what the family holds)."""
        return int((Decimal(str(shown)) * 10**self.decimals).to_integral_value())

    def rows(self, value: int) -> list[tuple[list[tuple[Key, int]], int]]:
        """The bounds a reader holding ``value`` (in units of the last place) knows, as
        ``sum(coefficient × cell) <= bound``."""
        factor = 2 * self.scale * 10**self.decimals
        if self.months:
            total = [(key, factor) for key in self.numerator]
            return [
                (total, (2 * value + 1) * self.months),
                ([(key, -c) for key, c in total], -(2 * value - 1) * self.months),
            ]
        return [
            (
                [*((key, factor) for key in self.numerator),
                 *((key, -(2 * value + 1)) for key in self.denominator)],
                0,
            ),
            (
                [*((key, -factor) for key in self.numerator),
                 *((key, 2 * value - 1) for key in self.denominator)],
                0,
            ),
        ]  # fmt: skip


Constraint = Relation | Ratio


def canonical(relations: Iterable[Constraint]) -> list[Constraint]:
    """``relations`` in one order whatever order they came in, each with its terms sorted: the
    families are built from sets, whose order changes with Python's hash seed from one process
    to the next, and the programmes' ties (which complement a linear programme picks) follow the
    order of their rows. Two builds of the same release hide the same cells."""

    def ordered(constraint: Constraint) -> Constraint:
        if isinstance(constraint, Relation):
            return replace(constraint, terms=tuple(sorted(constraint.terms)))
        return replace(
            constraint,
            numerator=tuple(sorted(constraint.numerator)),
            denominator=tuple(sorted(constraint.denominator)),
        )

    def rank(constraint: Constraint) -> tuple[Any, ...]:
        if isinstance(constraint, Relation):
            return (0, constraint.terms, constraint.equal, constraint.bound)
        return (1, constraint.value, constraint.numerator, constraint.denominator,
                constraint.months, constraint.scale, constraint.decimals)  # fmt: skip

    return sorted((ordered(constraint) for constraint in relations), key=rank)


class Unprotectable(Exception):
    """A release that cannot be protected against what is already published."""

    def __init__(self, cell: Key, message: str) -> None:
        super().__init__(message)
        self.cell = cell
        self.message = message


@dataclass
class Family:
    """A release being built (``current``: true values of its cells) among earlier releases."""

    current: dict[Key, int]
    relations: Sequence[Constraint]  # ratios' values held in units of their last place
    # Cells hidden for themselves: of ``current`` (they must be hidden) and of earlier releases.
    sensitive: set[Key] = field(default_factory=set)
    published_before: dict[Key, int] = field(default_factory=dict)  # values already out
    hidden_before: set[Key] = field(default_factory=set)  # hidden in an earlier release
    totals: set[Key] = field(default_factory=set)  # margins: hidden last, if at all
    # The protection interval a sensitive cell needs when k is not enough: a magnitude's share
    # of its own value (a sum of hours hidden for dominance must stay uncertain by p % of it,
    # not by k tenths of an hour).
    required: dict[Key, int] = field(default_factory=dict)

    def need(self, key: Key, k: int) -> int:
        """The width of the protection interval ``key`` must keep (1 outside sensitive cells:
        not a single value)."""
        return max(k, self.required.get(key, k)) if key in self.sensitive else 1

    def __post_init__(self) -> None:
        self.relations = canonical(self.relations)


def superseded(
    published_before: Mapping[Key, int],
    current: Mapping[Key, int],
    relations: Sequence[Constraint],
) -> set[Key]:
    """Earlier published values that the new release's values contradict under the public
    relations: the data were corrected since (a late record, a recomputed month). These values
    describe data that no longer exist, so they stop being constants of the audit; everything
    hidden before stays hidden all the same (``Family.hidden_before``), and earlier values that
    still agree with the new ones stay constants. This is the re-release procedure after
    corrections (``deploy/runbooks/disclosure.md``)."""
    known = {**published_before, **current}
    out: set[Key] = set()
    for relation in relations:
        if not all(key in known for key in relation.cells()):
            continue
        if not all(_holds(row, known) for row in _rows(relation, known)):
            out |= {
                key for key in relation.cells() if key in published_before and key not in current
            }
    return out


Row = tuple[list[tuple[Key, int]], int, bool]  # sum(coefficient × cell) == or <= bound


def _rows(relation: Constraint, published: Mapping[Key, int]) -> list[Row]:
    """The linear rows a reader holding ``published`` knows from one relation."""
    if isinstance(relation, Relation):
        return [(list(relation.terms), relation.bound, relation.equal)]
    if relation.value not in published:
        return []  # a hidden indicator tells nothing
    return [(terms, bound, False) for terms, bound in relation.rows(published[relation.value])]


def _holds(row: Row, known: Mapping[Key, int]) -> bool:
    terms, bound, equal = row
    total = sum(coefficient * known[key] for key, coefficient in terms)
    return total == bound if equal else total <= bound


def protect_corrected(family: Family, *, k: int, earlier: Mapping[Key, int]) -> set[Key]:
    """:func:`protect_family` for a release that may follow a correction of the data.
    ``earlier``: every value published before, including those of cells the release shows
    again. Earlier values the new ones contradict directly are dropped first
    (:func:`superseded`); if the published values still admit no solution (a contradiction
    through hidden cells), the earlier values sharing a relation with a cell of the release that
    changed or was not shown before are dropped too. Hidden cells stay hidden whatever is
    dropped. Raises ValueError if even then no values fit, Unprotectable as
    :func:`protect_family`."""
    drop = superseded(family.published_before, family.current, family.relations)
    # Cells of this release published before with the same value stay known to the reader:
    # hiding them now would hide nothing. Where the ledger holds a cell both shown and hidden
    # (releases from before the per-cell memory), its neighbours are first hidden as before, so
    # that the cell hidden since is not simply the total minus them in this release.
    legacy = {key for key in family.hidden_before if key in earlier}
    near_legacy = {
        key for relation in family.relations if legacy & set(relation.cells())
        for key in relation.cells()
    }  # fmt: skip
    known = {key: v for key, v in family.current.items() if earlier.get(key) == v}
    lenient = {
        key: v
        for key, v in known.items()
        if key not in family.hidden_before and key not in near_legacy
    }
    suppressed = _protect_known(family, drop, lenient, k=k, earlier=earlier)
    if lenient == known:
        return suppressed
    # The reader holds those neighbours all the same: with every value known to the reader a
    # constant, the cells hidden so far must still leave each hidden cell protected (a quarter
    # shown beside two months known from an earlier answer would pin the third month).
    return _protect_known(
        replace(family, hidden_before=family.hidden_before | suppressed),
        drop,
        known,
        k=k,
        earlier=earlier,
    )


def _protect_known(
    family: Family,
    drop: set[Key],
    unchanged: Mapping[Key, int],
    *,
    k: int,
    earlier: Mapping[Key, int],
) -> set[Key]:
    """:func:`protect_family` with the earlier values but ``drop`` and the cells of the release
    in ``unchanged`` (shown before with the same value) as constants; when they admit no
    solution, without the earlier values near a cell that changed (see
    :func:`protect_corrected`)."""
    family = replace(
        family,
        published_before={
            **{key: v for key, v in family.published_before.items() if key not in drop},
            **unchanged,
        },
    )
    try:
        return protect_family(family, k=k)
    except ValueError:
        # Cells whose value changed, and those never shown before (hidden ones may have changed
        # unseen).
        changed = {key for key, v in family.current.items() if earlier.get(key) != v}
        near = {
            key
            for relation in family.relations
            if changed & set(relation.cells())
            for key in relation.cells()
        }
        near -= set(unchanged)
        if not near & set(family.published_before):
            raise
        family = replace(
            family,
            published_before={
                key: v for key, v in family.published_before.items() if key not in near
            },
        )
        return protect_family(family, k=k)


def protected(interval: tuple[float, float], *, sensitive: bool, k: int) -> bool:
    low, high = interval
    return high - low >= (k if sensitive else 1) - 0.5


def protect_family(family: Family, *, k: int, limit: int = 10_000) -> set[Key]:
    """The cells of ``family.current`` to hide. See the module docstring.

    Hiding one more cell only widens what a reader can tell: a value he held becomes an unknown
    whole number ≥ 0, and a hidden indicator's bounds go. So a cell once proven protected stays
    protected, and after each complementary suppression only the group of unknowns it joins is
    audited again (:class:`_Audit` keeps the verdicts per group). For an exposed cell, the
    cells that together give it its room are hidden at once (:func:`_complementary`)."""
    current = family.current
    # A cell hidden before stays hidden; a cell published before cannot be taken back.
    suppressed = {key for key in current if key in family.sensitive or key in family.hidden_before}
    # A cell published before is out: sensitive or not, it cannot be hidden now.
    # Sensitive cells of the new release, and those of earlier releases still hidden.
    sensitive = set(family.sensitive)
    # Values already out are constants: cells of earlier releases, and cells of this release
    # published before with the same value (hiding them now would hide nothing).
    fixed = {
        key: value
        for key, value in family.published_before.items()
        if key not in current or current[key] == value
    }
    hideable = {key: v for key, v in current.items() if key not in fixed}
    relations_of: dict[Key, list[Constraint]] = {}
    for relation in family.relations:
        for key in relation.cells():
            relations_of.setdefault(key, []).append(relation)
    # An indicator beside its counts is hidden before the counts are.
    indicators = {r.value for r in family.relations if isinstance(r, Ratio)}
    audit = _Audit(family.relations)
    safe: set[Key] = set()  # proven protected: stays so whatever is hidden next
    exposed_before: set[Key] = set()
    # Pinned at 0 when last seen (outside sensitive cells): can only widen, never be exposed;
    # whether it still is matters only for the release's pattern, found at the end.
    zero_before: set[Key] = set()
    for _ in range(limit):
        published = fixed | {key: v for key, v in current.items() if key not in suppressed}
        programmes = audit.programmes(published, current)
        watched = suppressed | (family.hidden_before - set(current))
        open_ = watched - safe - zero_before
        target: Key | None = None
        # In key order, as one full audit would rank them; the first exposed cell is the target.
        for key in sorted(open_):
            programme = programmes.get(key)
            if programme is None:
                continue  # in no relation with anything: any whole number ≥ 0
            if key not in exposed_before:
                programme.stretch(
                    {
                        cell: family.need(cell, k)
                        for cell in programme.group.variables
                        if cell in open_
                    }
                )
            verdict = programme.verdict(
                key,
                sensitive=key in sensitive,
                k=family.need(key, k) if key in sensitive else k,
                suspect=key in exposed_before,
            )
            if verdict is _Verdict.PROTECTED:
                safe.add(key)
            elif verdict is _Verdict.ZERO:
                zero_before.add(key)
            else:
                target = key
                exposed_before.add(key)
                break
        if target is None:
            zero = {
                key
                for key in zero_before
                if key in programmes
                and programmes[key].verdict(key, sensitive=False, k=k, suspect=True)
                is _Verdict.ZERO
            }
            # Hidden complements proven 0 hide nothing (outside sensitive cells): shown as 0.
            return {key for key in suppressed if key in sensitive or key not in zero}
        chosen = _complementary(
            target,
            hideable,
            fixed,
            suppressed,
            relations_of,
            family.totals,
            indicators,
            need=family.need(target, k),
        )
        if not chosen:
            raise Unprotectable(
                target,
                gettext(
                    "Tego zestawienia nie da się wydać: razem z tym, co już opublikowano, "
                    "pozwoliłoby odtworzyć ukrytą wartość (%(cell)s). Wybierz inny okres lub "
                    "zakres albo wydanie z szumem różnicowym."
                )
                % {"cell": " / ".join(target)},
            )
        suppressed |= chosen
        SOLVER_CALLS.rounds += 1
    raise Unprotectable(("?",), gettext("Nie udało się dobrać ukrywania uzupełniającego."))


def _complementary(
    target: Key,
    current: Mapping[Key, int],
    fixed: Mapping[Key, int],
    suppressed: set[Key],
    relations_of: Mapping[Key, list[Constraint]],
    totals: set[Key],
    indicators: set[Key],
    *,
    need: int,
) -> set[Key]:
    """The cells to hide next for the exposed ``target`` (``current``: the cells of the new
    release that can still be hidden): those that give it room ``need`` wide together
    (:func:`_complements`), else the next one in order (:func:`_next_to_hide`); nothing if no
    cell of the new release is linked to it."""
    chosen = _complements(target, current, fixed, suppressed, relations_of, totals, need)
    if chosen:
        return chosen
    candidate = _next_to_hide(target, current, suppressed, relations_of, totals, indicators)
    return set() if candidate is None else {candidate}


def _next_to_hide(
    target: Key,
    current: Mapping[Key, int],
    suppressed: set[Key],
    relations_of: Mapping[Key, list[Constraint]],
    totals: set[Key],
    indicators: set[Key] = frozenset(),  # type: ignore[assignment]  # read only
) -> Key | None:
    """A cell of the new release in a relation of ``target``, or reachable from it through
    hidden or unknown cells: indicators (rates, means) first, then non-zero cells, body cells
    before margins, then the smallest."""
    seen = {target}
    frontier = [target]
    while frontier:
        candidates: set[Key] = set()
        following: list[Key] = []
        for key in frontier:
            for relation in relations_of.get(key, []):
                for other in relation.cells():
                    if other in seen:
                        continue
                    seen.add(other)
                    if other in current and other not in suppressed:
                        candidates.add(other)
                    else:
                        following.append(other)
        if candidates:
            return min(
                candidates,
                key=lambda c: (c not in indicators, current[c] == 0, c in totals, current[c], c),
            )
        frontier = following
    return None


MARGIN_COST = 2.0  # a margin (a total, "ogółem") costs as much as two body cells to hide
INDICATOR_COST = 0.5  # an indicator beside its counts is hidden before the counts are


def _complements(
    target: Key,
    current: Mapping[Key, int],
    fixed: Mapping[Key, int],
    suppressed: set[Key],
    relations_of: Mapping[Key, list[Constraint]],
    totals: set[Key],
    need: int,
) -> set[Key]:
    """The cells of the new release to hide together so that ``target`` (hidden, of the new
    release) can lie ``need`` above (or below) its true value while every relation holds: the
    classic choice of cell suppression by capacity, as one linear programme. Each cell of the
    release still shown may move from its true value at a cost per unit of ``weight /
    capacity``, where the capacity is how far it can usefully move (down: its value, at most
    ``need``; up: ``need``), so one cell whose value alone gives the room is cheaper than several
    small ones; margins cost more than body cells, indicators less (a shown indicator's bounds
    give way at that cost). Hidden and unknown cells move freely, values already out not at all.
    The cells that move in the cheaper of the two directions are returned; nothing when no
    direction fits, or when the relaxation fits without moving any (the integer audit found the
    target exposed all the same): then one cell at a time (:func:`_next_to_hide`).

    The cells returned need not suffice (the programme is linear, and a newly hidden cell may
    be pinned by another relation): the audit checks everything again after they are hidden."""
    from scipy.optimize import linprog  # scipy is heavy
    from scipy.sparse import coo_array

    if target not in current or target in fixed:
        return set()
    # The cells linked to the target through cells that may change (values already out cut
    # the links: they are constants), and every relation among them.
    seen = {target}
    frontier = [target]
    constraints: dict[int, Constraint] = {}
    while frontier:
        following: list[Key] = []
        for key in frontier:
            for relation in relations_of.get(key, []):
                if isinstance(relation, Ratio) and not (
                    relation.value in fixed
                    or (relation.value in current and relation.value not in suppressed)
                ):
                    continue  # a hidden indicator tells nothing
                constraints.setdefault(id(relation), relation)
                for other in relation.cells():
                    if other in seen or other in fixed:
                        continue
                    seen.add(other)
                    following.append(other)
        frontier = following
    variables = sorted(key for key in seen if key not in fixed)
    index = {key: i for i, key in enumerate(variables)}
    shown = [key for key in variables if key in current and key not in suppressed]
    # Columns: x (every variable cell, ≥ 0), then per shown cell its rise and fall, then one
    # slack per row of a shown indicator.
    size = len(variables)
    rise = {key: size + 2 * j for j, key in enumerate(shown)}
    fall = {key: size + 2 * j + 1 for j, key in enumerate(shown)}
    columns = size + 2 * len(shown)
    cost: list[float] = [0.0] * columns
    upper: list[float] = [math.inf] * columns
    for key in shown:
        weight = MARGIN_COST if key in totals else 1.0
        cost[rise[key]] = weight / need
        cost[fall[key]] = weight / max(1, min(current[key], need))
        upper[fall[key]] = float(current[key])
    eq: tuple[list[float], list[int], list[int]] = ([], [], [])
    eq_rhs: list[float] = []
    ub: tuple[list[float], list[int], list[int]] = ([], [], [])
    ub_rhs: list[float] = []
    slack_of: dict[int, Key] = {}

    def add(
        matrix: tuple[list[float], list[int], list[int]],
        rhs: list[float],
        terms: Iterable[tuple[int, float]],
        bound: float,
    ) -> None:
        row = len(rhs)
        for column, coefficient in terms:
            matrix[0].append(coefficient)
            matrix[1].append(row)
            matrix[2].append(column)
        rhs.append(bound)

    for key in shown:  # x = value + rise − fall
        add(eq, eq_rhs, [(index[key], 1.0), (rise[key], -1.0), (fall[key], 1.0)], current[key])
    for relation in constraints.values():
        indicator: Key | None = None  # a shown indicator, whose bounds give way if it is hidden
        if isinstance(relation, Ratio):
            if relation.value in fixed:
                value = fixed[relation.value]
            elif relation.value in current and relation.value not in suppressed:
                value, indicator = current[relation.value], relation.value
            else:
                continue  # a hidden indicator tells nothing
            rows = [(terms, bound, False) for terms, bound in relation.rows(value)]
        else:
            rows = [(list(relation.terms), 0, relation.equal)]
        for terms, bound, equal in rows:
            constant = sum(c * fixed[key] for key, c in terms if key in fixed)
            moving = [(index[key], float(c)) for key, c in terms if key not in fixed]
            scale = max((abs(c) for _, c in moving), default=1.0)  # a unit of a cell, about
            moving = [(i, c / scale) for i, c in moving]
            rhs = (bound - constant) / scale
            if indicator is not None:
                slack_of[columns] = indicator
                moving.append((columns, -1.0))
                cost.append(INDICATOR_COST / need)
                upper.append(math.inf)
                columns += 1
            add(eq if equal else ub, eq_rhs if equal else ub_rhs, moving, rhs)

    def matrix(parts: tuple[list[float], list[int], list[int]], rows: int) -> Any:
        return coo_array((parts[0], (parts[1], parts[2])), shape=(rows, columns)).tocsr()

    best: tuple[float, set[Key]] | None = None
    value = current[target]
    for target_bounds in ((value + need, math.inf), (0.0, value - need)):
        if target_bounds[1] < 0:
            continue
        bounds = [(0.0, u) for u in upper]
        bounds[index[target]] = target_bounds
        solution = linprog(
            cost,
            A_ub=matrix(ub, len(ub_rhs)) if ub_rhs else None,
            b_ub=ub_rhs or None,
            A_eq=matrix(eq, len(eq_rhs)) if eq_rhs else None,
            b_eq=eq_rhs or None,
            bounds=bounds,
            method="highs",
        )
        SOLVER_CALLS.linear += 1
        if solution.status != 0 or solution.x is None:
            continue
        x = solution.x
        moved = {key for key in shown if x[rise[key]] + x[fall[key]] > 1e-6}
        moved |= {cell for column, cell in slack_of.items() if x[column] > 1e-6}
        if moved and (best is None or solution.fun < best[0]):
            best = (float(solution.fun), moved)
    return set() if best is None else best[1]


@dataclass
class SolverCalls:
    """Programmes the audit has solved (for tests and measurements): whole-number ones
    (``milp``) and linear ones (relaxations, and the choice of complementary cells); and the
    rounds of complementary suppression (cells hidden, then the changed groups audited again)."""

    integer: int = 0
    linear: int = 0
    rounds: int = 0

    @property
    def total(self) -> int:
        return self.integer + self.linear

    def reset(self) -> None:
        self.integer = self.linear = self.rounds = 0


SOLVER_CALLS = SolverCalls()

INHERITED = 256  # solutions a grown group takes over (the latest) from each group it joins

ReducedRow = tuple[tuple[tuple[Key, int], ...], int, bool]  # unknowns only: Σ c × x (==|<=) rhs


@dataclass(frozen=True)
class _Group:
    """Unknowns linked by the rows that remain once the published values are substituted."""

    variables: tuple[Key, ...]
    rows: tuple[ReducedRow, ...]


def _groups(published: Mapping[Key, int], relations: Sequence[Constraint]) -> list[_Group]:
    """The connected groups of unknowns (every cell in ``relations`` not in ``published``) with
    all their rows. Raises ValueError if a row without unknowns does not hold."""
    reduced: list[ReducedRow] = []
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for relation in relations:
        for terms, bound, equal in _rows(relation, published):
            unknown = tuple((key, c) for key, c in terms if key not in published)
            constant = sum(c * published[key] for key, c in terms if key in published)
            if not unknown:
                if (equal and constant != bound) or (not equal and constant > bound):
                    raise ValueError(f"published values contradict a relation: {relation}")
                continue
            reduced.append((unknown, bound - constant, equal))
            for key, _ in unknown:
                parent.setdefault(key, key)
            first = root(unknown[0][0])
            for key, _ in unknown[1:]:
                other = root(key)
                if other != first:
                    parent[other] = first
    variables: dict[Key, list[Key]] = {}
    for key in parent:
        variables.setdefault(root(key), []).append(key)
    rows: dict[Key, list[ReducedRow]] = {head: [] for head in variables}
    for row in reduced:
        rows[root(row[0][0][0])].append(row)
    return [_Group(tuple(sorted(variables[head])), tuple(rows[head])) for head in variables]


def audit_family(
    published: Mapping[Key, int],
    relations: Sequence[Constraint],
    cells: Iterable[Key] | None = None,
) -> dict[Key, tuple[float, float]]:
    """For every cell in ``relations`` that is not in ``published`` (or only those of ``cells``
    among them): the smallest and largest whole value ≥ 0 consistent with the published values
    and the relations (upper end ``inf`` when unbounded). A :class:`Ratio` binds its counts
    while its value is published; a hidden ratio's value is no unknown of the audit (it is not a
    count). Each group of unknowns linked by relations is one programme with all its rows,
    whichever of its cells are asked for. Raises ValueError if the published values contradict
    the relations."""
    wanted = None if cells is None else set(cells)
    result: dict[Key, tuple[float, float]] = {}
    for group in _groups(published, relations):
        programme = _Programme(group)
        programme.ensure_feasible()
        for key in group.variables:
            if wanted is None or key in wanted:
                result[key] = programme.interval(key)
    return result


class _Verdict(enum.Enum):
    PROTECTED = "protected"
    ZERO = "zero"  # pinned at 0: no protection, nothing to protect (outside sensitive cells)
    EXPOSED = "exposed"


class _Audit:
    """The groups of unknowns of a family as cells are hidden one by one, each group's
    programme (and what it has proven) kept while the group stays the same."""

    def __init__(self, relations: Sequence[Constraint]) -> None:
        self.relations = relations
        self.cache: dict[_Group, _Programme] = {}
        self.of: dict[Key, _Programme] = {}  # the programme of each unknown, as last seen

    def programmes(
        self, published: Mapping[Key, int], values: Mapping[Key, int] | None = None
    ) -> dict[Key, _Programme]:
        """The programme of each unknown's group. Every group is checked to admit a solution
        the first time (then ValueError if none); a group grown by hiding more cells of a
        family that admitted one still does: the solutions of the groups it joins, with the
        newly hidden cells at their true ``values``, are solutions of it."""
        first = not self.cache
        cache: dict[_Group, _Programme] = {}
        out: dict[Key, _Programme] = {}
        for group in _groups(published, self.relations):
            programme = self.cache.get(group)
            if programme is None:
                programme = _Programme(group)
                if values is not None:
                    programme.inherit(self.of, values)
            if first:
                programme.ensure_feasible()
            cache[group] = programme
            for key in group.variables:
                out[key] = programme
        self.cache = cache
        self.of = out
        return out


class _Programme:
    """The integer programme of one group: every cell a whole number ≥ 0 and the group's rows.
    Intervals and verdicts are computed per cell on demand, cheapest proof first."""

    def __init__(self, group: _Group) -> None:
        self.group = group
        self.index = {key: i for i, key in enumerate(group.variables)}
        self.witnesses: list[np.ndarray] = []  # whole-number solutions met so far
        self.intervals: dict[Key, tuple[float, float]] = {}
        self.verdicts: dict[tuple[Key, bool], _Verdict] = {}
        self._built = False
        self._seeded = False
        self._stack: np.ndarray | None = None  # the witnesses, one a row
        self._stretched: set[Key] = set()  # cells :meth:`stretch` tried to set apart
        self._single: tuple[float, float] | None = None
        if len(group.variables) == 1:
            self._single = _single_interval(group)

    def _build(self) -> None:
        from scipy.optimize import Bounds, LinearConstraint  # scipy is heavy
        from scipy.sparse import coo_array

        if self._built:
            return
        self._built = True
        variables, rows = self.group.variables, self.group.rows
        entries: list[tuple[int, int, int]] = [
            (r, self.index[key], coefficient)
            for r, (terms, _, _) in enumerate(rows)
            for key, coefficient in terms
        ]
        matrix = coo_array(
            (
                [float(c) for _, _, c in entries],
                ([r for r, _, _ in entries], [i for _, i, _ in entries]),
            ),
            shape=(len(rows), len(variables)),
        ).tocsr()  # repeated cells of a row add up
        upper = np.array([float(rhs) for _, rhs, _ in rows])
        lower = np.array([float(rhs) if equal else -np.inf for _, rhs, equal in rows])
        # A cap keeps every programme bounded. A bounded cell never exceeds ``reach`` (the sum
        # of the bounds, times the number of cells); beyond it, only an unbounded direction
        # goes, and a ratio's unknown counts reach a fraction of the cap: so above ``reach``
        # means "unbounded".
        largest = max(1.0, float(np.abs(matrix.data).max(initial=1.0)))
        self.reach = (float(np.abs(upper).sum()) + 1) * (len(variables) + 1)
        cap = 2 * self.reach * largest
        self.constraint = LinearConstraint(matrix, lower, upper)
        self.bounds = Bounds(np.zeros(len(variables)), np.full(len(variables), cap))

    def _solve(self, objective: np.ndarray, *, whole: bool = True) -> np.ndarray:
        from scipy.optimize import milp  # scipy is heavy

        self._build()
        size = len(self.group.variables)
        solution = milp(
            objective,
            constraints=self.constraint,
            bounds=self.bounds,
            integrality=np.ones(size) if whole else np.zeros(size),
        )
        if whole:
            SOLVER_CALLS.integer += 1
        else:
            SOLVER_CALLS.linear += 1
        if solution.status != 0 or solution.x is None:
            raise ValueError(f"linked audit: no values fit the releases ({solution.message})")
        x: np.ndarray = np.asarray(solution.x, dtype=float)
        if not whole:
            return x
        x = np.round(x)
        self.witnesses.append(x)
        return x

    def stretch(self, needs: Mapping[Key, int]) -> None:
        """Solutions that set each cell of ``needs`` as far from the solutions met so far as it
        needs to be (``k`` for a sensitive cell, else 1), all at once: up from the lowest
        value met, then down from the highest, while that proves more cells. One solution per
        direction proves the many cells a cell-by-cell search would take a programme each."""
        from scipy.optimize import Bounds, LinearConstraint, milp  # scipy is heavy
        from scipy.sparse import coo_array, hstack, vstack

        needs = {key: n for key, n in needs.items() if key not in self._stretched}
        if self._single is not None or not needs:
            return
        self._stretched |= set(needs)
        self._seed()
        size = len(self.group.variables)
        progress = True
        while progress:
            progress = False
            for upward in (True, False):
                open_ = [(key, n) for key, n in needs.items() if self._spread(key) < n]
                if not open_:
                    return
                values = np.array(self.witnesses)
                # t_j ≤ x_i − lowest_i (up) or t_j ≤ highest_i − x_i (down), t_j ≤ need_j:
                # the sum of the t_j is largest where most cells get their whole need.
                columns = [self.index[key] for key, _ in open_]
                count = len(open_)
                link = coo_array(
                    (
                        np.full(count, -1.0 if upward else 1.0),
                        (np.arange(count), np.array(columns)),
                    ),
                    shape=(count, size),
                )
                if upward:
                    limit = -values[:, columns].min(axis=0)
                else:
                    limit = values[:, columns].max(axis=0)
                matrix = vstack(
                    [
                        hstack([self.constraint.A, coo_array((self.constraint.A.shape[0], count))]),
                        hstack([link, coo_array(np.eye(count))]),
                    ]
                ).tocsr()
                solution = milp(
                    np.concatenate([np.zeros(size), -np.ones(count)]),
                    constraints=LinearConstraint(
                        matrix,
                        np.concatenate([self.constraint.lb, np.full(count, -np.inf)]),
                        np.concatenate([self.constraint.ub, limit]),
                    ),
                    bounds=Bounds(
                        np.concatenate([np.zeros(size), np.full(count, -np.inf)]),
                        np.concatenate([self.bounds.ub, [float(n) for _, n in open_]]),
                    ),
                    integrality=np.concatenate([np.ones(size), np.zeros(count)]),
                )
                SOLVER_CALLS.integer += 1
                if solution.status != 0 or solution.x is None:
                    raise ValueError(
                        f"linked audit: no values fit the releases ({solution.message})"
                    )
                self.witnesses.append(np.round(solution.x[:size]))
                if sum(1 for key, n in open_ if self._spread(key) < n) < count:
                    progress = True

    def inherit(self, earlier: Mapping[Key, _Programme], values: Mapping[Key, int]) -> None:
        """Solutions from the groups this one is made of (``earlier``: each cell's programme
        before the last cells were hidden), completed by the true ``values`` of the cells that
        were published then. Nothing if some cell is in neither."""
        if self._single is not None:
            return
        parts: dict[int, tuple[_Programme, list[int], list[int]]] = {}
        constants: list[tuple[int, int]] = []
        for key, i in self.index.items():
            before = earlier.get(key)
            if before is not None and before._solutions():
                part = parts.setdefault(id(before), (before, [], []))
                part[1].append(i)
                part[2].append(before.index[key])
            elif key in values:
                constants.append((i, values[key]))
            else:
                return
        # The latest few: the cells the earlier ones set apart are known to be protected.
        count = min(INHERITED, max((len(p._solutions()) for p, _, _ in parts.values()), default=1))
        for j in range(-count, 0):
            x = np.zeros(len(self.group.variables))
            for before, mine, theirs in parts.values():
                solutions = before._solutions()
                x[mine] = solutions[max(j, -len(solutions))][theirs]
            for i, value in constants:
                x[i] = value
            self.witnesses.append(x)
        self._seeded = True

    def _solutions(self) -> list[np.ndarray]:
        """The solutions met so far (a lone cell's: its least value)."""
        if self._single is not None:
            return [np.array([self._single[0]])]
        return self.witnesses

    def _objective(self, key: Key, direction: float) -> np.ndarray:
        objective = np.zeros(len(self.group.variables))
        objective[self.index[key]] = direction
        return objective

    def ensure_feasible(self) -> None:
        """ValueError if the group's rows admit no whole numbers ≥ 0."""
        if self._single is None and not self.witnesses:
            self._solve(np.ones(len(self.group.variables)))  # the least total

    def _seed(self) -> None:
        """Two solutions far apart: the group's least and greatest total. Every cell lying
        far enough apart in them is protected without a programme of its own."""
        if self._seeded:
            return
        self._seeded = True
        self.ensure_feasible()
        self._solve(-np.ones(len(self.group.variables)))

    def _extreme(self, key: Key, direction: float) -> float:
        value = float(self._solve(self._objective(key, direction))[self.index[key]])
        return float("inf") if value >= self.reach else value

    def interval(self, key: Key) -> tuple[float, float]:
        """The exact smallest and largest whole value of ``key``."""
        if self._single is not None:
            return self._single
        if key not in self.intervals:
            self.intervals[key] = (self._extreme(key, 1.0), self._extreme(key, -1.0))
        return self.intervals[key]

    def _spread(self, key: Key) -> float:
        """How far apart ``key`` lies in the solutions met so far (each one is a fact)."""
        if not self.witnesses:
            return 0.0
        self._build()
        if self._stack is None or len(self._stack) != len(self.witnesses):
            self._stack = np.vstack(self.witnesses)
        values = self._stack[:, self.index[key]]
        high = float(values.max())
        return float("inf") if high >= self.reach else high - float(values.min())

    def verdict(self, key: Key, *, sensitive: bool, k: int, suspect: bool = False) -> _Verdict:
        """Whether ``key`` keeps its protection interval (:func:`protected`), is pinned at 0
        outside the sensitive cells, or is exposed, from the cheapest proof: a lone cell's
        rows; two known solutions far enough apart; for a ``suspect`` (exposed a moment ago) or
        a cell :meth:`stretch` could not set apart, the linear relaxation, whose interval holds
        the whole-number one, already too narrow; else the integer programme, its largest value
        first (one more solution)."""
        need = k if sensitive else 1
        known = self.verdicts.get((key, sensitive))
        if known is not None:
            return known
        if self._single is not None:
            single = _classify(self._single, sensitive=sensitive, k=k)
            self.verdicts[(key, sensitive)] = single
            return single
        verdict: _Verdict | None = None
        if self._spread(key) >= need:
            verdict = _Verdict.PROTECTED
        elif suspect or key in self._stretched:
            # Found exposed before the last complementary suppression: most likely still.
            low, high = self._relaxed(key)
            if high - low < need:
                # The whole-number interval lies within [low, high] and the group has
                # solutions: too narrow; at 0 if nothing above 0 fits.
                verdict = _Verdict.ZERO if not sensitive and high <= 0 else _Verdict.EXPOSED
        if verdict is None:
            self._seed()
        if verdict is None and self._spread(key) >= need:
            verdict = _Verdict.PROTECTED
        if verdict is None:
            top = self._extreme(key, -1.0)
            if top == float("inf") or self._spread(key) >= need:
                verdict = _Verdict.PROTECTED
            else:
                bottom = self._extreme(key, 1.0)
                self.intervals[key] = (bottom, top)
                verdict = _classify((bottom, top), sensitive=sensitive, k=k)
        self.verdicts[(key, sensitive)] = verdict
        return verdict

    def _relaxed(self, key: Key) -> tuple[float, float]:
        """Whole-number bounds of ``key`` from the linear relaxation of the same capped
        programme: they hold the integer programme's, so a narrow relaxation proves a narrow
        interval."""
        found = [
            float(self._solve(self._objective(key, d), whole=False)[self.index[key]])
            for d in (1.0, -1.0)
        ]
        # Beyond the reach only the cap holds it: unbounded, as the integer programme's.
        top = (
            float("inf") if found[1] >= self.reach else math.floor(found[1] + 1e-6 * (1 + found[1]))
        )
        return float(math.ceil(found[0] - 1e-6 * (1 + abs(found[0])))), float(top)


def _classify(interval: tuple[float, float], *, sensitive: bool, k: int) -> _Verdict:
    if protected(interval, sensitive=sensitive, k=k):
        return _Verdict.PROTECTED
    if not sensitive and interval == (0.0, 0.0):
        return _Verdict.ZERO
    return _Verdict.EXPOSED


def _single_interval(group: _Group) -> tuple[float, float]:
    """The exact interval of a group of one cell, from its rows alone (no solver): an equality
    pins it, an inequality bounds it."""
    low: int = 0
    high: float = float("inf")
    for terms, rhs, equal in group.rows:
        coefficient = sum(c for _, c in terms)
        if coefficient == 0:
            if (equal and rhs != 0) or (not equal and rhs < 0):
                raise ValueError("linked audit: no values fit the releases")
            continue
        if equal:
            if rhs % coefficient:
                raise ValueError("linked audit: no values fit the releases")
            value = rhs // coefficient
            low, high = max(low, value), min(high, value)
        elif coefficient > 0:
            high = min(high, rhs // coefficient)  # floor
        else:
            low = max(low, -(rhs // -coefficient))  # ceil of rhs / coefficient
    if low > high:
        raise ValueError("linked audit: no values fit the releases")
    return float(low), float(high)
