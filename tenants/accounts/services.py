"""Writes to accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants.accounts.events import credentials_event
from tenants.accounts.models import ApiToken, User
from tenants.errors import TenantsError


class AccountInvalid(TenantsError):
    code = "account_invalid"


@transaction.atomic
def account_create(
    *,
    schema_name: str,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    voivodeships: list[str] | None = None,
) -> User:
    """Create a real (non-demo) account in one schema: a centre's for staff, public for the portal.

    The role must belong to that schema and the password must pass the password rules; otherwise
    AccountInvalid names the fields and nothing is written.
    """
    with schema_context(schema_name):
        user_model = get_user_model()
        user = user_model(
            username=username,
            role=role,
            first_name=first_name,
            last_name=last_name,
            voivodeships=voivodeships or [],
        )
        errors: dict[str, list[str]] = {}
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
        if errors:
            raise AccountInvalid(_("Konto nie zostało utworzone."), fields=errors)
        user.set_password(password)
        user.save()
        return user


def credentials_changed(user: User) -> None:
    """After a password or second-factor change: a new session epoch (every session of the user
    ends; the caller keeps the current one with update_session_auth_hash) and no API tokens."""
    user.rotate_session_epoch()
    user.save(update_fields=["session_epoch", "updated_at"])
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if deleted:
        credentials_event.send(sender=ApiToken, user=user, action="delete")


def log_out_everywhere(user: User) -> None:
    """End every session and API token of the user, on every device."""
    credentials_changed(user)
