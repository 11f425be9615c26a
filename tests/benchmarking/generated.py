"""A generated nation for the disclosure tests: seeded, at least 12 centres spread over several
voivodeships (some with one or two centres, most with three or more), with monthly counts of the
COUNT metrics and monthly numerators and bases of contracts achieved. Each voivodeship has quiet
months in which all its centres have a few cases, so that voivodeship aggregates have small
months to hide, and single centres dominate some months.

The centres are unsaved ``Centre`` objects; :meth:`Nation.centre_series` stands in for
``selectors.centre_series`` (the one read of snapshots) and :meth:`Nation.pooled_by_area` for
``selectors.pooled_by_area`` (the export's), so the product's own release,
protection and recording code runs on these figures and the real ledger (in the test's
transaction)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from benchmarking.comparisons import centre_contributions
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import CentreParts
from benchmarking.selectors import (
    WHOLE,
    AreaFigures,
    Figure,
    Period,
    month_range,
    pool,
    pool_scope,
)
from tenants.models import Centre

# Voivodeships of the generated nation; each gets 1 to 5 centres, at least three get 3 or more.
VOIVODESHIPS = ("02", "06", "12", "14", "24", "26")
YEAR = 2024
COUNTED = ("contracts_signed", "intakes", "contracts_active")
RATE = "contracts_achieved"


@dataclass
class Nation:
    seed: int
    centres: list[Centre]
    # (centre pk, metric, (year, month)) → count; for the rate, metric "achieved" and "ended".
    counts: dict[tuple[int, str, Period], int] = field(default_factory=dict)

    @property
    def voivodeships(self) -> list[str]:
        return sorted({c.voivodeship for c in self.centres})

    def members(self, voivodeship: str) -> list[Centre]:
        return [c for c in self.centres if c.voivodeship == voivodeship]

    def count(self, metric: str, centres: Sequence[Centre], months: Sequence[Period]) -> int:
        return sum(self.counts.get((c.pk, metric, m), 0) for c in centres for m in months)

    def pooled_by_centre(
        self,
        *,
        centre_ids: Sequence[int],
        definition: MetricDefinition,
        first: dt.date,
        last: dt.date,
    ) -> dict[int, Figure]:
        """As ``benchmarking.selectors.pooled_by_centre``: each centre's months pooled."""
        series = self.centre_series(
            centre_ids=centre_ids, definition=definition, first=first, last=last
        )
        pooled = {
            pk: pool(definition, months.values(), over="months") for pk, months in series.items()
        }
        return {pk: figure for pk, figure in pooled.items() if figure is not None}

    def pooled_by_area(
        self,
        *,
        definition: MetricDefinition,
        first: dt.date,
        last: dt.date,
        voivodeship: str | None,
        areas: Mapping[str, Sequence[str]],
    ) -> dict[str, AreaFigures]:
        """As ``benchmarking.selectors.pooled_by_area``, from the nation's series."""
        centres = [c for c in self.centres if voivodeship in (None, c.voivodeship)]
        return areas_by_centre(self.centre_series, centres, definition, first, last, areas)

    def centre_series(
        self,
        *,
        centre_ids: Sequence[int],
        definition: MetricDefinition,
        first: dt.date,
        last: dt.date,
    ) -> dict[int, dict[Period, Figure]]:
        months = [
            (y, m)
            for y in range(first.year, last.year + 1)
            for m in range(1, 13)
            if (first.year, first.month) <= (y, m) <= (last.year, last.month)
        ]
        out: dict[int, dict[Period, Figure]] = {}
        for pk in centre_ids:
            for month in months:
                if definition.code in COUNTED and definition.disclosure == DisclosureClass.COUNT:
                    value = self.counts.get((pk, definition.code, month))
                    if value is None:
                        continue
                    figure = Figure(Decimal(value), None, Decimal(value), value)
                elif definition.code == RATE:
                    ended = self.counts.get((pk, "ended", month))
                    if ended is None:
                        continue
                    achieved = self.counts[(pk, "achieved", month)]
                    ratio = (
                        (Decimal(achieved) / ended).quantize(Decimal("0.0001")) if ended else None
                    )
                    figure = Figure(Decimal(achieved), Decimal(ended), ratio, ended)
                else:
                    continue
                out.setdefault(pk, {})[month] = figure
        return out


def areas_by_centre(
    series: Any,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    areas: Mapping[str, Sequence[str]],
) -> dict[str, AreaFigures]:
    """The definition of ``selectors.pooled_by_area`` (what the export's indicators did before
    PostgreSQL pooled them): every centre's months read (``series``, as
    ``selectors.centre_series``), each area's months pooled over its centres
    (``selectors.pool_scope``) and its centres' contributions (``comparisons.centre_contributions``)
    summarised by ``CentreParts.of``."""
    by_centre = series(
        centre_ids=[c.pk for c in centres], definition=definition, first=first, last=last
    )
    periods = month_range(first, last)
    members = {key: [c for c in centres if c.voivodeship in codes] for key, codes in areas.items()}
    members[WHOLE] = list(centres)
    out: dict[str, AreaFigures] = {}
    for key, group in members.items():
        months, _ = pool_scope(definition, by_centre, group, periods)
        parts = CentreParts.of(centre_contributions(definition, by_centre, group))
        out[key] = AreaFigures(months, parts)
    return out


def nation(seed: int, *, months: Sequence[Period] | None = None) -> Nation:
    """The generated nation of ``seed`` (the same every run)."""
    rng = random.Random(seed)
    months = list(months or [(YEAR, m) for m in range(1, 13)])
    sizes = {v: rng.choice((1, 2, 3, 3, 4, 5)) for v in VOIVODESHIPS}
    large = [v for v in VOIVODESHIPS if sizes[v] >= 3]
    for v in VOIVODESHIPS:
        if len(large) >= 3:
            break
        if v not in large:
            sizes[v] = 3
            large.append(v)
    while sum(sizes.values()) < 12:
        sizes[rng.choice(large)] += 1
    centres: list[Centre] = []
    for v in VOIVODESHIPS:
        for i in range(sizes[v]):
            pk = 20_000 + len(centres)
            centres.append(
                Centre(
                    pk=pk,
                    slug=f"gen-{v}-{i}",
                    name=f"Ośrodek {v}/{i}",
                    voivodeship=v,
                    population=rng.choice((8_000, 25_000, 60_000, 300_000)),
                )
            )
    generated = Nation(seed, centres)
    quiet = {v: set(rng.sample(months, k=rng.randint(1, 3))) for v in VOIVODESHIPS}
    for centre in centres:
        level = rng.choice((2, 5, 12, 25))
        for month in months:
            for metric in COUNTED:
                if month in quiet[centre.voivodeship]:
                    value = rng.choice((0, 0, 1, 1, 2, 3))
                else:
                    value = max(0, int(rng.gauss(level, level / 3)))
                generated.counts[(centre.pk, metric, month)] = value
            ended = generated.counts[(centre.pk, "contracts_signed", month)]
            generated.counts[(centre.pk, "ended", month)] = ended
            generated.counts[(centre.pk, "achieved", month)] = rng.randint(0, ended)
    return generated


def on_the_platform(nation: Nation, monkeypatch: Any) -> None:
    """The nation's centres as the platform's registry as far as the exports' audit is
    concerned: the country is the sum of the nation's voivodeships
    (``exports.family.platform_voivodeships`` otherwise reads the demo registry, whose
    voivodeships are not the nation's, and the audit would check a structure that is not
    true of the nation: seeds 11, 12, 17, 22, 28 and 30 of ``test_release_nation.py`` then
    pinned hidden counts that the attacker, knowing the nation's voivodeships, recovered)."""
    from benchmarking import answers
    from benchmarking.exports import family

    for module in (answers, family):
        monkeypatch.setattr(module, "platform_voivodeships", lambda: list(nation.voivodeships))


def months_of(year: int, half: int) -> list[Period]:
    """The months of a half-year (``half`` 1 or 2) or of the year (``half`` 0)."""
    first, last = (1, 12) if not half else (6 * half - 5, 6 * half)
    return [(year, m) for m in range(first, last + 1)]


def export(
    nation: Nation,
    scope: str,
    year: int,
    half: int,
    seq: int = 0,
    tables: tuple[str, ...] = ("contracts", "indicators"),
    services: Mapping[int, Mapping[str, Any]] | None = None,
) -> bool:
    """An exact export of ``scope`` and period with ``tables`` (by default the contracts table
    and the indicators), through the product's gate (``build.gate_release``) from the nation's
    summed tables, and recorded in the ledger (``family.record_release``). The indicators read
    the nation's series (callers patch ``exports.tables.pooled_by_area`` with
    :meth:`Nation.pooled_by_area`).
    ``services``: centre pk → its care services of the period (as ``TableSnapshot.services``).
    Returns False when the export was refused as unprotectable."""
    from types import SimpleNamespace

    from benchmarking.disclosure import DisclosureSettings
    from benchmarking.exports import build
    from benchmarking.exports.family import record_release
    from benchmarking.exports.parameters import NATIONAL, ExportParameters, scope_label
    from benchmarking.exports.sums import Sums, centre_parts
    from casework.metrics_tables import code_lists
    from opsplatform.errors import Conflict

    centres = nation.centres if scope == NATIONAL else nation.members(scope)
    months = months_of(year, half)
    parameters = ExportParameters(year, half, scope, tables, "json", None)
    per_centre = []
    for centre in centres:
        cells = {
            "signed": nation.count("contracts_signed", [centre], months),
            "active": nation.count("contracts_active", [centre], months),
            "completed": nation.count("ended", [centre], months),
            "achieved": nation.count("achieved", [centre], months),
            "broken": 0,
        }
        per_centre.append({(row, "scope"): value for row, value in cells.items()})
    contracts = {row: sum(c[(row, "scope")] for c in per_centre) for row, _ in per_centre[0]}
    sums = Sums(
        reasons=[], forms=[], households={}, persons={}, by_area={}, contracts=contracts,
        services=[dict(services[c.pk]) for c in centres if c.pk in services] if services else [],
        runs=set(), complete=True, lists=code_lists(),
        parts={"households": {}, "persons": {}, "contracts": centre_parts(per_centre)},
    )  # fmt: skip
    job: Any = SimpleNamespace(pk=None, public_id=f"generated-{nation.seed}-{scope}-{seq}")
    try:
        gated = build.gate_release(
            job, parameters, centres, sums, scope_label(scope), DisclosureSettings.from_django()
        )
    except Conflict as refused:
        assert refused.code == "release_unprotectable"
        return False
    record_release(job, parameters, gated.tables, gated.indicator_counts)
    return True
