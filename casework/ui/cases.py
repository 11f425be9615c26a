"""The case list and the case file: a household's members and current data, the case's status and
assignments, one timeline of everything that happened, and the forms of the next steps the user's
role may take (benefit proceedings and managing the case).

Each next step is a :class:`Step`: its form, the capability it needs, when it applies and the
service it calls. One view serves every step's post, so that every step answers alike: 403 for a
role without the capability, 404 for an unknown case, inline errors in Polish with the input kept
(htmx swaps the form in place; without JavaScript a page with the form), and on success a redirect
back to the case file with a message.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import ModuleType
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.audit import audit_reads
from casework.models import Case
from casework.permissions import Capability, has_capability
from casework.reference.selectors import benefit_types
from casework.selectors.cases import case_get, case_search, staff_list, team_list
from casework.selectors.deadlines import Scope, user_team_ids
from casework.selectors.people import household_income_assessment
from casework.selectors.timeline import (
    DEFAULT_TIMELINE_LIMIT,
    CaseFile,
    CaseProceedings,
    DocumentKind,
    DueItem,
    TimelineEntry,
    case_due_list,
    case_file_get,
    case_proceedings_get,
)
from casework.services.cases import case_assign, case_close, case_handover
from casework.services.proceedings import (
    appeal_decide,
    appeal_forward,
    appeal_register,
    application_register,
    authorisation_grant,
    authorisation_valid_on,
    decision_deliver,
    decision_issue,
    delay_notice_send,
    interview_record,
    interview_schedule,
)
from casework.ui import case_forms as f
from casework.visibility import audit_list_reads, sees_all
from opsplatform.errors import DomainError, NotAllowed
from opsplatform.ui.access import domain_errors_as_http, is_htmx, staff_required
from opsplatform.ui.forms import apply_domain_error, form_response, success_redirect
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


# The refusal of each capability as one sentence, so that it translates as a whole (the API says
# the same in Polish, built from casework.permissions.DESCRIPTIONS).
REFUSALS: dict[Capability, Promise] = {
    Capability.READ: _("Rola „%(role)s” nie może przeglądać danych ośrodka."),
    Capability.PERSON_WRITE: _("Rola „%(role)s” nie może zapisywać danych osób i gospodarstw."),
    Capability.INTAKE_REGISTER: _("Rola „%(role)s” nie może rejestrować zgłoszeń."),
    Capability.CASE_MANAGE: _(
        "Rola „%(role)s” nie może zakładać spraw ani przekazywać ich między zespołami."
    ),
    Capability.APPLICATION_REGISTER: _("Rola „%(role)s” nie może przyjmować wniosków."),
    Capability.INTERVIEW_CONDUCT: _(
        "Rola „%(role)s” nie może przeprowadzać wywiadów środowiskowych."
    ),
    Capability.DECISION_ISSUE: _("Rola „%(role)s” nie może wydawać decyzji administracyjnych."),
    Capability.PROCEEDING_MANAGE: _(
        "Rola „%(role)s” nie może prowadzić postępowań (zawiadomienia, odwołania)."
    ),
    Capability.AUTHORISATION_GRANT: _(
        "Rola „%(role)s” nie może nadawać upoważnień do wydawania decyzji."
    ),
    Capability.ACTIVITY_LOG: _("Rola „%(role)s” nie może rejestrować czasu pracy."),
    Capability.CONTRACT_MANAGE: _(
        "Rola „%(role)s” nie może zawierać kontraktów socjalnych ani prowadzić programów."
    ),
    Capability.PROJECT_MANAGE: _("Rola „%(role)s” nie może prowadzić projektów socjalnych i PAL."),
    Capability.SERVICE_PLAN_MANAGE: _(
        "Rola „%(role)s” nie może planować usług ani rejestrować ich realizacji."
    ),
    Capability.AUDIT_READ: _("Rola „%(role)s” nie może przeglądać dziennika dostępu do danych."),
}


def _require(user: Any, capability: Capability) -> None:
    if not has_capability(user, capability):
        role = user.get_role_display()
        raise PermissionDenied(str(REFUSALS[capability]) % {"role": role})


# --- the case list -----------------------------------------------------------------------------


def scopes_for(user: Any) -> list[str]:
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


def _default_scope(user: Any, scopes: list[str]) -> str:
    return Scope.ALL if user.role in WHOLE_CENTRE_ROLES else scopes[0]


@staff_required
@require_GET
def case_list_page(request: HttpRequest) -> HttpResponse:
    """Cases of the user, the user's team or the centre; search by name, PESEL or number."""
    user = request.user
    _require(user, Capability.READ)
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


# --- next steps ------------------------------------------------------------------------------


class StepData:
    """What the step forms choose from, read once per request and only when a form needs it."""

    def __init__(self, user: Any, proceedings: CaseProceedings) -> None:
        self.user = user
        self.proceedings = proceedings

    @cached_property
    def staff(self) -> list[Any]:
        return list(staff_list())

    @cached_property
    def teams(self) -> list[Any]:
        # The forms label a team by its name and functions: its staff are not needed.
        return list(team_list().prefetch_related(None))

    @cached_property
    def benefits(self) -> list[Any]:
        return list(benefit_types())

    @cached_property
    def labels(self) -> f.Labels:
        return f.Labels({b.code: b.name for b in self.benefits})

    @property
    def benefit_choices(self) -> list[tuple[str, str]]:
        return [(b.code, b.name) for b in self.benefits if b.by_decision]


FormBuilder = Callable[[StepData, Any], f.CaseForm]
Runner = Callable[[Any, Case, dict[str, Any]], object]


@dataclass(frozen=True)
class Step:
    key: str
    slug: str
    title: Promise
    submit: Promise
    done: Promise
    capability: Capability
    group: str  # "proceedings", "case" or "manager"
    build: FormBuilder
    applies: Callable[[CaseProceedings], bool]
    run: Runner
    confirm: Promise | None = None

    @property
    def url_name(self) -> str:
        return f"casework-ui:case-{self.key}"


def _run_application(user: Any, case: Case, d: dict[str, Any]) -> object:
    return application_register(
        user=user,
        case=case,
        applicant=d["applicant"].person,
        received_on=d["received_on"],
        benefits=d["benefits"],
        urgent=d["urgent"],
        is_complex=d["complex"],
    )


def _run_interview(user: Any, case: Case, d: dict[str, Any]) -> object:
    return interview_schedule(
        user=user,
        case=case,
        application=d["application"],
        worker=d["worker"],
        kind=d["kind"],
        needed_since=d["needed_since"],
        urgent=True if d["urgent"] else None,
    )


def _run_decision(user: Any, case: Case, d: dict[str, Any]) -> object:
    return decision_issue(
        user=user,
        application=d["application"],
        benefit=d["benefit"],
        outcome=d["outcome"],
        reasoning=d["reasoning"],
        issued_on=d["issued_on"],
        amount=d["amount"],
        period_from=d["period_from"],
        period_to=d["period_to"],
        payment_schedule=d["payment_schedule"] or "",
        legal_basis=d["legal_basis"] or "",
    )


def _run_handover(user: Any, case: Case, d: dict[str, Any]) -> object:
    return case_handover(
        user=user,
        case=case,
        to_team=d["team"],
        to_worker=d["worker"],
        function=d["function"] or None,
        reason=d["reason"],
    )


def _run_assign(user: Any, case: Case, d: dict[str, Any]) -> object:
    return case_assign(
        user=user, case=case, team=d["team"], worker=d["worker"], function=d["function"] or None
    )


def _is_open(p: CaseProceedings) -> bool:
    return p.is_open


STEPS: tuple[Step, ...] = (
    Step(
        key="application",
        slug="wniosek",
        title=_("Zarejestruj wniosek"),
        submit=_("Zarejestruj wniosek"),
        done=_("Wniosek zarejestrowano."),
        capability=Capability.APPLICATION_REGISTER,
        group="proceedings",
        build=lambda s, data: f.ApplicationForm(
            data, members=s.proceedings.members, benefit_choices=s.benefit_choices
        ),
        applies=_is_open,
        run=_run_application,
    ),
    Step(
        key="interview",
        slug="wywiad",
        title=_("Zaplanuj rodzinny wywiad środowiskowy"),
        submit=_("Zaplanuj wywiad"),
        done=_("Wywiad zaplanowano."),
        capability=Capability.INTERVIEW_CONDUCT,
        group="proceedings",
        build=lambda s, data: f.InterviewScheduleForm(
            data,
            applications=s.proceedings.pending_applications,
            staff=s.staff,
            labels=s.labels,
            user=s.user,
        ),
        applies=_is_open,
        run=_run_interview,
    ),
    Step(
        key="interview-record",
        slug="wywiad-przeprowadzony",
        title=_("Odnotuj przeprowadzenie wywiadu"),
        submit=_("Zapisz wywiad"),
        done=_("Zapisano przeprowadzenie wywiadu."),
        capability=Capability.INTERVIEW_CONDUCT,
        group="proceedings",
        build=lambda s, data: f.InterviewRecordForm(
            data, interviews=s.proceedings.pending_interviews, labels=s.labels
        ),
        applies=lambda p: bool(p.pending_interviews),
        run=lambda user, case, d: interview_record(
            user=user,
            interview=d["interview"],
            conducted_on=d["conducted_on"],
            diagnosis=d["diagnosis"],
            help_plan=d["help_plan"],
        ),
    ),
    Step(
        key="decision",
        slug="decyzja",
        title=_("Wydaj decyzję"),
        submit=_("Wydaj decyzję"),
        done=_("Decyzję wydano."),
        capability=Capability.DECISION_ISSUE,
        group="proceedings",
        build=lambda s, data: f.DecisionForm(
            data,
            applications=s.proceedings.pending_applications,
            labels=s.labels,
            decisions=s.proceedings.decisions,
        ),
        applies=lambda p: bool(p.undecided_benefits),
        run=_run_decision,
    ),
    Step(
        key="decision-deliver",
        slug="doreczenie",
        title=_("Odnotuj doręczenie decyzji"),
        submit=_("Zapisz doręczenie"),
        done=_("Zapisano doręczenie decyzji."),
        capability=Capability.PROCEEDING_MANAGE,
        group="proceedings",
        build=lambda s, data: f.DeliverForm(
            data, decisions=s.proceedings.undelivered_decisions, labels=s.labels
        ),
        applies=lambda p: bool(p.undelivered_decisions),
        run=lambda user, case, d: decision_deliver(
            user=user, decision=d["decision"], delivered_on=d["delivered_on"]
        ),
    ),
    Step(
        key="delay-notice",
        slug="zawiadomienie",
        title=_("Zawiadom o niezałatwieniu sprawy w terminie"),
        submit=_("Zapisz zawiadomienie"),
        done=_("Zapisano zawiadomienie o zwłoce."),
        capability=Capability.PROCEEDING_MANAGE,
        group="proceedings",
        build=lambda s, data: f.DelayNoticeForm(
            data, applications=s.proceedings.pending_applications, labels=s.labels
        ),
        applies=lambda p: bool(p.pending_applications),
        run=lambda user, case, d: delay_notice_send(
            user=user,
            application=d["application"],
            sent_on=d["sent_on"],
            new_due_on=d["new_due_on"],
            reason=d["reason"],
        ),
    ),
    Step(
        key="appeal",
        slug="odwolanie",
        title=_("Zarejestruj odwołanie"),
        submit=_("Zarejestruj odwołanie"),
        done=_("Odwołanie zarejestrowano."),
        capability=Capability.PROCEEDING_MANAGE,
        group="proceedings",
        build=lambda s, data: f.AppealForm(
            data, decisions=s.proceedings.appealable_decisions, labels=s.labels
        ),
        applies=lambda p: bool(p.appealable_decisions),
        run=lambda user, case, d: appeal_register(
            user=user, decision=d["decision"], lodged_on=d["lodged_on"]
        ),
    ),
    Step(
        key="appeal-forward",
        slug="odwolanie-przekazanie",
        title=_("Przekaż odwołanie do SKO"),
        submit=_("Zapisz przekazanie"),
        done=_("Zapisano przekazanie odwołania do SKO."),
        capability=Capability.PROCEEDING_MANAGE,
        group="proceedings",
        build=lambda s, data: f.AppealForwardForm(
            data, appeals=s.proceedings.appeals_to_forward, labels=s.labels
        ),
        applies=lambda p: bool(p.appeals_to_forward),
        run=lambda user, case, d: appeal_forward(
            user=user, appeal=d["appeal"], forwarded_on=d["forwarded_on"]
        ),
    ),
    Step(
        key="appeal-decide",
        slug="odwolanie-rozstrzygniecie",
        title=_("Odnotuj rozstrzygnięcie odwołania"),
        submit=_("Zapisz rozstrzygnięcie"),
        done=_("Zapisano rozstrzygnięcie odwołania."),
        capability=Capability.PROCEEDING_MANAGE,
        group="proceedings",
        build=lambda s, data: f.AppealDecideForm(
            data, appeals=s.proceedings.pending_appeals, labels=s.labels
        ),
        applies=lambda p: bool(p.pending_appeals),
        run=lambda user, case, d: appeal_decide(
            user=user, appeal=d["appeal"], outcome=d["outcome"], outcome_on=d["outcome_on"]
        ),
    ),
    Step(
        key="handover",
        slug="przekazanie",
        title=_("Przekaż sprawę innemu zespołowi lub pracownikowi"),
        submit=_("Przekaż sprawę"),
        done=_("Sprawę przekazano."),
        capability=Capability.CASE_MANAGE,
        group="case",
        build=lambda s, data: f.HandoverForm(data, teams=s.teams, staff=s.staff),
        applies=_is_open,
        run=_run_handover,
    ),
    Step(
        key="assign",
        slug="przypisanie",
        title=_("Przypisz sprawę"),
        submit=_("Przypisz"),
        done=_("Sprawę przypisano."),
        capability=Capability.CASE_MANAGE,
        group="case",
        build=lambda s, data: f.AssignForm(data, teams=s.teams, staff=s.staff),
        applies=_is_open,
        run=_run_assign,
    ),
    Step(
        key="close",
        slug="zamkniecie",
        title=_("Zamknij sprawę"),
        submit=_("Zamknij sprawę"),
        done=_("Sprawę zamknięto."),
        capability=Capability.CASE_MANAGE,
        group="case",
        build=lambda s, data: f.CloseForm(data),
        applies=_is_open,
        run=lambda user, case, d: case_close(
            user=user, case=case, closed_on=d["closed_on"], reason=d["reason"]
        ),
        confirm=_("Zamknąć sprawę? Przypisania pracowników zostaną zakończone."),
    ),
    Step(
        key="authorisation",
        slug="upowaznienie",
        title=_("Nadaj upoważnienie do wydawania decyzji"),
        submit=_("Nadaj upoważnienie"),
        done=_("Upoważnienie nadano."),
        capability=Capability.AUTHORISATION_GRANT,
        group="manager",
        build=lambda s, data: f.AuthorisationForm(data, staff=s.staff),
        applies=lambda p: True,
        run=lambda user, case, d: authorisation_grant(
            user=user,
            worker=d["worker"],
            reference=d["reference"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
        ),
    ),
)
STEPS_BY_KEY = {step.key: step for step in STEPS}


@dataclass
class Panel:
    """A next step on the page: its form, where it posts, an optional note above the form."""

    step: Step
    form: f.CaseForm
    action: str
    intro: str = ""
    due: list[DueItem] = field(default_factory=list)  # what this step would settle
    open: bool = False  # the step of what is due first: its form starts open

    @property
    def dom_id(self) -> str:
        return f"panel-{self.step.key}"


def _panel(step: Step, case: Case, form: f.CaseForm, intro: str = "") -> Panel:
    action = reverse(step.url_name, kwargs={"case_id": case.public_id})
    return Panel(step=step, form=form, action=action, intro=intro)


def _case_url(case: Case) -> str:
    return reverse("casework-ui:case-detail", kwargs={"case_id": case.public_id})


@staff_required
@require_http_methods(["GET", "POST"])
def case_step(request: HttpRequest, case_id: UUID, step: str) -> HttpResponse:
    """One next step: GET shows its form on a page of its own, POST runs it."""
    the_step = STEPS_BY_KEY[step]
    user = request.user
    _require(user, the_step.capability)
    with domain_errors_as_http():
        case = case_get(public_id=case_id)
        data = StepData(user, case_proceedings_get(case=case))
        form = the_step.build(data, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                the_step.run(user, case, form.cleaned_data)
            except DomainError as error:
                if isinstance(error, NotAllowed) and error.code.startswith("not_allowed_"):
                    raise  # the role may not: a 403, not a form to correct
                apply_domain_error(form, error)
            else:
                return success_redirect(request, _case_url(case), str(the_step.done))
    panel = _panel(the_step, case, form)
    return form_response(
        request,
        "casework/ui/cases/_form.html",
        {"panel": panel, "form": form, "case": case},
        title=f"{the_step.title} – {case.number}",
        back_url=_case_url(case),
    )


# --- the case file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentView:
    label: str
    assignment: Any


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
    step of the earliest due item starts open, so the file opens on what is due."""
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
        panel = _panel(step, file.case, step.build(data, None), intro)
        panel.due = [item for item in due if item.step == step.key]
        panel.open = step.key == first_due
        groups[step.group].append(panel)
    return groups


@dataclass(frozen=True)
class DueView:
    """A due item on the page, with where to act on it (a panel of the file or a contract)."""

    item: DueItem
    href: str


def _due_views(due: list[DueItem], panels: dict[str, list[Panel]]) -> list[DueView]:
    shown = {p.step.key for group in panels.values() for p in group}
    views = []
    for item in due:
        href = ""
        if item.step and item.step in shown:
            href = f"#panel-{item.step}"
        elif item.contract is not None and (socialwork := _socialwork()) is not None:
            href = "#" + socialwork.contract_anchor(item.contract)
        views.append(DueView(item=item, href=href))
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


def _day_views(file: CaseFile) -> list[tuple[Any, list[EntryView]]]:
    return [
        (
            day.day,
            [
                EntryView(
                    entry=e,
                    links=document_links(e),
                    other_case=bool(e.case_number) and e.case_number != file.case.number,
                )
                for e in day.entries
            ],
        )
        for day in file.timeline
    ]


@staff_required
@require_GET
def case_detail_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The case file of a household: what is due first, then the household, the case and the
    next steps. The household's history and the social-work sections are asked for by the page
    (htmx) once it is shown, so the first screen costs a fixed number of queries however long the
    history; without JavaScript, ``?historia=tak`` (the newest entries) or ``?historia=cala``
    (all) puts them in the page itself."""
    user = request.user
    _require(user, Capability.READ)
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
        due = case_due_list(
            proceedings=file.proceedings, today=today, benefit_names=data.labels.benefit_names
        )
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
            "due": _due_views(due, panels),
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
    user = request.user
    _require(user, Capability.READ)
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
