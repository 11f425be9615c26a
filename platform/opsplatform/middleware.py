"""Selects the schema for each request from its Host header.

* ``<BASE_DOMAIN>`` is the portal: public schema, public URLconf, no centre.
* ``<slug>.<BASE_DOMAIN>`` (or any other registered domain) is that centre's schema.
* Any other host gets a clear 404 page and touches no schema but public.

The domain → centre lookup is cached per process for a short time, because django-tenants would
otherwise run it on every request.
"""

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from opsplatform.schemas import current_tenant, use_public_schema

_domain_cache: dict[str, tuple[float, Any]] = {}


def forget_cached_domains() -> None:
    """Drop the per-process domain cache (after provisioning or renaming a centre)."""
    _domain_cache.clear()


class CentreTenantMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model: Any, hostname: str) -> Any:
        now = time.monotonic()
        cached = _domain_cache.get(hostname)
        if cached is not None and cached[0] > now:
            return cached[1]
        tenant = super().get_tenant(domain_model, hostname)
        _domain_cache[hostname] = (now + settings.TENANT_DOMAIN_CACHE_SECONDS, tenant)
        return tenant

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        use_public_schema()
        hostname = self.hostname_from_request(request) if _host_allowed(request) else None
        if hostname is not None and hostname == settings.PORTAL_HOST:
            request.tenant = current_tenant()  # type: ignore[attr-defined]  # django-tenants' attribute
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None
        if hostname is None:
            return self.no_tenant_found(request, "")
        response: HttpResponse | None = super().process_request(request)
        return response

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        body = render_to_string(
            "errors/unknown_host.html",
            {"hostname": hostname, "portal_host": settings.PORTAL_HOST},
        )
        return HttpResponse(body, status=404)


def _host_allowed(request: HttpRequest) -> bool:
    from django.core.exceptions import DisallowedHost

    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True
