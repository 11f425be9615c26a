"""A centre's position in a predefined cohort: the cohort's distribution (quartiles), the peers
under per-release pseudonyms and the cohort's pooled value, through the gate for peers.

:func:`cohort_release` also returns the counts behind the pooled value (each member's and the
cohort's, for COUNT metrics), which ``benchmarking.centre_answers`` uses for the ledger and the
linked audit; :func:`cohort_figures` is the answer alone, with nothing recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from benchmarking.cohorts import Cohort, cohort_members
from benchmarking.comparisons import base_of, cohort_rules, month_of, release
from benchmarking.definitions import Better, DisclosureClass, MetricDefinition
from benchmarking.disclosure import (
    Audience,
    CellStatus,
    CentreParts,
    DisclosureSettings,
    ReleasedValue,
    scope_refusal,
)
from benchmarking.distribution import cohort_distribution
from benchmarking.selectors import (
    Figure,
    latest_run_id,
    period_key,
    pool,
    pooled,
    pooled_by_centre,
)
from opsplatform.errors import ValidationFailed
from tenants.models import Centre


@dataclass
class CohortRelease:
    """A cohort answer (``figures``) and what lies behind its pooled value: for COUNT metrics
    each member's count over the window (by slug, members with data) and the cohort's (the
    members whose values may be published); 0 and empty otherwise."""

    figures: dict[str, Any]
    pooled: ReleasedValue | None = None  # the pooled value as released, None when refused
    pooled_count: int = 0
    member_counts: dict[str, int] = field(default_factory=dict)
    pooled_members: list[str] = field(default_factory=list)


def _pseudonyms(release_key: str, count: int) -> list[str]:
    """Labels for peers, shuffled by a key that changes with every release (snapshot run), so
    a pseudonym cannot be followed from one release to the next."""
    digest = hmac.new(settings.SECRET_KEY.encode(), release_key.encode(), hashlib.sha256).digest()
    labels = [f"Ośrodek {chr(ord('A') + i)}" for i in range(count)]
    random.Random(digest).shuffle(labels)  # noqa: S311 - a permutation, not a secret
    return labels


def _quartiles(values: Sequence[Decimal]) -> list[Decimal]:
    q1, q2, q3 = statistics.quantiles([float(v) for v in values], n=4, method="inclusive")
    return [Decimal(str(q)).quantize(Decimal("0.01")) for q in (q1, q2, q3)]


def _band(value: Decimal, quartiles: Sequence[Decimal]) -> str:
    if value < quartiles[0]:
        return "poniżej pierwszego kwartyla"
    if value <= quartiles[1]:
        return "między pierwszym kwartylem a medianą"
    if value <= quartiles[2]:
        return "między medianą a trzecim kwartylem"
    return "powyżej trzeciego kwartyla"


def _quartiles_ranked(count: int, ranked: Mapping[int, Decimal]) -> list[Decimal]:
    """:func:`_quartiles` of ``count`` sorted values from those at the ranks it interpolates
    between (``statistics.quantiles``, inclusive: ranks j and j + 1 of i × (count − 1) / 4)."""
    quartiles = []
    for i in (1, 2, 3):
        j, delta = divmod(i * (count - 1), 4)
        interpolated = (float(ranked[j]) * (4 - delta) + float(ranked[j + 1]) * delta) / 4
        quartiles.append(Decimal(str(interpolated)).quantize(Decimal("0.01")))
    return quartiles


def _order_refusal(cohort: Cohort, published: int, members: int, needed: int) -> str:
    # Quartiles, medians and ranks of a few centres are those centres' values (with five, Q1,
    # the median and Q3 are the 2nd, 3rd and 4th): none below ``needed`` centres.
    return _(
        "Rozkład (kwartyle) i pozycja nie są pokazywane: w grupie „%(cohort)s” "
        "tylko %(published)s z %(members)s ośrodków ma w tym okresie wartość, którą "
        "wolno opublikować, a kwartyle, mediany i miejsca w rankingu pokazujemy dla co "
        "najmniej %(needed)s ośrodków: przy mniejszej liczbie zdradzają wartości "
        "poszczególnych ośrodków (ochrona danych osobowych)."
    ) % {"cohort": cohort.name_pl, "published": published, "members": members, "needed": needed}


def _contribution_refusal(max_contribution: float) -> str:
    return _(
        "Wartość łączna grupy nie jest pokazywana: jeden ośrodek wnosi ponad "
        "%(share)s%% jej podstawy."
    ) % {"share": int(max_contribution * 100)}


def cohort_release(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
) -> CohortRelease:
    """The cohort's distribution (quartiles) over a window, the viewer's position in it and the
    peers under per-release pseudonyms — or a Polish sentence why it cannot be shown.

    Rules (privacy.md): at least ``min_cohort`` centres whose own value for the window passes
    the gate for peers; the quartiles are computed from those values only, one observation per
    centre. The cohort's pooled value is shown only if no centre contributes more than
    ``max_contribution`` of its base.

    Without a viewer (the national distribution of a coordinator's or the ministry's page) and
    for a cohort PostgreSQL can select, the same answer comes from one statement
    (``benchmarking.distribution``), with one release through the gate (the pooled value)
    whatever the number of centres; a centre's view computes it here, member by member.
    """
    if viewer is None and cohort.where is not None:
        return _distribution_release(cohort=cohort, definition=definition, first=first, last=last)
    return cohort_release_by_member(
        cohort=cohort, definition=definition, first=first, last=last, viewer=viewer
    )


def _heading(
    cohort: Cohort, definition: MetricDefinition, first: dt.date, last: dt.date
) -> dict[str, Any]:
    """What a cohort's answer is about: the cohort, the metric and the window."""
    return {
        "cohort": cohort.code,
        "cohort_name": cohort.name_pl,
        "metric": definition.code,
        "version": definition.version,
        "from": period_key(month_of(first)),
        "to": period_key(month_of(last)),
    }


def _distribution_release(
    *, cohort: Cohort, definition: MetricDefinition, first: dt.date, last: dt.date
) -> CohortRelease:
    """:func:`cohort_release_by_member` without a viewer, from
    ``distribution.cohort_distribution``."""
    min_cohort, max_contribution = cohort_rules()
    gate = DisclosureSettings.from_django()
    found = cohort_distribution(cohort=cohort, definition=definition, first=first, last=last)
    result: dict[str, Any] = {
        **_heading(cohort, definition, first, last),
        "members": found.members,
        "comparable": found.published,
        "allowed": False,
    }
    needed = max(min_cohort, gate.min_order_centres)
    pooled_value: ReleasedValue | None = None
    pooled_out: dict[str, Any] | None = None
    if found.published < gate.min_centres:
        pooled_reason = scope_refusal(found.published, gate)
    else:
        total = found.base_total
        largest = found.base_max / total if total else Decimal(1)
        if largest > Decimal(str(max_contribution)):
            pooled_reason = _contribution_refusal(max_contribution)
        else:
            assert found.sums is not None  # noqa: S101 - published centres have sums
            parts = CentreParts(
                contributing=found.contributing,
                largest=float(found.largest),
                rest=float(found.bases - found.largest - found.second),
            )
            figure = pooled(definition, found.sums, over="centres")
            pooled_value = release(definition, figure, Audience.PEER, centres=parts, gate=gate)
            pooled_out = pooled_value.as_json()
            pooled_reason = ""
    if found.published < needed:
        result["reason"] = _order_refusal(cohort, found.published, found.members, needed)
    else:
        quartiles = _quartiles_ranked(found.published, found.ranked)
        result |= {"allowed": True, "quartiles": [str(q) for q in quartiles]}
        run_id = latest_run_id(first, last)
        release_key = f"{cohort.code}|{definition.key}|{first}|{last}|run{run_id}"
        result["release"] = hashlib.sha256(release_key.encode()).hexdigest()[:12]
    result["pooled"] = pooled_out
    if pooled_reason:
        result["pooled_reason"] = pooled_reason
    if definition.disclosure != DisclosureClass.COUNT:
        return CohortRelease(result, pooled_value)
    return CohortRelease(
        result,
        pooled_value,
        pooled_count=sum(found.counts[slug] for slug in found.published_slugs),
        member_counts=found.counts,
        pooled_members=sorted(found.published_slugs),
    )


def cohort_release_by_member(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
) -> CohortRelease:
    """:func:`cohort_release` member by member in Python: the definition, and the path of a
    centre's own view (and of cohorts PostgreSQL cannot select)."""
    min_cohort, max_contribution = cohort_rules()
    gate = DisclosureSettings.from_django()
    members = cohort_members(cohort, last)
    # Each member's window pooled over its months by PostgreSQL: one row per centre.
    by_centre = pooled_by_centre(
        centre_ids=[c.pk for c in members], definition=definition, first=first, last=last
    )
    pooled: dict[int, Figure] = {}
    published: dict[int, Decimal] = {}
    for centre in members:
        figure = by_centre.get(centre.pk)
        if figure is None:
            continue
        pooled[centre.pk] = figure
        released = release(definition, figure, Audience.PEER, gate=gate)
        if released.status == CellStatus.PUBLISHED and released.value is not None:
            published[centre.pk] = released.value
    result: dict[str, Any] = {
        **_heading(cohort, definition, first, last),
        "members": len(members),
        "comparable": len(published),
        "allowed": False,
    }
    if viewer is not None and viewer.pk not in {c.pk for c in members}:
        raise ValidationFailed(
            fields={"cohort": [_("Twój ośrodek nie należy do tej grupy porównawczej.")]}
        )
    needed = max(min_cohort, gate.min_order_centres)
    bases = {pk: base_of(definition, pooled[pk]) for pk in published}
    pooled_value: ReleasedValue | None = None
    if len(published) < gate.min_centres:
        pooled_out: dict[str, Any] | None = None
        pooled_reason = scope_refusal(len(published), gate)
    else:
        total = sum(bases.values(), Decimal(0))
        largest = max(bases.values()) / total if total else Decimal(1)
        if largest > Decimal(str(max_contribution)):
            pooled_out = None
            pooled_reason = _contribution_refusal(max_contribution)
        else:
            figure = pool(definition, [pooled[pk] for pk in published], over="centres")
            pooled_value = release(
                definition, figure, Audience.PEER, centres=list(bases.values()), gate=gate
            )
            pooled_out = pooled_value.as_json()
            pooled_reason = ""
    if len(published) < needed:
        result["reason"] = _order_refusal(cohort, len(published), len(members), needed)
        result["pooled"] = pooled_out
        if pooled_reason:
            result["pooled_reason"] = pooled_reason
        return _with_counts(result, pooled_value, definition, members, pooled, published)
    values = sorted(published.values())
    quartiles = _quartiles(values)
    result |= {"allowed": True, "quartiles": [str(q) for q in quartiles]}
    run_id = latest_run_id(first, last)
    release_key = f"{cohort.code}|{definition.key}|{first}|{last}|run{run_id}"
    result["release"] = hashlib.sha256(release_key.encode()).hexdigest()[:12]
    if viewer is not None:
        # Peers are shown to a centre beside its own position; the national distribution
        # (no viewer: a coordinator's or the ministry's) is the quartiles without them.
        peers = [pk for pk in published if pk != viewer.pk]
        labels = _pseudonyms(release_key, len(peers))
        result["peers"] = sorted(
            (
                {"pseudonym": label, "value": str(published[pk])}
                for label, pk in zip(labels, sorted(peers), strict=True)
            ),
            key=lambda peer: (Decimal(peer["value"]), peer["pseudonym"]),
        )
        own = published.get(viewer.pk)
        if own is None:
            result["position"] = None
            result["position_note"] = _(
                "Wartość Twojego ośrodka w tym okresie ma zbyt małą podstawę, by ją porównać "
                "z innymi."
            )
        else:
            higher_first = definition.better != Better.LOWER
            ranked = sorted(values, reverse=higher_first)
            result["position"] = {
                "value": str(own),
                "rank": ranked.index(own) + 1,
                "of": len(values),
                "band": _band(own, quartiles),
                "order": "od najlepszego" if definition.better != Better.NEUTRAL else "malejąco",
            }
    result["pooled"] = pooled_out
    if pooled_reason:
        result["pooled_reason"] = pooled_reason
    return _with_counts(result, pooled_value, definition, members, pooled, published)


def _with_counts(
    result: dict[str, Any],
    pooled_value: ReleasedValue | None,
    definition: MetricDefinition,
    members: Sequence[Centre],
    pooled: dict[int, Figure],
    published: dict[int, Decimal],
) -> CohortRelease:
    if definition.disclosure != DisclosureClass.COUNT:
        return CohortRelease(result, pooled_value)
    slugs = {c.pk: c.slug for c in members}
    counts = {slugs[pk]: int(figure.numerator) for pk, figure in pooled.items()}
    return CohortRelease(
        result,
        pooled_value,
        pooled_count=sum(counts[slugs[pk]] for pk in published),
        member_counts=counts,
        pooled_members=sorted(slugs[pk] for pk in published),
    )


def cohort_figures(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
) -> dict[str, Any]:
    """:func:`cohort_release`'s answer, with nothing recorded in the ledger (callers that
    publish go through ``benchmarking.centre_answers``)."""
    return cohort_release(
        cohort=cohort, definition=definition, first=first, last=last, viewer=viewer
    ).figures
