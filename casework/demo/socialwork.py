"""Social work: social contracts with their reviews, individual programmes, community projects."""

from __future__ import annotations

import datetime as dt

from casework.demo.base import HistoryBase
from casework.demo.dates import add_months
from casework.demo.state import CaseSim
from casework.demo.vocabulary import (
    BEN,
    CENTRE_OBLIGATIONS,
    CONTRACT_GOALS,
    FAMILY,
    FOREIGNER,
    HISTORY_START,
    HOMELESS,
    PAL,
    PAL_NAMES,
    PROFILE_CONTRACT,
    PROJECT_NAMES,
    SW,
    SW_ONLY,
    UNEMPLOYED,
)
from casework.models.socialwork import (
    ContractStatus,
    ContractVariant,
    ProgrammeKind,
    ProgrammeStatus,
    ProjectKind,
)


class SocialWorkMixin(HistoryBase):
    """Social contracts, individual programmes and community projects."""

    def social_contracts(self, case: CaseSim) -> None:
        """The case's social contracts: at its opening or (carried over) during it, some after
        go-live, and sometimes a follow-up contract."""
        rng = self.rng
        end = case.closed or self.today + dt.timedelta(days=30)
        starts: list[dt.date] = []
        if case.contract and not case.carried_over:
            starts.append(case.opened + dt.timedelta(days=rng.randint(14, 90)))
        elif case.contract and rng.random() < 0.5:  # most were signed before 2016
            latest = max(14, (min(end, self.today) - case.opened).days - 30)
            starts.append(case.opened + dt.timedelta(days=rng.randint(14, latest)))
        eligible = case.profile in PROFILE_CONTRACT and case.social_work
        open_at_go_live = case.opened < self.go_live < end - dt.timedelta(days=60)
        if eligible and open_at_go_live and rng.random() < 0.2:
            starts.append(self.go_live + dt.timedelta(days=rng.randint(14, 200)))
        for start in starts:
            while start < end:
                length = rng.randint(3, 12)
                self.social_contract(
                    case, self.working_day_after(start, 0), add_months(start, length), end
                )
                if rng.random() > 0.25:
                    break
                start = add_months(start, length) + dt.timedelta(days=rng.randint(30, 120))

    def social_contract(
        self, case: CaseSim, start: dt.date, planned_end: dt.date, case_end: dt.date
    ) -> None:
        """One contract from ``start`` to ``planned_end`` (cut at ``case_end``) with its status and
        quarterly reviews."""
        rng = self.rng
        if start >= case_end:
            return
        post = start >= self.go_live
        worker = (
            case.worker_at(SW, start) or case.worker_at(BEN, start) or self.pick_worker(SW, start)
        )
        variant = {
            UNEMPLOYED: ContractVariant.UNEMPLOYED.value,
            HOMELESS: ContractVariant.HOMELESS.value,
            FAMILY: ContractVariant.FAMILY.value,
        }.get(case.profile, ContractVariant.STANDARD.value)
        if case.profile in (SW_ONLY, FOREIGNER) and len(case.household.members) > 2:
            variant = ContractVariant.FAMILY.value
        goals, obligations, note = CONTRACT_GOALS[variant]
        person = case.household.head.person_id
        signing = start - dt.timedelta(days=rng.randint(0, 14))
        signed_on: dt.date | None = signing
        closed_on: dt.date | None = None
        achieved: bool | None = None
        outcome_note = ""
        if start > self.today:  # prepared for a start in the coming weeks
            if signing <= self.today and rng.random() < 0.6:
                status = ContractStatus.SIGNED.value
            else:
                status, signed_on = ContractStatus.DRAFT.value, None
        else:
            finish = min(planned_end, case_end)
            if finish >= self.today:
                status = ContractStatus.ACTIVE.value
            elif rng.random() < (0.2 if post else 0.35):
                status = ContractStatus.BROKEN.value
                closed_on = start + dt.timedelta(
                    days=rng.randint(14, max(15, (finish - start).days))
                )
                closed_on = min(closed_on, finish)
                outcome_note = "Osoba nie realizowała ustaleń kontraktu."
            else:
                status = ContractStatus.COMPLETED.value
                closed_on = finish
                achieved = rng.random() < (0.68 if post else 0.45)
                outcome_note = note if achieved else "Cele kontraktu osiągnięto częściowo."
        contract_id = self.tables.contract.add(
            case.id,
            person,
            worker.id,
            variant,
            goals,
            obligations,
            CENTRE_OBLIGATIONS,
            start,
            max(planned_end, start),
            status,
            signed_on,
            closed_on,
            achieved,
            outcome_note,
        )
        if status in (ContractStatus.DRAFT.value, ContractStatus.SIGNED.value):
            return
        review = add_months(start, 3)
        stop = closed_on or planned_end
        while review <= stop and review <= self.today + dt.timedelta(days=60):
            done: dt.date | None = review + dt.timedelta(days=rng.randint(-5, 7))
            if done is not None and (done > self.today or rng.random() < 0.05):
                done = None
            self.tables.review.add_leaf(
                contract_id, review, done, "Realizacja zgodna z ustaleniami." if done else ""
            )
            review = add_months(review, 3)

    def individual_programme(self, case: CaseSim) -> None:
        """An individual programme for homelessness, foreigners or a young adult's independence, if
        the case gets one."""
        rng = self.rng
        post = case.opened >= self.go_live
        kind = None
        if case.profile == HOMELESS and rng.random() < (0.3 if post else 0.1):
            kind = ProgrammeKind.HOMELESSNESS.value
        elif case.profile == FOREIGNER and rng.random() < 0.2:
            kind = ProgrammeKind.FOREIGNERS.value
        elif (
            case.profile == UNEMPLOYED and (case.opened - case.household.head.born).days < 26 * 365
        ):
            kind = ProgrammeKind.INDEPENDENCE.value if rng.random() < 0.3 else None
        if kind is None:
            return
        start = case.opened + dt.timedelta(days=rng.randint(20, 90))
        if start >= self.today or (case.closed and start >= case.closed):
            return
        worker = (
            case.worker_at(SW, start) or case.worker_at(BEN, start) or self.pick_worker(SW, start)
        )
        planned = add_months(start, rng.randint(6, 18))
        ends: dt.date | None = planned
        if planned >= self.today and (case.closed is None or case.closed >= self.today):
            status, ends = ProgrammeStatus.ACTIVE.value, None
        elif rng.random() < 0.6:
            status = ProgrammeStatus.COMPLETED.value
            ends = min(planned, case.closed or planned)
        else:
            status = ProgrammeStatus.DISCONTINUED.value
            ends = min(planned, case.closed or planned) - dt.timedelta(days=rng.randint(0, 60))
            ends = max(ends, start)
        goals = {
            ProgrammeKind.HOMELESSNESS.value: "Wyjście z bezdomności i uzyskanie lokalu.",
            ProgrammeKind.FOREIGNERS.value: "Nauka języka polskiego, zatrudnienie, mieszkanie.",
            ProgrammeKind.INDEPENDENCE.value: "Usamodzielnienie: nauka, praca, mieszkanie.",
        }[kind]
        self.tables.programme.add_leaf(
            case.id, case.household.head.person_id, worker.id, kind, start, ends, status, goals
        )

    def community_projects(self) -> None:
        """Social projects each year (more after go-live) and PAL programmes where the centre has
        a local activity post, with participants from the households helped at the time."""
        rng = self.rng
        has_pal = bool(self.staff.by_function.get(PAL))
        for year in range(HISTORY_START.year, self.today.year + 1):
            post = dt.date(year, 7, 1) >= self.go_live
            count = rng.randint(2, 3) if post else 1
            plans = [("social", rng.choice(PROJECT_NAMES)) for _ in range(count)]
            if has_pal and dt.date(year, 12, 31) >= self.go_live:
                plans.append(("pal", (rng.choice(PAL_NAMES), ("mieszkańcy osiedla", "seniorzy"))))
            for kind, (name, groups) in plans:
                if kind == "pal":
                    start = max(self.go_live, dt.date(year, 1, 15))
                    end = dt.date(year, 12, 15)
                    if end <= start:
                        continue
                    coordinator = self.pick_worker(PAL, start)
                else:
                    start = dt.date(year, rng.randint(1, 10), rng.randint(1, 28))
                    end = add_months(start, rng.randint(3, 9))
                    coordinator = self.pick_worker(SW, start)
                if start >= self.today:
                    continue
                project_id = self.tables.project.add(
                    f"{name} {year}",
                    ProjectKind.PAL.value if kind == "pal" else ProjectKind.SOCIAL_PROJECT.value,
                    start,
                    end if end < self.today else None,
                    coordinator.id,
                    list(groups),
                )
                people: set[int] = set()
                for case in rng.sample(self.cases, min(len(self.cases), 400)):
                    if case.opened <= start and (case.closed is None or case.closed > start):
                        for member in case.household.adults(start):
                            people.add(member.person_id)
                    if len(people) >= 30:
                        break
                for person_id in rng.sample(sorted(people), min(len(people), rng.randint(8, 25))):
                    joined = start + dt.timedelta(days=rng.randint(0, 20))
                    if joined >= self.today:
                        continue
                    left: dt.date | None = end if end < self.today else None
                    if rng.random() < 0.15:
                        left = joined + dt.timedelta(days=rng.randint(14, 60))
                        left = None if left >= self.today else left
                    self.tables.participation.add_leaf(project_id, person_id, joined, left)
