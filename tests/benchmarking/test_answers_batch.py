"""A coordinator's named centres answered together (``answers.scope_answers`` and
``centre_answers.before_after_answers``: one read of the snapshots, one of the ledger and one
insert for all of them) give exactly the answers and the ledger that asking for them one after
another gives: the same figures hidden, the same refusals, the same rows recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from benchmarking.answers import centre_scope, scope_answer, scope_answers
from benchmarking.centre_answers import before_after_answer, before_after_answers
from benchmarking.definitions import DisclosureClass, MetricDefinition, current_definitions
from benchmarking.disclosure import Audience
from benchmarking.models import PublishedCell
from opsplatform.errors import Conflict, ValidationFailed
from tenants.models import Centre

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("benchmark_data")]

FAMILY = ("region", "batch-test")
WINDOWS = [
    (dt.date(2024, 1, 1), dt.date(2024, 6, 1)),  # the half-year
    (dt.date(2024, 4, 1), dt.date(2024, 6, 1)),  # a quarter of it: linked to what is held
    (dt.date(2024, 3, 1), dt.date(2024, 3, 1)),  # a month of it
]
TODAY = dt.date(2025, 3, 15)
BEFORE_AFTER = [  # (before, after, skip) months
    {"before_months": 6, "after_months": 6, "skip_months": 0},
    {"before_months": 3, "after_months": 3, "skip_months": 3},
    {"before_months": 12, "after_months": 6, "skip_months": 0},
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


def _refused(error: Exception) -> tuple[str, str]:
    return ("refused", getattr(error, "message", str(error)))


def _scopes(together: bool, centres: list[Centre], answers: list[Any]) -> None:
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
            # The voivodeship first: the centres' answers after it in the same batch are
            # protected against it as held in memory.
            members = [c for c in centres if c.voivodeship == voivodeship]
            scopes = [(voivodeship, members), *((centre_scope(c), [c]) for c in centres)]
            try:
                if together:
                    answers.append(scope_answers(scopes=scopes, **kwargs))
                else:
                    answers.append(
                        [scope_answer(scope=s, centres=cs, **kwargs) for s, cs in scopes]
                    )
            except Conflict as error:
                # Refused part-way: what was answered before is recorded either way.
                answers.append(_refused(error))


def _before_after(together: bool, centres: list[Centre], answers: list[Any]) -> None:
    for windows in BEFORE_AFTER:
        kwargs: dict[str, Any] = {
            "definitions": _definitions(),
            "audience": Audience.REGION,
            "family": FAMILY,
            "today": TODAY,
            **windows,
        }
        try:
            if together:
                reports = before_after_answers(centres=centres, **kwargs)
                answers.append(
                    [
                        _refused(r) if isinstance(r, ValidationFailed) else r
                        for r in reports.values()
                    ]
                )
                continue
            one_by_one: list[Any] = []
            for centre in centres:
                try:
                    one_by_one.append(before_after_answer(centre=centre, **kwargs))
                except ValidationFailed as error:
                    one_by_one.append(_refused(error))
            answers.append(one_by_one)
        except Conflict as error:
            answers.append(_refused(error))


def _centres() -> list[Centre]:
    return list(Centre.objects.select_related("programme").order_by("short_name"))


def _asked(together: bool, centres: list[Centre]) -> tuple[list[Any], list[tuple[Any, ...]]]:
    answers: list[Any] = []
    result: tuple[list[Any], list[tuple[Any, ...]]] = ([], [])
    try:
        with transaction.atomic():
            # Two centres of one voivodeship: the voivodeship is the sum of the two, so each
            # answer of the batch depends on the ones before it (held in memory, not read back).
            Centre.objects.filter(pk=centres[1].pk).update(voivodeship=centres[0].voivodeship)
            centres[1].voivodeship = centres[0].voivodeship
            _scopes(together, centres, answers)
            _before_after(together, centres, answers)
            # The monthly answers again, after the windows: the memory of both is held.
            _scopes(together, centres, answers)
            result = (answers, _ledger())
            raise _Rollback
    except _Rollback:
        pass
    return result


def test_named_centres_together_answer_and_record_as_one_by_one() -> None:
    one_by_one, ledger_one_by_one = _asked(False, _centres())
    together, ledger_together = _asked(True, _centres())
    assert len(one_by_one) >= 2 * len(_definitions()) * len(WINDOWS) + len(BEFORE_AFTER)
    assert together == one_by_one
    assert ledger_together == ledger_one_by_one
    # The answers did hide figures, in both kinds of answers (not two empty ledgers compared).
    assert any(cell[6] and ".." not in cell[1] for cell in ledger_together)
    assert any(cell[6] and ".." in cell[1] for cell in ledger_together)


def test_a_centre_without_go_live_gets_its_reason_and_the_others_their_reports() -> None:
    centres = list(Centre.objects.select_related("programme").order_by("short_name"))
    without = centres[0]
    without.programme.delete()
    without.refresh_from_db()
    reports = before_after_answers(
        centres=[without, *centres[1:]],
        definitions=_definitions(),
        audience=Audience.REGION,
        family=FAMILY,
        today=TODAY,
    )
    refusal = reports[without.pk]
    assert isinstance(refusal, ValidationFailed)
    assert refusal.code == "no_go_live"
    assert all(isinstance(reports[c.pk], dict) for c in centres[1:])
