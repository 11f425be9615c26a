"""Reads behind the manager's pages: workloads of teams and workers against the norm, the links
from deadline rows to their cases, and the names of staff who appear in the audit trail.

Workloads count what :func:`casework.selectors.deadlines.caseload_get` counts (open cases with a
current assignment to the worker, for any function), for every worker at once, in a handful of
queries however many workers and cases there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from casework.models import CaseAssignment
from casework.models.cases import CaseStatus
from casework.selectors.deadlines import HOUSEHOLDS_PER_WORKER_NORM, is_manager
from opsplatform.errors import NotAllowed
from tenants.accounts.models import User
from tenants.org.models import StaffPosition, Team


@dataclass(frozen=True)
class WorkerLoad:
    worker: User
    job_title: str
    is_social_worker: bool
    open_cases: int
    norm: int = HOUSEHOLDS_PER_WORKER_NORM

    @property
    def within_norm(self) -> bool:
        return self.open_cases <= self.norm

    @property
    def norm_percent(self) -> int:
        return round(100 * self.open_cases / self.norm)


@dataclass(frozen=True)
class TeamLoad:
    """A unit's current staff and its open cases (households). ``team`` None: workers with open
    cases who hold no current post."""

    team: Team | None
    workers: list[WorkerLoad]
    open_cases: int
    unassigned_cases: int  # assigned to the team but to no worker in it (the team's queue)

    @property
    def over_norm(self) -> int:
        return sum(1 for load in self.workers if not load.within_norm)

    @property
    def average(self) -> float | None:
        return self.open_cases / len(self.workers) if self.workers else None


def _require_manager(user: User) -> None:
    if not is_manager(user):
        raise NotAllowed(
            _("Obciążenie zespołów i pracowników widzi tylko kierownik."),
            code="not_allowed_caseload",
        )


def team_workloads(*, user: User) -> list[TeamLoad]:
    """Every unit with current staff or open cases, in the centre's order, each with its workers'
    open caseloads against the norm of 50 households (art. 110 u.p.s.). A worker with posts in two
    units appears in both, with the same caseload. Managers only."""
    _require_manager(user)
    current = CaseAssignment.objects.filter(ended_on__isnull=True, case__status=CaseStatus.OPEN)
    per_worker: dict[int, int] = {
        row["worker_id"]: row["cases"]
        for row in current.filter(worker__isnull=False)
        .values("worker_id")
        .annotate(cases=Count("case_id", distinct=True))
        .order_by()
    }
    per_team = _team_counts()
    positions = (
        StaffPosition.objects.filter(ended_on__isnull=True, person__isnull=False)
        .select_related("person", "team")
        .order_by("team__order", "team__name", "person__last_name", "person__first_name", "id")
    )
    by_team: dict[int, list[WorkerLoad]] = defaultdict(list)
    placed: set[int] = set()
    for position in positions:
        person = position.person
        if person is None or any(load.worker.pk == person.pk for load in by_team[position.team_id]):
            continue
        placed.add(person.pk)
        by_team[position.team_id].append(
            WorkerLoad(
                worker=person,
                job_title=position.job_title,
                is_social_worker=position.is_social_worker,
                open_cases=per_worker.get(person.pk, 0),
            )
        )
    loads = []
    for team in Team.objects.order_by("order", "name"):
        cases, queue = per_team.get(team.pk, (0, 0))
        if by_team.get(team.pk) or cases:
            loads.append(
                TeamLoad(
                    team=team,
                    workers=by_team.get(team.pk, []),
                    open_cases=cases,
                    unassigned_cases=queue,
                )
            )
    unplaced = set(per_worker) - placed
    if unplaced:
        users = get_user_model().objects.filter(pk__in=unplaced).order_by("last_name", "first_name")
        loads.append(
            TeamLoad(
                team=None,
                workers=[
                    WorkerLoad(
                        worker=u, job_title="", is_social_worker=False, open_cases=per_worker[u.pk]
                    )
                    for u in users
                ],
                open_cases=sum(per_worker[pk] for pk in unplaced),
                unassigned_cases=0,
            )
        )
    return loads


def _team_counts() -> dict[int, tuple[int, int]]:
    """Per team: open cases currently assigned to it, and of those the ones with no worker."""
    rows = (
        CaseAssignment.objects.filter(ended_on__isnull=True, case__status=CaseStatus.OPEN)
        .values("team_id")
        .annotate(
            cases=Count("case_id", distinct=True),
            queue=Count("case_id", distinct=True, filter=Q(worker__isnull=True)),
        )
        .order_by()
    )
    return {row["team_id"]: (row["cases"], row["queue"]) for row in rows}


def staff_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Full names (else user names) of staff accounts, by primary key."""
    wanted = {pk for pk in user_ids if pk is not None}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted)
    return {user.pk: user.get_full_name() or user.get_username() for user in users}
