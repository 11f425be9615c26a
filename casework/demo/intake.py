"""The first-contact register: routed reports and matters resolved at the desk."""

from __future__ import annotations

import bisect
import datetime as dt

from casework.demo.base import HistoryBase
from casework.demo.staff import Worker
from casework.demo.state import CaseSim
from casework.demo.vocabulary import (
    BEN,
    DESK_NOTES,
    FC,
    FIRST_F,
    FIRST_M,
    REPORTER_NAMES,
    SRV,
    SURNAMES,
    SW,
    SW_ONLY,
)
from casework.models.intake import Channel, IntakeOutcome, ReporterKind


class IntakeMixin(HistoryBase):
    """Intakes: one per case opened after the history began, plus those resolved at the desk."""

    def intake_channel(self, day: dt.date) -> str:
        """How a report arrived: visits fall and electronic channels grow over the years, with
        few visits during the spring 2020 lockdown."""
        years = min(1.0, max(0.0, (day.year - 2016) / 8))
        visit = 0.62 - 0.12 * years
        if dt.date(2020, 3, 15) <= day <= dt.date(2020, 5, 31):
            visit = 0.2
        weights = (visit, 0.25, 0.04 + 0.04 * years, 0.05, 0.02 + 0.08 * years)
        return self.rng.choices(
            (
                Channel.VISIT.value,
                Channel.PHONE.value,
                Channel.EMAIL.value,
                Channel.LETTER.value,
                Channel.EPUAP.value,
            ),
            weights,
        )[0]

    def registrar_on(self, day: dt.date) -> Worker:
        """Who registers a report: the first-contact post after go-live, before it the social
        worker on duty."""
        if day >= self.go_live and self.staff.by_function.get(FC):
            return self.pick_worker(FC, day)
        return self.pick_worker(BEN, day)

    def routed_intake(self, case: CaseSim) -> None:
        """The intake that opened the case: who reported it, why, and whom it was routed to."""
        if case.arrival is None or case.routed_at is None:
            return
        rng = self.rng
        day = case.arrival.date()
        routing_function = (
            SW if case.profile == SW_ONLY else SRV if case.services and day >= self.go_live else BEN
        )
        if routing_function not in case.segments:
            routing_function = next(iter(case.segments))
        worker = case.segments[routing_function][0].worker
        registrar = self.registrar_on(day)
        case.intake_by = registrar.id
        kind = ReporterKind.SELF.value
        if "przemoc" in case.reasons and rng.random() < 0.6:
            kind = ReporterKind.POLICE.value
        elif rng.random() < 0.2:
            kind = rng.choice(
                (
                    ReporterKind.RELATIVE.value,
                    ReporterKind.NEIGHBOUR.value,
                    ReporterKind.SCHOOL.value,
                    ReporterKind.COURT.value,
                    ReporterKind.HEALTH.value,
                    ReporterKind.OTHER_INSTITUTION.value,
                )
            )
        reporter = REPORTER_NAMES.get(kind, "")
        if kind in (ReporterKind.RELATIVE.value, ReporterKind.NEIGHBOUR.value):
            reporter = f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}"
        reasons = [
            code for code in (self.reason_code_on(c, day) for c in case.reasons) if code is not None
        ]
        team_only = day >= self.go_live and rng.random() < 0.2
        self.tables.intake.add_leaf(
            case.arrival,
            self.intake_channel(day),
            kind,
            reporter,
            case.household.head.person_id,
            case.household.id,
            reasons,
            "",
            IntakeOutcome.ROUTED.value,
            "przekazano do zespołu" if day >= self.go_live else "przekazano pracownikowi rejonu",
            worker.team_id,
            None if team_only else worker.id,
            case.routed_at,
            case.id,
            registrar.id,
        )
        self.routed_per_month[(day.year, day.month)] += 1

    def desk_share(self, day: dt.date) -> float:
        """Share of intakes resolved at the desk: few before the first-contact post, then more."""
        after = self.go_live_ramp(day)
        if not after:
            return 0.12
        years = (day - self.go_live).days / 365
        return 0.12 + after * (0.28 + min(0.07, 0.015 * years))

    def desk_intakes(self) -> None:
        """Matters resolved at the desk (information, advice, a referral elsewhere) in proportion to
        the routed ones, and a few reports of the last working day still waiting to be routed."""
        rng = self.rng
        columns = ("ubostwo", "bezrobocie", "niepelnosprawnosc", "choroba", "bezradnosc")
        for (year, month), days in sorted(self.month_workdays.items()):
            share = self.desk_share(dt.date(year, month, 15))
            routed = self.routed_per_month.get((year, month), 0)
            for _ in range(self.poisson(routed * share / (1 - share))):
                day = rng.choice(days)
                arrival = self.time_on(day, 465, 900)
                registrar = self.registrar_on(day)
                outcome = rng.choices(
                    (
                        IntakeOutcome.INFORMATION.value,
                        IntakeOutcome.ADVICE.value,
                        IntakeOutcome.REFERRAL_OUTSIDE.value,
                    ),
                    (50, 30, 20),
                )[0]
                reason = (
                    self.reason_code_on(rng.choice(columns), day) if rng.random() < 0.6 else None
                )
                self.tables.intake.add_leaf(
                    arrival,
                    self.intake_channel(day),
                    ReporterKind.SELF.value,
                    f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}",
                    None,
                    None,
                    [reason] if reason else [],
                    "",
                    outcome,
                    rng.choice(DESK_NOTES[outcome]),
                    None,
                    None,
                    arrival + dt.timedelta(minutes=rng.randint(5, 40)),
                    None,
                    registrar.id,
                )
        # A few reports from the last working day still wait to be routed.
        last = self.workdays[bisect.bisect_left(self.workdays, self.today) - 1]
        for _ in range(rng.randint(1, 4)):
            arrival = self.time_on(last, 840, 900)
            reason = self.reason_code_on("ubostwo", last)
            self.tables.intake.add_leaf(
                arrival,
                self.intake_channel(last),
                ReporterKind.SELF.value,
                f"{rng.choice(FIRST_F + FIRST_M)} {rng.choice(SURNAMES)}",
                None,
                None,
                [reason] if reason else [],
                "",
                IntakeOutcome.PENDING.value,
                "",
                None,
                None,
                None,
                None,
                self.registrar_on(last).id,
            )
