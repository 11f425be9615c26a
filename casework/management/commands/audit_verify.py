from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from casework.audit import audit_verify
from tenants.models import Centre


class Command(BaseCommand):
    help = "Verify the hash chain of a centre's audit trail (or of every centre)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The centre; all centres when omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        centres = Centre.objects.order_by("slug")
        if options["slug"]:
            centres = centres.filter(slug=options["slug"])
            if not centres.exists():
                raise CommandError(f"Nie ma ośrodka „{options['slug']}”.")
        broken = []
        for centre in centres:
            with schema_context(centre.schema_name):
                result = audit_verify()
            if result.ok:
                self.stdout.write(
                    f"{centre.slug}: dziennik zdarzeń spójny ({result.checked} wpisów)"
                )
            else:
                broken.append(centre.slug)
                self.stdout.write(
                    f"{centre.slug}: NARUSZENIE przy wpisie nr {result.broken_at}: {result.problem}"
                )
        if broken:
            raise CommandError(f"Dziennik zdarzeń naruszony w: {', '.join(broken)}")
