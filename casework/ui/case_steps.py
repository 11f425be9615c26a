"""The next steps of a case file: benefit proceedings and managing the case.

Each next step is a :class:`Step`: its form, the capability it needs, when it applies and the
service it calls. One view serves every step's post, so that every step answers alike: 403 for a
role without the capability, 404 for an unknown case, inline errors in Polish with the input kept
(htmx swaps the form in place; without JavaScript a page with the form), and on success a redirect
back to the case file with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from casework.models import Case
from casework.permissions import Capability
from casework.reference.models import BenefitType
from casework.reference.selectors import benefit_types
from casework.selectors.case_file import CaseProceedings, DueItem, case_proceedings_get
from casework.selectors.cases import case_get, staff_list, team_list
from casework.services.cases import case_assign, case_close, case_handover
from casework.services.proceedings import (
    appeal_decide,
    appeal_forward,
    appeal_register,
    application_register,
    authorisation_grant,
    decision_deliver,
    decision_issue,
    delay_notice_send,
    interview_record,
    interview_schedule,
)
from casework.ui import case_forms as f
from casework.ui.refusals import require
from casework.ui.socialwork.common import case_url
from opsplatform.errors import DomainError, NotAllowed
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from opsplatform.ui.forms import apply_domain_error, form_response, success_redirect
from tenants.accounts.models import User
from tenants.org.models import Team


class StepData:
    """What the step forms choose from, read once per request and only when a form needs it."""

    def __init__(self, user: User, proceedings: CaseProceedings) -> None:
        self.user = user
        self.proceedings = proceedings

    @cached_property
    def staff(self) -> list[User]:
        return list(staff_list())

    @cached_property
    def teams(self) -> list[Team]:
        # The forms label a team by its name and functions: its staff are not needed.
        return list(team_list().prefetch_related(None))

    @cached_property
    def benefits(self) -> list[BenefitType]:
        return list(benefit_types())

    @cached_property
    def labels(self) -> f.Labels:
        return f.Labels({b.code: b.name for b in self.benefits})

    @property
    def benefit_choices(self) -> list[tuple[str, str]]:
        return [(b.code, b.name) for b in self.benefits if b.by_decision]


FormBuilder = Callable[[StepData, Any], f.CaseForm]
Runner = Callable[[User, Case, dict[str, Any]], object]


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


def _run_application(user: User, case: Case, d: dict[str, Any]) -> object:
    return application_register(
        user=user,
        case=case,
        applicant=d["applicant"].person,
        received_on=d["received_on"],
        benefits=d["benefits"],
        urgent=d["urgent"],
        is_complex=d["complex"],
    )


def _run_interview(user: User, case: Case, d: dict[str, Any]) -> object:
    return interview_schedule(
        user=user,
        case=case,
        application=d["application"],
        worker=d["worker"],
        kind=d["kind"],
        needed_since=d["needed_since"],
        urgent=True if d["urgent"] else None,
    )


def _run_decision(user: User, case: Case, d: dict[str, Any]) -> object:
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


def _run_handover(user: User, case: Case, d: dict[str, Any]) -> object:
    return case_handover(
        user=user,
        case=case,
        to_team=d["team"],
        to_worker=d["worker"],
        function=d["function"] or None,
        reason=d["reason"],
    )


def _run_assign(user: User, case: Case, d: dict[str, Any]) -> object:
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
    """A next step on the page: its form (None on the case file for a step whose form is fetched
    when its panel is opened), where it posts, an optional note above the form."""

    step: Step
    form: f.CaseForm | None
    action: str
    intro: str = ""
    due: list[DueItem] = field(default_factory=list)  # what this step would settle
    open: bool = False  # the step of what is due first: its form starts open

    @property
    def dom_id(self) -> str:
        return f"panel-{self.step.key}"


def panel_for(step: Step, case: Case, form: f.CaseForm | None, intro: str = "") -> Panel:
    action = reverse(step.url_name, kwargs={"case_id": case.public_id})
    return Panel(step=step, form=form, action=action, intro=intro)


@staff_required
@require_http_methods(["GET", "POST"])
def case_step(request: HttpRequest, case_id: UUID, step: str) -> HttpResponse:
    """One next step: GET shows its form on a page of its own, POST runs it."""
    the_step = STEPS_BY_KEY[step]
    user = signed_in_user(request)
    require(user, the_step.capability)
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
                return success_redirect(request, case_url(case), str(the_step.done))
    panel = panel_for(the_step, case, form)
    return form_response(
        request,
        "casework/ui/cases/_form.html",
        {"panel": panel, "form": form, "case": case},
        title=f"{the_step.title} – {case.number}",
        back_url=case_url(case),
    )
