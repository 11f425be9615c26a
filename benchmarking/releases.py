"""How one figure of the comparisons leaves benchmarking: rounded as people read it and released
through the disclosure gate for its audience, with what each centre contributes to an aggregate
(the gate's centre-level rules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import Audience, ReleasedValue, Subject, release_value
from benchmarking.selectors import Figure, Period, pool
from tenants.models import Centre


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
    centres: Sequence[Decimal] | None = None,
) -> ReleasedValue:
    """The one way a figure leaves this module: through the gate, for its audience.
    ``centres``: the contributions of the centres behind an aggregate (centre-level rules)."""
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
        parts.append(contribution_base(definition, figure) if figure is not None else Decimal(0))
    return parts


def contribution_base(definition: MetricDefinition, figure: Figure) -> Decimal:
    """What a centre contributes to a pooled cohort statistic."""
    if definition.disclosure in (DisclosureClass.COUNT, DisclosureClass.MAGNITUDE):
        return figure.numerator
    if definition.disclosure == DisclosureClass.STAFFING:
        return figure.denominator or figure.numerator
    return Decimal(figure.n)
