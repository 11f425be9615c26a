"""Comparisons of reorganisation indicators: a centre's own series and before/after report, its
position in a predefined cohort, a coordinator's named centres, the ministry's aggregates.

Every value returned here has passed ``benchmarking.disclosure`` for its audience: the centre's
own staff (nothing suppressed, they see the records anyway), peers (pseudonymous), a regional
coordinator (named centres of their voivodeships) or the ministry (aggregates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from benchmarking.definitions import Better, DisclosureClass, MetricDefinition
from benchmarking.disclosure import (
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    CentreParts,
    CountTable,
    DisclosureSettings,
    ReleasedValue,
    Subject,
    TableSpec,
    protect_table,
    release_value,
    scope_refusal,
)
from benchmarking.selectors import (
    Figure,
    Period,
    SeriesReader,
    centre_series,
    month_range,
    period_key,
    pool,
    pool_scope,
)
from benchmarking.services import previous_month
from opsplatform.errors import ValidationFailed
from tenants.models import Centre

WINDOW_CHOICES = (3, 6, 12, 24)
MIN_COHORT = 5
MAX_CONTRIBUTION = 0.25


def cohort_rules() -> tuple[int, float]:
    configured = getattr(settings, "BENCHMARK_DISCLOSURE", {})
    return (
        int(configured.get("min_cohort", MIN_COHORT)),
        float(configured.get("max_contribution", MAX_CONTRIBUTION)),
    )


def shown(definition: MetricDefinition, value: Decimal | None) -> Decimal | None:
    """A value as people read it: shares in per cent, one decimal; others two decimals."""
    if value is None:
        return None
    if definition.unit == "%":
        return (value * 100).quantize(Decimal("0.1"))
    return value.quantize(Decimal("0.01"))


def release(
    definition: MetricDefinition,
    figure: Figure | None,
    audience: Audience,
    *,
    centres: Sequence[Decimal] | CentreParts | None = None,
    gate: DisclosureSettings | None = None,
) -> ReleasedValue:
    """The one way a figure leaves this module: through the gate, for its audience.
    ``centres``: the contributions of the centres behind an aggregate (centre-level rules).
    ``gate``: the gate's settings, when the caller has read them (else read here)."""
    figure = figure or Figure(Decimal(0), None, None, 0)
    return release_value(
        disclosure=definition.disclosure,
        subject=Subject(definition.subject),
        value=shown(definition, figure.value),
        numerator=figure.numerator,
        denominator=figure.denominator,
        n=figure.n,
        top_shares=figure.top_shares,
        audience=audience,
        centres=centres,
        settings=gate,
    )


def centre_contributions(
    definition: MetricDefinition,
    by_centre: Mapping[int, Mapping[Period, Figure]],
    centres: Sequence[Centre],
    periods: Sequence[Period] | None = None,
) -> list[Decimal]:
    """What each centre contributes to an aggregate of ``centres`` (over ``periods``, or over
    everything in ``by_centre``): its count, base or sum; 0 for a centre without data."""
    parts: list[Decimal] = []
    for centre in centres:
        own = by_centre.get(centre.pk, {})
        figures = [f for p, f in own.items() if periods is None or p in periods]
        figure = pool(definition, figures, over="months") if figures else None
        parts.append(base_of(definition, figure) if figure is not None else Decimal(0))
    return parts


def last_complete_month(today: dt.date) -> dt.date:
    return previous_month(today)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def check_window(first: dt.date, last: dt.date, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["to"] = [_("Koniec okresu nie może być przed jego początkiem.")]
    if first.replace(day=1) > today.replace(day=1):
        errors["from"] = [_("Okres nie może zaczynać się w przyszłości.")]
    if (last.year - first.year) * 12 + last.month - first.month >= 12 * 12:
        errors["to"] = [_("Okres porównania może mieć najwyżej 12 lat.")]
    if errors:
        raise ValidationFailed(fields=errors)


FREE_WINDOW = (
    "Zestawienie zbiorcze obejmuje jeden okres kalendarzowy: miesiąc, kwartał, półrocze albo "
    "rok (np. od 2024-01 do 2024-06 to I półrocze 2024, od 2024-04 do 2024-06 – II kwartał). "
    "Dowolnych okien nie liczymy, bo odejmując od siebie dwa okna dałoby się odtworzyć wartości "
    "pojedynczych miesięcy, także tych ukrytych."
)


def fixed_period(first: dt.date, last: dt.date) -> str | None:
    """The calendar period ``first``–``last`` covers exactly (``2024``, ``2024-H1``,
    ``2024-Q2``, ``2024-03``), or None for any other window.

    Why fixed periods and not cell-key perturbation: a free window pooled over months gives a
    month as the difference of two windows (window × months − shorter window × its months).
    Fixed calendar periods form a small hierarchy (month ⊂ quarter ⊂ half-year ⊂ year) whose
    relations the gate knows: the months of an answer are protected together with its window,
    and exports together with the other half-years of the year. Perturbation would make every
    figure noisy for everyone, while staff need exact figures of their own centre."""
    if first.day != 1 or last.day != 1 or first.year != last.year:
        return None
    months = last.month - first.month + 1
    if months == 1:
        return f"{first.year}-{first.month:02d}"
    if months == 3 and first.month in (1, 4, 7, 10):
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    if months == 6 and first.month in (1, 7):
        return f"{first.year}-H{1 if first.month == 1 else 2}"
    if months == 12:
        return str(first.year)
    return None


def check_fixed_period(first: dt.date, last: dt.date) -> str:
    """The window's calendar period, or ValidationFailed on ``from`` for a free window."""
    label = fixed_period(first, last)
    if label is None:
        raise ValidationFailed(fields={"from": [FREE_WINDOW]}, code="free_window")
    return label


def last_complete_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The default window of a pooled answer: the last complete calendar year."""
    year = last_complete_month(today).year
    if last_complete_month(today).month != 12:
        year -= 1
    return dt.date(year, 1, 1), dt.date(year, 12, 1)


def definition_json(definition: MetricDefinition) -> dict[str, Any]:
    return {
        "code": definition.code,
        "version": definition.version,
        "name_pl": definition.name_pl,
        "name_en": definition.name_en,
        "unit": definition.unit,
        "better": definition.better.value,
        "numerator": definition.numerator,
        "denominator": definition.denominator,
        "disclosure_class": definition.disclosure.value,
        "subject": definition.subject,
        "norm": definition.norm,
    }


def series_release(
    *,
    centre: Centre,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
) -> list[tuple[str, ReleasedValue, int]]:
    """One centre's months, each released for the audience, with the count behind each (the
    month's numerator for COUNT metrics, which the ledger and the linked audit work with; 0
    otherwise). Months with no snapshot are released as empty."""
    figures = centre_series(centre_ids=[centre.pk], definition=definition, first=first, last=last)
    own = figures.get(centre.pk, {})
    counted = definition.disclosure == DisclosureClass.COUNT
    months = []
    for period in month_range(first, last):
        figure = own.get(period)
        count = int(figure.numerator) if counted and figure is not None else 0
        months.append((period_key(period), release(definition, figure, audience), count))
    return months


def series(
    *,
    centre: Centre,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
) -> list[dict[str, Any]]:
    """One centre's monthly values, each released for the audience; months with no snapshot are
    listed as empty so that a chart shows the gap. Nothing is recorded in the ledger: callers
    that publish go through ``benchmarking.centre_answers``."""
    return [
        {"period": label, **released.as_json()}
        for label, released, _ in series_release(
            centre=centre, definition=definition, first=first, last=last, audience=audience
        )
    ]


def direction(definition: MetricDefinition, difference: Decimal) -> str:
    if definition.better == Better.NEUTRAL or difference == 0:
        return "neutral"
    higher = definition.better == Better.HIGHER
    return "better" if (difference > 0) == higher else "worse"


def month_of(day: dt.date) -> Period:
    return (day.year, day.month)


def base_of(definition: MetricDefinition, figure: Figure) -> Decimal:
    """What a centre contributes to a pooled cohort statistic."""
    if definition.disclosure in (DisclosureClass.COUNT, DisclosureClass.MAGNITUDE):
        return figure.numerator
    if definition.disclosure == DisclosureClass.STAFFING:
        return figure.denominator or figure.numerator
    return Decimal(figure.n)


@dataclass(frozen=True)
class ScopeRelease:
    """An aggregate of a set of centres as it leaves the gate, before it is shown: each month
    and the window as released values, with the counts behind them (for COUNT metrics the
    summed numerators, which the ledger and the linked audit work with; 0 otherwise)."""

    metric: str
    version: int
    centres: int
    months: list[tuple[str, ReleasedValue, int]]
    window: tuple[ReleasedValue, int]


def scope_figures(
    *,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience = Audience.MINISTRY,
    named: bool = False,
) -> dict[str, Any]:
    """:func:`scope_release` as outputs carry it (nothing recorded in the ledger: callers that
    publish go through ``benchmarking.answers``)."""
    return scope_json(
        scope_release(
            centres=centres,
            definition=definition,
            first=first,
            last=last,
            audience=audience,
            named=named,
        )
    )


def scope_json(release: ScopeRelease, hide: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The answer's figures; values whose period label is in ``hide`` are shown as hidden (the
    linked audit or the suppression memory decided so)."""
    settings_ = DisclosureSettings.from_django()

    def shown_value(label: str, released: ReleasedValue) -> dict[str, object]:
        if label in hide and released.value is not None:
            released = ReleasedValue(
                None, CellStatus.COMPLEMENTARY, settings_.marker(CellStatus.COMPLEMENTARY), ""
            )
        return released.as_json()

    return {
        "metric": release.metric,
        "version": release.version,
        "centres": release.centres,
        "monthly": [
            {"period": label, **shown_value(label, released)}
            for label, released, _ in release.months
        ],
        "window": shown_value(WINDOW_LABEL, release.window[0]),
    }


WINDOW_LABEL = "window"


def scope_release(
    *,
    centres: Sequence[Centre],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience = Audience.MINISTRY,
    named: bool = False,
    series: SeriesReader | None = None,
    pooled: Sequence[tuple[Period, Figure | None]] | None = None,
) -> ScopeRelease:
    """An aggregate of a set of centres (a voivodeship or the country): monthly values pooled
    over the centres, and the window pooled over months, through the gate.

    Unless ``named`` (a coordinator's own named centre), the scope must hold at least
    ``min_centres`` centres (else ValidationFailed on ``scope``), and every figure passes the
    centre-level rules: at least ``min_centres`` contributing centres and the p % rule. For
    counts the months and the window are one additive line (the window's count is the sum of
    the months'), protected together, so that a hidden month cannot be worked out as the window
    minus the shown months. ``series``: the snapshots read together for several scopes.
    ``pooled``: the months already pooled over the centres (``selectors.pooled_by_voivodeship``)
    — for ``named`` scopes only, whose figures need no centre-level rules.
    """
    settings_ = DisclosureSettings.from_django()
    if not named and (refusal := scope_refusal(len(centres), settings_)):
        raise ValidationFailed(fields={"scope": [refusal]}, code="too_few_centres")
    periods = month_range(first, last)
    by_centre: dict[int, dict[Period, Figure]] = {}
    if pooled is not None:
        if not named:
            # A programming error, never a reader's: worded as every refusal is.
            raise ValueError(_("Wartości zsumowane wcześniej pomijają reguły dla ośrodków."))
        months = list(pooled)
        figures = [figure for _, figure in months if figure is not None]
        window = pool(definition, figures, over="months") if figures else None
    else:
        by_centre = (series.series if series is not None else centre_series)(
            centre_ids=[c.pk for c in centres], definition=definition, first=first, last=last
        )
        months, window = pool_scope(definition, by_centre, centres, periods)
    monthly_released = [
        release(
            definition,
            figure,
            audience,
            centres=None if named else centre_contributions(definition, by_centre, centres, [p]),
            gate=settings_,
        )
        for p, figure in months
    ]
    window_released = release(
        definition,
        window,
        audience,
        centres=None if named else centre_contributions(definition, by_centre, centres, periods),
        gate=settings_,
    )
    if definition.disclosure == DisclosureClass.COUNT and audience != Audience.OWN_CENTRE:
        monthly_released, window_released = _protect_months(
            months, window, monthly_released, window_released, settings_
        )
    elif audience != Audience.OWN_CENTRE:
        window_released = _beside_one_hidden_month(monthly_released, window_released, settings_)
    counted = definition.disclosure == DisclosureClass.COUNT

    def count(figure: Figure | None) -> int:
        return int(figure.numerator) if counted and figure is not None else 0

    return ScopeRelease(
        metric=definition.code,
        version=definition.version,
        centres=len(centres),
        months=[
            (period_key(period), released, count(figure))
            for (period, figure), released in zip(months, monthly_released, strict=True)
        ],
        window=(window_released, count(window)),
    )


def _beside_one_hidden_month(
    monthly: Sequence[ReleasedValue], window_value: ReleasedValue, settings_: DisclosureSettings
) -> ReleasedValue:
    """The window of a rate, share or median, hidden when exactly one of its months is.

    Pooled over months, such a window is a mean of the months' values weighted by their bases
    (numerators and denominators pooled; medians as the n-weighted mean of the medians). The
    reader sees no base, so the window only says it lies between the smallest and the largest
    month. Beside every month but one, that bounds the hidden month from one side (a window
    below every month shown puts the hidden month below the window) and pins it when the months
    shown all equal the window. With two or more months hidden, or the window hidden, nothing
    is said of any one of them. The integer programme of the linked audit does not model these
    order relations (they are not linear without the bases); this rule keeps them from saying
    anything within one answer."""
    hidden = [released for released in monthly if released.status in SUPPRESSED_STATUSES]
    if len(hidden) != 1 or window_value.value is None:
        return window_value
    return ReleasedValue(
        None, CellStatus.COMPLEMENTARY, settings_.marker(CellStatus.COMPLEMENTARY), ""
    )


def _protect_months(
    months: Sequence[tuple[Period, Figure | None]],
    window: Figure | None,
    monthly: list[ReleasedValue],
    window_value: ReleasedValue,
    settings_: DisclosureSettings,
) -> tuple[list[ReleasedValue], ReleasedValue]:
    """Months and their window as one line of a table (months → total) through
    ``protect_table``: a hidden month is never the only hidden cell of the line, and the line's
    audit leaves each hidden month a protection interval of at least k."""
    if window is None:
        return monthly, window_value
    columns = tuple((period_key(p), period_key(p)) for p, _ in months)
    spec = TableSpec(
        code="months",
        title_pl="miesiące",
        title_en="months",
        rows=(("value", "value"),),
        columns=columns,
        total_column=("window", "okres"),
    )
    counts = {("value", period_key(p)): int(f.numerator) if f else 0 for p, f in months}
    counts[("value", "window")] = sum(counts.values())
    forced = {
        ("value", period_key(p))
        for (p, _), released in zip(months, monthly, strict=True)
        if released.status in SUPPRESSED_STATUSES
    }
    if window_value.status in SUPPRESSED_STATUSES:
        forced.add(("value", "window"))
    try:
        table = protect_table(
            CountTable(spec, counts), settings=settings_, dominated=frozenset(forced)
        )
    except ValueError:
        table = None
    hidden = {cell for cell, c in table.cells.items() if c.value is None} if table else set(counts)

    def hide(released: ReleasedValue, cell: tuple[str, str]) -> ReleasedValue:
        if cell in hidden and released.value is not None:
            return ReleasedValue(
                None, CellStatus.COMPLEMENTARY, settings_.marker(CellStatus.COMPLEMENTARY), ""
            )
        return released

    return (
        [
            hide(released, ("value", period_key(p)))
            for (p, _), released in zip(months, monthly, strict=True)
        ],
        hide(window_value, ("value", "window")),
    )


def disclosure_settings_json() -> dict[str, Any]:
    configured = DisclosureSettings.from_django()
    min_cohort, max_contribution = cohort_rules()
    return {
        "k": configured.k,
        "dominance_share": configured.dominance_share,
        "min_cohort": min_cohort,
        "max_contribution": max_contribution,
    }
