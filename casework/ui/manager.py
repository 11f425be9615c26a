"""The manager's pages: team workloads against the norm, the share of social work in logged time,
the centre's overdue deadlines, and the access log of a person's data (also for the auditor).

Every figure comes from the same selectors the API uses (``activity_summary``, ``deadline_list``,
``person_access_log``); workloads from :func:`casework.selectors.manager.team_workloads`, which
counts what ``caseload_get`` counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from casework.audit import audit_reads
from casework.calendar_days import working_days_between
from casework.models.audit import AuditAction
from casework.models.socialwork import ActivityCategory
from casework.permissions import Capability, require_capability
from casework.selectors.audit import audit_object_names, person_access_log
from casework.selectors.cases import case_ids_by_number
from casework.selectors.deadlines import KIND_LABELS, Scope, deadline_list
from casework.selectors.manager import staff_names, team_workloads
from casework.selectors.people import person_get
from casework.selectors.socialwork import TimeSplit, activity_summary
from casework.ui.documents import case_detail_url
from casework.ui.person_search import RESULTS_TEMPLATE, audited_person_search, results_only
from casework.visibility import break_glass_list
from opsplatform.ui.access import (
    domain_errors_as_http,
    is_htmx,
    roles_required,
    signed_in_user,
    staff_required,
)
from opsplatform.ui.forms import DateField, DateInput
from tenants.accounts.models import User
from tenants.accounts.roles import Role

MANAGER_ONLY = _("Widok kierownika jest dostępny tylko dla kierownika ośrodka.")
OVERDUE_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def role_label(role: str) -> str:
    """A role's name in the active language (``system`` for the system's own actions)."""
    if role in Role.values:
        return str(Role(role).label)
    return role


# What a person's data looks like in the trail, as a clerk would name it.
BREAK_GLASS_LIST_DAYS = 30
BREAK_GLASS_LIST_LIMIT = 50
OBJECT_LABELS: dict[str, Any] = {
    "casework.person": _("dane osobowe"),
    "casework.household": _("gospodarstwo domowe"),
    "casework.breakglassgrant": _("udzielenie dostępu nadzwyczajnego"),
    "casework.householdmember": _("członkostwo w gospodarstwie"),
    "casework.incomerecord": _("dochód"),
    "casework.intake": _("zgłoszenie"),
    "casework.case": _("sprawa"),
    "casework.caseassignment": _("przydział sprawy"),
    "casework.handover": _("przekazanie sprawy"),
    "casework.application": _("wniosek"),
    "casework.familyinterview": _("wywiad środowiskowy"),
    "casework.decision": _("decyzja"),
    "casework.delaynotice": _("zawiadomienie o zwłoce"),
    "casework.appeal": _("odwołanie"),
    "casework.activityentry": _("wpis czasu pracy"),
    "casework.socialcontract": _("kontrakt socjalny"),
    "casework.contractreview": _("ocena kontraktu"),
    "casework.individualprogramme": _("program indywidualny"),
    "casework.projectparticipation": _("udział w projekcie"),
    "casework.serviceplan": _("plan usług"),
    "casework.servicedelivery": _("realizacja usług"),
    "rodo.subject_access": _("raport dostępu do danych (wniosek RODO)"),
    "privacy.retentionrun": _("usuwanie danych po okresie przechowywania"),
    "privacy.retentionrule": _("zasada retencji"),
    "privacy.legalhold": _("wstrzymanie usunięcia"),
}


# --- forms ------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    date_from = DateField(label=_("Od dnia"), widget=DateInput())
    date_to = DateField(label=_("Do dnia (włącznie)"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Koniec okresu nie może być przed jego początkiem."))
        return data


class ActionFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Rodzaj dostępu"),
        choices=[("", _("wszystkie"))] + [(a.value, a.label) for a in AuditAction],
        required=False,
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )


# --- rows the templates show ------------------------------------------------------------------


@dataclass(frozen=True)
class TimeRow:
    name: str
    team: str
    workers: int | None
    hours: dict[str, Decimal]
    total_hours: Decimal
    share_percent: Decimal | None


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _time_row(name: str, team: str, time: TimeSplit, workers: int | None = None) -> TimeRow:
    share = time.social_work_share
    return TimeRow(
        name=name,
        team=team,
        workers=workers,
        hours={category: _hours(time.minutes[category]) for category in ActivityCategory.values},
        total_hours=_hours(time.total_minutes),
        share_percent=(share * 100).quantize(Decimal("0.1")) if share is not None else None,
    )


def _worker_name(user: User) -> str:
    return str(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    due_on: dt.date
    working_days_late: int
    case_number: str
    case_url: str | None
    worker: str


def _deadline_rows(rows: list[dict[str, Any]], today: dt.date) -> list[DeadlineRow]:
    case_ids = case_ids_by_number(row["d_case"] for row in rows)
    result = []
    for row in rows:
        case_id = case_ids.get(row["d_case"])
        worker = f"{row['d_worker_first_name'] or ''} {row['d_worker_last_name'] or ''}".strip()
        result.append(
            DeadlineRow(
                kind=KIND_LABELS[row["d_kind"]],
                due_on=row["d_due"],
                working_days_late=-working_days_between(today, row["d_due"]),
                case_number=row["d_case"],
                case_url=case_detail_url(case_id) if case_id else None,
                worker=worker or row["d_worker_username"] or "",
            )
        )
    return result


def _overdue(user: User, today: dt.date) -> QuerySet[Any]:
    """Deadlines of the whole centre already past or falling today, earliest first."""
    with domain_errors_as_http():
        return deadline_list(user=user, scope=Scope.ALL, horizon=0, today=today)


# --- the manager's overview -------------------------------------------------------------------


@roles_required({Role.MANAGER}, cast(str, MANAGER_ONLY))
def manager_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    chosen = "date_from" in request.GET or "date_to" in request.GET
    form = PeriodForm(
        request.GET if chosen else {"date_from": today.replace(day=1), "date_to": today}
    )
    summary = None
    if form.is_valid():
        summary = activity_summary(
            date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
        )
    time_context: dict[str, Any] = {"form": form, "summary": summary}
    if summary is not None:
        time_context |= {
            "total": _time_row(str(_("Cały ośrodek")), "", summary.total),
            "team_rows": [
                _time_row(
                    str(t.team) if t.team else str(_("bez etatu w dniu wpisu")),
                    "",
                    t.time,
                    t.workers,
                )
                for t in summary.teams
            ],
            "worker_rows": [
                _time_row(_worker_name(w.worker), str(w.team) if w.team else "—", w.time)
                for w in summary.workers
            ],
        }
    if is_htmx(request) and request.headers.get("HX-Target") == "time-share":
        return render(request, "casework/ui/manager/_time_share.html", time_context)

    with domain_errors_as_http():
        workloads = team_workloads(user=signed_in_user(request))
    overdue = _overdue(signed_in_user(request), today)
    workers = {load.worker.pk: load for team in workloads for load in team.workers}
    return render(
        request,
        "casework/ui/manager/overview.html",
        {
            **time_context,
            "workloads": workloads,
            "overdue_count": overdue.count(),
            "workers_count": len(workers),
            "over_norm_count": sum(1 for load in workers.values() if not load.within_norm),
            "queue_count": sum(team.unassigned_cases for team in workloads),
            "today": today,
        },
    )


@roles_required({Role.MANAGER}, cast(str, MANAGER_ONLY))
def manager_overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    paginator = Paginator(_overdue(signed_in_user(request), today), OVERDUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("strona"))
    return render(
        request,
        "casework/ui/manager/overdue.html",
        {"page": page, "rows": _deadline_rows(list(page.object_list), today), "today": today},
    )


# --- the access log ---------------------------------------------------------------------------


@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Pick a person: search by PESEL or name (as you type, with htmx; a plain GET without)."""
    with domain_errors_as_http():
        require_capability(signed_in_user(request), Capability.AUDIT_READ)
    context = audited_person_search(
        request,
        link_to="casework-ui:access-log-person",
        link_label=gettext_noop("Dziennik: %(name)s"),
    )
    context |= {
        "grants": list(
            break_glass_list(since=timezone.now() - dt.timedelta(days=BREAK_GLASS_LIST_DAYS))[
                :BREAK_GLASS_LIST_LIMIT
            ]
        ),
        "grant_days": BREAK_GLASS_LIST_DAYS,
        "now": timezone.now(),
    }
    if results_only(request):
        return render(request, RESULTS_TEMPLATE, context)
    return render(request, "casework/ui/manager/access_log.html", context)


@dataclass(frozen=True)
class LogRow:
    at: dt.datetime
    actor: str
    username: str
    role: str
    action: str
    action_code: str
    what: str
    object_id: str
    object_name: str  # how people name it ("sprawa PIA/2024/0012"), "" when nobody can
    object_url: str | None
    ip: str
    break_glass_reason: str


_DOCUMENT_PAGES = {
    "casework.decision": ("casework-ui:decision-print", "decision_id"),
    "casework.socialcontract": ("casework-ui:contract-print", "contract_id"),
    "casework.case": ("casework-ui:case-detail", "case_id"),
}


def _object_url(object_type: str, object_id: str) -> str | None:
    """The page showing the record an entry names, where there is one."""
    if object_type not in _DOCUMENT_PAGES:
        return None
    name, kwarg = _DOCUMENT_PAGES[object_type]
    try:
        return reverse(name, kwargs={kwarg: UUID(object_id)})
    except (ValueError, NoReverseMatch):
        return None


@staff_required
def access_log_person(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """Who read or changed what of a person's data, and when; newest first. Viewing it is itself
    recorded, as the API records it."""
    with domain_errors_as_http():
        require_capability(signed_in_user(request), Capability.AUDIT_READ)
        person = person_get(public_id=person_id)
    form = ActionFilterForm(request.GET)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    with domain_errors_as_http():
        entries = person_access_log(user=signed_in_user(request), person=person, action=action)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("strona"))
    names = staff_names(entry.actor_id for entry in page.object_list)
    objects = audit_object_names(page.object_list)
    actions = dict(AuditAction.choices)
    rows = [
        LogRow(
            at=entry.at,
            actor=names.get(entry.actor_id or 0, entry.actor_username),
            username=entry.actor_username,
            role=role_label(entry.actor_role),
            action=str(actions.get(entry.action, entry.action)),
            action_code=entry.action,
            what=str(OBJECT_LABELS.get(entry.object_type, entry.object_type)),
            object_id=entry.object_id,
            object_name=objects.get((entry.object_type, entry.object_id), ""),
            object_url=_object_url(entry.object_type, entry.object_id),
            ip=entry.ip or "",
            break_glass_reason=entry.break_glass_reason,
        )
        for entry in page.object_list
    ]
    response = render(
        request,
        "casework/ui/manager/access_log_person.html",
        {"person": person, "form": form, "page": page, "rows": rows, "action": action},
    )
    audit_reads([person])
    return response
