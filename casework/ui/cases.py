"""The case list and the case file: a household's members and current data, the case's status and
assignments, what is due, the household's history and the forms of the next steps the user's role
may take (casework.ui.case_steps).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from casework.audit import audit_reads
from casework.models import Case, CaseAssignment
from casework.permissions import Capability, has_capability
from casework.selectors.case_file import (
    DEFAULT_TIMELINE_LIMIT,
    CaseFile,
    DueItem,
    case_due_list,
    case_file_get,
)
from casework.selectors.cases import case_search
from casework.selectors.deadlines import Scope, user_team_ids
from casework.selectors.people import household_income_assessment
from casework.services.proceedings import authorisation_valid_on
from casework.ui.case_steps import STEPS, Panel, StepData, panel_for
from casework.ui.presenters.due import due_text
from casework.ui.presenters.timeline import DocumentKind, TimelineEntry, present
from casework.ui.refusals import require
from casework.visibility import audit_list_reads, sees_all
from opsplatform.ui.access import domain_errors_as_http, is_htmx, signed_in_user, staff_required
from tenants.accounts.models import User
from tenants.accounts.roles import Role
from tenants.org.models import CanonicalFunction

CASES_PER_PAGE = 25
# Roles that are assigned cases, so that "my cases" means something for them.
ASSIGNED_ROLES = frozenset(
    {Role.BENEFITS, Role.SOCIAL_WORKER, Role.SERVICES_COORDINATOR, Role.MANAGER}
)
# Roles that start from the whole centre: the manager and the auditor oversee everyone (and only
# they may list it, see casework.visibility).
WHOLE_CENTRE_ROLES = frozenset({Role.MANAGER, Role.AUDITOR})
SCOPE_LABELS: dict[str, Promise] = {
    Scope.MINE: _("moje"),
    Scope.TEAM: _("mojego zespołu"),
    Scope.ALL: _("wszystkie w ośrodku"),
}
STATUS_LABELS: dict[str, Promise] = {
    "open": _("otwarte"),
    "closed": _("zamknięte"),
    "any": _("otwarte i zamknięte"),
}


# --- the case list -----------------------------------------------------------------------------


def scopes_for(user: User) -> list[str]:
    """The lists the user may choose: "mine" for roles that are assigned cases, "my team's" for
    members of a team, "all in the centre" only for the manager and the auditor. Whatever the
    choice, the list holds only households the user sees (casework.visibility)."""
    scopes: list[str] = []
    if user.role in ASSIGNED_ROLES:
        scopes.append(Scope.MINE)
    if user_team_ids(user):
        scopes.append(Scope.TEAM)
    if sees_all(user):
        scopes.append(Scope.ALL)
    return scopes or [Scope.MINE]


def _default_scope(user: User, scopes: list[str]) -> str:
    return Scope.ALL if user.role in WHOLE_CENTRE_ROLES else scopes[0]


@staff_required
@require_GET
def case_list_page(request: HttpRequest) -> HttpResponse:
    """Cases of the user, the user's team or the centre; search by name, PESEL or number."""
    user = signed_in_user(request)
    require(user, Capability.READ)
    scopes = scopes_for(user)
    scope = request.GET.get("zakres", "")
    if scope not in scopes:
        scope = _default_scope(user, scopes)
    status = request.GET.get("status", "open")
    if status not in STATUS_LABELS:
        status = "open"
    query = request.GET.get("q", "").strip()[:100]
    with domain_errors_as_http():
        cases = case_search(
            user=user, query=query, scope=scope, status="" if status == "any" else status
        )
        page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("strona"))
        audit_list_reads(user, page.object_list)
    context = {
        "page": page,
        "query": query,
        "scope": scope,
        "status": status,
        "scopes": [(s, SCOPE_LABELS[s]) for s in scopes],
        "statuses": list(STATUS_LABELS.items()),
    }
    if is_htmx(request):
        return render(request, "casework/ui/cases/_results.html", {**context, "oob": True})
    return render(request, "casework/ui/cases/list.html", context)


# --- the case file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentView:
    label: str
    assignment: CaseAssignment


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass
class EntryView:
    entry: TimelineEntry
    links: list[Link] = field(default_factory=list)
    other_case: bool = False


_DOCUMENT_URLS: dict[DocumentKind, tuple[tuple[str, str, Promise], ...]] = {
    DocumentKind.DECISION: (
        ("casework-ui:decision-print", "decision_id", _("%(what)s – wersja do druku")),
        ("casework-ui:decision-pdf", "decision_id", _("%(what)s – PDF")),
    ),
    DocumentKind.CONTRACT: (
        ("casework-ui:contract-print", "contract_id", _("%(what)s – wersja do druku")),
        ("casework-ui:contract-pdf", "contract_id", _("%(what)s – PDF")),
    ),
}


def document_links(entry: TimelineEntry) -> list[Link]:
    """Links to the printable page and the PDF of the entry's document, where those pages exist."""
    if entry.document is None:
        return []
    kind, public_id = entry.document
    links = []
    for url_name, kwarg, text in _DOCUMENT_URLS[kind]:
        try:
            url = reverse(url_name, kwargs={kwarg: public_id})
        except NoReverseMatch:
            continue  # the documents part of the interface is not installed
        what = entry.reference[:1].upper() + entry.reference[1:]
        links.append(Link(url=url, text=str(text) % {"what": what}))
    return links


def _panels(data: StepData, file: CaseFile, due: list[DueItem]) -> dict[str, list[Panel]]:
    """The next steps the user may take, grouped; each knows what due item it settles, and the
    step of the earliest due item starts open with its form, so the file opens on what is due.
    The other steps' forms are fetched when their panel is opened (htmx; without JavaScript a
    link to the step's own page): the staff, teams and benefits they choose from are read only
    for the form shown."""
    user = data.user
    groups: dict[str, list[Panel]] = {"proceedings": [], "case": [], "manager": []}
    steps = [
        step
        for step in STEPS
        if has_capability(user, step.capability) and step.applies(file.proceedings)
    ]
    offered = {step.key for step in steps}
    first_due = next((item.step for item in due if item.step in offered), "")
    for step in steps:
        intro = ""
        if step.key == "decision" and not authorisation_valid_on(user, timezone.localdate()):
            intro = gettext(
                "Nie masz ważnego upoważnienia kierownika do wydawania decyzji. "
                "Poproś kierownika o nadanie upoważnienia."
            )
        is_open = step.key == first_due
        panel = panel_for(step, file.case, step.build(data, None) if is_open else None, intro)
        panel.due = [item for item in due if item.step == step.key]
        panel.open = is_open
        groups[step.group].append(panel)
    return groups


@dataclass(frozen=True)
class DueView:
    """A due item on the page: what it is in words, and where to act on it (a panel of the file
    or a contract)."""

    item: DueItem
    what: str
    href: str


def _due_views(
    due: list[DueItem], panels: dict[str, list[Panel]], benefit_names: dict[str, str]
) -> list[DueView]:
    shown = {p.step.key for group in panels.values() for p in group}
    views = []
    for item in due:
        href = ""
        if item.step and item.step in shown:
            href = f"#panel-{item.step}"
        elif item.contract is not None and (socialwork := _socialwork()) is not None:
            href = "#" + socialwork.contract_anchor(item.contract)
        views.append(DueView(item=item, what=due_text(item, benefit_names), href=href))
    return views


@cache
def _socialwork() -> ModuleType | None:
    """The social-work part of the case file, when it is installed (it is built separately)."""
    try:
        return importlib.import_module("casework.ui.socialwork")
    except ModuleNotFoundError as error:
        if error.name != "casework.ui.socialwork":
            raise
        return None


# The history's first part comes with the page (asked for by htmx once the page is shown); each
# "show more" brings the next part.
HISTORY_FIRST = 25
HISTORY_MORE = 100


def _entry_view(entry: TimelineEntry, file: CaseFile) -> EntryView:
    return EntryView(
        entry=entry,
        links=document_links(entry),
        other_case=bool(entry.case_number) and entry.case_number != file.case.number,
    )


def _day_views(file: CaseFile) -> list[tuple[dt.date, list[EntryView]]]:
    """The shown part of the history, written out (only that part: the rest is counted)."""
    today = timezone.localdate()
    return [
        (day.day, [_entry_view(present(e, file.names, today), file) for e in day.entries])
        for day in file.timeline
    ]


@staff_required
@require_GET
def case_detail_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The case file of a household: what is due first, then the household, the case and the
    next steps, the form of the step of what is due open. The household's history, the
    social-work sections and the other steps' forms are asked for by the page (htmx) once it is
    shown or a step is opened, so the first screen costs a fixed number of queries however long
    the history. Without JavaScript a step's link leads to its own page, and ``?historia=tak``
    (the newest entries) or ``?historia=cala`` (all) puts the history in the page itself."""
    user = signed_in_user(request)
    require(user, Capability.READ)
    history = request.GET.get("historia", "")
    inline = history in ("tak", "cala")
    with domain_errors_as_http():
        file = case_file_get(
            public_id=case_id,
            limit=None if history == "cala" else DEFAULT_TIMELINE_LIMIT,
            with_timeline=inline,
        )
        audit_reads([file.case])
        today = timezone.localdate()
        income = household_income_assessment(
            household=file.household, on=today, members=file.all_members
        )
        functions = dict(CanonicalFunction.choices)
        data = StepData(user, file.proceedings)
        due = case_due_list(proceedings=file.proceedings, today=today)
        panels = _panels(data, file, due)
        context: dict[str, Any] = {
            "file": file,
            "case": file.case,
            "assignments": [
                AssignmentView(label=str(functions.get(a.function, a.function)), assignment=a)
                for a in file.case.current_assignments  # type: ignore[attr-defined]
            ],
            "other_cases": [c for c in file.cases if c.pk != file.case.pk],
            "income": income,
            "history_inline": inline,
            "days": _day_views(file) if inline else [],
            "panels": panels,
            "due": _due_views(due, panels, data.labels.benefit_names),
            "today": today,
            "socialwork_panel": False,
            "socialwork_url": "",
        }
        socialwork = _socialwork()
        if socialwork is not None and hasattr(socialwork, "case_panel_context"):
            context["socialwork_panel"] = True
            if inline:
                context.update(socialwork.case_panel_context(request, file.case))
            else:
                context["socialwork_url"] = reverse(
                    "casework-ui:case-socialwork", kwargs={"case_id": file.case.public_id}
                )
    return render(request, "casework/ui/cases/detail.html", context)


@staff_required
@require_GET
def case_history(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """A part of the household's history (htmx): ``?od=N`` skips the newest N entries; the
    first part is short, each next one longer, each ending with "show more" while entries are
    left. Without htmx: the case file with its history."""
    user = signed_in_user(request)
    require(user, Capability.READ)
    if not is_htmx(request):
        # Only to a case that exists here: an id of another centre's record finds nothing (404),
        # never a redirect that would answer as if it did.
        if not Case.objects.filter(public_id=case_id).exists():
            raise Http404
        url = reverse("casework-ui:case-detail", kwargs={"case_id": case_id})
        return redirect(f"{url}?historia=tak#h-history")
    try:
        offset = max(0, int(request.GET.get("od", "0")))
    except ValueError:
        offset = 0
    with domain_errors_as_http():
        file = case_file_get(
            public_id=case_id,
            offset=offset,
            limit=HISTORY_FIRST if offset == 0 else HISTORY_MORE,
        )
        audit_reads([file.case])
    return render(
        request,
        "casework/ui/cases/_history.html",
        {
            "file": file,
            "case": file.case,
            "days": _day_views(file),
            "next_offset": file.timeline_shown,
            "left": file.timeline_total - file.timeline_shown,
            "first": offset == 0,
        },
    )
