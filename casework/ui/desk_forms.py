"""Forms of the first-contact desk. They parse input only: the rules (PESEL, required identity
data, reasons in force, who may be routed where) are the services', whose errors the views put
next to these fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models.intake import RESOLVED_AT_DESK, Channel, ReporterKind
from casework.models.people import IdentityDocument, Sex
from casework.reference.models import AssistanceReason
from opsplatform.text_rules import NOTE_MAX_LENGTH
from opsplatform.ui.forms import DateField, DateInput, TextField
from tenants.accounts.models import User
from tenants.org.models import Team

ROUTE = "route"
# The new person's fields, in the order the desk shows them (names as the person service's).
NEW_PERSON_FIELDS = (
    "first_name", "last_name", "pesel", "document_type", "document_number", "date_of_birth", "sex",
    "street", "postal_code", "city", "phone",
)  # fmt: skip
# Fields checked as soon as the clerk leaves them (the rest only when the visit is saved).
VALIDATED_ON_CHANGE = ("first_name", "last_name", "pesel", "date_of_birth", "postal_code")


class PersonSearchForm(forms.Form):
    """The desk's search: a GET form, and with htmx results while typing (debounced)."""

    q = forms.CharField(
        label=_("Szukaj osoby"),
        required=False,
        max_length=100,
        help_text=_("PESEL, imię i nazwisko albo adres – wyniki pojawiają się w trakcie pisania."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, search_url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {
                "data-shortcut": "o",  # "o" (osoba) from anywhere on the desk: back to the search
                "aria-keyshortcuts": "o",
                "autofocus": True,
                "hx-get": search_url,
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#search-results",
                "hx-sync": "closest form:queue last",
            }
        )


def _blank(choices: Iterable[tuple[str, Any]], label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def team_value(team: Team) -> str:
    return f"team:{team.code}"


def worker_value(team: Team, worker: User) -> str:
    return f"worker:{team.code}:{worker.public_id}"


def route_choices(teams: Sequence[Team]) -> list[tuple[str, Any]]:
    """One select for "to a team or to a worker": per team, the team itself, then its workers.
    ``teams`` carry ``current_positions`` (as ``casework.selectors.cases.team_list`` gives)."""
    choices: list[tuple[str, Any]] = [("", _("— wybierz —"))]
    for team in teams:
        options: list[tuple[str, str]] = [(team_value(team), f"{team.name} ({_('cały zespół')})")]
        seen: set[int] = set()
        for position in team.current_positions:  # type: ignore[attr-defined]  # Prefetch(to_attr=)
            worker = position.person
            if worker is None or worker.pk in seen:
                continue
            seen.add(worker.pk)
            options.append((worker_value(team, worker), worker.get_full_name() or worker.username))
        choices.append((team.name, options))
    return choices


def parse_route(value: str) -> tuple[str, str | None]:
    """``team:<code>`` or ``worker:<code>:<public id>`` -> (team code, worker id or None)."""
    kind, _sep, rest = value.partition(":")
    if kind == "worker":
        code, _sep, worker = rest.partition(":")
        return code, worker or None
    return rest, None


class DeskForm(forms.Form):
    """A visit at the desk: who (chosen from the register, or new), why, and how it ends."""

    person = forms.UUIDField(required=False, widget=forms.HiddenInput)

    first_name = TextField(label=_("Imię"), max_length=100, required=False)
    last_name = TextField(label=_("Nazwisko"), max_length=100, required=False)
    pesel = forms.CharField(
        label=_("PESEL"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Bez numeru PESEL podaj dokument, datę urodzenia i płeć."),
    )
    document_type = forms.ChoiceField(
        label=_("Rodzaj dokumentu"),
        choices=_blank(IdentityDocument.choices),
        required=False,
    )
    document_number = TextField(label=_("Numer dokumentu"), max_length=40, required=False)
    date_of_birth = DateField(label=_("Data urodzenia"), required=False, widget=DateInput())
    sex = forms.ChoiceField(label=_("Płeć"), choices=_blank(Sex.choices), required=False)
    street = TextField(label=_("Ulica i numer"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Kod pocztowy"), max_length=6, required=False)
    city = TextField(label=_("Miejscowość"), max_length=100, required=False)
    phone = TextField(label=_("Telefon"), max_length=30, required=False)

    reasons = forms.MultipleChoiceField(
        label=_("Powody zgłoszenia (art. 7 ustawy o pomocy społecznej)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = TextField(
        label=_("Notatka"), required=False, multiline=True, max_length=NOTE_MAX_LENGTH
    )
    outcome = forms.ChoiceField(
        label=_("Wynik zgłoszenia"),
        widget=forms.RadioSelect,
        choices=[
            *[(outcome.value, outcome.label) for outcome in RESOLVED_AT_DESK],
            (ROUTE, _("przekazanie do zespołu lub pracownika")),
        ],
        error_messages={"required": _("Wybierz, jak kończy się zgłoszenie.")},
    )
    route_to = forms.ChoiceField(
        label=_("Przekaż do"),
        required=False,
        help_text=_("Zespół (sprawa trafi do jego kolejki) albo konkretny pracownik."),
    )
    outcome_note = TextField(
        label=_("Dokąd skierowano / uwagi dla zespołu"), max_length=300, required=False
    )
    channel = forms.ChoiceField(
        label=_("Forma kontaktu"), choices=Channel.choices, initial=Channel.VISIT
    )
    reporter_kind = forms.ChoiceField(
        label=_("Zgłaszający"), choices=ReporterKind.choices, initial=ReporterKind.SELF
    )
    reporter_name = TextField(
        label=_("Kto zgłasza (osoba lub instytucja)"), max_length=200, required=False
    )

    def __init__(
        self,
        *args: Any,
        reasons: Iterable[AssistanceReason],
        teams: Sequence[Team],
        validate_url: Callable[[str], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        reason_field = cast(forms.MultipleChoiceField, self.fields["reasons"])
        reason_field.choices = [(reason.code, reason.name) for reason in reasons]
        cast(forms.ChoiceField, self.fields["route_to"]).choices = route_choices(teams)
        for name in VALIDATED_ON_CHANGE:
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": validate_url(name),
                    "hx-trigger": "change",
                    "hx-target": "closest .field",
                    "hx-swap": "outerHTML",
                }
            )

    def clean_pesel(self) -> str:
        return "".join(str(self.cleaned_data.get("pesel") or "").split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person") and self.has_new_person():
            self.add_error(
                "person",
                _(
                    "Wybrano osobę z kartoteki i wpisano dane nowej osoby – zmień wybór "
                    "albo wyczyść pola nowej osoby."
                ),
            )
        if (
            data.get("outcome") == ROUTE
            and not data.get("route_to")
            and "route_to" not in self.errors
        ):
            self.add_error(
                "route_to", _("Wybierz zespół albo pracownika, do którego przekazujesz sprawę.")
            )
        return data

    def has_new_person(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(data.get(name) not in (None, "") for name in NEW_PERSON_FIELDS)

    def new_person_values(self) -> dict[str, Any]:
        """The new person's data, as ``person_create`` takes it."""
        return {name: self.cleaned_data.get(name) for name in NEW_PERSON_FIELDS}

    @property
    def routes(self) -> bool:
        return self.cleaned_data.get("outcome") == ROUTE

    def resolution(self) -> str:
        return str(self.cleaned_data["outcome"])
