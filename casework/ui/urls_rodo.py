"""RODO pages: subject-access requests and the register of processing activities."""

from django.urls import path

from casework.ui import rodo

urlpatterns = [
    path("wnioski-rodo/", rodo.requests_page, name="rodo"),
    path("wnioski-rodo/<uuid:person_id>/", rodo.subject_access_page, name="rodo-person"),
    path("wnioski-rodo/<uuid:person_id>/json/", rodo.subject_access_json, name="rodo-person-json"),
    path(
        "wnioski-rodo/<uuid:person_id>/pdf/", rodo.subject_access_pdf_view, name="rodo-person-pdf"
    ),
    path("rejestr-czynnosci/", rodo.register_page, name="rodo-register"),
    path("rejestr-czynnosci/pdf/", rodo.register_pdf_view, name="rodo-register-pdf"),
]
