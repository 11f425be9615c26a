"""Intake, cases and benefit proceedings."""

from django.urls import path

from casework.api import cases, proceedings

urlpatterns = [
    path("reference/reasons/", cases.ReasonListApi.as_view(), name="reason-list"),
    path("reference/benefits/", cases.BenefitListApi.as_view(), name="benefit-list"),
    path("teams/", cases.TeamListApi.as_view(), name="team-list"),
    path("staff/", cases.StaffListApi.as_view(), name="staff-list"),
    path("intakes/", cases.IntakeListApi.as_view(), name="intake-list"),
    path("intakes/<uuid:intake_id>/", cases.IntakeDetailApi.as_view(), name="intake-detail"),
    path(
        "intakes/<uuid:intake_id>/resolve/", cases.IntakeResolveApi.as_view(), name="intake-resolve"
    ),
    path("intakes/<uuid:intake_id>/route/", cases.IntakeRouteApi.as_view(), name="intake-route"),
    path("cases/", cases.CaseListApi.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", cases.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<uuid:case_id>/close/", cases.CaseCloseApi.as_view(), name="case-close"),
    path("cases/<uuid:case_id>/assign/", cases.CaseAssignApi.as_view(), name="case-assign"),
    path("cases/<uuid:case_id>/handover/", cases.CaseHandoverApi.as_view(), name="case-handover"),
    path("applications/", proceedings.ApplicationListApi.as_view(), name="application-list"),
    path(
        "applications/<uuid:application_id>/",
        proceedings.ApplicationDetailApi.as_view(),
        name="application-detail",
    ),
    path(
        "applications/<uuid:application_id>/delay-notices/",
        proceedings.DelayNoticeApi.as_view(),
        name="application-delay-notice",
    ),
    path("interviews/", proceedings.InterviewListApi.as_view(), name="interview-list"),
    path(
        "interviews/<uuid:interview_id>/record/",
        proceedings.InterviewRecordApi.as_view(),
        name="interview-record",
    ),
    path("authorisations/", proceedings.AuthorisationApi.as_view(), name="authorisation-grant"),
    path("decisions/", proceedings.DecisionListApi.as_view(), name="decision-list"),
    path(
        "decisions/<uuid:decision_id>/",
        proceedings.DecisionDetailApi.as_view(),
        name="decision-detail",
    ),
    path(
        "decisions/<uuid:decision_id>/deliver/",
        proceedings.DecisionDeliverApi.as_view(),
        name="decision-deliver",
    ),
    path("appeals/", proceedings.AppealListApi.as_view(), name="appeal-list"),
    path(
        "appeals/<uuid:appeal_id>/forward/",
        proceedings.AppealForwardApi.as_view(),
        name="appeal-forward",
    ),
    path(
        "appeals/<uuid:appeal_id>/decide/",
        proceedings.AppealDecideApi.as_view(),
        name="appeal-decide",
    ),
]
