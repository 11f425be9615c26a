"""Parts that several benchmark pages show: one centre's series of an indicator, its before/after
report, its position in a cohort, the national distribution. Each is built by calling the same
``benchmarking.centre_answers`` function the API calls, for the page's audience and the reader's
family in the ledger, and only then turned into rows and charts: every figure here has passed
the gate and is recorded in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from benchmarking.centre_answers import (
    before_after_answer,
    before_after_answers,
    cohort_answer,
    series_answer,
)
from benchmarking.cohorts import Cohort
from benchmarking.comparisons import FREE_WINDOW, fixed_period
from benchmarking.definitions import Better, MetricDefinition, current_definitions
from benchmarking.disclosure import Audience
from benchmarking.exports.parameters import NATIONAL
from benchmarking.models import PublishedCell
from benchmarking.selectors import period_key
from benchmarking.ui.charts import BarChart, LineChart, bar_chart, line_chart
from benchmarking.ui.display import (
    BETTER_TEXT,
    DIRECTION_SYMBOL,
    DIRECTION_TEXT,
    Reason,
    Shown,
    display_unit,
    display_value,
    month_range_text,
    month_text,
    number_text,
    reasons_of,
    shown,
    signed_text,
    unit_text,
)
from benchmarking.ui.forms import BenchmarkForm
from opsplatform.errors import ValidationFailed
from tenants.models import Centre
from tenants.selectors import centre_list
from tenants.teryt import Voivodeship


@dataclass(frozen=True)
class Indicator:
    """What a page says about the indicator it shows (from the registry of definitions)."""

    code: str
    version: int
    name: str
    unit: str
    better: str
    numerator: str
    denominator: str
    norm: str | None
    per_month: bool


def indicator(definition: MetricDefinition) -> Indicator:
    return Indicator(
        code=definition.code,
        version=definition.version,
        name=definition.name_pl,
        unit=unit_text(definition),
        better=str(BETTER_TEXT[definition.better]),
        numerator=definition.numerator,
        denominator=definition.denominator,
        norm=number_text(Decimal(str(definition.norm))) if definition.norm is not None else None,
        per_month=definition.disclosure.value == "count",
    )


def go_live_of(centre: Centre) -> tuple[dt.date | None, bool]:
    programme = getattr(centre, "programme", None)
    if programme is None:
        return None, False
    return programme.go_live, "go_live" in programme.assumed_fields


def go_live_label(centre: Centre, *, named: bool = False) -> str:
    _day, assumed = go_live_of(centre)
    label = _("wdrożenie nowej struktury")
    if named:
        label = _("wdrożenie: %(centre)s") % {"centre": centre.short_name}
    return label + (" " + _("(data przyjęta)") if assumed else "")


def go_live_key(centre: Centre) -> str | None:
    day, _assumed = go_live_of(centre)
    return period_key((day.year, day.month)) if day else None


@dataclass(frozen=True)
class MonthRow:
    period: str
    month: str
    value: Shown


@dataclass(frozen=True)
class SeriesSection:
    rows: list[MonthRow]
    chart: LineChart
    reasons: list[Reason]


def series_section(
    *,
    centre: Centre,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
    family: tuple[str, str],
    chart_id: str,
    title: str,
) -> SeriesSection:
    values = series_answer(
        centre=centre,
        definition=definition,
        first=first,
        last=last,
        audience=audience,
        family=family,
        channel=PublishedCell.Channel.PAGE,
    )
    rows = [
        MonthRow(v["period"], month_text(v["period"]), shown(v, definition.unit)) for v in values
    ]
    key = go_live_key(centre)
    chart = line_chart(
        chart_id=chart_id,
        title=title,
        periods=[r.period for r in rows],
        series=[(centre.short_name, [r.value.value for r in rows])],
        unit=unit_text(definition),
        go_lives=[(key, go_live_label(centre))] if key else [],
    )
    return SeriesSection(rows, chart, reasons_of([r.value for r in rows]))


def direction_text(direction: str | None) -> str:
    return str(DIRECTION_TEXT[direction]) if direction else _("nie da się ocenić")


def direction_symbol(direction: str | None) -> str:
    return DIRECTION_SYMBOL.get(direction or "", "?")


def difference_text(entry: dict[str, Any]) -> str:
    """The signed difference of a before/after entry (percentage points for a share)."""
    return signed_text(
        entry["difference"], suffix=" p.p." if entry["unit"] == "%" else "", unit=entry["unit"]
    )


@dataclass(frozen=True)
class BeforeAfterRow:
    code: str
    name: str
    unit: str
    per_month: bool
    before: Shown
    after: Shown
    difference: str
    relative: str
    direction: str | None
    direction_text: str
    symbol: str
    months_before: int
    months_after: int
    selected: bool


@dataclass(frozen=True)
class BeforeAfterSection:
    go_live: dt.date
    go_live_assumed: bool
    before_from: str
    before_to: str
    after_from: str | None
    after_to: str | None
    notes: list[str]
    rows: list[BeforeAfterRow]
    reasons: list[Reason]
    chart: SeriesSection
    before_range: str = ""  # the months, mid-phrase: "październik 2018 – wrzesień 2019"
    after_range: str | None = None


def before_after_section(
    *,
    centre: Centre,
    definition: MetricDefinition,
    audience: Audience,
    family: tuple[str, str],
    before_months: int,
    after_months: int,
    skip_months: int,
    today: dt.date,
    chart_id: str,
) -> BeforeAfterSection:
    """The before/after report of every current indicator, and the chosen indicator's months
    across both windows as a chart. Raises ValidationFailed (e.g. no go-live date)."""
    report = before_after_answer(
        centre=centre,
        definitions=current_definitions(),
        audience=audience,
        family=family,
        before_months=before_months,
        after_months=after_months,
        skip_months=skip_months,
        today=today,
        channel=PublishedCell.Channel.PAGE,
    )
    rows = []
    for entry in report["metrics"]:
        direction = entry["direction"]
        relative = entry["relative_change"]
        rows.append(
            BeforeAfterRow(
                code=entry["metric"],
                name=entry["name_pl"],
                unit=display_unit(entry["unit"]),
                per_month=entry["aggregation"] == "mean_per_month",
                before=shown(entry["before"], entry["unit"]),
                after=shown(entry["after"], entry["unit"]),
                difference=difference_text(entry),
                relative=signed_text(relative, suffix=" %") if relative is not None else "–",
                direction=direction,
                direction_text=direction_text(direction),
                symbol=direction_symbol(direction),
                months_before=entry["months_before"],
                months_after=entry["months_after"],
                selected=entry["metric"] == definition.code,
            )
        )
    notes = [report[key] for key in ("note", "go_live_month_note") if report.get(key)]
    before, after = report["before"], report["after"]
    last_key = after["to"] if after else before["to"]
    chart = series_section(
        centre=centre,
        definition=definition,
        first=dt.date.fromisoformat(before["from"] + "-01"),
        last=dt.date.fromisoformat(last_key + "-01"),
        audience=audience,
        family=family,
        chart_id=chart_id,
        title=_("%(indicator)s przed i po wdrożeniu nowej struktury")
        % {"indicator": definition.name_pl},
    )
    values = [r.before for r in rows] + [r.after for r in rows]
    return BeforeAfterSection(
        go_live=dt.date.fromisoformat(report["go_live"]),
        go_live_assumed=report["go_live_assumed"],
        before_from=month_text(before["from"]),
        before_to=month_text(before["to"]),
        after_from=month_text(after["from"]) if after else None,
        after_to=month_text(after["to"]) if after else None,
        before_range=month_range_text(before["from"], before["to"]),
        after_range=month_range_text(after["from"], after["to"]) if after else None,
        notes=notes,
        rows=rows,
        reasons=reasons_of(values),
        chart=chart,
    )


def error_text(error: ValidationFailed) -> str:
    """A refusal's message and its field messages, as one Polish sentence for the page."""
    return " ".join([error.message, *(m for ms in error.fields.values() for m in ms)])


def before_after_or_error(**kwargs: Any) -> tuple[BeforeAfterSection | None, str | None]:
    """The before/after section, or the Polish reason it cannot be shown."""
    try:
        return before_after_section(**kwargs), None
    except ValidationFailed as error:
        return None, error_text(error)


def go_live_context(centre: Centre) -> dict[str, Any]:
    """The centre's go-live date and whether it was assumed, for a page's header."""
    go_live, assumed = go_live_of(centre)
    return {"go_live": go_live, "go_live_assumed": assumed}


def centre_sections(
    *,
    centre: Centre,
    form: BenchmarkForm,
    audience: Audience,
    family: tuple[str, str],
    today: dt.date,
    series_title: str,
) -> dict[str, Any]:
    """What a page of one centre shows for a valid form (the centre's own page and a
    coordinator's page of one centre): the indicator, its months and the before/after report,
    each through the same ``benchmarking.comparisons`` call as the API, for ``audience``."""
    definition = form.definition
    first, last = form.window
    before_after, before_after_error = before_after_or_error(
        centre=centre,
        definition=definition,
        audience=audience,
        family=family,
        today=today,
        chart_id="before-after-chart",
        **form.window_months,
    )
    return {
        "indicator": indicator(definition),
        "series": series_section(
            centre=centre,
            definition=definition,
            first=first,
            last=last,
            audience=audience,
            family=family,
            chart_id="series-chart",
            title=series_title,
        ),
        "before_after": before_after,
        "before_after_error": before_after_error,
    }


@dataclass(frozen=True)
class PeerRow:
    label: str
    value: Shown
    own: bool


@dataclass(frozen=True)
class CohortSection:
    name: str
    members: int
    comparable: int
    allowed: bool
    reason: str
    quartiles: list[str]
    quartile_values: list[Decimal]
    peers: list[PeerRow]
    position: dict[str, Any] | None
    position_note: str
    pooled: Shown | None
    pooled_reason: str
    chart: BarChart | None
    release: str


QUARTILE_LABELS = ("Q1", "mediana", "Q3")


def _published(value: str, unit: str) -> Shown:
    return shown({"value": value, "status": "published", "marker": None, "reason": ""}, unit)


def cohort_section(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
    family: tuple[str, str],
    chart_id: str,
) -> CohortSection:
    """A cohort's distribution and, for a centre, its position among pseudonymous peers; or the
    reason the comparison may not be shown. For the national view (no viewer) the peers are left
    out, as the API leaves them out of a coordinator's comparison."""
    if fixed_period(first, last) is None:
        # The same rule as the API's: a cohort figure is one calendar period, never a free window.
        figures: dict[str, Any] = {
            "cohort_name": cohort.name_pl,
            "members": 0,
            "comparable": 0,
            "allowed": False,
            "reason": FREE_WINDOW,
        }
    else:
        figures = cohort_answer(
            cohort=cohort,
            definition=definition,
            first=first,
            last=last,
            viewer=viewer,
            family=family,
            channel=PublishedCell.Channel.PAGE,
        )
    allowed = bool(figures["allowed"])
    quartiles = [display_value(Decimal(q), definition.unit) for q in figures.get("quartiles", [])]
    peers: list[PeerRow] = []
    position = figures.get("position") if viewer is not None else None
    if allowed and viewer is not None:
        peers = [
            PeerRow(p["pseudonym"], _published(p["value"], definition.unit), False)
            for p in figures["peers"]
        ]
        if position:
            peers.append(
                PeerRow(_("Twój ośrodek"), _published(position["value"], definition.unit), True)
            )
        peers.sort(
            key=lambda p: p.value.value or Decimal(0),
            reverse=definition.better != Better.LOWER,
        )
    chart = None
    if allowed:
        rows = [(p.label, p.value.value, p.value.text, p.own) for p in peers]
        if viewer is None:
            rows = []
        chart = (
            bar_chart(
                chart_id=chart_id,
                title=_("Pozycja wśród ośrodków grupy „%(cohort)s”: %(indicator)s")
                % {"cohort": figures["cohort_name"], "indicator": definition.name_pl},
                rows=rows,
                unit=unit_text(definition),
                quartiles=list(zip(QUARTILE_LABELS, quartiles, strict=True)),
                intro=_("Ośrodki grupy pod pseudonimami, od najlepszej wartości."),
            )
            if rows
            else None
        )
    pooled_raw = figures.get("pooled")
    return CohortSection(
        name=figures["cohort_name"],
        members=figures["members"],
        comparable=figures["comparable"],
        allowed=allowed,
        reason=figures.get("reason", ""),
        quartiles=[number_text(q) for q in quartiles],
        quartile_values=quartiles,
        peers=peers,
        position=position,
        position_note=figures.get("position_note", ""),
        pooled=shown(pooled_raw, definition.unit) if pooled_raw else None,
        pooled_reason=figures.get("pooled_reason", ""),
        chart=chart,
        release=figures.get("release", ""),
    )


def scope_choices() -> list[tuple[str, str]]:
    """The country and the voivodeships that have centres on the platform (the scopes an
    aggregate or an export can have)."""
    present = {c.voivodeship for c in centre_list()}
    return [(NATIONAL, _("Polska – wszystkie ośrodki na platformie"))] + [
        (code, _("województwo %(name)s") % {"name": name})
        for code, name in Voivodeship.choices
        if code in present
    ]


def sorted_by_name(centres: Sequence[Centre]) -> list[Centre]:
    return sorted(centres, key=lambda c: c.short_name)


@dataclass(frozen=True)
class WindowChange:
    """One indicator of one centre before and after its go-live (a row of a region's table)."""

    before: Shown
    after: Shown
    difference: str
    direction_text: str
    symbol: str
    direction: str | None


def window_changes(
    *,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    audience: Audience,
    family: tuple[str, str],
    before_months: int,
    after_months: int,
    skip_months: int,
    today: dt.date,
) -> dict[int, tuple[WindowChange | None, str]]:
    """Each centre's (by pk) chosen indicator before/after its go-live, or the reason it is
    missing: the before/after answers of all of them, read and recorded together."""
    reports = before_after_answers(
        centres=centres,
        definitions=[definition],
        audience=audience,
        family=family,
        channel=PublishedCell.Channel.PAGE,
        before_months=before_months,
        after_months=after_months,
        skip_months=skip_months,
        today=today,
    )
    changes: dict[int, tuple[WindowChange | None, str]] = {}
    for pk, report in reports.items():
        if isinstance(report, ValidationFailed):
            changes[pk] = (None, error_text(report))
            continue
        entry = report["metrics"][0]
        direction = entry["direction"]
        changes[pk] = (
            WindowChange(
                before=shown(entry["before"], entry["unit"]),
                after=shown(entry["after"], entry["unit"]),
                difference=difference_text(entry),
                direction_text=direction_text(direction),
                symbol=direction_symbol(direction),
                direction=direction,
            ),
            report.get("note", ""),
        )
    return changes
