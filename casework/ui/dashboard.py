"""The dashboard: a centre's start page (``/``, url name ``home``), one per role.

Everyone who works cases sees their deadlines (interviews, decisions, appeals, contract reviews –
overdue and due within five working days), their team's queue (cases routed to the team and not
yet given to a worker, intakes routed to them by name in the last two weeks) and their caseload
against the norm of 50 households. The first-contact worker's dashboard leads to the desk and
shows the day at the desk and the intakes still waiting; the manager's shows the whole centre
(overdue count, every team's queue, the org structure); the auditor's only describes what the
account may read. Reads go through the casework selectors; the cases and intakes listed are
recorded in the audit trail as read by the user, as the API records its lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Count, Model, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.audit import audit_reads
from casework.calendar_days import working_days_between
from casework.models import Case, Intake
from casework.permissions import Capability, has_capability
from casework.selectors.dashboard import (
    RECENTLY_ROUTED_DAYS,
    CaseloadFigure,
    DeadlineSummary,
    caseload_figure,
    deadline_summary,
    desk_day,
    intakes_pending,
    intakes_routed_to,
    reason_names,
    unassigned_queue,
)
from casework.selectors.deadlines import DEFAULT_HORIZON, Scope, user_team_ids
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from tenants.accounts.roles import Role
from tenants.http import request_centre
from tenants.org.models import CanonicalFunction
from tenants.selectors import team_list_with_staffing

QUEUE_LIMIT = 20
M = TypeVar("M", bound=Model)
DEADLINE_LIMIT = 25

DEADLINE_KINDS: dict[str, Promise] = {
    "interview": _("Rodzinny wywiad środowiskowy"),
    "decision": _("Decyzja w terminie KPA"),
    "appeal_forward": _("Przekazanie odwołania do SKO"),
    "contract_review": _("Ocena kontraktu socjalnego"),
}

# The scope of the deadline list in the address (?zakres=…), in Polish like the other addresses.
SCOPE_PARAMS: dict[str, Scope] = {"moje": Scope.MINE, "zespol": Scope.TEAM, "osrodek": Scope.ALL}
SCOPE_LABELS: dict[Scope, Promise] = {
    Scope.MINE: _("Moje"),
    Scope.TEAM: _("Mojego zespołu"),
    Scope.ALL: _("Całego ośrodka"),
}
# Roles that hold cases themselves: their caseload is measured against the norm. Not the
# manager: the norm of 50 households is a social worker's, and the manager's dashboard shows the
# whole centre instead.
CASELOAD_ROLES = frozenset({Role.BENEFITS, Role.SOCIAL_WORKER, Role.SERVICES_COORDINATOR})


@dataclass(frozen=True)
class ScopeLink:
    param: str
    label: Promise
    current: bool


@dataclass(frozen=True)
class QueueRow:
    case_number: str
    case_id: UUID
    team_name: str
    function: str
    waiting_since: dt.date
    working_days_waiting: int
    reasons: list[str]
    note: str


def _scopes(role: str, requested: str) -> tuple[Scope, list[ScopeLink]]:
    allowed = [Scope.MINE, Scope.TEAM] + ([Scope.ALL] if role == Role.MANAGER else [])
    default = Scope.ALL if role == Role.MANAGER else Scope.MINE
    chosen = SCOPE_PARAMS.get(requested, default)
    if chosen not in allowed:
        chosen = default
    links = [
        ScopeLink(param=param, label=SCOPE_LABELS[scope], current=scope == chosen)
        for param, scope in SCOPE_PARAMS.items()
        if scope in allowed
    ]
    return chosen, links


def first_with_total(queryset: QuerySet[M], limit: int) -> tuple[list[M], int]:
    """The first ``limit`` rows and the number of all of them, in one statement (the count is a
    window over the whole result, taken before the limit)."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return rows, (rows[0].total_rows if rows else 0)  # type: ignore[attr-defined]  # annotated


def _queue(
    team_ids: set[int] | None, today: dt.date, names: dict[str, str]
) -> tuple[list[QueueRow], int, list[Case]]:
    assignments, total = first_with_total(unassigned_queue(team_ids=team_ids), QUEUE_LIMIT)
    functions = dict(CanonicalFunction.choices)
    rows: list[QueueRow] = []
    cases: list[Case] = []
    for assignment in assignments:
        case = assignment.case
        intakes: list[Intake] = getattr(case, "routed_intakes", [])
        latest = intakes[0] if intakes else None
        rows.append(
            QueueRow(
                case_number=case.number,
                case_id=case.public_id,
                team_name=assignment.team.name,
                function=str(functions.get(assignment.function, assignment.function)),
                waiting_since=assignment.started_on,
                working_days_waiting=max(0, working_days_between(assignment.started_on, today)),
                reasons=[names.get(code, code) for code in latest.reasons] if latest else [],
                note=latest.outcome_note if latest else "",
            )
        )
        cases.append(case)
    return rows, total, cases


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    role = str(user.role)
    today = timezone.localdate()
    centre = request_centre(request)
    context: dict[str, Any] = {
        "today": today,
        "role": role,
        "horizon": DEFAULT_HORIZON,
        "is_manager": role == Role.MANAGER,
        "is_first_contact": role == Role.FIRST_CONTACT,
        "is_auditor": role == Role.AUDITOR,
        "can_register": has_capability(user, Capability.INTAKE_REGISTER),
        "programme": centre.programme if centre else None,
    }
    read: list[Any] = []
    # NotAllowed is not expected (the scope is chosen from the allowed); if it comes, a 403.
    with domain_errors_as_http():
        if role != Role.AUDITOR:
            scope, links = _scopes(role, request.GET.get("zakres", ""))
            deadlines: DeadlineSummary = deadline_summary(
                user=user, scope=scope, today=today, limit=DEADLINE_LIMIT
            )
            context.update(
                deadlines=deadlines,
                deadline_kinds=DEADLINE_KINDS,
                scope_links=links,
                scope_label=SCOPE_LABELS[scope],
            )
            if role == Role.MANAGER:
                context["centre_overdue"] = (
                    deadlines.overdue
                    if scope == Scope.ALL
                    else deadline_summary(user=user, scope=Scope.ALL, today=today, limit=0).overdue
                )

        if role == Role.FIRST_CONTACT or role == Role.MANAGER:
            context["pending"], context["pending_total"] = first_with_total(
                intakes_pending(), QUEUE_LIMIT
            )
            read.extend(context["pending"])
        if role == Role.FIRST_CONTACT:
            context["desk_day"] = desk_day(day=today, registered_by=user)

        if role not in (Role.AUDITOR, Role.FIRST_CONTACT):
            team_ids = None if role == Role.MANAGER else user_team_ids(user)
            names = reason_names()
            rows, total, cases = _queue(team_ids, today, names)
            context.update(queue=rows, queue_total=total)
            read.extend(cases)
            if role != Role.MANAGER:
                since = today - dt.timedelta(days=RECENTLY_ROUTED_DAYS)
                routed = list(intakes_routed_to(worker=user, since=since)[:QUEUE_LIMIT])
                context["routed_to_me"] = [
                    (intake, [names.get(code, code) for code in intake.reasons])
                    for intake in routed
                ]
                context["routed_days"] = RECENTLY_ROUTED_DAYS
                read.extend(routed)

        if role in CASELOAD_ROLES:
            figure: CaseloadFigure = caseload_figure(user=user)
            context["caseload"] = figure

        context["teams"] = team_list_with_staffing()

        if read:
            audit_reads(read)
    return render(request, "casework/ui/dashboard/dashboard.html", context)
