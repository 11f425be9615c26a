"""The export's reporting tables and indicators pooled by PostgreSQL. The tables
(``exports.sums.pooled_tables``) are what the centres' stored tables summed one by one in Python
give (``sums.sum_tables``): the same sums, voivodeships, runs and, for each cell, the same
``CentreParts`` the centre-level rules read, and the same services table; over the demo's tables
and generated ones with negative counts, zeros, a dominating centre and small voivodeships.

The indicators pooled by PostgreSQL (``selectors.pooled_by_area``, read by
``exports.tables.indicators_table``) are the figures of the definition, centre by centre in
Python (``generated.areas_by_centre``: every centre's months read, ``pool_scope`` and
``centre_contributions`` summarised by ``CentreParts.of``): the same months, windows, centre
parts, released cells and counts for the linked audit, for every metric, nationally (voivodeship
columns and the group of the small ones) and for one voivodeship, over generated snapshots full
of the gate's edge cases (zeros, a centre that dominates its voivodeship, voivodeships of one or
two centres, ratios at a rounding half, counts around k, shares around the dominance share).
And the indicators' statements and their parameters do not grow with the number of centres (the
old path passed every centre's id and read every centre's months)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from benchmarking.definitions import DisclosureClass, current_definitions
from benchmarking.disclosure import SUPPRESSED_STATUSES, CellStatus, DisclosureSettings
from benchmarking.exports import tables as export_tables
from benchmarking.exports.family import dominated_cells
from benchmarking.exports.parameters import NATIONAL, ExportParameters, area_groups
from benchmarking.exports.sums import pooled_tables, sum_tables, with_total_row
from benchmarking.exports.tables import services_table, services_units
from benchmarking.models import Snapshot, SnapshotRun, TableSnapshot
from benchmarking.selectors import Figure, centre_series, pooled_by_area, top_two_share_bound
from benchmarking.services import TABLES_VERSION
from casework.metrics_tables import code_lists
from tenants.models import Centre
from tests.benchmarking.generated import areas_by_centre

pytestmark = [pytest.mark.usefixtures("benchmark_data"), pytest.mark.django_db]

YEAR = 2021  # a half-year no other test has snapshots of
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 6, 1)
MONTHS = [(YEAR, month) for month in range(1, 7)]
# Four voivodeships of several centres (one dominated by a single centre, one of zeros only),
# three of one or two centres (together the group of the small ones).
LARGE = ("14", "12", "30", "02")
SMALL = ("06", "06", "26", "08")
DOMINATED, ZEROS = "30", "02"


def _generated_centres(count: int, start: int = 0) -> list[Centre]:
    """Centres rows only (the export's indicators read public tables: no schema needed)."""
    codes = [*LARGE * 3, *SMALL]
    centres = [
        Centre(
            slug=f"gen-expo-{i:03d}",
            schema_name=f"gen_expo_{i:03d}",
            name=f"Ośrodek wygenerowany {i}",
            short_name=f"Wygenerowany {i}",
            teryt_terc=f"{codes[i % len(codes)]}{80000 + i:05d}",
            voivodeship=codes[i % len(codes)] if i < len(codes) else LARGE[i % len(LARGE)],
            population=50_000,
            population_date=dt.date(2020, 12, 31),
            registry_version=1,
        )
        for i in range(start, start + count)
    ]
    return Centre.objects.bulk_create(centres)


def _number(rng: random.Random, profile: str) -> Decimal:
    if profile == "zero":
        return Decimal(0)
    if profile == "small":
        return Decimal(rng.choice([0, 0, 1, 2, 3, 5, 9, 10, 11, 12]))
    if profile == "dominant":
        return Decimal(rng.randint(500_000, 900_000))
    return Decimal(rng.randint(0, 3_000_000)) / 10_000


def _snapshots(centres: Sequence[Centre], seed: int, *, whole: bool = False) -> None:
    """Every metric's months for ``centres``, drawn around the gate's thresholds (``whole``:
    counts in whole numbers, as the product computes them)."""
    rng = random.Random(seed)
    run = SnapshotRun.objects.create(
        kind=SnapshotRun.Kind.ON_DEMAND, period_from=FIRST, period_to=LAST, versions={}
    )
    dominant_done: set[str] = set()
    rows = []
    for centre in centres:
        if centre.voivodeship == ZEROS:
            profile = "zero"
        elif centre.voivodeship == DOMINATED and centre.voivodeship not in dominant_done:
            profile = "dominant"
            dominant_done.add(centre.voivodeship)
        else:
            profile = rng.choice(["small", "small", "large", "zero"])
        for definition in current_definitions():
            for year, month in MONTHS:
                if rng.random() < 0.15:
                    continue  # no snapshot this month
                numerator = _number(rng, profile)
                if whole and definition.disclosure == DisclosureClass.COUNT:
                    numerator = Decimal(int(numerator))
                denominator = rng.choice(
                    [None, Decimal(0), Decimal(8), Decimal(32), Decimal(160), _number(rng, profile)]
                )
                n = 0 if profile == "zero" else rng.choice([0, 1, 2, 3, 9, 10, rng.randint(0, 400)])
                value = None if rng.random() < 0.1 else Decimal(rng.randint(0, 500_000)) / 10_000
                if profile == "zero":
                    value = rng.choice([None, Decimal(0)])
                top: list[float] = []
                if definition.disclosure == DisclosureClass.MAGNITUDE:
                    top = sorted([rng.choice([0.45, 0.3, 0.1, rng.random()]) for _ in range(2)])
                    top = top[::-1][: rng.choice([0, 1, 2])]
                rows.append(
                    Snapshot(
                        centre=centre,
                        metric=definition.code,
                        version=definition.version,
                        year=year,
                        month=month,
                        numerator=numerator,
                        denominator=denominator,
                        value=value,
                        n=n,
                        top_shares=top,
                        run=run,
                    )
                )
    Snapshot.objects.bulk_create(rows, batch_size=2_000)


def _in_python(centres: Sequence[Centre]) -> Callable[..., Any]:
    """``selectors.pooled_by_area`` by its definition, over ``centres`` (every centre read)."""

    def pooled(*, definition: Any, first: Any, last: Any, voivodeship: Any, areas: Any) -> Any:
        scope = [c for c in centres if voivodeship in (None, c.voivodeship)]
        return areas_by_centre(centre_series, scope, definition, first, last, areas)

    return pooled


@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_pools_the_export_as_python_does(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    centres = [*Centre.objects.order_by("slug"), *_generated_centres(40)]
    _snapshots(centres, seed)
    centres = list(Centre.objects.order_by("slug"))
    disclosure = DisclosureSettings.from_django()
    groups = {
        key: sorted({c.voivodeship for c in members})
        for key, _, members in area_groups(centres, disclosure)
    }
    assert "pozostale" in groups and set(LARGE) <= set(groups)
    compared = 0
    for voivodeship, areas in ((None, groups), ("30", {})):
        for definition in current_definitions():
            arguments: dict[str, Any] = {
                "definition": definition,
                "first": FIRST,
                "last": LAST,
                "voivodeship": voivodeship,
                "areas": areas,
            }
            pooled = pooled_by_area(**arguments)
            assert pooled == _in_python(centres)(**arguments), (voivodeship, definition.code)
            compared += 1
    assert compared == 2 * len(current_definitions())

    statuses: dict[CellStatus, int] = {}
    for scope in (NATIONAL, DOMINATED, "14"):
        members = [c for c in centres if scope in (NATIONAL, c.voivodeship)]
        parameters = ExportParameters(YEAR, 1, scope, ("indicators",), "xlsx", None)
        table, counts = export_tables.indicators_table(parameters, members, "zakres", disclosure)
        with monkeypatch.context() as patch:
            patch.setattr(export_tables, "pooled_by_area", _in_python(members))
            definition_ = export_tables.indicators_table(parameters, members, "zakres", disclosure)
        assert (table, counts) == definition_, scope
        for value in table.cells.values():
            statuses[value.status] = statuses.get(value.status, 0) + 1
        if scope == NATIONAL:
            # The counts behind the count indicators, for the linked audit and the ledger.
            assert counts and any(hidden for _, hidden in counts.values())
            # A voivodeship of zeros publishes zeros; one centre dominating its voivodeship
            # hides its counts and sums.
            assert any(v.value == 0 for (_, column), v in table.cells.items() if column == ZEROS)
            assert any(
                v.status == CellStatus.DOMINANCE
                for (_, column), v in table.cells.items()
                if column == DOMINATED
            )
    # Not vacuous: values published, and hidden for each of the gate's reasons.
    assert statuses.get(CellStatus.PUBLISHED, 0) > 0
    assert statuses.get(CellStatus.DOMINANCE, 0) > 0
    assert statuses.get(CellStatus.PRIMARY, 0) > 0
    assert any(status in SUPPRESSED_STATUSES for status in statuses)


def _sent(action: Callable[[], Any]) -> tuple[int, int]:
    """Statements ``action`` sends and the parameters they carry."""
    statements = parameters = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements, parameters
        statements += 1
        parameters += len(params or ())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        action()
    return statements, parameters


def test_the_indicators_send_the_same_statements_whatever_the_number_of_centres() -> None:
    disclosure = DisclosureSettings.from_django()
    parameters = ExportParameters(YEAR, 1, NATIONAL, ("indicators",), "xlsx", None)

    def indicators() -> Any:
        centres = list(Centre.objects.order_by("slug"))
        return export_tables.indicators_table(parameters, centres, "Polska", disclosure)

    few = _generated_centres(16)
    _snapshots([*Centre.objects.order_by("slug")], seed=3)
    at_21 = _sent(indicators)
    more = _generated_centres(60, start=16)
    _snapshots(more, seed=4)
    at_81 = _sent(indicators)
    assert len(few) + len(more) == 76
    assert at_81 == at_21, f"(statements, parameters): {at_21} at 21 centres, {at_81} at 81"


def _tables(centres: Sequence[Centre], seed: int, *, negative: bool = True) -> None:
    """Half-year tables of ``centres`` for :data:`YEAR`: counts around k, zeros, some negative
    (a correction), the first centre of the dominated voivodeship far above the others."""
    rng = random.Random(seed)
    lists = code_lists()
    reasons = [code for code, _, _ in lists.reasons]
    forms = [code for code, _ in lists.forms]
    run = SnapshotRun.objects.create(
        kind=SnapshotRun.Kind.ON_DEMAND, period_from=FIRST, period_to=LAST, versions={}
    )
    dominant_done = False
    lowest = -1 if negative else 0
    rows = []
    for centre in centres:
        scale = 1
        if centre.voivodeship == DOMINATED and not dominant_done:
            scale, dominant_done = 1_000, True
        own_reasons = rng.sample(reasons, k=rng.randint(2, len(reasons)))
        own_forms = rng.sample(forms, k=rng.randint(2, len(forms)))

        def grid(scale: int, own_reasons: list[str], own_forms: list[str]) -> dict[str, int]:
            return {
                f"{r}|{f}": scale * rng.choice([0, 0, 0, 1, 2, 3, 9, 10, 11, 40, lowest])
                for r in own_reasons
                for f in own_forms
                if rng.random() < 0.8
            }

        households = grid(scale, own_reasons, own_forms)
        persons = grid(scale, own_reasons, own_forms)
        if not negative:
            # As the product counts them: the total form holds every household of its reason
            # (the forms do not add up), and a household has at least one person.
            if "ogolem" not in own_forms:
                own_forms.append("ogolem")
            for r in own_reasons:
                row = [households.get(f"{r}|{f}", 0) for f in own_forms if f != "ogolem"]
                households[f"{r}|ogolem"] = sum(row)
            persons = {key: 2 * count for key, count in households.items()}
        top = [rng.random() / 2 for _ in range(rng.choice([0, 1, 2]))]
        rows.append(
            TableSnapshot(
                centre=centre,
                version=TABLES_VERSION,
                year=YEAR,
                half=1,
                reason_rows=own_reasons,
                form_columns=own_forms,
                households=households,
                persons=persons,
                persons_capped=persons if not negative else grid(scale, own_reasons, own_forms),
                contracts={
                    key: scale * rng.choice([0, 1, 2, 5, 12, 30])
                    for key in ("signed", "active", "completed", "achieved", "broken")
                },
                services={
                    "households": rng.choice([0, 1, 2, 3, 12]),
                    "hours_planned": rng.choice(["0", "0.00", "12.5", "1042.00", "7.25"]),
                    "hours_delivered": rng.choice(["0", "0.00", "11.75", "979.25", "3.1"]),
                    "top_shares": sorted(top, reverse=True),
                },
                complete=rng.random() < 0.9,
                run=run,
            )
        )
    TableSnapshot.objects.bulk_create(rows)


def _hours_bound(sums: Any) -> tuple[float, ...]:
    """The bound of the two largest households' share of the hours delivered, as the services
    table computes it (``selectors.top_two_share_bound`` over the entries)."""
    return top_two_share_bound(
        [
            Figure(Decimal(s["hours_delivered"]), None, None, 0, tuple(s["top_shares"]))
            for s in sums.services
        ]
    )


@pytest.mark.parametrize("seed", [5, 6])
def test_the_database_sums_the_tables_as_python_does(seed: int) -> None:
    generated = _generated_centres(40)
    _tables(generated, seed)
    disclosure = DisclosureSettings.from_django()
    dominated = 0
    for year, half in ((YEAR, 1), (2024, 1)):  # the generated tables, and the demo's
        for scope in (None, DOMINATED, "14"):
            for capped in (False, True):
                snapshots = TableSnapshot.objects.select_related("centre", "run").filter(
                    version=TABLES_VERSION, year=year, half=half
                )
                if scope is not None:
                    snapshots = snapshots.filter(centre__voivodeship=scope)
                definition = sum_tables(list(snapshots), capped=capped)
                count, ours = pooled_tables(
                    scope=scope, version=TABLES_VERSION, year=year, half=half, capped=capped
                )
                where = (year, scope, capped)
                assert count == len(snapshots), where
                for name in ("reasons", "forms", "households", "persons", "by_area",
                             "contracts", "runs", "complete", "parts"):  # fmt: skip
                    assert getattr(ours, name) == getattr(definition, name), (where, name)
                assert services_table(ours, "zakres") == services_table(definition, "zakres")
                assert services_units(ours) == services_units(definition), where
                assert _hours_bound(ours) == _hours_bound(definition), where
                for table in ("households", "persons"):
                    counts = with_total_row(ours.households, ours.reasons, ours.forms)
                    dominated += len(dominated_cells(ours.parts[table], counts, disclosure))
    assert dominated > 0


class _Rollback(Exception):
    pass


def test_the_national_export_sends_the_same_statements_whatever_the_number_of_centres() -> None:
    """The whole national export, asked for and built (tables, indicators, the linked audit,
    the file, the ledger): the same statements and parameters at 21 centres and at 81."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from benchmarking.exports.build import export_build
    from benchmarking.exports.request import export_request
    from benchmarking.models import ExportJob

    analyst = get_user_model().objects.get(username="analityk")
    # Every table but the contracts: the generated tables and snapshots are drawn apart, so the
    # contracts would not be the indicators' counts of contracts, which the linked audit
    # refuses as data changed since an earlier release.
    tables = ["households", "persons", "areas", "services", "indicators"]
    request = {"period": f"{YEAR}-H1", "scope": "PL", "tables": tables}

    def export() -> None:
        try:
            with transaction.atomic():
                job = export_request(user=analyst, data=request)
                job = export_build(job)
                assert job.status == ExportJob.Status.DONE, job.error
                raise _Rollback
        except _Rollback:
            pass

    few = _generated_centres(16)
    everyone = list(Centre.objects.order_by("slug"))
    _snapshots(everyone, seed=7, whole=True)
    _tables(everyone, seed=7, negative=False)
    at_21 = _sent(export)
    more = _generated_centres(60, start=16)
    _snapshots(more, seed=8, whole=True)
    _tables(more, seed=8, negative=False)
    at_81 = _sent(export)
    assert len(few) + len(more) == 76
    assert at_81 == at_21, f"(statements, parameters): {at_21} at 21 centres, {at_81} at 81"
