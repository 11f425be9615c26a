from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from tenants.accounts.management.accounts_target import (
    add_target_arguments,
    target_schema,
    target_user,
)
from tenants.accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "A lost or replaced phone: remove the account's authenticator app and recovery codes, end "
        "every session and API token of it (recorded in the centre's audit trail). The user then "
        "sets up a new app through a link from issue_enrolment_link."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_target_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        schema = target_schema(options)
        user = target_user(schema, options["username"])
        with schema_context(schema):
            two_factor_reset(user=user)
        where = f"--centre {options['centre']}" if options["centre"] else "--portal"
        self.stdout.write(
            f"Usunięto aplikację uwierzytelniającą i kody odzyskiwania konta {user.username} w "
            f"{schema}; wszystkie sesje i tokeny API konta zakończone. Nowy link do ustawienia "
            f"aplikacji: python manage.py issue_enrolment_link {where} {user.username}"
        )
