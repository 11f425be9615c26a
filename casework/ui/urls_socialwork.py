"""Social work and care services: the forms of the case file's social-work sections, the contract
page, and the worker's activity log. Names in the ``casework-ui`` namespace."""

from django.urls import path

from casework.ui import socialwork as views

urlpatterns = [
    path(
        "sprawy/<uuid:case_id>/praca-socjalna/",
        views.case_socialwork,
        name="case-socialwork",
    ),
    path(
        "sprawy/<uuid:case_id>/kontrakty/nowy/",
        views.contract_create_view,
        name="contract-create",
    ),
    path("kontrakty/<uuid:contract_id>/", views.contract_detail, name="contract-detail"),
    path(
        "kontrakty/<uuid:contract_id>/podpisanie/",
        views.contract_sign_view,
        name="contract-sign",
    ),
    path(
        "kontrakty/<uuid:contract_id>/oceny/",
        views.contract_review_plan_view,
        name="contract-review-plan",
    ),
    path(
        "kontrakty/<uuid:contract_id>/oceny/<uuid:review_id>/",
        views.contract_review_record_view,
        name="contract-review-record",
    ),
    path(
        "kontrakty/<uuid:contract_id>/zakonczenie/",
        views.contract_complete_view,
        name="contract-complete",
    ),
    path(
        "kontrakty/<uuid:contract_id>/zerwanie/",
        views.contract_break_view,
        name="contract-break",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/nowy/",
        views.programme_create_view,
        name="programme-create",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/<uuid:programme_id>/zakonczenie/",
        views.programme_complete_view,
        name="programme-complete",
    ),
    path(
        "sprawy/<uuid:case_id>/programy/<uuid:programme_id>/przerwanie/",
        views.programme_discontinue_view,
        name="programme-discontinue",
    ),
    path(
        "sprawy/<uuid:case_id>/projekty/uczestnik/",
        views.participant_add_view,
        name="participant-add",
    ),
    path(
        "sprawy/<uuid:case_id>/projekty/<uuid:project_id>/udzial/<uuid:participation_id>/koniec/",
        views.participant_remove_view,
        name="participant-remove",
    ),
    path(
        "sprawy/<uuid:case_id>/uslugi/nowy/",
        views.service_plan_create_view,
        name="service-plan-create",
    ),
    path(
        "uslugi/<uuid:plan_id>/realizacja/",
        views.service_delivery_view,
        name="service-delivery-record",
    ),
    path(
        "sprawy/<uuid:case_id>/czas-pracy/",
        views.case_activity_log_view,
        name="case-activity-log",
    ),
    path("czas-pracy/", views.activity_page, name="activity-log"),
]
