"""Building one export (the worker's part): sum, optionally add noise (charged to the budget
ledger first), gate every table, protect the release with everything already published, render,
store with checksum and provenance, record in the ledger."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking import dp
from benchmarking.definitions import current_definitions
from benchmarking.disclosure import (
    SUPPRESSED_MARKER,
    SUPPRESSED_STATUSES,
    CellStatus,
    CountTable,
    DisclosureSettings,
    ReleasedTable,
    ReleasedValueTable,
    TableSpec,
    gate_stamp,
    protect_table,
    release_with_pattern,
)
from benchmarking.exports.budget import (
    budget_spent,
    budget_summary,
    dp_settings,
)
from benchmarking.exports.family import (
    dominated_cells,
    previous_pattern,
    protect_linked,
    published_rates,
    rate_counts,
    record_release,
)
from benchmarking.exports.parameters import (
    AREA_FORMS,
    AREAS_REFUSED,
    DP_TABLES,
    NATIONAL,
    TABLES,
    ExportParameters,
    area_groups,
    scope_centres,
    scope_label,
)
from benchmarking.exports.sums import (
    Sums,
    contracts_counts,
    dp_bodies,
    noise,
    pooled_tables,
    reason_form_spec,
    with_total_row,
)
from benchmarking.exports.tables import (
    hide_values,
    indicators_table,
    rates_to_hide,
    services_table,
    services_units,
    sources_to_hide,
)
from benchmarking.models import (
    ExportJob,
    PrivacyLedgerEntry,
    Snapshot,
)
from benchmarking.services import TABLES_VERSION, reporting_period_bounds
from benchmarking.writers import ExportDocument, render
from casework.metrics_tables import PERSONS_CAP
from opsplatform.errors import Conflict
from tenants.models import Centre


def progress(job: ExportJob, percent: int, stage: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage)


def export_build(job: ExportJob) -> ExportJob:
    """Build, gate, render and store one export (called by the worker)."""
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=5)
    parameters = ExportParameters.from_json(job.parameters)
    centres = scope_centres(parameters.scope)
    label = scope_label(parameters.scope)
    disclosure = DisclosureSettings.from_django()
    progress(job, 10, "Wczytywanie tabel ośrodków")
    # Summed by PostgreSQL, with what the centre-level rules read of each cell: no centre's
    # tables are read into Python, whatever the number of centres.
    count, sums = pooled_tables(
        scope=None if parameters.scope == NATIONAL else parameters.scope,
        version=TABLES_VERSION,
        year=parameters.year,
        half=parameters.half,
        capped=parameters.dp_rho is not None,
    )
    if count != len(centres):
        raise Conflict(
            _("Tabele za ten okres nie są policzone dla wszystkich ośrodków w zakresie.")
        )
    gated = gate_release(job, parameters, centres, sums, label, disclosure)
    released, pattern, notes = gated.tables, gated.pattern, gated.notes
    provenance_dp, indicator_counts = gated.provenance_dp, gated.indicator_counts

    progress(job, 75, "Zapisywanie pliku")
    versions = {d.code: d.version for d in current_definitions()}
    indicator_runs = _indicator_runs(parameters, versions)
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
    record_release(job, parameters, released, indicator_counts)
    job.refresh_from_db()
    return job


@dataclass
class GatedRelease:
    """An export's tables as they may go out, before rendering and recording."""

    tables: list[ReleasedTable | ReleasedValueTable]
    pattern: dict[str, list[list[str]]]  # the hidden cells of each count table
    notes: list[tuple[str, str]]
    provenance_dp: list[tuple[str, str]]
    indicator_counts: dict[tuple[str, str], tuple[int, bool]]


def gate_release(
    job: ExportJob,
    parameters: ExportParameters,
    centres: Sequence[Centre],
    sums: Sums,
    label: str,
    disclosure: DisclosureSettings,
) -> GatedRelease:
    """Gate every table of an export over ``centres`` (their summed tables ``sums``; noise
    first for a differentially private release), protect the release with everything already
    published (``protect_linked``), and hide the rates, medians and sums of hours that go with
    hidden counts."""
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
        progress(job, 25, "Szum różnicowy i rejestr budżetu prywatności")
        ledger, bodies = _differential_privacy(job, parameters, sums, bodies)
        provenance_dp = _dp_provenance(ledger)

    progress(job, 45, "Kontrola ujawnień")
    previous = previous_pattern(parameters)
    count_tables: dict[str, tuple[CountTable, ReleasedTable]] = {}
    value_tables: dict[str, ReleasedValueTable] = {}
    indicator_counts: dict[tuple[str, str], tuple[int, bool]] = {}
    notes: list[tuple[str, str]] = []
    for table in parameters.tables:
        count_table: CountTable | None = None
        dominated: frozenset[tuple[str, str]] = frozenset()
        if table in ("households", "persons"):
            unit = "gospodarstwa domowe" if table == "households" else "osoby"
            spec = reason_form_spec(table, TABLES[table], unit, sums)
            counts = with_total_row(bodies[table], sums.reasons, sums.forms)
            count_table = CountTable(spec, counts, small_unit=small_unit)
            if parameters.dp_rho is None:
                dominated = dominated_cells(sums.parts[table], counts, disclosure)
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
            counts = with_total_row(body, [code for code, _, _ in groups], list(AREA_FORMS))
            count_table = CountTable(spec, counts, small_unit=small_unit)
        elif table == "contracts":
            count_table = contracts_counts(sums, label)
            if parameters.dp_rho is None:
                dominated = dominated_cells(sums.parts["contracts"], count_table.counts, disclosure)
        elif table == "services":
            value_tables[table] = services_table(sums, label)
        else:
            value_tables[table], indicator_counts = indicators_table(
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
                    _(
                        "Tabeli „%(table)s” nie da się wydać w tym kształcie bez ujawnienia "
                        "ukrytych wartości."
                    )
                    % {"table": TABLES[table]},
                    code="release_unprotectable",
                ) from None
            count_tables[table] = (count_table, result)
    # Also an export of the indicators alone: the country's count indicator and its
    # voivodeships' columns are one line, and the same counts as the aggregate answers.
    services: dict[tuple[str, str], tuple[int, CellStatus]] = {}
    if "services" in value_tables:
        statuses = value_tables["services"].cells
        services = {
            cell: (units, statuses[cell].status)
            for cell, units in services_units(sums).items()
            if cell in statuses
        }
    if parameters.dp_rho is None and (count_tables or indicator_counts or services):
        progress(job, 60, "Wspólna kontrola z wcześniejszymi wydaniami")
        linked, hidden_values = protect_linked(
            parameters,
            count_tables,
            indicator_counts,
            disclosure,
            indicator_rates=_rates_shown(value_tables.get("indicators")),
            services=services,
        )
        count_tables = {name: (count_tables[name][0], linked[name]) for name in count_tables}
        for name, cells in hidden_values.items():
            if name in value_tables:
                value_tables[name] = hide_values(value_tables[name], cells)
    if parameters.dp_rho is None:
        count_tables, value_tables = _derived(parameters, previous, count_tables, value_tables)
    released: list[ReleasedTable | ReleasedValueTable] = []
    pattern: dict[str, list[list[str]]] = {}
    for table in parameters.tables:
        if table in count_tables:
            result = count_tables[table][1]
            pattern[table] = [list(cell) for cell in sorted(result.suppressed)]
            released.append(result)
        elif table in value_tables:
            released.append(value_tables[table])

    return GatedRelease(released, pattern, notes, provenance_dp, indicator_counts)


def _derived(
    parameters: ExportParameters,
    previous: Mapping[str, frozenset[tuple[str, str]]],
    count_tables: dict[str, tuple[CountTable, ReleasedTable]],
    value_tables: dict[str, ReleasedValueTable],
) -> tuple[dict[str, tuple[CountTable, ReleasedTable]], dict[str, ReleasedValueTable]]:
    """Rates, medians and sums of hours beside the counts: a value hidden in any earlier release
    of this scope and period stays hidden (per cell), and a rate is hidden with its sources
    (``tables.RATIO_SOURCES``) so that it never gives a hidden count or sum back."""
    for name in value_tables:
        value_tables[name] = hide_values(value_tables[name], previous.get(name, frozenset()))
    hidden: dict[str, set[tuple[str, str]]] = {name: set(cells) for name, cells in previous.items()}
    for name, (_table, result) in count_tables.items():
        hidden.setdefault(name, set()).update(result.suppressed)
    for name, value_table in value_tables.items():
        hidden.setdefault(name, set()).update(
            cell for cell, value in value_table.cells.items() if value.status in SUPPRESSED_STATUSES
        )
    shown_rates = published_rates(parameters)
    if "indicators" in value_tables:
        indicators = value_tables["indicators"]
        shown_rates |= {
            cell for cell, value in indicators.cells.items() if value.value is not None
        } - rates_to_hide(hidden)
        value_tables["indicators"] = hide_values(indicators, rates_to_hide(hidden))
    for name, cells in sources_to_hide(shown_rates, hidden, [*count_tables, *value_tables]).items():
        if name in count_tables:
            table, result = count_tables[name]
            count_tables[name] = (
                table,
                release_with_pattern(table, result, result.suppressed | cells),
            )
        elif name in value_tables:
            value_tables[name] = hide_values(value_tables[name], cells)
    return count_tables, value_tables


def _rates_shown(indicators: ReleasedValueTable | None) -> dict[tuple[str, str], Decimal | None]:
    """The rate indicators bound to the count tables (``family.rate_counts``) as this export
    would show them: the value, or None when hidden. Empty cells show nothing and hide
    nothing."""
    if indicators is None:
        return {}
    rates = rate_counts()
    return {
        cell: value.value
        for cell, value in indicators.cells.items()
        if cell[0] in rates and value.status != CellStatus.EMPTY
    }


def _indicator_runs(parameters: ExportParameters, versions: Mapping[str, int]) -> list[str]:
    """The runs of the scope's indicators of the period (the scope's centres by their
    voivodeship, not by a list of their ids)."""
    first, last = reporting_period_bounds(parameters.year, parameters.half)
    in_scope = {} if parameters.scope == NATIONAL else {"centre__voivodeship": parameters.scope}
    runs = (
        Snapshot.objects.filter(
            **in_scope,
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
    sums: Sums,
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
    sums: Sums,
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
    _budget, delta = dp_settings()
    plan = json.dumps(
        {"tables": noisy_tables, "scope": parameters.scope, "period": parameters.period_label,
         "forms": sums.forms, "reasons": sums.reasons, "scale": scale, "version": TABLES_VERSION},
        sort_keys=True,
    )  # fmt: skip
    existing = PrivacyLedgerEntry.objects.filter(release_id=job.public_id).first()
    if existing is not None:
        # A build sent again after its worker died: charged already, nothing was released.
        full_bodies = dp_bodies(sums, bodies)
        return existing, {**bodies, **noise({t: full_bodies[t] for t in noisy_tables}, scale)}
    with transaction.atomic():
        # One budget writer at a time: the check and the charge cannot interleave.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('benchmarking_dp_budget'))")
        budget, _delta = dp_settings()
        spent = budget_spent(parameters.year)
        if spent + rho > budget + 1e-12:
            raise Conflict(
                _(
                    "Przekroczony roczny budżet prywatności za %(year)s: pozostało "
                    "ρ = %(remaining)s, a wydanie wymaga ρ = %(rho)s."
                )
                % {
                    "year": parameters.year,
                    "remaining": f"{max(budget - spent, 0):g}",
                    "rho": f"{rho:g}",
                },
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
    full = dp_bodies(sums, bodies)
    noisy = noise({t: full[t] for t in noisy_tables}, scale)
    return entry, {**bodies, **noisy}
