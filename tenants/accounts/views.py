"""Log-in (password, then the authenticator code or its set-up), log-out, the account page
(two-factor status and set-up, password change, log-out everywhere) and password reset by e-mail.

Between the password and the code the session holds only a pending log-in (the user's id, for a
few minutes); ``django.contrib.auth.login`` is called once the second step succeeds.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from opsplatform.schemas import current_schema
from opsplatform.ui.access import signed_in_user
from tenants.accounts import lockout, tokens, two_factor
from tenants.accounts.backends import SchemaAwareBackend
from tenants.accounts.forms import (
    CodeWithPasswordForm,
    LoginCodeForm,
    LoginForm,
    PasswordConfirmForm,
    ResetRequestForm,
    locked_message,
)
from tenants.accounts.lockout import client_address
from tenants.accounts.models import EnrolmentLink, TOTPDevice, User
from tenants.accounts.roles import STAFF_ROLES, Role
from tenants.accounts.services import credentials_changed, log_out_everywhere

logger = logging.getLogger("tenants.accounts.login")

PENDING_KEY = "ops_pending_login"
ENROL_KEY = "ops_enrol_device"
RECOVERY_KEY = "ops_new_recovery_codes"
PENDING_SECONDS = 5 * 60


# --- log-in -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Step one: the password. A user with an authenticator app (or who must have one) goes on to
    the code (or the app's set-up) before being logged in."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]  # authentication_form is LoginForm
        user = form.get_user()
        device = two_factor.confirmed_device(user)
        if device is None and not two_factor.required_for(user):
            lockout.record_success(user.username)
            return super().form_valid(form)
        if device is None:
            # The password alone never sets up an app: only a link from an administrator does.
            form.add_error(
                None,
                _(
                    "To konto wymaga logowania dwuetapowego, a aplikacja uwierzytelniająca nie "
                    "jest jeszcze ustawiona. Poproś kierownika ośrodka o link do jej ustawienia."
                ),
            )
            return self.form_invalid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        self.request.session.pop(ENROL_KEY, None)
        return redirect("accounts:login-code")


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    # Still allowed here (role of this host; demo accounts only in demo mode)?
    if user is None or not SchemaAwareBackend().user_can_authenticate(user):
        request.session.pop(PENDING_KEY, None)
        return None
    return user, pending


def _finish_login(request: HttpRequest, user: User, pending: dict[str, Any]) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(ENROL_KEY, None)
    auth_login(request, user, backend=pending["backend"])
    lockout.record_success(user.username)
    return HttpResponseRedirect(pending.get("next") or reverse(settings.LOGIN_REDIRECT_URL))


def _expired(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Logowanie wygasło albo nie zostało rozpoczęte. Zaloguj się ponownie.")
    )
    return redirect("accounts:login")


def _check_code(request: HttpRequest, user: User, form: Form, check: Any, *, stage: str) -> bool:
    """Run ``check(code)`` unless the user name or address is locked; count a failure."""
    address = lockout.client_address(request)
    locked = lockout.locked(user.username, address)
    if locked:
        form.add_error(None, locked_message(locked))
        return False
    if check(form.cleaned_data["code"]):
        return True
    locked = lockout.record_failure(user.username, address, stage=stage)
    form.add_error(
        "code", locked_message(locked) if locked else _("Nieprawidłowy lub już użyty kod.")
    )
    return False


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class LoginCodeView(View):
    """Step two: the code from the user's authenticator app."""

    template_name = "accounts/login_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if _pending_user(request) is None:
            return _expired(request)
        return render(request, self.template_name, {"form": LoginCodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        found = _pending_user(request)
        if found is None:
            return _expired(request)
        user, pending = found
        form = LoginCodeForm(request.POST)
        if form.is_valid() and _check_code(
            request,
            user,
            form,
            lambda code: two_factor.verify_second_factor(user, code),
            stage="code",
        ):
            return _finish_login(request, user, pending)
        return render(request, self.template_name, {"form": form}, status=200)


def _enrolment_context(request: HttpRequest, device: TOTPDevice, form: Form) -> dict[str, Any]:
    return {"form": form, **two_factor.provisioning(device, host=request.get_host())}


def _keep_recovery_codes(request: HttpRequest, codes: list[str]) -> None:
    """The new codes for the next page only (which shows them once and forgets them)."""
    request.session[RECOVERY_KEY] = codes


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class EnrolLinkView(View):
    """Set up the authenticator app through a one-time link an administrator issued: the
    password and the app's first code. The link is used up, every earlier session and token of
    the user ends, the user is logged in and sees their recovery codes once."""

    template_name = "accounts/enrol_link.html"

    def _link(self, token: str) -> EnrolmentLink | None:
        link = two_factor.enrolment_link_get(token)
        if link is None or not SchemaAwareBackend().user_can_authenticate(link.user):
            return None
        return link

    def _device(self, request: HttpRequest, user: User) -> TOTPDevice:
        device = two_factor.enrolment_device(user, request.session.get(ENROL_KEY))
        request.session[ENROL_KEY] = device.pk
        return device

    def _invalid(self, request: HttpRequest) -> HttpResponse:
        return render(request, "accounts/enrol_link_invalid.html", status=404)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self._link(token)
        if link is None:
            return self._invalid(request)
        device = self._device(request, link.user)
        context = _enrolment_context(request, device, CodeWithPasswordForm())
        return render(request, self.template_name, {**context, "account": link.user})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        link = self._link(token)
        if link is None:
            return self._invalid(request)
        user = link.user
        device = self._device(request, user)
        form = CodeWithPasswordForm(request.POST)
        with transaction.atomic():
            done = form.is_valid() and _password_and_code(request, user, device, form, stage="link")
            if done and not two_factor.enrolment_link_use(link):
                transaction.set_rollback(True)  # used in another tab meanwhile: keep nothing
                return self._invalid(request)
        if done:
            request.session.pop(ENROL_KEY, None)
            credentials_changed(user)
            codes = two_factor.recovery_codes_generate(user)
            auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            lockout.record_success(user.username)
            _keep_recovery_codes(request, codes)
            return redirect("accounts:recovery-codes")
        context = _enrolment_context(request, device, form)
        return render(request, self.template_name, {**context, "account": user})


def _password_and_code(
    request: HttpRequest,
    user: User,
    device: TOTPDevice,
    form: CodeWithPasswordForm,
    *,
    stage: str,
) -> bool:
    """The user's password and the first code of the app being set up (confirming it), under
    the lock-out of repeated failures."""
    address = lockout.client_address(request)
    locked = lockout.locked(user.username, address)
    if locked:
        form.add_error(None, locked_message(locked))
        return False
    if not user.check_password(form.cleaned_data["password"]):
        field, message = "password", _("Nieprawidłowe hasło.")
    elif not two_factor.confirm(device, form.cleaned_data["code"]):
        field, message = "code", _("Nieprawidłowy lub już użyty kod.")
    else:
        return True
    locked = lockout.record_failure(user.username, address, stage=stage)
    form.add_error(field, locked_message(locked) if locked else message)
    return False


class LogoutView(auth_views.LogoutView):
    pass


# --- the account page ---------------------------------------------------------------------------


def _account_context(request: HttpRequest, user: User, **forms: Form) -> dict[str, Any]:
    return {
        "device": two_factor.confirmed_device(user),
        "two_factor_required": two_factor.required_for(user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
        "tokens": [
            {"token": token, "expires_at": tokens.expires_at(token)}
            for token in tokens.api_token_list(user=user)
        ],
        "disable_form": forms.get("disable_form") or PasswordConfirmForm(prefix="disable"),
        "recovery_form": forms.get("recovery_form") or PasswordConfirmForm(prefix="recovery"),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "is_manager": getattr(user, "role", "") == Role.MANAGER,
    }


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(request, "accounts/account.html", _account_context(request, user))


@method_decorator([login_required, sensitive_post_parameters(), never_cache], name="dispatch")
class TwoFactorSetupView(View):
    """Set up (or replace) the authenticator app while logged in: the password again and the
    first code. Every other session of the user ends."""

    template_name = "accounts/two_factor_setup.html"

    def _device(self, request: HttpRequest) -> TOTPDevice:
        device = two_factor.enrolment_device(
            signed_in_user(request), request.session.get(ENROL_KEY)
        )
        request.session[ENROL_KEY] = device.pk
        return device

    def get(self, request: HttpRequest) -> HttpResponse:
        device = self._device(request)
        return render(
            request, self.template_name, _enrolment_context(request, device, CodeWithPasswordForm())
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        device = self._device(request)
        form = CodeWithPasswordForm(request.POST)
        if form.is_valid() and _password_and_code(request, user, device, form, stage="setup"):
            request.session.pop(ENROL_KEY, None)
            credentials_changed(user)
            update_session_auth_hash(request, user)
            _keep_recovery_codes(request, two_factor.recovery_codes_generate(user))
            messages.success(
                request,
                _(
                    "Aplikacja uwierzytelniająca jest ustawiona. Pozostałe sesje tego konta "
                    "zostały zakończone."
                ),
            )
            return redirect("accounts:recovery-codes")
        return render(request, self.template_name, _enrolment_context(request, device, form))


@login_required
@require_POST
@sensitive_post_parameters()
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Remove the app, where two-factor log-in is optional (portal roles); the password again."""
    user = signed_in_user(request)
    if two_factor.required_for(user):
        messages.error(request, _("Logowanie dwuetapowe jest obowiązkowe dla tego konta."))
        return redirect("accounts:account")
    form = PasswordConfirmForm(request.POST, prefix="disable")
    address = lockout.client_address(request)
    locked = lockout.locked(user.username, address)
    if locked:
        form.add_error(None, locked_message(locked))
    elif form.is_valid() and user.check_password(form.cleaned_data["password"]):
        two_factor.remove(user)
        credentials_changed(user)
        update_session_auth_hash(request, user)
        messages.success(request, _("Logowanie dwuetapowe zostało wyłączone."))
        return redirect("accounts:account")
    elif form.is_valid():  # a wrong password (an empty one is the form's own error)
        locked = lockout.record_failure(user.username, address, stage="disable")
        form.add_error("password", locked_message(locked) if locked else _("Nieprawidłowe hasło."))
    return render(
        request, "accounts/account.html", _account_context(request, user, disable_form=form)
    )


@login_required
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just generated, shown this once (they are kept only hashed)."""
    codes = request.session.pop(RECOVERY_KEY, None)
    if not codes:
        return redirect("accounts:account")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
@sensitive_post_parameters()
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes (the old ones end), for a user with an app; the password
    again."""
    user = signed_in_user(request)
    form = PasswordConfirmForm(request.POST, prefix="recovery")
    address = lockout.client_address(request)
    locked = lockout.locked(user.username, address)
    if two_factor.confirmed_device(user) is None:
        messages.error(request, _("Kody odzyskiwania są dostępne po ustawieniu aplikacji."))
        return redirect("accounts:account")
    if locked:
        form.add_error(None, locked_message(locked))
    elif form.is_valid() and user.check_password(form.cleaned_data["password"]):
        _keep_recovery_codes(request, two_factor.recovery_codes_generate(user))
        return redirect("accounts:recovery-codes")
    elif form.is_valid():
        locked = lockout.record_failure(user.username, address, stage="recovery")
        form.add_error("password", locked_message(locked) if locked else _("Nieprawidłowe hasło."))
    return render(
        request, "accounts/account.html", _account_context(request, user, recovery_form=form)
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    """Revoke one of the user's own API tokens from the account page."""
    user = signed_in_user(request)
    if tokens.api_token_revoke(user=user, public_id=token_id):
        messages.success(request, _("Token API został unieważniony."))
    else:
        messages.error(request, _("Nie ma takiego tokenu API."))
    return redirect("accounts:account")


# --- enrolment links for staff (the centre's manager) -------------------------------------------


def _manager_only(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if getattr(user, "role", "") != Role.MANAGER or current_schema() == "public":
        raise PermissionDenied
    return user


@login_required
@never_cache
def staff_two_factor(request: HttpRequest) -> HttpResponse:
    """The centre's staff accounts and whether each has set up the app; the manager issues a
    one-time link to set it up."""
    _manager_only(request)
    return render(
        request, "accounts/staff_two_factor.html", {"staff": two_factor.staff_two_factor_list()}
    )


@login_required
@require_POST
@never_cache
def staff_enrolment_link(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Issue a staff member's enrolment link and show it once (only its hash is kept)."""
    manager = _manager_only(request)
    member = get_user_model().objects.filter(public_id=public_id, is_active=True).first()
    if member is None or getattr(member, "role", "") not in STAFF_ROLES:
        raise Http404
    token = two_factor.enrolment_link_issue(user=member, issued_by=manager.username)
    link = request.build_absolute_uri(reverse("accounts:enrol-link", args=[token]))
    return render(
        request,
        "accounts/staff_enrolment_link.html",
        {
            "member": member,
            "link": link,
            "hours": settings.ENROLMENT_LINK_SECONDS // 3600,
        },
    )


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session and API token of the user, this one included."""
    log_out_everywhere(signed_in_user(request))
    logout(request)
    messages.success(request, _("Wylogowano ze wszystkich urządzeń."))
    return redirect("accounts:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password: every other session and every API token of the user ends."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.save()
        credentials_changed(user)
        update_session_auth_hash(self.request, user)
        messages.success(
            self.request,
            _("Hasło zostało zmienione. Pozostałe sesje tego konta zostały zakończone."),
        )
        return HttpResponseRedirect(self.get_success_url())


# --- password reset by e-mail -------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not an account has the address; the link is for this host."""

    form_class = ResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        """Send at most one e-mail per address per RESET_EMAIL_INTERVAL and at most
        RESET_REQUESTS_PER_ADDRESS requests per client address per hour (counted per schema, like
        the log-in lock-out); past either, the page answers exactly as if it had sent one, so the
        limit reveals nothing and nobody's mailbox can be flooded from the form."""
        email = form.cleaned_data["email"].strip().lower()
        address = client_address(self.request)
        first_for_email = cache.add(
            f"accounts:reset-email:{email}", 1, settings.PASSWORD_RESET_EMAIL_INTERVAL_SECONDS
        )
        ip_key = f"accounts:reset-ip:{address}"
        cache.add(ip_key, 0, 3600)
        try:
            ip_count = cache.incr(ip_key)
        except ValueError:  # expired between add and incr
            ip_count = 1
        if first_for_email and ip_count <= settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS:
            return super().form_valid(form)
        logger.warning(
            "password reset e-mail not sent (rate limit)", extra={"client_address": address}
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password from the e-mailed link. It does not log in (the second factor is still
    asked at log-in) and it ends every session and API token of the user."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        credentials_changed(form.user)
        lockout.record_success(form.user.username)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
