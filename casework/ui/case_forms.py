"""Forms of the case file: the next steps of benefit proceedings and of managing the case.

The forms only parse what the user typed and turn a picked option into the record it stands for
(an application, an interview, a worker…); every rule (dates, deadlines, who may do what, the
authorisation to issue decisions) is the services', and their errors come back next to the fields
through ``apply_domain_error``. Each form has a prefix, so that many forms on one page keep unique
field ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.models import Appeal, Application, Decision, FamilyInterview, HouseholdMember
from casework.models.proceedings import (
    AppealOutcome,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.permissions import Capability, has_capability
from opsplatform.ui.forms import DateField, DateInput, TextField, fast_widgets
from tenants.accounts.models import User
from tenants.org.models import CanonicalFunction, Team


def _today() -> Any:
    return timezone.localdate()


class ObjectChoiceField(forms.ChoiceField):
    """A choice among records given to the form; cleans to the record itself (or None when
    left blank). Options carry the record's public id (never the database key)."""

    def __init__(self, *, blank: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blank = blank
        self.records: dict[str, Any] = {}

    def set_records(self, records: Iterable[Any], label: Callable[[Any], str]) -> None:
        self.records = {str(getattr(r, "public_id", r.pk)): r for r in records}
        options = [(key, label(record)) for key, record in self.records.items()]
        self.choices = [("", self.blank), *options] if self.blank is not None else options

    def clean(self, value: Any) -> Any:
        key = super().clean(value)
        return self.records.get(key) if key else None


class CaseForm(forms.Form):
    """A form of the case file, laid out in rows (fields side by side on a wide screen)."""

    layout: tuple[tuple[str, ...], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fast_widgets(self)  # a dozen forms on the case file: write their HTML quickly

    def set_records(self, name: str, records: Iterable[Any], label: Callable[[Any], str]) -> None:
        cast(ObjectChoiceField, self.fields[name]).set_records(records, label)

    def rows(self) -> list[list[BoundField]]:
        if not self.layout:
            return [[self[name]] for name in self.fields]
        return [[self[name] for name in row] for row in self.layout]


# --- labels of records in the choices ------------------------------------------------------------


def _d(day: Any) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def person_label(member: HouseholdMember) -> str:
    return f"{member.person} ({member.get_relation_display()})"


def staff_label(user: User) -> str:
    teams = ", ".join(p.team.name for p in getattr(user, "current_positions", []))
    name = user.get_full_name() or user.get_username()
    return f"{name} – {teams}" if teams else str(name)


class Labels:
    """Option labels that need the names of benefits."""

    def __init__(self, benefit_names: dict[str, str]) -> None:
        self.benefit_names = benefit_names

    def benefits(self, codes: Sequence[str]) -> str:
        return ", ".join(self.benefit_names.get(code, code) for code in codes)

    def application(self, application: Application) -> str:
        return str(
            gettext("wniosek z %(day)s: %(benefits)s")
            % {"day": _d(application.received_on), "benefits": self.benefits(application.benefits)}
        )

    def interview(self, interview: FamilyInterview) -> str:
        return str(
            gettext("%(kind)s – potrzeba od %(since)s, termin %(due)s (%(worker)s)")
            % {
                "kind": interview.get_kind_display(),
                "since": _d(interview.needed_since),
                "due": _d(interview.due_on),
                "worker": interview.worker.get_full_name(),
            }
        )

    def decision(self, decision: Decision) -> str:
        return str(
            gettext("nr %(number)s z %(day)s: %(outcome)s – %(benefit)s")
            % {
                "number": decision.number,
                "day": _d(decision.issued_on),
                "outcome": decision.get_outcome_display(),
                "benefit": self.benefit_names.get(decision.benefit, decision.benefit),
            }
        )

    def appeal(self, appeal: Appeal) -> str:
        return str(
            gettext("od decyzji nr %(number)s, wniesione %(day)s")
            % {"number": appeal.decision.number, "day": _d(appeal.lodged_on)}
        )


# --- benefit proceedings ---------------------------------------------------------------------


class ApplicationForm(CaseForm):
    prefix = "application"
    layout = (("applicant", "received_on"), ("benefits",), ("urgent", "complex"))

    applicant = ObjectChoiceField(label=_("Wnioskodawca"))
    received_on = DateField(label=_("Data wpływu"), widget=DateInput(), initial=_today)
    benefits = forms.MultipleChoiceField(
        label=_("Wnioskowane świadczenia"), widget=forms.CheckboxSelectMultiple
    )
    urgent = forms.BooleanField(label=_("Sprawa pilna"), required=False)
    complex = forms.BooleanField(
        label=_("Sprawa szczególnie skomplikowana (termin 2 miesiące)"), required=False
    )

    def __init__(
        self,
        *args: Any,
        members: Iterable[HouseholdMember],
        benefit_choices: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("applicant", members, person_label)
        cast(forms.ChoiceField, self.fields["benefits"]).choices = list(benefit_choices)


class InterviewScheduleForm(CaseForm):
    prefix = "interview"
    layout = (("kind", "needed_since"), ("application",), ("worker",), ("urgent",))

    kind = forms.ChoiceField(
        label=_("Rodzaj"), choices=InterviewKind.choices, initial=InterviewKind.FULL
    )
    needed_since = DateField(
        label=_("Potrzeba stwierdzona dnia"),
        widget=DateInput(),
        initial=_today,
        help_text=_("Termin: 14 dni roboczych od tego dnia, 2 dni robocze w sprawie pilnej."),
    )
    application = ObjectChoiceField(
        label=_("Wniosek"), required=False, blank=_("— bez wniosku (z urzędu) —")
    )
    worker = ObjectChoiceField(label=_("Przeprowadza"))
    urgent = forms.BooleanField(
        label=_("Sprawa pilna (2 dni robocze)"),
        required=False,
        help_text=_("Bez zaznaczenia: tak jak we wniosku."),
    )

    def __init__(
        self,
        *args: Any,
        applications: Iterable[Application],
        staff: Iterable[User],
        labels: Labels,
        user: User,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        workers = [u for u in staff if has_capability(u, Capability.INTERVIEW_CONDUCT)]
        self.set_records("application", applications, labels.application)
        self.set_records("worker", workers, staff_label)
        if any(u.pk == user.pk for u in workers):
            self.fields["worker"].initial = str(user.public_id)


class InterviewRecordForm(CaseForm):
    prefix = "record"
    layout = (("interview",), ("conducted_on",), ("diagnosis",), ("help_plan",))

    interview = ObjectChoiceField(label=_("Wywiad"))
    conducted_on = DateField(label=_("Data przeprowadzenia"), widget=DateInput(), initial=_today)
    diagnosis = TextField(label=_("Diagnoza"), multiline=True, rows=4)
    help_plan = TextField(label=_("Plan pomocy"), multiline=True, rows=4)

    def __init__(
        self, *args: Any, interviews: Iterable[FamilyInterview], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("interview", interviews, labels.interview)


class DecisionForm(CaseForm):
    prefix = "decision"
    layout = (
        ("application",),
        ("benefit", "outcome"),
        ("amount", "payment_schedule"),
        ("period_from", "period_to"),
        ("legal_basis",),
        ("reasoning",),
        ("issued_on",),
    )

    application = ObjectChoiceField(label=_("Wniosek"))
    benefit = forms.ChoiceField(label=_("Świadczenie"))
    outcome = forms.ChoiceField(label=_("Rozstrzygnięcie"), choices=DecisionOutcome.choices)
    amount = forms.DecimalField(
        label=_("Kwota (zł)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    payment_schedule = forms.ChoiceField(
        label=_("Sposób wypłaty"),
        required=False,
        choices=[("", _("— nie dotyczy —")), *PaymentSchedule.choices],
    )
    period_from = DateField(
        label=_("Przyznane od"),
        required=False,
        widget=DateInput(),
        help_text=_("Wymagane, gdy świadczenie przyznajesz (także w części)."),
    )
    period_to = DateField(label=_("Przyznane do"), required=False, widget=DateInput())
    legal_basis = TextField(
        label=_("Podstawa prawna"),
        required=False,
        max_length=300,
        help_text=_("Puste pole: podstawa prawna świadczenia ze słownika."),
    )
    reasoning = TextField(label=_("Uzasadnienie"), multiline=True, rows=5)
    issued_on = DateField(label=_("Data wydania"), widget=DateInput(), initial=_today)

    def __init__(
        self,
        *args: Any,
        applications: Sequence[Application],
        labels: Labels,
        decisions: Iterable[Decision] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Required only when the benefit is granted: marked so (the service checks it).
        self.fields["period_from"].required_when = gettext("przy przyznaniu")  # type: ignore[attr-defined]  # read by the template
        decided = {(d.application_id, d.benefit) for d in decisions}
        # Only what can still be decided: each application's benefits without a decision, and
        # the applications that have one left.
        self.open_benefits = {
            a.pk: [code for code in a.benefits if (a.pk, code) not in decided] for a in applications
        }
        open_applications = [a for a in applications if self.open_benefits[a.pk]]
        self.set_records("application", open_applications, labels.application)
        codes = list(dict.fromkeys(c for a in open_applications for c in self.open_benefits[a.pk]))
        cast(forms.ChoiceField, self.fields["benefit"]).choices = [
            (code, labels.benefit_names.get(code, code)) for code in codes
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        application, benefit = cleaned.get("application"), cleaned.get("benefit")
        if (
            application is not None
            and benefit
            and benefit not in self.open_benefits.get(application.pk, [])
        ):
            if benefit in application.benefits:
                message = gettext("W sprawie tego świadczenia wydano już decyzję.")
            else:
                message = gettext("Tego świadczenia nie ma w wybranym wniosku.")
            self.add_error("benefit", message)
        return cleaned


class DeliverForm(CaseForm):
    prefix = "deliver"
    layout = (("decision",), ("delivered_on",))

    decision = ObjectChoiceField(label=_("Decyzja"))
    delivered_on = DateField(label=_("Data doręczenia"), widget=DateInput(), initial=_today)

    def __init__(
        self, *args: Any, decisions: Iterable[Decision], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("decision", decisions, labels.decision)


class DelayNoticeForm(CaseForm):
    prefix = "delay"
    layout = (("application",), ("sent_on", "new_due_on"), ("reason",))

    application = ObjectChoiceField(label=_("Wniosek"))
    sent_on = DateField(label=_("Data zawiadomienia"), widget=DateInput(), initial=_today)
    new_due_on = DateField(label=_("Nowy termin załatwienia"), widget=DateInput())
    reason = TextField(label=_("Przyczyna zwłoki"), max_length=500, multiline=True)

    def __init__(
        self, *args: Any, applications: Iterable[Application], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("application", applications, labels.application)


class AppealForm(CaseForm):
    prefix = "appeal"
    layout = (("decision",), ("lodged_on",))

    decision = ObjectChoiceField(label=_("Decyzja, od której wniesiono odwołanie"))
    lodged_on = DateField(
        label=_("Data wniesienia"),
        widget=DateInput(),
        initial=_today,
        help_text=_("Odwołanie wnosi się w terminie 14 dni od doręczenia decyzji."),
    )

    def __init__(
        self, *args: Any, decisions: Iterable[Decision], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("decision", decisions, labels.decision)


class AppealForwardForm(CaseForm):
    prefix = "forward"
    layout = (("appeal",), ("forwarded_on",))

    appeal = ObjectChoiceField(label=_("Odwołanie"))
    forwarded_on = DateField(
        label=_("Data przekazania do SKO"),
        widget=DateInput(),
        initial=_today,
        help_text=_("Organ przekazuje odwołanie w ciągu 7 dni od jego wniesienia."),
    )

    def __init__(
        self, *args: Any, appeals: Iterable[Appeal], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("appeal", appeals, labels.appeal)


class AppealDecideForm(CaseForm):
    prefix = "appeal_outcome"
    layout = (("appeal",), ("outcome", "outcome_on"))

    appeal = ObjectChoiceField(label=_("Odwołanie"))
    outcome = forms.ChoiceField(
        label=_("Rozstrzygnięcie"),
        choices=[c for c in AppealOutcome.choices if c[0] != AppealOutcome.PENDING],
    )
    outcome_on = DateField(label=_("Data rozstrzygnięcia"), widget=DateInput(), initial=_today)

    def __init__(
        self, *args: Any, appeals: Iterable[Appeal], labels: Labels, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("appeal", appeals, labels.appeal)


class AuthorisationForm(CaseForm):
    prefix = "authorisation"
    layout = (("worker",), ("reference",), ("valid_from", "valid_to"))

    worker = ObjectChoiceField(label=_("Pracownik"))
    reference = TextField(label=_("Znak upoważnienia"), max_length=60)
    valid_from = DateField(label=_("Ważne od"), widget=DateInput(), initial=_today)
    valid_to = DateField(
        label=_("Ważne do"),
        required=False,
        widget=DateInput(),
        help_text=_("Puste pole: bezterminowo."),
    )

    def __init__(self, *args: Any, staff: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        issuers = [u for u in staff if has_capability(u, Capability.DECISION_ISSUE)]
        self.set_records("worker", issuers, staff_label)


# --- managing the case -------------------------------------------------------------------------


def _team_label(team: Team) -> str:
    return f"{team.name} ({', '.join(team.function_labels())})"


class AssignForm(CaseForm):
    prefix = "assign"
    layout: tuple[tuple[str, ...], ...] = (("team", "function"), ("worker",))

    team = ObjectChoiceField(label=_("Zespół lub stanowisko"))
    function = forms.ChoiceField(
        label=_("Funkcja"),
        required=False,
        choices=[("", _("— pierwsza funkcja zespołu —")), *CanonicalFunction.choices],
    )
    worker = ObjectChoiceField(
        label=_("Pracownik"), required=False, blank=_("— cały zespół, bez pracownika —")
    )

    def __init__(
        self, *args: Any, teams: Iterable[Team], staff: Iterable[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_records("team", [t for t in teams if t.functions], _team_label)
        workers = [u for u in staff if getattr(u, "current_positions", None)]
        self.set_records("worker", workers, staff_label)


class HandoverForm(AssignForm):
    prefix = "handover"
    layout = (("team", "function"), ("worker",), ("reason",))

    reason = TextField(label=_("Powód przekazania"), max_length=300)


class CloseForm(CaseForm):
    prefix = "close"
    layout = (("closed_on",), ("reason",))

    closed_on = DateField(label=_("Data zamknięcia"), widget=DateInput(), initial=_today)
    reason = TextField(label=_("Powód zamknięcia"), max_length=300)
