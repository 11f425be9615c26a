import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.audit import Actor, acting_as
from casework.privacy.services import apply_retention
from tenants.models import Centre

COMMAND_ACTOR = Actor(user_id=None, username="retention_run", role="system")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Niepoprawna data „{value}” (oczekiwano RRRR-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Erase or anonymise what is past retention in one centre (casework.privacy.services); "
        "--dry-run shows what would go and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The centre.")
        parser.add_argument("--date", type=_date, help="As of this day (default: today).")
        parser.add_argument("--dry-run", action="store_true", help="Change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        centre = Centre.objects.filter(slug=options["slug"]).first()
        if centre is None:
            raise CommandError(f"Nie ma ośrodka „{options['slug']}”.")
        today = options["date"] or timezone.localdate()
        dry_run = options["dry_run"]
        with schema_context(centre.schema_name), acting_as(COMMAND_ACTOR):
            result = apply_retention(today, dry_run=dry_run)
        mode = "próba (nic nie zmieniono)" if dry_run else "wykonano"
        self.stdout.write(f"{centre.slug}: retencja na dzień {today.isoformat()} – {mode}")
        verb = "do usunięcia" if dry_run else "usunięte / zanonimizowane"
        self.stdout.write(f"  sprawy {verb}: {len(result.erased_cases)}")
        for case in result.erased_cases:
            kinds = ", ".join(case.record_types)
            self.stdout.write(
                f"    {case.number} (zamknięta {case.closed_on.isoformat()}, "
                f"termin {case.due_on.isoformat() if case.due_on else '—'}; {kinds})"
            )
        self.stdout.write(f"  sprawy wstrzymane (legal hold): {len(result.held_cases)}")
        for case in result.held_cases:
            self.stdout.write(f"    {case.number} (zamknięta {case.closed_on.isoformat()})")
        self.stdout.write(f"  zgłoszenia bez sprawy: {result.intakes}")
        self.stdout.write(
            f"  osoby zanonimizowane: {result.persons} "
            f"(pozostawione, bo mają inną sprawę: {result.persons_kept})"
        )
        self.stdout.write(f"  gospodarstwa zanonimizowane: {result.households}")
        if not dry_run:
            for model, rows in sorted(result.rows_by_model.items()):
                self.stdout.write(f"    {model}: {rows}")
            self.stdout.write(f"  przebieg: {result.run_id} (rejestr usunięć: /retencja/rejestr/)")
