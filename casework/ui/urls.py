"""Pages of a centre's host (the dashboard itself is the site root, see opsplatform.urls_tenant)."""

from django.urls import include, path

app_name = "casework-ui"

urlpatterns = [
    path("", include("casework.ui.urls_desk")),
    path("", include("casework.ui.urls_cases")),
    path("", include("casework.ui.urls_socialwork")),
    path("", include("casework.ui.urls_documents")),
    path("", include("casework.ui.urls_manager")),
    path("", include("casework.ui.urls_retention")),
    path("", include("casework.ui.urls_rodo")),
]
