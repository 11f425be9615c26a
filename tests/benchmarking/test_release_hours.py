"""Sums of hours of care services are in the linked audit: held in tenths of an hour (they are
shown to a tenth), with the public structure they share with other releases — the country's
hours are its voivodeships' and a year's are its halves', each within the rounding of the values
shown — and the households served counted like any count (distinct within a scope: the country's
are its voivodeships', a year's at least either half's and at most both).

The product's export code (``build.gate_release``, ``family.record_release``) releases the
services tables of a hand-made nation into the real ledger; an exact integer attacker holding
every services cell the ministry was shown, and the tighter structure he knows (only the four
voivodeships that have centres), must not narrow a hidden sum of hours below p % of itself (the
p % rule's protection of a magnitude; k tenths, as before, left 511 hours known to ±1 hour), nor
pin any other hidden cell. Before, the country's hours beside three voivodeships' gave the
fourth's, dominated by one household, back to within a few tenths, and so did a year beside its
other half. (Checked: with the services left out of the audit the orders that publish a related
total fail.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from benchmarking.disclosure import DisclosureSettings
from benchmarking.exports import family
from benchmarking.exports.family import hours_protection
from benchmarking.exports.parameters import NATIONAL
from benchmarking.exports.tables import hours_units
from benchmarking.linked import Key, Relation, audit_family, protected
from benchmarking.models import PublishedCell
from tests.benchmarking import generated

pytestmark = pytest.mark.django_db

K = 10
GATE = DisclosureSettings()
VOIVODESHIPS = ("02", "06", "12", "14")
ROWS = ("households", "hours_planned", "hours_delivered")


class _Rollback(Exception):
    pass


def _nation() -> tuple[generated.Nation, dict[tuple[int, int], dict[str, Any]]]:
    """Three centres in each of four voivodeships. In voivodeship 02 one household takes almost
    all the hours delivered in the first half-year (its sum is hidden as dominated), not in the
    second nor over the year; the rest are ordinary. Services per (centre pk, half)."""
    from tenants.models import Centre

    centres = [
        Centre(pk=40_000 + 10 * i + j, slug=f"hours-{v}-{j}", name=f"Ośrodek {v}/{j}",
               voivodeship=v, population=60_000)
        for i, v in enumerate(VOIVODESHIPS) for j in range(3)
    ]  # fmt: skip
    nation = generated.Nation(77, centres)
    services: dict[tuple[int, int], dict[str, Any]] = {}
    for index, centre in enumerate(centres):
        for half in (1, 2):
            if centre.voivodeship == "02" and index % 3 == 0 and half == 1:
                figures = (12, "520.00", "501.25", [0.95, 0.01])
            elif centre.voivodeship == "02" and index % 3 == 0:
                figures = (12, "100.00", "90.25", [0.1, 0.08])
            elif centre.voivodeship == "02":
                figures = (3, "6.00", "5.00", [0.5, 0.3])
            else:
                figures = (15 + index, "100.00", f"{90 + index}.35", [0.1, 0.08])
            households, planned, delivered, top = figures
            services[(centre.pk, half)] = {
                "households": households, "hours_planned": planned,
                "hours_delivered": delivered, "top_shares": top,
            }  # fmt: skip
    return nation, services


def _export(nation: generated.Nation, services: dict[tuple[int, int], dict[str, Any]],
            scope: str, half: int) -> None:  # fmt: skip
    """The services table of ``scope`` for 2024-H``half`` (0: the year)."""
    halves = (1, 2) if half == 0 else (half,)
    of_centre: dict[int, dict[str, Any]] = {}
    for centre in nation.centres:
        parts = [services[(centre.pk, h)] for h in halves]
        delivered = sum(Decimal(p["hours_delivered"]) for p in parts)
        of_centre[centre.pk] = {
            "households": max(p["households"] for p in parts),  # the same households each half
            "hours_planned": str(sum(Decimal(p["hours_planned"]) for p in parts)),
            "hours_delivered": str(delivered),
            # At most the halves' largest two, weighted by their hours.
            "top_shares": [float(_weighted_share(parts, i) / delivered) for i in (0, 1)],
        }
    generated.export(nation, scope, 2024, half, tables=("services",), services=of_centre)


def _weighted_share(parts: list[dict[str, Any]], place: int) -> Decimal:
    """Σ over the parts of their ``place``-th largest household's share × their hours."""
    return sum(
        (Decimal(str(p["top_shares"][place])) * Decimal(p["hours_delivered"]) for p in parts),
        Decimal(0),
    )


def _truth(nation: generated.Nation, services: dict[tuple[int, int], dict[str, Any]]
           ) -> dict[Key, int]:  # fmt: skip
    truth: dict[Key, int] = {}
    for scope in (NATIONAL, *VOIVODESHIPS):
        members = nation.centres if scope == NATIONAL else nation.members(scope)
        for half, period in ((1, "2024-H1"), (2, "2024-H2"), (0, "2024")):
            halves = (1, 2) if half == 0 else (half,)
            parts = [services[(c.pk, h)] for c in members for h in halves]
            truth[("services", scope, period, "households", "scope")] = sum(
                max(services[(c.pk, h)]["households"] for h in halves) for c in members
            )
            for row in ("hours_planned", "hours_delivered"):
                truth[("services", scope, period, row, "scope")] = hours_units(
                    sum(Decimal(p[row]) for p in parts)
                )
    return truth


def _attacker(keys: list[Key]) -> list[Relation]:
    """What the attacker knows: the country is its four voivodeships (households exactly, hours
    within the rounding of five values shown to a tenth), a year is its halves (hours within
    three roundings; households at least either half, at most both)."""
    relations: list[Relation] = []
    for period in ("2024-H1", "2024-H2", "2024"):
        for row in ROWS:
            parts = [("services", v, period, row, "scope") for v in VOIVODESHIPS]
            total = ("services", NATIONAL, period, row, "scope")
            if row == "households":
                relations.append(Relation.total(parts, total))
            else:
                relations.extend(Relation.near_total(parts, total, slack=2))
    for scope in (NATIONAL, *VOIVODESHIPS):
        for row in ROWS:
            halves = [("services", scope, p, row, "scope") for p in ("2024-H1", "2024-H2")]
            year = ("services", scope, "2024", row, "scope")
            if row == "households":
                relations.extend(Relation.at_most(h, year) for h in halves)
                relations.append(Relation.at_most_sum(year, halves))
            else:
                relations.extend(Relation.near_total(halves, year, slack=1))
    return [r for r in relations if all(key in keys for key in r.cells())]


ORDERS = {
    "voivodeships-then-country": [(v, 1) for v in VOIVODESHIPS] + [(NATIONAL, 1)],
    "country-then-voivodeships": [(NATIONAL, 1)] + [(v, 1) for v in VOIVODESHIPS],
    "halves-then-year": [("02", 1), ("02", 2), ("02", 0)],
    "year-then-halves": [("02", 0), ("02", 2), ("02", 1)],
    "everything": [(s, h) for h in (1, 2, 0) for s in (*VOIVODESHIPS, NATIONAL)],
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_a_hidden_sum_of_hours_is_never_recovered_from_related_releases(
    order: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    nation, services = _nation()
    # The nation's centres are not in the registry: the country is the sum of its voivodeships.
    monkeypatch.setattr(family, "platform_voivodeships", lambda: list(VOIVODESHIPS))
    truth = _truth(nation, services)
    try:
        with transaction.atomic():
            for scope, half in ORDERS[order]:
                _export(nation, services, scope, half)
            published: dict[Key, int] = {}
            hidden: dict[Key, bool] = {}
            for row in PublishedCell.objects.filter(audience="ministry", table="services"):
                key: Key = (row.table, row.scope, row.period, row.row, row.column)
                if row.hidden:
                    hidden[key] = hidden.get(key, False) or row.sensitive
                elif row.value is not None:
                    published[key] = (
                        int(row.value) if row.row == "households" else hours_units(row.value)
                    )
            # Hidden as dominated, or its export refused when it could not be protected (the
            # year and the second half out before it).
            dominated = ("services", "02", "2024-H1", "hours_delivered", "scope")
            assert dominated not in published
            assert hidden.get(dominated, order == "year-then-halves")
            for key, value in published.items():
                assert value == truth[key], (key, value, truth[key])
            intervals = audit_family(published, _attacker([*published, *hidden]))
            for key, sensitive in hidden.items():
                if key in published:
                    continue  # shown in one release, hidden in a later one: known
                low, high = intervals.get(key, (0.0, float("inf")))
                assert low <= truth[key] <= high, (key, truth[key], low, high)
                # A sum of hours is a magnitude: p % of itself, not k tenths (k for counts).
                need = K if key[3] == "households" else hours_protection(truth[key], GATE)
                assert protected((low, high), sensitive=sensitive, k=need), (key, low, high)
            raise _Rollback
    except _Rollback:
        pass


def test_a_hidden_sum_of_hours_keeps_p_percent_of_itself_not_k_tenths() -> None:
    """511.3 hours hidden beside the country's sum and the other voivodeship's, which add up
    only within 0.8 hours of rounding: k tenths wide (±0.8 hours) was enough for the audit
    before; a magnitude needs p % of itself, so a complement is hidden as well."""
    from benchmarking.linked import Family, protect_family

    dominated: Key = ("services", "02", "2024-H1", "hours_delivered", "scope")
    other: Key = ("services", "06", "2024-H1", "hours_delivered", "scope")
    country: Key = ("services", NATIONAL, "2024-H1", "hours_delivered", "scope")
    current: dict[Key, int] = {dominated: 5113, other: 900, country: 6013}
    relations = Relation.near_total([dominated, other], country, slack=8)

    def hidden(required: dict[Key, int]) -> set[Key]:
        return protect_family(
            Family(current=current, relations=relations, sensitive={dominated}, required=required),
            k=K,
        )

    assert hidden({}) == {dominated}  # ±8 tenths: k wide, exposed by p %
    need = hours_protection(current[dominated], GATE)
    assert need == 512
    suppressed = hidden({dominated: need})
    assert dominated in suppressed and len(suppressed) == 2
    published = {key: value for key, value in current.items() if key not in suppressed}
    low, high = audit_family(published, relations)[dominated]
    assert protected((low, high), sensitive=True, k=need), (low, high)


def test_the_export_asks_p_percent_for_its_hidden_sums_of_hours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The export's family carries the p % protection of each sensitive sum of hours."""
    from benchmarking.linked import Family, protect_corrected

    nation, services = _nation()
    monkeypatch.setattr(family, "platform_voivodeships", lambda: list(VOIVODESHIPS))
    seen: list[Family] = []
    real = protect_corrected

    def spy(fam: Family, **kwargs: Any) -> set[Key]:
        seen.append(fam)
        return real(fam, **kwargs)

    monkeypatch.setattr(family, "protect_corrected", spy)
    truth = _truth(nation, services)
    try:
        with transaction.atomic():
            _export(nation, services, "02", 1)
            raise _Rollback
    except _Rollback:
        pass
    dominated = ("services", "02", "2024-H1", "hours_delivered", "scope")
    assert seen and dominated in seen[-1].sensitive
    assert seen[-1].required[dominated] == hours_protection(truth[dominated], GATE) > K
