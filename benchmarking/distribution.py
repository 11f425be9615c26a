"""A cohort's distribution without a viewer (the national distribution of a coordinator's or the
ministry's page) computed by PostgreSQL in one statement, whatever the number of centres.

What ``benchmarking.cohort_figures`` does in Python for a centre's own view — each member's
window pooled over its months (``selectors.pool``), released to peers one by one
(``comparisons.release``), the quartiles of the published values, the cohort's value pooled over
those centres and the centres' contributions to it — is done here by one query that selects the
cohort's centres by its rule (``Cohort.where``), not by a list of their ids, and answers one row:
the number of members and of published values, the values at the positions the quartiles
interpolate between, the sums the pooled value is made of, and a summary of the contributions.
The pooled value itself then goes through the gate once, in Python.

The peer gate of a member's window (``disclosure.values._value_status`` for ``Audience.PEER``
and no centres) and the rounding of the published value (``comparisons.shown``: Decimal's
round-half-even, once to the figure's scale and once to the shown one) are written here in SQL;
``tests/benchmarking/test_distribution_in_database.py`` compares every figure with the Python
definition, which stays the path of a centre's own view (its peers need every value anyway).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from benchmarking.cohorts import Cohort
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import DisclosureSettings, Subject
from benchmarking.selectors import Sums, _aggregates, _sums_query
from tenants.models import Centre


@dataclass(frozen=True)
class Distribution:
    """One row of :func:`cohort_distribution`."""

    members: int  # the cohort's centres
    published: int  # members whose window passes the gate for peers
    ranked: dict[int, Decimal]  # published values (as shown) by their 0-based rank, as needed
    sums: Sums | None  # the published windows' sums, pooled over centres; None without any
    contributing: int  # published members with a base other than 0
    largest: Decimal  # the largest base (0 without any)
    second: Decimal  # the second largest base by absolute value (0 without one)
    bases: Decimal  # the sum of the bases (absolute values)
    base_max: Decimal  # the largest base, signed (max_contribution)
    base_total: Decimal  # the sum of the bases, signed
    # COUNT metrics: each member with a window (by slug), its count and whether it is published.
    counts: dict[str, int] = field(default_factory=dict)
    published_slugs: list[str] = field(default_factory=list)


def _half_even(expression: str, scale: int) -> str:
    """``Decimal.quantize`` at ``scale`` decimals (round half to even) of a numeric expression:
    PostgreSQL's ``round`` rounds halves away from zero."""
    x, factor = f"({expression})", 10**scale
    return (
        f"(CASE WHEN abs(mod({x} * {factor}, 1)) = 0.5 AND mod(trunc({x} * {factor}), 2) = 0 "
        f"THEN trunc({x}, {scale}) ELSE round({x}, {scale}) END)"
    )


def _raw_value(kind: DisclosureClass) -> tuple[str, int]:
    """A member's window value before rounding (``selectors.pooled`` over months) and its
    scale."""
    if kind == DisclosureClass.COUNT:
        return "c.numerator_sum / c.parts", 2
    if kind == DisclosureClass.MEDIAN:
        return "CASE WHEN coalesce(c.weight, 0) <> 0 THEN coalesce(c.weighted, 0) / c.weight END", 2
    if kind == DisclosureClass.STAFFING:
        return "CASE WHEN c.valued <> 0 THEN coalesce(c.values_sum, 0) / c.valued END", 4
    return (
        "CASE WHEN coalesce(c.denominator_sum, 0) <> 0 "
        "THEN coalesce(c.numerator_sum, 0) / c.denominator_sum END",
        4,
    )


def _published(definition: MetricDefinition) -> tuple[str, list[Any]]:
    """The gate for peers of a member's window (``w.shown``: its value as shown), in SQL."""
    kind = definition.disclosure
    gate = DisclosureSettings.from_django()
    k = gate.k
    if kind == DisclosureClass.STAFFING:
        return "TRUE", []
    if kind == DisclosureClass.COUNT:
        return (
            "NOT ((0 < w.numerator AND w.numerator < %s) OR (0 < w.shown AND w.shown < %s))",
            [k, k],
        )
    if kind == DisclosureClass.RATE:
        return "w.n >= %s AND w.numerator >= %s", [k, k]
    if kind == DisclosureClass.MEDIAN:
        return "w.n >= %s", [k]
    # MAGNITUDE: few persons behind a sum of clients; the two largest contributors' share (the
    # window's bound, a float as in Python) above the dominance share; one or two contributors.
    clients = Subject(definition.subject) == Subject.CLIENTS
    return (
        "NOT (%s AND w.n < %s) AND NOT (w.numerator <> 0 AND "
        "(coalesce(w.top_weighted, 0) / w.numerator)::float8 > %s) "
        "AND NOT (w.n > 0 AND w.n <= 2 AND w.numerator <> 0)",
        [clients, k, gate.dominance_share],
    )


def _base(kind: DisclosureClass) -> str:
    """``comparisons.base_of`` a member's window."""
    if kind in (DisclosureClass.COUNT, DisclosureClass.MAGNITUDE, DisclosureClass.STAFFING):
        return "w.numerator"  # staffing over months has no denominator: its numerator
    return "w.n"


def cohort_distribution(
    *, cohort: Cohort, definition: MetricDefinition, first: dt.date, last: dt.date
) -> Distribution:
    """The cohort's members, their windows through the gate for peers, the quartiles' order
    statistics and the published windows pooled over centres: one statement."""
    assert cohort.where is not None, cohort.code  # noqa: S101 - a programming error
    kind = definition.disclosure
    members = Centre.objects.filter(cohort.where(last)).order_by().values("pk")
    magnitude = kind == DisclosureClass.MAGNITUDE
    per_centre = (
        _sums_query(definition, first, last)
        .filter(centre_id__in=members)
        .values("centre_id")
        .annotate(**_aggregates(definition))
    )
    centre_sql, centre_params = per_centre.query.sql_with_params()
    members_sql, members_params = members.query.sql_with_params()
    columns = [
        "centre_id", "parts", "numerator_sum", "denominator_sum", "n_sum", "weighted",
        "weight", "values_sum", "valued", *(["top_weighted"] if magnitude else []),
    ]  # fmt: skip
    raw, scale = _raw_value(kind)
    shown = _half_even("v.value * 100", 1) if definition.unit == "%" else _half_even("v.value", 2)
    published, published_params = _published(definition)
    # A member's window: n is 0 for a median without weight (selectors.pooled).
    n = "CASE WHEN coalesce(c.weight, 0) <> 0 THEN coalesce(c.n_sum, 0) ELSE 0 END"
    top = "c.top_weighted" if magnitude else "NULL::numeric"
    # Only ratios keep their denominator in a member's window (selectors.pooled over months).
    ratio = kind in (DisclosureClass.RATE, DisclosureClass.MAGNITUDE)
    denominator = "coalesce(c.denominator_sum, 0)" if ratio else "0::numeric"
    # The share bound of a magnitude's window as Python has it (a float, at its shortest
    # decimal form) times its numerator: what selectors.top_two_share_bound sums over centres.
    top_part = (
        "CASE WHEN w.numerator <> 0 THEN "
        "((coalesce(w.top_weighted, 0) / w.numerator)::float8::text)::numeric * w.numerator "
        "ELSE 0 END"
    )
    # Only fixed expressions and the ORM's own SQL are formatted in; values are parameters.
    sql = f"""
WITH c ({", ".join(columns)}) AS ({centre_sql}),
v AS (
    SELECT c.centre_id, c.parts, coalesce(c.numerator_sum, 0) AS numerator,
           {denominator} AS denominator,
           {n if kind == DisclosureClass.MEDIAN else "coalesce(c.n_sum, 0)"} AS n,
           {top} AS top_weighted,
           {_half_even(raw, scale)} AS value
    FROM c
),
s AS (SELECT v.*, {shown} AS shown FROM v),
w AS (SELECT s.*, (s.shown IS NOT NULL AND {published.replace("w.", "s.")}) AS published FROM s),
p AS (SELECT w.*, {_base(kind)} AS base FROM w WHERE w.published),
k AS (SELECT count(*) AS cnt FROM p),
o AS (SELECT p.shown, row_number() OVER (ORDER BY p.shown) - 1 AS pos FROM p)
SELECT
    (SELECT count(*) FROM ({members_sql}) m),
    k.cnt,
    (SELECT array_agg(o.pos ORDER BY o.pos) FROM o
     WHERE o.pos IN ((k.cnt - 1) / 4, (k.cnt - 1) / 4 + 1, (2 * (k.cnt - 1)) / 4,
                     (2 * (k.cnt - 1)) / 4 + 1, (3 * (k.cnt - 1)) / 4, (3 * (k.cnt - 1)) / 4 + 1)),
    (SELECT array_agg(o.shown ORDER BY o.pos) FROM o
     WHERE o.pos IN ((k.cnt - 1) / 4, (k.cnt - 1) / 4 + 1, (2 * (k.cnt - 1)) / 4,
                     (2 * (k.cnt - 1)) / 4 + 1, (3 * (k.cnt - 1)) / 4, (3 * (k.cnt - 1)) / 4 + 1)),
    a.numerator, a.denominator, a.n, a.months, a.weighted, a.weight, a.values_sum, a.valued,
    a.top, a.contributing, a.largest, a.second, a.bases, a.base_max, a.base_total,
    mm.slugs, mm.counts, mm.published
FROM k,
(SELECT sum(p.numerator) AS numerator, sum(p.denominator) AS denominator, sum(p.n) AS n,
        max(p.parts) AS months,
        sum(p.value * p.n) FILTER (WHERE p.value IS NOT NULL AND p.n > 0) AS weighted,
        sum(p.n) FILTER (WHERE p.value IS NOT NULL AND p.n > 0) AS weight,
        sum(p.value) AS values_sum, count(p.value) AS valued,
        sum({top_part.replace("w.", "p.")}) AS top,
        count(*) FILTER (WHERE p.base <> 0) AS contributing,
        (array_agg(abs(p.base) ORDER BY abs(p.base) DESC))[1] AS largest,
        (array_agg(abs(p.base) ORDER BY abs(p.base) DESC))[2] AS second,
        sum(abs(p.base)) AS bases, max(p.base) AS base_max, sum(p.base) AS base_total
 FROM p) a,
(SELECT array_agg(t.slug ORDER BY t.slug) AS slugs,
        array_agg(w.numerator ORDER BY t.slug) AS counts,
        array_agg(w.published ORDER BY t.slug) AS published
 FROM w JOIN {Centre._meta.db_table} t ON t.id = w.centre_id WHERE %s) mm
"""  # noqa: S608
    params = [
        *centre_params,
        *published_params,
        *members_params,
        kind == DisclosureClass.COUNT,  # the members' counts: for the ledger of counts only
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    (
        member_count, count, positions, values, numerator, denominator, n_sum, months, weighted,
        weight, values_sum, valued, top, contributing, largest, second, bases, base_max,
        base_total, slugs, counts, flags,
    ) = row  # fmt: skip
    zero = Decimal(0)
    sums = None
    if count:
        numerator = numerator or zero
        sums = Sums(
            parts=count,
            numerator=numerator,
            denominator=denominator or zero,
            n=int(n_sum or 0),
            months=int(months or 0),
            weighted=weighted or zero,
            weight=int(weight or 0),
            values=values_sum or zero,
            valued=valued,
            top=(float(top / numerator),) if magnitude and numerator else (),
        )
    return Distribution(
        members=member_count,
        published=count,
        ranked=dict(zip(positions or [], values or [], strict=True)),
        sums=sums,
        contributing=contributing or 0,
        largest=largest or zero,
        second=second or zero,
        bases=bases or zero,
        base_max=base_max if base_max is not None else zero,
        base_total=base_total or zero,
        counts={slug: int(c) for slug, c in zip(slugs or [], counts or [], strict=True)},
        published_slugs=[slug for slug, flag in zip(slugs or [], flags or [], strict=True) if flag],
    )
