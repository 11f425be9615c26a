"""URLs of the portal host (``<BASE_DOMAIN>``): regional coordinators and the ministry."""

from django.urls import include, path

from opsplatform.health import healthz
from tenants.views import portal_home

urlpatterns = [
    path("", portal_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("konto/", include("tenants.accounts.urls")),
]
