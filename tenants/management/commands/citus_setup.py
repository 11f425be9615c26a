from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tenants import citus


class Command(BaseCommand):
    help = (
        "On Citus: the database's settings and the public dictionaries as reference tables "
        "(idempotent; provisioning runs it too). Does nothing on plain PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--placement", action="store_true", help="Print which worker holds each centre."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not citus.is_citus():
            self.stdout.write("citus_setup: the database has no Citus extension; nothing to do.")
            return
        converted = citus.setup()
        for table in converted:
            self.stdout.write(f"citus_setup: public.{table} is now a reference table")
        if options["placement"]:
            for schema, host, port in citus.placement():
                self.stdout.write(f"{schema}: worker {host}:{port}")
