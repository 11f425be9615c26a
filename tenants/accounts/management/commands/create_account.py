import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.accounts.roles import Role
from tenants.accounts.services import account_create
from tenants.errors import TenantsError
from tenants.models import Centre


class Command(BaseCommand):
    help = (
        "Create a real account: a centre's staff member (--centre SLUG) or a portal user "
        "(--portal). The password is asked for, or read from standard input with --password-stdin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--centre", help="The centre's slug, e.g. myslenice.")
        where.add_argument("--portal", action="store_true", help="A portal account.")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--voivodeship", action="append", default=[], help="Coordinator scope (repeatable)."
        )
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        schema = "public"
        if options["centre"]:
            centre = Centre.objects.filter(slug=options["centre"]).first()
            if centre is None:
                raise CommandError(f"Nie ma ośrodka „{options['centre']}”.")
            schema = centre.schema_name
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Hasło: ")
            if password != getpass.getpass("Hasło (powtórz): "):
                raise CommandError("Hasła się różnią.")
        try:
            user = account_create(
                schema_name=schema,
                username=options["username"],
                role=options["role"],
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                voivodeships=options["voivodeship"],
            )
        except TenantsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Utworzono konto {user.username} ({user.get_role_display()}) w {schema}."
        )
