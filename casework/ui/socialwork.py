"""Social work and care services on a household's case file: social contracts with their reviews,
individual programmes, participation in social projects and PAL, care service plans with the
hours delivered, and the activity log (the time-share of social work is the headline measure of
the reorganisation, so logging time is one short row on every case file).

The case file page (``casework-ui:case-detail``) shows these through :func:`case_panel_context`
and the template ``casework/ui/socialwork/_case_panel.html``; every form on it posts to a view of
this module, which calls the same service as the REST API (``casework.api.socialwork`` and
``casework.api.care``), answers a refused form with the form and its inline errors, and on success
redirects back to the case file at the section concerned. The standalone contract page shows one
contract with the forms for its next steps.

Every view acts as the logged-in user in the audit trail (AuditActorMiddleware), turns
a service's ``NotAllowed`` into 403 and ``NotFound`` into 404, and checks the role's capability
before reading the form, so a role without it gets 403 whatever it posts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from uuid import UUID

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.audit import audit_reads
from casework.models import (
    Case,
    CommunityProject,
    ContractReview,
    IndividualProgramme,
    ProjectParticipation,
    ServicePlan,
    SocialContract,
)
from casework.models.socialwork import ContractStatus, ProgrammeStatus
from casework.permissions import Capability, has_capability, require_capability
from casework.selectors.care import (
    PlanBalance,
    service_plan_balances,
    service_plan_get,
    service_plan_list,
)
from casework.selectors.cases import case_get, staff_list, worker_by_id
from casework.selectors.people import household_get, person_by_id
from casework.selectors.socialwork import (
    TimeSplit,
    activity_list,
    activity_summary,
    contract_get,
    contract_list,
    contract_review_get,
    current_participations,
    participation_get,
    programme_get,
    programme_list,
    project_get,
    project_list,
)
from casework.services.care import service_delivery_record, service_plan_create
from casework.services.socialwork import (
    CONTRACT_IN_FORCE,
    activity_log,
    contract_break,
    contract_complete,
    contract_create,
    contract_review_plan,
    contract_review_record,
    contract_sign,
    programme_complete,
    programme_create,
    programme_discontinue,
    project_participant_add,
    project_participant_remove,
)
from casework.ui.socialwork_forms import (
    ActivityForm,
    Choices,
    ContractBreakForm,
    ContractCompleteForm,
    ContractCreateForm,
    ContractSignForm,
    DeliveryForm,
    PanelForm,
    ParticipantAddForm,
    ParticipantRemoveForm,
    ProgrammeCreateForm,
    ProgrammeEndForm,
    ReviewPlanForm,
    ReviewRecordForm,
    ServicePlanCreateForm,
    object_key,
)
from opsplatform.errors import Conflict, NotFound, ValidationFailed
from opsplatform.ui.access import domain_errors_as_http, is_htmx, staff_required
from opsplatform.ui.forms import apply_domain_error, form_response, success_redirect
from tenants.accounts.roles import Role

FORM_PARTIAL = "casework/ui/socialwork/_form.html"
RETURN_FIELD = "wroc"
RETURN_TO_CONTRACT = "kontrakt"

# Anchors of the case file's sections (ids of the <section>s in _case_panel.html).
ANCHOR_CONTRACTS = "kontrakty"
ANCHOR_PROGRAMMES = "programy"
ANCHOR_PROJECTS = "projekty"
ANCHOR_SERVICES = "uslugi"
ANCHOR_TIME = "czas-pracy"

View = Callable[..., HttpResponse]


# --- access, audit and addresses ---------------------------------------------------------------


def casework_page(view: View) -> View:
    """A page or form of the case file: staff only, with the services' NotAllowed and NotFound
    answered as 403 and 404 (AuditActorMiddleware makes the user the actor in the audit trail)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with domain_errors_as_http():
            return view(request, *args, **kwargs)

    return staff_required(wrapped)


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"casework-ui:{name}", kwargs=kwargs)


def case_url(case: Case, anchor: str = "") -> str:
    """The case file (the social-work page of the case until the case file page exists)."""
    try:
        url = _url("case-detail", case_id=case.public_id)
    except NoReverseMatch:
        url = _url("case-socialwork", case_id=case.public_id)
    return f"{url}#{anchor}" if anchor else url


def _optional_url(name: str, **kwargs: Any) -> str | None:
    """A page that another part of the interface provides, if it is installed."""
    try:
        return _url(name, **kwargs)
    except NoReverseMatch:
        return None


def contract_anchor(contract: SocialContract) -> str:
    return f"kontrakt-{object_key(contract.public_id)}"


def _case_of(case_id: UUID) -> Case:
    return case_get(public_id=case_id)


# --- forms as actions --------------------------------------------------------------------------


@dataclass
class FormAction:
    """One next step: a form, where it posts, and how the page offers it (a folded panel)."""

    title: str
    form: PanelForm
    url: str
    submit: str
    danger: bool = False
    confirm: str = ""
    return_to: str = ""
    open: bool = False

    @property
    def is_open(self) -> bool:
        return self.open or bool(self.form.errors)


def _members(case: Case) -> list[tuple[str, str]]:
    """The current members of the case's household, as choices (value: the person's id)."""
    household = household_get(public_id=case.household.public_id)
    members: Iterable[Any] = getattr(household, "current_members", [])
    return [
        (str(member.person.public_id), f"{member.person} – {member.get_relation_display()}")
        for member in members
    ]


def _contract_workers(user: Any) -> Choices | None:
    """For a manager, the staff who may be a contract's social-worker party (else None: the
    user is the party)."""
    if user.role != Role.MANAGER:
        return None
    workers = [
        (str(worker.public_id), worker.get_full_name() or worker.get_username())
        for worker in staff_list()
        if has_capability(worker, Capability.CONTRACT_MANAGE)
    ]
    return workers


def _contract_create_action(
    request: HttpRequest, case: Case, data: Any = None, members: Choices | None = None
) -> FormAction:
    workers = _contract_workers(request.user)
    if members is None:
        members = _members(case)
    form = ContractCreateForm(data, members=members, workers=workers)
    if workers is not None and "worker" in form.fields:
        form.fields["worker"].initial = str(request.user.public_id)  # type: ignore[union-attr]
    return FormAction(
        title=str(_("Nowy kontrakt socjalny")),
        form=form,
        url=_url("contract-create", case_id=case.public_id),
        submit=str(_("Zapisz projekt kontraktu")),
    )


def _sign_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Podpisanie kontraktu")),
        form=ContractSignForm(data, key=object_key(contract.public_id)),
        url=_url("contract-sign", contract_id=contract.public_id),
        submit=str(_("Zapisz podpisanie")),
        return_to=return_to,
    )


def _review_plan_action(
    contract: SocialContract, data: Any = None, return_to: str = ""
) -> FormAction:
    return FormAction(
        title=str(_("Zaplanuj ocenę realizacji")),
        form=ReviewPlanForm(data, key=object_key(contract.public_id)),
        url=_url("contract-review-plan", contract_id=contract.public_id),
        submit=str(_("Zaplanuj ocenę")),
        return_to=return_to,
    )


def _review_record_action(
    contract: SocialContract, review: ContractReview, data: Any = None, return_to: str = ""
) -> FormAction:
    return FormAction(
        title=str(_("Zapisz ocenę zaplanowaną na %(day)s") % {"day": f"{review.due_on:%d.%m.%Y}"}),
        form=ReviewRecordForm(data, key=object_key(review.public_id)),
        url=_url(
            "contract-review-record", contract_id=contract.public_id, review_id=review.public_id
        ),
        submit=str(_("Zapisz ocenę")),
        return_to=return_to,
    )


def _complete_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Zakończenie kontraktu")),
        form=ContractCompleteForm(data, key=object_key(contract.public_id)),
        url=_url("contract-complete", contract_id=contract.public_id),
        submit=str(_("Zakończ kontrakt")),
        return_to=return_to,
    )


def _break_action(contract: SocialContract, data: Any = None, return_to: str = "") -> FormAction:
    return FormAction(
        title=str(_("Zerwanie lub niedotrzymanie kontraktu")),
        form=ContractBreakForm(data, key=object_key(contract.public_id)),
        url=_url("contract-break", contract_id=contract.public_id),
        submit=str(_("Zapisz zerwanie kontraktu")),
        danger=True,
        confirm=str(_("Zapisać, że kontrakt został zerwany lub niedotrzymany?")),
        return_to=return_to,
    )


def contract_actions(user: Any, contract: SocialContract, return_to: str = "") -> list[FormAction]:
    """The next steps of a contract that the user may take, in the order they come."""
    if not has_capability(user, Capability.CONTRACT_MANAGE):
        return []
    if contract.status in (ContractStatus.COMPLETED, ContractStatus.BROKEN):
        return []
    actions: list[FormAction] = []
    if contract.status == ContractStatus.DRAFT:
        actions.append(_sign_action(contract, return_to=return_to))
    if contract.status in CONTRACT_IN_FORCE:
        actions += [
            _review_record_action(contract, review, return_to=return_to)
            for review in contract.reviews.all()
            if review.done_on is None
        ]
    actions.append(_review_plan_action(contract, return_to=return_to))
    if contract.status in CONTRACT_IN_FORCE:
        actions += [
            _complete_action(contract, return_to=return_to),
            _break_action(contract, return_to=return_to),
        ]
    return actions


def _programme_create_action(
    case: Case, data: Any = None, members: Choices | None = None
) -> FormAction:
    return FormAction(
        title=str(_("Nowy program indywidualny")),
        form=ProgrammeCreateForm(data, members=_members(case) if members is None else members),
        url=_url("programme-create", case_id=case.public_id),
        submit=str(_("Rozpocznij program")),
    )


def _programme_end_action(
    programme: IndividualProgramme, *, discontinue: bool, data: Any = None
) -> FormAction:
    kwargs = {"case_id": programme.case.public_id, "programme_id": programme.public_id}
    form = ProgrammeEndForm(data, key=object_key(programme.public_id), discontinue=discontinue)
    if discontinue:
        return FormAction(
            title=str(_("Przerwanie programu")),
            form=form,
            url=_url("programme-discontinue", **kwargs),
            submit=str(_("Przerwij program")),
            danger=True,
            confirm=str(_("Zapisać przerwanie programu?")),
        )
    return FormAction(
        title=str(_("Zakończenie programu")),
        form=form,
        url=_url("programme-complete", **kwargs),
        submit=str(_("Zakończ program")),
    )


def _participant_add_action(
    case: Case,
    projects: Sequence[CommunityProject],
    data: Any = None,
    members: Choices | None = None,
) -> FormAction:
    choices = [
        (str(project.public_id), f"{project.name} ({project.get_kind_display()})")
        for project in projects
    ]
    return FormAction(
        title=str(_("Dodaj uczestnika projektu")),
        form=ParticipantAddForm(
            data, projects=choices, members=_members(case) if members is None else members
        ),
        url=_url("participant-add", case_id=case.public_id),
        submit=str(_("Dodaj do projektu")),
    )


def _participant_remove_action(
    case: Case, participation: ProjectParticipation, data: Any = None
) -> FormAction:
    return FormAction(
        title=str(_("Zakończ udział")),
        form=ParticipantRemoveForm(data, key=object_key(participation.public_id)),
        url=_url(
            "participant-remove",
            case_id=case.public_id,
            project_id=participation.project.public_id,
            participation_id=participation.public_id,
        ),
        submit=str(_("Zakończ udział w projekcie")),
    )


def _service_plan_action(
    case: Case, data: Any = None, members: Choices | None = None
) -> FormAction:
    return FormAction(
        title=str(_("Nowy plan usług opiekuńczych")),
        form=ServicePlanCreateForm(data, members=_members(case) if members is None else members),
        url=_url("service-plan-create", case_id=case.public_id),
        submit=str(_("Zapisz plan usług")),
    )


def _delivery_action(plan: ServicePlan, data: Any = None) -> FormAction:
    return FormAction(
        title=str(_("Zapisz realizację usług")),
        form=DeliveryForm(data, key=object_key(plan.public_id)),
        url=_url("service-delivery-record", plan_id=plan.public_id),
        submit=str(_("Zapisz godziny")),
    )


def _activity_action(case: Case | None, data: Any = None) -> FormAction:
    url = _url("case-activity-log", case_id=case.public_id) if case else _url("activity-log")
    return FormAction(
        title=str(_("Zarejestruj czas pracy")),
        form=ActivityForm(data),
        url=url,
        submit=str(_("Zapisz czas")),
        open=True,
    )


def _form_failed(
    request: HttpRequest, action: FormAction, *, title: str, back: str
) -> HttpResponse:
    return form_response(request, FORM_PARTIAL, {"a": action}, title=title, back_url=back)


def _submit(
    request: HttpRequest,
    action: FormAction,
    save: Callable[[dict[str, Any]], tuple[str, str]],
    *,
    title: str,
    back: str,
    field_map: dict[str, str] | None = None,
) -> HttpResponse:
    """Run ``save`` with the form's cleaned data if the form is valid; it returns where to go and
    the message to show. A refusal by the service becomes inline errors on the same form."""
    form = action.form
    if request.method == "POST" and form.is_valid():
        try:
            url, message = save(form.cleaned_data)
        except (ValidationFailed, Conflict) as err:
            apply_domain_error(form, err, field_map)
        else:
            return success_redirect(request, url, message)
    return _form_failed(request, action, title=title, back=back)


def _data(request: HttpRequest) -> Any:
    """The posted data, or None for a GET (an unbound form shows no errors)."""
    return request.POST if request.method == "POST" else None


def _return_to(request: HttpRequest) -> str:
    value = request.POST.get(RETURN_FIELD) or request.GET.get(RETURN_FIELD) or ""
    return RETURN_TO_CONTRACT if value == RETURN_TO_CONTRACT else ""


def _after_contract_step(contract: SocialContract, return_to: str) -> str:
    if return_to == RETURN_TO_CONTRACT:
        return _url("contract-detail", contract_id=contract.public_id)
    return case_url(contract.case, contract_anchor(contract))


# --- the case file's panel ---------------------------------------------------------------------


@dataclass
class ContractItem:
    contract: SocialContract
    url: str
    anchor: str
    actions: list[FormAction]


@dataclass
class ProgrammeItem:
    programme: IndividualProgramme
    actions: list[FormAction]


@dataclass
class ParticipationItem:
    project: CommunityProject
    participation: ProjectParticipation
    actions: list[FormAction]


@dataclass
class PlanItem:
    plan: ServicePlan
    balance: PlanBalance
    actions: list[FormAction]

    @property
    def delivered_percent(self) -> float | None:
        share = self.balance.delivered_share
        return None if share is None else float(share * 100)


@dataclass
class SocialWorkPanel:
    """What the case file's social-work and care sections show for one case and one user."""

    case: Case
    case_open: bool
    contracts: list[ContractItem]
    programmes: list[ProgrammeItem]
    participations: list[ParticipationItem]
    plans: list[PlanItem]
    new_contract: FormAction | None = None
    new_programme: FormAction | None = None
    new_participation: FormAction | None = None
    new_plan: FormAction | None = None
    log_time: FormAction | None = None
    today: dt.date = field(default_factory=timezone.localdate)
    today_time: TimeSplit | None = None


def _household_participations(
    member_ids: set[str], projects: Sequence[CommunityProject]
) -> list[tuple[CommunityProject, ProjectParticipation]]:
    """Current participations of the household's members in the projects running today."""
    by_pk = {project.pk: project for project in projects}
    return [
        (by_pk[participation.project_id], participation)
        for participation in current_participations(projects=projects, person_ids=member_ids)
    ]


def _user_time_today(user: Any) -> TimeSplit:
    today = timezone.localdate()
    minutes: dict[str, int] = {}
    for entry in activity_list(worker=user.public_id, date_from=today, date_to=today):
        minutes[entry.category] = minutes.get(entry.category, 0) + entry.minutes
    return TimeSplit.of(minutes)


def build_panel(request: HttpRequest, case: Case) -> SocialWorkPanel:
    user = request.user
    can_contract = has_capability(user, Capability.CONTRACT_MANAGE)
    can_project = has_capability(user, Capability.PROJECT_MANAGE)
    can_plan = has_capability(user, Capability.SERVICE_PLAN_MANAGE)
    can_log = has_capability(user, Capability.ACTIVITY_LOG)
    is_open = case.status == "open"

    contracts = list(contract_list(case=case.public_id))
    programmes = list(programme_list(case=case.public_id))
    plans = list(service_plan_list(case=case.public_id))
    # From each plan's start to its end or today, whichever comes first (as the API does).
    balances = service_plan_balances(plans=plans, date_to=timezone.localdate())
    projects = list(project_list(active_on=timezone.localdate()))
    member_choices = _members(case)
    participations = _household_participations(
        {value for value, _label in member_choices}, projects
    )
    read: list[Model] = [*contracts, *programmes, *plans]
    read += [participation for _project, participation in participations]
    audit_reads(read)

    panel = SocialWorkPanel(
        case=case,
        case_open=is_open,
        contracts=[
            ContractItem(
                contract=contract,
                url=_url("contract-detail", contract_id=contract.public_id),
                anchor=contract_anchor(contract),
                actions=contract_actions(user, contract),
            )
            for contract in contracts
        ],
        programmes=[
            ProgrammeItem(
                programme=programme,
                actions=(
                    [
                        _programme_end_action(programme, discontinue=False),
                        _programme_end_action(programme, discontinue=True),
                    ]
                    if can_contract and programme.status == ProgrammeStatus.ACTIVE
                    else []
                ),
            )
            for programme in programmes
        ],
        participations=[
            ParticipationItem(
                project=project,
                participation=participation,
                actions=[_participant_remove_action(case, participation)] if can_project else [],
            )
            for project, participation in participations
        ],
        plans=[
            PlanItem(
                plan=plan,
                balance=balances[plan.pk],
                actions=[_delivery_action(plan)] if can_plan else [],
            )
            for plan in plans
        ],
    )
    if is_open and can_contract:
        panel.new_contract = _contract_create_action(request, case, members=member_choices)
        panel.new_programme = _programme_create_action(case, members=member_choices)
    if can_project and projects:
        panel.new_participation = _participant_add_action(case, projects, members=member_choices)
    if is_open and can_plan:
        panel.new_plan = _service_plan_action(case, members=member_choices)
    if can_log:
        panel.log_time = _activity_action(case)
        panel.today_time = _user_time_today(user)
    return panel


def case_panel_context(request: HttpRequest, case: Case) -> dict[str, object]:
    """Context for ``casework/ui/socialwork/_case_panel.html`` on the case file: the case's
    contracts with their reviews, programmes, project participations and service plans with
    hours planned against delivered, and the forms for the next steps the user's role may take
    (unbound). Records the reads in the audit trail as the user. One key, ``socialwork``."""
    return {"socialwork": build_panel(request, case)}


@casework_page
@require_http_methods(["GET"])
def case_socialwork(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The social-work and care sections of one case on a page of their own; asked for by the
    case file with htmx, the sections alone."""
    case = _case_of(case_id)
    context = case_panel_context(request, case)
    if is_htmx(request):
        return render(request, "casework/ui/socialwork/_case_panel.html", context)
    try:
        case_file = _url("case-detail", case_id=case.public_id)
    except NoReverseMatch:
        case_file = None
    return render(
        request,
        "casework/ui/socialwork/case_page.html",
        {**context, "case": case, "case_file_url": case_file},
    )


# --- social contracts ------------------------------------------------------------------------


@casework_page
@require_http_methods(["GET"])
def contract_detail(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.READ)
    contract = contract_get(public_id=contract_id)
    audit_reads([contract])
    return render(
        request,
        "casework/ui/socialwork/contract_detail.html",
        {
            "contract": contract,
            "reviews": list(contract.reviews.all()),
            "actions": contract_actions(request.user, contract, RETURN_TO_CONTRACT),
            "case_url": case_url(contract.case, contract_anchor(contract)),
            "print_url": _optional_url("contract-print", contract_id=contract.public_id),
            "pdf_url": _optional_url("contract-pdf", contract_id=contract.public_id),
        },
    )


@casework_page
@require_http_methods(["GET", "POST"])
def contract_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.CONTRACT_MANAGE)
    case = _case_of(case_id)
    action = _contract_create_action(request, case, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        person = person_by_id(data["person"], field="person")
        worker = worker_by_id(data["worker"]) if data.get("worker") else None
        contract = contract_create(
            user=request.user,
            case=case,
            person=person,
            variant=data["variant"],
            goals=data["goals"],
            client_obligations=data["client_obligations"],
            centre_obligations=data["centre_obligations"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            worker=worker,
        )
        return (
            _url("contract-detail", contract_id=contract.public_id),
            str(_("Zapisano projekt kontraktu socjalnego. Podpisz go, gdy strony go podpiszą.")),
        )

    return _submit(
        request,
        action,
        save,
        title=str(_("Nowy kontrakt socjalny – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_CONTRACTS),
    )


def _managed_contract(request: HttpRequest, contract_id: UUID) -> SocialContract:
    require_capability(request.user, Capability.CONTRACT_MANAGE)
    return contract_get(public_id=contract_id)


def _contract_step(
    request: HttpRequest,
    contract: SocialContract,
    make: Callable[[SocialContract, Any, str], FormAction],
    run: Callable[[SocialContract, dict[str, Any]], str],
) -> HttpResponse:
    return_to = _return_to(request)
    action = make(contract, _data(request), return_to)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        message = run(contract, data)
        return _after_contract_step(contract, return_to), message

    return _submit(
        request,
        action,
        save,
        title=f"{action.title} – {contract.person}",
        back=_after_contract_step(contract, return_to),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def contract_sign_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        signed = contract_sign(user=request.user, contract=contract, signed_on=data["signed_on"])
        if signed.status == ContractStatus.ACTIVE:
            return str(_("Kontrakt podpisany – jest realizowany."))
        return str(
            _("Kontrakt podpisany – będzie realizowany od %(day)s.")
            % {"day": f"{signed.starts_on:%d.%m.%Y}"}
        )

    return _contract_step(request, _managed_contract(request, contract_id), _sign_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_review_plan_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        review = contract_review_plan(user=request.user, contract=contract, due_on=data["due_on"])
        return str(
            _("Zaplanowano ocenę realizacji kontraktu na %(day)s.")
            % {"day": f"{review.due_on:%d.%m.%Y}"}
        )

    contract = _managed_contract(request, contract_id)
    return _contract_step(request, contract, _review_plan_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_review_record_view(
    request: HttpRequest, contract_id: UUID, review_id: UUID
) -> HttpResponse:
    contract = _managed_contract(request, contract_id)
    review = contract_review_get(contract=contract, public_id=review_id)

    def make(contract: SocialContract, data: Any, return_to: str) -> FormAction:
        return _review_record_action(contract, review, data, return_to)

    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_review_record(
            user=request.user, review=review, done_on=data["done_on"], note=data["note"]
        )
        return str(_("Zapisano ocenę realizacji kontraktu."))

    return _contract_step(request, contract, make, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_complete_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_complete(
            user=request.user,
            contract=contract,
            closed_on=data["closed_on"],
            goals_achieved=data["goals_achieved"],
            outcome_note=data["outcome_note"],
        )
        return str(_("Kontrakt zakończony."))

    return _contract_step(request, _managed_contract(request, contract_id), _complete_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_break_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_break(
            user=request.user,
            contract=contract,
            closed_on=data["closed_on"],
            outcome_note=data["outcome_note"],
        )
        return str(_("Zapisano zerwanie kontraktu."))

    return _contract_step(request, _managed_contract(request, contract_id), _break_action, run)


# --- individual programmes ---------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def programme_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.CONTRACT_MANAGE)
    case = _case_of(case_id)
    action = _programme_create_action(case, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        programme_create(
            user=request.user,
            case=case,
            person=person_by_id(data["person"], field="person"),
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            goals=data["goals"],
        )
        return case_url(case, ANCHOR_PROGRAMMES), str(_("Rozpoczęto program indywidualny."))

    return _submit(
        request,
        action,
        save,
        title=str(_("Nowy program indywidualny – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_PROGRAMMES),
    )


def _programme_of(case: Case, programme_id: UUID) -> IndividualProgramme:
    programme = programme_get(public_id=programme_id)
    if programme.case_id != case.pk:
        raise NotFound("Nie znaleziono programu w tej sprawie.")
    return programme


def _programme_end(
    request: HttpRequest, case_id: UUID, programme_id: UUID, *, discontinue: bool
) -> HttpResponse:
    require_capability(request.user, Capability.CONTRACT_MANAGE)
    case = _case_of(case_id)
    programme = _programme_of(case, programme_id)
    action = _programme_end_action(programme, discontinue=discontinue, data=_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        end = programme_discontinue if discontinue else programme_complete
        end(user=request.user, programme=programme, ends_on=data["ends_on"])
        message = _("Program przerwany.") if discontinue else _("Program zakończony.")
        return case_url(case, ANCHOR_PROGRAMMES), str(message)

    return _submit(
        request,
        action,
        save,
        title=f"{action.title} – {programme.person}",
        back=case_url(case, ANCHOR_PROGRAMMES),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def programme_complete_view(
    request: HttpRequest, case_id: UUID, programme_id: UUID
) -> HttpResponse:
    return _programme_end(request, case_id, programme_id, discontinue=False)


@casework_page
@require_http_methods(["GET", "POST"])
def programme_discontinue_view(
    request: HttpRequest, case_id: UUID, programme_id: UUID
) -> HttpResponse:
    return _programme_end(request, case_id, programme_id, discontinue=True)


# --- social projects and PAL -------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def participant_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.PROJECT_MANAGE)
    case = _case_of(case_id)
    projects = list(project_list(active_on=timezone.localdate()))
    action = _participant_add_action(case, projects, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        project = project_get(public_id=data["project"])
        project_participant_add(
            user=request.user,
            project=project,
            person=person_by_id(data["person"], field="person"),
            joined_on=data["joined_on"],
        )
        return case_url(case, ANCHOR_PROJECTS), str(
            _("Dodano uczestnika projektu „%(name)s”.") % {"name": project.name}
        )

    return _submit(
        request,
        action,
        save,
        title=str(_("Dodaj uczestnika projektu – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_PROJECTS),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def participant_remove_view(
    request: HttpRequest, case_id: UUID, project_id: UUID, participation_id: UUID
) -> HttpResponse:
    require_capability(request.user, Capability.PROJECT_MANAGE)
    case = _case_of(case_id)
    project = project_get(public_id=project_id)
    participation = participation_get(project=project, public_id=participation_id)
    action = _participant_remove_action(case, participation, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        project_participant_remove(
            user=request.user, participation=participation, left_on=data["left_on"]
        )
        return case_url(case, ANCHOR_PROJECTS), str(_("Zakończono udział w projekcie."))

    return _submit(
        request,
        action,
        save,
        title=f"{action.title} – {participation.person}, {project.name}",
        back=case_url(case, ANCHOR_PROJECTS),
    )


# --- care services -----------------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def service_plan_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.SERVICE_PLAN_MANAGE)
    case = _case_of(case_id)
    action = _service_plan_action(case, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        service_plan_create(
            user=request.user,
            case=case,
            recipient=person_by_id(data["recipient"], field="recipient"),
            service_type=data["service_type"],
            provider_kind=data["provider_kind"],
            provider_name=data["provider_name"],
            hours_per_week=data["hours_per_week"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            hourly_cost=data["hourly_cost"],
            fee_rule=data["fee_rule"],
            fee_percent=data["fee_percent"],
        )
        return case_url(case, ANCHOR_SERVICES), str(_("Zapisano plan usług opiekuńczych."))

    return _submit(
        request,
        action,
        save,
        title=str(_("Nowy plan usług – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_SERVICES),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def service_delivery_view(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    require_capability(request.user, Capability.SERVICE_PLAN_MANAGE)
    plan = service_plan_get(public_id=plan_id)
    action = _delivery_action(plan, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        delivery = service_delivery_record(
            user=request.user, plan=plan, day=data["day"], hours=data["hours"], carer=data["carer"]
        )
        return case_url(plan.case, ANCHOR_SERVICES), str(
            _("Zapisano %(hours)s godz. usług z dnia %(day)s.")
            % {"hours": f"{delivery.hours:n}".replace(".", ","), "day": f"{delivery.day:%d.%m.%Y}"}
        )

    return _submit(
        request,
        action,
        save,
        title=f"{action.title} – {plan.recipient}",
        back=case_url(plan.case, ANCHOR_SERVICES),
    )


# --- activity log ------------------------------------------------------------------------------


def _log_time(request: HttpRequest, case: Case | None, after: str) -> HttpResponse:
    require_capability(request.user, Capability.ACTIVITY_LOG)
    action = _activity_action(case, _data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        entry = activity_log(
            user=request.user,
            day=data["day"],
            minutes=data["minutes"],
            category=data["category"],
            household=case.household if case else None,
        )
        return after, str(
            _("Zapisano %(minutes)s min: %(category)s.")
            % {"minutes": entry.minutes, "category": entry.get_category_display()}
        )

    title = str(_("Rejestr czasu pracy"))
    if case:
        title = str(_("Czas pracy w sprawie %(number)s") % {"number": case.number})
    return _submit(request, action, save, title=title, back=after)


@casework_page
@require_POST
def case_activity_log_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case_of(case_id)
    return _log_time(request, case, case_url(case, ANCHOR_TIME))


@casework_page
@require_http_methods(["GET", "POST"])
def activity_page(request: HttpRequest) -> HttpResponse:
    """The worker's own activity log: a quick form, this week's entries and this month's share
    of social work."""
    require_capability(request.user, Capability.ACTIVITY_LOG)
    if request.method == "POST":
        return _log_time(request, None, _url("activity-log"))
    user: Any = request.user
    today = timezone.localdate()
    week_start = today - dt.timedelta(days=6)
    entries = list(activity_list(worker=user.public_id, date_from=week_start))
    audit_reads([entry for entry in entries if entry.household_id])
    month = activity_summary(date_from=today.replace(day=1), date_to=today, worker=user.public_id)
    return render(
        request,
        "casework/ui/socialwork/activity_page.html",
        {
            "a": _activity_action(None),
            "entries": entries,
            "week_start": week_start,
            "today_time": _user_time_today(user),
            "month": month.total,
            "month_start": today.replace(day=1),
        },
    )
