from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form with Polish messages that do not reveal whether an account exists."""

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
