from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsplatform.schemas import use_public_schema
from tenants.backup import centre_restore
from tenants.errors import TenantsError


class Command(BaseCommand):
    help = (
        "Restore a centre backup (from centre_backup) into an existing centre: the same one or "
        "another with the same migration state. The archive is checked whole before anything is "
        "written; the load is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="Archive written by centre_backup.")
        parser.add_argument("--into", required=True, help="Slug of the centre to restore into.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the centre's current data first (without it the centre must be empty).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        try:
            result = centre_restore(
                archive_path=options["archive"], into=options["into"], replace=options["replace"]
            )
        except TenantsError as exc:
            raise CommandError(exc.message) from exc
        finally:
            use_public_schema()
        rows = sum(t.rows for t in result.tables)
        self.stdout.write(
            f"{result.slug}: odtworzono {len(result.tables)} tabel, {rows} wierszy "
            f"(kopia ośrodka {result.source_slug})"
        )
