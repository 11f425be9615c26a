"""Create a synthetic nation of centres to measure on (demo/dev tooling, see tenants/nation.py).

manage.py provision_nation --count 200 --volume 0.05       # 200 centres with a 5 % history
manage.py provision_nation --count 2477 --volume 0          # the whole country, empty centres

Each centre goes through the product's own provisioning (``centre_provision``: validation, the
template's DDL replayed, programme, domain and teams), then gets demo staff and, with a volume
above 0, casework history from the demo builder at ``volume`` × the demo's rates per resident.
One transaction per centre: a killed run leaves every centre either complete or absent, and the
next run skips the centres already present. Progress (k/N, centres a second, ETA) goes to stderr.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from opsplatform.middleware import forget_cached_domains
from opsplatform.schemas import schemas_in_turn
from tenants.demo import demo_portal_accounts_ensure, demo_staff_ensure
from tenants.errors import TenantsError
from tenants.models import Centre
from tenants.nation import NATION_SIZE, nation
from tenants.progress import Progress
from tenants.services import centre_provision, template_schema_ensure

# The demo builder of casework history, by dotted path (tenants never imports casework).
HISTORY_BUILDER = "casework.demo.build"
REGISTRY_VERSION = 1


class Command(BaseCommand):
    help = (
        "Create N synthetic centres (a synthetic list of Poland's gminas) through the product's "
        "provisioning, with demo staff and casework history scaled by --volume. Demo mode only; "
        "restartable: centres already present are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help=f"centres, 1–{NATION_SIZE}")
        parser.add_argument(
            "--volume",
            type=float,
            default=0.05,
            help="casework history as a share of the demo's rates per resident (0: none)",
        )
        parser.add_argument("--seed", type=int, default=2477, help="the nation's seed")
        parser.add_argument("--no-staff", action="store_true", help="teams only, no demo staff")

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        volume: float = options["volume"]
        if not 1 <= count <= NATION_SIZE:
            raise CommandError(f"--count: od 1 do {NATION_SIZE} ośrodków (tyle jest gmin).")
        if not 0 <= volume <= 10:
            raise CommandError("--volume: liczba od 0 do 10 (1 = tempo danych demonstracyjnych).")
        if not settings.DEMO_MODE:
            raise CommandError(
                "provision_nation tworzy dane syntetyczne: działa tylko w trybie demo "
                "(DEBUG i DEMO_MODE włączone)."
            )
        with_staff = not options["no_staff"]
        if volume > 0 and not with_staff:
            raise CommandError("Historia spraw potrzebuje pracowników: usuń --no-staff.")
        specs = nation(seed=options["seed"])[:count]
        present = set(
            Centre.objects.filter(slug__in=[s.slug for s in specs]).values_list("slug", flat=True)
        )
        missing = [s for s in specs if s.slug not in present]
        self.stdout.write(
            f"Naród syntetyczny: {count} ośrodków, {len(present)} już jest, "
            f"{len(missing)} do utworzenia (historia × {volume:g})."
        )
        template_schema_ensure()
        demo_portal_accounts_ensure()
        build = import_string(HISTORY_BUILDER) if volume > 0 else None
        started = time.perf_counter()
        progress = Progress(len(missing))
        try:
            # A fresh backend every SCHEMAS_PER_CONNECTION centres: one connection creating
            # thousands of schemas would keep every one's catalog entries (memory grows).
            for spec in schemas_in_turn(missing):
                with transaction.atomic():
                    centre_provision(
                        spec=spec,
                        registry_version=REGISTRY_VERSION,
                        base_domain=settings.PORTAL_HOST,
                    )
                    centre = Centre.objects.select_related("programme").get(slug=spec.slug)
                    if with_staff:
                        demo_staff_ensure(centre=centre, fixed_headcounts={})
                    if build is not None:
                        build(centre=centre, volume=volume)
                progress.step()
        except TenantsError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
            forget_cached_domains()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Utworzono {len(missing)} ośrodków w {seconds:.1f} s.")
