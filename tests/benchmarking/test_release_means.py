"""Rates, shares and medians pooled over months or centres are means of their parts weighted by
bases the reader never sees, so the integer programme of the linked audit cannot hold them as
linear relations. What a reader still knows is an order relation: the pooled value lies between
its smallest and largest part. Beside every part but one shown, that bounds the hidden part from
one side, and pins it when the parts shown all equal the pooled value (a quiet month of a rate
of 50 % among months of 50 %). So such a pooled value is never shown beside exactly one hidden
part: a window beside one hidden month (``comparisons._beside_one_hidden_month``), the country's
column of an export beside one hidden voivodeship (``exports.tables.indicators_table``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarking import comparisons
from benchmarking.definitions import current_definitions
from benchmarking.disclosure import SUPPRESSED_STATUSES, Audience
from benchmarking.exports import tables as export_tables
from benchmarking.exports.parameters import NATIONAL
from benchmarking.models import PublishedCell
from tests.benchmarking import generated

RATE = next(d for d in current_definitions() if d.code == generated.RATE)
H1 = [(2024, m) for m in range(1, 7)]
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2024, 6, 1)


class _Rollback(Exception):
    pass


def _nation(ended: dict[str, list[int]]) -> generated.Nation:
    """Three centres a voivodeship; ``ended``: voivodeship → contracts ended per centre in each
    month of the half-year, half of them with goals achieved (a rate of 50 % every month)."""
    from tenants.models import Centre

    centres = [
        Centre(pk=50_000 + 10 * i + j, slug=f"means-{v}-{j}", name=f"Ośrodek {v}/{j}",
               voivodeship=v, population=60_000)
        for i, v in enumerate(ended) for j in range(3)
    ]  # fmt: skip
    nation = generated.Nation(55, centres)
    for centre in centres:
        for month, value in zip(H1, ended[centre.voivodeship], strict=True):
            nation.counts[(centre.pk, "ended", month)] = value
            nation.counts[(centre.pk, "achieved", month)] = value // 2
    return nation


def _pinned(parts: list[Decimal | None], pooled: Decimal | None) -> bool:
    """What the reader learns of one hidden part from the pooled value and the parts shown: a
    bound on one side, or the value itself."""
    shown = [p for p in parts if p is not None]
    if pooled is None or len(parts) - len(shown) != 1:
        return False
    return pooled < min(shown) or pooled > max(shown) or all(p == pooled for p in shown)


def test_a_rate_window_beside_one_quiet_month_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """A voivodeship's rate of 50 % every month, March quiet (hidden for its small base): the
    window of 50 % beside the five months shown would say March is 50 % too."""
    nation = _nation({"12": [10, 10, 2, 10, 10, 10]})
    monkeypatch.setattr(comparisons, "centre_series", nation.centre_series)
    answer = comparisons.scope_json(
        comparisons.scope_release(
            centres=nation.centres, definition=RATE, first=FIRST, last=LAST,
            audience=Audience.MINISTRY,
        )
    )  # fmt: skip
    months = [None if m["value"] is None else Decimal(m["value"]) for m in answer["monthly"]]
    assert months[2] is None and all(m == 50 for i, m in enumerate(months) if i != 2)
    assert answer["window"]["value"] is None and answer["window"]["status"] == "suppressed"


@settings(max_examples=60, deadline=None)
@given(
    # Per centre and month: quiet months (a base under k over the three centres) among busy.
    ended=st.lists(st.sampled_from((0, 1, 2, 10, 11, 12, 20)), min_size=6, max_size=6),
    achieved=st.lists(st.sampled_from((0.0, 0.3, 0.5, 0.7, 1.0)), min_size=6, max_size=6),
    audience=st.sampled_from([Audience.MINISTRY, Audience.REGION, Audience.PEER]),
)
def test_no_pooled_rate_is_shown_beside_exactly_one_hidden_month(
    ended: list[int], achieved: list[float], audience: Audience
) -> None:
    nation = _nation({"12": ended})
    for centre in nation.centres:
        for month, share in zip(H1, achieved, strict=True):
            total = nation.counts[(centre.pk, "ended", month)]
            nation.counts[(centre.pk, "achieved", month)] = int(total * share)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(comparisons, "centre_series", nation.centre_series)
        release = comparisons.scope_release(
            centres=nation.centres, definition=RATE, first=FIRST, last=LAST, audience=audience
        )
    months = [released for _, released, _ in release.months]
    window = release.window[0]
    with_data = [m for m in months if m.value is not None or m.status in SUPPRESSED_STATUSES]
    parts = [m.value for m in with_data]
    assert not _pinned(parts, window.value), (parts, window.value)


@pytest.mark.django_db
def test_the_countrys_rate_beside_one_hidden_voivodeship_is_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The country's export of the indicators: the rate of contracts achieved is 50 % in every
    voivodeship; one voivodeship is quiet (hidden). The country's 50 % beside the others would
    give it back."""
    nation = _nation({
        "02": [1, 0, 0, 1, 0, 0],
        "06": [10] * 6,
        "12": [12] * 6,
        "14": [14] * 6,
    })  # fmt: skip
    monkeypatch.setattr(export_tables, "pooled_by_area", nation.pooled_by_area)
    try:
        with transaction.atomic():
            assert generated.export(nation, NATIONAL, 2024, 1, tables=("indicators",))
            cells: dict[str, Any] = {
                column: (None if hidden else value)
                for column, value, hidden in PublishedCell.objects.filter(
                    table="indicators", row=RATE.code, scope=NATIONAL, period="2024-H1"
                ).values_list("column", "value", "hidden")
            }
            columns = [cells[v] for v in ("02", "06", "12", "14")]
            assert columns[0] is None and all(c == 50 for c in columns[1:])
            assert not _pinned(columns, cells["scope"]), (columns, cells["scope"])
            raise _Rollback
    except _Rollback:
        pass
