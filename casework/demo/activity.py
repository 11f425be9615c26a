"""The social workers' activity log: minutes per category and working day."""

from __future__ import annotations

import bisect
import random
from collections import defaultdict

from casework.demo.base import HistoryBase
from casework.demo.rows import NULL, Writer
from casework.demo.staff import Worker
from casework.demo.vocabulary import (
    BEN,
    CATEGORIES,
    COPY_CHUNK,
    FC,
    MINOR_BLOCK,
    SHARES_AFTER,
    SHARES_BEFORE,
    SRV,
    SW,
)


class ActivityMixin(HistoryBase):
    """Each logging worker's time, day by day, split by the shares of the worker's function."""

    def caseloads(self) -> dict[tuple[int, str, int], list[int]]:
        """The households each worker held per function and month (key: worker id, function,
        month index), for the activity log's household column."""
        loads: dict[tuple[int, str, int], list[int]] = defaultdict(list)
        for case in self.cases:
            for function, parts in case.segments.items():
                for index, part in enumerate(parts):
                    end = (
                        (part.end if index < len(parts) - 1 else None) or case.closed or self.today
                    )
                    month = part.start.year * 12 + part.start.month - 1
                    last = end.year * 12 + end.month - 1
                    for key in range(month, last + 1):
                        loads[(part.worker.id, function, key)].append(case.household.id)
        return loads

    def time_shares(self, worker: Worker) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The worker's shares of the day by category before and after go-live; a combined team
        moves a fifth of the main category's share to its second function."""
        before = SHARES_BEFORE[SRV] if worker.function == SRV else SHARES_BEFORE["generalist"]
        after = list(SHARES_AFTER.get(worker.function, SHARES_AFTER[SW]))
        # A combined team (social work and services, benefits and services) shares its time.
        main = {FC: 3, BEN: 1, SW: 0, SRV: 2}.get(worker.function, 0)
        for function, index in ((SRV, 2), (SW, 0)):
            if function in worker.team_functions and function != worker.function:
                moved = after[main] * 0.2
                after[main] -= moved
                after[index] += moved
        return before, tuple(after)

    def activity_log(self, writer: Writer) -> None:
        """Each social worker's working days: one entry per category, adding up to six or seven
        hours (less on part time), split with the shares of the worker's function and moving from
        the old shares to the new ones over the months after go-live. Social work and services
        are logged against a household of the worker's caseload. Leave, sickness and training
        take about one working day in eight."""
        rng = random.Random(f"{self.centre.slug}:activity")  # noqa: S311 - synthetic data
        loads = self.caseloads()
        table = self.tables.activity
        days = self.workdays[: bisect.bisect_left(self.workdays, self.today)]
        loggers = [
            (worker, *self.time_shares(worker), f"\t{table.now}\t{table.now}\t{worker.id}\t")
            for worker in self.staff.loggers
        ]
        # Day by day, so the rows arrive in the order of the (day, category) index.
        for day in days:
            ramp = self.go_live_ramp(day)
            month = day.year * 12 + day.month - 1
            lines = table.lines
            for worker, before, after, head in loggers:
                if not self.staff.active(worker, day) or rng.random() < 0.13:
                    continue
                if self.volume < 1 and rng.random() >= self.volume:
                    continue  # a smaller history: fewer logged days, same shares
                total = max(180, min(480, round(rng.gauss(400, 25) * worker.fte / 5) * 5))
                weights = [
                    ((1 - ramp) * b + ramp * a) * rng.uniform(0.6, 1.4)
                    for b, a in zip(before, after, strict=True)
                ]
                scale = total / sum(weights)
                minutes = [round(w * scale / 5) * 5 for w in weights]
                largest = max(range(4), key=minutes.__getitem__)
                # A short stint is logged as a block of MINOR_BLOCK minutes with the matching
                # probability: fewer rows, same expected minutes per category.
                for i in range(4):
                    if i != largest and minutes[i] < MINOR_BLOCK:
                        chance = minutes[i] / MINOR_BLOCK
                        minutes[i] = MINOR_BLOCK if rng.random() < chance else 0
                minor = sum(m for i, m in enumerate(minutes) if i != largest)
                if total - minor < 60:  # a short part-time day: all of it in the main category
                    minutes, minor = [0, 0, 0, 0], 0
                minutes[largest] = total - minor
                for index in range(4):
                    if not minutes[index]:
                        continue
                    households = None
                    if index == 0:
                        households = loads.get((worker.id, SW, month)) or loads.get(
                            (worker.id, BEN, month)
                        )
                    elif index == 2:
                        households = loads.get((worker.id, SRV, month))
                    household = rng.choice(households) if households else NULL
                    lines.append(
                        f"{table.public_id()}{head}{day}\t{minutes[index]}\t"
                        f"{CATEGORIES[index]}\t{household}\n"
                    )
            if len(lines) >= COPY_CHUNK:
                writer.send(table)
        writer.send(table)
