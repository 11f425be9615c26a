"""Pooling in PostgreSQL (``selectors.pooled_by_voivodeship``, ``selectors.pooled_by_centre``:
one row per voivodeship and month, or per centre, instead of every centre's months) gives the
same figures as pooling the snapshots in Python (``selectors.pool``), to the digit, for every
metric of the demo centres' history (magnitudes with the bound of their top contributors'
share)."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarking.definitions import current_definitions
from benchmarking.selectors import (
    centre_series,
    month_range,
    pool,
    pool_scope,
    pooled_by_centre,
    pooled_by_voivodeship,
)
from tenants.models import Centre

pytestmark = [pytest.mark.usefixtures("benchmark_data"), pytest.mark.django_db]

WINDOWS = [
    (dt.date(2024, 1, 1), dt.date(2024, 6, 1)),
    (dt.date(2018, 3, 1), dt.date(2019, 2, 1)),
    (dt.date(2016, 1, 1), dt.date(2024, 12, 1)),
]


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]:%Y-%m}..{w[1]:%Y-%m}")
def test_the_database_pools_as_python_does(window: tuple[dt.date, dt.date]) -> None:
    first, last = window
    centres = list(Centre.objects.order_by("slug"))
    voivodeships = sorted({c.voivodeship for c in centres})
    compared = bounded = 0
    for definition in current_definitions():
        series = centre_series(
            centre_ids=[c.pk for c in centres], definition=definition, first=first, last=last
        )
        by_voivodeship = pooled_by_voivodeship(
            voivodeships=voivodeships, definition=definition, first=first, last=last
        )
        for code in voivodeships:
            members = [c for c in centres if c.voivodeship == code]
            months, _ = pool_scope(definition, series, members, month_range(first, last))
            assert by_voivodeship[code] == months, (definition.code, code)
            compared += sum(1 for _, figure in months if figure is not None)
        by_centre = pooled_by_centre(
            centre_ids=[c.pk for c in centres], definition=definition, first=first, last=last
        )
        expected = {
            pk: figure
            for pk, figures in series.items()
            if (figure := pool(definition, figures.values(), over="months")) is not None
        }
        assert by_centre == expected, definition.code
        compared += len(expected)
        bounded += sum(1 for figure in expected.values() if figure.top_shares)
    assert compared > 100  # the demo's history gives figures to compare in every window
    assert bounded  # and magnitudes whose top contributors' share is bounded
