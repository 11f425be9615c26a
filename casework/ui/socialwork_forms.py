"""Forms for the next steps of social work and care services on a household's case file.

The forms only parse input (types, required fields, choices); every rule about contracts,
programmes, service plans and the activity log is the services', whose errors the views put next
to these fields. Several of these forms stand on one page (the case file lists every contract with
its own forms), so each is built with a prefix that makes its field names and ids unique: the view
that receives a post builds the form with the same prefix (see the ``*_prefix`` helpers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.care import FeeRule, ProviderKind, ServiceType
from casework.models.socialwork import ActivityCategory, ContractVariant, ProgrammeKind
from opsplatform.text_rules import LONG_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH
from opsplatform.ui.forms import DateField, DateInput, TextField

Choices = Sequence[tuple[str, str]]
Label = Any  # a str or a lazy translation

# Quick picks offered for the activity log's minutes (the field still takes any number).
MINUTE_PICKS = (15, 30, 45, 60, 90, 120, 180, 240, 480)


def object_key(public_id: Any) -> str:
    """A short, stable key of a record for form prefixes (the first 8 hex digits of its id)."""
    return str(public_id).replace("-", "")[:8]


class PanelForm(forms.Form):
    """A form laid out in rows: fields named in one tuple of ``layout`` share a row (which
    collapses to one column on a narrow screen); fields left out of ``layout`` follow, one a
    row."""

    layout: tuple[tuple[str, ...], ...] = ()

    def rows(self) -> list[list[BoundField]]:
        placed = {name for row in self.layout for name in row}
        rows = [[self[name] for name in row if name in self.fields] for row in self.layout]
        rows += [[self[name]] for name in self.fields if name not in placed]
        return [row for row in rows if row]


def _text(
    label: Label,
    *,
    required: bool = True,
    rows: int = 3,
    help_text: Label = "",
    max_length: int = LONG_TEXT_MAX_LENGTH,
) -> forms.Field:
    return TextField(
        label=label,
        required=required,
        help_text=help_text,
        multiline=True,
        rows=rows,
        max_length=max_length,
    )


def _date(label: Label, *, required: bool = True, help_text: Label = "") -> DateField:
    return DateField(label=label, required=required, help_text=help_text, widget=DateInput())


def _decimal(label: Label, *, required: bool = True, help_text: Label = "") -> forms.DecimalField:
    # localize: a comma is accepted as the decimal separator ("2,5"), as Polish users type it.
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _with_blank(choices: Choices, label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


# --- social contracts ------------------------------------------------------------------------


class ContractCreateForm(PanelForm):
    person = forms.ChoiceField(label=_("Osoba – strona kontraktu"))
    variant = forms.ChoiceField(label=_("Rodzaj kontraktu"), choices=ContractVariant.choices)
    worker = forms.ChoiceField(label=_("Pracownik socjalny – strona kontraktu"), required=False)
    starts_on = _date(_("Obowiązuje od"))
    ends_on = _date(_("Obowiązuje do"))
    goals = _text(_("Cele kontraktu"), rows=4)
    client_obligations = _text(_("Zobowiązania osoby lub rodziny"), rows=4)
    centre_obligations = _text(_("Zobowiązania pracownika socjalnego / ośrodka"), rows=4)

    layout = (("person", "variant"), ("worker",), ("starts_on", "ends_on"))

    def __init__(
        self, *args: Any, members: Choices, workers: Choices | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "kontrakt")
        super().__init__(*args, **kwargs)
        person: Any = self.fields["person"]
        person.choices = _with_blank(members, str(_("— wybierz osobę —")))
        if workers is None:
            del self.fields["worker"]  # the user is the party (only a manager picks someone else)
        else:
            worker: Any = self.fields["worker"]
            worker.choices = list(workers)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = default_contract_end(today)


class ContractSignForm(PanelForm):
    signed_on = _date(_("Data podpisania"))

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"podpis-{key}"
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()


class ReviewPlanForm(PanelForm):
    due_on = _date(_("Termin oceny"), help_text=_("W okresie obowiązywania kontraktu."))

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"termin-{key}"
        super().__init__(*args, **kwargs)


class ReviewRecordForm(PanelForm):
    done_on = _date(_("Data oceny"))
    note = _text(_("Wnioski z oceny realizacji kontraktu"), max_length=NOTE_MAX_LENGTH)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"ocena-{key}"
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()


class ContractCompleteForm(PanelForm):
    closed_on = _date(_("Data zakończenia"))
    goals_achieved = forms.TypedChoiceField(
        label=_("Czy cele kontraktu zostały osiągnięte?"),
        choices=[("tak", _("Tak – cele osiągnięte")), ("nie", _("Nie – cele nieosiągnięte"))],
        coerce=lambda value: value == "tak",
        widget=forms.RadioSelect,
    )
    outcome_note = _text(_("Ocena realizacji kontraktu"), max_length=NOTE_MAX_LENGTH)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"koniec-{key}"
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class ContractBreakForm(PanelForm):
    closed_on = _date(_("Data zerwania lub stwierdzenia niedotrzymania"))
    outcome_note = _text(_("Powód i ocena realizacji kontraktu"), max_length=NOTE_MAX_LENGTH)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"zerwanie-{key}"
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


# --- individual programmes ---------------------------------------------------------------------


class ProgrammeCreateForm(PanelForm):
    person = forms.ChoiceField(label=_("Osoba objęta programem"))
    kind = forms.ChoiceField(label=_("Rodzaj programu"), choices=ProgrammeKind.choices)
    starts_on = _date(_("Od"))
    ends_on = _date(_("Do (planowo)"), required=False)
    goals = _text(_("Cele programu"), required=False)

    layout = (("person", "kind"), ("starts_on", "ends_on"))

    def __init__(self, *args: Any, members: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "program")
        super().__init__(*args, **kwargs)
        person: Any = self.fields["person"]
        person.choices = _with_blank(members, str(_("— wybierz osobę —")))
        self.fields["starts_on"].initial = timezone.localdate()


class ProgrammeEndForm(PanelForm):
    ends_on = _date(_("Faktyczna data zakończenia"))

    def __init__(self, *args: Any, key: str, discontinue: bool = False, **kwargs: Any) -> None:
        kind = "przerwanie" if discontinue else "zakonczenie"
        kwargs["prefix"] = f"{kind}-{key}"
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = timezone.localdate()


# --- social projects and PAL -------------------------------------------------------------------


class ParticipantAddForm(PanelForm):
    project = forms.ChoiceField(label=_("Projekt lub PAL"))
    person = forms.ChoiceField(label=_("Uczestnik"))
    joined_on = _date(_("Data przystąpienia"))

    layout = (("project",), ("person", "joined_on"))

    def __init__(self, *args: Any, projects: Choices, members: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "projekt")
        super().__init__(*args, **kwargs)
        project: Any = self.fields["project"]
        project.choices = _with_blank(projects, str(_("— wybierz projekt —")))
        person: Any = self.fields["person"]
        person.choices = _with_blank(members, str(_("— wybierz osobę —")))
        self.fields["joined_on"].initial = timezone.localdate()


class ParticipantRemoveForm(PanelForm):
    left_on = _date(_("Data zakończenia udziału"))

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"udzial-{key}"
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()


# --- care services -----------------------------------------------------------------------------


class ServicePlanCreateForm(PanelForm):
    recipient = forms.ChoiceField(label=_("Osoba otrzymująca usługi"))
    service_type = forms.ChoiceField(label=_("Rodzaj usług"), choices=ServiceType.choices)
    provider_kind = forms.ChoiceField(label=_("Realizator"), choices=ProviderKind.choices)
    provider_name = TextField(
        label=_("Nazwa podmiotu realizującego"),
        required=False,
        max_length=200,
        help_text=_("Wymagana, gdy usługi zlecono podmiotowi zewnętrznemu."),
    )
    hours_per_week = _decimal(_("Godzin tygodniowo"))
    hourly_cost = _decimal(_("Koszt godziny (zł)"))
    starts_on = _date(_("Od"))
    ends_on = _date(_("Do"), required=False)
    fee_rule = forms.ChoiceField(label=_("Zasady odpłatności"), choices=FeeRule.choices)
    fee_percent = _decimal(
        _("Odpłatność (%)"),
        required=False,
        help_text=_("Tylko przy odpłatności procentowej (0–100)."),
    )

    layout = (
        ("recipient", "service_type"),
        ("provider_kind", "provider_name"),
        ("hours_per_week", "hourly_cost"),
        ("starts_on", "ends_on"),
        ("fee_rule", "fee_percent"),
    )

    def __init__(self, *args: Any, members: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "uslugi")
        super().__init__(*args, **kwargs)
        recipient: Any = self.fields["recipient"]
        recipient.choices = _with_blank(members, str(_("— wybierz osobę —")))
        self.fields["starts_on"].initial = timezone.localdate()


class DeliveryForm(PanelForm):
    day = _date(_("Dzień"))
    hours = _decimal(_("Godziny zrealizowane"))
    carer = TextField(label=_("Opiekun(ka)"), required=False, max_length=200)

    layout = (("day", "hours", "carer"),)

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs["prefix"] = f"realizacja-{key}"
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()


# --- activity log ------------------------------------------------------------------------------


class ActivityForm(PanelForm):
    minutes = forms.IntegerField(
        label=_("Czas (minuty)"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 960}),
        help_text=_("Np. 30, 60, 90; w jednym dniu łącznie do 960 minut."),
    )
    category = forms.ChoiceField(label=_("Rodzaj czynności"), choices=ActivityCategory.choices)
    day = _date(_("Dzień"))

    layout = (("minutes", "category", "day"),)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "czas")
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = ActivityCategory.SOCIAL_WORK
        self.fields["day"].initial = timezone.localdate()
        # Quick picks for the minutes, offered by the browser as the user types or clicks.
        self.datalist_id = f"{self.prefix}-podpowiedzi"
        self.datalist_values = MINUTE_PICKS
        self.fields["minutes"].widget.attrs["list"] = self.datalist_id


def default_contract_end(starts_on: dt.date) -> dt.date:
    """Three months on, the usual length of a first social contract (a suggestion only)."""
    month = starts_on.month + 3
    year = starts_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (starts_on.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return starts_on
