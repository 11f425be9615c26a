"""Every page request of a logged-in member of staff acts as that person in the audit trail, and
every record its URL names is checked against the person's scope.

The API sets the actor in its base view (after token or session authentication); pages get it
here, once, for the whole request, so no page can write or read personal data as "system".

Before a page's view runs, the records named in its URL (a case, a contract, a decision...) are
checked with ``casework.visibility.require_url_access``; a household outside the user's scope,
refused there or later by a service, answers the 403 page that offers break-glass access."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from casework.audit import Actor, reset_actor, set_actor
from casework.visibility import HouseholdOutOfScope, require_url_access
from opsplatform.client_address import client_ip
from opsplatform.schemas import current_schema
from opsplatform.ui.access import signed_in_user
from tenants.accounts.roles import STAFF_ROLES


def _acts(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and current_schema() != "public")


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _acts(request):
            return self.get_response(request)
        user = signed_in_user(request)
        token = set_actor(Actor.for_user(user, ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # The API checks in its base view, after its own authentication (a token).
        if request.path_info.startswith("/api/") or not _acts(request):
            return None
        if getattr(view_func, "household_scope_exempt", False):
            return None
        if getattr(request.user, "role", "") not in STAFF_ROLES:
            return None  # the view refuses non-staff itself
        try:
            require_url_access(signed_in_user(request), view_kwargs)
        except HouseholdOutOfScope as error:
            return _refusal(request, error)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        error = exception
        if isinstance(exception, PermissionDenied) and isinstance(
            exception.__cause__, HouseholdOutOfScope
        ):
            error = exception.__cause__
        if isinstance(error, HouseholdOutOfScope) and _acts(request):
            return _refusal(request, error)
        return None


def _refusal(request: HttpRequest, error: HouseholdOutOfScope) -> HttpResponse:
    from casework.ui.break_glass import refusal_page  # the page module imports forms and views

    return refusal_page(request, error)
