"""Social work and care services: the forms of the case file's social-work sections, the contract
page, and the worker's activity log. Names in the ``casework-ui`` namespace."""

from django.urls import path

from casework.ui.socialwork import activity, care, contracts, panel, programmes

urlpatterns = [
    path(
        "sprawy/<uuid:case_id>/praca-socjalna/",
        panel.case_socialwork,
        name="case-socialwork",
    ),
    path(
        "sprawy/<uuid:case_id>/kontrakty/nowy/",
        contracts.contract_create_view,
        name="contract-create",
    ),
    path("kontrakty/<uuid:contract_id>/", contracts.contract_detail, name="contract-detail"),
    path(
        "kontrakty/<uuid:contract_id>/podpisanie/",
        contracts.contract_sign_view,
        name="contract-sign",
    ),
    path(
        "kontrakty/<uuid:contract_id>/oceny/",
        contracts.contract_review_plan_view,
        name="contract-review-plan",
    ),
    path(
        "kontrakty/<uuid:contract_id>/oceny/<uuid:review_id>/",
        contracts.contract_review_record_view,
        name="contract-review-record",
    ),
    path(
        "kontrakty/<uuid:contract_id>/zakonczenie/",
        contracts.contract_complete_view,
        name="contract-complete",
    ),
    path(
        "kontrakty/<uuid:contract_id>/zerwanie/",
        contracts.contract_break_view,
        name="contract-break",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/nowy/",
        programmes.programme_create_view,
        name="programme-create",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/<uuid:programme_id>/zakonczenie/",
        programmes.programme_complete_view,
        name="programme-complete",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/<uuid:programme_id>/przerwanie/",
        programmes.programme_discontinue_view,
        name="programme-discontinue",
    ),
    path(
        "sprawy/<uuid:case_id>/projekty/uczestnik/",
        programmes.participant_add_view,
        name="participant-add",
    ),
    path(
        "sprawy/<uuid:case_id>/projekty/<uuid:project_id>/udzial/<uuid:participation_id>/koniec/",
        programmes.participant_remove_view,
        name="participant-remove",
    ),
    path(
        "sprawy/<uuid:case_id>/uslugi/nowy/",
        care.service_plan_create_view,
        name="service-plan-create",
    ),
    path(
        "uslugi/<uuid:plan_id>/realizacja/",
        care.service_delivery_view,
        name="service-delivery-record",
    ),
    path(
        "sprawy/<uuid:case_id>/czas-pracy/",
        activity.case_activity_log_view,
        name="case-activity-log",
    ),
    path("czas-pracy/", activity.activity_page, name="activity-log"),
]
