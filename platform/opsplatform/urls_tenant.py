"""URLs of a centre's host (``<slug>.<BASE_DOMAIN>``)."""

from django.urls import include, path

from opsplatform.health import healthz
from tenants.views import centre_home

urlpatterns = [
    path("", centre_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("konto/", include("tenants.accounts.urls")),
]
