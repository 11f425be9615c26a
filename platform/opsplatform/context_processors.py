from django.http import HttpRequest

from tenants.http import request_centre


def site(request: HttpRequest) -> dict[str, object]:
    """The centre (or None on the portal) for the page header."""
    return {"centre": request_centre(request), "portal_host": _portal(request)}


def _portal(request: HttpRequest) -> str:
    from django.conf import settings

    return str(settings.PORTAL_HOST)
