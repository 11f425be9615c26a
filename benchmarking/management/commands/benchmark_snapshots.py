"""Compute benchmark snapshots: queue a run for the worker, or compute it here and now.

manage.py benchmark_snapshots                       # last month and this month, via the worker
manage.py benchmark_snapshots --backfill            # every month since 2016, via the worker
manage.py benchmark_snapshots --from 2024-01 --to 2024-06 --centre daleszyce --now
manage.py benchmark_snapshots --if-empty --backfill # only when no snapshot exists yet (make run)
manage.py benchmark_snapshots --status              # the latest runs and their progress
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from benchmarking.models import Snapshot, SnapshotRun
from benchmarking.services import (
    HISTORY_START,
    previous_month,
    snapshot_centres_compute,
    snapshot_run_create,
)
from benchmarking.tasks import snapshot_run_start
from opsplatform.errors import ValidationFailed
from tenants.models import Centre


def _month(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise CommandError(f"Miesiąc podaje się jako RRRR-MM, a nie „{raw}”.") from None


class Command(BaseCommand):
    help = "Compute benchmark snapshots (through the worker, or here with --now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backfill", action="store_true", help="every month since 2016")
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM")
        parser.add_argument("--centre", action="append", help="slug; repeat for several")
        parser.add_argument("--now", action="store_true", help="compute here, not in the worker")
        parser.add_argument("--if-empty", action="store_true", help="only if there is no snapshot")
        parser.add_argument("--status", action="store_true", help="show the latest runs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self._status()
            return
        if options["if_empty"] and Snapshot.objects.exists():
            self.stdout.write("Wskaźniki są już policzone: bez zmian.")
            return
        today = timezone.localdate()
        if options["backfill"]:
            first, last, kind = HISTORY_START, today, SnapshotRun.Kind.BACKFILL
        else:
            first = _month(options["first"]) if options["first"] else previous_month(today)
            last = _month(options["last"]) if options["last"] else today
            kind = SnapshotRun.Kind.ON_DEMAND
        centres = None
        if options["centre"]:
            centres = list(Centre.objects.filter(slug__in=options["centre"]))
            unknown = set(options["centre"]) - {c.slug for c in centres}
            if unknown:
                raise CommandError(f"Nieznane ośrodki: {', '.join(sorted(unknown))}.")
        try:
            if options["now"]:
                run = snapshot_run_create(
                    kind=kind, period_from=first, period_to=last, centres=centres,
                    requested_by="manage.py",
                )  # fmt: skip
                # In batches, as the worker computes them (statements per batch, not per centre).
                chosen = [row.centre for row in run.centres.select_related("centre")]
                size = settings.SNAPSHOT_CENTRES_PER_TASK
                failed: list[str] = []
                for start in range(0, len(chosen), size):
                    batch = chosen[start : start + size]
                    failed.extend(snapshot_centres_compute(run=run, centres=batch))
                    written = dict(
                        run.centres.filter(centre__in=batch).values_list(
                            "centre__slug", "values_written"
                        )
                    )
                    for centre in batch:
                        self.stdout.write(f"{centre.slug}: {written[centre.slug]} wartości")
                if failed:
                    raise CommandError(f"Nie udało się policzyć: {', '.join(failed)}.")
            else:
                run = snapshot_run_start(
                    kind=kind, period_from=first, period_to=last, centres=centres,
                    requested_by="manage.py",
                )  # fmt: skip
                self.stdout.write(
                    f"Przeliczenie {run.public_id} ({first:%Y-%m}–{last:%Y-%m}, "
                    f"{run.centres.count()} ośrodków) wysłane do workera; postęp: "
                    "manage.py benchmark_snapshots --status"
                )
        except ValidationFailed as error:
            raise CommandError(str(error)) from None

    def _status(self) -> None:
        for run in SnapshotRun.objects.order_by("-started_at")[:5]:
            self.stdout.write(
                f"{run.public_id} {run.get_kind_display()} {run.period_from:%Y-%m}–"
                f"{run.period_to:%Y-%m}: {run.get_status_display()}"
            )
            for row in run.centres.select_related("centre"):
                error = f" ({row.error})" if row.error else ""
                self.stdout.write(
                    f"  {row.centre.slug:12} {row.get_status_display():10} "
                    f"miesiące {row.months_done}, próby {row.attempts}{error}"
                )
