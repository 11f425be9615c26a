"""Show or refill the spare centre schemas (tenants/spares.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tenants.spares import spares_refill, spares_wanted


class Command(BaseCommand):
    help = (
        "Make the spare centre schemas a new centre is renamed from (TENANT_SPARE_SCHEMAS, "
        "or --count), dropping those of an older template. The worker does this every 5 minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, help="How many to keep (default: the setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        report = spares_refill(spares_wanted() if count is None else max(0, count))
        if report.skipped:
            self.stdout.write(
                f"Inne uzupełnianie trwa; gotowych zapasowych schematów: {report.ready}"
            )
            return
        self.stdout.write(
            f"Gotowych zapasowych schematów: {report.ready} "
            f"(utworzono {report.made}, usunięto {report.dropped})"
        )
