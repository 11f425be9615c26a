"""A cohort's distribution without a viewer (the national distribution of the coordinator's page)
computed by PostgreSQL in one statement (``benchmarking.distribution``) is the answer of the
definition, member by member in Python (``cohort_figures.cohort_release_by_member``): the same
members, comparable centres, quartiles, pooled value (or reason it is hidden) and counts behind
it, for every predefined cohort and every metric, over generated snapshots full of the gate's
edge cases (counts and bases around k, ratios at a rounding half, one or two contributors, shares
around the dominance share). And its statements and their parameters do not grow with the
number of centres (the old path passed every centre's id)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from benchmarking import cohort_figures
from benchmarking.cohorts import COHORTS, COHORTS_BY_CODE, cohort_members
from benchmarking.definitions import DisclosureClass, current_definitions
from benchmarking.models import Snapshot, SnapshotRun
from tenants.models import Centre
from tenants.teryt import GminaType

pytestmark = [pytest.mark.usefixtures("benchmark_data"), pytest.mark.django_db]

FIRST, LAST = dt.date(2031, 1, 1), dt.date(2031, 6, 1)  # months no other test has snapshots of
MONTHS = [(2031, month) for month in range(1, 7)]
VOIVODESHIPS = ["14", "14", "12", "02", "30"]
GMINAS = [GminaType.URBAN, GminaType.RURAL, GminaType.URBAN_RURAL]
POPULATIONS = [900, 8_300, 19_999, 20_000, 45_000, 50_000, 99_999, 100_000, 640_000]


def _generated_centres(count: int, start: int = 0) -> list[Centre]:
    """Centres rows only (the distribution reads public tables: no schema needed)."""
    centres = [
        Centre(
            slug=f"gen-dist-{i:03d}",
            schema_name=f"gen_dist_{i:03d}",
            name=f"Ośrodek wygenerowany {i}",
            short_name=f"Wygenerowany {i}",
            teryt_terc=f"{VOIVODESHIPS[i % 5]}{90000 + i:05d}",
            voivodeship=VOIVODESHIPS[i % 5],
            gmina_type=GMINAS[i % 3],
            population=POPULATIONS[i % len(POPULATIONS)],
            population_date=dt.date(2030, 12, 31),
            registry_version=1,
        )
        for i in range(start, start + count)
    ]
    return Centre.objects.bulk_create(centres)


def _number(rng: random.Random, small: bool) -> Decimal:
    if small:
        return Decimal(rng.choice([0, 0, 1, 2, 3, 5, 9, 10, 11, 12]))
    return Decimal(rng.randint(0, 3_000_000)) / 10_000


def _snapshots(centres: list[Centre], seed: int) -> None:
    """Every metric's months for ``centres``, drawn around the gate's thresholds."""
    rng = random.Random(seed)
    run = SnapshotRun.objects.create(
        kind=SnapshotRun.Kind.ON_DEMAND, period_from=FIRST, period_to=LAST, versions={}
    )
    rows = []
    for centre in centres:
        small = rng.random() < 0.4  # a centre of small figures: hidden from peers often
        for definition in current_definitions():
            for year, month in MONTHS:
                if rng.random() < 0.15:
                    continue  # no snapshot this month
                numerator = _number(rng, small)
                denominator = rng.choice(
                    [None, Decimal(0), Decimal(8), Decimal(32), Decimal(160), _number(rng, small)]
                )
                n = rng.choice([0, 1, 2, 3, 9, 10, rng.randint(0, 400)])
                value = None if rng.random() < 0.1 else Decimal(rng.randint(0, 500_000)) / 10_000
                top: list[float] = []
                if definition.disclosure == DisclosureClass.MAGNITUDE:
                    top = sorted([rng.choice([0.45, 0.3, rng.random()]) for _ in range(2)])[::-1]
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


@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_gives_the_distribution_python_gives(seed: int) -> None:
    centres = [*Centre.objects.order_by("slug"), *_generated_centres(40)]
    _snapshots(centres, seed)
    compared = allowed = pooled_shown = pooled_hidden = 0
    for cohort in COHORTS:
        assert cohort.where is not None, cohort.code
        # The cohort's rule in SQL selects the centres its rule in Python does.
        expected_members = {c.pk for c in cohort_members(cohort, LAST)}
        assert set(Centre.objects.filter(cohort.where(LAST)).values_list("pk", flat=True)) == (
            expected_members
        ), cohort.code
        for definition in current_definitions():
            arguments: dict[str, Any] = {
                "cohort": cohort,
                "definition": definition,
                "first": FIRST,
                "last": LAST,
                "viewer": None,
            }
            ours = cohort_figures.cohort_release(**arguments)
            definition_ = cohort_figures.cohort_release_by_member(**arguments)
            assert ours == definition_, (cohort.code, definition.code)
            compared += 1
            allowed += ours.figures["allowed"]
            pooled_shown += ours.figures["pooled"] is not None
            pooled_hidden += bool(ours.figures.get("pooled_reason"))
    # The comparison was not vacuous: distributions shown and refused, pooled values both ways.
    assert compared == len(COHORTS) * len(current_definitions())
    assert 0 < allowed < compared
    assert pooled_shown > 0 and pooled_hidden > 0


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


@pytest.fixture
def national() -> Iterator[Callable[[], Any]]:
    definition = next(d for d in current_definitions() if d.code == "social_work_time_share")
    yield lambda: cohort_figures.cohort_release(
        cohort=COHORTS_BY_CODE["platforma"],
        definition=definition,
        first=FIRST,
        last=LAST,
        viewer=None,
    )


def test_the_national_distribution_sends_the_same_statements_whatever_the_number_of_centres(
    national: Callable[[], Any],
) -> None:
    few = _generated_centres(10)
    _snapshots([*Centre.objects.order_by("slug")], seed=3)
    at_15 = _sent(national)
    more = _generated_centres(60, start=10)
    _snapshots(more, seed=4)
    at_75 = _sent(national)
    assert len(few) + len(more) == 70
    assert at_75 == at_15, f"(statements, parameters): {at_15} at 15 centres, {at_75} at 75"
    assert at_15[0] <= 2  # the distribution, and the release's run when it is shown
