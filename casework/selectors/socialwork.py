"""Reads of social work: the activity log and its summary (the basis of the "share of social
work" indicator), social contracts, individual programmes, social projects and PAL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from casework.models import (
    ActivityEntry,
    CommunityProject,
    ContractReview,
    IndividualProgramme,
    ProjectParticipation,
    SocialContract,
)
from casework.models.socialwork import ActivityCategory
from casework.selectors.lookup import PublicId
from opsplatform.errors import NotFound
from tenants.accounts.models import User
from tenants.org.models import StaffPosition, Team

# --- teams -------------------------------------------------------------------------------------


def teams_with_descendants(team_ids: Iterable[int]) -> set[int]:
    """The given teams and every unit under them (a section's teams), from one query."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Team.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found: set[int] = set()
    pending = list(team_ids)
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children[pk])
    return found


def _position_on_day(day_ref: str) -> QuerySet[StaffPosition]:
    """The worker's post on the day of the outer row (the latest started, if several)."""
    return (
        StaffPosition.objects.filter(person=OuterRef("worker"), started_on__lte=OuterRef(day_ref))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef(day_ref)))
        .order_by("-started_on", "-id")
    )


# --- activity log ------------------------------------------------------------------------------


def activity_list(
    *,
    worker: PublicId | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category: str = "",
) -> QuerySet[ActivityEntry]:
    """Activity entries, newest first; ``worker`` is the public id of the worker's account."""
    entries = ActivityEntry.objects.select_related("worker", "household")
    if worker:
        entries = entries.filter(worker__public_id=worker)
    if date_from:
        entries = entries.filter(day__gte=date_from)
    if date_to:
        entries = entries.filter(day__lte=date_to)
    if category:
        entries = entries.filter(category=category)
    return entries.order_by("-day", "-id")


@dataclass(frozen=True)
class TimeSplit:
    """Minutes per activity category and the share of social work in their total."""

    minutes: dict[str, int]
    total_minutes: int
    social_work_share: Decimal | None

    @classmethod
    def of(cls, minutes: dict[str, int]) -> TimeSplit:
        per_category = {category: minutes.get(category, 0) for category in ActivityCategory.values}
        total = sum(per_category.values())
        share = None
        if total:
            share = (Decimal(per_category[ActivityCategory.SOCIAL_WORK]) / total).quantize(
                Decimal("0.0001"), ROUND_HALF_UP
            )
        return cls(minutes=per_category, total_minutes=total, social_work_share=share)


@dataclass(frozen=True)
class WorkerTime:
    worker: User
    team: Team | None
    time: TimeSplit


@dataclass(frozen=True)
class TeamTime:
    team: Team | None
    workers: int
    time: TimeSplit


@dataclass(frozen=True)
class ActivitySummary:
    date_from: dt.date
    date_to: dt.date
    workers: list[WorkerTime]
    teams: list[TeamTime]
    total: TimeSplit


def activity_summary(
    *,
    date_from: dt.date,
    date_to: dt.date,
    team: Team | None = None,
    worker: PublicId | None = None,
) -> ActivitySummary:
    """Logged minutes per category from ``date_from`` to ``date_to``, per worker and per team.

    Each entry counts for the team in which the worker held a post on the entry's day (a worker
    who moved between teams appears once per team); entries from days without a post (e.g. before
    the reorganisation) are under no team. ``team`` narrows to that unit and the units under it.
    Three queries whatever the number of entries.
    """
    entries = ActivityEntry.objects.filter(day__gte=date_from, day__lte=date_to).annotate(
        team_pk=Subquery(_position_on_day("day").values("team_id")[:1])
    )
    if worker:
        entries = entries.filter(worker__public_id=worker)
    teams = {t.pk: t for t in Team.objects.all()}
    if team is not None:
        entries = entries.filter(team_pk__in=teams_with_descendants([team.pk]))
    rows = list(
        entries.values("worker_id", "team_pk", "category")
        .annotate(total=Sum("minutes"))
        .order_by("worker_id", "team_pk", "category")
    )
    per_worker: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
    per_team: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    team_workers: dict[int | None, set[int]] = defaultdict(set)
    overall: dict[str, int] = defaultdict(int)
    for row in rows:
        minutes = int(row["total"])
        per_worker[(row["worker_id"], row["team_pk"])][row["category"]] = minutes
        per_team[row["team_pk"]][row["category"]] += minutes
        team_workers[row["team_pk"]].add(row["worker_id"])
        overall[row["category"]] += minutes
    users = get_user_model().objects.in_bulk({worker_pk for worker_pk, _ in per_worker})
    workers = [
        WorkerTime(
            worker=users[worker_pk],
            team=teams.get(team_pk) if team_pk else None,
            time=TimeSplit.of(minutes),
        )
        for (worker_pk, team_pk), minutes in per_worker.items()
    ]
    workers.sort(key=lambda w: (w.worker.last_name, w.worker.first_name, w.worker.username))
    by_team = [
        TeamTime(
            team=teams.get(team_pk) if team_pk else None,
            workers=len(team_workers[team_pk]),
            time=TimeSplit.of(dict(minutes)),
        )
        for team_pk, minutes in per_team.items()
    ]
    by_team.sort(key=lambda t: (t.team is None, t.team.order if t.team else 0, str(t.team)))
    return ActivitySummary(
        date_from=date_from,
        date_to=date_to,
        workers=workers,
        teams=by_team,
        total=TimeSplit.of(dict(overall)),
    )


# --- social contracts ------------------------------------------------------------------------


def contract_list(
    *, status: str = "", worker: PublicId | None = None, case: PublicId | None = None
) -> QuerySet[SocialContract]:
    """Contracts with their case, person, worker and reviews; ``worker`` and ``case`` are public
    ids."""
    contracts = SocialContract.objects.select_related(
        "case", "case__household", "person", "worker"
    ).prefetch_related(Prefetch("reviews", queryset=ContractReview.objects.order_by("due_on")))
    if status:
        contracts = contracts.filter(status=status)
    if worker:
        contracts = contracts.filter(worker__public_id=worker)
    if case:
        contracts = contracts.filter(case__public_id=case)
    return contracts.order_by("-starts_on", "-id")


def contract_get(*, public_id: PublicId) -> SocialContract:
    contract = contract_list().filter(public_id=public_id).first()
    if contract is None:
        raise NotFound(_("Nie znaleziono kontraktu socjalnego."))
    return contract


def contract_review_get(*, contract: SocialContract, public_id: PublicId) -> ContractReview:
    review = (
        ContractReview.objects.select_related("contract", "contract__person", "contract__case")
        .filter(contract=contract, public_id=public_id)
        .first()
    )
    if review is None:
        raise NotFound(_("Nie znaleziono oceny kontraktu."))
    return review


# --- individual programmes ---------------------------------------------------------------------


def programme_list(
    *,
    status: str = "",
    kind: str = "",
    worker: PublicId | None = None,
    case: PublicId | None = None,
) -> QuerySet[IndividualProgramme]:
    programmes = IndividualProgramme.objects.select_related(
        "case", "case__household", "person", "worker"
    )
    if status:
        programmes = programmes.filter(status=status)
    if kind:
        programmes = programmes.filter(kind=kind)
    if worker:
        programmes = programmes.filter(worker__public_id=worker)
    if case:
        programmes = programmes.filter(case__public_id=case)
    return programmes.order_by("-starts_on", "-id")


def programme_get(*, public_id: PublicId) -> IndividualProgramme:
    programme = programme_list().filter(public_id=public_id).first()
    if programme is None:
        raise NotFound(_("Nie znaleziono programu."))
    return programme


# --- social projects and PAL -------------------------------------------------------------------


def project_list(*, kind: str = "", active_on: dt.date | None = None) -> QuerySet[CommunityProject]:
    """Projects with their coordinator and the number of current participants."""
    projects = CommunityProject.objects.select_related("coordinator").annotate(
        participants_count=Count("participations", filter=Q(participations__left_on__isnull=True))
    )
    if kind:
        projects = projects.filter(kind=kind)
    if active_on:
        projects = projects.filter(starts_on__lte=active_on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=active_on)
        )
    return projects.order_by("-starts_on", "-id")


def project_get(*, public_id: PublicId) -> CommunityProject:
    """A project with all its participations (current and past) and their people."""
    project = (
        project_list()
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=ProjectParticipation.objects.select_related("person").order_by(
                    "joined_on", "id"
                ),
            )
        )
        .filter(public_id=public_id)
        .first()
    )
    if project is None:
        raise NotFound(_("Nie znaleziono projektu."))
    return project


def participation_get(*, project: CommunityProject, public_id: PublicId) -> ProjectParticipation:
    participation = (
        ProjectParticipation.objects.select_related("person")
        .filter(project=project, public_id=public_id)
        .first()
    )
    if participation is None:
        raise NotFound(_("Nie znaleziono uczestnictwa w projekcie."))
    return participation


def current_participations(
    *, projects: Iterable[CommunityProject], person_ids: Iterable[PublicId]
) -> QuerySet[ProjectParticipation]:
    """Current participations (not left) of these people (public ids) in these projects, with
    project and person, in one query: projects in the order of :func:`project_list`, then by the
    day each joined."""
    return (
        ProjectParticipation.objects.select_related("project", "person")
        .filter(
            project__in=[project.pk for project in projects],
            person__public_id__in=list(person_ids),
            left_on__isnull=True,
        )
        .order_by("-project__starts_on", "-project__id", "joined_on", "id")
    )
