"""Care services: applications for them, service plans and the hours delivered."""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from casework.demo.proceedings import ProceedingsMixin
from casework.demo.rows import Writer
from casework.demo.state import CaseSim, DecisionInfo
from casework.demo.vocabulary import COPY_CHUNK, FIRST_F, PROVIDERS, SERVICE_CODES, SRV, SURNAMES
from casework.models.proceedings import DecisionOutcome


class CareMixin(ProceedingsMixin):
    """Care services granted by decision, planned and delivered day by day."""

    def care_services(self, case: CaseSim, end: dt.date) -> None:
        """Care services for the case until ``end``: an application per period, and a service plan
        for each one granted."""
        rng = self.rng
        code = rng.choices(SERVICE_CODES, (85, 8, 7))[0]
        if code not in self.benefit_types:
            return
        day = case.opened + dt.timedelta(days=rng.randint(0, 20))
        hours = Decimal(rng.choice(("5", "7.5", "10", "10", "12.5", "15", "20")))
        provider = "in_house" if rng.random() < 0.5 else "contracted"
        carers = tuple(
            f"{rng.choice(FIRST_F)} {rng.choice(SURNAMES)[0]}." for _ in range(rng.randint(1, 2))
        )
        first = True
        while True:
            received = self.working_day_after(day, 0)
            if received >= end:
                return
            decisions = self.application(
                case, received, [code], months=12, service=True, first=first
            )
            first = False
            granted = [
                d
                for d in decisions
                if d.outcome != DecisionOutcome.REFUSE.value and d.period_from and d.period_to
            ]
            if not granted:
                return
            info = granted[0]
            period_from, period_to = info.period_from, info.period_to
            if period_from is None or period_to is None:
                return
            plan_end = min(period_to, case.closed) if case.closed else period_to
            if plan_end >= period_from:
                self.service_plan(case, info, period_from, code, hours, provider, carers, plan_end)
            day = period_to - dt.timedelta(days=14)
            if case.closed and day >= case.closed:
                return

    def service_plan(
        self,
        case: CaseSim,
        info: DecisionInfo,
        start: dt.date,
        code: str,
        hours: Decimal,
        provider: str,
        carers: tuple[str, ...],
        plan_end: dt.date,
    ) -> None:
        """A service plan carrying out a granted decision, remembered for the deliveries."""
        rng = self.rng
        coordinator = case.worker_at(SRV, start) or self.pick_worker(SRV, start)
        year_factor = Decimal(str(round(1 + 0.08 * (start.year - 2016), 2)))
        cost = (Decimal(20) * year_factor).quantize(Decimal("0.01"))
        if rng.random() < 0.45:
            fee_rule, fee = "free", None
        else:
            fee_rule, fee = "percent", Decimal(rng.choice((5, 10, 15, 20, 30, 50)))
        recipient = case.household.head.person_id
        plan_id = self.tables.plan.add(
            case.id,
            recipient,
            code,
            provider,
            "" if provider == "in_house" else rng.choice(PROVIDERS),
            hours,
            start,
            plan_end if plan_end < self.today else info.period_to,
            cost,
            fee_rule,
            fee,
            info.id,
            coordinator.id,
        )
        self.plans.append(
            (plan_id, start, min(plan_end, self.today), hours, coordinator.id, carers)
        )

    def service_deliveries(self, writer: Writer) -> None:
        """Hours delivered on each working day of each plan: mostly the planned daily share
        (hours a week / 5), sometimes less or more, none on days of absence or hospital stays."""
        rng = self.rng
        table = self.tables.delivery
        quarter = Decimal("0.25")
        last_day = bisect.bisect_left(self.workdays, self.today)
        for plan_id, start, end, hours, coordinator, carers in self.plans:
            planned = max(quarter, (hours / 5 / quarter).quantize(Decimal(1)) * quarter)
            head = f"\t{table.now}\t{table.now}\t{plan_id}\t"
            first = bisect.bisect_left(self.workdays, start)
            last = min(last_day, bisect.bisect_right(self.workdays, end))
            for index in range(first, last):
                roll = rng.random()
                if roll < 0.04:
                    continue
                delivered = planned
                if roll > 0.84:
                    step = rng.choice((-1, -1, -1, 1)) * quarter * rng.randint(1, 3)
                    delivered = max(quarter, planned + step)
                table.lines.append(
                    f"{table.public_id()}{head}{self.workdays[index]}\t{delivered}\t"
                    f"{carers[index % len(carers)]}\t{coordinator}\n"
                )
            if len(table.lines) > COPY_CHUNK * 5:
                writer.send(table)
        writer.send(table)
