"""Charts on a phone: each chart has a twin drawn for a phone's width, whole
(every bar, value label and quartile line inside it, the trend to its last month), instead of the
wide drawing cut by a box that scrolls sideways."""

from __future__ import annotations

from decimal import Decimal

from benchmarking.ui.charts import NARROW_WIDTH, WIDTH, bar_chart, line_chart


def test_the_bar_chart_has_a_whole_phone_twin() -> None:
    rows = [
        ("Ośrodek A", Decimal("38.2"), "38,2", False),
        ("Ośrodek B", Decimal("61.5"), "61,5", False),
        ("Twój ośrodek", Decimal("12.0"), "12,0", True),
        ("Ośrodek C", None, "za mało przypadków", False),
    ]
    quartiles = [("Q1", Decimal("20")), ("mediana", Decimal("38")), ("Q3", Decimal("55"))]
    chart = bar_chart(chart_id="c", title="T", rows=rows, unit="%", quartiles=quartiles)
    narrow = chart.narrow
    assert chart.width == WIDTH and narrow is not None and narrow.width == NARROW_WIDTH
    assert narrow.chart_id != chart.chart_id and narrow.narrow is None
    for bar in narrow.bars:
        if bar.width is not None:
            assert narrow.plot_left + bar.width <= narrow.plot_right
            assert bar.text_x + 6 * len(bar.text) <= NARROW_WIDTH  # the value label fits
    widths = [bar.width for bar in narrow.bars if bar.width is not None]
    assert max(widths) > 2 * min(widths)  # the bars differ as the values do
    assert all(narrow.plot_left <= q.x <= narrow.plot_right for q in narrow.quartiles)


def test_the_trend_reaches_its_last_month_on_a_phone() -> None:
    periods = [f"2025-{m:02d}" for m in range(1, 13)]
    values = [Decimal(v) for v in range(10, 22)]
    chart = line_chart(chart_id="t", title="T", periods=periods, series=[("A", values)], unit="%")
    narrow = chart.narrow
    assert narrow is not None and narrow.width == NARROW_WIDTH
    assert narrow.right <= NARROW_WIDTH
    last_point = narrow.series[0].paths[0].split("L")[-1]
    assert float(last_point.split(",")[0]) == narrow.right  # December is drawn, inside
    assert len(narrow.x_ticks) <= 4  # fewer month labels, apart from each other
