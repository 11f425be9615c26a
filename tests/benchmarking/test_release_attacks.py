"""The outside auditor's attack classes as property tests over generated data, run against the
platform's own relation builders and protection (``benchmarking.exports.family``,
``benchmarking.answers``, ``benchmarking.linked``, ``benchmarking.cohort_figures``):

* quartiles, medians and ranks of fewer than 10 centres are refused, whatever the values;
* window differencing: only calendar periods are pooled, and a before/after window is the sum
  of its months, so a window beside shown months never gives a hidden month back;
* national minus the other voivodeships, and H1 + H2 = year, release by release through the
  exports' own relations;
* a re-release after corrections hides every cell hidden before and protects the new values;
* a rate beside the counts it comes from is hidden with them; a mean beside its total and a
  rate beside its denominator are constraints of the audit (``linked.Ratio``), and a rate
  answered on the API and an export's contracts table, in either order, never give a hidden
  count back;
* two cohorts differenced into one centre.

Each test ends with an exact integer attacker (``linked.audit_family``) holding everything
released: no small hidden count is narrowed below k, no other hidden cell is pinned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benchmarking import cohort_figures
from benchmarking.answers import answer_relations
from benchmarking.cohorts import Cohort
from benchmarking.comparisons import check_fixed_period, fixed_period
from benchmarking.definitions import current_definitions
from benchmarking.exports.family import family_relations
from benchmarking.exports.tables import RATIO_SOURCES, rates_to_hide, sources_to_hide
from benchmarking.linked import (
    Constraint,
    Family,
    Key,
    Ratio,
    Relation,
    Unprotectable,
    audit_family,
    protect_corrected,
    protect_family,
    protected,
)
from benchmarking.selectors import Figure, pool
from opsplatform.errors import ValidationFailed
from tenants.models import Centre

K = 10
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
small_or_large = st.one_of(st.integers(0, 12), st.integers(0, 60))


def _release_in_order(
    cells: dict[Key, int], relations: list[Relation], order: list[list[Key]]
) -> tuple[dict[Key, int], set[Key]]:
    """Releases one after another (each a group of cells), each protected against what is out."""
    published: dict[Key, int] = {}
    hidden: set[Key] = set()
    for group in order:
        current = {key: cells[key] for key in group if key not in published}
        if not current:
            continue
        family = Family(
            current=current,
            relations=relations,
            sensitive={key for key in group if 0 < cells[key] < K}
            | {key for key in hidden if 0 < cells[key] < K},
            published_before=dict(published),
            hidden_before=set(hidden),
        )
        try:
            suppressed = protect_family(family, k=K)
        except Unprotectable:
            continue  # refused: nothing of it goes out
        for key in group:
            if key in suppressed:
                hidden.add(key)
            elif key not in hidden:
                published[key] = cells[key]
    return published, hidden


def _attack(
    cells: dict[Key, int],
    relations: Sequence[Constraint],
    published: dict[Key, int],
    hidden: set[Key],
) -> None:
    found = audit_family(published, relations)
    # A hidden cell in no relation with anything published is any whole number ≥ 0.
    intervals = {key: found.get(key, (0.0, float("inf"))) for key in hidden}
    for key in hidden:
        if cells[key] == 0 and intervals[key] == (0.0, 0.0):
            continue  # a zero of a published zero total (zeros are not small counts)
        low, high = intervals[key]
        assert low <= cells[key] <= high, (key, cells[key], intervals[key])
        assert protected(intervals[key], sensitive=0 < cells[key] < K, k=K), (
            key,
            cells[key],
            intervals[key],
        )


# --- Quartiles under 10 centres ---------------------------------------------------------------


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(st.integers(0, 400), min_size=1, max_size=16))
def test_quartiles_medians_and_ranks_are_refused_under_ten_centres(values: list[int]) -> None:
    """A cohort of generated centres (each its window count of a COUNT metric): fewer than 10
    centres whose own value passes the gate give no quartiles, no peers and no rank."""
    definition = next(d for d in current_definitions() if d.code == "contracts_signed")
    centres = [Centre(pk=10_000 + i, slug=f"gen-{i}", voivodeship="12") for i in range(len(values))]
    series = {
        c.pk: {(2024, 1): Figure(Decimal(v), None, Decimal(v), v)}
        for c, v in zip(centres, values, strict=True)
    }
    cohort = Cohort("gen", "wygenerowana", "generated", lambda centre, on: True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cohort_figures, "cohort_members", lambda cohort, on: centres)
        patch.setattr(
            cohort_figures,
            "pooled_by_centre",
            lambda **kwargs: {
                pk: pool(definition, months.values(), over="months")
                for pk, months in series.items()
            },
        )
        patch.setattr(cohort_figures, "latest_run_id", lambda first, last: 0)
        figures = cohort_figures.cohort_figures(
            cohort=cohort,
            definition=definition,
            first=dt.date(2024, 1, 1),
            last=dt.date(2024, 1, 1),
            viewer=centres[0],
        )
    # A zero is published (not small); 1..k-1 is hidden and not comparable.
    comparable = sum(1 for v in values if v == 0 or v >= K)
    assert figures["comparable"] == comparable
    if comparable < 10:
        assert figures["allowed"] is False
        assert not {"quartiles", "peers", "position"} & set(figures), figures
        assert "co najmniej 10 ośrodków" in figures["reason"]
    else:
        assert figures["allowed"] is True and len(figures["quartiles"]) == 3


# --- Window differencing ----------------------------------------------------------------------


@FAST
@given(
    year=st.integers(2016, 2025),
    first=st.integers(1, 12),
    length=st.integers(1, 12),
)
def test_only_calendar_periods_are_accepted_for_pooled_figures(
    year: int, first: int, length: int
) -> None:
    start = dt.date(year, first, 1)
    index = year * 12 + first - 1 + length - 1
    end = dt.date(index // 12, index % 12 + 1, 1)
    calendar = (
        length == 1
        or (length == 3 and first in (1, 4, 7, 10))
        or (length == 6 and first in (1, 7))
        or (length == 12 and first == 1)
    )
    if calendar:
        assert check_fixed_period(start, end) == fixed_period(start, end)
    else:
        with pytest.raises(ValidationFailed) as refused:
            check_fixed_period(start, end)
        assert "from" in refused.value.fields


@FAST
@given(st.data())
def test_a_before_after_window_beside_shown_months_never_gives_a_hidden_month_back(
    data: st.DataObject,
) -> None:
    """A named centre's months, its before/after windows (``2023-10..2024-03``) and the
    calendar periods are released in any order to one reader; the windows are sums of their
    months in the audit (``answers.answer_relations``)."""
    counts = data.draw(st.lists(small_or_large, min_size=6, max_size=6))
    table, scope = "metric:contracts_signed:v1", "26"
    months = [f"2023-{m:02d}" for m in (10, 11, 12)] + [f"2024-{m:02d}" for m in (1, 2, 3)]
    cells: dict[Key, int] = {
        (table, scope, month, "count", "value"): count
        for month, count in zip(months, counts, strict=True)
    }
    windows = {
        "2023-10..2024-03": months,
        "2023-10..2023-12": months[:3],
        "2024-01..2024-03": months[3:],
        "2024-Q1": months[3:],
    }
    for label, parts in windows.items():
        cells[(table, scope, label, "count", "value")] = sum(
            cells[(table, scope, m, "count", "value")] for m in parts
        )
    relations = answer_relations(list(cells))
    groups = [[key] for key in cells] + [[k for k in cells if k[2] in months]]
    order = data.draw(st.permutations(groups))
    published, hidden = _release_in_order(cells, relations, list(order))
    _attack(cells, relations, published, hidden)


# --- National minus the other voivodeships; H1 + H2 = year ------------------------------------


@FAST
@given(st.data())
def test_national_minus_other_voivodeships_recovers_no_hidden_cell(data: st.DataObject) -> None:
    """Households by reason: each voivodeship's table and the country's, released in any order
    (the exports' own relations: rows sum to the total row, the country to its voivodeships)."""
    voivodeships = data.draw(st.sampled_from([["12", "14", "26"], ["06", "12"], ["02", "12"]]))
    rows = ["r1", "r2", "r3"]
    cells: dict[Key, int] = {}
    for v in voivodeships:
        for r in rows:
            cells[("households", v, "2025", r, "f1")] = data.draw(small_or_large)
        cells[("households", v, "2025", "ogolem", "f1")] = sum(
            cells[("households", v, "2025", r, "f1")] for r in rows
        )
    for r in [*rows, "ogolem"]:
        cells[("households", "PL", "2025", r, "f1")] = sum(
            cells[("households", v, "2025", r, "f1")] for v in voivodeships
        )
    relations = family_relations(list(cells), voivodeships)
    scopes = [*voivodeships, "PL"]
    order = data.draw(st.permutations(scopes))
    groups = [[key for key in cells if key[1] == scope] for scope in order]
    published, hidden = _release_in_order(cells, relations, groups)
    _attack(cells, relations, published, hidden)


@FAST
@given(st.data())
def test_half_years_and_their_year_recover_no_hidden_cell(data: st.DataObject) -> None:
    """Contracts signed, completed, achieved and broken of H1, H2 and the year (events: the year
    is the sum of its halves; achieved ≤ completed), released in any order."""
    cells: dict[Key, int] = {}
    for half in ("2025-H1", "2025-H2"):
        completed = data.draw(small_or_large)
        cells[("contracts", "PL", half, "completed", "scope")] = completed
        cells[("contracts", "PL", half, "achieved", "scope")] = data.draw(st.integers(0, completed))
        for row in ("signed", "broken"):
            cells[("contracts", "PL", half, row, "scope")] = data.draw(small_or_large)
    for row in ("signed", "completed", "achieved", "broken"):
        cells[("contracts", "PL", "2025", row, "scope")] = sum(
            cells[("contracts", "PL", half, row, "scope")] for half in ("2025-H1", "2025-H2")
        )
    relations = family_relations(list(cells), [])
    order = data.draw(st.permutations(["2025-H1", "2025-H2", "2025"]))
    groups = [[key for key in cells if key[2] == period] for period in order]
    published, hidden = _release_in_order(cells, relations, groups)
    _attack(cells, relations, published, hidden)


# --- Re-release after corrections -------------------------------------------------------------


@FAST
@given(st.data())
def test_a_re_release_after_corrections_hides_every_cell_hidden_before(
    data: st.DataObject,
) -> None:
    """A first release of part of a table, then the data are corrected (a few counts change by
    a little), then the whole table is released again: every cell hidden in the first release
    is hidden in the second (or proven empty), and the second release protects its own hidden
    cells against itself and the earlier values that still hold."""
    rows = ["r1", "r2", "r3", "r4"]
    before: dict[Key, int] = {
        ("households", "PL", "2025", r, "f1"): data.draw(small_or_large) for r in rows
    }
    total: Key = ("households", "PL", "2025", "ogolem", "f1")
    before[total] = sum(before.values())
    relations = family_relations(list(before), [])
    first_group = data.draw(
        st.lists(st.sampled_from(sorted(before)), min_size=2, max_size=5, unique=True)
    )
    published, hidden = _release_in_order(before, relations, [first_group])
    assume(hidden)
    after = dict(before)
    for row in data.draw(st.lists(st.sampled_from(rows), max_size=2, unique=True)):
        corrected: Key = ("households", "PL", "2025", row, "f1")
        after[corrected] = max(0, after[corrected] + data.draw(st.integers(-3, 3)))
    after[total] = sum(v for k, v in after.items() if k != total)
    family = Family(
        current=dict(after),
        relations=relations,
        sensitive={k for k, v in after.items() if 0 < v < K}
        | {k for k in hidden if 0 < before[k] < K},
        published_before={},
        hidden_before=set(hidden),
    )
    try:
        suppressed = protect_corrected(family, k=K, earlier=published)
    except Unprotectable:
        return  # refused with a reason: nothing goes out
    for key in hidden:
        assert key in suppressed or after[key] == 0, (key, hidden, suppressed)
    # The reader holds this release and the first one's values that did not change.
    shown = {k: v for k, v in after.items() if k not in suppressed}
    shown |= {k: v for k, v in published.items() if after[k] == v}
    _attack(after, relations, shown, set(suppressed) - set(shown))


@FAST
@given(st.data())
def test_corrected_values_beside_earlier_releases_are_released_not_refused(
    data: st.DataObject,
) -> None:
    """The year released first; then H1 after a correction of one of its counts: the earlier
    year total now contradicts H1 + H2 under the relations, and the earlier value is superseded
    instead of making every later release of the year refuse."""
    signed = [data.draw(st.integers(K, 60)) for _ in range(2)]
    year: Key = ("contracts", "PL", "2025", "signed", "scope")
    halves: list[Key] = [("contracts", "PL", h, "signed", "scope") for h in ("2025-H1", "2025-H2")]
    relations = family_relations([year, *halves], [])
    earlier = {year: sum(signed), halves[1]: signed[1]}
    corrected = signed[0] + data.draw(st.integers(1, 5))
    family = Family(
        current={halves[0]: corrected},
        relations=relations,
        published_before={year: sum(signed), halves[1]: signed[1]},
    )
    suppressed = protect_corrected(family, k=K, earlier=earlier)
    assert halves[0] not in suppressed


# --- Rates beside their counts ----------------------------------------------------------------


@FAST
@given(
    hidden_rows=st.sets(st.sampled_from(["achieved", "completed", "broken", "signed"])),
    shown_before=st.booleans(),
)
def test_a_rate_is_hidden_with_the_counts_it_comes_from(
    hidden_rows: set[str], shown_before: bool
) -> None:
    """contracts_achieved = achieved / (completed + broken): beside a hidden source and the other
    sources shown, the rate would give the hidden one back. It is hidden whenever a source is;
    and if it was published before, every source is hidden with the hidden one."""
    hidden = {"contracts": {(row, "scope") for row in hidden_rows}}
    sources = {row for table, row in RATIO_SOURCES["contracts_achieved"]}
    rates = rates_to_hide(hidden)
    assert (("contracts_achieved", "scope") in rates) == bool(hidden_rows & sources)
    shown_rates = {("contracts_achieved", "scope")} if shown_before else set()
    extra = sources_to_hide(shown_rates, hidden, ["contracts"])
    after = hidden["contracts"] | extra.get("contracts", set())
    rate_out = shown_before or ("contracts_achieved", "scope") not in rates
    hidden_sources = {row for row, _ in after} & sources
    # Never: the rate out, exactly one source hidden and the others shown.
    assert not (rate_out and len(hidden_sources) == 1), (hidden_rows, shown_before, after)


# --- Means and rates standing in for hidden counts -----------------------------------------------


@FAST
@given(months=st.lists(small_or_large, min_size=2, max_size=12))
def test_a_mean_beside_its_hidden_total_is_a_constraint_and_is_hidden_with_it(
    months: list[int],
) -> None:
    """ "Contracts x = mean 2.50 × 6": a period's count and the mean per month of the same count
    (``Ratio`` with the months as denominator). The audit knows mean × months = total (a mean
    shown to two places over at most 12 months pins the total), and the protection hides the
    mean whenever the total is hidden for itself."""
    total = sum(months)
    count: Key = ("contracts", "PL", "2025", "signed", "scope")
    mean_key: Key = ("indicators", "PL", "2025", "contracts_signed", "scope")
    ratio = Ratio(mean_key, (count,), months=len(months), decimals=2)
    mean = ratio.units((Decimal(total) / len(months)).quantize(Decimal("0.01")))
    assert audit_family({mean_key: mean}, [ratio])[count] == (total, total)
    family = Family(
        current={count: total, mean_key: mean},
        relations=[ratio],
        sensitive={count} if 0 < total < K else set(),
    )
    suppressed = protect_family(family, k=K)
    assert (mean_key in suppressed) == (0 < total < K)
    published = {key: value for key, value in family.current.items() if key not in suppressed}
    _attack({count: total}, [ratio], published, suppressed - {mean_key})


@FAST
@given(
    numerator=small_or_large,
    rest=small_or_large,
    shown_before=st.booleans(),
)
def test_a_rate_beside_its_denominator_is_a_constraint_and_never_pins_its_numerator(
    numerator: int, rest: int, shown_before: bool
) -> None:
    """A share numerator / denominator shown to one decimal in per cent beside the published
    denominator gives the numerator back: the audit knows it (``Ratio``), so a numerator hidden
    for itself takes the share with it, or, if the share is out already, the denominator."""
    denominator = numerator + rest
    assume(denominator > 0)
    num: Key = ("contracts", "PL", "2025", "achieved", "scope")
    den: Key = ("contracts", "PL", "2025", "ended", "scope")
    rate_key: Key = ("metric:contracts_achieved:v1", "PL", "2025", "value", "value")
    ratio = Ratio(rate_key, (num,), (den,), scale=100, decimals=1)
    rate = ratio.units((Decimal(numerator * 100) / denominator).quantize(Decimal("0.1")))
    relations: list[Any] = [ratio, Relation.at_most(num, den)]
    # Half a place of 0.1 % times a denominator below 1000 is less than one: pinned.
    assert audit_family({rate_key: rate, den: denominator}, relations)[num] == (
        numerator,
        numerator,
    )
    cells = {num: numerator, den: denominator, rate_key: rate}
    earlier = {rate_key: rate} if shown_before else {}
    family = Family(
        current={key: value for key, value in cells.items() if key not in earlier},
        relations=relations,
        sensitive={num} if 0 < numerator < K else set(),
        published_before=earlier,
    )
    try:
        suppressed = protect_family(family, k=K)
    except Unprotectable:
        return
    published = {**earlier, **{k: v for k, v in family.current.items() if k not in suppressed}}
    _attack(cells, relations, published, suppressed - {rate_key})


# --- Two cohorts differenced into one centre ---------------------------------------------------


@FAST
@given(
    members=st.lists(st.integers(0, 40), min_size=4, max_size=7),
    own=st.booleans(),
)
def test_two_cohorts_are_never_differenced_into_one_centre(members: list[int], own: bool) -> None:
    """A cohort of all centres and one of all but the last: the second's pooled count is checked
    against the first with the members as protected unknowns (as ``answers.guard`` does), and
    hidden when it would pin the one centre left out."""
    keys: list[Key] = [("t", f"c:m{i}", "2024", "count", "value") for i in range(len(members))]
    everyone: Key = ("t", "cohort:all", "2024", "count", "value")
    most: Key = ("t", "cohort:most", "2024", "count", "value")
    cells = {
        **dict(zip(keys, members, strict=True)),
        everyone: sum(members),
        most: sum(members[:-1]),
    }
    relations = [Relation.total(keys, everyone), Relation.total(keys[:-1], most)]
    known = {keys[0]: members[0]} if own else {}
    published: dict[Key, int] = {everyone: sum(members), **known}
    watched = {k for k in keys if k not in known}
    family = Family(
        current={most: cells[most]},
        relations=relations,
        sensitive={k for k in watched if 0 < cells[k] < K},
        published_before=published,
        hidden_before=set(watched),
    )
    try:
        suppressed = protect_family(family, k=K)
    except Unprotectable:
        return
    if most not in suppressed:
        published[most] = cells[most]
    _attack(cells, relations, published, watched)


# --- The export build: rates beside their counts, and memory of value cells ----------------------


def _contracts_and_rate(achieved: int, completed: int, broken: int) -> tuple[Any, Any, Any]:
    from benchmarking.disclosure import (
        CellStatus,
        CountTable,
        DisclosureSettings,
        ReleasedValue,
        ReleasedValueTable,
        TableSpec,
        protect_table,
    )

    spec = TableSpec(
        code="contracts",
        title_pl="Kontrakty socjalne",
        title_en="Social contracts",
        rows=(("completed", "c"), ("achieved", "a"), ("broken", "b")),
        columns=(("scope", "PL"),),
    )
    table = CountTable(
        spec,
        {("completed", "scope"): completed, ("achieved", "scope"): achieved,
         ("broken", "scope"): broken},
    )  # fmt: skip
    released = protect_table(table, settings=DisclosureSettings(k=K))
    share = Decimal(achieved * 100) / Decimal(completed + broken)
    rate = ReleasedValue(share.quantize(Decimal("0.1")), CellStatus.PUBLISHED, None, "")
    indicators = ReleasedValueTable(
        code="indicators",
        title_pl="Wskaźniki",
        title_en="Indicators",
        rows=(("contracts_achieved", "k"),),
        columns=(("scope", "PL"),),
        cells={("contracts_achieved", "scope"): rate},
        row_units={"contracts_achieved": "%"},
    )
    return table, released, indicators


@pytest.mark.django_db
@FAST
@given(
    achieved=st.integers(1, K - 1),
    completed=st.integers(K, 80),
    broken=st.integers(K, 40),
    rate_out_before=st.booleans(),
)
def test_an_export_never_shows_a_rate_beside_its_one_hidden_source(
    achieved: int, completed: int, broken: int, rate_out_before: bool
) -> None:
    """achieved (small, hidden) beside completed and broken (shown): the export hides the share
    achieved/(completed + broken); if the share was published earlier for the same period and
    scope, it hides completed and broken as well."""
    from benchmarking.exports import build
    from benchmarking.exports.parameters import ExportParameters

    assume(achieved <= completed)
    table, released, indicators = _contracts_and_rate(achieved, completed, broken)
    assert released.cells[("achieved", "scope")].value is None
    parameters = ExportParameters(2024, 1, "PL", ("contracts", "indicators"), "json", None)
    earlier = {("contracts_achieved", "scope")} if rate_out_before else set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "published_rates", lambda parameters: set(earlier))
        counts, values = build._derived(
            parameters, {}, {"contracts": (table, released)}, {"indicators": indicators}
        )
    rate = values["indicators"].cells[("contracts_achieved", "scope")]
    assert rate.value is None and rate.marker == "x"
    contracts = counts["contracts"][1]
    hidden = {row for (row, _), cell in contracts.cells.items() if cell.value is None}
    if rate_out_before:
        assert hidden == {"achieved", "completed", "broken"}
    else:
        assert hidden == {"achieved"}


@pytest.mark.django_db
def test_an_export_keeps_value_cells_hidden_before() -> None:
    """A rate, median or sum of hours hidden in an earlier release of the same period and scope
    stays hidden, per cell."""
    from benchmarking.exports import build
    from benchmarking.exports.parameters import ExportParameters

    table, released, indicators = _contracts_and_rate(20, 40, 10)
    parameters = ExportParameters(2024, 1, "PL", ("contracts", "indicators"), "json", None)
    previous = {"indicators": frozenset({("contracts_achieved", "scope")})}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "published_rates", lambda parameters: set())
        _, values = build._derived(
            parameters, previous, {"contracts": (table, released)}, {"indicators": indicators}
        )
    assert values["indicators"].cells[("contracts_achieved", "scope")].value is None


# --- A rate answered before, beside the counts of a later export --------------------------------


class _Rollback(Exception):
    pass


def _rate_candidates(rate: Decimal, shown: dict[str, int], bound: int = 150) -> set[int]:
    """An attacker of its own (no platform code): every count of contracts achieved that fits a
    share ``rate`` = achieved / (completed + broken), shown to one decimal, with the counts
    shown and achieved ≤ completed; hidden counts are any whole number from 0 to ``bound``."""
    found: set[int] = set()
    completed_values = [shown["completed"]] if "completed" in shown else range(bound + 1)
    broken_values = [shown["broken"]] if "broken" in shown else range(bound + 1)
    for completed in completed_values:
        for broken in broken_values:
            base = completed + broken
            if not base:
                continue
            low = max(0, int((rate - Decimal("0.05")) * base / 100))
            for achieved in range(low, min(completed, base) + 1):
                share = (Decimal(achieved * 100) / base).quantize(Decimal("0.1"))
                if share == rate and ("achieved" not in shown or shown["achieved"] == achieved):
                    found.add(achieved)
                elif share > rate:
                    break
    return found


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    achieved=st.integers(K, 60),
    not_achieved=st.integers(0, 40),
    broken=st.integers(K, 40),
    signed=st.integers(K, 80),
)
def test_a_rate_answered_before_never_gives_back_a_count_an_export_hides(
    achieved: int, not_achieved: int, broken: int, signed: int
) -> None:
    """The ministry was answered the share of contracts achieved for the country's half-year
    (``/api/benchmarks/aggregates/?metric=contracts_achieved``: a rate, shown because its
    numerator and base reach k). Then it orders the export of the same period with the contracts
    table, where contracts achieved are dominated by one centre (hidden for themselves) and
    completed and broken are shown: rate × (completed + broken) would give achieved back. The
    export hides more (or is refused), so that an attacker holding both keeps a protection
    interval of at least k around achieved."""
    from django.db import transaction

    from benchmarking import ledger
    from benchmarking.disclosure import CountTable, DisclosureSettings, TableSpec, protect_table
    from benchmarking.exports import build
    from benchmarking.exports.family import protect_linked
    from benchmarking.exports.parameters import ExportParameters
    from opsplatform.errors import Conflict

    completed = achieved + not_achieved
    spec = TableSpec(
        code="contracts",
        title_pl="Kontrakty socjalne",
        title_en="Social contracts",
        rows=tuple((row, row) for row in ("signed", "active", "completed", "achieved", "broken")),
        columns=(("scope", "PL"),),
    )
    counts = {"signed": signed, "active": signed + 20, "completed": completed,
              "achieved": achieved, "broken": broken}  # fmt: skip
    table = CountTable(spec, {(row, "scope"): value for row, value in counts.items()})
    gate = DisclosureSettings(k=K)
    released = protect_table(table, settings=gate, dominated=frozenset({("achieved", "scope")}))
    rate = (Decimal(achieved * 100) / (completed + broken)).quantize(Decimal("0.1"))
    parameters = ExportParameters(2024, 1, "PL", ("contracts",), "json", None)
    try:
        with transaction.atomic():
            ledger.record(
                [ledger.LedgerCell("metric:contracts_achieved:v1", "PL", "2024-H1", "value",
                                   "value", rate, hidden=False)],
                audience="ministry", channel="api", release="earlier-answer",
            )  # fmt: skip
            try:
                linked, _ = protect_linked(parameters, {"contracts": (table, released)}, {}, gate)
            except Conflict as refused:
                assert refused.code == "release_unprotectable"
                raise _Rollback from None
            tables, _ = build._derived(
                parameters, {}, {"contracts": (table, linked["contracts"])}, {}
            )
            out = tables["contracts"][1]
            shown = {
                row: cell.value for (row, _), cell in out.cells.items() if cell.value is not None
            }
            assert "achieved" not in shown
            candidates = _rate_candidates(rate, shown)
            assert achieved in candidates
            assert max(candidates) - min(candidates) >= K - 1, (counts, rate, shown, candidates)
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    achieved=st.integers(K, 60),
    not_achieved=st.integers(0, 40),
    broken=st.integers(K, 40),
)
def test_an_export_hiding_a_count_withholds_the_rate_answered_later(
    achieved: int, not_achieved: int, broken: int
) -> None:
    """The other order: the export comes first (contracts achieved dominated, hidden; completed
    and broken shown), then the ministry asks the API for the share achieved of the same scope
    and half-year. The answer's gate (``answers.guard``, the suppression memory) hides it: the
    export recorded it as withheld."""
    from types import SimpleNamespace

    from django.db import transaction

    from benchmarking.answers import guard
    from benchmarking.disclosure import (
        CellStatus,
        CountTable,
        DisclosureSettings,
        ReleasedValue,
        TableSpec,
        protect_table,
    )
    from benchmarking.exports import build
    from benchmarking.exports.family import protect_linked, record_release
    from benchmarking.exports.parameters import ExportParameters

    completed = achieved + not_achieved
    spec = TableSpec(
        code="contracts",
        title_pl="Kontrakty socjalne",
        title_en="Social contracts",
        rows=tuple((row, row) for row in ("completed", "achieved", "broken")),
        columns=(("scope", "PL"),),
    )
    table = CountTable(
        spec,
        {("completed", "scope"): completed, ("achieved", "scope"): achieved,
         ("broken", "scope"): broken},
    )  # fmt: skip
    gate = DisclosureSettings(k=K)
    released = protect_table(table, settings=gate, dominated=frozenset({("achieved", "scope")}))
    parameters = ExportParameters(2024, 1, "PL", ("contracts",), "json", None)
    rate = (Decimal(achieved * 100) / (completed + broken)).quantize(Decimal("0.1"))
    rate_key: Key = ("metric:contracts_achieved:v1", "PL", "2024-H1", "value", "value")
    try:
        with transaction.atomic():
            linked, _ = protect_linked(parameters, {"contracts": (table, released)}, {}, gate)
            tables, _ = build._derived(
                parameters, {}, {"contracts": (table, linked["contracts"])}, {}
            )
            out = tables["contracts"][1]
            record_release(SimpleNamespace(public_id="export-1"), parameters, [out])  # type: ignore[arg-type]
            shown = {
                row: cell.value for (row, _), cell in out.cells.items() if cell.value is not None
            }
            answer = {rate_key: (ReleasedValue(rate, CellStatus.PUBLISHED, None, ""), achieved)}
            hide = guard(answer, family=("ministry", ""), counted=False)
            if rate_key not in hide:
                candidates = _rate_candidates(rate, shown)
                assert max(candidates) - min(candidates) >= K - 1, (shown, rate, candidates)
            else:
                assert {"completed", "broken"} <= set(shown)  # hidden the rate, not the counts
            raise _Rollback
    except _Rollback:
        pass


def test_months_shown_before_stay_known_beside_a_cell_held_both_shown_and_hidden() -> None:
    """A quarter answer whose months 4 and 5 were shown before (same values) and month 6 hidden
    before: the quarter is hidden, even when another voivodeship's month 4, in the country's
    sum with this one's, is held by the ledger both shown and hidden (the reader still holds
    months 4 and 5, so quarter − them is month 6)."""
    table = "metric:contracts_signed:v1"

    def key(scope: str, period: str) -> Key:
        return (table, scope, period, "count", "value")

    months = [key("14", f"2024-0{m}") for m in (4, 5, 6)]
    quarter = key("14", "2024-Q2")
    other = key("02", "2024-04")  # shown once, hidden since
    country = key("PL", "2024-04")
    parts = [months[0], other, key("06", "2024-04")]  # the third never published
    current = dict(zip([*months, quarter], [20, 0, 36, 56], strict=True))
    earlier = {months[0]: 20, months[1]: 0, other: 3, country: 28}
    family = Family(
        current=current,
        relations=[Relation.total(months, quarter), Relation.total(parts, country)],
        sensitive=set(),
        published_before={other: 3, country: 28},
        hidden_before={months[2], other},
        totals={quarter},
    )
    suppressed = protect_corrected(family, k=K, earlier=earlier)
    assert months[2] in suppressed and quarter in suppressed
