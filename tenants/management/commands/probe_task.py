from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from tasks.probe import centre_probe
from tenants.models import Centre


class Command(BaseCommand):
    help = "Send a diagnostic task from a centre and print where the worker ran it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The centre, e.g. piaseczno.")
        parser.add_argument("--timeout", type=float, default=20.0)

    def handle(self, *args: Any, **options: Any) -> None:
        centre = Centre.objects.filter(slug=options["slug"]).first()
        if centre is None:
            raise CommandError(f"Nie ma ośrodka „{options['slug']}”.")
        with schema_context(centre.schema_name):
            result = centre_probe.delay()
        try:
            answer = result.get(timeout=options["timeout"])
        except Exception as exc:
            raise CommandError(
                f"Proces roboczy nie odpowiedział w {options['timeout']:.0f} s ({exc!r}). "
                "Czy worker Celery działa?"
            ) from exc
        self.stdout.write(
            f"Wysłane z: {centre.schema_name}; wykonane w schemacie: {answer['schema']} "
            f"(current_schema() = {answer['current_schema']}); kont pracowników w schemacie: "
            f"{answer['staff_accounts']}"
        )
