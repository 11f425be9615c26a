"""Ministry exports: tables in the spirit of MRPiPS-03 and the reorganisation indicators, for a
reporting period and a scope (the country or one voivodeship), as CSV, XLSX or JSON.

An export is asked for by a ministry analyst (``export_request``) and built by a worker
(``export_build``): it sums the centres' stored reporting tables, optionally adds differential-
privacy noise (charged to the yearly budget ledger first), sends every table through the
disclosure gate, renders the file and stores it with its checksum and provenance. Only the
requester can list and download it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from benchmarking import dp, ledger
from benchmarking.comparisons import centre_contributions, definition_json, release
from benchmarking.definitions import DisclosureClass, current_definitions
from benchmarking.disclosure import (
    REASON_SUPPRESSED,
    SUPPRESSED_MARKER,
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedTable,
    ReleasedValue,
    ReleasedValueTable,
    Subject,
    TableSpec,
    centre_rule,
    gate_stamp,
    protect_table,
    release_value,
    release_with_pattern,
    scope_refusal,
)
from benchmarking.linked import Family, Key, Relation, Unprotectable, protect_family
from benchmarking.models import (
    ExportJob,
    PrivacyLedgerEntry,
    PublishedCell,
    Snapshot,
    TableSnapshot,
)
from benchmarking.selectors import (
    Figure,
    centre_series,
    month_range,
    pool_scope,
    top_two_share_bound,
)
from benchmarking.services import TABLES_VERSION, reporting_period_bounds
from benchmarking.writers import FORMATS, ExportDocument, render
from casework.metrics_tables import (
    FORM_ANY,
    FORM_CONTRACT,
    FORM_SOCIAL_WORK,
    PERSONS_CAP,
    CodeLists,
    code_lists,
)
from opsplatform.errors import Conflict, NotFound, ValidationFailed, field_error
from tenants.models import Centre
from tenants.teryt import Voivodeship

NATIONAL = "PL"
PERIOD = re.compile(r"^(\d{4})(?:-H([12]))?$")
TOTAL = ("ogolem", "Ogółem")

TABLES: dict[str, str] = {
    "households": "Gospodarstwa domowe według głównego powodu i formy pomocy",
    "persons": "Osoby w gospodarstwach według głównego powodu i formy pomocy",
    "areas": "Gospodarstwa według województw",
    "contracts": "Kontrakty socjalne",
    "services": "Usługi opiekuńcze",
    "indicators": "Wskaźniki reorganizacji",
}
# Tables whose sensitivity to one household is bounded: the only ones a DP release contains.
DP_TABLES = ("households", "persons", "areas")
AREA_FORMS = (FORM_ANY, FORM_SOCIAL_WORK, FORM_CONTRACT)
AREAS_REFUSED = (
    "nie wydano: w podziale na województwa każdy wiersz musi obejmować co najmniej %d ośrodki, "
    "a ośrodków na platformie jest za mało, by utworzyć choć dwa takie wiersze"
)


def dp_settings() -> tuple[float, float]:
    configured = getattr(settings, "BENCHMARK_DP", {})
    return float(configured.get("rho_per_year", 1.0)), float(configured.get("delta", 1e-6))


@dataclass(frozen=True)
class ExportParameters:
    year: int
    half: int
    scope: str
    tables: tuple[str, ...]
    fmt: str
    dp_rho: float | None

    @property
    def period_label(self) -> str:
        return f"{self.year}-H{self.half}" if self.half else str(self.year)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period_label,
            "scope": self.scope,
            "tables": list(self.tables),
            "format": self.fmt,
            "dp_rho": self.dp_rho,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExportParameters:
        year, half = _period(str(data["period"]))
        return cls(year, half, data["scope"], tuple(data["tables"]), data["format"], data["dp_rho"])


def _period(raw: str) -> tuple[int, int]:
    match = PERIOD.match(raw.strip())
    if not match:
        raise field_error(
            "period", "Okres sprawozdawczy to rok (np. 2025) lub półrocze (np. 2025-H1)."
        )
    return int(match.group(1)), int(match.group(2) or 0)


def scope_label(scope: str) -> str:
    if scope == NATIONAL:
        return "Polska (ośrodki na platformie)"
    return f"województwo {dict(Voivodeship.choices)[scope]}"


def scope_centres(scope: str) -> list[Centre]:
    centres = Centre.objects.order_by("slug")
    return list(centres if scope == NATIONAL else centres.filter(voivodeship=scope))


def budget_spent(year: int) -> float:
    total = PrivacyLedgerEntry.objects.filter(budget_year=year).aggregate(total=Sum("rho"))
    return float(total["total"] or 0.0)


def budget_summary(year: int) -> dict[str, Any]:
    """The year's privacy budget, and what the budgets of all years mean together for one
    household: zCDP costs add up, so a household present in the data of several years is
    protected at most by the sum of what those years spent (``rho_spent_all_years``), and by
    the sum of the yearly budgets in the worst case (``rho_ceiling_years`` years × ρ)."""
    budget, delta = dp_settings()
    spent = budget_spent(year)
    by_year = {
        int(row["budget_year"]): float(row["total"])
        for row in PrivacyLedgerEntry.objects.values("budget_year").annotate(total=Sum("rho"))
    }
    return {
        "year": year,
        "rho_budget": budget,
        "rho_spent": round(spent, 6),
        "rho_remaining": round(max(budget - spent, 0.0), 6),
        "delta": delta,
        "mechanism": dp.MECHANISM,
        "privacy_unit": "gospodarstwo domowe w okresie sprawozdawczym",
        "rho_spent_all_years": round(sum(by_year.values()), 6),
        "rho_ten_years": round(10 * budget, 6),
        "years_released": sorted(by_year),
        "household_note": household_budget_note(budget, by_year),
    }


def household_budget_note(budget: float, by_year: Mapping[int, float]) -> str:
    """The per-household budget across years in plain Polish (shown on the DP export page)."""
    spent = sum(by_year.values())
    years = len(by_year)
    return (
        f"Budżet ρ = {budget:g} obowiązuje osobno dla danych każdego roku. Wszystkie wydania z "
        "szumem za jeden rok razem mogą powiedzieć o jednym gospodarstwie domowym najwyżej "
        f"tyle, na ile pozwala ρ = {budget:g}, także gdy gospodarstwo jest w obu półroczach. "
        "Gospodarstwo, które korzysta z pomocy przez kilka lat, występuje w danych każdego "
        "z tych lat, a koszty ρ się sumują: przy danych z N lat ochrona jednego gospodarstwa "
        f"odpowiada łącznie najwyżej N × {budget:g} (np. 10 lat – ρ = {10 * budget:g}). "
        f"Dotąd wydano z szumem dane z {years} "
        f"{'roku' if years == 1 else 'lat'}, łącznie ρ = {spent:g}: tyle najwięcej mogą "
        "ujawnić o gospodarstwie obecnym we wszystkich tych latach. Im mniejsze ρ, tym mniej "
        "wydania mówią o pojedynczym gospodarstwie (i tym więcej w nich szumu)."
    )


def export_parameters(data: Mapping[str, Any], *, today: dt.date) -> ExportParameters:
    """Check what an analyst asked for; every problem is reported against its field."""
    errors: dict[str, list[str]] = {}
    year = half = 0
    try:
        year, half = _period(str(data.get("period", "")))
        first, _ = reporting_period_bounds(year, half)
        if year < 2016:
            errors["period"] = ["Dane na platformie zaczynają się od 2016 roku."]
        elif first > today:
            errors["period"] = ["Ten okres jeszcze się nie zaczął."]
    except ValidationFailed as error:
        errors |= error.fields
    scope = str(data.get("scope") or NATIONAL)
    if scope != NATIONAL and scope not in dict(Voivodeship.choices):
        errors["scope"] = ["Zakres to PL (cały kraj) albo dwucyfrowy kod województwa, np. 12."]
    elif not scope_centres(scope):
        errors["scope"] = ["W tym województwie nie ma jeszcze ośrodków na platformie."]
    elif refusal := scope_refusal(len(scope_centres(scope))):
        errors["scope"] = [refusal]
    raw_tables = data.get("tables") or list(TABLES)
    if not isinstance(raw_tables, list) or not raw_tables:
        errors["tables"] = ["Wybierz co najmniej jedną tabelę."]
        raw_tables = []
    unknown = [t for t in raw_tables if t not in TABLES]
    if unknown:
        errors["tables"] = [
            f"Nieznane tabele: {', '.join(map(str, unknown))}. Dostępne: {', '.join(TABLES)}."
        ]
    fmt = str(data.get("format") or "xlsx")
    if fmt not in FORMATS:
        errors["format"] = [f"Format pliku to jeden z: {', '.join(FORMATS)}."]
    dp_rho: float | None = None
    raw_rho = data.get("dp_rho")
    if raw_rho not in (None, ""):
        try:
            dp_rho = float(str(raw_rho))
            if not math.isfinite(dp_rho) or dp_rho <= 0:
                raise ValueError
        except ValueError:
            errors["dp_rho"] = ["Budżet prywatności ρ to liczba większa od zera, np. 0.1."]
    if scope != NATIONAL and "areas" in raw_tables:
        if raw_tables == ["areas"]:
            errors["tables"] = ["Tabela według województw jest tylko w zakresie krajowym (PL)."]
        raw_tables = [t for t in raw_tables if t != "areas"]
    tables = tuple(t for t in TABLES if t in raw_tables)
    if dp_rho is not None:
        tables = tuple(t for t in tables if t in DP_TABLES)
        if not tables and "tables" not in errors:
            errors["tables"] = [
                "Z szumem różnicowym można wydać tylko tabele gospodarstw, osób i województw."
            ]
        if year and "dp_rho" not in errors:
            remaining = budget_summary(year)["rho_remaining"]
            if dp_rho > remaining:
                errors["dp_rho"] = [
                    f"Przekroczony roczny budżet prywatności za {year}: pozostało ρ = "
                    f"{remaining:g}, a wydanie wymaga ρ = {dp_rho:g}."
                ]
    if year and "period" not in errors and "scope" not in errors and "dp_rho" not in errors:
        clash = _exact_dp_clash(year, half, scope, dp=dp_rho is not None)
        if clash:
            errors["dp_rho"] = [clash]
    if errors:
        raise ValidationFailed(fields=errors)
    if year and not errors:
        missing = _missing_centres(year, half, scope)
        if missing:
            raise Conflict(
                "Tabele za ten okres nie są jeszcze policzone dla "
                f"{len(missing)} ośrodków w zakresie. Uruchom przeliczenie wskaźników i spróbuj "
                "ponownie.",
                code="tables_not_computed",
            )
    return ExportParameters(year, half, scope, tables, fmt, dp_rho)


def _exact_dp_clash(year: int, half: int, scope: str, *, dp: bool) -> str:
    """Exact and noisy releases of the same period and scope are never both offered: the exact
    one would show what the noise hides, and the noisy one would be differenced against it."""
    label = f"{year}-H{half}" if half else str(year)
    jobs = ExportJob.objects.filter(parameters__period=label, parameters__scope=scope).exclude(
        status=ExportJob.Status.FAILED
    )
    exact = jobs.filter(parameters__dp_rho=None)
    if dp and exact.exists():
        return (
            f"Za {label} w tym zakresie wydano już zestawienie dokładne, więc wydania z szumem "
            "różnicowym nie oferujemy (dałoby się je porównać z dokładnym)."
        )
    if not dp and jobs.exclude(pk__in=exact.values("pk")).exists():
        return (
            f"Za {label} w tym zakresie wydano już zestawienie z szumem różnicowym, więc "
            "zestawienia dokładnego nie wydajemy (pozwoliłoby odszumić tamto wydanie)."
        )
    return ""


def area_groups(
    centres: Sequence[Centre], disclosure: DisclosureSettings
) -> list[tuple[str, str, list[Centre]]]:
    """Voivodeships as rows or columns of a national table, each over at least ``min_centres``
    centres. Voivodeships with fewer go together into "pozostałe województwa"; if that group
    would have 1 or 2 centres, the smallest named voivodeships join it. With fewer than two groups
    the split would only repeat the total, and there is none."""
    names = dict(Voivodeship.choices)
    by_code: dict[str, list[Centre]] = {}
    for centre in centres:
        by_code.setdefault(centre.voivodeship, []).append(centre)
    named = sorted(
        (code for code, members in by_code.items() if len(members) >= disclosure.min_centres),
        key=lambda code: (len(by_code[code]), code),
    )
    rest = [c for code, members in by_code.items() if code not in named for c in members]
    while rest and len(rest) < disclosure.min_centres and named:
        rest += by_code[named.pop(0)]
    groups = [(code, f"woj. {names[code]}", by_code[code]) for code in sorted(named)]
    if rest:
        groups.append(("pozostale", "pozostałe województwa", rest))
    return groups if len(groups) >= 2 else []


def _missing_centres(year: int, half: int, scope: str) -> list[str]:
    centres = scope_centres(scope)
    present = set(
        TableSnapshot.objects.filter(
            centre__in=centres, version=TABLES_VERSION, year=year, half=half
        ).values_list("centre_id", flat=True)
    )
    return [c.slug for c in centres if c.pk not in present]


def export_request(*, user: Any, data: Mapping[str, Any]) -> ExportJob:
    """Record an export job and send it to a worker."""
    from benchmarking.tasks import export_build_task

    parameters = export_parameters(data, today=timezone.localdate())
    job = ExportJob.objects.create(requested_by=user, parameters=parameters.as_json())
    transaction.on_commit(lambda: export_build_task.delay(job.pk))
    return job


def export_list_for_requester(*, user: Any, limit: int = 50) -> list[ExportJob]:
    """The requester's own exports, newest first, without their files (API list and page)."""
    jobs = ExportJob.objects.filter(requested_by=user).defer("content").order_by("-created_at")
    return list(jobs[:limit])


def export_for_requester(*, user: Any, public_id: str) -> ExportJob:
    """The requester's own export; anyone else's is 'not found', so ids reveal nothing."""
    job = ExportJob.objects.filter(public_id=public_id, requested_by=user).first()
    if job is None:
        raise NotFound("Nie ma takiego eksportu wśród Twoich eksportów.", code="unknown_export")
    return job


# --- building -----------------------------------------------------------------------------------


def _progress(job: ExportJob, percent: int, stage: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage)


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
class _Sums:
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


def _sums(snapshots: Sequence[TableSnapshot], *, capped: bool) -> _Sums:
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
    return _Sums(
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


def _with_total_row(
    body: Mapping[tuple[str, str], int], rows: Sequence[str], columns: Sequence[str]
) -> dict[tuple[str, str], int]:
    counts = {(r, c): max(int(body.get((r, c), 0)), 0) for r in rows for c in columns}
    for column in columns:
        counts[(TOTAL[0], column)] = sum(counts[(r, column)] for r in rows)
    return counts


def _reason_form_spec(code: str, title: str, unit: str, sums: _Sums) -> TableSpec:
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


def _noise(
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


def _previous_pattern(parameters: ExportParameters) -> dict[str, frozenset[tuple[str, str]]]:
    """Every cell of this scope and period hidden in any earlier exact release, per cell (from
    the ledger of published cells, not the latest job): hidden again, so patterns stay stable
    and releases cannot be differenced. Noisy releases start afresh: their pattern must not
    follow an exact release's."""
    if parameters.dp_rho is not None:
        return {}
    _, hidden, _ = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=list(TABLES),
        periods=[parameters.period_label],
        scope=parameters.scope,
    )
    pattern: dict[str, set[tuple[str, str]]] = {}
    for table, _scope, _period, row, column in hidden:
        pattern.setdefault(table, set()).add((row, column))
    return {table: frozenset(cells) for table, cells in pattern.items()}


def _dominated(
    per_centre: Sequence[Mapping[tuple[str, str], int]],
    cells: Iterable[tuple[str, str]],
    disclosure: DisclosureSettings,
) -> frozenset[tuple[str, str]]:
    """Cells that fail the centre-level rules: fewer than ``min_centres`` centres contribute,
    or the p % rule fails (see ``disclosure.centre_rule``)."""
    return frozenset(
        cell
        for cell in cells
        if centre_rule([centre.get(cell, 0) for centre in per_centre], disclosure)
    )


ADDITIVE_CONTRACTS = ("signed", "completed", "achieved", "broken")


def _family_relations(keys: Iterable[Key], voivodeships: Sequence[str]) -> list[Relation]:
    """The public structure linking the cells of the ministry's exports (see ``linked``)."""
    by_table: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    for table, scope, period, row, column in keys:
        by_table.setdefault((table, scope, period), set()).add((row, column))
    relations: list[Relation] = []
    total = TOTAL[0]
    scopes_by = {(t, p) for t, _, p in by_table}
    for (table, scope, period), cells in by_table.items():
        rows = {r for r, _ in cells}
        columns = {c for _, c in cells}
        if table in ("households", "persons", "areas"):
            for column in columns:
                parts = [(table, scope, period, r, column) for r in rows if r != total]
                if (total, column) in cells and parts:
                    relations.append(Relation.total(parts, (table, scope, period, total, column)))
        if table in ("households", "persons"):
            for row in rows:
                any_key = (table, scope, period, row, FORM_ANY)
                forms = [(table, scope, period, row, c) for c in columns if c != FORM_ANY]
                if (row, FORM_ANY) in cells and forms:
                    relations.extend(Relation.at_most(form, any_key) for form in forms)
                    relations.append(Relation.at_most_sum(any_key, forms))
            if table == "households" and ("persons", scope, period) in by_table:
                relations.extend(
                    Relation.at_most(
                        ("households", scope, period, r, c), ("persons", scope, period, r, c)
                    )
                    for r, c in cells & by_table[("persons", scope, period)]
                )
        if table == "areas":
            for column in columns:
                relations.append(
                    Relation(
                        (
                            ((table, scope, period, total, column), 1),
                            (("households", scope, period, total, column), -1),
                        )
                    )
                )
        if table == "contracts" and {("achieved", "scope"), ("completed", "scope")} <= cells:
            relations.append(
                Relation.at_most(
                    (table, scope, period, "achieved", "scope"),
                    (table, scope, period, "completed", "scope"),
                )
            )
    # Half-years and their year.
    for (table, scope, period), cells in by_table.items():
        if "-" in period:
            continue
        halves = [f"{period}-H1", f"{period}-H2"]
        if not any((table, scope, h) in by_table for h in halves):
            continue
        for row, column in cells:
            year_key = (table, scope, period, row, column)
            half_keys = [(table, scope, h, row, column) for h in halves]
            if table == "contracts" and row in ADDITIVE_CONTRACTS:
                relations.append(Relation.total(half_keys, year_key))
            else:
                relations.extend(Relation.at_most(h, year_key) for h in half_keys)
                relations.append(Relation.at_most_sum(year_key, half_keys))
    # The country and its voivodeships.
    for table, period in scopes_by:
        if table not in ("households", "persons", "contracts"):
            continue
        if not any((table, v, period) in by_table for v in voivodeships):
            continue
        for row, column in by_table.get((table, NATIONAL, period), set()):
            relations.append(
                Relation.total(
                    [(table, v, period, row, column) for v in voivodeships],
                    (table, NATIONAL, period, row, column),
                )
            )
    return relations


def _protect_linked(
    parameters: ExportParameters,
    tables: Mapping[str, tuple[CountTable, ReleasedTable]],
    indicator_counts: Mapping[tuple[str, str], tuple[int, bool]],
    disclosure: DisclosureSettings,
) -> tuple[dict[str, ReleasedTable], set[tuple[str, str]]]:
    """Protect the exact count tables of an export together with every related release already
    in the ledger: the same and the other half-years of the year, the country and the
    voivodeships, the indicators beside the counts. Returns the tables with the family's
    pattern, and the indicator cells that must be hidden as well. Raises Conflict if the export
    cannot be protected against what is already out."""
    scope, period = parameters.scope, parameters.period_label
    current: dict[Key, int] = {}
    sensitive: set[Key] = set()
    start: set[Key] = set()
    totals: set[Key] = set()
    for name, (table, released) in tables.items():
        for cell, count in table.counts.items():
            key = (name, scope, period, *cell)
            current[key] = count
            status = released.cells[cell].status
            if status in (CellStatus.PRIMARY, CellStatus.DOMINANCE):
                sensitive.add(key)
            if released.cells[cell].value is None:
                start.add(key)
            if cell[0] == TOTAL[0] or cell[1] == FORM_ANY:
                totals.add(key)
    for (metric, column), (count, hidden) in indicator_counts.items():
        key = ("indicators", scope, period, metric, column)
        current[key] = count
        if hidden:
            sensitive.add(key)
            start.add(key)
    published_before, hidden_before, sensitive_before = ledger.family(
        audience=Audience.MINISTRY.value,
        tables=[*tables, "indicators"],
        periods=[str(parameters.year), f"{parameters.year}-H1", f"{parameters.year}-H2"],
    )
    before = {key: int(value) for key, value in published_before.items() if key not in current}
    relations = _family_relations(
        [*current, *before, *hidden_before], [code for code, _ in Voivodeship.choices]
    )
    # An indicator count beside the same count in a table: its mean × months is that count.
    for metric, row in (("contracts_signed", "signed"),):
        for column in ("scope",):
            indicator_key = ("indicators", scope, period, metric, column)
            table_key = ("contracts", scope, period, row, "scope")
            if indicator_key in current and current.get(table_key) == current[indicator_key]:
                relations.append(Relation(((indicator_key, 1), (table_key, -1))))
    family = Family(
        current=current,
        relations=relations,
        sensitive=sensitive | (sensitive_before - set(current)),
        published_before=before,
        hidden_before=hidden_before | start,
        totals=totals,
    )
    try:
        suppressed = protect_family(family, k=disclosure.k)
    except Unprotectable as error:
        raise Conflict(error.message, code="release_unprotectable") from None
    except ValueError:
        raise Conflict(
            "Tego zestawienia nie da się wydać: dane tego okresu zmieniły się od poprzedniego "
            "wydania, a nowe wartości obok starych pozwoliłyby odtworzyć ukryte liczby.",
            code="release_unprotectable",
        ) from None
    out: dict[str, ReleasedTable] = {}
    for name, (table, released) in tables.items():
        pattern = {(k[3], k[4]) for k in suppressed if k[0] == name}
        out[name] = release_with_pattern(table, released, pattern)
    hidden_indicators = {(k[3], k[4]) for k in suppressed if k[0] == "indicators"}
    return out, hidden_indicators


def _record(job: ExportJob, parameters: ExportParameters, released: Sequence[Any]) -> None:
    """Every cell of the export into the ledger of published cells."""
    cells: list[ledger.LedgerCell] = []
    for table in released:
        for (row, column), cell in table.cells.items():
            value = cell.value
            cells.append(
                ledger.LedgerCell(
                    table=table.code if isinstance(table, ReleasedValueTable) else table.spec.code,
                    scope=parameters.scope,
                    period=parameters.period_label,
                    row=row,
                    column=column,
                    value=value,
                    hidden=cell.status in SUPPRESSED_STATUSES,
                    marker=cell.marker or "",
                    sensitive=cell.status in (CellStatus.PRIMARY, CellStatus.DOMINANCE),
                )
            )
    ledger.record(
        cells,
        audience=Audience.MINISTRY.value,
        channel=PublishedCell.Channel.EXPORT,
        release=str(job.public_id),
        exact=parameters.dp_rho is None,
    )


def _services_table(sums: _Sums, label: str) -> ReleasedValueTable:
    households = sum(int(s["households"]) for s in sums.services)
    planned = sum((Decimal(s["hours_planned"]) for s in sums.services), Decimal(0))
    delivered_parts = [
        Figure(Decimal(s["hours_delivered"]), None, Decimal(s["hours_delivered"]), 0,
               tuple(s["top_shares"]))
        for s in sums.services
    ]  # fmt: skip
    delivered = sum((f.numerator for f in delivered_parts), Decimal(0))
    top = top_two_share_bound(delivered_parts)

    def magnitude(value: Decimal, shares: tuple[float, ...]) -> ReleasedValue:
        return release_value(
            disclosure=DisclosureClass.MAGNITUDE,
            subject=Subject.CLIENTS,
            value=value.quantize(Decimal("0.1")),
            numerator=value,
            denominator=None,
            n=households,
            top_shares=shares,
            audience=Audience.MINISTRY,
        )

    cells = {
        ("households", "scope"): release_value(
            disclosure=DisclosureClass.COUNT,
            subject=Subject.CLIENTS,
            value=Decimal(households),
            numerator=Decimal(households),
            denominator=None,
            n=households,
            top_shares=(),
            audience=Audience.MINISTRY,
        ),
        ("hours_planned", "scope"): magnitude(planned, ()),
        ("hours_delivered", "scope"): magnitude(delivered, top),
    }
    return ReleasedValueTable(
        code="services",
        title_pl=TABLES["services"],
        title_en="Care services",
        rows=(
            ("households", "Gospodarstwa korzystające z usług"),
            ("hours_planned", "Godziny usług zaplanowane"),
            ("hours_delivered", "Godziny usług zrealizowane"),
        ),
        columns=(("scope", label),),
        cells=cells,
        row_units={
            "households": "gospodarstwa",
            "hours_planned": "godz.",
            "hours_delivered": "godz.",
        },
    )


def _indicators_table(
    parameters: ExportParameters,
    centres: Sequence[Centre],
    label: str,
    disclosure: DisclosureSettings,
) -> tuple[ReleasedValueTable, dict[tuple[str, str], tuple[int, bool]]]:
    """The indicators over the period for the scope and, nationally, for voivodeship groups of
    at least ``min_centres`` centres. Also returns each count indicator's underlying count (mean
    × months) and whether it is hidden, for the linked audit."""
    first, last = reporting_period_bounds(parameters.year, parameters.half)
    last = min(last, timezone.localdate())
    definitions = current_definitions()
    areas: list[tuple[str, str, list[Centre]]] = []
    if parameters.scope == NATIONAL:
        areas = area_groups(centres, disclosure)
    areas.append(("scope", label, list(centres)))
    cells: dict[tuple[str, str], ReleasedValue] = {}
    counts: dict[tuple[str, str], tuple[int, bool]] = {}
    periods = month_range(first, last)
    for definition in definitions:
        by_centre = centre_series(
            centre_ids=[c.pk for c in centres], definition=definition, first=first, last=last
        )
        for key, _, members in areas:
            _, window = pool_scope(definition, by_centre, members, periods)
            released = release(
                definition,
                window,
                Audience.MINISTRY,
                centres=centre_contributions(definition, by_centre, members),
            )
            cells[(definition.code, key)] = released
            if definition.disclosure == DisclosureClass.COUNT and window is not None:
                counts[(definition.code, key)] = (
                    int(window.numerator),
                    released.status in SUPPRESSED_STATUSES,
                )
    table = ReleasedValueTable(
        code="indicators",
        title_pl=TABLES["indicators"],
        title_en="Reorganisation indicators",
        rows=tuple((d.code, d.name_pl) for d in definitions),
        columns=tuple((key, name) for key, name, _ in areas),
        cells=cells,
        row_units={
            d.code: f"{d.unit}, średnio w miesiącu"
            if d.disclosure == DisclosureClass.COUNT
            else d.unit
            for d in definitions
        },
    )
    return table, counts


def _hide_values(table: ReleasedValueTable, hidden: set[tuple[str, str]]) -> ReleasedValueTable:
    """The indicators with the cells the linked suppression hides as well."""
    if not hidden & {cell for cell, value in table.cells.items() if value.value is not None}:
        return table
    cells = {
        cell: ReleasedValue(None, CellStatus.COMPLEMENTARY, SUPPRESSED_MARKER, REASON_SUPPRESSED)
        if cell in hidden and value.value is not None
        else value
        for cell, value in table.cells.items()
    }
    return ReleasedValueTable(
        code=table.code,
        title_pl=table.title_pl,
        title_en=table.title_en,
        rows=table.rows,
        columns=table.columns,
        cells=cells,
        row_units=table.row_units,
    )


def export_build(job: ExportJob) -> ExportJob:
    """Build, gate, render and store one export (called by the worker)."""
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=5)
    parameters = ExportParameters.from_json(job.parameters)
    centres = scope_centres(parameters.scope)
    label = scope_label(parameters.scope)
    disclosure = DisclosureSettings.from_django()
    _progress(job, 10, "Wczytywanie tabel ośrodków")
    snapshots = list(
        TableSnapshot.objects.select_related("centre", "run").filter(
            centre__in=centres, version=TABLES_VERSION, year=parameters.year, half=parameters.half
        )
    )
    if len(snapshots) != len(centres):
        raise Conflict("Tabele za ten okres nie są policzone dla wszystkich ośrodków w zakresie.")
    sums = _sums(snapshots, capped=parameters.dp_rho is not None)
    # A zero of the scope proves a zero in each of its centres, so sensitive zeros are hidden
    # whenever any centre of the scope is a small unit, not only when the scope is small.
    small_unit = any(disclosure.is_small_unit(c.population) for c in centres)

    bodies: dict[str, dict[tuple[str, str], int]] = {
        "households": dict(sums.households),
        "persons": dict(sums.persons),
        "areas": {
            (area, form): counts.get(form, 0)
            for area, counts in sums.by_area.items()
            for form in AREA_FORMS
        },
    }
    ledger: PrivacyLedgerEntry | None = None
    provenance_dp: list[tuple[str, str]] = [("Prywatność różnicowa", "nie stosowano")]
    if parameters.dp_rho is not None:
        _progress(job, 25, "Szum różnicowy i rejestr budżetu prywatności")
        ledger, bodies = _differential_privacy(job, parameters, sums, bodies)
        provenance_dp = _dp_provenance(ledger)

    _progress(job, 45, "Kontrola ujawnień")
    previous = _previous_pattern(parameters)
    count_tables: dict[str, tuple[CountTable, ReleasedTable]] = {}
    value_tables: dict[str, ReleasedValueTable] = {}
    indicator_counts: dict[tuple[str, str], tuple[int, bool]] = {}
    notes: list[tuple[str, str]] = []
    for table in parameters.tables:
        count_table: CountTable | None = None
        dominated: frozenset[tuple[str, str]] = frozenset()
        if table in ("households", "persons"):
            unit = "gospodarstwa domowe" if table == "households" else "osoby"
            spec = _reason_form_spec(table, TABLES[table], unit, sums)
            counts = _with_total_row(bodies[table], sums.reasons, sums.forms)
            count_table = CountTable(spec, counts, small_unit=small_unit)
            if parameters.dp_rho is None:
                per_centre = [
                    _with_total_row(c, sums.reasons, sums.forms) for c in sums.per_centre[table]
                ]
                dominated = _dominated(per_centre, counts, disclosure)
        elif table == "areas":
            groups = area_groups(centres, disclosure)
            if not groups:
                notes.append((TABLES["areas"], AREAS_REFUSED % disclosure.min_centres))
                continue
            form_labels = dict(sums.lists.forms)
            spec = TableSpec(
                code="areas",
                title_pl=TABLES["areas"],
                title_en="Households by voivodeship",
                rows=tuple((code, name) for code, name, _ in groups),
                columns=tuple((f, form_labels.get(f, f)) for f in AREA_FORMS),
                total_row=("ogolem", "Razem"),
            )
            body = {
                (code, form): sum(
                    bodies["areas"].get((v, form), 0) for v in {m.voivodeship for m in members}
                )
                for code, _, members in groups
                for form in AREA_FORMS
            }
            counts = _with_total_row(body, [code for code, _, _ in groups], list(AREA_FORMS))
            count_table = CountTable(spec, counts, small_unit=small_unit)
        elif table == "contracts":
            count_table = _contracts_counts(sums, label)
            if parameters.dp_rho is None:
                dominated = _dominated(sums.per_centre["contracts"], count_table.counts, disclosure)
        elif table == "services":
            value_tables[table] = _services_table(sums, label)
        else:
            value_tables[table], indicator_counts = _indicators_table(
                parameters, centres, label, disclosure
            )
        if count_table is not None:
            try:
                result = protect_table(
                    count_table,
                    settings=disclosure,
                    prefer=previous.get(table, frozenset()),
                    dominated=dominated,
                )
            except ValueError:
                raise Conflict(
                    f"Tabeli „{TABLES[table]}” nie da się wydać w tym kształcie bez ujawnienia "
                    "ukrytych wartości.",
                    code="release_unprotectable",
                ) from None
            count_tables[table] = (count_table, result)
    if parameters.dp_rho is None and count_tables:
        _progress(job, 60, "Wspólna kontrola z wcześniejszymi wydaniami")
        linked, hidden_indicators = _protect_linked(
            parameters, count_tables, indicator_counts, disclosure
        )
        count_tables = {name: (count_tables[name][0], linked[name]) for name in count_tables}
        if "indicators" in value_tables:
            value_tables["indicators"] = _hide_values(value_tables["indicators"], hidden_indicators)
    released: list[ReleasedTable | ReleasedValueTable] = []
    pattern: dict[str, list[list[str]]] = {}
    for table in parameters.tables:
        if table in count_tables:
            result = count_tables[table][1]
            pattern[table] = [list(cell) for cell in sorted(result.suppressed)]
            released.append(result)
        elif table in value_tables:
            released.append(value_tables[table])

    _progress(job, 75, "Zapisywanie pliku")
    versions = {d.code: d.version for d in current_definitions()}
    indicator_runs = _indicator_runs(centres, parameters, versions)
    provenance = (
        _provenance(
            job, parameters, label, len(centres), sums, versions, indicator_runs, disclosure
        )
        + provenance_dp
        + notes
    )
    document = ExportDocument(
        title=f"Pomoc społeczna – zestawienie za {parameters.period_label}, {label}",
        tables=released,
        provenance=provenance,
        legend=_legend(disclosure),
    )
    rendered = render(document, parameters.fmt)
    digest = hashlib.sha256(rendered.content).hexdigest()
    filename = (
        f"ops-eksport-{parameters.period_label}-{parameters.scope.lower()}-"
        f"{str(job.public_id)[:8]}.{rendered.extension}"
    )
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        stage="Gotowe",
        content=rendered.content,
        content_type=rendered.content_type,
        filename=filename,
        size=len(rendered.content),
        sha256=digest,
        provenance=dict(provenance),
        suppressed_pattern=pattern,
        finished_at=timezone.now(),
    )
    _record(job, parameters, released)
    job.refresh_from_db()
    return job


def _contracts_counts(sums: _Sums, label: str) -> CountTable:
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


def _indicator_runs(
    centres: Sequence[Centre], parameters: ExportParameters, versions: Mapping[str, int]
) -> list[str]:
    first, last = reporting_period_bounds(parameters.year, parameters.half)
    runs = (
        Snapshot.objects.filter(
            centre__in=centres,
            metric__in=list(versions),
            year=parameters.year,
            month__gte=first.month,
            month__lte=last.month,
        )
        .order_by()
        .values_list("run__public_id", flat=True)
        .distinct()
    )
    return sorted(str(r) for r in runs)


def _legend(disclosure: DisclosureSettings) -> list[tuple[str, str]]:
    return [
        (
            SUPPRESSED_MARKER,
            f"wartość ukryta: liczba od 1 do {disclosure.k - 1}, zero przy powodzie szczególnie "
            "wrażliwym, wartość zdominowana przez jeden lub dwa ośrodki albo osoby, lub wartość "
            "ukryta, aby nie dało się odtworzyć innej ukrytej wartości z sum i z wcześniejszych "
            "wydań – jeden znak dla wszystkich przypadków (ochrona danych osobowych)",
        ),
        ("–", "brak danych lub wartość nieokreślona (np. dzielenie przez zero)"),
    ]


def _provenance(
    job: ExportJob,
    parameters: ExportParameters,
    label: str,
    centre_count: int,
    sums: _Sums,
    versions: Mapping[str, int],
    indicator_runs: Sequence[str],
    disclosure: DisclosureSettings,
) -> list[tuple[str, str]]:
    first, last = reporting_period_bounds(parameters.year, parameters.half)
    stamp = gate_stamp(disclosure)
    return [
        ("Identyfikator eksportu", str(job.public_id)),
        ("Okres sprawozdawczy", f"{parameters.period_label} ({first:%d.%m.%Y}–{last:%d.%m.%Y})"),
        ("Okres zakończony", "tak" if sums.complete else "nie – dane do dnia przeliczenia"),
        ("Zakres", label),
        ("Liczba ośrodków w zakresie", str(centre_count)),
        ("Tabele", ", ".join(TABLES[t] for t in parameters.tables)),
        ("Format", parameters.fmt.upper()),
        ("Zamówił(a)", job.requested_by.get_username()),
        ("Utworzono", timezone.localtime().strftime("%d.%m.%Y %H:%M:%S %Z")),
        ("Wersja tabel sprawozdawczych", str(TABLES_VERSION)),
        (
            "Wersje definicji wskaźników",
            ", ".join(f"{code}@{version}" for code, version in sorted(versions.items())),
        ),
        ("Przebiegi przeliczeń (tabele)", ", ".join(sorted(sums.runs))),
        ("Przebiegi przeliczeń (wskaźniki)", ", ".join(indicator_runs) or "—"),
        (
            "Kontrola ujawnień",
            f"{stamp['gate']} v{stamp['version']}: próg k = {disclosure.k} dla liczebności i "
            "podstaw wskaźników na każdym poziomie; zera przy powodach wrażliwych ukrywane, gdy "
            f"zakres ma mniej niż {disclosure.small_unit_population} mieszkańców; ukrywanie "
            "uzupełniające w każdym wierszu i kolumnie z sumą (0 lub co najmniej 2 komórki) "
            "sprawdzone audytem programowania liniowego; reguła dominacji "
            f"{int(disclosure.dominance_share * 100)}% dla sum godzin",
        ),
        (
            "Główny powód",
            "każde gospodarstwo liczone raz, pod pierwszym w kolejności ustawowej powodem z "
            "ostatniego zgłoszenia; formy pomocy nie sumują się (gospodarstwo może mieć kilka)",
        ),
    ]


def _dp_provenance(entry: PrivacyLedgerEntry) -> list[tuple[str, str]]:
    return [
        ("Prywatność różnicowa", entry.mechanism),
        ("Jednostka ochrony", "gospodarstwo domowe w okresie sprawozdawczym"),
        ("ρ (zCDP) tego wydania", f"{entry.rho:g}"),
        ("ε, δ (równoważnie)", f"ε = {entry.epsilon:.4g}, δ = {entry.delta:g}"),
        ("Skala szumu σ", f"{entry.scale:.4g} (czułość L2 = {entry.l2_sensitivity:.4g})"),
        (
            "Osoby w gospodarstwie",
            f"w wydaniu z szumem liczone najwyżej {PERSONS_CAP} na gospodarstwo",
        ),
        ("Budżet roczny", json.dumps(budget_summary(entry.budget_year), ensure_ascii=False)),
    ]


def _differential_privacy(
    job: ExportJob,
    parameters: ExportParameters,
    sums: _Sums,
    bodies: dict[str, dict[tuple[str, str], int]],
) -> tuple[PrivacyLedgerEntry, dict[str, dict[tuple[str, str], int]]]:
    """Charge the release to the budget ledger (refused if over the year's budget), then add
    noise. The ledger entry is written before any noise is drawn."""
    rho = float(parameters.dp_rho or 0)
    noisy_tables = [t for t in parameters.tables if t in DP_TABLES]
    forms = len(sums.forms)
    squared = {
        "households": dp.l2_sensitivity(cells_per_unit=forms) ** 2,
        "persons": dp.l2_sensitivity(cells_per_unit=forms, per_cell=PERSONS_CAP) ** 2,
        "areas": dp.l2_sensitivity(cells_per_unit=len(AREA_FORMS)) ** 2,
    }
    sensitivity = math.sqrt(sum(squared[t] for t in noisy_tables))
    scale = dp.scale_for(rho=rho, l2_sensitivity=sensitivity)
    _, delta = dp_settings()
    plan = json.dumps(
        {"tables": noisy_tables, "scope": parameters.scope, "period": parameters.period_label,
         "forms": sums.forms, "reasons": sums.reasons, "scale": scale, "version": TABLES_VERSION},
        sort_keys=True,
    )  # fmt: skip
    existing = PrivacyLedgerEntry.objects.filter(release_id=job.public_id).first()
    if existing is not None:
        # A build sent again after its worker died: charged already, nothing was released.
        full_bodies = _dp_bodies(sums, bodies)
        return existing, {**bodies, **_noise({t: full_bodies[t] for t in noisy_tables}, scale)}
    with transaction.atomic():
        # One budget writer at a time: the check and the charge cannot interleave.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('benchmarking_dp_budget'))")
        budget, _ = dp_settings()
        spent = budget_spent(parameters.year)
        if spent + rho > budget + 1e-12:
            raise Conflict(
                f"Przekroczony roczny budżet prywatności za {parameters.year}: pozostało "
                f"ρ = {max(budget - spent, 0):g}, a wydanie wymaga ρ = {rho:g}.",
                code="privacy_budget_exceeded",
            )
        entry = PrivacyLedgerEntry.objects.create(
            release_id=job.public_id,
            budget_year=parameters.year,
            query_plan_hash=hashlib.sha256(plan.encode()).hexdigest(),
            mechanism=dp.MECHANISM,
            scale=scale,
            l2_sensitivity=sensitivity,
            rho=rho,
            epsilon=dp.epsilon_for(rho=rho, delta=delta),
            delta=delta,
            approver=job.requested_by.get_username(),
        )
    full = _dp_bodies(sums, bodies)
    noisy = _noise({t: full[t] for t in noisy_tables}, scale)
    return entry, {**bodies, **noisy}


def _dp_bodies(
    sums: _Sums, bodies: Mapping[str, dict[tuple[str, str], int]]
) -> dict[str, dict[tuple[str, str], int]]:
    """Every body cell the code lists define, zeros included (noise goes on zeros too, so that
    which categories are empty is not revealed)."""
    grid = [(r, f) for r in sums.reasons for f in sums.forms]
    return {
        "households": {key: bodies["households"].get(key, 0) for key in grid},
        "persons": {key: bodies["persons"].get(key, 0) for key in grid},
        "areas": dict(bodies["areas"]),
    }


def export_json(job: ExportJob) -> dict[str, Any]:
    return {
        "id": str(job.public_id),
        "parameters": job.parameters,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "filename": job.filename or None,
        "size": job.size,
        "sha256": job.sha256 or None,
        "provenance": job.provenance,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def metric_json_list() -> list[dict[str, Any]]:
    return [definition_json(d) for d in current_definitions()]
