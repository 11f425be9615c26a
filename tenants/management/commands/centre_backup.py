from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsplatform.schemas import schemas_in_turn, use_public_schema
from tenants.backup import centre_backup
from tenants.errors import TenantsError
from tenants.models import Centre
from tenants.progress import Progress


class Command(BaseCommand):
    help = (
        "Back up one centre's schema into a zip archive (one CSV per table, manifest with the "
        "migration state, row counts and SHA-256 checksums), or every centre into a directory "
        "(--all). Needs no pg_dump."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The centre's identifier (slug).")
        parser.add_argument("--output", type=Path, help="Archive file to write (one centre).")
        parser.add_argument(
            "--all",
            type=Path,
            metavar="DIR",
            help="Every centre, one archive each (DIR/<slug>.zip), one centre at a time; "
            "archives already in DIR are kept, so a killed run goes on where it stopped "
            "(start with an empty DIR for a new backup).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        if options["all"] is not None:
            if options["slug"] or options["output"]:
                raise CommandError("Podaj albo ośrodek z --output, albo --all KATALOG.")
            self._all(options["all"])
            return
        if not options["slug"] or options["output"] is None:
            raise CommandError("Podaj ośrodek i plik: centre_backup SLUG --output PLIK.zip.")
        try:
            result = centre_backup(slug=options["slug"], output=options["output"])
        except TenantsError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(t.rows for t in result.tables)
        self.stdout.write(
            f"{result.slug}: zapisano {len(result.tables)} tabel, {rows} wierszy do {result.path}"
        )

    def _all(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        slugs = list(Centre.objects.order_by("slug").values_list("slug", flat=True))
        # An archive is renamed into place only when complete: one present is finished.
        missing = [slug for slug in slugs if not (directory / f"{slug}.zip").exists()]
        self.stdout.write(
            f"Kopie ośrodków: {len(slugs)}, {len(slugs) - len(missing)} już są w {directory}, "
            f"{len(missing)} do zapisania."
        )
        progress = Progress(len(missing))
        failed: list[str] = []
        try:
            # One consistent snapshot per centre; a fresh backend every SCHEMAS_PER_CONNECTION
            # centres, so that no connection keeps every schema's catalog.
            for slug in schemas_in_turn(missing):
                try:
                    centre_backup(slug=slug, output=directory / f"{slug}.zip")
                except TenantsError as exc:
                    failed.append(slug)
                    self.stderr.write(f"{slug}: {exc.message}")
                progress.step()
        finally:
            progress.close()
        if failed:
            raise CommandError(
                f"Nie zapisano kopii {len(failed)} ośrodków: {', '.join(failed[:10])}. "
                "Uruchom polecenie ponownie: zapisane kopie zostaną, reszta będzie dopisana."
            )
        self.stdout.write(f"Zapisano {len(missing)} kopii w {directory}.")
