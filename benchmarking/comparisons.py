"""Comparisons of reorganisation indicators: a centre's own series and before/after report, its
position in a predefined cohort, a coordinator's named centres, the ministry's aggregates.

Every value returned here has passed ``benchmarking.disclosure`` for its audience: the centre's
own staff (nothing suppressed, they see the records anyway), peers (pseudonymous), a regional
coordinator (named centres of their voivodeships) or the ministry (aggregates).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings

from benchmarking.cohorts import Cohort, cohort_members
from benchmarking.definitions import Better, DisclosureClass, MetricDefinition
from benchmarking.disclosure import Audience, CellStatus, DisclosureSettings, scope_refusal
from benchmarking.releases import centre_contributions as centre_contributions
from benchmarking.releases import contribution_base
from benchmarking.releases import release as release
from benchmarking.releases import shown as shown
from benchmarking.scopes import WINDOW_LABEL as WINDOW_LABEL
from benchmarking.scopes import ScopeRelease as ScopeRelease
from benchmarking.scopes import _protect_months as _protect_months
from benchmarking.scopes import scope_figures as scope_figures
from benchmarking.scopes import scope_json as scope_json
from benchmarking.scopes import scope_release as scope_release
from benchmarking.scopes import scope_releases as scope_releases
from benchmarking.selectors import (
    Figure,
    Period,
    SeriesReader,
    centre_series,
    latest_run_id,
    month_range,
    period_key,
    pool,
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


def last_complete_month(today: dt.date) -> dt.date:
    return previous_month(today)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def check_window(first: dt.date, last: dt.date, today: dt.date) -> None:
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["to"] = ["Koniec okresu nie może być przed jego początkiem."]
    if first.replace(day=1) > today.replace(day=1):
        errors["from"] = ["Okres nie może zaczynać się w przyszłości."]
    if (last.year - first.year) * 12 + last.month - first.month >= 12 * 12:
        errors["to"] = ["Okres porównania może mieć najwyżej 12 lat."]
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


def series(
    *,
    centre: Centre,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    audience: Audience,
) -> list[dict[str, Any]]:
    """One centre's monthly values, each released for the audience; months with no snapshot are
    listed as empty so that a chart shows the gap."""
    figures = centre_series(centre_ids=[centre.pk], definition=definition, first=first, last=last)
    own = figures.get(centre.pk, {})
    return [
        {"period": period_key(period), **release(definition, own.get(period), audience).as_json()}
        for period in month_range(first, last)
    ]


def _direction(definition: MetricDefinition, difference: Decimal) -> str:
    if definition.better == Better.NEUTRAL or difference == 0:
        return "neutral"
    higher = definition.better == Better.HIGHER
    return "better" if (difference > 0) == higher else "worse"


def before_after(
    *,
    centre: Centre,
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
    reader: SeriesReader | None = None,
) -> dict[str, Any]:
    """Means over a window before the centre's go-live and one after it, and the difference.
    ``reader``: the snapshots of many centres read together (:func:`before_after_of`).

    Windows are aligned on the go-live month and chosen from WINDOW_CHOICES, never free, so that
    two reports cannot be differenced into a single month's value. Each window's value pools its
    months (ratios pool numerators and denominators) and passes the gate as one aggregate.
    """
    errors: dict[str, list[str]] = {}
    for field, months in (("before_months", before_months), ("after_months", after_months)):
        if months not in WINDOW_CHOICES:
            errors[field] = [
                "Okno porównania to "
                + ", ".join(str(m) for m in WINDOW_CHOICES)
                + " miesięcy (wybierz jedną z tych wartości)."
            ]
    if skip_months not in (0, 3, 6):
        errors["skip_months"] = ["Okres przejściowy po wdrożeniu to 0, 3 lub 6 miesięcy."]
    if errors:
        raise ValidationFailed(fields=errors)
    programme = getattr(centre, "programme", None)
    if programme is None:
        raise ValidationFailed(
            "Ośrodek nie ma w rejestrze daty wdrożenia nowej struktury, więc nie ma z czym "
            "porównać.",
            code="no_go_live",
        )
    go_live = programme.go_live.replace(day=1)
    last_complete = last_complete_month(today)
    before = (add_months(go_live, -before_months), add_months(go_live, -1))
    after_first = add_months(go_live, skip_months)
    after = (after_first, min(add_months(after_first, after_months - 1), last_complete))
    report: dict[str, Any] = {
        "centre": centre.slug,
        "go_live": programme.go_live.isoformat(),
        "go_live_assumed": "go_live" in programme.assumed_fields,
        "before": {"from": period_key(_p(before[0])), "to": period_key(_p(before[1]))},
        "after": None,
        "metrics": [],
    }
    if after[1] < after[0]:
        report["note"] = "Od wdrożenia nie minął jeszcze pełny miesiąc: brak okresu „po”."
    else:
        report["after"] = {"from": period_key(_p(after[0])), "to": period_key(_p(after[1]))}
        if after[1] < add_months(after[0], after_months - 1):
            report["note"] = (
                "Okres „po” jest krótszy niż wybrany, bo obejmuje tylko zakończone miesiące."
            )
    if programme.go_live.day != 1:
        report["go_live_month_note"] = (
            "Wdrożenie nastąpiło w trakcie miesiąca; ten miesiąc liczy się do okresu „po”."
        )
    for definition in definitions:
        if reader is None:
            reader = SeriesReader([centre.pk], before[0], after[1])
        figures = reader.figures(definition, centre.pk, before[0], after[1])
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
        released_before = release(definition, before_figure, audience)
        released_after = release(definition, after_figure, audience)
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
            "months_before": before_figure.months if before_figure else 0,
            "months_after": after_figure.months if after_figure else 0,
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
            entry["direction"] = _direction(definition, difference)
        report["metrics"].append(entry)
    return report


def before_after_of(
    *,
    centres: Sequence[Centre],
    definitions: Sequence[MetricDefinition],
    audience: Audience,
    before_months: int = 12,
    after_months: int = 12,
    skip_months: int = 0,
    today: dt.date,
) -> dict[int, dict[str, Any] | ValidationFailed]:
    """:func:`before_after` of each centre (by pk), or why it has none, from one read of the
    snapshots of all of them per metric (a coordinator's region side by side, issue 13)."""
    go_lives = [
        programme.go_live.replace(day=1)
        for centre in centres
        if (programme := getattr(centre, "programme", None)) is not None
    ]
    reader = None
    if go_lives:
        reader = SeriesReader(
            [c.pk for c in centres],
            add_months(min(go_lives), -max(WINDOW_CHOICES)),
            last_complete_month(today),
        )
    reports: dict[int, dict[str, Any] | ValidationFailed] = {}
    for centre in centres:
        try:
            reports[centre.pk] = before_after(
                centre=centre,
                definitions=definitions,
                audience=audience,
                before_months=before_months,
                after_months=after_months,
                skip_months=skip_months,
                today=today,
                reader=reader,
            )
        except ValidationFailed as error:
            reports[centre.pk] = error
    return reports


def _p(day: dt.date) -> Period:
    return (day.year, day.month)


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


def cohort_figures(
    *,
    cohort: Cohort,
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    viewer: Centre | None,
) -> dict[str, Any]:
    """The cohort's distribution (quartiles) over a window, the viewer's position in it and the
    peers under per-release pseudonyms — or a Polish sentence why it cannot be shown.

    Rules (privacy.md): at least ``min_cohort`` centres whose own value for the window passes
    the gate for peers; the quartiles are computed from those values only, one observation per
    centre. The cohort's pooled value is shown only if no centre contributes more than
    ``max_contribution`` of its base.
    """
    min_cohort, max_contribution = cohort_rules()
    members = cohort_members(cohort, last)
    by_centre = centre_series(
        centre_ids=[c.pk for c in members], definition=definition, first=first, last=last
    )
    pooled: dict[int, Figure] = {}
    published: dict[int, Decimal] = {}
    for centre in members:
        figure = pool(definition, by_centre.get(centre.pk, {}).values(), over="months")
        if figure is None:
            continue
        pooled[centre.pk] = figure
        released = release(definition, figure, Audience.PEER)
        if released.status == CellStatus.PUBLISHED and released.value is not None:
            published[centre.pk] = released.value
    result: dict[str, Any] = {
        "cohort": cohort.code,
        "cohort_name": cohort.name_pl,
        "metric": definition.code,
        "version": definition.version,
        "from": period_key(_p(first)),
        "to": period_key(_p(last)),
        "members": len(members),
        "comparable": len(published),
        "allowed": False,
    }
    if viewer is not None and viewer.pk not in {c.pk for c in members}:
        raise ValidationFailed(
            fields={"cohort": ["Twój ośrodek nie należy do tej grupy porównawczej."]}
        )
    gate = DisclosureSettings.from_django()
    needed = max(min_cohort, gate.min_order_centres)
    bases = {pk: contribution_base(definition, pooled[pk]) for pk in published}
    if len(published) < gate.min_centres:
        pooled_out: dict[str, Any] | None = None
        pooled_reason = scope_refusal(len(published), gate)
    else:
        total = sum(bases.values(), Decimal(0))
        largest = max(bases.values()) / total if total else Decimal(1)
        if largest > Decimal(str(max_contribution)):
            pooled_out = None
            pooled_reason = (
                "Wartość łączna grupy nie jest pokazywana: jeden ośrodek wnosi ponad "
                f"{int(max_contribution * 100)}% jej podstawy."
            )
        else:
            figure = pool(definition, [pooled[pk] for pk in published], over="centres")
            pooled_out = release(
                definition, figure, Audience.PEER, centres=list(bases.values())
            ).as_json()
            pooled_reason = ""
    if len(published) < needed:
        # Quartiles, medians and ranks of a few centres are those centres' values (with five,
        # Q1, the median and Q3 are the 2nd, 3rd and 4th): none below ``needed`` centres.
        result["reason"] = (
            f"Rozkład (kwartyle) i pozycja nie są pokazywane: w grupie „{cohort.name_pl}” "
            f"tylko {len(published)} z {len(members)} ośrodków ma w tym okresie wartość, którą "
            f"wolno opublikować, a kwartyle, mediany i miejsca w rankingu pokazujemy dla co "
            f"najmniej {needed} ośrodków: przy mniejszej liczbie zdradzają wartości "
            "poszczególnych ośrodków (ochrona danych osobowych)."
        )
        result["pooled"] = pooled_out
        if pooled_reason:
            result["pooled_reason"] = pooled_reason
        return result
    values = sorted(published.values())
    quartiles = _quartiles(values)
    result |= {"allowed": True, "quartiles": [str(q) for q in quartiles]}
    run_id = latest_run_id(first, last)
    release_key = f"{cohort.code}|{definition.key}|{first}|{last}|run{run_id}"
    result["release"] = hashlib.sha256(release_key.encode()).hexdigest()[:12]
    peers = [pk for pk in published if viewer is None or pk != viewer.pk]
    labels = _pseudonyms(release_key, len(peers))
    result["peers"] = sorted(
        (
            {"pseudonym": label, "value": str(published[pk])}
            for label, pk in zip(labels, sorted(peers), strict=True)
        ),
        key=lambda peer: (Decimal(peer["value"]), peer["pseudonym"]),
    )
    if viewer is not None:
        own = published.get(viewer.pk)
        if own is None:
            result["position"] = None
            result["position_note"] = (
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
    return result


def disclosure_settings_json() -> dict[str, Any]:
    configured = DisclosureSettings.from_django()
    min_cohort, max_contribution = cohort_rules()
    return {
        "k": configured.k,
        "dominance_share": configured.dominance_share,
        "min_cohort": min_cohort,
        "max_contribution": max_contribution,
    }
