"""The ministry analyst's export pages on the portal: the export builder, a job's progress (a
small fragment polled by htmx), the file's download and the list of the analyst's own exports
with their provenance.

The builder sends the analyst's choices to ``benchmarking.exports.request.export_request``
exactly as the API's ``POST /api/exports/`` does (the same checks, the same Celery job); the file
itself is built through the disclosure gate by the worker. Only the requester sees or downloads an
export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benchmarking.exports.budget import budget_summary
from benchmarking.exports.parameters import TABLES
from benchmarking.exports.request import (
    export_for_requester,
    export_list_for_requester,
    export_request,
)
from benchmarking.models import ExportJob
from benchmarking.ui.forms import EXPORT_FIELD_MAP, ExportForm
from benchmarking.ui.pages import page
from benchmarking.ui.sections import scope_choices
from opsplatform.errors import DomainError, NotFound
from opsplatform.ui.access import is_htmx, portal_required, roles_required, signed_in_user
from opsplatform.ui.forms import apply_domain_error, success_redirect
from tenants.accounts.models import User
from tenants.accounts.roles import Role

ANALYST_ONLY = gettext_lazy("Eksporty dla ministerstwa zamawiają analitycy ministerstwa.")
analyst_required = roles_required({Role.MINISTRY_ANALYST}, cast(str, ANALYST_ONLY))
PROVENANCE_VERSIONS = "Wersje definicji wskaźników"
PROVENANCE_RUNS = ("Przebiegi przeliczeń (tabele)", "Przebiegi przeliczeń (wskaźniki)")


@dataclass(frozen=True)
class ExportRow:
    """An export as the list and the job page show it (parameters and provenance)."""

    job: ExportJob
    period: str
    scope: str
    tables: list[str]
    fmt: str
    dp_rho: float | None
    versions: str
    runs: list[tuple[str, str]]
    provenance: list[tuple[str, str]]

    @property
    def requested_by(self) -> str:
        return person_name(self.job.requested_by)

    @property
    def polling(self) -> bool:
        return self.job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)

    @property
    def done(self) -> bool:
        return self.job.status == ExportJob.Status.DONE

    @property
    def failed(self) -> bool:
        return self.job.status == ExportJob.Status.FAILED

    @property
    def seen(self) -> str:
        return f"{self.job.status}-{self.job.progress}"


ROMAN_HALVES = {"1": "I", "2": "II"}
EXPORTS_PER_PAGE = 10


def period_text(period: str) -> str:
    """'2020-H2' as 'II półrocze 2020', '2020' as 'rok 2020': as people name a period."""
    year, _sep, half = period.partition("-H")
    if not year.isdigit():
        return period
    if half in ROMAN_HALVES:
        return str(_("%(half)s półrocze %(year)s") % {"half": ROMAN_HALVES[half], "year": year})
    return str(_("rok %(year)s") % {"year": year})


def person_name(user: User | None) -> str:
    """A person's name (the user name only when no name is recorded)."""
    if user is None:
        return ""
    return str(user.get_full_name()).strip() or str(user.get_username())


def export_row(job: ExportJob) -> ExportRow:
    parameters = job.parameters
    scopes = dict(scope_choices())
    provenance = {str(k): str(v) for k, v in (job.provenance or {}).items()}
    return ExportRow(
        job=job,
        period=period_text(str(parameters.get("period", ""))),
        scope=str(scopes.get(parameters.get("scope", ""), parameters.get("scope", ""))),
        tables=[TABLES.get(t, t) for t in parameters.get("tables", [])],
        fmt=str(parameters.get("format", "")).upper(),
        dp_rho=parameters.get("dp_rho"),
        versions=provenance.get(PROVENANCE_VERSIONS, ""),
        runs=[(label, provenance[label]) for label in PROVENANCE_RUNS if provenance.get(label)],
        provenance=list(provenance.items()),
    )


def _own_export(request: HttpRequest, public_id: UUID) -> ExportJob:
    try:
        return export_for_requester(user=signed_in_user(request), public_id=str(public_id))
    except NotFound as error:
        raise Http404(error.message) from None


def _budget(year: int) -> dict[str, Any]:
    return budget_summary(year)


@page(releases_aggregates=False)  # export records; the files are built through the gate
@portal_required
@analyst_required
def exports(request: HttpRequest) -> HttpResponse:
    """The export builder and the analyst's past exports."""
    today = timezone.localdate()
    form = ExportForm(
        request.POST if request.method == "POST" else None,
        scopes=scope_choices(),
        today=today,
        budget_url=reverse("benchmarking-portal:export-budget"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = export_request(user=signed_in_user(request), data=form.request_data())
        except DomainError as error:
            apply_domain_error(form, error, EXPORT_FIELD_MAP)
        else:
            return success_redirect(
                request,
                reverse("benchmarking-portal:export", args=[job.public_id]),
                _("Eksport zamówiony – przygotowuje go serwer w tle."),
            )
    context = {"form": form, "budget": _budget(form.selected_year)}
    if is_htmx(request):
        return render(request, "benchmarking/ui/_export_form.html", context)
    # Past exports a page at a time, newest first, each folded to one line.
    page = Paginator(
        export_list_for_requester(user=signed_in_user(request)), EXPORTS_PER_PAGE
    ).get_page(request.GET.get("strona"))
    context["page"] = page
    context["exports"] = [export_row(job) for job in page.object_list]
    return render(request, "benchmarking/ui/exports.html", context)


@page(releases_aggregates=False)  # the privacy-budget ledger's sums
@portal_required
@analyst_required
def export_budget(request: HttpRequest) -> HttpResponse:
    """The remaining yearly privacy budget for the year chosen in the builder (a fragment)."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return render(request, "benchmarking/ui/_export_budget.html", {"budget": _budget(year)})


@page(releases_aggregates=False)  # one export record
@portal_required
@analyst_required
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    row = export_row(_own_export(request, public_id))
    return render(request, "benchmarking/ui/export_detail.html", {"row": row})


@page(releases_aggregates=False)  # one export record's progress
@portal_required
@analyst_required
def export_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The progress fragment htmx polls; unchanged since the last poll: 204, nothing swapped."""
    row = export_row(_own_export(request, public_id))
    if is_htmx(request) and request.GET.get("seen") == row.seen and row.polling:
        return HttpResponse(status=204)
    # Once the file is ready, the "export ordered" message of the page has said its part.
    return render(request, "benchmarking/ui/_export_status.html", {"row": row, "oob": True})


@page(releases_aggregates=False)  # the stored file, built through the gate by the worker
@portal_required
@analyst_required
def export_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = _own_export(request, public_id)
    if job.status != ExportJob.Status.DONE or job.content is None:
        messages.warning(request, _("Eksport nie jest jeszcze gotowy."))
        return redirect("benchmarking-portal:export", public_id=job.public_id)
    response = HttpResponse(bytes(job.content), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["X-Checksum-SHA256"] = job.sha256
    response["Cache-Control"] = "private, no-store"
    return response
