"""What the account commands share: the schema of ``--centre SLUG`` or ``--portal`` and the
account named in it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.models import Centre


def add_target_arguments(parser: CommandParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--centre", help="The centre's slug, e.g. myslenice.")
    where.add_argument("--portal", action="store_true", help="A portal account.")
    parser.add_argument("username")


def target_schema(options: dict[str, Any]) -> str:
    if not options.get("centre"):
        return "public"
    centre = Centre.objects.filter(slug=options["centre"]).first()
    if centre is None:
        raise CommandError(f"Nie ma ośrodka „{options['centre']}”.")
    return str(centre.schema_name)


def target_user(schema: str, username: str) -> User:
    with schema_context(schema):
        user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Nie ma konta „{username}” w {schema}.")
    return user


def site_url(options: dict[str, Any]) -> str:
    """The address of the centre's (or portal's) host, for links printed by commands."""
    host = f"{options['centre']}.{settings.BASE_DOMAIN}" if options.get("centre") else None
    return f"{'http' if settings.DEBUG else 'https'}://{host or settings.BASE_DOMAIN}"
