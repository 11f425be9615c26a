"""Benefit proceedings: decision authorisations, applications with their family interviews,
incomes, decisions, delay notices and appeals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from casework.demo.base import HistoryBase
from casework.demo.dates import add_months
from casework.demo.staff import Worker
from casework.demo.state import CaseSim, DecisionInfo
from casework.demo.vocabulary import (
    BEN,
    CRISIS,
    DELAY_REASONS,
    DIAGNOSES,
    DISABLED,
    DPS,
    FAMILY,
    FUNERAL,
    HELP_PLANS,
    HOMELESS,
    PROFILE_CADENCE,
    REFUSAL_CONTRACT,
    REFUSALS,
    SENIOR,
    SERVICE_CODES,
    SRV,
    UNEMPLOYED,
)
from casework.models.proceedings import (
    AppealOutcome,
    ApplicationStatus,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.services.proceedings import appeal_forward_due_on


class ProceedingsMixin(HistoryBase):
    """Applications and what follows them, by the KPA's time limits."""

    def grant_authorisations(self) -> None:
        """Decision authorisations: the manager's and one for each benefits worker."""
        rng = self.rng
        manager = self.staff.manager_id
        holders: list[Worker | None] = [None]
        holders += [w for w in self.staff.workers if w.function == BEN]
        for index, worker in enumerate(holders, start=1):
            if worker is None or worker.started_on < self.go_live:
                valid_from = dt.date(rng.randint(2010, 2014), rng.randint(1, 12), 1)
            else:
                valid_from = worker.started_on
            reference = f"{self.prefix}/UPR/{valid_from.year}/{index:02d}"
            pk = self.tables.authorisation.add(
                worker.id if worker else manager, reference, valid_from, None, manager
            )
            self.authorisations.append((worker, worker.id if worker else manager, pk, valid_from))

    def decision_issuer(self, day: dt.date) -> tuple[int, int]:
        """Who signs a decision on ``day`` (worker id, authorisation id): more often a benefits
        worker after go-live, else the manager."""
        valid = [
            (worker, worker_id, pk)
            for worker, worker_id, pk, valid_from in self.authorisations
            if valid_from <= day and (worker is None or self.staff.active(worker, day))
        ]
        manager = [v for v in valid if v[0] is None]
        staff = [v for v in valid if v[0] is not None]
        share = 0.75 if day >= self.go_live else 0.45
        chosen = self.rng.choice(staff) if staff and self.rng.random() < share else manager[0]
        return chosen[1], chosen[2]

    def record_incomes(self, case: CaseSim, day: dt.date, worker_id: int) -> Decimal:
        """Record the adults' incomes; return the household's monthly income."""
        single, per_person = self.income_criterion(day)
        size = len(case.household.members)
        limit = single if size == 1 else per_person * size
        total = Decimal(round(float(limit) * self.triangular(0.0, 1.15, 0.6)))
        adults = case.household.adults(day)[:2] or case.household.members[:1]
        sources = {
            SENIOR: "emerytura",
            DISABLED: "renta socjalna",
            UNEMPLOYED: "prace dorywcze",
            FAMILY: "wynagrodzenie",
            HOMELESS: "brak dochodu",
            DPS: "emerytura",
        }
        for index, member in enumerate(adults):
            amount = (
                total
                if len(adults) == 1
                else (total * Decimal("0.7") if index == 0 else total * Decimal("0.3"))
            )
            source = sources.get(case.profile, "wynagrodzenie")
            if amount < 50:
                amount, source = Decimal(0), "brak dochodu"
            self.tables.income.add_leaf(
                member.id, day, amount.quantize(Decimal("0.01")), source, worker_id
            )
        return total

    def benefits_for(self, case: CaseSim, first: bool, day: dt.date) -> list[str]:
        """The benefits an application of the case asks for (``first``: the case's first one)."""
        rng = self.rng
        profile = case.profile
        single = len(case.household.members) == 1
        if profile in (SENIOR, DISABLED):
            if first and single and rng.random() < 0.5:
                chosen = ["zasilek-staly"]
            else:
                chosen = ["zasilek-celowy"] if rng.random() < 0.85 else ["posilek"]
        elif profile == UNEMPLOYED:
            chosen = ["zasilek-okresowy"] if rng.random() < 0.6 else ["zasilek-celowy"]
            if first and rng.random() < 0.3:
                chosen.append("zasilek-celowy" if chosen[0] != "zasilek-celowy" else "posilek")
        elif profile == FAMILY:
            chosen = [
                rng.choices(("zasilek-celowy", "posilek", "zasilek-okresowy"), (50, 25, 25))[0]
            ]
            if rng.random() < 0.25:
                chosen.append("posilek" if chosen[0] != "posilek" else "zasilek-celowy")
        elif profile == HOMELESS:
            chosen = (
                ["schronienie", "posilek"]
                if first
                else [rng.choice(("schronienie", "posilek", "ubranie", "zasilek-celowy"))]
            )
        elif profile == CRISIS:
            chosen = ["specjalny-zasilek-celowy" if rng.random() < 0.4 else "zasilek-celowy"]
        elif profile == FUNERAL:
            chosen = ["sprawienie-pogrzebu"]
        elif profile == DPS:
            chosen = ["dps"]
        else:
            chosen = ["zasilek-celowy"] if rng.random() < 0.6 else ["posilek"]
        return [b for b in chosen if b in self.benefit_types]

    def decision_terms(
        self,
        case: CaseSim,
        benefit: str,
        received: dt.date,
        issued: dt.date,
        months: int,
        income: Decimal,
    ) -> tuple[str, Decimal | None, dt.date | None, dt.date | None, str, str]:
        """Outcome, amount, period, payment schedule and reasoning of a decision on ``benefit``."""
        rng = self.rng
        post = issued >= self.go_live
        roll = rng.random()
        outcome = (
            DecisionOutcome.GRANT.value
            if roll < 0.87
            else DecisionOutcome.PARTIAL.value
            if roll < 0.93
            else DecisionOutcome.REFUSE.value
        )
        if outcome == DecisionOutcome.REFUSE.value:
            reason = rng.choice(REFUSALS)
            if post and case.contract and rng.random() < 0.3:
                reason = REFUSAL_CONTRACT
            return outcome, None, None, None, "", f"Odmówiono przyznania świadczenia. {reason}"
        single, per_person = self.income_criterion(received)
        size = len(case.household.members)
        limit = single if size == 1 else per_person * size
        gap = max(Decimal(0), limit - income)
        amount: Decimal | None = None
        period_from: dt.date | None = None
        period_to: dt.date | None = None
        schedule = PaymentSchedule.IN_KIND.value
        if benefit == "zasilek-staly":
            amount = min(max(Decimal(30), single - income), single)
            period_from = received
            period_to = (
                None if rng.random() < 0.6 else add_months(received, 12) - dt.timedelta(days=1)
            )
            schedule = PaymentSchedule.MONTHLY.value
        elif benefit == "zasilek-okresowy":
            amount = max(Decimal(20), gap * Decimal(str(round(rng.uniform(0.5, 0.7), 2))))
            period_from = received
            period_to = add_months(received, max(1, months)) - dt.timedelta(days=1)
            schedule = PaymentSchedule.MONTHLY.value
        elif benefit == "zasilek-celowy":
            heating = issued.month in (10, 11, 12, 1, 2)
            amount = Decimal(
                rng.randrange(400, 1200, 10) if heating else rng.randrange(150, 600, 10)
            )
            schedule = PaymentSchedule.ONCE.value
        elif benefit == "specjalny-zasilek-celowy":
            amount = Decimal(rng.randrange(200, 1000, 10))
            schedule = PaymentSchedule.ONCE.value
        elif benefit == "sprawienie-pogrzebu":
            amount = Decimal(rng.randrange(2800, 4500, 50))
        elif benefit in ("posilek", "schronienie"):
            period_from = received
            period_to = add_months(received, max(3, months)) - dt.timedelta(days=1)
        elif benefit in SERVICE_CODES:
            period_from = issued + dt.timedelta(days=rng.randint(1, 7))
            period_to = add_months(period_from, 12) - dt.timedelta(days=1)
        elif benefit == "dps":
            period_from = issued + dt.timedelta(days=rng.randint(30, 90))
        if amount is not None:
            amount = Decimal(round(amount))
            if outcome == DecisionOutcome.PARTIAL.value:
                amount = Decimal(max(20, round(amount * Decimal(str(rng.uniform(0.5, 0.8))))))
            amount = amount.quantize(Decimal("0.01"))
        reasoning = (
            "Na podstawie rodzinnego wywiadu środowiskowego ustalono, że dochód nie przekracza "
            "kryterium dochodowego, a w rodzinie występują przesłanki z art. 7 u.p.s."
        )
        if outcome == DecisionOutcome.PARTIAL.value:
            reasoning += " Świadczenie przyznano w części ze względu na ograniczone środki gminy."
        return outcome, amount, period_from, period_to, schedule, reasoning

    def application(
        self,
        case: CaseSim,
        received: dt.date,
        benefits: list[str],
        *,
        months: int,
        service: bool = False,
        first: bool = False,
    ) -> list[DecisionInfo]:
        """An application received on ``received``: its family interview, the incomes, a delay
        notice when the time limit is missed, and a decision per benefit once issued."""
        rng = self.rng
        post = received >= self.go_live
        function = SRV if service and post and SRV in case.segments else BEN
        worker = case.worker_at(function, received) or case.worker_at(BEN, received)
        if worker is None:
            worker = self.pick_worker(BEN, received)
        urgent = rng.random() < (0.1 if case.profile in (CRISIS, HOMELESS, FUNERAL) else 0.03)
        complex_ = rng.random() < 0.03
        kpa_due = add_months(received, 2 if complex_ else 1)
        registrar = case.intake_by if (first and post and case.intake_by) else worker.id
        application_id = self.tables.application.next_id()
        # Family interview: due in 14 working days (2 if urgent), most on time.
        needed = received
        allowed = 2 if urgent else 14
        due = self.deadline_after(needed, allowed)
        if rng.random() < (0.93 if post else 0.8):
            mode = 4 if post else 9
            conducted: dt.date | None = self.working_day_after(
                needed, max(1, round(self.triangular(1, allowed, min(mode, allowed))))
            )
        else:
            conducted = self.working_day_after(due, rng.randint(1, 8))
        if conducted is not None and conducted >= self.today:
            conducted = None
        full = case.last_full_interview is None or (received - case.last_full_interview).days > 365
        if case.carried_over and case.last_full_interview is None:
            full = False
            case.last_full_interview = received
        if full:
            case.last_full_interview = received
        interview_id = self.tables.interview.add(
            case.id,
            application_id,
            InterviewKind.FULL.value if full else InterviewKind.UPDATE.value,
            needed,
            due,
            conducted,
            worker.id,
            rng.choice(DIAGNOSES) if conducted else "",
            rng.choice(HELP_PLANS) if conducted else "",
        )
        income = self.record_incomes(case, received, worker.id)
        status = ApplicationStatus.PENDING.value
        decisions: list[DecisionInfo] = []
        if conducted is not None and rng.random() < 0.02:
            status = ApplicationStatus.WITHDRAWN.value
        elif conducted is not None:
            lag = round(self.triangular(1, 8, 2) if post else self.triangular(1, 12, 4))
            issued = self.working_day_after(conducted, max(1, lag))
            if urgent:
                issued = self.working_day_after(conducted, 1)
            if issued < self.today:
                status = ApplicationStatus.DECIDED.value
                if issued > kpa_due and rng.random() < 0.75:
                    sent = max(
                        received + dt.timedelta(days=1),
                        kpa_due - dt.timedelta(days=rng.randint(1, 4)),
                    )
                    self.tables.delay.add_leaf(
                        application_id,
                        min(sent, issued),
                        issued + dt.timedelta(days=rng.randint(0, 7)),
                        rng.choice(DELAY_REASONS),
                        worker.id,
                    )
                for benefit in benefits:
                    decisions.append(
                        self.decision(
                            case,
                            application_id,
                            interview_id,
                            benefit,
                            received,
                            issued,
                            months,
                            income,
                            worker,
                        )
                    )
        self.tables.application.add_with_id(
            application_id,
            case.id,
            case.household.head.person_id,
            received,
            benefits,
            urgent,
            complex_,
            status,
            kpa_due,
            registrar,
        )
        return decisions

    def decision(
        self,
        case: CaseSim,
        application_id: int,
        interview_id: int,
        benefit: str,
        received: dt.date,
        issued: dt.date,
        months: int,
        income: Decimal,
        worker: Worker,
    ) -> DecisionInfo:
        """The decision on one benefit of an application, and the appeal against it, if any."""
        rng = self.rng
        outcome, amount, period_from, period_to, schedule, reasoning = self.decision_terms(
            case, benefit, received, issued, months, income
        )
        issued_by, authorisation = self.decision_issuer(issued)
        delivered: dt.date | None = issued + dt.timedelta(days=rng.randint(1, 10))
        if delivered is not None and delivered > self.today:
            delivered = None
        basis = f"{self.benefit_types[benefit].legal_basis}; art. 104 k.p.a."
        decision_id = self.tables.decision.add(
            application_id,
            "",
            outcome,
            benefit,
            amount,
            period_from,
            period_to,
            schedule,
            basis,
            reasoning,
            issued,
            issued_by,
            authorisation,
            interview_id,
            delivered,
        )
        row = self.tables.decision.rows[-1]
        chance = {DecisionOutcome.REFUSE.value: 0.15, DecisionOutcome.PARTIAL.value: 0.08}
        if delivered is not None and rng.random() < chance.get(outcome, 0.006):
            self.appeal(decision_id, delivered, worker.id)
        info = DecisionInfo(decision_id, row, benefit, outcome, issued, period_from, period_to)
        self.decisions.append(info)
        return info

    def appeal(self, decision_id: int, delivered: dt.date, registrar: int) -> None:
        """An appeal lodged after delivery: corrected by the centre or forwarded to the SKO."""
        rng = self.rng
        lodged = delivered + dt.timedelta(days=rng.randint(1, 14))
        if lodged >= self.today:
            return
        forwarded: dt.date | None = None
        outcome = rng.choices(
            (
                AppealOutcome.UPHELD.value,
                AppealOutcome.REFERRED_BACK.value,
                AppealOutcome.OVERTURNED.value,
                AppealOutcome.SELF_CORRECTED.value,
                AppealOutcome.DISCONTINUED.value,
            ),
            (65, 15, 5, 10, 5),
        )[0]
        if outcome == AppealOutcome.SELF_CORRECTED.value:
            decided: dt.date | None = lodged + dt.timedelta(days=rng.randint(3, 7))
        else:
            forwarded = lodged + dt.timedelta(days=rng.randint(2, 7))
            decided = forwarded + dt.timedelta(days=rng.randint(20, 75))
            if forwarded >= self.today:
                forwarded = None
        if decided is None or decided >= self.today:
            outcome, decided = AppealOutcome.PENDING.value, None
        forward_due = appeal_forward_due_on(lodged)
        self.tables.appeal.add_leaf(
            decision_id, lodged, forward_due, forwarded, outcome, decided, registrar
        )

    def benefit_proceedings(self, case: CaseSim) -> None:
        """The case's applications at the profile's cadence, from its opening (or, for a case
        carried over into 2016, its next renewal) to its end."""
        rng = self.rng
        cadence = PROFILE_CADENCE[case.profile]
        end = min(case.closed or self.today, self.today)
        if cadence != (0, 0):
            day = case.opened
            if case.carried_over:  # the next renewal of help granted before 2016
                latest = min(cadence[1] * 30, (end - case.opened).days // 2)
                day += dt.timedelta(days=rng.randint(0, max(0, latest)))
            count = 0
            while True:
                received = self.working_day_after(day, 0)
                if received >= end:
                    break
                months = rng.randint(*cadence)
                benefits = self.benefits_for(case, count == 0, received)
                if benefits:
                    self.application(case, received, benefits, months=months, first=count == 0)
                count += 1
                if case.profile in (FUNERAL, DPS) or (case.profile == CRISIS and count >= 2):
                    break
                day = add_months(received, months) + dt.timedelta(days=rng.randint(-5, 10))
