"""The case list, the case file and its next steps (see casework.ui.case_steps.STEPS)."""

from django.urls import URLPattern, path

from casework.ui import break_glass, case_steps, cases, fieldday, search

urlpatterns: list[URLPattern] = [
    path("sprawy/", cases.case_list_page, name="case-list"),
    path("szukaj/", search.search_page, name="search"),
    path("moj-dzien/", fieldday.field_day, name="field-day"),
    path("sprawy/<uuid:case_id>/", cases.case_detail_page, name="case-detail"),
    path("sprawy/<uuid:case_id>/historia/", cases.case_history, name="case-history"),
    path(
        "gospodarstwa/<uuid:household_id>/dostep-nadzwyczajny/",
        break_glass.break_glass_view,
        name="break-glass",
    ),
    *(
        path(
            f"sprawy/<uuid:case_id>/{step.slug}/",
            case_steps.case_step,
            {"step": step.key},
            name=f"case-{step.key}",
        )
        for step in case_steps.STEPS
    ),
]
