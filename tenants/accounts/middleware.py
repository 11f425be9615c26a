from collections.abc import Callable

from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse

SESSION_SCHEMA_KEY = "ops_schema"


class AccountKindMiddleware:
    """Defence in depth for host-only sessions: a session is valid only in the schema it was made in.

    Sessions already live in each schema's own table, so a cookie from one centre finds nothing at
    another. This also ends any session whose recorded schema is not the current one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            recorded = request.session.get(SESSION_SCHEMA_KEY)
            if recorded != connection.schema_name:
                logout(request)
        return self.get_response(request)
