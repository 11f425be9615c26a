"""Documents of a case: the decision and the social contract, printable and as PDF."""

from django.urls import path

from casework.ui import documents

urlpatterns = [
    path("decyzje/<uuid:decision_id>/druk/", documents.decision_print, name="decision-print"),
    path("decyzje/<uuid:decision_id>/pdf/", documents.decision_pdf, name="decision-pdf"),
    path("kontrakty/<uuid:contract_id>/druk/", documents.contract_print, name="contract-print"),
    path("kontrakty/<uuid:contract_id>/pdf/", documents.contract_pdf, name="contract-pdf"),
]
