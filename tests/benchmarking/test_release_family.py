"""Disclosure control across releases: the outside auditor's attack classes as
property tests over generated data, plus the rules on the demo data through the real API.

Attack classes and where each is answered:
* a scope with one or two centres is those centres → ``test_centre_rule_*``,
  ``test_ministry_scope_of_one_centre_is_refused_*``;
* free windows differenced into single months → ``test_only_calendar_periods_*``,
  ``test_free_window_is_refused_on_the_api``, ``test_months_and_window_*``;
* quartiles of five centres are the centres → ``test_quartiles_of_five_centres_are_refused``;
* national minus the other voivodeships, H1 + H2 = year →
  ``test_country_minus_voivodeships_and_half_years_and_year_*``;
* suppression memory re-release → ``test_hidden_once_stays_hidden_*`` here and
  ``test_answers_ledger.py::test_a_figure_hidden_once_stays_hidden``;
* averages standing in for hidden counts → ``test_a_mean_of_small_counts_is_hidden``;
* two markers tell more than one → ``test_one_symbol_*`` and ``test_disclosure.py``'s
  ``test_every_hidden_cell_keeps_a_protection_interval_for_an_exact_attacker``;
* DP following the exact pattern → ``test_dp_releases.py``;
* answers of the API and pages → ``test_answers_ledger.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benchmarking.comparisons import _protect_months, fixed_period
from benchmarking.definitions import DisclosureClass
from benchmarking.disclosure import (
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedValue,
    Subject,
    TableSpec,
    centre_rule,
    protect_table,
    release_value,
)
from benchmarking.linked import (
    Family,
    Relation,
    Unprotectable,
    audit_family,
    protect_family,
    protected,
)
from benchmarking.selectors import Figure

K = 10
GATE = DisclosureSettings(k=K)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

counts = st.integers(min_value=0, max_value=60)


# --- Minimum contributors and the centre-level p % rule -------------------------------------------


@FAST
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=12))
def test_centre_rule_refuses_fewer_than_three_centres_and_dominant_centres(
    parts: list[int],
) -> None:
    reason = centre_rule([Decimal(p) for p in parts], GATE)
    nonzero = sorted((p for p in parts if p), reverse=True)
    if not nonzero:
        assert reason == ""
        return
    if len(nonzero) < GATE.min_centres:
        assert reason, "an aggregate of one or two centres is those centres"
        return
    rest = sum(nonzero[2:])
    # Published only if the second-largest centre cannot estimate the largest within p %.
    assert (reason == "") == (rest >= GATE.centre_p_percent / 100 * nonzero[0])


@FAST
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=2))
def test_centre_rule_is_applied_by_the_gate_for_every_audience_but_own(parts: list[int]) -> None:
    total = Decimal(sum(parts) + 100)
    for audience in (Audience.MINISTRY, Audience.PEER, Audience.REGION):
        released = release_value(
            disclosure=DisclosureClass.COUNT,
            subject=Subject.CLIENTS,
            value=total,
            numerator=total,
            denominator=None,
            n=int(total),
            top_shares=(),
            audience=audience,
            settings=GATE,
            centres=[Decimal(p) for p in parts],
        )
        assert released.value is None and released.marker == "x"


# --- Means of small counts ------------------------------------------------------------------------


@FAST
@given(st.integers(min_value=K, max_value=200), st.integers(min_value=2, max_value=24))
def test_a_mean_of_small_counts_is_hidden(total: int, months: int) -> None:
    """ "Care households 3.08 a month beside <10": a mean below k stands in for small counts."""
    mean = (Decimal(total) / months).quantize(Decimal("0.01"))
    released = release_value(
        disclosure=DisclosureClass.COUNT,
        subject=Subject.CLIENTS,
        value=mean,
        numerator=Decimal(total),
        denominator=None,
        n=total,
        top_shares=(),
        audience=Audience.MINISTRY,
        settings=GATE,
    )
    assert (released.value is None) == (0 < mean < K)


# --- One symbol -----------------------------------------------------------------------------------


def _grid(data: st.DataObject) -> CountTable:
    rows = data.draw(st.integers(min_value=1, max_value=4))
    columns = data.draw(st.integers(min_value=2, max_value=4))
    spec = TableSpec(
        code="t",
        title_pl="t",
        title_en="t",
        rows=tuple((f"r{i}", f"r{i}") for i in range(rows)),
        columns=tuple((f"c{j}", f"c{j}") for j in range(columns)),
        total_row=("tot", "Ogółem"),
        total_column=("all", "Razem"),
        sensitive_rows=frozenset({"r0"}),
    )
    body = {
        (f"r{i}", f"c{j}"): data.draw(st.one_of(st.integers(0, 12), counts))
        for i in range(rows)
        for j in range(columns)
    }
    cells = dict(body)
    for i in range(rows):
        cells[(f"r{i}", "all")] = sum(body[(f"r{i}", f"c{j}")] for j in range(columns))
    for j in [*(f"c{j}" for j in range(columns)), "all"]:
        cells[("tot", j)] = sum(cells[(f"r{i}", j)] for i in range(rows))
    return CountTable(spec, cells, small_unit=data.draw(st.booleans()))


def _table_relations(table: CountTable) -> list[Relation]:
    spec = table.spec
    body_rows = [r for r, _ in spec.rows]
    body_columns = [c for c, _ in spec.columns]
    relations = [
        Relation.total([(r, c) for r in body_rows], ("tot", c)) for c in [*body_columns, "all"]
    ]
    relations += [
        Relation.total([(r, c) for c in body_columns], (r, "all")) for r in [*body_rows, "tot"]
    ]
    return relations


@FAST
@given(st.data())
def test_one_symbol_and_a_protection_interval_for_every_sensitive_cell(data: st.DataObject) -> None:
    """Any generated table: no published count in 1..k−1, every hidden cell marked ``x`` and
    ``suppressed`` alike, every line 0 or ≥ 2 hidden, and an exact integer attacker who knows
    only "hidden means a whole number ≥ 0" finds every sensitive cell in a range ≥ k wide."""
    table = _grid(data)
    try:
        released = protect_table(table, settings=GATE)
    except ValueError:
        return  # refused rather than released: allowed
    hidden = {cell for cell, c in released.cells.items() if c.status in SUPPRESSED_STATUSES}
    for shown in released.cells.values():
        if shown.value is not None:
            assert not 0 < shown.value < K
        else:
            assert shown.marker == "x" and shown.as_json()["status"] == "suppressed"
    relations = _table_relations(table)
    for relation in relations:
        assert sum(1 for key in relation.cells() if key in hidden) != 1
    published = {cell: c.value for cell, c in released.cells.items() if c.value is not None}
    intervals = audit_family(published, relations)  # type: ignore[arg-type]  # test doubles
    for cell in hidden:
        sensitive = released.cells[cell].status in (CellStatus.PRIMARY, CellStatus.DOMINANCE)
        assert protected(intervals[cell], sensitive=sensitive, k=K), (cell, intervals[cell])


# --- Free windows ---------------------------------------------------------------------------------


@FAST
@given(
    st.integers(min_value=2016, max_value=2025),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=30),
)
def test_only_calendar_periods_are_pooled(year: int, month: int, length: int) -> None:
    first = dt.date(year, month, 1)
    index = year * 12 + month - 1 + length
    last = dt.date(index // 12, index % 12 + 1, 1)
    label = fixed_period(first, last)
    calendar = (
        length == 0
        or (length == 2 and month in (1, 4, 7, 10))
        or (length == 5 and month in (1, 7))
        or (length == 11 and month == 1)
    )
    assert (label is not None) == calendar


@FAST
@given(st.lists(st.one_of(st.integers(0, 12), counts), min_size=1, max_size=12))
def test_months_and_window_never_pin_a_hidden_month(values: list[int]) -> None:
    """An aggregate answer's months beside its window (mean × months = sum of the months): the
    window minus the shown months never gives a hidden month, nor narrows it below k."""
    months = [
        ((2025, m + 1), Figure(Decimal(v), None, Decimal(v), v)) for m, v in enumerate(values)
    ]
    total = sum(values)
    window = Figure(Decimal(total), None, Decimal(total) / len(values), total, (), len(values))

    def gate(figure: Figure) -> ReleasedValue:
        return release_value(
            disclosure=DisclosureClass.COUNT,
            subject=Subject.CLIENTS,
            value=figure.value,
            numerator=figure.numerator,
            denominator=None,
            n=figure.n,
            top_shares=(),
            audience=Audience.MINISTRY,
            settings=GATE,
        )

    monthly, shown_window = _protect_months(
        months, window, [gate(f) for _, f in months], gate(window), GATE
    )
    published: dict[Any, int] = {
        (f"m{m:02d}",): values[m] for m in range(len(values)) if monthly[m].value is not None
    }
    if shown_window.value is not None:
        published[("window",)] = total
    relation = Relation.total([(f"m{m:02d}",) for m in range(len(values))], ("window",))
    intervals = audit_family(published, [relation])
    for m, value in enumerate(values):
        if monthly[m].value is None and 0 < value < K:
            key = (f"m{m:02d}",)
            assert protected(intervals[key], sensitive=True, k=K), (values, intervals)


# --- Linked releases: the country and its voivodeships, half-years and the year -------------------


def _country(data: st.DataObject) -> dict[tuple[str, ...], int]:
    """Counts of one figure for V voivodeships × two half-years, additive (events), with the
    country and the year as sums."""
    voivodeships = data.draw(st.integers(min_value=2, max_value=4))
    cells: dict[tuple[str, ...], int] = {}
    for v in range(voivodeships):
        for half in ("H1", "H2"):
            cells[(f"v{v}", half)] = data.draw(st.one_of(st.integers(0, 12), counts))
        cells[(f"v{v}", "Y")] = cells[(f"v{v}", "H1")] + cells[(f"v{v}", "H2")]
    for period in ("H1", "H2", "Y"):
        cells[("PL", period)] = sum(cells[(f"v{v}", period)] for v in range(voivodeships))
    return cells


def _country_relations(cells: dict[tuple[str, ...], int]) -> list[Relation]:
    scopes = sorted({s for s, _ in cells})
    voivodeships = [s for s in scopes if s != "PL"]
    relations = [Relation.total([(s, "H1"), (s, "H2")], (s, "Y")) for s in scopes]
    relations += [
        Relation.total([(v, p) for v in voivodeships], ("PL", p)) for p in ("H1", "H2", "Y")
    ]
    return relations


@FAST
@given(st.data())
def test_country_minus_voivodeships_and_half_years_and_year_release_by_release(
    data: st.DataObject,
) -> None:
    """Releases come one by one, in an order the attacker chooses (country first, or a
    voivodeship's H1, then the year …). Each is protected against everything out before; at the
    end, an integer attacker holding every release pins no hidden cell and narrows no small one
    below k (national minus the others, H1 + H2 = year)."""
    cells = _country(data)
    relations = _country_relations(cells)
    order = data.draw(st.permutations(sorted(cells)))
    published: dict[tuple[str, ...], int] = {}
    hidden: set[tuple[str, ...]] = set()
    for key in order:
        family = Family(
            current={key: cells[key]},
            relations=relations,
            sensitive=({key} if 0 < cells[key] < K else set())
            | {k for k in hidden if 0 < cells[k] < K},
            published_before=dict(published),
            hidden_before=set(hidden),
        )
        try:
            suppressed = protect_family(family, k=K)
        except Unprotectable:
            continue
        if key in suppressed:
            hidden.add(key)
        else:
            published[key] = cells[key]
    intervals = audit_family(published, relations)
    for key in hidden:
        assert protected(intervals[key], sensitive=0 < cells[key] < K, k=K), (key, intervals)


@FAST
@given(st.data())
def test_hidden_once_stays_hidden_when_released_again(data: st.DataObject) -> None:
    """The suppression memory is per cell: a full re-release after partial releases hides every
    cell hidden before, so nothing hidden earlier appears later."""
    cells = _country(data)
    relations = _country_relations(cells)
    keys = sorted(cells)
    first = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
    family = Family(
        current={k: cells[k] for k in first},
        relations=relations,
        sensitive={k for k in first if 0 < cells[k] < K},
    )
    try:
        hidden_first = protect_family(family, k=K)
    except Exception:
        assume(False)
        return
    published = {k: cells[k] for k in first if k not in hidden_first}
    again = Family(
        current={k: v for k, v in cells.items() if k not in published},
        relations=relations,
        sensitive={k for k in keys if 0 < cells[k] < K},
        published_before=published,
        hidden_before=set(hidden_first),
    )
    try:
        hidden_again = protect_family(again, k=K)
    except Exception:
        return
    assert hidden_first - {k for k in hidden_first if cells[k] == 0} <= hidden_again


# --- Through the real API and exports on the demo data (five centres, one per voivodeship) -------


pytestmark_db = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]


@pytest.mark.django_db
@pytest.mark.usefixtures("benchmark_data")
def test_ministry_scope_of_one_centre_is_refused_on_api_and_export() -> None:
    from tests.benchmarking.conftest import api_client

    client = api_client(None, "analityk")
    answer = client.get(
        "/api/benchmarks/aggregates/?metric=contracts_signed&from=2024-01&to=2024-06&scope=26"
    )
    assert answer.status_code == 400, answer.content
    assert "co najmniej 3 ośrodków" in answer.json()["fields"]["scope"][0]
    export = client.post(
        "/api/exports/",
        {"period": "2024-H1", "scope": "26", "format": "json"},
        content_type="application/json",
    )
    assert export.status_code == 400 and "scope" in export.json()["fields"]
    national = client.get(
        "/api/benchmarks/aggregates/?metric=contracts_signed&from=2024-01&to=2024-06&scope=PL"
    )
    assert national.status_code == 200, national.content
    assert national.json()["centres"] == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("benchmark_data")
def test_free_window_is_refused_on_the_api() -> None:
    from tests.benchmarking.conftest import api_client

    client = api_client(None, "analityk")
    answer = client.get(
        "/api/benchmarks/aggregates/?metric=contracts_signed&from=2024-01&to=2024-05&scope=PL"
    )
    assert answer.status_code == 400
    assert "okres kalendarzowy" in answer.json()["fields"]["from"][0]


@pytest.mark.django_db
@pytest.mark.usefixtures("benchmark_data")
def test_quartiles_of_five_centres_are_refused() -> None:
    from tests.benchmarking.conftest import api_client

    client = api_client("piaseczno", "kierownik")
    body = client.get(
        "/api/benchmarks/cohorts/platforma/?metric=social_work_time_share&from=2024-01&to=2024-06"
    ).json()
    assert body["allowed"] is False
    assert "quartiles" not in body and "peers" not in body and "position" not in body
    assert "co najmniej 10 ośrodków" in body["reason"]
    coordinator = api_client(None, "koordynator.malopolskie")
    compare = coordinator.get(
        "/api/benchmarks/compare/?metric=social_work_time_share&from=2024-01&to=2024-06"
    ).json()
    assert compare["national"]["allowed"] is False and "quartiles" not in compare["national"]
