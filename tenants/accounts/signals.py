from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from opsplatform.schemas import current_schema
from tenants.accounts.middleware import SESSION_LOGIN_AT_KEY, SESSION_SCHEMA_KEY

if TYPE_CHECKING:
    from tenants.accounts.models import User


@receiver(user_logged_in)
def remember_schema(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    request.session[SESSION_SCHEMA_KEY] = current_schema()
    request.session[SESSION_LOGIN_AT_KEY] = time.time()
