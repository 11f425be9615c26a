"""The reporting tables of a snapshot run (half-years and years) are computed only for centres
whose records changed since the stored ones (their audit-trail position), and which tables are
due is read for all centres of a batch at once: unchanged centres cost the same statements
whether there is one or five."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from benchmarking.models import SnapshotRun, TableSnapshot
from benchmarking.services import (
    snapshot_centre_tables,
    snapshot_centres_compute,
    snapshot_run_create,
    tables_plan,
)
from casework.metrics_tables import audit_marks
from casework.models import Household
from tenants.models import Centre

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2021, 1, 1), dt.date(2021, 6, 1)  # 2021-H1 and the year 2021


def _run(centres: list[Centre], kind: str = SnapshotRun.Kind.NIGHTLY) -> SnapshotRun:
    return snapshot_run_create(kind=kind, period_from=FIRST, period_to=LAST, centres=centres)


def _tables_statements(centres: list[Centre]) -> int:
    """Statements of the tables stage of a run over ``centres``: what is due, then each
    centre's due tables."""
    run = _run(centres)
    with CaptureQueriesContext(connection) as queries:
        plan = tables_plan(run=run, centres=centres)
        for centre in centres:
            snapshot_centre_tables(run=run, centre=centre, plan=plan)
    return len(queries)


def test_unchanged_centres_cost_the_same_statements_whether_one_or_five() -> None:
    centres = list(Centre.objects.order_by("slug"))
    assert len(centres) == 5
    first_run = _run(centres)
    snapshot_centres_compute(run=first_run, centres=centres)
    stored = TableSnapshot.objects.filter(centre__in=centres, year=2021, run=first_run)
    assert stored.count() == 5 * 2  # H1 and the year of each centre, with their marks
    assert not stored.filter(source_seq__isnull=True).exists()

    one = _tables_statements(centres[:1])
    five = _tables_statements(centres)
    # The marks of all centres in one statement, the stored tables in another, nothing per centre.
    assert one == five == 2, (one, five)
    # Unchanged: every stored table still comes from the first run.
    assert TableSnapshot.objects.filter(centre__in=centres, year=2021, run=first_run).count() == 10


def test_a_changed_centre_is_recomputed_and_an_unchanged_one_skipped() -> None:
    changed, unchanged = list(Centre.objects.filter(slug__in=("debica", "myslenice")))
    first_run = _run([changed, unchanged])
    snapshot_centres_compute(run=first_run, centres=[changed, unchanged])
    tables = TableSnapshot.objects.filter(centre__in=[changed, unchanged], year=2021)
    true_households = dict(tables.values_list("pk", "households"))
    assert len(true_households) == 4
    # Spoil the stored figures of both (public rows, no audit): only a recomputation restores them.
    tables.update(households={"spoilt": 1})
    marks_before = audit_marks([changed.schema_name, unchanged.schema_name])
    with schema_context(changed.schema_name):
        household = Household.objects.order_by("pk").first()
        assert household is not None
        household.save()  # an audited write: the centre's audit-trail position moves
    marks_after = audit_marks([changed.schema_name, unchanged.schema_name])
    assert marks_after[changed.schema_name] > marks_before[changed.schema_name]
    assert marks_after[unchanged.schema_name] == marks_before[unchanged.schema_name]

    second_run = _run([changed, unchanged])
    snapshot_centres_compute(run=second_run, centres=[changed, unchanged])

    recomputed = tables.filter(centre=changed)
    assert set(recomputed.values_list("run_id", flat=True)) == {second_run.pk}
    mark = marks_after[changed.schema_name]
    assert set(recomputed.values_list("source_seq", flat=True)) == {mark}
    for pk, households in recomputed.values_list("pk", "households"):
        assert households == true_households[pk]
    skipped = tables.filter(centre=unchanged)
    assert set(skipped.values_list("run_id", flat=True)) == {first_run.pk}
    assert all(value == {"spoilt": 1} for value in skipped.values_list("households", flat=True))


def test_a_run_asked_for_by_a_person_recomputes_every_centre() -> None:
    centre = Centre.objects.get(slug="krasnystaw")
    snapshot_centres_compute(run=_run([centre]), centres=[centre])
    TableSnapshot.objects.filter(centre=centre, year=2021).update(households={"spoilt": 1})
    on_demand = _run([centre], kind=SnapshotRun.Kind.ON_DEMAND)
    snapshot_centres_compute(run=on_demand, centres=[centre])
    tables = TableSnapshot.objects.filter(centre=centre, year=2021)
    assert set(tables.values_list("run_id", flat=True)) == {on_demand.pk}
    assert all(value != {"spoilt": 1} for value in tables.values_list("households", flat=True))


def test_a_period_still_running_is_recomputed_when_it_covers_more_days() -> None:
    centre = Centre.objects.get(slug="piaseczno")
    run = _run([centre])
    plan = tables_plan(run=run, centres=[centre])
    assert [p[:2] for p in plan.due(centre)] == [(2021, 1), (2021, 0)]
    snapshot_centre_tables(run=run, centre=centre, plan=plan)
    assert tables_plan(run=_run([centre]), centres=[centre]).due(centre) == []
    # The same marks, but stored as covering fewer days: the period is due again.
    TableSnapshot.objects.filter(centre=centre, year=2021, half=0).update(
        source_last=dt.date(2021, 11, 30)
    )
    assert [p[:2] for p in tables_plan(run=_run([centre]), centres=[centre]).due(centre)] == [
        (2021, 0)
    ]
