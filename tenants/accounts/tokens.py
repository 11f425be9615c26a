"""API tokens: issued with the password (and the second factor where the account has or needs
one), kept as a hash, one per device, ending after idle and absolute lifetimes like sessions, and
checked against the account's current state on every request."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.accounts import two_factor
from tenants.accounts.backends import SchemaAwareBackend
from tenants.accounts.models import ApiToken, User
from tenants.errors import TenantsError

logger = logging.getLogger("tenants.accounts.tokens")

PREFIX_LENGTH = 8
DEFAULT_NAME = "klient API"


class TokenRefused(TenantsError):
    """The token does not authenticate; ``code`` says why (the API answers 401)."""

    code = "token_invalid"
    http_status = 401


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is kept


def key_hash(key: str) -> str:
    # The key carries 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def expires_at(token: ApiToken) -> datetime:
    """When the token ends if it is not used before (the earlier of idle and absolute end)."""
    idle_from = token.last_used_at or token.created_at
    return min(
        idle_from + timedelta(seconds=settings.API_TOKEN_IDLE_SECONDS),
        token.created_at + timedelta(seconds=settings.API_TOKEN_MAX_AGE_SECONDS),
    )


@transaction.atomic
def api_token_issue(*, user: User, name: str, second_factor: bool) -> IssuedToken:
    """A new token for the user's device ``name``; an earlier token of that device ends."""
    name = name.strip() or DEFAULT_NAME
    ApiToken.objects.filter(user=user, name=name).delete()
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:PREFIX_LENGTH]
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    # Issuing counts as a use: the first requests then write nothing (see the touch below).
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=key_hash(key),
        second_factor=second_factor,
        last_used_at=timezone.now(),
    )
    return IssuedToken(token=token, key=key)


def api_token_authenticate(key: str) -> tuple[User, ApiToken]:
    """The user and token a key belongs to, if the token may be used now; TokenRefused else.

    Refused: an unknown key, a token past its idle or absolute lifetime (deleted then), an
    account that is inactive or may not log in here, and a token issued without the second
    factor for an account that now needs it.
    """
    token = (
        ApiToken.objects.select_related("user").filter(prefix=key[:PREFIX_LENGTH]).first()
        if len(key) > PREFIX_LENGTH
        else None
    )
    # Constant-time comparison of the hashes: the prefix found the row, the rest must match.
    if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)):
        raise TokenRefused("Nieprawidłowy token.", code="token_invalid")
    now = timezone.now()
    if expires_at(token) <= now:
        token.delete()
        raise TokenRefused(
            "Token wygasł. Pobierz nowy: POST /api/auth/token/.", code="token_expired"
        )
    user = token.user
    if not SchemaAwareBackend().user_can_authenticate(user):
        raise TokenRefused("Konto jest nieaktywne albo nie może się tu logować.", code="inactive")
    # A token issued with the second factor stays good: removing or resetting the app revokes
    # every token of the user.
    if two_factor.required_for(user) and not token.second_factor:
        raise TokenRefused(
            "To konto wymaga logowania dwuetapowego, a ten token został wydany bez kodu z "
            "aplikacji uwierzytelniającej. Pobierz nowy token, podając kod (otp).",
            code="two_factor_required",
        )
    touched = token.last_used_at
    if touched is None or now - touched >= timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS):
        # At most one write per token per API_TOKEN_TOUCH_SECONDS, not one per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


def api_token_list(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "id"))


def api_token_revoke(*, user: User, public_id: UUID) -> bool:
    """Revoke one of the user's own tokens; whether there was one."""
    deleted, _ = ApiToken.objects.filter(user=user, public_id=public_id).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user: User) -> None:
    ApiToken.objects.filter(user=user).delete()
