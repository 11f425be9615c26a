from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsplatform.schemas import use_public_schema
from tenants.backup import centre_backup
from tenants.errors import TenantsError


class Command(BaseCommand):
    help = (
        "Back up one centre's schema into a zip archive (one CSV per table, manifest with the "
        "migration state, row counts and SHA-256 checksums). Needs no pg_dump."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The centre's identifier (slug).")
        parser.add_argument("--output", type=Path, required=True, help="Archive file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        try:
            result = centre_backup(slug=options["slug"], output=options["output"])
        except TenantsError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(t.rows for t in result.tables)
        self.stdout.write(
            f"{result.slug}: zapisano {len(result.tables)} tabel, {rows} wierszy do {result.path}"
        )
