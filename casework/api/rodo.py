"""RODO: a person's subject-access report (JSON and PDF) and the art. 30 register, for managers
and auditors. Each export of a person's data is recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView
from casework.documents.model import ascii_filename
from casework.models import Person
from casework.permissions import Capability, require_capability
from casework.rodo.pdf import subject_access_pdf
from casework.rodo.register import processing_register
from casework.rodo.report_types import SubjectAccessReport
from casework.rodo.subject_access import record_export, subject_access_report
from casework.selectors.people import person_get
from opsplatform.api.authentication import account
from opsplatform.errors import NotFound
from tenants.http import request_centre


class SubjectAccessOutput(serializers.Serializer[Any]):
    """The report's top level; each list holds one object per record (see the description)."""

    format = serializers.CharField(help_text="Wersja formatu, np. ops-subject-access/1.")
    generated_at = serializers.DateTimeField()
    generated_by = serializers.DictField()
    centre = serializers.DictField(help_text="Ośrodek i administrator danych (art. 30 ust. 1a).")
    person = serializers.DictField(help_text="Dane identyfikacyjne i kontaktowe osoby.")
    household_memberships = serializers.ListField(
        child=serializers.DictField(),
        help_text="Członkostwa w gospodarstwach; pozostali członkowie tylko z imienia, nazwiska "
        "i pokrewieństwa.",
    )
    incomes = serializers.ListField(child=serializers.DictField())
    intakes = serializers.ListField(child=serializers.DictField())
    cases = serializers.ListField(child=serializers.DictField())
    applications = serializers.ListField(child=serializers.DictField())
    delay_notices = serializers.ListField(child=serializers.DictField())
    interviews = serializers.ListField(child=serializers.DictField())
    decisions = serializers.ListField(child=serializers.DictField())
    appeals = serializers.ListField(child=serializers.DictField())
    social_contracts = serializers.ListField(child=serializers.DictField())
    individual_programmes = serializers.ListField(child=serializers.DictField())
    project_participations = serializers.ListField(child=serializers.DictField())
    service_plans = serializers.ListField(child=serializers.DictField())
    service_deliveries = serializers.ListField(child=serializers.DictField())
    time_log = serializers.ListField(child=serializers.DictField())
    access_report = serializers.ListField(
        child=serializers.DictField(),
        help_text="Każdy dostęp do danych: kiedy, kto (użytkownik, rola), rodzaj danych, "
        "odczyt/utworzenie/zmiana, powód dostępu awaryjnego.",
    )
    processing = serializers.ListField(
        child=serializers.DictField(), help_text="Cele, podstawy prawne i okresy przechowywania."
    )
    rectification = serializers.DictField()


def _report(request: Request, person_id: str) -> tuple[Person, SubjectAccessReport]:
    require_capability(account(request), Capability.AUDIT_READ)
    centre = request_centre(request)
    if centre is None:
        raise NotFound("Dane osób są dostępne tylko w ośrodku.")
    person = person_get(public_id=person_id)
    return person, subject_access_report(user=account(request), person=person, centre=centre)


_DESCRIPTION = (
    "Wszystkie dane osoby przechowywane przez ośrodek, z raportem dostępu do nich, na wniosek o "
    "dostęp do danych (art. 15 RODO). Tylko kierownik i audytor; wydanie zostaje zapisane w "
    "dzienniku dostępu (odczyt, cel: subject_access). Sprostowanie danych: PATCH /api/people/<id>/."
)


class SubjectAccessApi(CaseworkApiView):
    @extend_schema(
        operation_id="person_subject_access",
        responses=SubjectAccessOutput,
        description=_DESCRIPTION,
    )
    def get(self, request: Request, person_id: str) -> Response:
        person, report = _report(request, person_id)
        record_export(person)
        response = Response(report)
        response["Cache-Control"] = "private, no-store"
        return response


class SubjectAccessPdfApi(CaseworkApiView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The answer is a PDF whatever the Accept header asks; errors fall back to JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="person_subject_access_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Raport w PDF."
            )
        },
        description=_DESCRIPTION,
    )
    def get(self, request: Request, person_id: str) -> HttpResponse:
        person, report = _report(request, person_id)
        content = subject_access_pdf(report)
        record_export(person)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True,
            filename=ascii_filename("dane-osoby", person.last_name, person.first_name),
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ProcessingRegisterApi(CaseworkApiView):
    @extend_schema(
        operation_id="processing_register",
        responses={200: OpenApiTypes.OBJECT},
        description="Rejestr czynności przetwarzania ośrodka (art. 30 ust. 1 RODO), z konfiguracji "
        "platformy i danych ośrodka z rejestru. Tylko kierownik i audytor.",
    )
    def get(self, request: Request) -> Response:
        require_capability(account(request), Capability.AUDIT_READ)
        centre = request_centre(request)
        if centre is None:
            raise NotFound("Rejestr jest dostępny tylko w ośrodku.")
        data = processing_register(centre).as_dict()
        data["generated_on"] = timezone.localdate().isoformat()
        return Response(data)


urlpatterns = [
    path(
        "people/<uuid:person_id>/subject-access/",
        SubjectAccessApi.as_view(),
        name="person-subject-access",
    ),
    path(
        "people/<uuid:person_id>/subject-access/pdf/",
        SubjectAccessPdfApi.as_view(),
        name="person-subject-access-pdf",
    ),
    path("rodo/register/", ProcessingRegisterApi.as_view(), name="processing-register"),
]
