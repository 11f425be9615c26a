"""Forms of the benchmark pages. They only parse what a person chose; the rules (windows, months,
export parameters, the privacy budget) are those of ``benchmarking.comparisons`` and
``benchmarking.exports``, which the pages call exactly as the API does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarking.cohorts import Cohort
from benchmarking.comparisons import (
    WINDOW_CHOICES,
    add_months,
    check_fixed_period,
    check_window,
    last_complete_month,
    last_complete_year,
)
from benchmarking.definitions import MetricDefinition, current_definitions
from benchmarking.exports.parameters import TABLES
from benchmarking.params import month_param
from opsplatform.errors import ValidationFailed

WINDOW_LABELS = {
    3: _("3 miesiące"),
    6: _("6 miesięcy"),
    12: _("12 miesięcy"),
    24: _("24 miesiące"),
}
SKIP_CHOICES = [
    (0, _("bez przerwy – od miesiąca wdrożenia")),
    (3, _("pomiń 3 miesiące po wdrożeniu")),
    (6, _("pomiń 6 miesięcy po wdrożeniu")),
]
# The month picker shows months by name: no machine format beside it.
MONTH_HELP = ""


WINDOW_FIELDS = ("before_months", "after_months", "skip_months")


class MonthInput(forms.TextInput):
    """The browser's month picker; its value is 'RRRR-MM', as the API's parameters."""

    input_type = "month"


# What a page shows first: the reorganisation's headline figure, a rate that passes the gate in
# most months (a count such as signed contracts is often below the threshold in one month).
HEADLINE_METRIC = "social_work_time_share"


class BenchmarkForm(forms.Form):
    """What a benchmark page shows: an indicator, a window of months and, where the page has
    them, the before/after windows, a cohort or a scope. Bound to the query string merged with
    the defaults, so a page opened without parameters shows the defaults."""

    metric = forms.ChoiceField(label=_("Wskaźnik"))

    def __init__(
        self,
        params: Mapping[str, Any],
        *,
        today: dt.date,
        default_months: int,
        windows: bool = False,
        cohorts: Sequence[Cohort] = (),
        scopes: Sequence[tuple[str, str]] = (),
        default_metric: str | None = None,
        pooled: bool = False,
    ) -> None:
        self.today = today
        self.pooled = pooled
        self.definitions = {d.code: d for d in current_definitions()}
        last = last_complete_month(today)
        defaults: dict[str, str] = {
            "metric": default_metric
            or (
                HEADLINE_METRIC
                if HEADLINE_METRIC in self.definitions
                else next(iter(self.definitions))
            ),
            "from": add_months(last, -(default_months - 1)).strftime("%Y-%m"),
            "to": last.strftime("%Y-%m"),
        }
        if pooled:
            # One figure over the window: a calendar period only, by default the last full year.
            year_first, year_last = last_complete_year(today)
            defaults |= {"from": year_first.strftime("%Y-%m"), "to": year_last.strftime("%Y-%m")}
        if windows:
            defaults |= {"before_months": "12", "after_months": "12", "skip_months": "0"}
        if cohorts:
            defaults["cohort"] = cohorts[0].code
        if scopes:
            defaults["scope"] = scopes[0][0]
        data = {name: str(params.get(name) or default) for name, default in defaults.items()}
        super().__init__(data)
        self._choices("metric", [(d.code, d.name_pl) for d in self.definitions.values()])
        self.fields["from"] = forms.CharField(
            label=_("Od miesiąca"), widget=MonthInput, help_text=MONTH_HELP
        )
        self.fields["to"] = forms.CharField(
            label=_("Do miesiąca"), widget=MonthInput, help_text=MONTH_HELP
        )
        if windows:
            window_choices = [(m, WINDOW_LABELS[m]) for m in WINDOW_CHOICES]
            self.fields["before_months"] = forms.TypedChoiceField(
                label=_("Okres przed wdrożeniem"), choices=window_choices, coerce=int
            )
            self.fields["after_months"] = forms.TypedChoiceField(
                label=_("Okres po wdrożeniu"), choices=window_choices, coerce=int
            )
            self.fields["skip_months"] = forms.TypedChoiceField(
                label=_("Okres przejściowy"), choices=SKIP_CHOICES, coerce=int
            )
        if cohorts:
            self.fields["cohort"] = forms.ChoiceField(
                label=_("Grupa porównawcza"), choices=[(c.code, c.name_pl) for c in cohorts]
            )
        if scopes:
            self.fields["scope"] = forms.ChoiceField(label=_("Zakres"), choices=list(scopes))

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first = self._month("from")
        last = self._month("to")
        if first and last:
            try:
                check_window(first, last, self.today)
                if self.pooled:
                    check_fixed_period(first, last)
            except ValidationFailed as error:
                for name, messages in error.fields.items():
                    self.add_error(name, messages)
        cleaned["first"], cleaned["last"] = first, last
        return cleaned

    def _month(self, name: str) -> dt.date | None:
        raw = self.cleaned_data.get(name)
        if raw is None:
            return None
        try:
            return month_param({name: raw}, name, self.today)
        except ValidationFailed as error:
            self.add_error(name, error.fields.get(name, [error.message]))
            return None

    @property
    def definition(self) -> MetricDefinition:
        return self.definitions[self.cleaned_data["metric"]]

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["first"], self.cleaned_data["last"]

    @property
    def month_fields(self) -> list[forms.BoundField]:
        return [self["from"], self["to"]]

    @property
    def window_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WINDOW_FIELDS]

    @property
    def window_months(self) -> dict[str, int]:
        """The chosen before/after windows, as keyword arguments of ``comparisons.before_after``."""
        return {name: self.cleaned_data[name] for name in WINDOW_FIELDS}


HALF_CHOICES = [
    ("1", _("I półrocze")),
    ("2", _("II półrocze")),
    ("0", _("cały rok")),
]
FORMAT_CHOICES = [
    ("xlsx", _("XLSX – arkusz na każdą tabelę i metryczka")),
    ("csv", _("CSV – archiwum ZIP, pliki rozdzielane średnikiem, UTF-8")),
    ("json", _("JSON – do dalszego przetwarzania")),
]


class ExportForm(forms.Form):
    """The export builder. Parses the analyst's choices into the API's request
    (``period``, ``scope``, ``tables``, ``format``, ``dp_rho``); ``export_request`` checks them."""

    year = forms.TypedChoiceField(label=_("Rok"), coerce=int)
    half = forms.ChoiceField(label=_("Okres"), choices=HALF_CHOICES, widget=forms.RadioSelect)
    scope = forms.ChoiceField(label=_("Zakres"))
    tables = forms.MultipleChoiceField(
        label=_("Tabele"),
        choices=list(TABLES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Wybierz co najmniej jedną tabelę.")},
    )
    format = forms.ChoiceField(
        label=_("Format pliku"), choices=FORMAT_CHOICES, widget=forms.RadioSelect
    )
    use_dp = forms.BooleanField(
        label=_("Dodaj szum prywatności różnicowej (tylko tabele gospodarstw, osób i województw)"),
        required=False,
    )
    dp_rho = forms.CharField(
        label=_("Budżet prywatności ρ (zCDP) tego wydania"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Np. 0,1. Im mniejsze ρ, tym więcej szumu i mniejszy wydatek z budżetu."),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        scopes: Sequence[tuple[str, str]],
        today: dt.date,
        budget_url: str = "",
    ) -> None:
        default_year, default_half = (today.year, "1") if today.month > 6 else (today.year - 1, "2")
        super().__init__(
            data,
            initial={
                "year": default_year,
                "half": default_half,
                "scope": "PL",
                "tables": list(TABLES),
                "format": "xlsx",
            },
        )
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            (y, str(y)) for y in range(today.year, 2015, -1)
        ]
        cast(forms.ChoiceField, self.fields["scope"]).choices = list(scopes)
        if budget_url:
            # Choosing another year shows that year's remaining privacy budget (htmx).
            self.fields["year"].widget.attrs |= {
                "hx-get": budget_url,
                "hx-trigger": "change",
                "hx-target": "#budget-info",
                "hx-swap": "innerHTML",
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("use_dp") and not str(cleaned.get("dp_rho") or "").strip():
            self.add_error("dp_rho", _("Podaj ρ, np. 0,1 – albo wyłącz szum różnicowy."))
        return cleaned

    @property
    def selected_year(self) -> int:
        raw = self.data.get("year") if self.is_bound else self.initial.get("year")
        try:
            return int(str(raw))
        except (TypeError, ValueError):
            return int(self.initial["year"])

    def request_data(self) -> dict[str, Any]:
        """The request as the API receives it."""
        data = self.cleaned_data
        half = data["half"]
        rho = str(data.get("dp_rho") or "").strip().replace(",", ".")
        return {
            "period": f"{data['year']}-H{half}" if half != "0" else str(data["year"]),
            "scope": data["scope"],
            "tables": list(data["tables"]),
            "format": data["format"],
            "dp_rho": rho if data.get("use_dp") and rho else None,
        }


# Service fields → fields of the export form.
EXPORT_FIELD_MAP = {"period": "year"}
