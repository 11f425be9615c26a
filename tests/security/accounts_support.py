"""Shared by the accounts tests: real (non-demo) accounts with a strong password and an
authenticator app whose codes the tests compute themselves."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from tenants.accounts import encryption, totp
from tenants.accounts.models import TOTPDevice
from tenants.accounts.roles import Role
from tests.conftest import host

PASSWORD = "Bardzo-Dlugie-Haslo-2026"


def make_user(
    slug: str | None,
    username: str,
    role: str = Role.SOCIAL_WORKER,
    *,
    email: str = "",
    password: str = PASSWORD,
) -> int:
    schema = slug or "public"
    with schema_context(schema):
        user = get_user_model()(
            username=username,
            role=role,
            email=email,
            first_name="Zofia",
            last_name="Testowa",
            voivodeships=["12"] if role == Role.REGIONAL_COORDINATOR else [],
        )
        user.set_password(password)
        user.full_clean()
        user.save()
        return int(user.pk)


def give_device(slug: str | None, username: str) -> str:
    """A confirmed authenticator app for the user; returns its secret."""
    with schema_context(slug or "public"):
        user = get_user_model().objects.get(username=username)
        secret = totp.new_secret()
        TOTPDevice.objects.create(
            user=user, secret_encrypted=encryption.encrypt(secret), confirmed=True
        )
        return secret


def code(secret: str, offset_steps: int = 0) -> str:
    return totp.code_at(secret, time.time() + offset_steps * totp.STEP_SECONDS)


def client(slug: str | None) -> Client:
    return Client(HTTP_HOST=host(slug))


def logged_in(response_client: Client) -> bool:
    """Whether the client's session is a logged-in one (the start page does not redirect)."""
    return response_client.get("/").status_code == 200
