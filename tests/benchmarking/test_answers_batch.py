"""A coordinator's named centres answered together (``benchmarking.answers.scope_answers``, one
read and one insert for all of them, issue 13) give exactly the answers and the ledger that
asking for them one after another gives: the same figures hidden, the same cells recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from benchmarking.answers import centre_scope, scope_answer, scope_answers
from benchmarking.definitions import DisclosureClass, MetricDefinition, current_definitions
from benchmarking.disclosure import Audience
from benchmarking.models import PublishedCell
from opsplatform.errors import Conflict
from tenants.models import Centre

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

FAMILY = ("region", "batch-test")
WINDOWS = [
    (dt.date(2024, 1, 1), dt.date(2024, 6, 1)),  # the half-year
    (dt.date(2024, 4, 1), dt.date(2024, 6, 1)),  # a quarter of it: linked to what is held
    (dt.date(2024, 3, 1), dt.date(2024, 3, 1)),  # a month of it
]


def _definitions() -> list[MetricDefinition]:
    """Counts (the linked audit) and one rate (the memory only): a few, for the test's time."""
    counts = [d for d in current_definitions() if d.disclosure == DisclosureClass.COUNT]
    others = [d for d in current_definitions() if d.disclosure != DisclosureClass.COUNT]
    return [*counts[:3], others[0]]


def _ledger() -> list[tuple[Any, ...]]:
    return list(
        PublishedCell.objects.filter(audience=FAMILY[0], viewer=FAMILY[1])
        .order_by("pk")
        .values_list(
            "scope", "period", "table", "row", "column", "value", "hidden", "sensitive", "marker",
            "release", "channel",
        )
    )  # fmt: skip


class _Rollback(Exception):
    pass


def _asked(together: bool, centres: list[Centre]) -> tuple[list[Any], list[tuple[Any, ...]]]:
    answers: list[Any] = []
    result: tuple[list[Any], list[tuple[Any, ...]]] = ([], [])
    try:
        with transaction.atomic():
            # Something the family already holds: the voivodeship of the first centres.
            voivodeship = centres[0].voivodeship
            for definition in _definitions():
                for first, last in WINDOWS:
                    kwargs: dict[str, Any] = {
                        "definition": definition,
                        "first": first,
                        "last": last,
                        "audience": Audience.REGION,
                        "family": FAMILY,
                        "named": True,
                    }
                    try:
                        scope_answer(
                            scope=voivodeship,
                            centres=[c for c in centres if c.voivodeship == voivodeship],
                            **kwargs,
                        )
                    except Conflict as error:
                        answers.append(("refused", error.message))
                    scopes = [(centre_scope(c), [c]) for c in centres]
                    try:
                        if together:
                            answers.append(scope_answers(scopes=scopes, **kwargs))
                        else:
                            answers.append(
                                [scope_answer(scope=s, centres=cs, **kwargs) for s, cs in scopes]
                            )
                    except Conflict as error:
                        # Refused part-way: what was answered before is recorded either way.
                        answers.append(("refused", error.message))
            result = (answers, _ledger())
            raise _Rollback
    except _Rollback:
        pass
    return result


def test_named_centres_together_answer_and_record_as_one_by_one() -> None:
    centres = list(Centre.objects.select_related("programme").order_by("short_name"))
    one_by_one, ledger_one_by_one = _asked(False, centres)
    together, ledger_together = _asked(True, centres)
    assert len(one_by_one) >= len(_definitions()) * len(WINDOWS)
    assert together == one_by_one
    assert ledger_together == ledger_one_by_one
    # The answers did hide figures (the comparison is not between two empty ledgers).
    assert any(cell[6] for cell in ledger_together)
