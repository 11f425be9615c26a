"""Server-side SVG charts of released figures: a line chart of several monthly series (with the
go-live month marked) and a horizontal bar chart of one value per centre or peer.

The functions only place what they are given: every value has already passed the gate. A chart
is drawn by ``benchmarking/ui/_line_chart.html`` or ``_bar_chart.html`` as an ``<svg role="img">``
labelled by its title and description, and every page puts the same figures in a table next to
it. Series differ by colour, dash pattern and marker shape, so no meaning rests on colour alone.
Coordinates are rounded to one decimal; values that were withheld leave a gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from benchmarking.ui.display import month_short, number_text

WIDTH = 640
# A phone's chart: drawn for its own width (not the wide one shrunk, whose text became too small
# to read, nor cut by a box that scrolls sideways); benchmarks.css shows one or the other.
NARROW_WIDTH = 360
STYLES = 6  # distinct combinations of colour, dash pattern and marker shape (see benchmarks.css)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Marker:
    """A vertical dashed line at a go-live month, labelled at the top (the label sits left of
    the line in the right half of the chart, so it stays inside)."""

    x: float
    label: str
    label_y: float
    label_left: bool


@dataclass(frozen=True)
class LineSeries:
    name: str
    style: int
    paths: tuple[str, ...]
    markers: tuple[str, ...]
    key_marker: str  # the series' marker drawn in its legend key

    @property
    def style_class(self) -> str:
        return f"s{self.style}"


class _Labelled:
    """The ids a chart's ``<title>`` and ``<desc>`` carry (its ``aria-labelledby``)."""

    chart_id: str

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.chart_id}-desc"


@dataclass(frozen=True)
class LineChart(_Labelled):
    chart_id: str
    title: str
    description: str
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[LineSeries, ...]
    go_lives: tuple[Marker, ...]
    y_label: str
    empty: bool
    width: int = WIDTH
    narrow: LineChart | None = None  # the same chart drawn for a phone

    @property
    def x_label_y(self) -> float:
        return self.bottom + 18


def _nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    """A scale from zero (or below, for negative values) with round steps."""
    low = min(low, 0.0)
    if high <= low:
        high = low + 1
    raw = (high - low) / (ticks - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _tick_label(value: float) -> str:
    return number_text(Decimal(str(round(value, 6))).normalize())


def _r(value: float) -> float:
    return round(value, 1)


def _ticks(low: float, high: float, step: float, at: Callable[[float], float]) -> list[Tick]:
    """A labelled tick every ``step`` from ``low`` to ``high``, placed by ``at``."""
    ticks = []
    tick = low
    while tick <= high + step / 1000:
        ticks.append(Tick(_r(at(tick)), _tick_label(tick)))
        tick += step
    return ticks


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_r(px)},{_r(py)}" for px, py in points) + "Z"


def marker_path(style: int, x: float, y: float, size: float = 4.0) -> str:
    """The marker shape of a series style: circle, square, triangle, diamond, inverted triangle,
    ring-like hexagon."""
    shape = style % STYLES
    s = size
    if shape == 0:
        return f"M{_r(x - s)},{_r(y)}a{s},{s} 0 1,0 {2 * s},0a{s},{s} 0 1,0 {-2 * s},0Z"
    if shape == 1:
        return f"M{_r(x - s)},{_r(y - s)}h{2 * s}v{2 * s}h{-2 * s}Z"
    if shape == 2:
        return _polygon([(x, y - 1.3 * s), (x + 1.2 * s, y + s), (x - 1.2 * s, y + s)])
    if shape == 3:
        return _polygon([(x, y - 1.4 * s), (x + 1.4 * s, y), (x, y + 1.4 * s), (x - 1.4 * s, y)])
    if shape == 4:
        return _polygon([(x, y + 1.3 * s), (x + 1.2 * s, y - s), (x - 1.2 * s, y - s)])
    points = [
        (x + s * 1.2 * math.cos(math.pi / 3 * i), y + s * 1.2 * math.sin(math.pi / 3 * i))
        for i in range(6)
    ]
    return _polygon(points)


def _series_summary(name: str, values: Sequence[Decimal | None], unit: str) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return _("%(name)s: brak wartości do pokazania.") % {"name": name}
    return _("%(name)s: %(count)s z %(total)s miesięcy, od %(low)s do %(high)s %(unit)s.") % {
        "name": name,
        "count": len(present),
        "total": len(values),
        "low": number_text(min(present)),
        "high": number_text(max(present)),
        "unit": unit,
    }


def line_chart(
    *,
    chart_id: str,
    title: str,
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    unit: str,
    go_lives: Sequence[tuple[str, str]] = (),
    height: int = 300,
    width: int = WIDTH,
) -> LineChart:
    """Monthly series (one value or None per period key 'RRRR-MM') on one chart; with a narrow
    twin for a phone (``narrow``), whose month labels are fewer so that they stay apart."""
    narrow_width = width < WIDTH
    left, right = (48.0, width - 14.0) if narrow_width else (62.0, width - 34.0)
    top, bottom = 40.0, height - 34.0
    values = [float(v) for _name, vs in series for v in vs if v is not None]
    low, high, step = _nice_scale(min(values, default=0.0), max(values, default=1.0))
    count = len(periods)
    span = (right - left) / max(count - 1, 1)

    def x_at(index: int) -> float:
        return left + index * span if count > 1 else (left + right) / 2

    def y_at(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    y_ticks = _ticks(low, high, step, y_at)
    every = max(math.ceil(count / (3 if narrow_width else 6)), 1)
    x_ticks = tuple(
        Tick(_r(x_at(i)), month_short(key)) for i, key in enumerate(periods) if i % every == 0
    )
    drawn = []
    for index, (name, series_values) in enumerate(series):
        style = index % STYLES
        paths: list[str] = []
        markers: list[str] = []
        current: list[str] = []
        for i, value in enumerate(series_values):
            if value is None:
                if len(current) > 1:
                    paths.append("M" + "L".join(current))
                current = []
                continue
            x, y = _r(x_at(i)), _r(y_at(float(value)))
            current.append(f"{x},{y}")
            markers.append(marker_path(style, x, y))
        if len(current) > 1:
            paths.append("M" + "L".join(current))
        drawn.append(
            LineSeries(name, style, tuple(paths), tuple(markers), marker_path(style, 18, 7))
        )
    summary = [
        _("Wykres liniowy: %(unit)s w kolejnych miesiącach od %(first)s do %(last)s.")
        % {
            "unit": unit,
            "first": month_short(periods[0]) if periods else "–",
            "last": month_short(periods[-1]) if periods else "–",
        }
    ]
    markers_at: list[Marker] = []
    for go_live, label in go_lives:
        if go_live not in periods:
            continue
        index = periods.index(go_live)
        position = max(x_at(index) - (span / 2 if count > 1 else 0), left)
        label_y = top - 8 - 13 * (len(markers_at) % 2)
        markers_at.append(Marker(_r(position), label, label_y, position > (left + right) / 2))
        summary.append(
            _("Pionowa linia przerywana: %(label)s (%(month)s).")
            % {"label": label, "month": month_short(go_live)}
        )
    summary.extend(_series_summary(name, vs, unit) for name, vs in series)
    return LineChart(
        chart_id=chart_id,
        title=title,
        description=" ".join(summary),
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=tuple(y_ticks),
        series=tuple(drawn),
        go_lives=tuple(markers_at),
        y_label=unit,
        empty=not values,
        width=width,
        narrow=None
        if narrow_width
        else line_chart(
            chart_id=f"{chart_id}-n",
            title=title,
            periods=periods,
            series=series,
            unit=unit,
            go_lives=go_lives,
            height=height,
            width=NARROW_WIDTH,
        ),
    )


@dataclass(frozen=True)
class Bar:
    label: str
    top: float
    width: float | None
    text: str
    text_x: float
    highlight: bool
    bar_height: float

    @property
    def label_y(self) -> float:
        return _r(self.top + self.bar_height / 2 + 4.5)


@dataclass(frozen=True)
class Quartile:
    x: float
    label: str
    label_y: float


@dataclass(frozen=True)
class BarChart(_Labelled):
    chart_id: str
    title: str
    description: str
    height: int
    plot_left: float
    plot_right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    bars: tuple[Bar, ...]
    quartiles: tuple[Quartile, ...]
    empty: bool
    width: int = WIDTH
    narrow: BarChart | None = None  # the same chart drawn for a phone

    @property
    def pattern_id(self) -> str:
        return f"{self.chart_id}-hatch"

    @property
    def label_x(self) -> float:
        return self.plot_left - 8

    @property
    def tick_label_y(self) -> float:
        return self.bottom + 16


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Decimal | None, str, bool]],
    unit: str,
    quartiles: Sequence[tuple[str, Decimal]] = (),
    intro: str = "",
    width: int = WIDTH,
) -> BarChart:
    """One horizontal bar per row ``(label, value or None, shown text, highlighted)``; a row whose
    value was withheld shows its marker instead of a bar. Quartiles are drawn as dashed lines."""
    row_height, bar_height = 30.0, 18.0
    top = 12.0 + 13.0 * len(quartiles)
    bottom = top + row_height * len(rows)
    height = int(bottom + 28)
    narrow_width = width < WIDTH
    plot_left, plot_right = (112.0, width - 58.0) if narrow_width else (180.0, width - 78.0)
    values = [float(r[1]) for r in rows if r[1] is not None] + [float(q[1]) for q in quartiles]
    _low, high, step = _nice_scale(0.0, max(values, default=1.0), ticks=5)

    def x_at(value: float) -> float:
        return plot_left + value / high * (plot_right - plot_left)

    ticks = _ticks(0.0, high, step, x_at)
    bars = []
    for i, (label, value, text, highlight) in enumerate(rows):
        bar_top = top + i * row_height + (row_height - bar_height) / 2
        if value is None:
            bars.append(Bar(label, _r(bar_top), None, text, plot_left + 4, highlight, bar_height))
        else:
            end = x_at(float(value))
            bars.append(
                Bar(label, _r(bar_top), _r(end - plot_left), text, _r(end + 6), highlight,
                    bar_height)
            )  # fmt: skip
    lines = tuple(
        Quartile(_r(x_at(float(q))), label, 11.0 + 13.0 * i)
        for i, (label, q) in enumerate(quartiles)
    )
    parts = [intro] if intro else []
    parts.append(_("Wykres słupkowy poziomy, wartości w jednostce: %(unit)s.") % {"unit": unit})
    parts.extend(
        f"{label}: {text}{' (' + _('wyróżniony') + ')' if highlight else ''}."
        for label, _value, text, highlight in rows
    )
    if quartiles:
        parts.append(
            _("Linie przerywane: %(lines)s.")
            % {"lines": ", ".join(f"{label} {number_text(q)}" for label, q in quartiles)}
        )
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=" ".join(parts),
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        top=top,
        bottom=bottom,
        ticks=tuple(ticks),
        bars=tuple(bars),
        quartiles=lines,
        empty=not any(r[1] is not None for r in rows),
        width=width,
        narrow=None
        if narrow_width
        else bar_chart(
            chart_id=f"{chart_id}-n",
            title=title,
            rows=rows,
            unit=unit,
            quartiles=quartiles,
            intro=intro,
            width=NARROW_WIDTH,
        ),
    )
