"""Every page request of a logged-in member of staff acts as that person in the audit trail.

The API sets the actor in its base view (after token or session authentication); pages get it
here, once, for the whole request, so no page can write or read personal data as "system"."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from casework.audit import Actor, reset_actor, set_actor
from opsplatform.schemas import current_schema


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or current_schema() == "public":
            return self.get_response(request)
        # REMOTE_ADDR only (see casework.api.base.client_ip): a forwarded header is not trusted.
        token = set_actor(Actor.for_user(user, ip=request.META.get("REMOTE_ADDR") or None))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
