"""The centre's demo staff as the history simulation sees them: who worked in which function,
before and after the reorganisation's go-live."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from casework.demo.vocabulary import BEN, FC, PAL, ROLE_FUNCTION, SRV, SW
from tenants.accounts.roles import Role
from tenants.org.models import StaffPosition


@dataclass(frozen=True)
class Worker:
    """A staff member with a post in a team, as the simulation uses them."""

    id: int
    role: str
    team_id: int
    team_functions: tuple[str, ...]
    started_on: dt.date
    ended_on: dt.date | None
    fte: float
    is_social_worker: bool

    @property
    def function(self) -> str:
        """The worker's function: the role's own if the team has it, else the team's first."""
        own = ROLE_FUNCTION.get(self.role)
        if own in self.team_functions:
            return own
        return self.team_functions[0] if self.team_functions else SW


class Staff:
    """The centre's workers, as they worked before and after go-live.

    Before go-live the staff who hold posts that started before it work as generalists (district
    social workers doing benefits and social work), services coordinators keep coordinating
    services. Their current position dates are taken to mean the present post, not the first day
    at the centre, so they work from the start of the history.
    """

    def __init__(self, workers: list[Worker], manager_id: int, go_live: dt.date) -> None:
        self.go_live = go_live
        self.workers = workers
        self.manager_id = manager_id
        old = [w for w in workers if w.started_on < go_live]
        self.generalists = (
            [w for w in old if w.is_social_worker and w.function in (FC, BEN, SW)]
            or [w for w in old if w.is_social_worker]
            or [w for w in workers if w.is_social_worker]
            or workers
        )
        self.old_services = [w for w in old if w.function == SRV] or self.generalists
        self.by_function: dict[str, list[Worker]] = {}
        for function in (FC, BEN, SW, SRV, PAL):
            self.by_function[function] = (
                [w for w in workers if w.function == function]
                or [w for w in workers if function in w.team_functions]
                or ([] if function in (FC, PAL) else self.generalists)
            )
        # Workers whose time is logged: every social-work post (local activity posts are not).
        self.loggers = [w for w in workers if w.is_social_worker]

    def pool(self, function: str, day: dt.date) -> list[Worker]:
        """The workers who do ``function`` on ``day`` (generalists before go-live)."""
        if day < self.go_live:
            return self.old_services if function == SRV else self.generalists
        pool = self.by_function.get(function) or self.generalists
        active = [
            w for w in pool if w.started_on <= day and (w.ended_on is None or w.ended_on >= day)
        ]
        return active or pool

    def active(self, worker: Worker, day: dt.date) -> bool:
        """Whether the worker works on ``day``."""
        if day < self.go_live:
            return worker.started_on < self.go_live
        return worker.started_on <= day and (worker.ended_on is None or worker.ended_on >= day)

    def suits(self, worker: Worker, function: str, day: dt.date) -> bool:
        """Whether the worker may hold ``function`` on ``day``."""
        return worker in self.pool(function, day)


def load_staff(go_live: dt.date) -> Staff | None:
    """The centre's staff with positions, or None when it has no benefits or social-work staff."""
    workers = [
        Worker(
            id=p.person.pk,
            role=p.person.role,
            team_id=p.team_id,
            team_functions=tuple(p.team.functions),
            started_on=p.started_on,
            ended_on=p.ended_on,
            fte=float(p.fte),
            is_social_worker=p.is_social_worker,
        )
        for p in StaffPosition.objects.select_related("team", "person")
        .filter(person__isnull=False)
        .order_by("id")
        if p.person is not None and p.team.functions
    ]
    manager = (
        get_user_model()
        .objects.filter(role=Role.MANAGER)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if not any(w.function == BEN for w in workers) or not any(w.is_social_worker for w in workers):
        return None
    if manager is None:
        manager = next(w.id for w in workers if w.function == BEN)
    return Staff(workers, manager, go_live)
