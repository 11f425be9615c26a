from django.http import HttpRequest

from tenants.selectors import centre_for_request


def site(request: HttpRequest) -> dict[str, object]:
    """The centre (or None on the portal) for the page header."""
    return {"centre": centre_for_request(request), "portal_host": _portal(request)}


def _portal(request: HttpRequest) -> str:
    from django.conf import settings

    return str(settings.PORTAL_HOST)
