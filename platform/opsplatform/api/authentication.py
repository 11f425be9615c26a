"""API token authentication: ``Authorization: Token <key>`` with the platform's own tokens
(tenants/accounts/tokens.py), which end when idle or old and follow the account's state."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tenants.accounts.models import User
from tenants.accounts.tokens import TokenRefused, api_token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Nagłówek Authorization ma postać: Token <token>.", code="token_malformed"
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "Nieprawidłowy token.", code="token_invalid"
            ) from None
        try:
            return api_token_authenticate(key)
        except TokenRefused as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from exc

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular: unannotated __init_subclass__
    """The OpenAPI schemas document the token header (as DRF's own token scheme was)."""

    target_class = "opsplatform.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix=ApiTokenAuthentication.keyword
        )


def account(request: Request) -> User:
    """The account of a request to a view whose permission requires an authenticated one: a
    ``User``, never the anonymous one (401, as the permission would answer)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user
