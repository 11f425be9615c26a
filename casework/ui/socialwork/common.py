"""What every social-work page and form shares: access, addresses of the case file's
sections, a form as a next step (``FormAction``) and the submission of one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from casework.models import Case, SocialContract
from casework.selectors.cases import case_get
from casework.selectors.people import household_get
from casework.ui.socialwork_forms import PanelForm, object_key
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.ui.access import domain_errors_as_http, staff_required
from opsplatform.ui.forms import apply_domain_error, form_response, success_redirect

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


def ui_url(name: str, **kwargs: Any) -> str:
    return reverse(f"casework-ui:{name}", kwargs=kwargs)


def case_url(case: Case, anchor: str = "") -> str:
    """The case file, at ``anchor`` if one is given."""
    url = ui_url("case-detail", case_id=case.public_id)
    return f"{url}#{anchor}" if anchor else url


def optional_url(name: str, **kwargs: Any) -> str | None:
    """A page that another part of the interface provides, if it is installed."""
    try:
        return ui_url(name, **kwargs)
    except NoReverseMatch:
        return None


def contract_anchor(contract: SocialContract) -> str:
    return f"kontrakt-{object_key(contract.public_id)}"


def case_of(case_id: UUID) -> Case:
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


def household_member_choices(case: Case) -> list[tuple[str, str]]:
    """The current members of the case's household, as choices (value: the person's id)."""
    household = household_get(public_id=case.household.public_id)
    members: Iterable[Any] = getattr(household, "current_members", [])
    return [
        (str(member.person.public_id), f"{member.person} – {member.get_relation_display()}")
        for member in members
    ]


def form_failed(request: HttpRequest, action: FormAction, *, title: str, back: str) -> HttpResponse:
    return form_response(request, FORM_PARTIAL, {"a": action}, title=title, back_url=back)


def submit_form(
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
    return form_failed(request, action, title=title, back=back)


def posted_data(request: HttpRequest) -> Any:
    """The posted data, or None for a GET (an unbound form shows no errors)."""
    return request.POST if request.method == "POST" else None


def return_choice(request: HttpRequest) -> str:
    value = request.POST.get(RETURN_FIELD) or request.GET.get(RETURN_FIELD) or ""
    return RETURN_TO_CONTRACT if value == RETURN_TO_CONTRACT else ""


def after_contract_step(contract: SocialContract, return_to: str) -> str:
    if return_to == RETURN_TO_CONTRACT:
        return ui_url("contract-detail", contract_id=contract.public_id)
    return case_url(contract.case, contract_anchor(contract))
