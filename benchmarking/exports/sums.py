"""The centres' stored reporting tables summed for a scope and period, and the count tables made
from them (with their total rows); the noise of a differentially private release."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from benchmarking import dp
from benchmarking.disclosure import (
    CentreParts,
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
from tenants.models import Centre


def _cells(raw: Mapping[str, int]) -> dict[tuple[str, str], int]:
    cells: dict[tuple[str, str], int] = {}
    for key, count in raw.items():
        row, column = key.split("|", 1)
        cells[(row, column)] = int(count)
    return cells


def _cell(key: str) -> tuple[str, str]:
    row, column = key.split("|", 1)
    return row, column


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
    # The centres' care services (as ``TableSnapshot.services``), or their sum as one entry
    # (:func:`pooled_tables`): the services table is the same either way.
    services: list[dict[str, Any]]
    runs: set[str]
    complete: bool
    lists: CodeLists
    # What the centre-level rules read of each cell's contributions (``CentreParts``), for the
    # cells some centre contributes to: table → cell → parts. Households and persons by each
    # centre's grid of all reasons × forms with its total row (negative counts as 0), contracts
    # by ``(key, "scope")``.
    parts: dict[str, dict[tuple[str, str], CentreParts]]


def centre_parts(
    per_centre: Sequence[Mapping[tuple[str, str], int]],
) -> dict[tuple[str, str], CentreParts]:
    """``CentreParts`` of every cell some centre of ``per_centre`` contributes to."""
    cells = {cell for centre in per_centre for cell, count in centre.items() if count}
    return {cell: CentreParts.of([c.get(cell, 0) for c in per_centre]) for cell in cells}


def sum_tables(snapshots: Sequence[TableSnapshot], *, capped: bool) -> Sums:
    """The centres' tables summed in Python, centre by centre: the definition of
    :func:`pooled_tables` (which the exports use)."""
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
    rows, columns = _ordered(reasons, reason_order), _ordered(forms, form_order)
    return Sums(
        reasons=rows,
        forms=columns,
        households=households,
        persons=persons,
        by_area=by_area,
        contracts=contracts,
        services=[snap.services for snap in snapshots],
        runs={str(snap.run.public_id) for snap in snapshots},
        complete=all(snap.complete for snap in snapshots),
        lists=lists,
        parts={
            "households": centre_parts(
                [with_total_row(c, rows, columns) for c in per_centre["households"]]
            ),
            "persons": centre_parts(
                [with_total_row(c, rows, columns) for c in per_centre["persons"]]
            ),
            "contracts": centre_parts(per_centre["contracts"]),
        },
    )


def _scope_where(scope: str | None) -> tuple[str, list[Any]]:
    if scope is None:
        return "", []
    return "AND c.voivodeship = %s", [scope]


def pooled_tables(
    *, scope: str | None, version: int, year: int, half: int, capped: bool
) -> tuple[int, Sums]:
    """The stored tables of the centres of a scope (one voivodeship, or the country for
    ``scope`` None) and period summed by PostgreSQL, with each cell's ``CentreParts`` for the
    centre-level rules: what :func:`sum_tables` gives, in two statements whatever the number of
    centres. Also returns how many centres have tables of the period."""
    lists = code_lists()
    snapshots = TableSnapshot._meta.db_table
    centres = Centre._meta.db_table
    runs = TableSnapshot._meta.get_field("run").related_model._meta.db_table
    where, where_params = _scope_where(scope)
    persons = "persons_capped" if capped else "persons"
    period = [version, year, half]
    # Only fixed names and expressions are formatted in; values are parameters.
    t = f"""
    SELECT s.id, c.voivodeship, s.households, s.{persons} AS persons, s.contracts, s.services,
           s.reason_rows, s.form_columns, s.complete, s.run_id
    FROM {snapshots} s JOIN {centres} c ON c.id = s.centre_id
    WHERE s.version = %s AND s.year = %s AND s.half = %s {where}"""  # noqa: S608
    share = "coalesce((t.services -> 'top_shares' ->> {})::float8, 0)"
    delivered = "(t.services ->> 'hours_delivered')::numeric"
    meta = f"""
WITH t AS ({t})
SELECT
    (SELECT count(*) FROM t),
    (SELECT array_agg(DISTINCT r) FROM t, jsonb_array_elements_text(t.reason_rows) r),
    (SELECT array_agg(DISTINCT f) FROM t, jsonb_array_elements_text(t.form_columns) f),
    (SELECT array_agg(DISTINCT u.public_id::text) FROM t JOIN {runs} u ON u.id = t.run_id),
    (SELECT bool_and(t.complete) FROM t),
    (SELECT array_agg(DISTINCT t.voivodeship) FROM t),
    (SELECT sum((t.services ->> 'households')::bigint) FROM t),
    (SELECT sum((t.services ->> 'hours_planned')::numeric) FROM t),
    (SELECT sum({delivered}) FROM t),
    (SELECT sum((({share.format(0)} + {share.format(1)})::text)::numeric * {delivered}) FROM t)
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(meta, [*period, *where_params])
        (
            count, reasons, forms, run_ids, complete, voivodeships,
            households, planned, delivered_sum, top_weighted,
        ) = cursor.fetchone()  # fmt: skip
    rows = _ordered(reasons or [], [code for code, _, _ in lists.reasons])
    columns = _ordered(forms or [], [code for code, _ in lists.forms])
    total_row = TOTAL[0]
    # Most cells are 0: only positive ones reach the centre-level rules (a negative count is
    # taken as 0 there, as ``with_total_row`` takes it), so only they are split into reason
    # and form. The sums keep every key, per voivodeship (their rows are bounded by the
    # voivodeships × the code lists, not by the centres) and are added up here.
    cells = f"""
WITH t AS ({t}),
e AS NOT MATERIALIZED (
    SELECT 'households' AS tab, t.id, t.voivodeship, x.key, x.value::bigint AS v
    FROM t, jsonb_each(t.households) x
    UNION ALL
    SELECT 'persons', t.id, t.voivodeship, x.key, x.value::bigint FROM t, jsonb_each(t.persons) x
    UNION ALL
    SELECT 'contracts', t.id, t.voivodeship, x.key, x.value::bigint
    FROM t, jsonb_each(t.contracts) x
),
g AS (
    SELECT e.tab, e.id, split_part(e.key, '|', 1) AS r, substr(e.key, strpos(e.key, '|') + 1) AS f,
           e.v
    FROM e WHERE e.v > 0 AND e.tab <> 'contracts'
),
p AS (
    SELECT g.tab, g.id, g.r, g.f, g.v FROM g WHERE g.r = ANY(%s::text[]) AND g.f = ANY(%s::text[])
),
q AS (
    SELECT p.tab, p.r, p.f, p.v FROM p
    UNION ALL
    SELECT p.tab, %s, p.f, sum(p.v) FROM p GROUP BY p.tab, p.id, p.f
    UNION ALL
    SELECT e.tab, e.key, 'scope', abs(e.v) FROM e WHERE e.tab = 'contracts' AND e.v <> 0
),
o AS (
    SELECT q.*, row_number() OVER (PARTITION BY q.tab, q.r, q.f ORDER BY q.v DESC) AS pos FROM q
)
SELECT o.tab, o.r, o.f, count(*), max(o.v),
       sum(o.v::float8 ORDER BY o.v DESC) FILTER (WHERE o.pos > 2)
FROM o GROUP BY o.tab, o.r, o.f
UNION ALL
SELECT e.tab, e.key, e.voivodeship, NULL, sum(e.v), NULL FROM e GROUP BY e.tab, e.voivodeship, e.key
"""  # noqa: S608
    summed: dict[str, dict[tuple[str, str], int]] = {"households": {}, "persons": {}}
    contracts: dict[str, int] = {}
    by_area: dict[str, dict[str, int]] = {v: {} for v in voivodeships or []}
    parts: dict[str, dict[tuple[str, str], CentreParts]] = {
        "households": {}, "persons": {}, "contracts": {}
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(cells, [*period, *where_params, rows, columns, total_row])
        for name, key, column, contributing, total, rest in cursor.fetchall():
            if contributing is not None:
                parts[name][(key, column)] = CentreParts(
                    int(contributing), float(total), float(rest or 0)
                )
            elif name == "contracts":
                contracts[key] = contracts.get(key, 0) + int(total)
            else:
                cell = _cell(key)
                summed[name][cell] = summed[name].get(cell, 0) + int(total)
                if name == "households" and cell[1] in AREA_FORMS:
                    area = by_area[column]
                    area[cell[1]] = area.get(cell[1], 0) + int(total)
    top: list[float] = []
    if delivered_sum:
        top = [float(Decimal(top_weighted) / Decimal(delivered_sum))]
    services = [
        {
            "households": int(households or 0),
            "hours_planned": str(planned or 0),
            "hours_delivered": str(delivered_sum or 0),
            "top_shares": top,
        }
    ]
    return count, Sums(
        reasons=rows,
        forms=columns,
        households=summed["households"],
        persons=summed["persons"],
        by_area=by_area,
        contracts=contracts,
        services=services if count else [],
        runs=set(run_ids or []),
        complete=complete if complete is not None else True,
        lists=lists,
        parts=parts,
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
