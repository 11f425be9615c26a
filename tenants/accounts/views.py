"""Log-in (password, then the authenticator code or its set-up), log-out, the account page
(two-factor status and set-up, password change, log-out everywhere) and password reset by e-mail.

Between the password and the code the session holds only a pending log-in (the user's id, for a
few minutes); ``django.contrib.auth.login`` is called once the second step succeeds.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tenants.accounts import lockout, two_factor
from tenants.accounts.backends import SchemaAwareBackend
from tenants.accounts.forms import (
    CodeForm,
    CodeWithPasswordForm,
    LoginForm,
    PasswordConfirmForm,
    ResetRequestForm,
    locked_message,
)
from tenants.accounts.lockout import client_address
from tenants.accounts.models import TOTPDevice, User
from tenants.accounts.services import credentials_changed, log_out_everywhere

logger = logging.getLogger("tenants.accounts.login")

PENDING_KEY = "ops_pending_login"
ENROL_KEY = "ops_enrol_device"
PENDING_SECONDS = 5 * 60


# --- log-in -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Step one: the password. A user with an authenticator app (or who must have one) goes on to
    the code (or the app's set-up) before being logged in."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        device = two_factor.confirmed_device(user)
        if device is None and not two_factor.required_for(user):
            lockout.record_success(user.username)
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        self.request.session.pop(ENROL_KEY, None)
        return redirect("accounts:login-code" if device else "accounts:login-enrol")


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
        return render(request, self.template_name, {"form": CodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        found = _pending_user(request)
        if found is None:
            return _expired(request)
        user, pending = found
        form = CodeForm(request.POST)
        if form.is_valid() and _check_code(
            request, user, form, lambda code: two_factor.verify(user, code), stage="code"
        ):
            return _finish_login(request, user, pending)
        return render(request, self.template_name, {"form": form}, status=200)


def _enrolment_context(request: HttpRequest, device: TOTPDevice, form: Form) -> dict[str, Any]:
    return {"form": form, **two_factor.provisioning(device, host=request.get_host())}


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class LoginEnrolView(View):
    """Step two for a user who must use two-factor log-in and has no app yet: set one up now."""

    template_name = "accounts/login_enrol.html"

    def _device(self, request: HttpRequest, user: User) -> TOTPDevice:
        device = two_factor.enrolment_device(user, request.session.get(ENROL_KEY))
        request.session[ENROL_KEY] = device.pk
        return device

    def get(self, request: HttpRequest) -> HttpResponse:
        found = _pending_user(request)
        if found is None:
            return _expired(request)
        user, _pending = found
        if two_factor.confirmed_device(user) is not None:
            return redirect("accounts:login-code")
        device = self._device(request, user)
        return render(request, self.template_name, _enrolment_context(request, device, CodeForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        found = _pending_user(request)
        if found is None:
            return _expired(request)
        user, pending = found
        if two_factor.confirmed_device(user) is not None:
            return redirect("accounts:login-code")
        device = self._device(request, user)
        form = CodeForm(request.POST)
        if form.is_valid() and _check_code(
            request, user, form, lambda code: two_factor.confirm(device, code), stage="enrolment"
        ):
            return _finish_login(request, user, pending)
        return render(request, self.template_name, _enrolment_context(request, device, form))


class LogoutView(auth_views.LogoutView):
    pass


# --- the account page ---------------------------------------------------------------------------


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = two_factor.confirmed_device(user)
    return render(
        request,
        "accounts/account.html",
        {
            "device": device,
            "two_factor_required": two_factor.required_for(user),
            "disable_form": PasswordConfirmForm(prefix="disable"),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


@method_decorator([login_required, sensitive_post_parameters(), never_cache], name="dispatch")
class TwoFactorSetupView(View):
    """Set up (or replace) the authenticator app while logged in: the password again and the
    first code. Every other session of the user ends."""

    template_name = "accounts/two_factor_setup.html"

    def _device(self, request: HttpRequest) -> TOTPDevice:
        device = two_factor.enrolment_device(request.user, request.session.get(ENROL_KEY))  # type: ignore[arg-type]
        request.session[ENROL_KEY] = device.pk
        return device

    def get(self, request: HttpRequest) -> HttpResponse:
        device = self._device(request)
        return render(
            request, self.template_name, _enrolment_context(request, device, CodeWithPasswordForm())
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        device = self._device(request)
        form = CodeWithPasswordForm(request.POST)
        if form.is_valid() and self._checked(request, user, device, form):
            request.session.pop(ENROL_KEY, None)
            credentials_changed(user)
            update_session_auth_hash(request, user)
            messages.success(
                request,
                _(
                    "Aplikacja uwierzytelniająca jest ustawiona. Pozostałe sesje tego konta "
                    "zostały zakończone."
                ),
            )
            return redirect("accounts:account")
        return render(request, self.template_name, _enrolment_context(request, device, form))

    @staticmethod
    def _checked(
        request: HttpRequest, user: User, device: TOTPDevice, form: CodeWithPasswordForm
    ) -> bool:
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
        locked = lockout.record_failure(user.username, address, stage="setup")
        form.add_error(field, locked_message(locked) if locked else message)
        return False


@login_required
@require_POST
@sensitive_post_parameters()
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Remove the app, where two-factor log-in is optional (portal roles); the password again."""
    user: User = request.user  # type: ignore[assignment]
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
        request,
        "accounts/account.html",
        {
            "device": two_factor.confirmed_device(user),
            "two_factor_required": False,
            "disable_form": form,
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session and API token of the user, this one included."""
    log_out_everywhere(request.user)  # type: ignore[arg-type]
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
