"""The centres' stored reporting tables summed for a scope and period, and the count tables made
from them (with their total rows); the noise of a differentially private release."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarking import dp
from benchmarking.disclosure import (
    CountTable,
    TableSpec,
)
from benchmarking.exports.parameters import (
    AREA_FORMS,
    TABLES,
    TOTAL,
)
from benchmarking.models import TableSnapshot
from casework.metrics_tables import (
    CodeLists,
    code_lists,
)


def _cells(raw: Mapping[str, int]) -> dict[tuple[str, str], int]:
    cells: dict[tuple[str, str], int] = {}
    for key, count in raw.items():
        row, column = key.split("|", 1)
        cells[(row, column)] = int(count)
    return cells


def _add(into: dict[tuple[str, str], int], cells: Mapping[tuple[str, str], int]) -> None:
    for key, count in cells.items():
        into[key] = into.get(key, 0) + count


def _ordered(keys: Iterable[str], order: Sequence[str]) -> list[str]:
    wanted = set(keys)
    return [k for k in order if k in wanted] + sorted(wanted - set(order))


@dataclass
class Sums:
    reasons: list[str]
    forms: list[str]
    households: dict[tuple[str, str], int]
    persons: dict[tuple[str, str], int]
    by_area: dict[str, dict[str, int]]
    contracts: dict[str, int]
    services: list[dict[str, Any]]
    runs: set[str]
    complete: bool
    lists: CodeLists
    # Each centre's own cells, for the centre-level dominance rule: table → one dict per centre.
    per_centre: dict[str, list[dict[tuple[str, str], int]]]


def sum_tables(snapshots: Sequence[TableSnapshot], *, capped: bool) -> Sums:
    lists = code_lists()
    reason_order = [code for code, _, _ in lists.reasons]
    form_order = [code for code, _ in lists.forms]
    households: dict[tuple[str, str], int] = {}
    persons: dict[tuple[str, str], int] = {}
    by_area: dict[str, dict[str, int]] = {}
    contracts: dict[str, int] = {}
    reasons: set[str] = set()
    forms: set[str] = set()
    per_centre: dict[str, list[dict[tuple[str, str], int]]] = {
        "households": [], "persons": [], "contracts": []
    }  # fmt: skip
    for snap in snapshots:
        reasons |= set(snap.reason_rows)
        forms |= set(snap.form_columns)
        centre_households = _cells(snap.households)
        centre_persons = _cells(snap.persons_capped if capped else snap.persons)
        _add(households, centre_households)
        _add(persons, centre_persons)
        per_centre["households"].append(centre_households)
        per_centre["persons"].append(centre_persons)
        per_centre["contracts"].append(
            {(key, "scope"): int(count) for key, count in snap.contracts.items()}
        )
        area = by_area.setdefault(snap.centre.voivodeship, {})
        for (_, form), count in centre_households.items():
            if form in AREA_FORMS:
                area[form] = area.get(form, 0) + count
        for key, count in snap.contracts.items():
            contracts[key] = contracts.get(key, 0) + int(count)
    return Sums(
        reasons=_ordered(reasons, reason_order),
        forms=_ordered(forms, form_order),
        households=households,
        persons=persons,
        by_area=by_area,
        contracts=contracts,
        services=[snap.services for snap in snapshots],
        runs={str(snap.run.public_id) for snap in snapshots},
        complete=all(snap.complete for snap in snapshots),
        lists=lists,
        per_centre=per_centre,
    )


def with_total_row(
    body: Mapping[tuple[str, str], int], rows: Sequence[str], columns: Sequence[str]
) -> dict[tuple[str, str], int]:
    counts = {(r, c): max(int(body.get((r, c), 0)), 0) for r in rows for c in columns}
    for column in columns:
        counts[(TOTAL[0], column)] = sum(counts[(r, column)] for r in rows)
    return counts


def reason_form_spec(code: str, title: str, unit: str, sums: Sums) -> TableSpec:
    lists = sums.lists
    reason_labels = {c: label for c, label, _ in lists.reasons}
    sensitive = frozenset(c for c, _, is_sensitive in lists.reasons if is_sensitive)
    form_labels = dict(lists.forms)
    return TableSpec(
        code=code,
        title_pl=title,
        title_en=code.replace("_", " "),
        rows=tuple((r, reason_labels.get(r, r)) for r in sums.reasons),
        columns=tuple((f, form_labels.get(f, f)) for f in sums.forms),
        total_row=TOTAL,
        sensitive_rows=sensitive,
        unit=unit,
    )


def noise(
    bodies: Mapping[str, dict[tuple[str, str], int]], scale: float
) -> dict[str, dict[tuple[str, str], int]]:
    """Discrete Gaussian noise on every body cell of the DP tables, in one vector (the category
    keys come from the public code lists, zeros included); negative results become zero
    (post-processing)."""
    keys = [(name, key) for name, body in bodies.items() for key in sorted(body)]
    noisy = dp.noisy_counts([bodies[name][key] for name, key in keys], scale=scale)
    out: dict[str, dict[tuple[str, str], int]] = {name: {} for name in bodies}
    for (name, key), value in zip(keys, noisy, strict=True):
        out[name][key] = max(value, 0)
    return out


def contracts_counts(sums: Sums, label: str) -> CountTable:
    rows = (
        ("signed", "Podpisane w okresie"),
        ("active", "Realizowane w okresie"),
        ("completed", "Zakończone w okresie"),
        ("achieved", "Zakończone osiągnięciem celów"),
        ("broken", "Zerwane"),
    )
    spec = TableSpec(
        code="contracts",
        title_pl=TABLES["contracts"],
        title_en="Social contracts",
        rows=rows,
        columns=(("scope", label),),
        unit="kontrakty",
    )
    counts = {(key, "scope"): int(sums.contracts.get(key, 0)) for key, _ in rows}
    return CountTable(spec, counts)


def dp_bodies(
    sums: Sums, bodies: Mapping[str, dict[tuple[str, str], int]]
) -> dict[str, dict[tuple[str, str], int]]:
    """Every body cell the code lists define, zeros included (noise goes on zeros too, so that
    which categories are empty is not revealed)."""
    grid = [(r, f) for r in sums.reasons for f in sums.forms]
    return {
        "households": {key: bodies["households"].get(key, 0) for key in grid},
        "persons": {key: bodies["persons"].get(key, 0) for key in grid},
        "areas": dict(bodies["areas"]),
    }
