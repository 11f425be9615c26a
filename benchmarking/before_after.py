"""A centre's before/after report: each indicator's mean over a window before the centre's
go-live and over one after it, and the difference.

:func:`before_after_release` releases the two windows of every indicator through the gate for
the audience, with the counts behind them; :func:`before_after_json` is the report as outputs
carry it, with the windows the ledger or the linked audit hid marked hidden
(``benchmarking.centre_answers``). :func:`before_after` is both, with nothing recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from benchmarking.comparisons import (
    WINDOW_CHOICES,
    add_months,
    direction,
    last_complete_month,
    month_of,
    release,
)
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import Audience, CellStatus, DisclosureSettings, ReleasedValue
from benchmarking.selectors import (
    Figure,
    SeriesReader,
    centre_series,
    month_range,
    period_key,
    pool,
)
from opsplatform.errors import ValidationFailed
from tenants.models import Centre

BEFORE, AFTER = "before", "after"


@dataclass(frozen=True)
class WindowFigure:
    """One window of one indicator as released, with the count behind it (the summed
    numerators of a COUNT metric; 0 otherwise) and its months."""

    released: ReleasedValue
    count: int
    months: int


@dataclass(frozen=True)
class BeforeAfterRelease:
    report: dict[str, Any]  # centre, go-live, windows and notes; no figures
    before_period: str  # the window as a ledger period, e.g. "2023-04..2024-03"
    after_period: str | None
    metrics: list[tuple[MetricDefinition, WindowFigure, WindowFigure]]


def _window_label(first: dt.date, last: dt.date) -> str:
    return f"{first:%Y-%m}..{last:%Y-%m}"


Window = tuple[dt.date, dt.date]


def windows(
    go_live: dt.date, *, before_months: int, after_months: int, skip_months: int, today: dt.date
) -> tuple[Window, Window]:
    """The first and last months of the windows before and after a go-live (the after window
    ends before it starts when no month after the go-live is complete yet)."""
    go_live = go_live.replace(day=1)
    before = (add_months(go_live, -before_months), add_months(go_live, -1))
    after_first = add_months(go_live, skip_months)
    after = (
        after_first,
        min(add_months(after_first, after_months - 1), last_complete_month(today)),
    )
    return before, after


def before_after_release(
    *,
    centre: Centre,
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
    series: SeriesReader | None = None,
) -> BeforeAfterRelease:
    """Means over a window before the centre's go-live and one after it.

    Windows are aligned on the go-live month and chosen from WINDOW_CHOICES, never free, so that
    two reports cannot be differenced into a single month's value. Each window's value pools its
    months (ratios pool numerators and denominators) and passes the gate as one aggregate.
    ``series``: the snapshots read together for several centres.
    """
    errors: dict[str, list[str]] = {}
    for field, months in (("before_months", before_months), ("after_months", after_months)):
        if months not in WINDOW_CHOICES:
            errors[field] = [
                _("Okno porównania to %(choices)s miesięcy (wybierz jedną z tych wartości).")
                % {"choices": ", ".join(str(m) for m in WINDOW_CHOICES)}
            ]
    if skip_months not in (0, 3, 6):
        errors["skip_months"] = [_("Okres przejściowy po wdrożeniu to 0, 3 lub 6 miesięcy.")]
    if errors:
        raise ValidationFailed(fields=errors)
    programme = getattr(centre, "programme", None)
    if programme is None:
        raise ValidationFailed(
            _(
                "Ośrodek nie ma w rejestrze daty wdrożenia nowej struktury, więc nie ma z czym "
                "porównać."
            ),
            code="no_go_live",
        )
    before, after = windows(
        programme.go_live,
        before_months=before_months,
        after_months=after_months,
        skip_months=skip_months,
        today=today,
    )
    report: dict[str, Any] = {
        "centre": centre.slug,
        "go_live": programme.go_live.isoformat(),
        "go_live_assumed": "go_live" in programme.assumed_fields,
        "before": {"from": period_key(month_of(before[0])), "to": period_key(month_of(before[1]))},
        "after": None,
    }
    if after[1] < after[0]:
        report["note"] = _("Od wdrożenia nie minął jeszcze pełny miesiąc: brak okresu „po”.")
    else:
        report["after"] = {
            "from": period_key(month_of(after[0])),
            "to": period_key(month_of(after[1])),
        }
        if after[1] < add_months(after[0], after_months - 1):
            report["note"] = _(
                "Okres „po” jest krótszy niż wybrany, bo obejmuje tylko zakończone miesiące."
            )
    if programme.go_live.day != 1:
        report["go_live_month_note"] = _(
            "Wdrożenie nastąpiło w trakcie miesiąca; ten miesiąc liczy się do okresu „po”."
        )
    metrics = []
    for definition in definitions:
        figures = (series.series if series is not None else centre_series)(
            centre_ids=[centre.pk], definition=definition, first=before[0], last=after[1]
        ).get(centre.pk, {})
        before_figure = pool(
            definition, [figures[p] for p in month_range(*before) if p in figures], over="months"
        )
        after_figure = (
            pool(
                definition, [figures[p] for p in month_range(*after) if p in figures], over="months"
            )
            if report["after"]
            else None
        )
        metrics.append(
            (
                definition,
                _window(definition, before_figure, audience),
                _window(definition, after_figure, audience),
            )
        )
    return BeforeAfterRelease(
        report=report,
        before_period=_window_label(*before),
        after_period=_window_label(*after) if report["after"] else None,
        metrics=metrics,
    )


def _window(
    definition: MetricDefinition, figure: Figure | None, audience: Audience
) -> WindowFigure:
    counted = definition.disclosure == DisclosureClass.COUNT
    return WindowFigure(
        released=release(definition, figure, audience),
        count=int(figure.numerator) if counted and figure is not None else 0,
        months=figure.months if figure else 0,
    )


def before_after_json(
    release_: BeforeAfterRelease, hide: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, Any]:
    """The report as outputs carry it; ``(metric code, "before"|"after")`` in ``hide`` is shown
    as hidden (the suppression memory or the linked audit decided so), and a difference is only
    given between two shown values."""
    marker = DisclosureSettings.from_django().marker(CellStatus.COMPLEMENTARY)
    report = dict(release_.report)
    report["metrics"] = []
    for definition, before, after in release_.metrics:
        released_before, released_after = before.released, after.released
        if (definition.code, BEFORE) in hide and released_before.value is not None:
            released_before = ReleasedValue(None, CellStatus.COMPLEMENTARY, marker, "")
        if (definition.code, AFTER) in hide and released_after.value is not None:
            released_after = ReleasedValue(None, CellStatus.COMPLEMENTARY, marker, "")
        entry: dict[str, Any] = {
            "metric": definition.code,
            "version": definition.version,
            "name_pl": definition.name_pl,
            "unit": definition.unit,
            "aggregation": "mean_per_month"
            if definition.disclosure == DisclosureClass.COUNT
            else "pooled",
            "better": definition.better.value,
            "before": released_before.as_json(),
            "after": released_after.as_json(),
            "months_before": before.months,
            "months_after": after.months,
            "difference": None,
            "relative_change": None,
            "direction": None,
        }
        if released_before.value is not None and released_after.value is not None:
            difference = released_after.value - released_before.value
            entry["difference"] = str(difference)
            if released_before.value:
                entry["relative_change"] = str(
                    (difference / abs(released_before.value) * 100).quantize(Decimal("0.1"))
                )
            entry["direction"] = direction(definition, difference)
        report["metrics"].append(entry)
    return report


def before_after(
    *,
    centre: Centre,
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
) -> dict[str, Any]:
    """:func:`before_after_release` as outputs carry it, with nothing recorded in the ledger
    (callers that publish go through ``benchmarking.centre_answers``)."""
    return before_after_json(
        before_after_release(
            centre=centre,
            definitions=definitions,
            audience=audience,
            before_months=before_months,
            after_months=after_months,
            skip_months=skip_months,
            today=today,
        )
    )
