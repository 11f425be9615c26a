"""The benchmark page of a centre's host: the centre's own indicators over time, before and after
its go-live, and its position among anonymous peers where the rules allow (as the centre API's
``series``, ``before-after`` and ``cohorts/<code>`` answers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking.cohorts import COHORTS_BY_CODE, cohorts_of
from benchmarking.disclosure import Audience
from benchmarking.ui.forms import BenchmarkForm
from benchmarking.ui.pages import gate_context, page
from benchmarking.ui.sections import (
    before_after_or_error,
    cohort_section,
    go_live_of,
    indicator,
    series_section,
)
from opsplatform.schemas import current_tenant
from opsplatform.ui.access import staff_required


@page(releases_aggregates=True)
@staff_required
def centre_benchmarks(request: HttpRequest) -> HttpResponse:
    centre = current_tenant()
    today = timezone.localdate()
    cohorts = cohorts_of(centre, today)
    form = BenchmarkForm(request.GET, today=today, default_months=24, windows=True, cohorts=cohorts)
    go_live, go_live_assumed = go_live_of(centre)
    context: dict[str, object] = {
        "form": form,
        "centre": centre,
        "go_live": go_live,
        "go_live_assumed": go_live_assumed,
        "gate": gate_context(),
    }
    if form.is_valid():
        definition = form.definition
        first, last = form.window
        data = form.cleaned_data
        before_after, before_after_error = before_after_or_error(
            centre=centre,
            definition=definition,
            audience=Audience.OWN_CENTRE,
            before_months=data["before_months"],
            after_months=data["after_months"],
            skip_months=data["skip_months"],
            today=today,
            chart_id="before-after-chart",
        )
        context |= {
            "indicator": indicator(definition),
            "series": series_section(
                centre=centre,
                definition=definition,
                first=first,
                last=last,
                audience=Audience.OWN_CENTRE,
                chart_id="series-chart",
                title=_("%(indicator)s w kolejnych miesiącach") % {"indicator": definition.name_pl},
            ),
            "before_after": before_after,
            "before_after_error": before_after_error,
            "cohort": cohort_section(
                cohort=COHORTS_BY_CODE[data["cohort"]],
                definition=definition,
                first=first,
                last=last,
                viewer=centre,
                chart_id="cohort-chart",
            ),
        }
    return render(request, "benchmarking/ui/centre.html", context)
