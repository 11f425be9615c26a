"""The first-contact desk (``/pierwszy-kontakt/``): a visit registered on one screen.

The clerk finds the person (search as you type by PESEL, name or address; each result has a
"choose" button) or adds a new one (each identity field is checked when the clerk leaves it, by
the person service's own rules), ticks the art. 7 reasons, writes a note and either closes the
visit at the desk (information, advice, a referral outside the centre) or routes it to a team or a
worker. Saving calls the same services as the API – ``person_create``, ``household_create`` (a
person routed to a team needs a household: a new one is kept by that person alone),
``intake_register``, then ``intake_resolve`` or ``intake_route`` – in one transaction, so a
refused visit saves nothing and comes back with every input kept and the errors next to their
fields. The saved visit gets a confirmation page with its entry in the day's register, the case
number (when routed) and "next client".

Without JavaScript every step still works: the search is a GET form, "choose" reloads the desk
with the person chosen, the visit form posts normally. Only roles with the INTAKE_REGISTER
capability may use the desk (403 otherwise); every view acts as the logged-in user in the audit
trail, and the people it lists are recorded as read.

First contact and the manager search and take visits about anyone. A team role finds and chooses
only the people ``GET /api/people/<id>/`` shows it (the same filter, ``person_search_for``) and
takes visits only about households the intake service lets it (its own, new ones, or opened by
break-glass); choosing or routing anyone else answers the 403 page that offers break-glass access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import visibility
from casework.audit import audit_reads
from casework.models import Intake, Person
from casework.models.intake import IntakeOutcome
from casework.models.people import Sex
from casework.permissions import Capability, require_capability
from casework.pesel import birth_date as pesel_birth_date
from casework.pesel import sex as pesel_sex
from casework.reference.selectors import reasons_valid_on
from casework.selectors.cases import intake_get, team_by_code, team_list, worker_by_id
from casework.selectors.dashboard import (
    PersonMatch,
    desk_person,
    desk_person_matches,
    intake_day_entry,
    person_has_household,
    person_with_pesel,
    reason_names,
)
from casework.selectors.people import person_by_id
from casework.services.intake import intake_register, intake_resolve, intake_route
from casework.services.people import household_create, person_create, person_errors
from casework.ui.desk_forms import (
    NEW_PERSON_FIELDS,
    VALIDATED_ON_CHANGE,
    DeskForm,
    PersonSearchForm,
    parse_route,
)
from opsplatform.errors import DomainError, NotAllowed
from opsplatform.ui.access import domain_errors_as_http, is_htmx, signed_in_user, staff_required
from opsplatform.ui.forms import apply_domain_error, success_redirect
from tenants.accounts.models import User
from tenants.org.models import CanonicalFunction, Team

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 10
# Service error fields -> the desk form's fields.
FIELD_MAP = {
    "note": "outcome_note",
    "team": "route_to",
    "worker": "route_to",
    "function": "route_to",
    "household": "person",
    "head": "person",
}

View = Callable[..., HttpResponse]


def desk_view(view: View) -> View:
    """Staff with the INTAKE_REGISTER capability only (403 with the reason otherwise); the view
    acts as the user in the audit trail (AuditActorMiddleware); NotAllowed and NotFound from
    services become 403/404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with domain_errors_as_http():
            require_capability(signed_in_user(request), Capability.INTAKE_REGISTER)
            return view(request, *args, **kwargs)

    return staff_required(wrapped)


# --- building the page ---------------------------------------------------------------------------


def routable_teams() -> list[Team]:
    """Teams a visit can be routed to: units with a function other than first contact itself."""
    return [
        team
        for team in team_list()
        if team.functions and team.functions != [CanonicalFunction.FIRST_CONTACT]
    ]


def _validate_url(field: str) -> str:
    return reverse("casework-ui:desk-validate", kwargs={"field": field})


def desk_form(data: Any = None, *, initial: dict[str, Any] | None = None) -> DeskForm:
    return DeskForm(
        data,
        initial=initial,
        reasons=reasons_valid_on(timezone.localdate()),
        teams=routable_teams(),
        validate_url=_validate_url,
    )


def _chosen(user: User, public_id: Any) -> PersonMatch | None:
    """The person chosen by id, if the user may see them (the rule of ``GET /api/people/<id>/``:
    outside it, the refusal page that offers break-glass access)."""
    if not public_id:
        return None
    try:
        UUID(str(public_id))
    except ValueError:
        return None
    match = desk_person(public_id=str(public_id))
    if match is not None:
        visibility.require_person_access(user, match.person)
        audit_reads([match.person])
    return match


def _new_person_open(form: DeskForm) -> bool:
    """Whether the "new person" panel starts open: something was typed in it or is wrong."""
    if not form.is_bound:
        return False
    return any(
        form.data.get(name) or form.errors.get(name) for name in (*NEW_PERSON_FIELDS, "person")
    )


def _slot_context(form: DeskForm, chosen: PersonMatch | None) -> dict[str, Any]:
    # With a person chosen, the "new person" panel has nothing to offer: an error about the
    # person (say, no household) is shown under the chosen person instead.
    new_person_open = chosen is None and _new_person_open(form)
    return {"form": form, "chosen": chosen, "new_person_open": new_person_open}


def _search(user: User, query: str) -> dict[str, Any]:
    query = query.strip()
    context: dict[str, Any] = {"query": query, "too_short": 0 < len(query) < SEARCH_MIN_LENGTH}
    if len(query) >= SEARCH_MIN_LENGTH:
        matches, total = desk_person_matches(user=user, query=query, limit=SEARCH_LIMIT)
        visibility.audit_list_reads(user, [match.person for match in matches])
        context.update(matches=matches, total=total, searched=True)
    return context


def _page(request: HttpRequest, form: DeskForm, chosen: PersonMatch | None) -> HttpResponse:
    query = request.GET.get("q", "")
    search = PersonSearchForm(
        {"q": query} if query else None, search_url=reverse("casework-ui:desk-search")
    )
    return render(
        request,
        "casework/ui/desk/desk.html",
        {
            "search_form": search,
            **_search(signed_in_user(request), query),
            **_slot_context(form, chosen),
        },
    )


# --- views ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@desk_view
def desk(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _register(request)
    chosen = _chosen(signed_in_user(request), request.GET.get("person"))
    form = desk_form(initial={"person": chosen.person.public_id} if chosen else None)
    return _page(request, form, chosen)


@require_GET
@desk_view
def desk_search(request: HttpRequest) -> HttpResponse:
    """Search results (htmx); without htmx the whole desk with the results."""
    if not is_htmx(request):
        return redirect(
            f"{reverse('casework-ui:desk')}?{urlencode({'q': request.GET.get('q', '')})}"
        )
    return render(
        request,
        "casework/ui/desk/_search_results.html",
        {**_search(signed_in_user(request), request.GET.get("q", "")), "oob": True},
    )


@require_GET
@desk_view
def desk_person_slot(request: HttpRequest) -> HttpResponse:
    """The person part of the visit form: the chosen person, or the "new person" panel."""
    public_id = request.GET.get("person", "")
    if not is_htmx(request):
        url = reverse("casework-ui:desk")
        return redirect(f"{url}?{urlencode({'person': public_id})}" if public_id else url)
    chosen = _chosen(signed_in_user(request), public_id)
    if public_id and chosen is None:
        raise Http404(_("Nie znaleziono osoby."))
    form = desk_form(initial={"person": chosen.person.public_id} if chosen else None)
    return render(
        request,
        "casework/ui/desk/_person_slot.html",
        {**_slot_context(form, chosen), "focus_slot": True, "collapse_results": chosen is not None},
    )


@require_POST
@desk_view
def desk_validate(request: HttpRequest, field: str) -> HttpResponse:
    """One field of the new person, checked by the person service's rules as the clerk leaves
    it: the field's partial with its error (or, for a valid PESEL, what it encodes)."""
    if field not in VALIDATED_ON_CHANGE:
        raise Http404(_("Tego pola nie sprawdza się osobno."))
    form = desk_form(request.POST)
    form.is_valid()  # parse: a malformed date is the form's own error
    if not form.errors.get(field):
        values = {name: form.cleaned_data.get(name) for name in NEW_PERSON_FIELDS}
        messages = person_errors(values).get(field, [])
        for message in messages:
            form.add_error(field, message)
        pesel = str(values.get("pesel") or "")
        if field == "pesel" and pesel and not messages:
            if person_with_pesel(pesel) is not None:
                form.add_error(field, _duplicate_pesel_message())
            else:
                form[field].help_text = form.fields[field].help_text = _(
                    "Numer poprawny: data urodzenia %(born)s, płeć: %(sex)s."
                ) % {
                    "born": pesel_birth_date(pesel).strftime("%d.%m.%Y"),
                    "sex": Sex(pesel_sex(pesel)).label,
                }
    return render(request, "casework/ui/desk/_validated_field.html", {"field": form[field]})


@require_GET
@desk_view
def desk_done(request: HttpRequest, intake_id: UUID) -> HttpResponse:
    """The confirmation after a visit was saved."""
    intake = intake_get(public_id=intake_id)
    audit_reads([intake])
    names = reason_names()
    return render(
        request,
        "casework/ui/desk/done.html",
        {
            "intake": intake,
            "entry": intake_day_entry(intake),
            "reasons": [names.get(code, code) for code in intake.reasons],
            "routed": intake.outcome == IntakeOutcome.ROUTED,
            # First contact routes the case on; its file is then the team's, not theirs to open.
            "case_file_open": intake.case is not None
            and visibility.in_scope(signed_in_user(request), intake.case.household),
        },
    )


# --- saving a visit ------------------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside the transaction to roll back a visit the services refused."""


def _duplicate_pesel_message() -> Any:
    return _(
        "Osoba o tym numerze PESEL jest już w kartotece ośrodka – wyszukaj ją po numerze "
        "PESEL i wybierz."
    )


def _apply(form: DeskForm, error: DomainError) -> None:
    if error.code == "duplicate_pesel":
        form.add_error("pesel", _duplicate_pesel_message())
    elif error.code == "intake_without_household":
        form.add_error("person", error.message)
    else:
        apply_domain_error(form, error, FIELD_MAP)


def _person(user: User, form: DeskForm) -> Person | None:
    """The chosen person, or the new one created now; a routed person gets a household."""
    person: Person | None = None
    if form.cleaned_data.get("person"):
        person = person_by_id(form.cleaned_data["person"])
    elif form.has_new_person():
        person = person_create(user=user, **form.new_person_values())
    if person is not None and form.routes and not person_has_household(person):
        household_create(user=user, head=person)
    return person


def _save_visit(user: User, form: DeskForm) -> Intake | None:
    """Register the visit and close or route it, all or nothing. Errors of the person and of the
    intake are collected together (so the clerk sees them at once); the routing or resolution
    is tried only when both passed."""
    errors: list[DomainError] = []
    try:
        with transaction.atomic():
            person = None
            try:
                person = _person(user, form)
            except DomainError as error:
                errors.append(error)
            intake = None
            try:
                intake = intake_register(
                    user=user,
                    channel=form.cleaned_data["channel"],
                    reporter_kind=form.cleaned_data["reporter_kind"],
                    reporter_name=form.cleaned_data["reporter_name"],
                    reasons=list(form.cleaned_data["reasons"]),
                    person=person,
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as error:
                errors.append(error)
            if errors or intake is None:
                raise _Refused
            try:
                if form.routes:
                    team_code, worker_id = parse_route(form.cleaned_data["route_to"])
                    team = team_by_code(team_code, field="route_to")
                    worker = worker_by_id(worker_id, field="route_to") if worker_id else None
                    intake_route(
                        user=user,
                        intake=intake,
                        team=team,
                        worker=worker,
                        note=form.cleaned_data["outcome_note"],
                    )
                else:
                    intake_resolve(
                        user=user,
                        intake=intake,
                        outcome=form.resolution(),
                        note=form.cleaned_data["outcome_note"],
                    )
            except DomainError as error:
                errors.append(error)
                raise _Refused from error
            return intake
    except _Refused:
        for refusal in errors:
            if isinstance(refusal, NotAllowed):
                raise refusal from None
            _apply(form, refusal)
        return None


def _register(request: HttpRequest) -> HttpResponse:
    form = desk_form(request.POST)
    intake = _save_visit(signed_in_user(request), form) if form.is_valid() else None
    if intake is not None:
        return success_redirect(
            request, reverse("casework-ui:desk-done", kwargs={"intake_id": intake.public_id})
        )
    chosen = _chosen(signed_in_user(request), form.data.get("person"))
    if is_htmx(request):
        return render(request, "casework/ui/desk/_form.html", {**_slot_context(form, chosen)})
    return _page(request, form, chosen)
