from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from tenants.demo import DEMO_PASSWORD, DemoLogin, demo_portal_accounts_ensure, demo_staff_ensure
from tenants.errors import TenantsError
from tenants.models import Centre
from tenants.registry import RegistryError, load_registry
from tenants.services import registry_apply
from tenants.spares import spares_refill_soon


class Command(BaseCommand):
    help = (
        "Create or update the centres listed in the registry file (idempotent). New centres are "
        "cloned from the template schema. With --demo, also writes synthetic staff and demo "
        "accounts (demo mode only) and prints the log-ins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--registry", type=Path, help="Registry file (default: the repository's)."
        )
        parser.add_argument(
            "--demo", action="store_true", help="Also create demo data and accounts."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry = load_registry(options["registry"])
            results = registry_apply(registry=registry, base_domain=settings.PORTAL_HOST)
        except (RegistryError, TenantsError) as exc:
            raise CommandError(str(exc)) from exc

        for result in results:
            if result.created:
                self.stdout.write(f"{result.slug}: utworzono w {result.seconds:.2f} s")
            elif result.changed:
                self.stdout.write(f"{result.slug}: zaktualizowano ({', '.join(result.changed)})")
            else:
                self.stdout.write(f"{result.slug}: bez zmian")

        # The spare schemas a new centre is renamed from (tenants/spares.py): made by the worker,
        # so that adding a centre is not followed by making its replacement here.
        spares_refill_soon()

        if options["demo"]:
            if not settings.DEMO_MODE:
                raise CommandError(
                    "--demo działa tylko w trybie demo (DEBUG i DEMO_MODE włączone)."
                )
            self._demo(registry_slugs=[r.slug for r in results], registry=registry)

    def _demo(self, *, registry_slugs: list[str], registry: Any) -> None:
        logins: list[DemoLogin] = demo_portal_accounts_ensure()
        for slug in registry_slugs:
            centre = Centre.objects.select_related("programme").get(slug=slug)
            spec = registry.get(slug)
            fixed = {t.code: t.social_workers for t in spec.teams if t.social_workers is not None}
            logins += demo_staff_ensure(centre=centre, fixed_headcounts=fixed)
            for builder in settings.DEMO_DATA_BUILDERS:
                import_string(builder)(centre=centre)
        port = settings.RUN_PORT
        self.stdout.write("")
        self.stdout.write(f"Konta demonstracyjne (hasło dla wszystkich: {DEMO_PASSWORD}):")
        current = None
        for login in logins:
            if login.host != current:
                current = login.host
                self.stdout.write(f"  http://{login.host}:{port}/")
            self.stdout.write(f"      {login.username:<28} {login.role}")
        if settings.TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "Logowanie dwuetapowe: WŁĄCZONE – pracownicy ośrodków ustawiają aplikację "
                "uwierzytelniającą (TOTP) przy pierwszym logowaniu."
            )
        else:
            self.stdout.write(
                "Logowanie dwuetapowe: wyłączone (tryb demonstracyjny); "
                "włącz je: OPS_TWO_FACTOR=required make run"
            )
