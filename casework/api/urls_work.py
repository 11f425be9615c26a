"""Social work, care services, deadlines and caseloads, and the access log."""

from django.urls import path

from casework.api import audit, care, deadlines, projects, socialwork

urlpatterns = [
    path("activities/", socialwork.ActivityListApi.as_view(), name="activity-list"),
    path("activities/summary/", socialwork.ActivitySummaryApi.as_view(), name="activity-summary"),
    path("contracts/", socialwork.ContractListApi.as_view(), name="contract-list"),
    path(
        "contracts/<uuid:contract_id>/",
        socialwork.ContractDetailApi.as_view(),
        name="contract-detail",
    ),
    path(
        "contracts/<uuid:contract_id>/sign/",
        socialwork.ContractSignApi.as_view(),
        name="contract-sign",
    ),
    path(
        "contracts/<uuid:contract_id>/complete/",
        socialwork.ContractCompleteApi.as_view(),
        name="contract-complete",
    ),
    path(
        "contracts/<uuid:contract_id>/break/",
        socialwork.ContractBreakApi.as_view(),
        name="contract-break",
    ),
    path(
        "contracts/<uuid:contract_id>/reviews/",
        socialwork.ContractReviewPlanApi.as_view(),
        name="contract-review-plan",
    ),
    path(
        "contracts/<uuid:contract_id>/reviews/<uuid:review_id>/record/",
        socialwork.ContractReviewRecordApi.as_view(),
        name="contract-review-record",
    ),
    path("programmes/", socialwork.ProgrammeListApi.as_view(), name="programme-list"),
    path(
        "programmes/<uuid:programme_id>/",
        socialwork.ProgrammeDetailApi.as_view(),
        name="programme-detail",
    ),
    path(
        "programmes/<uuid:programme_id>/complete/",
        socialwork.ProgrammeCompleteApi.as_view(),
        name="programme-complete",
    ),
    path(
        "programmes/<uuid:programme_id>/discontinue/",
        socialwork.ProgrammeDiscontinueApi.as_view(),
        name="programme-discontinue",
    ),
    path("projects/", projects.ProjectListApi.as_view(), name="project-list"),
    path("projects/<uuid:project_id>/", projects.ProjectDetailApi.as_view(), name="project-detail"),
    path(
        "projects/<uuid:project_id>/participants/",
        projects.ProjectParticipantAddApi.as_view(),
        name="project-participant-add",
    ),
    path(
        "projects/<uuid:project_id>/participants/<uuid:participation_id>/remove/",
        projects.ProjectParticipantRemoveApi.as_view(),
        name="project-participant-remove",
    ),
    path("service-plans/", care.ServicePlanListApi.as_view(), name="service-plan-list"),
    path(
        "service-plans/<uuid:plan_id>/",
        care.ServicePlanDetailApi.as_view(),
        name="service-plan-detail",
    ),
    path(
        "service-plans/<uuid:plan_id>/deliveries/",
        care.ServiceDeliveryListApi.as_view(),
        name="service-delivery-list",
    ),
    path("deadlines/", deadlines.DeadlineListApi.as_view(), name="deadline-list"),
    path("caseload/", deadlines.CaseloadApi.as_view(), name="caseload"),
    path(
        "people/<uuid:person_id>/access-log/",
        audit.PersonAccessLogApi.as_view(),
        name="person-access-log",
    ),
]
