"""The benchmark page of a centre's host: the centre's own indicators over time, before and after
its go-live, and its position among anonymous peers where the rules allow (as the centre API's
``series``, ``before-after`` and ``cohorts/<code>`` answers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking.centre_answers import own_family, peer_family
from benchmarking.cohorts import COHORTS_BY_CODE, cohorts_of
from benchmarking.disclosure import Audience
from benchmarking.ui.forms import BenchmarkForm
from benchmarking.ui.pages import gate_context, page
from benchmarking.ui.sections import centre_sections, cohort_section, go_live_context
from opsplatform.schemas import current_tenant
from opsplatform.ui.access import staff_required


@page(releases_aggregates=True)
@staff_required
def centre_benchmarks(request: HttpRequest) -> HttpResponse:
    centre = current_tenant()
    today = timezone.localdate()
    cohorts = cohorts_of(centre, today)
    form = BenchmarkForm(request.GET, today=today, default_months=24, windows=True, cohorts=cohorts)
    context: dict[str, object] = {
        "form": form,
        "centre": centre,
        **go_live_context(centre),
        "gate": gate_context(),
    }
    if form.is_valid():
        first, last = form.window
        context |= centre_sections(
            centre=centre,
            form=form,
            audience=Audience.OWN_CENTRE,
            family=own_family(centre),
            today=today,
            series_title=_("%(indicator)s w kolejnych miesiącach")
            % {"indicator": form.definition.name_pl},
        )
        context["cohort"] = cohort_section(
            cohort=COHORTS_BY_CODE[form.cleaned_data["cohort"]],
            definition=form.definition,
            first=first,
            last=last,
            viewer=centre,
            family=peer_family(centre),
            chart_id="cohort-chart",
        )
    return render(request, "benchmarking/ui/centre.html", context)
