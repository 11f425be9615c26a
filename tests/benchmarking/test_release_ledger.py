"""The ledger of published cells is append-only in PostgreSQL itself: whatever goes around the
code (raw SQL, the ORM's bulk update or delete, TRUNCATE) cannot change or remove a released
cell, so the suppression memory and the linked audit's facts cannot be edited away."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from benchmarking import ledger
from benchmarking.models import PublishedCell

pytestmark = pytest.mark.django_db

TABLE = "append-only-test"
# Constant SQL of the test itself (no input): the statements an editor would try.
WHERE = f"WHERE \"table\" = '{TABLE}'"


def _released() -> PublishedCell:
    cells = [
        ledger.LedgerCell(TABLE, "PL", "2024-H1", "r1", "c1", 12, hidden=False),
        ledger.LedgerCell(
            TABLE, "PL", "2024-H1", "r2", "c1", None, hidden=True, marker="x", sensitive=True
        ),
    ]
    ledger.record(cells, audience="ministry", channel="export", release="r")
    return PublishedCell.objects.get(table=TABLE, row="r2")


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE benchmarking_publishedcell SET hidden = false, value = 3 {WHERE}",  # noqa: S608
        f"UPDATE benchmarking_publishedcell SET created_at = now() {WHERE}",  # noqa: S608
        f"DELETE FROM benchmarking_publishedcell {WHERE}",  # noqa: S608
        "TRUNCATE benchmarking_publishedcell",
    ],
)
def test_raw_sql_cannot_change_or_remove_a_released_cell(statement: str) -> None:
    hidden = _released()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    hidden.refresh_from_db()
    assert hidden.hidden and hidden.value is None and hidden.marker == "x"
    assert PublishedCell.objects.filter(table=TABLE).count() == 2


def test_the_orm_cannot_change_or_remove_a_released_cell_either() -> None:
    hidden = _released()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PublishedCell.objects.filter(pk=hidden.pk).update(hidden=False, value=3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PublishedCell.objects.filter(table=TABLE).delete()
    hidden.refresh_from_db()
    assert hidden.hidden and PublishedCell.objects.filter(table=TABLE).count() == 2


def test_releasing_the_same_cells_again_still_works() -> None:
    """What the product does: the same outcome again adds nothing (ON CONFLICT DO NOTHING, no
    update), a changed outcome is a new row, and the old row stays."""
    _released()
    again = [ledger.LedgerCell(TABLE, "PL", "2024-H1", "r1", "c1", 12, hidden=False)]
    ledger.record(again, audience="ministry", channel="api", release="r2")
    assert PublishedCell.objects.filter(table=TABLE).count() == 2
    corrected = [ledger.LedgerCell(TABLE, "PL", "2024-H1", "r1", "c1", 13, hidden=False)]
    ledger.record(corrected, audience="ministry", channel="api", release="r3")
    assert PublishedCell.objects.filter(table=TABLE).count() == 3
    values = PublishedCell.objects.filter(table=TABLE, row="r1").values_list("value", flat=True)
    assert sorted(int(value) for value in values if value is not None) == [12, 13]


def test_only_a_superusers_repair_as_replica_goes_around_the_trigger() -> None:
    """The documented way out (deploy/runbooks/disclosure.md): a database superuser's
    transaction with ``session_replication_role = replica`` (here a savepoint inside the test's
    transaction, so the role is set back by hand, as ``tenants.backup`` does)."""
    hidden = _released()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        PublishedCell.objects.filter(pk=hidden.pk).delete()
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert not PublishedCell.objects.filter(pk=hidden.pk).exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PublishedCell.objects.filter(table=TABLE).delete()


def _outcomes(row: str) -> list[object]:
    return [
        "x" if hidden or value is None else int(value)
        for value, hidden in PublishedCell.objects.filter(table=TABLE, row=row)
        .order_by("created_at", "pk")
        .values_list("value", "hidden")
    ]


def test_a_correction_undone_leaves_the_first_value_as_the_cells_latest() -> None:
    """A cell published as 12, corrected to 13, then back to 12: the readers hold 12 last, and
    the audit of the next release must read 12 (the fingerprint of the first row must not
    swallow the third), while 12 once more in a row still adds nothing."""
    for release, value in (("r1", 12), ("r2", 13), ("r3", 12), ("r4", 12)):
        cell = ledger.LedgerCell(TABLE, "PL", "2024-H1", "r1", "c1", value, hidden=False)
        ledger.record([cell], audience="ministry", channel="api", release=release)
    assert _outcomes("r1") == [12, 13, 12]
    published, hidden, _ = ledger.family(audience="ministry", tables=[TABLE], periods=["2024-H1"])
    assert published[(TABLE, "PL", "2024-H1", "r1", "c1")] == 12
    assert not hidden


def test_a_held_ledger_records_an_undone_correction_too() -> None:
    """The same through a held ledger (a page's answers side by side): A, B and A in one batch,
    then A again after reading the ledger back."""
    key = (TABLE, "PL", "2024-H1", "r1", "c1")
    held = ledger.HeldLedger(audience="ministry")
    for release, value in (("r1", 12), ("r2", 13), ("r3", 12)):
        held.family(tables=[TABLE], periods=["2024-H1"])
        cell = ledger.LedgerCell(*key, value, hidden=False)
        held.record([cell], channel="page", release=release)
    held.flush()
    assert _outcomes("r1") == [12, 13, 12]
    again = ledger.HeldLedger(audience="ministry")
    published, _, _ = again.family(tables=[TABLE], periods=["2024-H1"])
    assert published[key] == 12
    again.record([ledger.LedgerCell(*key, 13, hidden=False)], channel="page", release="r4")
    again.record([ledger.LedgerCell(*key, 12, hidden=False)], channel="page", release="r5")
    again.flush()
    assert _outcomes("r1") == [12, 13, 12, 13, 12]
    assert ledger.family(audience="ministry", tables=[TABLE], periods=["2024-H1"])[0][key] == 12
