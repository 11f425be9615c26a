from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tenants import citus
from tenants.models import Centre


class Command(BaseCommand):
    help = (
        "On Citus: the database's settings and the public dictionaries as reference tables "
        "(idempotent; provisioning runs it too). Does nothing on plain PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--placement", action="store_true", help="Print which worker holds each centre."
        )
        parser.add_argument(
            "--distribute-centres",
            action="store_true",
            help=(
                "Distribute every centre schema still local to the coordinator (a database "
                "moved from plain PostgreSQL); each is read-only while it is copied."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not citus.is_citus():
            self.stdout.write("citus_setup: the database has no Citus extension; nothing to do.")
            return
        converted = citus.setup()
        for table in converted:
            self.stdout.write(f"citus_setup: public.{table} is now a reference table")
        if options["distribute_centres"]:
            schemas = list(Centre.objects.order_by("slug").values_list("schema_name", flat=True))
            for schema in citus.centre_schemas_distribute(schemas):
                self.stdout.write(f"citus_setup: {schema} distributed")
        if options["placement"]:
            for schema, host, port in citus.placement():
                self.stdout.write(f"{schema}: worker {host}:{port}")
