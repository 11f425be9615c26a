from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opsplatform.schemas import current_schema
from tenants.accounts import lockout
from tenants.accounts.roles import role_is_allowed_in_schema


def locked_message(locked: lockout.Locked) -> str:
    return gettext("Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za %(minutes)d min.") % {
        "minutes": locked.minutes
    }


class LoginForm(AuthenticationForm):
    """Django's login form with Polish messages that do not reveal whether an account exists, and
    the lock-out of repeated failures (counted per user name and per address, in this schema)."""

    error_messages = {
        "invalid_login": _("Nieprawidłowa nazwa użytkownika lub hasło."),
        "inactive": _("To konto jest nieaktywne."),
    }

    username = forms.CharField(
        label=_("Nazwa użytkownika"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Hasło"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = lockout.client_address(self.request) if self.request else "unknown"
        if username:
            locked = lockout.locked(username, address)
            if locked:
                raise ValidationError(locked_message(locked), code="too_many_attempts")
        try:
            return super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                locked = lockout.record_failure(username, address, stage="password")
                if locked:
                    raise ValidationError(
                        locked_message(locked), code="too_many_attempts"
                    ) from None
            raise


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app."""

    code = forms.CharField(
        label=_("Kod z aplikacji uwierzytelniającej"),
        max_length=12,
        help_text=_("Sześć cyfr, które aplikacja pokazuje teraz (zmieniają się co 30 sekund)."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class LoginCodeForm(forms.Form):
    """The log-in's second step: a code from the app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Kod z aplikacji uwierzytelniającej"),
        max_length=24,
        help_text=_(
            "Sześć cyfr, które aplikacja pokazuje teraz (zmieniają się co 30 sekund). Bez "
            "telefonu wpisz jeden z kodów odzyskiwania."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class CodeWithPasswordForm(CodeForm):
    """Setting up or replacing the app while logged in: the password again, then the first code."""

    password = forms.CharField(
        label=_("Obecne hasło"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Obecne hasło"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResetRequestForm(PasswordResetForm):
    """Django's reset form for accounts that may log in here: active, of a role of this host, and
    demo accounts only in demo mode. The page answers the same whether or not one matched."""

    email = forms.EmailField(
        label=_("Adres e-mail konta"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def get_users(self, email: str) -> Any:
        schema = current_schema()
        for user in super().get_users(email):
            if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
                continue
            if role_is_allowed_in_schema(getattr(user, "role", ""), schema):
                yield user
