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
  until every sensitive hidden cell keeps a *protection interval* at least k wide and no hidden
  cell is a single value. If that is impossible because earlier releases already fix a cell, it
  raises :class:`Unprotectable` with a Polish reason and nothing is released.

The module is pure: no database (refusal reasons are marked for translation).
``benchmarking.exports`` builds families from the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext

Key = tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    """``sum(coefficient × cell) == 0`` (``equal``) or ``<= 0``."""

    terms: tuple[tuple[Key, int], ...]
    equal: bool = True

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
        return [(list(relation.terms), 0, relation.equal)]
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
    """The cells of ``family.current`` to hide. See the module docstring."""
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
    for _ in range(limit):
        published = fixed | {key: v for key, v in current.items() if key not in suppressed}
        intervals = audit_family(published, family.relations)
        watched = suppressed | (family.hidden_before - set(current))
        exposed = sorted(
            key
            for key in watched
            if key in intervals
            and not protected(intervals[key], sensitive=key in sensitive, k=k)
            and not (key not in sensitive and intervals[key] == (0.0, 0.0))
        )
        if not exposed:
            # Hidden complements proven 0 hide nothing (outside sensitive cells): shown as 0.
            return {
                key
                for key in suppressed
                if key in sensitive or intervals.get(key, (0.0, 1.0)) != (0.0, 0.0)
            }
        target = exposed[0]
        candidate = _next_to_hide(
            target, hideable, suppressed, relations_of, family.totals, indicators
        )
        if candidate is None:
            raise Unprotectable(
                target,
                gettext(
                    "Tego zestawienia nie da się wydać: razem z tym, co już opublikowano, "
                    "pozwoliłoby odtworzyć ukrytą wartość (%(cell)s). Wybierz inny okres lub "
                    "zakres albo wydanie z szumem różnicowym."
                )
                % {"cell": " / ".join(target)},
            )
        suppressed.add(candidate)
    raise Unprotectable(("?",), gettext("Nie udało się dobrać ukrywania uzupełniającego."))


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


def audit_family(
    published: Mapping[Key, int], relations: Sequence[Constraint]
) -> dict[Key, tuple[float, float]]:
    """For every cell in ``relations`` that is not in ``published``: the smallest and largest
    whole value ≥ 0 consistent with the published values and the relations (upper end ``inf``
    when unbounded). A :class:`Ratio` binds its counts while its value is published; a hidden
    ratio's value is no unknown of the audit (it is not a count). Raises ValueError if the
    published values contradict the relations."""
    # Substitute the published values; group the unknowns that share a relation.
    reduced: list[tuple[list[tuple[Key, int]], float, bool]] = []
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for relation in relations:
        for terms, bound, equal in _rows(relation, published):
            unknown = [(key, c) for key, c in terms if key not in published]
            constant = sum(c * published[key] for key, c in terms if key in published)
            if not unknown:
                if (equal and constant != bound) or (not equal and constant > bound):
                    raise ValueError(f"published values contradict a relation: {relation}")
                continue
            reduced.append((unknown, float(bound - constant), equal))
            for key, _ in unknown:
                parent.setdefault(key, key)
            for key, _ in unknown[1:]:
                parent[root(key)] = root(unknown[0][0])
    groups: dict[Key, tuple[list[Key], list[tuple[list[tuple[Key, int]], float, bool]]]] = {}
    for key in parent:
        groups.setdefault(root(key), ([], []))[0].append(key)
    for unknown, rhs, equal in reduced:
        groups[root(unknown[0][0])][1].append((unknown, rhs, equal))
    result: dict[Key, tuple[float, float]] = {}
    for variables, rows in groups.values():
        result.update(_group_intervals(sorted(variables), rows))
    return result


def _group_intervals(
    variables: list[Key], rows: list[tuple[list[tuple[Key, int]], float, bool]]
) -> dict[Key, tuple[float, float]]:
    # Imported here: scipy is heavy.
    from scipy.optimize import Bounds, LinearConstraint, milp

    index = {key: i for i, key in enumerate(variables)}
    matrix = np.zeros((len(rows), len(variables)))
    lower = np.zeros(len(rows))
    upper = np.zeros(len(rows))
    for r, (terms, rhs, equal) in enumerate(rows):
        for key, coefficient in terms:
            matrix[r, index[key]] += coefficient
        upper[r] = rhs
        lower[r] = rhs if equal else -np.inf
    # A cap keeps every programme bounded. A bounded cell never exceeds ``reach`` (the sum of
    # the bounds, times the number of cells); beyond it, only an unbounded direction goes, and
    # a ratio's unknown counts reach a fraction of the cap: so above ``reach`` means "unbounded".
    largest = max(1.0, float(np.abs(matrix).max(initial=1.0)))
    reach = (float(np.abs(upper[np.isfinite(upper)]).sum()) + 1) * (len(variables) + 1)
    cap = 2 * reach * largest
    constraint = LinearConstraint(matrix, lower, upper)
    bounds = Bounds(np.zeros(len(variables)), np.full(len(variables), cap))
    integrality = np.ones(len(variables))
    result: dict[Key, tuple[float, float]] = {}
    for key in variables:
        extremes: list[float] = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(variables))
            objective[index[key]] = direction
            solution = milp(
                objective, constraints=constraint, bounds=bounds, integrality=integrality
            )
            if solution.status != 0 or solution.x is None:
                raise ValueError(f"linked audit: no values fit the releases ({solution.message})")
            value = float(round(solution.x[index[key]]))
            extremes.append(float("inf") if value >= reach else value)
        result[key] = (extremes[0], extremes[1])
    return result
