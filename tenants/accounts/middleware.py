import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from opsplatform.schemas import current_schema

SESSION_SCHEMA_KEY = "ops_schema"
SESSION_LOGIN_AT_KEY = "ops_login_at"

logger = logging.getLogger("tenants.accounts.login")


class AccountKindMiddleware:
    """Defence in depth for host-only sessions, and the absolute session lifetime.

    Sessions already live in each schema's own table, so a cookie from one centre finds nothing at
    another. This also ends any session whose recorded schema is not the current one, and any
    session older than SESSION_MAX_AGE_SECONDS since its log-in, however active (idle sessions end
    earlier, by SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST). A session without a recorded
    log-in time is ended too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            recorded = request.session.get(SESSION_SCHEMA_KEY)
            login_at = request.session.get(SESSION_LOGIN_AT_KEY)
            if recorded != current_schema():
                logout(request)
            elif (
                not isinstance(login_at, int | float)
                or time.time() - login_at > settings.SESSION_MAX_AGE_SECONDS
            ):
                logger.info("session past its maximum age ended", extra={"schema": recorded})
                logout(request)
        return self.get_response(request)
