from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from opsplatform.schemas import current_schema

SESSION_SCHEMA_KEY = "ops_schema"


class AccountKindMiddleware:
    """Defence in depth for host-only sessions: a session is valid only in its own schema.

    Sessions already live in each schema's own table, so a cookie from one centre finds nothing at
    another. This also ends any session whose recorded schema is not the current one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            recorded = request.session.get(SESSION_SCHEMA_KEY)
            if recorded != current_schema():
                logout(request)
        return self.get_response(request)
