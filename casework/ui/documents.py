"""Documents of a case, as a printable page and as a PDF: the administrative decision and the social
contract. Whoever may read the case may open them; each opening is a read of the party's personal
data and is recorded in the audit trail, as the API records its reads."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from casework.audit import audit_reads
from casework.documents.builders import CentreInfo, contract_document, decision_document
from casework.documents.model import Document
from casework.documents.pdf import render_pdf
from casework.documents.selectors import (
    benefit_name,
    contract_for_document,
    decision_for_document,
    post_held_on,
)
from casework.models import Decision, SocialContract
from casework.permissions import Capability, require_capability
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from tenants.http import request_centre


def case_detail_url(case_id: UUID) -> str | None:
    """The case file page, where it is installed."""
    try:
        return reverse("casework-ui:case-detail", kwargs={"case_id": case_id})
    except NoReverseMatch:
        return None


def _centre(request: HttpRequest) -> CentreInfo:
    centre = request_centre(request)
    if centre is None:  # staff_required already keeps the portal out
        raise PermissionDenied(_("Dokumenty są dostępne tylko w ośrodku."))
    return CentreInfo.of(centre)


def _decision(request: HttpRequest, decision_id: UUID) -> tuple[Decision, Document]:
    with domain_errors_as_http():
        require_capability(signed_in_user(request), Capability.READ)
        decision = decision_for_document(public_id=decision_id)
    post = post_held_on(worker=decision.issued_by, day=decision.issued_on)
    document = decision_document(
        decision,
        centre=_centre(request),
        benefit=benefit_name(decision.benefit),
        signatory_post=post.job_title if post else "",
    )
    audit_reads([decision])
    return decision, document


def _contract(request: HttpRequest, contract_id: UUID) -> tuple[SocialContract, Document]:
    with domain_errors_as_http():
        require_capability(signed_in_user(request), Capability.READ)
        contract = contract_for_document(public_id=contract_id)
    post = post_held_on(worker=contract.worker, day=contract.signed_on or contract.starts_on)
    document = contract_document(
        contract, centre=_centre(request), worker_post=post.job_title if post else ""
    )
    audit_reads([contract])
    return contract, document


def _page(request: HttpRequest, document: Document, *, case_id: UUID, pdf_url: str) -> HttpResponse:
    response = render(
        request,
        "casework/ui/documents/document.html",
        {"document": document, "back_url": case_detail_url(case_id), "pdf_url": pdf_url},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf(document: Document) -> HttpResponse:
    response = HttpResponse(render_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def decision_print(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    decision, document = _decision(request, decision_id)
    pdf_url = reverse("casework-ui:decision-pdf", kwargs={"decision_id": decision_id})
    return _page(request, document, case_id=decision.application.case.public_id, pdf_url=pdf_url)


@staff_required
def decision_pdf(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    _, document = _decision(request, decision_id)
    return _pdf(document)


@staff_required
def contract_print(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    contract, document = _contract(request, contract_id)
    pdf_url = reverse("casework-ui:contract-pdf", kwargs={"contract_id": contract_id})
    return _page(request, document, case_id=contract.case.public_id, pdf_url=pdf_url)


@staff_required
def contract_pdf(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    _, document = _contract(request, contract_id)
    return _pdf(document)
