from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from opsplatform.schemas import current_schema
from tenants.accounts.roles import role_is_allowed_in_schema

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tenants.accounts.models import User


class SchemaAwareBackend(ModelBackend):
    """Django's model backend plus two refusals that hold whatever is in the table:

    * an account whose role does not belong to the current schema (a staff role on the portal or a
      portal role at a centre) never authenticates;
    * demo accounts authenticate only in demo mode (which itself requires DEBUG).
    """

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return role_is_allowed_in_schema(getattr(user, "role", ""), current_schema())

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        return super().authenticate(request, username=username, password=password, **kwargs)
