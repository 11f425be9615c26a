"""Comparison pages of the portal host.

A regional coordinator sees the named centres of their voivodeships side by side, their trends
and before/after reports, the national distribution without names, and a drill-down page per
centre (the portal API's ``compare``, ``centres/<slug>/series`` and ``before-after`` answers).
A ministry analyst sees aggregates of the country or a voivodeship only, never a named centre
(the API's ``aggregates``). Never case data: only released indicator values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benchmarking.answers import (
    centre_scope,
    family_of,
    scope_answer,
    scope_answers,
    voivodeship_answers,
)
from benchmarking.cohorts import COHORTS_BY_CODE
from benchmarking.definitions import DisclosureClass, MetricDefinition
from benchmarking.disclosure import Audience
from benchmarking.exports.parameters import scope_centres, scope_label
from benchmarking.models import PublishedCell
from benchmarking.ui.charts import bar_chart, line_chart
from benchmarking.ui.display import (
    Shown,
    month_range_text,
    month_text,
    reasons_of,
    shown,
    unit_text,
)
from benchmarking.ui.forms import BenchmarkForm
from benchmarking.ui.pages import gate_context, page
from benchmarking.ui.sections import (
    QUARTILE_LABELS,
    WindowChange,
    centre_sections,
    cohort_section,
    go_live_context,
    go_live_key,
    go_live_label,
    go_live_of,
    indicator,
    scope_choices,
    window_changes,
)
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.ui.access import portal_required, signed_in_user
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.selectors import centre_list, centre_list_for_portal_user
from tenants.teryt import Voivodeship

NAMED_CENTRES_ONLY = gettext_lazy(
    "Dane nazwanych ośrodków widzą tylko koordynatorzy regionalni swoich województw; "
    "ministerstwo otrzymuje zestawienia zbiorcze."
)
# A count's total beside its named centres is one linked table with all of the voivodeship's
# centres: every later answer's audit would have to solve for all of them.
NO_COUNT_TOTALS = gettext_lazy(
    "Sum województw dla liczebności, takich jak ten wskaźnik, nie pokazujemy obok nazwanych "
    "ośrodków: razem z ich wartościami wymagałyby wspólnej kontroli ujawnień wszystkich "
    "ośrodków województwa przy każdej odpowiedzi."
)
OUT_OF_SCOPE = gettext_lazy(
    "Ten ośrodek leży poza Twoim województwem: koordynator widzi tylko ośrodki swojego regionu."
)


@page(releases_aggregates=True)
@portal_required
def compare(request: HttpRequest) -> HttpResponse:
    """Coordinators: their named centres; analysts: aggregates only."""
    today = timezone.localdate()
    if getattr(request.user, "role", "") == Role.REGIONAL_COORDINATOR:
        return _region(request, today)
    return _aggregates(request, today)


@dataclass(frozen=True)
class CentreRow:
    centre: Centre
    go_live: dt.date | None
    go_live_assumed: bool
    window: Shown
    change: WindowChange | None
    change_note: str


@dataclass(frozen=True)
class MonthCells:
    month: str
    values: list[Shown]


CENTRES_PER_PAGE = 25
SORTS: dict[str, tuple[str, ...]] = {
    "nazwa": ("short_name", "slug"),
    "-nazwa": ("-short_name", "-slug"),
    "ludnosc": ("population", "short_name", "slug"),
    "-ludnosc": ("-population", "short_name", "slug"),
}


class CentreListForm(forms.Form):
    """Which of a coordinator's named centres one page shows: a page at a time, found by name,
    in one voivodeship, in the chosen order (``strona``, the page, travels beside it)."""

    nazwa = forms.CharField(
        label=gettext_lazy("Nazwa ośrodka zawiera"), required=False, max_length=100
    )
    wojewodztwo = forms.ChoiceField(label=gettext_lazy("Województwo"), required=False)
    kolejnosc = forms.ChoiceField(
        label=gettext_lazy("Kolejność ośrodków"),
        required=False,
        choices=[
            ("nazwa", gettext_lazy("nazwa: od A do Ż")),
            ("-nazwa", gettext_lazy("nazwa: od Ż do A")),
            ("-ludnosc", gettext_lazy("liczba mieszkańców: od największej")),
            ("ludnosc", gettext_lazy("liczba mieszkańców: od najmniejszej")),
        ],
    )

    def __init__(self, data: Any, *, voivodeships: Sequence[tuple[str, str]]) -> None:
        super().__init__(data)
        field = cast(forms.ChoiceField, self.fields["wojewodztwo"])
        field.choices = [("", _("wszystkie")), *voivodeships]

    def centres(self, centres: QuerySet[Centre]) -> QuerySet[Centre]:
        """``centres`` filtered and ordered as asked (all of them, by name, when the choices
        are not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        if name := (data.get("nazwa") or "").strip():
            centres = centres.filter(short_name__icontains=name)
        if voivodeship := data.get("wojewodztwo"):
            centres = centres.filter(voivodeship=voivodeship)
        return centres.order_by(*SORTS[data.get("kolejnosc") or "nazwa"])


@dataclass(frozen=True)
class VoivodeshipRow:
    code: str
    name: str
    centres: int
    window: Shown


def _region(request: HttpRequest, today: dt.date) -> HttpResponse:
    """A coordinator's named centres a page at a time, and their voivodeships as wholes: what
    the page protects and renders does not grow with the number of centres, and what it reads
    only by a row per centre of the country (the national distribution) — the voivodeships'
    months come pooled by PostgreSQL, a row per voivodeship and month."""
    user = signed_in_user(request)
    in_scope = centre_list_for_portal_user(user=user)
    labels = dict(Voivodeship.choices)
    voivodeships = [(code, labels.get(code, code)) for code in sorted(user.voivodeships)]
    listing = CentreListForm(request.GET, voivodeships=voivodeships)
    chosen = listing.centres(in_scope)
    page_of_centres = Paginator(chosen, CENTRES_PER_PAGE).get_page(request.GET.get("strona"))
    centres = list(page_of_centres.object_list)
    form = BenchmarkForm(request.GET, today=today, default_months=12, windows=True, pooled=True)
    context: dict[str, Any] = {
        "form": form,
        "list_form": listing,
        "page": page_of_centres,
        "centres": centres,
        "has_centres": bool(centres) or in_scope.exists(),
        "voivodeships": user.voivodeship_labels,
        "gate": gate_context(),
        "window_text": month_range_text(
            str(form["from"].value() or ""), str(form["to"].value() or "")
        ),
    }
    if not form.is_valid() or not context["has_centres"]:
        return render(request, "benchmarking/ui/compare_region.html", context)
    definition = form.definition
    first, last = form.window
    family = family_of(user.role, user.voivodeships)
    # The named centres first: where a voivodeship's total and its centres' figures could
    # not all be shown, the total is what the linked audit hides.
    context |= _page_of_centres(centres, form, definition, family, today)
    summary: list[VoivodeshipRow] = []
    summary_reason = str(NO_COUNT_TOTALS)
    if definition.disclosure != DisclosureClass.COUNT:
        summary, summary_reason = _voivodeship_summary(
            voivodeships=voivodeships, definition=definition, first=first, last=last, family=family
        )
    context |= {
        "indicator": indicator(definition),
        "summary": summary,
        "summary_reason": summary_reason,
    }
    national = cohort_section(
        cohort=COHORTS_BY_CODE["platforma"],
        definition=definition,
        first=first,
        last=last,
        viewer=None,
        family=family,
        chart_id="national-chart",
    )
    quartiles = list(zip(QUARTILE_LABELS, national.quartile_values, strict=False))
    rows: list[CentreRow] = context["rows"]
    context |= {
        "national": national,
        "reasons": reasons_of(context["all_values"] + [r.window for r in summary]),
        "window_chart": bar_chart(
            chart_id="window-chart",
            title=_("%(indicator)s w całym okresie – ośrodki regionu")
            % {"indicator": definition.name_pl},
            rows=[(r.centre.short_name, r.window.value, r.window.text, False) for r in rows],
            unit=unit_text(definition),
            quartiles=quartiles,
            intro=_("Linie przerywane: kwartyle wszystkich ośrodków na platformie.")
            if quartiles
            else "",
        )
        if rows
        else None,
    }
    return render(request, "benchmarking/ui/compare_region.html", context)


def _page_of_centres(
    centres: Sequence[Centre],
    form: BenchmarkForm,
    definition: MetricDefinition,
    family: tuple[str, str],
    today: dt.date,
) -> dict[str, Any]:
    """The named centres of one page: each one's months and window, its before/after change,
    and the monthly trend; nothing when the page has none."""
    if not centres:
        return {"rows": [], "months": [], "all_values": [], "trend_chart": None}
    first, last = form.window
    # As the API's compare: the months and the window of each named centre from one protected
    # answer, recorded in the coordinator's family of the ledger; then each centre's
    # before/after answer. Both for all centres of the page together: one read and one insert
    # each.
    answers = scope_answers(
        scopes=[(centre_scope(centre), [centre]) for centre in centres],
        definition=definition,
        first=first,
        last=last,
        audience=Audience.REGION,
        family=family,
        named=True,
        channel=PublishedCell.Channel.PAGE,
    )
    changes = window_changes(
        centres=centres,
        definition=definition,
        audience=Audience.REGION,
        family=family,
        today=today,
        **form.window_months,
    )
    rows: list[CentreRow] = []
    monthly: list[list[Shown]] = []
    for centre, window in zip(centres, answers, strict=True):
        monthly.append([shown(entry, definition.unit) for entry in window["monthly"]])
        change, note = changes[centre.pk]
        go_live, assumed = go_live_of(centre)
        rows.append(
            CentreRow(
                centre, go_live, assumed, shown(window["window"], definition.unit), change, note
            )
        )
    periods = [entry["period"] for entry in answers[0]["monthly"]]
    months = [
        MonthCells(month_text(period), [values[i] for values in monthly])
        for i, period in enumerate(periods)
    ]
    all_values = [r.window for r in rows] + [v for values in monthly for v in values]
    for row in rows:
        if row.change:
            all_values += [row.change.before, row.change.after]
    return {
        "rows": rows,
        "months": months,
        "all_values": all_values,
        "trend_chart": line_chart(
            chart_id="trend-chart",
            title=_("%(indicator)s miesiąc po miesiącu – ośrodki regionu")
            % {"indicator": definition.name_pl},
            periods=periods,
            series=[
                (c.short_name, [v.value for v in values])
                for c, values in zip(centres, monthly, strict=True)
            ],
            unit=unit_text(definition),
            go_lives=[
                (key, go_live_label(c, named=True))
                for c in centres
                if (key := go_live_key(c)) is not None
            ],
        ),
    }


def _voivodeship_summary(
    *,
    voivodeships: Sequence[tuple[str, str]],
    definition: MetricDefinition,
    first: dt.date,
    last: dt.date,
    family: tuple[str, str],
) -> tuple[list[VoivodeshipRow], str]:
    """Each of the coordinator's voivodeships as a whole (the API's ``aggregates`` of an own
    voivodeship: all its centres pooled, through the same guard, recorded in the same family),
    or the reason the totals cannot be shown now. One row per voivodeship, whatever the number
    of its centres."""
    names = dict(voivodeships)
    try:
        answers = voivodeship_answers(
            voivodeships=list(names),
            definition=definition,
            first=first,
            last=last,
            family=family,
            channel=PublishedCell.Channel.PAGE,
        )
    except Conflict as error:
        return [], error.message
    return [
        VoivodeshipRow(code, names[code], centres, shown(answer["window"], definition.unit))
        for code, centres, answer in answers
    ], ""


def _aggregates(request: HttpRequest, today: dt.date) -> HttpResponse:
    form = BenchmarkForm(
        request.GET, today=today, default_months=12, scopes=scope_choices(), pooled=True
    )
    context: dict[str, Any] = {"form": form, "gate": gate_context()}
    if form.is_valid():
        definition = form.definition
        first, last = form.window
        scope = form.cleaned_data["scope"]
        centres = scope_centres(scope)
        # As the API's aggregates: the scope's months and window, for the ministry; a scope of
        # too few centres is refused with the gate's reason against the scope field.
        try:
            figures = scope_answer(
                scope=scope,
                centres=centres,
                definition=definition,
                first=first,
                last=last,
                audience=Audience.MINISTRY,
                family=family_of(getattr(request.user, "role", ""), []),
                channel=PublishedCell.Channel.PAGE,
            )
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                form.add_error(name if name in form.fields else None, messages)
            return render(request, "benchmarking/ui/compare_aggregates.html", context)
        except Conflict as error:
            form.add_error(None, error.message)
            return render(request, "benchmarking/ui/compare_aggregates.html", context)
        months = [
            (month_text(m["period"]), m["period"], shown(m, definition.unit))
            for m in figures["monthly"]
        ]
        label = scope_label(scope)
        context |= {
            "indicator": indicator(definition),
            "scope_label": label,
            "centre_count": figures["centres"],
            "window": shown(figures["window"], definition.unit),
            "months": months,
            "reasons": reasons_of(
                [m[2] for m in months] + [shown(figures["window"], definition.unit)]
            ),
            "chart": line_chart(
                chart_id="aggregate-chart",
                title=_("%(indicator)s – %(scope)s")
                % {"indicator": definition.name_pl, "scope": label},
                periods=[m[1] for m in months],
                series=[(label, [m[2].value for m in months])],
                unit=unit_text(definition),
            ),
        }
    return render(request, "benchmarking/ui/compare_aggregates.html", context)


@page(releases_aggregates=True)
@portal_required
def centre_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One centre of a coordinator's region: its indicators over time and before/after."""
    user = signed_in_user(request)
    if user.role != Role.REGIONAL_COORDINATOR:
        raise PermissionDenied(NAMED_CENTRES_ONLY)
    centre = centre_list().filter(slug=slug).first()
    if centre is None:
        raise Http404(_("Nie ma takiego ośrodka."))
    if centre.voivodeship not in user.voivodeships:
        raise PermissionDenied(OUT_OF_SCOPE)
    today = timezone.localdate()
    form = BenchmarkForm(request.GET, today=today, default_months=24, windows=True)
    context: dict[str, Any] = {
        "form": form,
        "centre_shown": centre,
        **go_live_context(centre),
        "gate": gate_context(),
    }
    if form.is_valid():
        context |= centre_sections(
            centre=centre,
            form=form,
            audience=Audience.REGION,
            family=family_of(user.role, user.voivodeships),
            today=today,
            series_title=_("%(indicator)s w kolejnych miesiącach – %(centre)s")
            % {"indicator": form.definition.name_pl, "centre": centre.short_name},
        )
    return render(request, "benchmarking/ui/centre_detail.html", context)
