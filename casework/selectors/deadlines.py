"""What is due or overdue, per worker, per team or in the whole centre, and workers' caseloads.

Four kinds of deadline, each from its own table: family interviews not yet conducted (due within
14 working days of the need, 2 if urgent), applications pending a decision (the KPA time limit,
or the latest new date given in a delay notice), appeals lodged but not forwarded to the SKO
(7 days from lodging, KPA art. 133, moved past days off work: ``Appeal.forward_due_on``) and
social-contract reviews not yet done. They are read as one SQL UNION, ordered and paginated by
the database, so a page costs the same few queries however long the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from casework.calendar_days import add_working_days
from casework.models import (
    Appeal,
    Application,
    Case,
    CaseAssignment,
    ContractReview,
    DelayNotice,
    FamilyInterview,
)
from casework.models.cases import CaseStatus
from casework.models.proceedings import AppealOutcome, ApplicationStatus
from casework.models.socialwork import ContractStatus
from casework.selectors.socialwork import teams_with_descendants
from opsplatform.errors import NotAllowed, ValidationFailed
from tenants.accounts.models import User
from tenants.accounts.roles import Role
from tenants.org.models import CanonicalFunction, StaffPosition

HOUSEHOLDS_PER_WORKER_NORM = 50  # art. 110 u.p.s.: one social worker per at most 50 households
DEFAULT_HORIZON = 5
MAX_HORIZON = 60


class DeadlineKind(StrEnum):
    INTERVIEW = "interview"
    DECISION = "decision"
    APPEAL_FORWARD = "appeal_forward"
    CONTRACT_REVIEW = "contract_review"


KIND_LABELS: dict[str, str] = {
    DeadlineKind.INTERVIEW: "rodzinny wywiad środowiskowy",
    DeadlineKind.DECISION: "załatwienie wniosku (termin KPA)",
    DeadlineKind.APPEAL_FORWARD: "przekazanie odwołania do SKO",
    DeadlineKind.CONTRACT_REVIEW: "ocena realizacji kontraktu socjalnego",
}


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


def is_manager(user: User) -> bool:
    return getattr(user, "role", "") == Role.MANAGER


def _current_benefits_worker(case_path: str) -> Subquery:
    """The worker currently assigned to the case for benefit proceedings."""
    return Subquery(
        CaseAssignment.objects.filter(
            case=OuterRef(case_path),
            function=CanonicalFunction.BENEFITS,
            ended_on__isnull=True,
        )
        .order_by("-started_on", "-id")
        .values("worker_id")[:1]
    )


def _columns(
    queryset: QuerySet[Any],
    *,
    kind: DeadlineKind,
    due: Any,
    case_path: str,
    worker: Combinable,
    scope: Scope,
    user: User,
    team_ids: set[int],
) -> QuerySet[Any]:
    """One branch of the UNION: the same columns, in the same order, for every kind."""
    users = get_user_model().objects.filter(pk=OuterRef("d_worker_pk"))
    rows = queryset.annotate(
        d_kind=Value(str(kind), output_field=CharField()),
        d_due=due,
        d_case=F(f"{case_path}__number"),
        d_household=F(f"{case_path}__household__public_id"),
        d_object=F("public_id"),
        d_worker_pk=worker,
    )
    if scope == Scope.MINE:
        rows = rows.filter(d_worker_pk=user.pk)
    elif scope == Scope.TEAM:
        rows = rows.filter(
            Exists(
                CaseAssignment.objects.filter(
                    case=OuterRef(case_path), ended_on__isnull=True, team_id__in=team_ids
                )
            )
        )
    columns: QuerySet[Any] = rows.annotate(
        d_worker=Subquery(users.values("public_id")[:1]),
        d_worker_username=Subquery(users.values("username")[:1]),
        d_worker_first_name=Subquery(users.values("first_name")[:1]),
        d_worker_last_name=Subquery(users.values("last_name")[:1]),
    ).values(
        "d_kind", "d_due", "d_case", "d_household", "d_object", "d_worker_pk", "d_worker",
        "d_worker_username", "d_worker_first_name", "d_worker_last_name",
    )  # fmt: skip
    return columns


def horizon_end(today: dt.date, horizon: int) -> dt.date:
    """The last day that is at most ``horizon`` working days after ``today``."""
    return add_working_days(today, horizon + 1) - dt.timedelta(days=1)


def user_team_ids(user: User) -> set[int]:
    """The teams where the user holds a current post, and the units under them."""
    direct = StaffPosition.objects.filter(person_id=user.pk, ended_on__isnull=True).values_list(
        "team_id", flat=True
    )
    return teams_with_descendants(direct)


def deadline_list(
    *, user: User, scope: str = Scope.MINE, horizon: int = DEFAULT_HORIZON, today: dt.date
) -> QuerySet[Any]:
    """Deadlines due within ``horizon`` working days of ``today`` or already overdue, earliest
    first, as rows of ``d_*`` columns. ``mine``: where the user is the responsible worker (the
    interviewer, the contract's social worker, or for proceedings the worker assigned to the case's
    benefits function, else whoever registered the application or issued the decision); ``team``:
    cases currently assigned to the user's team(s); ``all``: managers only."""
    errors: dict[str, list[str]] = {}
    if scope not in {s.value for s in Scope}:
        errors["scope"] = [_("Zakres to mine (moje), team (zespół) lub all (cały ośrodek).")]
    if not 0 <= horizon <= MAX_HORIZON:
        errors["days"] = [_("Horyzont to od 0 do %(max)s dni roboczych.") % {"max": MAX_HORIZON}]
    if errors:
        raise ValidationFailed(fields=errors)
    chosen = Scope(scope)
    if chosen == Scope.ALL and not is_manager(user):
        raise NotAllowed(
            _("Terminy całego ośrodka widzi tylko kierownik – wybierz swoje lub zespołu."),
            code="not_allowed_all_deadlines",
        )
    team_ids = user_team_ids(user) if chosen == Scope.TEAM else set()
    until = horizon_end(today, horizon)
    common: dict[str, Any] = {"scope": chosen, "user": user, "team_ids": team_ids}

    interviews = _columns(
        FamilyInterview.objects.filter(conducted_on__isnull=True, due_on__lte=until),
        kind=DeadlineKind.INTERVIEW,
        due=F("due_on"),
        case_path="case",
        worker=F("worker_id"),
        **common,
    )
    latest_notice = (
        DelayNotice.objects.filter(application=OuterRef("pk"))
        .order_by("-new_due_on", "-id")
        .values("new_due_on")[:1]
    )
    applications = _columns(
        Application.objects.filter(status=ApplicationStatus.PENDING)
        .annotate(effective_due=Coalesce(Subquery(latest_notice), F("decision_due_on")))
        .filter(effective_due__lte=until),
        kind=DeadlineKind.DECISION,
        due=F("effective_due"),
        case_path="case",
        worker=Coalesce(
            _current_benefits_worker("case"),
            F("registered_by_id"),
            output_field=BigIntegerField(),
        ),
        **common,
    )
    appeals = _columns(
        Appeal.objects.filter(
            forwarded_on__isnull=True,
            outcome=AppealOutcome.PENDING,
            forward_due_on__lte=until,
        ),
        kind=DeadlineKind.APPEAL_FORWARD,
        due=F("forward_due_on"),
        case_path="decision__application__case",
        worker=Coalesce(
            _current_benefits_worker("decision__application__case"),
            F("decision__issued_by_id"),
            output_field=BigIntegerField(),
        ),
        **common,
    )
    reviews = _columns(
        ContractReview.objects.filter(
            done_on__isnull=True,
            due_on__lte=until,
            contract__status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
        ),
        kind=DeadlineKind.CONTRACT_REVIEW,
        due=F("due_on"),
        case_path="contract__case",
        worker=F("contract__worker_id"),
        **common,
    )
    return interviews.union(applications, appeals, reviews, all=True).order_by(
        "d_due", "d_kind", "d_case", "d_object"
    )


# --- caseload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    worker: User
    cases: QuerySet[Case]
    norm: int = HOUSEHOLDS_PER_WORKER_NORM


def caseload_get(*, user: User, worker: User) -> Caseload:
    """Open cases (one per household) currently assigned to ``worker`` for any function. Managers
    may see anyone's caseload; everyone else only their own."""
    if worker.pk != user.pk and not is_manager(user):
        raise NotAllowed(
            _("Obciążenie innych pracowników widzi tylko kierownik."),
            code="not_allowed_caseload",
        )
    mine = CaseAssignment.objects.filter(worker_id=worker.pk, ended_on__isnull=True)
    cases = (
        Case.objects.filter(status=CaseStatus.OPEN)
        .filter(Exists(mine.filter(case=OuterRef("pk"))))
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=mine.select_related("team").order_by("function"),
                to_attr="worker_assignments",
            )
        )
        .order_by("-opened_on", "-id")
    )
    return Caseload(worker=worker, cases=cases)
