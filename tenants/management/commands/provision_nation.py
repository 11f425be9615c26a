"""Create a synthetic nation of centres to measure on (demo/dev tooling, see tenants/nation.py).

manage.py provision_nation --count 200 --volume 0.05       # 200 centres with a 5 % history
manage.py provision_nation --count 2477 --volume 0          # the whole country, empty centres
manage.py provision_nation --count 2477 --volume 0 --jobs 2 # the same in two processes

Each centre goes through the product's own provisioning (``centre_provision``: validation, the
template's DDL replayed, programme, domain and teams), then gets demo staff and, with a volume
above 0, casework history from the demo builder at ``volume`` × the demo's rates per resident.
One transaction per centre: a killed run leaves every centre either complete or absent, and the
next run skips the centres already present. Progress (k/N, centres a second, ETA) goes to stderr.

With ``--jobs J`` the centres still missing are shared out among J processes (``--shard i/J``, each
its own connection and transaction per centre; PostgreSQL executes their DDL side by side: about
1.7 times the rate of one process with two on a 2-core machine). This process migrates the
template and makes the portal accounts first, then draws the progress from the centres present.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
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
        parser.add_argument(
            "--jobs", type=int, default=1, help="processes creating centres side by side (1–8)"
        )
        parser.add_argument("--shard", help=argparse.SUPPRESS)  # i/J: one of --jobs' processes

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
        jobs: int = options["jobs"]
        if not 1 <= jobs <= 8:
            raise CommandError("--jobs: od 1 do 8 procesów.")
        specs = nation(seed=options["seed"])[:count]
        present = set(
            Centre.objects.filter(slug__in=[s.slug for s in specs]).values_list("slug", flat=True)
        )
        missing = [s for s in specs if s.slug not in present]
        shard = _shard(options["shard"])
        if shard is not None:
            # The share of the whole list, not of what is missing now: the processes start at
            # different moments, and their shares must not move.
            index, of = shard
            mine = {s.slug for s in specs[index::of]}
            missing = [s for s in missing if s.slug in mine]
        else:
            self.stdout.write(
                f"Naród syntetyczny: {count} ośrodków, {len(present)} już jest, "
                f"{len(missing)} do utworzenia (historia × {volume:g})."
            )
            template_schema_ensure()
            demo_portal_accounts_ensure()
        if jobs > 1 and shard is None and len(missing) > 1:
            self._in_processes(options, jobs, [s.slug for s in missing])
            return
        build = import_string(HISTORY_BUILDER) if volume > 0 else None
        started = time.perf_counter()
        progress = Progress(len(missing)) if shard is None else None
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
                if progress is not None:
                    progress.step()
        except TenantsError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if progress is not None:
                progress.close()
            forget_cached_domains()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Utworzono {len(missing)} ośrodków w {seconds:.1f} s.")

    def _in_processes(self, options: dict[str, Any], jobs: int, slugs: list[str]) -> None:
        """Run ``jobs`` copies of this command, each on its share of ``slugs``, on the same
        database as this process; draw the progress from the centres present."""
        root = Path(__file__).resolve().parents[3]  # the repository: manage.py
        command = [sys.executable, str(root / "manage.py"), "provision_nation"]
        command += ["--count", str(options["count"]), "--volume", str(options["volume"])]
        command += ["--seed", str(options["seed"])]
        if options["no_staff"]:
            command.append("--no-staff")
        env = {**os.environ, "DATABASE_URL": _database_url()}
        started = time.perf_counter()
        progress = Progress(len(slugs))
        logs = [tempfile.TemporaryFile() for _ in range(jobs)]  # noqa: SIM115 (closed below)
        children = [
            subprocess.Popen(  # noqa: S603 (this command, fixed arguments)
                [*command, "--shard", f"{index}/{jobs}"],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            for index, log in enumerate(logs)
        ]
        try:
            while any(child.poll() is None for child in children):
                progress.to(Centre.objects.filter(slug__in=slugs).count())
                time.sleep(0.5)
            progress.to(Centre.objects.filter(slug__in=slugs).count())
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            progress.close()
            forget_cached_domains()
        failed = [(i, child.returncode) for i, child in enumerate(children) if child.returncode]
        errors = []
        for index, code in failed:
            logs[index].seek(0)
            tail = logs[index].read().decode(errors="replace").strip().splitlines()[-5:]
            errors.append(f"proces {index + 1}/{jobs} (kod {code}): " + " | ".join(tail))
        for log in logs:
            log.close()
        if errors:
            raise CommandError(
                "Nie wszystkie ośrodki utworzono; uruchom polecenie ponownie (utworzone zostaną "
                "pominięte). " + "; ".join(errors)
            )
        seconds = time.perf_counter() - started
        self.stdout.write(f"Utworzono {len(slugs)} ośrodków w {seconds:.1f} s ({jobs} procesy).")


def _shard(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    index, _, of = value.partition("/")
    if not (index.isdigit() and of.isdigit() and 0 <= int(index) < int(of)):
        raise CommandError(f"--shard: i/J, 0 ≤ i < J (podano {value!r}).")
    return int(index), int(of)


def _database_url() -> str:
    """The URL of the database this process uses (the test database under pytest)."""
    db = connection.settings_dict
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(db.get("HOST") or "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(str(db['NAME']), safe='')}"
