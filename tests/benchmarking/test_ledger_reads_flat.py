"""What a coordinator's comparison page costs does not grow with what their family of the ledger
holds: the page reads and examines the cells its answers can relate to (its own scopes, and for
counts the scopes the linked audit's structure ties to them), not every cell the coordinator was
ever shown; and a page shown again, identical, records nothing new and sends no insert. Counted
as ledger rows read, cells examined and statements, never as a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarking import ledger
from benchmarking.answers import metric_table
from benchmarking.definitions import DisclosureClass, MetricDefinition, current_definitions
from benchmarking.models import PublishedCell
from tests.conftest import CentreClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

COORDINATOR = "koordynator.malopolskie"  # Myślenice, voivodeship 12
FAMILY = ("region", "12")
WINDOW = "from=2024-01&to=2024-06"
MONTHS = [f"2024-{m:02d}" for m in range(1, 7)]


@dataclass(frozen=True)
class Cost:
    read: int  # ledger rows read into the held ledgers
    examined: int  # cells the answers looked at
    statements: int
    inserts: int
    status: int


@pytest.fixture
def held() -> Iterator[list[ledger.HeldLedger]]:
    """Every HeldLedger made while the test runs."""
    made: list[ledger.HeldLedger] = []
    original = ledger.HeldLedger.__init__

    def init(self: ledger.HeldLedger, **kwargs: Any) -> None:
        original(self, **kwargs)
        made.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger.HeldLedger, "__init__", init)
        yield made


def _cost(client: Any, path: str, made: list[ledger.HeldLedger]) -> Cost:
    made.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    inserts = [q for q in captured if q["sql"].lstrip().upper().startswith("INSERT")]
    return Cost(
        read=sum(h.read for h in made),
        examined=sum(h.examined for h in made),
        statements=len(captured),
        inserts=len(inserts),
        status=response.status_code,
    )


def _inflate(definition: MetricDefinition, centres: int) -> None:
    """The family holds the cells of ``centres`` more named centres of the same metric and
    months (centres since removed from the registry: no relation ties them to the page's), and
    windows before and after of each."""
    row = "count" if definition.disclosure == DisclosureClass.COUNT else "value"
    table = metric_table(definition)
    cells = [
        ledger.LedgerCell(table, f"c:gone-{i}", period, row, "value", 40 + i % 7, False)
        for i in range(centres)
        for period in [*MONTHS, "2024-H1", "2023-07..2023-12", "2024-01..2024-06"]
    ]
    ledger.record_releases(
        [(cells, "inflated")],
        audience=FAMILY[0],
        viewer=FAMILY[1],
        channel=PublishedCell.Channel.PAGE,
    )


def _metrics() -> list[MetricDefinition]:
    """The page's default (a magnitude: the memory only) and a count (the linked audit)."""
    definitions = current_definitions()
    count = next(d for d in definitions if d.disclosure == DisclosureClass.COUNT)
    other = next(d for d in definitions if d.disclosure != DisclosureClass.COUNT)
    return [other, count]


@pytest.mark.parametrize("definition", _metrics(), ids=lambda d: d.code)
def test_the_comparison_page_costs_the_same_whatever_the_family_holds(
    centre_client: CentreClientFactory,
    held: list[ledger.HeldLedger],
    definition: MetricDefinition,
) -> None:
    client = centre_client.logged_in(None, COORDINATOR)
    path = f"/porownanie/?metric={definition.code}&{WINDOW}"
    first = _cost(client, path, held)
    assert first.status == 200
    again = _cost(client, path, held)
    # Shown again, identical: nothing new for the ledger, no insert at all.
    assert again.inserts == 0, again
    assert again.read > 0 and again.examined > 0, again  # the page does read its cells

    _inflate(definition, centres=300)
    inflated = _cost(client, path, held)
    assert inflated == again
    table = metric_table(definition)
    held_rows = PublishedCell.objects.filter(
        audience=FAMILY[0], viewer=FAMILY[1], table=table
    ).count()
    assert held_rows > 10 * inflated.read  # the family is far larger than what the page read
