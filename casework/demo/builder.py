"""The demo history's run: the simulation's steps in order, and ``build``, its entry point."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.audit import record_demo_history
from casework.demo.activity import ActivityMixin
from casework.demo.care import CareMixin
from casework.demo.cases import CasesMixin
from casework.demo.intake import IntakeMixin
from casework.demo.rows import Writer
from casework.demo.socialwork import SocialWorkMixin
from casework.demo.staff import load_staff
from casework.demo.vocabulary import CLOSING_REASONS, COPY_CHUNK
from casework.models import Household
from tenants.models import Centre

logger = logging.getLogger("casework.demo")


class Builder(CasesMixin, IntakeMixin, CareMixin, SocialWorkMixin, ActivityMixin):
    """One centre's history: simulated in memory, written through a ``Writer``."""

    def run(self) -> dict[str, int]:
        """Simulate and write the whole history; the row count per model."""
        writer = Writer(self.schema)
        for table in self.tables.all:
            table.writer = writer
        try:
            self._run(writer)
        finally:
            writer.close()
        return {table.model.__name__: table.count for table in self.tables.all}

    def stream(self, writer: Writer, *, final: bool = False) -> None:
        """Send what has gathered, parents before children (foreign keys are checked at the end
        of each COPY). Decisions wait for their numbers, and so do the rows that refer to them."""
        pending = sum(len(table.rows) for table in self.tables.streamed)
        if final or pending >= COPY_CHUNK:
            for table in self.tables.streamed:
                writer.send(table)

    def _run(self, writer: Writer) -> None:
        # Ids first, while the connection is free: later a reservation waits for a COPY.
        """The steps in order: authorisations, cases and their workers, the activity log, then
        per case its intake, proceedings, care services, contracts and programme; desk intakes,
        projects, decision numbers, and the tables that waited for them."""
        for table in self.tables.all:
            if table.with_ids:
                table.prefetch()
        self.grant_authorisations()
        self.open_cases()
        self.cases.sort(
            key=lambda c: (c.opened, c.arrival or dt.datetime.min.replace(tzinfo=self.tz))
        )
        sequence: Counter[int] = Counter()
        for case in self.cases:
            sequence[case.opened.year] += 1
            case.id = self.tables.case.next_id()
            case.number = f"{self.prefix}/{case.opened.year}/{sequence[case.opened.year]:05d}"
            closed = case.closed is not None
            self.tables.case.add_with_id(
                case.id,
                case.number,
                case.household.id,
                "closed" if closed else "open",
                case.opened,
                case.closed,
                self.rng.choice(CLOSING_REASONS[case.profile]) if closed else "",
                False,
            )
            self.assign_workers(case)
        self.stream(writer, final=True)
        # The activity log needs only the assignments, costs PostgreSQL far more than Python, and
        # is the largest table: queue it now, and build the proceedings while it is stored.
        self.activity_log(writer)
        for index, case in enumerate(self.cases):
            if index % 250 == 0:
                self.stream(writer)
            if not case.carried_over:
                self.routed_intake(case)
            self.benefit_proceedings(case)
            if case.services:
                self.care_services(case, min(case.closed or self.today, self.today))
            self.social_contracts(case)
            self.individual_programme(case)
        self.desk_intakes()
        self.community_projects()
        numbers: Counter[int] = Counter()
        for info in sorted(self.decisions, key=lambda d: (d.issued_on, d.id)):
            numbers[info.issued_on.year] += 1
            info.row[5] = (
                f"{self.prefix}/D/{info.issued_on.year}/{numbers[info.issued_on.year]:05d}"
            )
        self.stream(writer, final=True)
        for table in (self.tables.decision, self.tables.appeal, self.tables.plan):
            writer.send(table)
        self.service_deliveries(writer)


def build(*, centre: Centre, volume: float = 1.0) -> None:
    """Fill one centre with synthetic casework history (idempotent; see the module docstring).

    ``volume`` scales the history: the inflow of cases (and with it every row that follows a case)
    and the days of the activity log; 1.0 is the demo's rate per resident."""
    started = time.perf_counter()
    with schema_context(centre.schema_name):
        if Household.objects.filter(is_synthetic=True).exists():
            return
        staff = load_staff(centre.programme.go_live)
        if staff is None:
            logger.warning(
                "demo history skipped for %s: no benefits or social-work staff", centre.slug
            )
            return
        with transaction.atomic():
            today = timezone.localdate()
            counts = Builder(centre, staff, today, volume=volume).run()
            record_demo_history(built_on=today)
    logger.info(
        "demo history for %s: %s rows in %.1f s",
        centre.slug,
        sum(counts.values()),
        time.perf_counter() - started,
        extra={"rows": counts},
    )
