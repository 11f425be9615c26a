"""The casework API of a centre, under ``/api/`` on the centre's host."""

from django.urls import include, path

from casework.api import people, rodo

app_name = "casework-api"

urlpatterns = [
    path("people/", people.PersonListApi.as_view(), name="person-list"),
    path("people/<uuid:person_id>/", people.PersonDetailApi.as_view(), name="person-detail"),
    path("households/", people.HouseholdListApi.as_view(), name="household-list"),
    path(
        "households/<uuid:household_id>/",
        people.HouseholdDetailApi.as_view(),
        name="household-detail",
    ),
    path(
        "households/<uuid:household_id>/members/",
        people.HouseholdMemberAddApi.as_view(),
        name="household-member-add",
    ),
    path(
        "households/<uuid:household_id>/members/<uuid:member_id>/remove/",
        people.HouseholdMemberRemoveApi.as_view(),
        name="household-member-remove",
    ),
    path(
        "households/<uuid:household_id>/break-glass/",
        people.HouseholdBreakGlassApi.as_view(),
        name="household-break-glass",
    ),
    path(
        "households/<uuid:household_id>/income/",
        people.HouseholdIncomeApi.as_view(),
        name="household-income",
    ),
    # Intake, cases and benefit proceedings.
    path("", include("casework.api.urls_cases")),
    # Social work, care services, deadlines and the access log.
    path("", include("casework.api.urls_work")),
    # RODO: subject-access report (JSON, PDF) and the art. 30 register.
    path("", include(rodo.urlpatterns)),
]
