"""Opening the cases month by month and assigning workers to them, with handovers."""

from __future__ import annotations

import datetime as dt

from casework.demo.dates import add_months, months_from_to
from casework.demo.people import PeopleMixin
from casework.demo.staff import Worker
from casework.demo.state import CaseSim, Segment
from casework.demo.vocabulary import (
    BEN,
    CRISIS,
    DISABLED,
    DPS,
    FAMILY,
    FOREIGNER,
    FUNERAL,
    HANDOVER_REASONS_POST,
    HANDOVER_REASONS_PRE,
    HANDOVER_REORGANISATION,
    HISTORY_START,
    HOMELESS,
    PROFILE_CADENCE,
    PROFILE_CONTRACT,
    PROFILE_MONTHS,
    PROFILE_REASONS,
    PROFILE_SERVICES,
    PROFILE_SOCIAL_WORK,
    SENIOR,
    SRV,
    SW,
    SW_ONLY,
    UNEMPLOYED,
)


class CasesMixin(PeopleMixin):
    """The cases: carried over into 2016, then one per routed intake; their workers per function
    over time."""

    def monthly_inflow(self, day: dt.date) -> float:
        """New cases a month: a steady state with about 2–4 % of residents in helped households a
        year (falling slowly, as national statistics did), more in winter."""
        rate = (0.034 - 0.001 * (day.year - 2016)) * self.centre_factor
        households_a_year = rate * self.centre.population / 2.3
        seasonal = {1: 1.15, 2: 1.15, 7: 0.85, 8: 0.85, 11: 1.1, 12: 1.1}.get(day.month, 1.0)
        return households_a_year / 32 * seasonal * self.volume

    def profile_weights(self, day: dt.date, *, carried: bool) -> dict[str, float]:
        """The mix of household profiles among new cases on ``day`` (``carried``: among the cases
        already open when the history begins)."""
        if carried:
            return {SENIOR: 35, DISABLED: 18, UNEMPLOYED: 15, FAMILY: 25, HOMELESS: 4, SW_ONLY: 3}
        after = self.go_live_ramp(day)
        years = max(0.0, min(1.0, (day.year - 2016) / 8))
        if day < dt.date(2022, 3, 1):
            foreign = 0.5
        elif day < dt.date(2023, 1, 1):
            foreign = 6.0
        else:
            foreign = 3.0
        return {
            SENIOR: 20,
            DISABLED: 10,
            UNEMPLOYED: 22 - 8 * years,
            FAMILY: 28,
            HOMELESS: 4,
            CRISIS: 4,
            FUNERAL: 1,
            DPS: 2,
            SW_ONLY: 6 + 16 * after,
            FOREIGNER: foreign,
        }

    def open_cases(self) -> None:
        """Open the cases: the ones carried over into 2016 (open cases of a steady state, about
        17 months of new cases), then new ones month by month, each from a routed intake."""
        rng = self.rng
        january = list(self.month_workdays[(2016, 1)])
        for _ in range(self.poisson(self.monthly_inflow(HISTORY_START) * 17)):
            weights = self.profile_weights(HISTORY_START, carried=True)
            profile = rng.choices(list(weights), list(weights.values()))[0]
            self.new_case(profile, rng.choice(january), arrival=None, routed_at=None)
        last_full_day = self.today - dt.timedelta(days=1)
        for year, month in months_from_to(HISTORY_START, last_full_day):
            days = self.month_workdays.get((year, month), [])
            if not days:
                continue
            mid = dt.date(year, month, 15)
            weights = self.profile_weights(mid, carried=False)
            # The mix before go-live weighs about 97: clients it did not have (social work only
            # after go-live, refugees from 2022) come on top of the usual inflow.
            scale = sum(weights.values()) / 97.0
            for _ in range(self.poisson(self.monthly_inflow(mid) * scale)):
                profile = rng.choices(list(weights), list(weights.values()))[0]
                arrival = self.time_on(rng.choice(days), 465, 900)
                routed_at = self.routing_time(arrival)
                if routed_at.date() >= self.today:
                    continue
                self.new_case(profile, routed_at.date(), arrival=arrival, routed_at=routed_at)

    def routing_time(self, arrival: dt.datetime) -> dt.datetime:
        """When a report that arrived at ``arrival`` reaches the worker who takes the case."""
        day = arrival.date()
        if day >= self.go_live:
            if self.rng.random() < 0.8:
                return arrival + dt.timedelta(minutes=self.rng.randint(5, 120))
            return self.time_on(self.working_day_after(day, 1), 480, 720)
        # Before go-live the manager hands reports to the district's social worker.
        return self.time_on(
            self.working_day_after(day, self.rng.choice((1, 1, 2, 2, 3, 4, 5))), 480, 840
        )

    def new_case(
        self,
        profile: str,
        opened: dt.date,
        *,
        arrival: dt.datetime | None,
        routed_at: dt.datetime | None,
    ) -> None:
        """Open a case of ``profile`` on ``opened`` for a new household (or, now and then, one
        helped before), with its length, reasons and the help it will need."""
        rng = self.rng
        household = None
        if arrival is not None and rng.random() < 0.12:
            candidates = self.households[profile]
            for candidate in rng.sample(candidates, min(5, len(candidates))):
                if candidate.free_from < opened - dt.timedelta(days=60):
                    household = candidate
                    break
        if household is None:
            household = self.add_household(profile, opened)
        low, high, mode = PROFILE_MONTHS[profile]
        months = self.triangular(low, high, mode)
        if arrival is None:
            months *= rng.uniform(0.1, 1.0)
        closed: dt.date | None = opened + dt.timedelta(days=max(7, round(months * 30.4)))
        if closed is not None and closed >= self.today:
            closed = None
        household.free_from = closed or dt.date.max
        reasons = [column for column, chance in PROFILE_REASONS[profile] if rng.random() < chance]
        reasons = reasons or [PROFILE_REASONS[profile][0][0]]
        post = opened >= self.go_live
        contract_chances = PROFILE_CONTRACT.get(profile, (0.0, 0.0))
        contract = rng.random() < contract_chances[1 if post else 0]
        social_work = contract or rng.random() < PROFILE_SOCIAL_WORK[profile]
        services = rng.random() < PROFILE_SERVICES.get(profile, 0.0)
        self.cases.append(
            CaseSim(
                household,
                profile,
                opened,
                closed,
                arrival,
                routed_at,
                reasons,
                social_work,
                services,
                contract,
            )
        )

    # -- assignments and handovers --

    def handover_rate(self, day: dt.date) -> float:
        """Handovers per case-year: many before go-live (district changes, absences), then fewer
        year by year as teams settle."""
        if day < self.go_live:
            return 0.9
        return max(0.2, 0.55 - 0.08 * (day - self.go_live).days / 365)

    def assign_workers(self, case: CaseSim) -> None:
        """The case's workers per function over its life, with the handovers between them
        (district changes before go-live, the reorganisation, absences after)."""
        rng = self.rng
        functions: list[str] = []
        if PROFILE_CADENCE[case.profile] != (0, 0) or case.services:
            functions.append(BEN)
        if case.social_work:
            functions.append(SW)
        if case.services:
            functions.append(SRV)
        start = case.opened
        end = case.closed or self.today
        if start < self.go_live:
            district = self.pick_worker(BEN, start)
            current = {
                f: (district if f != SRV else self.pick_worker(SRV, start)) for f in functions
            }
        else:
            current = {f: self.pick_worker(f, start) for f in functions}
        segments = {f: [Segment(current[f], start)] for f in functions}
        handovers: list[tuple[dt.datetime, Worker, Worker, str]] = []

        def move(function: str, worker: Worker, day: dt.date, when: dt.datetime, why: str) -> None:
            """Hand ``function`` over to ``worker`` from ``day`` (not to the same worker)."""
            previous = segments[function][-1]
            if previous.worker == worker or day <= previous.start:
                return
            previous.end = day
            segments[function].append(Segment(worker, day))
            handovers.append((when, previous.worker, worker, why))

        events: list[dt.date] = []
        month = dt.date(start.year, start.month, 1)
        while month < end:
            if rng.random() < self.handover_rate(month) / 12:
                events.append(month + dt.timedelta(days=rng.randint(0, 27)))
            month = add_months(month, 1)
        if start < self.go_live < end:
            events.append(self.go_live)
        for day in sorted(events):
            if not start < day < end:
                continue
            workday = self.working_day_after(day, 0)
            if workday >= end or workday >= self.today:
                continue
            if day == self.go_live:
                workday = self.working_day_after(self.go_live, rng.randint(0, 9))
                if workday >= end:
                    continue
                when = self.time_on(workday)
                for function in functions:
                    worker = segments[function][-1].worker
                    if not self.staff.suits(worker, function, workday):
                        move(
                            function,
                            self.pick_worker(function, workday),
                            workday,
                            when,
                            HANDOVER_REORGANISATION,
                        )
            elif workday < self.go_live:
                # The district changes hands: everything the district worker held moves at once.
                old = segments[functions[0]][-1].worker
                new = self.pick_worker(BEN, workday, other_than=old)
                held = [f for f in functions if segments[f][-1].worker == old]
                if new == old or any(workday <= segments[f][-1].start for f in held):
                    continue
                for function in held:
                    segments[function][-1].end = workday
                    segments[function].append(Segment(new, workday))
                handovers.append(
                    (self.time_on(workday), old, new, rng.choice(HANDOVER_REASONS_PRE))
                )
            else:
                function = rng.choice(functions)
                old = segments[function][-1].worker
                move(
                    function,
                    self.pick_worker(function, workday, other_than=old),
                    workday,
                    self.time_on(workday),
                    rng.choice(HANDOVER_REASONS_POST),
                )
        case.segments = segments
        for function, parts in segments.items():
            for index, part in enumerate(parts):
                ended = part.end if index < len(parts) - 1 else case.closed
                self.tables.assignment.add_leaf(
                    case.id, function, part.worker.team_id, part.worker.id, part.start, ended
                )
        for when, old, new, why in handovers:
            self.tables.handover.add_leaf(
                case.id,
                old.team_id,
                new.team_id,
                old.id,
                new.id,
                why,
                when,
                self.staff.manager_id if rng.random() < 0.7 else old.id,
            )
