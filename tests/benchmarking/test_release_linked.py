"""The ministry's exports and aggregate answers are one family, over a generated nation (at least
12 centres in several voivodeships, ``tests.benchmarking.generated``): the voivodeships'
aggregate answers (months, quarters, half-year) and the country's export (the contracts table
and the indicators, with a column per voivodeship of at least three centres) hold the same
counts. The product's own code releases them (``answers.scope_answer``, the export's
``build.gate_release`` and ``family.record_release``) into the real ledger, in either order; an
exact integer attacker holding every cell the ministry was shown (read back from the ledger),
with the public structure (months sum to fixed periods, the country to its voivodeships, an
export's indicator of a voivodeship is that voivodeship's answer, the remaining voivodeships'
column is the rest of the country), narrows no hidden small count below k and pins no other.

The link between the two paths is ``answers.twin_relations`` (used by both ``answers.guard`` and
``exports.family.protect_linked``). These seeds found a leak of the answers alone (a quarter
shown beside months known from the half-year's answer, fixed in ``answers._linked``); with the
twin relations disabled by hand they still pass, so they do not prove the link itself: that is
``test_a_count_hidden_on_one_path_stays_protected_on_the_other``, on a hand-made nation, which fails
when any part of the link is removed (checked by hand, see its docstring). Building it found a leak
of the country's export alone, now fixed: a count indicator's country column beside every
voivodeship's column but one gave that one back (``exports.family.family_relations`` did not know
that the columns add up to the country)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from benchmarking import comparisons
from benchmarking.answers import answer_relations, scope_answer
from benchmarking.definitions import current_definitions
from benchmarking.disclosure import Audience, DisclosureSettings
from benchmarking.exports import tables as export_tables
from benchmarking.exports.family import family_relations
from benchmarking.exports.parameters import NATIONAL, area_groups
from benchmarking.linked import Key, Relation, audit_family, protected
from benchmarking.models import PublishedCell
from opsplatform.errors import Conflict, ValidationFailed
from tests.benchmarking import generated

pytestmark = pytest.mark.django_db

K = 10
METRIC = "contracts_signed"
TABLE = f"metric:{METRIC}:v1"
H1 = [(generated.YEAR, m) for m in range(1, 7)]
WINDOWS = {
    "2024-H1": (dt.date(2024, 1, 1), dt.date(2024, 6, 1), H1),
    "2024-Q1": (dt.date(2024, 1, 1), dt.date(2024, 3, 1), H1[:3]),
    "2024-Q2": (dt.date(2024, 4, 1), dt.date(2024, 6, 1), H1[3:]),
}
# Seed 11 (export first) found that the answers' audit did not know the country's count
# indicator is the sum of its columns (``answers.indicator_sums``); 6–9 and 10–39 otherwise
# pass in both orders (checked by a local sweep).
SEEDS = (6, 7, 8, 9, 11)


class _Rollback(Exception):
    pass


def _answers(nation: generated.Nation) -> None:
    """The ministry asks the API for every voivodeship and the country, every fixed period."""
    definition = next(d for d in current_definitions() if d.code == METRIC)
    scopes = [(NATIONAL, nation.centres)] + [(v, nation.members(v)) for v in nation.voivodeships]
    for first, last, _ in WINDOWS.values():
        for scope, centres in scopes:
            try:
                scope_answer(
                    scope=scope,
                    centres=centres,
                    definition=definition,
                    first=first,
                    last=last,
                    audience=Audience.MINISTRY,
                    family=(Audience.MINISTRY.value, ""),
                )
            except (Conflict, ValidationFailed):
                continue  # refused (too few centres, or unprotectable): nothing recorded


def _export(nation: generated.Nation) -> None:
    """The country's export of 2024-H1, contracts and indicators, built by the product's gate."""
    generated.export(nation, NATIONAL, 2024, 1)


def _truth(nation: generated.Nation) -> dict[Key, int]:
    """The true count of every cell the ministry may be shown."""
    truth: dict[Key, int] = {}
    scopes = [(NATIONAL, nation.centres)] + [(v, nation.members(v)) for v in nation.voivodeships]
    for scope, centres in scopes:
        for month in H1:
            label = f"{month[0]}-{month[1]:02d}"
            truth[(TABLE, scope, label, "count", "value")] = nation.count(METRIC, centres, [month])
        for label, (_, _, months) in WINDOWS.items():
            truth[(TABLE, scope, label, "count", "value")] = nation.count(METRIC, centres, months)
    everyone = nation.count(METRIC, nation.centres, H1)
    truth[("contracts", NATIONAL, "2024-H1", "signed", "scope")] = everyone
    truth[("indicators", NATIONAL, "2024-H1", METRIC, "scope")] = everyone
    for code, _, members in area_groups(nation.centres, DisclosureSettings.from_django()):
        truth[("indicators", NATIONAL, "2024-H1", METRIC, code)] = nation.count(METRIC, members, H1)
    return truth


def _twins(keys: list[Key]) -> list[Relation]:
    """An export's indicator of a scope (or, nationally, of a voivodeship's column) and the
    aggregate answer of the same metric, scope and period hold the same count."""
    out = []
    for key in keys:
        table, scope, period, row, column = key
        if table == "indicators" and row == METRIC and column != "pozostale":
            twin = scope if column == "scope" else column
            out.append(Relation(((key, 1), ((TABLE, twin, period, "count", "value"), -1))))
    return out


def _attacker_relations(nation: generated.Nation, keys: list[Key]) -> list[Relation]:
    """The public structure an attacker knows (as the platform models it, and the remaining
    voivodeships' column of the country's export as the rest of the country)."""
    counted = [k for k in keys if k[0] in ("contracts", "indicators")]
    relations = [
        *family_relations(counted, nation.voivodeships),
        *answer_relations([k for k in keys if k[0] == TABLE], members=dict),
        *_twins(keys),
        Relation(
            (
                (("contracts", NATIONAL, "2024-H1", "signed", "scope"), 1),
                (("indicators", NATIONAL, "2024-H1", METRIC, "scope"), -1),
            )
        ),
    ]
    groups = area_groups(nation.centres, DisclosureSettings.from_django())
    rest = [m.voivodeship for code, _, members in groups if code == "pozostale" for m in members]
    if rest:
        relations.append(
            Relation.total(
                [(TABLE, v, "2024-H1", "count", "value") for v in sorted(set(rest))],
                ("indicators", NATIONAL, "2024-H1", METRIC, "pozostale"),
            )
        )
    return relations


@pytest.mark.parametrize("export_first", [True, False], ids=["export-first", "answers-first"])
@pytest.mark.parametrize("seed", SEEDS)
def test_exports_and_answers_of_a_generated_nation_keep_every_small_count_protected(
    seed: int, export_first: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    nation = generated.nation(seed)
    assert len(nation.centres) >= 12 and len(nation.voivodeships) >= 4
    generated.on_the_platform(nation, monkeypatch)
    monkeypatch.setattr(comparisons, "centre_series", nation.centre_series)
    monkeypatch.setattr(export_tables, "pooled_by_area", nation.pooled_by_area)
    truth = _truth(nation)
    try:
        with transaction.atomic():
            for step in (_export, _answers) if export_first else (_answers, _export):
                step(nation)
            published: dict[Key, int] = {}
            hidden: set[Key] = set()
            for row in PublishedCell.objects.filter(audience="ministry", viewer="", exact=True):
                key: Key = (row.table, row.scope, row.period, row.row, row.column)
                if key not in truth:
                    continue
                if row.hidden:
                    hidden.add(key)
                elif row.value is not None:
                    published[key] = int(row.value)
            # A month shown in one answer and hidden in a later one (its own answer's
            # complement) is known all the same.
            hidden -= set(published)
            assert published and hidden, "the generated nation hides some counts"
            relations = _attacker_relations(nation, [*published, *hidden])
            intervals = audit_family(published, relations)
            for key in hidden:
                true = truth[key]
                low, high = intervals.get(key, (0.0, float("inf")))
                assert low <= true <= high, (key, true, low, high)
                if true == 0 and (low, high) == (0.0, 0.0):
                    continue  # a zero of a published zero total
                assert protected((low, high), sensitive=0 < true < K, k=K), (key, true, low, high)
            raise _Rollback
    except _Rollback:
        pass


# --- The link itself: a cell hidden on one path stays protected on the other ----------------------

# Four voivodeships of three centres each (each a column of the country's export): one with
# three contracts in the half-year, hidden; the others well above k every month.
_LINK_MONTHLY = {"02": (1, 0), "06": (4, 4), "12": (5, 5), "14": (6, 6)}  # (January, other months)


def _linked_nation() -> generated.Nation:
    from tenants.models import Centre

    centres = [
        Centre(pk=30_000 + 10 * i + j, slug=f"link-{v}-{j}", name=f"Ośrodek {v}/{j}",
               voivodeship=v, population=60_000)
        for i, v in enumerate(_LINK_MONTHLY) for j in range(3)
    ]  # fmt: skip
    nation = generated.Nation(99, centres)
    for centre in centres:
        january, other = _LINK_MONTHLY[centre.voivodeship]
        for month in H1:
            value = january if month[1] == 1 else other
            for metric in generated.COUNTED:
                nation.counts[(centre.pk, metric, month)] = value
            nation.counts[(centre.pk, "ended", month)] = value
            nation.counts[(centre.pk, "achieved", month)] = value // 2
    return nation


def _voivodeship_answers(nation: generated.Nation) -> None:
    """The ministry asks the API for every voivodeship's half-year (not for the country)."""
    definition = next(d for d in current_definitions() if d.code == METRIC)
    first, last, _ = WINDOWS["2024-H1"]
    for scope in nation.voivodeships:
        try:
            scope_answer(
                scope=scope, centres=nation.members(scope), definition=definition, first=first,
                last=last, audience=Audience.MINISTRY, family=(Audience.MINISTRY.value, ""),
            )  # fmt: skip
        except (Conflict, ValidationFailed):
            continue


@pytest.mark.parametrize(
    "order", ["export", "indicators-only", "export-then-answers", "answers-then-export"]
)
def test_a_count_hidden_on_one_path_stays_protected_on_the_other(
    order: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The voivodeships' half-year answers and the country's export of the same half-year, in
    either order, with nothing else published. Each path alone protects its own figures: the
    export hides the small voivodeship's column and one more (its count is the country's
    minus the other columns), the answers hide only the small voivodeship. Together, the
    country's total minus the voivodeships shown on the other path is the small voivodeship's
    count, unless each path knows what the other showed and hid: the ledger's twin cells
    (``answers.twin_relations``), read by the answers (table ``indicators``) and by the export
    (the answers' tables). With the twin relations removed both orders fail; without the
    answers reading the export's cells, export-then-answers fails; without the export reading
    the answers', answers-then-export fails; without the country's column sum in
    ``family_relations``, every order fails; and an export of the indicators alone skipped the
    linked audit (``build.gate_release`` ran it only beside a count table)."""
    nation = _linked_nation()
    monkeypatch.setattr(comparisons, "centre_series", nation.centre_series)
    monkeypatch.setattr(export_tables, "pooled_by_area", nation.pooled_by_area)
    assert [code for code, _, _ in area_groups(nation.centres, DisclosureSettings())] == list(
        _LINK_MONTHLY
    )
    # The small voivodeship's half-year: its answer and its column of the country's export.
    # Every count indicator of the export is the same small count here (the nation counts each
    # metric alike).
    smalls: list[Key] = [
        (TABLE, "02", "2024-H1", "count", "value"),
        *(("indicators", NATIONAL, "2024-H1", metric, "02") for metric in generated.COUNTED),
    ]
    true = nation.count(METRIC, nation.members("02"), H1)
    assert 0 < true < K
    try:
        with transaction.atomic():
            steps = {
                "export": (_export,),
                "indicators-only": (
                    lambda n: generated.export(n, NATIONAL, 2024, 1, tables=("indicators",)),
                ),
                "export-then-answers": (_export, _voivodeship_answers),
                "answers-then-export": (_voivodeship_answers, _export),
            }[order]
            for step in steps:
                step(nation)
            published: dict[Key, int] = {}
            hidden: set[Key] = set()
            for row in PublishedCell.objects.filter(audience="ministry", viewer="", exact=True):
                key: Key = (row.table, row.scope, row.period, row.row, row.column)
                if row.hidden:
                    hidden.add(key)
                elif row.value is not None:
                    published[key] = int(row.value)
            hidden -= set(published)
            smalls = [key for key in smalls if key in hidden or key in published]
            assert smalls and not set(smalls) & set(published)
            indicator = ("indicators", NATIONAL, "2024-H1", METRIC)
            relations = [
                *answer_relations([k for k in [*published, *hidden] if k[0] == TABLE]),
                *_twins([*published, *hidden]),
                # The country's count indicators are the sums of their voivodeships' columns;
                # its contracts signed, those of the country's contracts table.
                *(
                    Relation.total(
                        [("indicators", NATIONAL, "2024-H1", metric, v) for v in _LINK_MONTHLY],
                        ("indicators", NATIONAL, "2024-H1", metric, "scope"),
                    )
                    for metric in generated.COUNTED
                ),
                Relation(
                    (
                        (("contracts", NATIONAL, "2024-H1", "signed", "scope"), 1),
                        ((*indicator, "scope"), -1),
                    )
                ),
            ]
            intervals = audit_family(published, relations)
            for small in smalls:
                low, high = intervals.get(small, (0.0, float("inf")))
                assert low <= true <= high
                assert protected((low, high), sensitive=True, k=K), (small, low, high)
            raise _Rollback
    except _Rollback:
        pass
