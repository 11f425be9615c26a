"""What a request's host says about the tenant, for views (selectors take plain values)."""

from __future__ import annotations

from django.http import HttpRequest

from tenants.models import Centre


def request_centre(request: HttpRequest) -> Centre | None:
    """The centre whose host served the request (django-tenants' middleware sets
    ``request.tenant``), or None on the portal and unknown hosts."""
    tenant = getattr(request, "tenant", None)
    return tenant if isinstance(tenant, Centre) else None
