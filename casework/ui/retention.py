"""Retention pages (``/retencja/``): the centre's rules, the cases due for erasure (a dry run of the
job), legal holds, and the register of what was erased. The manager edits rules and sets or lifts
holds; the auditor reads everything; other roles are refused (403).

The pages name cases by their register number only, never a person, so they record no reads in
the audit trail; the services they call record every change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.models import Case
from casework.privacy.models import LegalHold, RecordType, RetentionRule
from casework.privacy.selectors import (
    case_by_number,
    case_get,
    case_public_ids,
    hold_list,
    records_of_runs,
    rule_get,
    rule_list,
    run_list,
)
from casework.privacy.services import (
    CaseDue,
    apply_retention,
    cases_due,
    legal_hold_lift,
    legal_hold_set,
    retention_rule_update,
)
from casework.ui.documents import case_detail_url
from casework.ui.manager import OBJECT_LABELS
from opsplatform.errors import DomainError
from opsplatform.text_rules import NOTE_MAX_LENGTH
from opsplatform.ui.access import domain_errors_as_http, roles_required, signed_in_user
from opsplatform.ui.forms import (
    DateField,
    DateInput,
    TextField,
    apply_domain_error,
    form_response,
    success_redirect,
)
from tenants.accounts.roles import Role

READERS = {Role.MANAGER, Role.AUDITOR}
READERS_ONLY = _("Retencję danych przeglądają tylko kierownik i audytor.")
MANAGER_ONLY = _("Zmieniać reguły retencji i wstrzymania może tylko kierownik ośrodka.")
UPCOMING_DAYS = 365
UPCOMING_SHOWN = 50
RUNS_PAGE_SIZE = 10
HOLDS_PAGE_SIZE = 25


def _require_manager(request: HttpRequest) -> None:
    if signed_in_user(request).role != Role.MANAGER:
        raise PermissionDenied(str(MANAGER_ONLY))


def _is_manager(request: HttpRequest) -> bool:
    return bool(signed_in_user(request).role == Role.MANAGER)


def _case_urls(case_ids: list[int]) -> dict[int, str | None]:
    return {case_id: case_detail_url(public_id) for case_id, public_id in case_public_ids(case_ids)}


@dataclass(frozen=True)
class DueRow:
    number: str
    url: str | None
    closed_on: dt.date
    due_on: dt.date | None
    kinds: str
    held: bool


def _due_rows(cases: list[CaseDue]) -> list[DueRow]:
    urls = _case_urls([case.case_id for case in cases])
    labels = dict(RecordType.choices)
    return [
        DueRow(
            number=case.number,
            url=urls.get(case.case_id),
            closed_on=case.closed_on,
            due_on=case.due_on,
            kinds="; ".join(str(labels[kind]) for kind in case.record_types),
            held=case.held,
        )
        for case in cases
    ]


@dataclass(frozen=True)
class HoldRow:
    hold: LegalHold
    url: str | None
    active: bool


# --- forms ------------------------------------------------------------------------------------


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at run time
    note = TextField(label=_("Uwagi"), required=False, multiline=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        model = RetentionRule
        fields = ["jrwa_symbol", "archival_category", "years", "active", "note"]
        field_classes = {"jrwa_symbol": TextField, "archival_category": TextField}
        labels = {
            "jrwa_symbol": _("Symbol klasyfikacyjny JRWA"),
            "archival_category": _("Kategoria archiwalna"),
            "years": _("Okres przechowywania (lata)"),
            "active": _("Stosuj regułę (usuwaj po upływie okresu)"),
            "note": _("Uwagi"),
        }
        help_texts = {
            "archival_category": _(
                "A, Bc, B z liczbą lat (np. B10) albo BE z liczbą lat (np. BE5)."
            ),
            "years": _(
                "Liczony w pełnych latach od 1 stycznia roku następującego po zamknięciu sprawy."
            ),
        }

    def _post_clean(self) -> None:
        # The model's rules are applied by the service (one place for them), not here.
        pass


class PreviewForm(forms.Form):
    na_dzien = DateField(label=_("Stan na dzień"), widget=DateInput())


class HoldForm(forms.Form):
    case_number = TextField(label=_("Znak sprawy"), max_length=30)
    reason = TextField(
        label=_("Powód wstrzymania"),
        max_length=500,
        multiline=True,
        rows=2,
        help_text=_("Np. sygnatura postępowania sądowego, kontrola, żądanie organu."),
    )
    until = DateField(
        label=_("Do dnia (opcjonalnie)"),
        required=False,
        widget=DateInput(),
        help_text=_("Bez daty wstrzymanie trwa, dopóki ktoś go nie zniesie."),
    )

    def clean_case_number(self) -> Case:
        number = self.cleaned_data["case_number"]
        case = case_by_number(number)
        if case is None:
            raise forms.ValidationError(_("Nie ma sprawy o takim znaku."))
        return case


class LiftForm(forms.Form):
    lift_reason = TextField(label=_("Powód zniesienia"), max_length=500, multiline=True, rows=2)


# --- rules ------------------------------------------------------------------------------------


@require_GET
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_rules(request: HttpRequest) -> HttpResponse:
    last_run = run_list().first()
    return render(
        request,
        "casework/retention/rules.html",
        {"rules": rule_list(), "last_run": last_run, "can_edit": _is_manager(request)},
    )


@require_http_methods(["GET", "POST"])
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_rule_edit(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    _require_manager(request)
    with domain_errors_as_http():
        rule = rule_get(public_id=rule_id)
    back = reverse("casework-ui:retention")
    title = str(_("Reguła retencji: %(type)s") % {"type": rule.get_record_type_display()})
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                retention_rule_update(user=signed_in_user(request), rule=rule, **form.cleaned_data)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                return success_redirect(request, back, str(_("Zapisano regułę retencji.")))
        return form_response(
            request,
            "casework/retention/_rule_form.html",
            {"form": form, "rule": rule},
            title=title,
            back_url=back,
        )
    form = RuleForm(instance=rule)
    return render(
        request,
        "casework/retention/rule_form.html",
        {"form": form, "rule": rule, "page_title": title, "back_url": back},
    )


# --- what is due ------------------------------------------------------------------------------


@require_GET
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_preview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PreviewForm(request.GET if "na_dzien" in request.GET else {"na_dzien": today})
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        as_of = form.cleaned_data["na_dzien"]
        result = apply_retention(as_of, dry_run=True)
        due_now = {case.case_id for case in result.erased_cases + result.held_cases}
        upcoming = [
            case
            for case in cases_due(as_of=as_of, within_days=UPCOMING_DAYS)
            if case.case_id not in due_now
        ]
        context |= {
            "as_of": as_of,
            "result": result,
            "due_rows": _due_rows(result.erased_cases),
            "held_rows": _due_rows(result.held_cases),
            "upcoming_rows": _due_rows(upcoming[:UPCOMING_SHOWN]),
            "upcoming_count": len(upcoming),
            "upcoming_days": UPCOMING_DAYS,
        }
    return render(request, "casework/retention/preview.html", context)


# --- legal holds ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_holds(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _require_manager(request)
        form = HoldForm(request.POST)
        if form.is_valid():
            case = form.cleaned_data["case_number"]
            try:
                legal_hold_set(
                    user=signed_in_user(request),
                    case=case,
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"],
                )
            except DomainError as error:
                apply_domain_error(form, error, {"case": "case_number"})
            else:
                return success_redirect(
                    request,
                    reverse("casework-ui:retention-holds"),
                    str(_("Wstrzymano usuwanie sprawy %(number)s.") % {"number": case.number}),
                )
    else:
        form = HoldForm(initial={"case_number": request.GET.get("sprawa", "")[:30]})
    page = Paginator(hold_list(), HOLDS_PAGE_SIZE).get_page(request.GET.get("strona"))
    holds = list(page.object_list)
    urls = _case_urls([hold.case_id for hold in holds])
    today = timezone.localdate()
    rows = [HoldRow(hold, urls.get(hold.case_id), hold.is_active(today)) for hold in holds]
    return render(
        request,
        "casework/retention/holds.html",
        {"form": form, "page": page, "rows": rows, "can_edit": _is_manager(request)},
    )


@require_http_methods(["GET", "POST"])
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_hold_lift(request: HttpRequest, case_id: UUID) -> HttpResponse:
    _require_manager(request)
    with domain_errors_as_http():
        case = case_get(public_id=case_id)
    hold = hold_list(active_only=True).filter(case=case).first()
    back = reverse("casework-ui:retention-holds")
    title = str(_("Zniesienie wstrzymania: sprawa %(number)s") % {"number": case.number})
    if hold is None:
        return render(
            request,
            "casework/retention/hold_lift.html",
            {"case": case, "hold": None, "page_title": title, "back_url": back},
            status=404,
        )
    form = LiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            legal_hold_lift(
                user=signed_in_user(request), case=case, reason=form.cleaned_data["lift_reason"]
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return success_redirect(
                request,
                back,
                str(_("Zniesiono wstrzymanie sprawy %(number)s.") % {"number": case.number}),
            )
    return render(
        request,
        "casework/retention/hold_lift.html",
        {"case": case, "hold": hold, "form": form, "page_title": title, "back_url": back},
    )


# --- the register -----------------------------------------------------------------------------


@require_GET
@roles_required(READERS, cast(str, READERS_ONLY))
def retention_register(request: HttpRequest) -> HttpResponse:
    page = Paginator(run_list(), RUNS_PAGE_SIZE).get_page(request.GET.get("strona"))
    runs = list(page.object_list)
    records = records_of_runs([run.id for run in runs])
    return render(
        request,
        "casework/retention/register.html",
        {
            "page": page,
            "runs": [
                (run, [(record, OBJECT_LABELS.get(record.model, "")) for record in records[run.id]])
                for run in runs
            ],
        },
    )
