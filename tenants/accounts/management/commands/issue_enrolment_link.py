from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse
from django_tenants.utils import schema_context

from tenants.accounts.management.accounts_target import (
    add_target_arguments,
    site_url,
    target_schema,
    target_user,
)
from tenants.accounts.two_factor import enrolment_link_issue


class Command(BaseCommand):
    help = (
        "Issue a one-time link with which the account sets up its authenticator app (the only "
        "way for staff without one). Printed once; an earlier unused link of the account ends."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_target_arguments(parser)
        parser.add_argument(
            "--base-url",
            help="The host's address to put in the link (default: http(s)://<slug>.BASE_DOMAIN).",
        )
        parser.add_argument(
            "--issued-by", default="command", help="Who issues it (kept with the link)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schema = target_schema(options)
        user = target_user(schema, options["username"])
        with schema_context(schema):
            token = enrolment_link_issue(user=user, issued_by=options["issued_by"])
            path = reverse("accounts:enrol-link", args=[token])
        base = (options["base_url"] or site_url(options)).rstrip("/")
        hours = settings.ENROLMENT_LINK_SECONDS // 3600
        self.stdout.write(f"Link dla {user.username} (jednorazowy, ważny {hours} godz.):")
        self.stdout.write(f"{base}{path}")
