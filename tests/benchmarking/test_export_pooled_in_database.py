"""The export's indicators pooled by PostgreSQL (``selectors.pooled_by_area``, read by
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
from benchmarking.exports.parameters import NATIONAL, ExportParameters, area_groups
from benchmarking.models import Snapshot, SnapshotRun
from benchmarking.selectors import centre_series, pooled_by_area
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


def _snapshots(centres: Sequence[Centre], seed: int) -> None:
    """Every metric's months for ``centres``, drawn around the gate's thresholds."""
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
            ours = pooled_by_area(**arguments)
            assert ours == _in_python(centres)(**arguments), (voivodeship, definition.code)
            compared += 1
    assert compared == 2 * len(current_definitions())

    statuses: dict[CellStatus, int] = {}
    for scope in (NATIONAL, DOMINATED, "14"):
        members = [c for c in centres if scope in (NATIONAL, c.voivodeship)]
        parameters = ExportParameters(YEAR, 1, scope, ("indicators",), "xlsx", None)
        ours = export_tables.indicators_table(parameters, members, "zakres", disclosure)
        with monkeypatch.context() as patch:
            patch.setattr(export_tables, "pooled_by_area", _in_python(members))
            definition_ = export_tables.indicators_table(parameters, members, "zakres", disclosure)
        assert ours == definition_, scope
        for value in ours[0].cells.values():
            statuses[value.status] = statuses.get(value.status, 0) + 1
        if scope == NATIONAL:
            # The counts behind the count indicators, for the linked audit and the ledger.
            assert ours[1] and any(hidden for _, hidden in ours[1].values())
            # A voivodeship of zeros publishes zeros; one centre dominating its voivodeship
            # hides its counts and sums.
            assert any(
                v.value == 0 for (_, column), v in ours[0].cells.items() if column == ZEROS
            )
            assert any(
                v.status == CellStatus.DOMINANCE
                for (_, column), v in ours[0].cells.items()
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
