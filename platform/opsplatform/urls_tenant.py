"""URLs of a centre's host (``<slug>.<BASE_DOMAIN>``)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from casework.ui.dashboard import dashboard
from opsplatform.api.auth import ApiTokenListApi, ApiTokenRevokeApi, TokenLoginApi, TokenLogoutApi
from opsplatform.health import readyz
from opsplatform.metrics import metrics
from opsplatform.security import swagger_docs_view

# Unknown addresses under /api/ answer JSON {"code", "message", "fields"}, like the API.
handler404 = "opsplatform.api.exceptions.page_not_found"

urlpatterns = [
    path("", dashboard, name="home"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("konto/", include("tenants.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("wskazniki/", include("benchmarking.ui.urls_centre")),
    path("", include("casework.ui.urls")),
    path("api/auth/token/", TokenLoginApi.as_view(), name="api-token"),
    path("api/auth/logout/", TokenLogoutApi.as_view(), name="api-logout"),
    path("api/auth/tokens/", ApiTokenListApi.as_view(), name="api-tokens"),
    path("api/auth/tokens/<uuid:token_id>/", ApiTokenRevokeApi.as_view(), name="api-token-revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", swagger_docs_view(url_name="api-schema"), name="api-docs"),
    path("api/benchmarks/", include("benchmarking.api.urls_centre")),
    path("api/", include("casework.api.urls")),
]
