"""RODO pages for the manager and the auditor: subject-access requests ("Wnioski RODO": find a
person, see everything the centre holds about them and every access to it, download it as JSON or
PDF) and the register of processing activities (art. 30) with its PDF form.

Who: the manager and the auditor (capability ``AUDIT_READ``, as the access log). The platform has
no data protection officer role; a DPO is given the auditor's read-only role. Other roles get 403.
Building the report, on screen or as a file, is recorded in the audit trail as a read of the person
for the purpose ``subject_access``; searching records a read of each person listed, as the access
log's search does.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from casework.documents.model import ascii_filename, polish_date
from casework.models import Person
from casework.permissions import Capability, require_capability
from casework.rodo.layout import (
    ACCESS_COLUMNS,
    access_rows,
    display,
    membership_rows,
    section_rows,
)
from casework.rodo.pdf import register_pdf, subject_access_pdf
from casework.rodo.register import processing_register
from casework.rodo.report_types import SubjectAccessReport
from casework.rodo.subject_access import record_export, subject_access_report
from casework.selectors.people import person_get
from casework.ui.person_search import RESULTS_TEMPLATE, audited_person_search, results_only
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from tenants.http import request_centre
from tenants.models import Centre


def _centre(request: HttpRequest) -> Centre:
    centre = request_centre(request)
    if centre is None:  # staff_required already keeps the portal out
        raise PermissionDenied(_("Ta strona jest dostępna tylko w ośrodku."))
    return centre


def _allowed(request: HttpRequest) -> None:
    with domain_errors_as_http():
        require_capability(signed_in_user(request), Capability.AUDIT_READ)


@require_GET
@staff_required
def requests_page(request: HttpRequest) -> HttpResponse:
    """Find the person a request is about: by PESEL or name (as you type with htmx)."""
    _allowed(request)
    context = audited_person_search(
        request, link_to="casework-ui:rodo-person", link_label=gettext_noop("Dane osoby: %(name)s")
    )
    if results_only(request):
        return render(request, RESULTS_TEMPLATE, context)
    return render(request, "casework/rodo/requests.html", context)


def _report(request: HttpRequest, person_id: UUID) -> tuple[Person, SubjectAccessReport]:
    _allowed(request)
    centre = _centre(request)
    with domain_errors_as_http():
        person = person_get(public_id=person_id)
        report = subject_access_report(user=signed_in_user(request), person=person, centre=centre)
    return person, report


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def subject_access_page(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, report = _report(request, person_id)
    response = render(
        request,
        "casework/rodo/subject_access.html",
        {
            "person": person,
            "report": report,
            "sections": section_rows(report),
            "access_headers": [title for _, title in ACCESS_COLUMNS],
            "access_rows": access_rows(report),
            "memberships": membership_rows(report),
            "generated_at": display(report["generated_at"]),
        },
    )
    record_export(person)
    return _no_store(response)


@require_GET
@staff_required
def subject_access_json(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, report = _report(request, person_id)
    content = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=ascii_filename(
            "dane-osoby", person.last_name, person.first_name, extension="json"
        ),
    )
    record_export(person)
    return _no_store(response)


@require_GET
@staff_required
def subject_access_pdf_view(request: HttpRequest, person_id: UUID) -> HttpResponse:
    person, report = _report(request, person_id)
    response = HttpResponse(subject_access_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=ascii_filename("dane-osoby", person.last_name, person.first_name),
    )
    record_export(person)
    return _no_store(response)


@require_GET
@staff_required
def register_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    register = processing_register(_centre(request))
    return render(
        request,
        "casework/rodo/register.html",
        {
            "register": register,
            "controller": register.controller.as_dict(),
            "today": timezone.localdate(),
        },
    )


@require_GET
@staff_required
def register_pdf_view(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    centre = _centre(request)
    content = register_pdf(
        processing_register(centre),
        centre_short_name=centre.short_name,
        generated_on=polish_date(timezone.localdate()),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=ascii_filename("rejestr-czynnosci", centre.slug)
    )
    return _no_store(response)
