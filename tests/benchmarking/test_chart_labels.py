"""The bar chart's quartile labels (Q1, mediana, Q3) never print on top of each other, even when
the quartiles are equal, at the wide (1280 px page) and the phone drawing alike: each label's box,
estimated from the stylesheet's font size, is apart from the others and inside the drawing."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from benchmarking.ui.charts import BarChart, bar_chart
from benchmarking.ui.sections import QUARTILE_LABELS

FONT_PX = 12.0  # .bm-chart .quartile-label (benchmarks.css), text-anchor: middle
CHAR_WIDTH = 0.62 * FONT_PX  # generous for Latin letters in a sans-serif face
ASCENT, DESCENT = 0.8 * FONT_PX, 0.25 * FONT_PX

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _boxes(chart: BarChart) -> list[Box]:
    boxes = []
    for q in chart.quartiles:
        half = len(q.label) * CHAR_WIDTH / 2
        boxes.append((q.x - half, q.label_y - ASCENT, q.x + half, q.label_y + DESCENT))
    return boxes


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawings(quartiles: list[Decimal]) -> list[BarChart]:
    chart = bar_chart(
        chart_id="c",
        title="t",
        rows=[("A", Decimal("40"), "40", False), ("B", Decimal("52.5"), "52,5", True)],
        unit="%",
        quartiles=list(zip(QUARTILE_LABELS, quartiles, strict=True)),
    )
    assert chart.narrow is not None
    return [chart, chart.narrow]


@pytest.mark.parametrize(
    "quartiles",
    [
        [Decimal("38.2"), Decimal("38.2"), Decimal("38.2")],  # all three on one line
        [Decimal("38.0"), Decimal("38.5"), Decimal("39.0")],  # close together
        [Decimal("0"), Decimal("26"), Decimal("52.5")],  # at the edges of the scale
    ],
)
def test_quartile_labels_do_not_overlap(quartiles: list[Decimal]) -> None:
    for chart in _drawings(quartiles):
        boxes = _boxes(chart)
        assert len(boxes) == 3
        for a, b in itertools.combinations(boxes, 2):
            assert not _overlap(a, b), (chart.width, a, b)
        for left, top, right, bottom in boxes:
            assert left >= 0 and right <= chart.width, (chart.width, left, right)
            assert top >= 0 and bottom <= chart.top, (top, bottom, chart.top)  # above the bars


def test_the_box_estimate_catches_labels_on_one_line() -> None:
    """The check itself: two labels drawn at the same height and place do overlap."""
    chart = _drawings([Decimal("38.2")] * 3)[0]
    first = _boxes(chart)[0]
    assert _overlap(first, first)
