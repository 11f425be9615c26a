"""Show or refill the spare centre schemas (tenants/spares.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.spares import spares_refill, spares_wanted

# Each spare is a whole centre schema (about 285 relations): a pool, not a stock.
MAX_SPARES = 50


class Command(BaseCommand):
    help = (
        "Make the spare centre schemas a new centre is renamed from (TENANT_SPARE_SCHEMAS, "
        "or --count), dropping those of an older template. The worker does this every 5 minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, help="How many to keep (default: the setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count is not None and not 0 <= count <= MAX_SPARES:
            raise CommandError(f"--count: od 0 do {MAX_SPARES} zapasowych schematów.")
        report = spares_refill(spares_wanted() if count is None else count)
        if report.skipped:
            self.stdout.write(
                f"Inne uzupełnianie trwa; gotowych zapasowych schematów: {report.ready}"
            )
            return
        self.stdout.write(
            f"Gotowych zapasowych schematów: {report.ready} "
            f"(utworzono {report.made}, usunięto {report.dropped})"
        )
