"""Break-glass access from the pages: a member of staff who opens a household's record outside
their scope gets a 403 page that explains why and offers to open it "w trybie nadzwyczajnym"
with a stated reason; after granting, they go back to where they were going.

The refusal itself is raised by ``casework.visibility`` (checked for every record a URL names,
see ``casework.ui.middleware``) and rendered here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from casework.models import Household
from casework.visibility import (
    BREAK_GLASS_HOURS,
    BREAK_GLASS_ROLES,
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    HouseholdOutOfScope,
    break_glass_grant,
    household_for_break_glass,
    out_of_scope_household,
)
from opsplatform.errors import ValidationFailed
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required
from opsplatform.ui.forms import TextField, apply_domain_error


class BreakGlassForm(forms.Form):
    reason = TextField(
        label=_("Powód dostępu"),
        help_text=_(
            "Napisz, dlaczego potrzebujesz danych tego gospodarstwa (co najmniej 10 znaków), "
            "bez danych osobowych i informacji o zdrowiu (np. „zastępstwo za nieobecnego "
            "pracownika, pilny wniosek”). Powód zostanie trwale zapisany w dzienniku dostępu "
            "i zobaczy go kierownik."
        ),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        multiline=True,
        error_messages={
            "required": _("Podaj powód dostępu."),
            "min_length": _("Powód musi mieć co najmniej %(limit_value)d znaków."),
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def refusal_page(
    request: HttpRequest,
    error: HouseholdOutOfScope,
    *,
    form: BreakGlassForm | None = None,
    status: int = 403,
) -> HttpResponse:
    """The 403 page of a household outside the user's scope, with the break-glass form where the
    user's role may use it."""
    household = out_of_scope_household(error)
    role = str(getattr(signed_in_user(request), "role", ""))
    can_break_glass = household is not None and role in BREAK_GLASS_ROLES
    if form is None and can_break_glass:
        form = BreakGlassForm(initial={"next": request.get_full_path()})
    context: dict[str, Any] = {
        "message": error.message,
        "household": household,
        "form": form if can_break_glass else None,
        "hours": BREAK_GLASS_HOURS,
    }
    return render(request, "casework/ui/access/out_of_scope.html", context, status=status)


@staff_required
@require_POST
def break_glass_view(request: HttpRequest, household_id: UUID) -> HttpResponse:
    """Grant break-glass access to the household and go on to the page that was refused."""
    with domain_errors_as_http():
        household: Household = household_for_break_glass(household_id)
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            with domain_errors_as_http():
                break_glass_grant(
                    user=signed_in_user(request),
                    household=household,
                    reason=form.cleaned_data["reason"],
                )
        except ValidationFailed as error:  # pragma: no cover - the form checks the same first
            apply_domain_error(form, error)
        else:
            return redirect(_safe_next(request, form.cleaned_data.get("next") or ""))
    refusal = HouseholdOutOfScope(household)
    return refusal_page(request, refusal, form=form, status=400)


break_glass_view.household_scope_exempt = True  # type: ignore[attr-defined]  # read by the middleware
