"""How the subject-access report is laid out, on the page and in the PDF alike: the sections of
records with their Polish column labels, the access report's columns, and values as a clerk
reads them (dates as DD.MM.RRRR, yes/no, a dash for nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from casework.rodo.report_types import SubjectAccessReport


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (key in each record, Polish label)
    empty: str = "Brak."


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("intakes", "Zgłoszenia", (
        ("arrived_at", "Czas zgłoszenia"), ("channel_label", "Forma kontaktu"),
        ("reporter_kind_label", "Zgłaszający"), ("reporter_name", "Nazwa zgłaszającego"),
        ("reasons_labels", "Powody"), ("notes", "Notatka"), ("outcome_label", "Wynik"),
        ("outcome_note", "Dokąd skierowano"), ("routed_team", "Zespół"),
        ("case_number", "Sprawa"), ("registered_by", "Przyjął(-ęła)"),
    )),
    SectionSpec("cases", "Sprawy", (
        ("number", "Znak sprawy"), ("status_label", "Stan"), ("opened_on", "Otwarta"),
        ("closed_on", "Zamknięta"), ("closing_reason", "Powód zamknięcia"),
        ("legal_hold", "Wstrzymanie usunięcia"),
    )),
    SectionSpec("applications", "Wnioski", (
        ("case_number", "Sprawa"), ("received_on", "Data wpływu"),
        ("benefits_labels", "Świadczenia"), ("urgent", "Pilna"), ("status_label", "Stan"),
        ("decision_due_on", "Termin załatwienia"),
    )),
    SectionSpec("delay_notices", "Zawiadomienia o zwłoce", (
        ("sent_on", "Data"), ("new_due_on", "Nowy termin"), ("reason", "Przyczyna"),
    )),
    SectionSpec("interviews", "Rodzinne wywiady środowiskowe", (
        ("case_number", "Sprawa"), ("kind_label", "Rodzaj"), ("needed_since", "Potrzeba od"),
        ("conducted_on", "Przeprowadzony"), ("worker", "Pracownik"), ("diagnosis", "Diagnoza"),
        ("help_plan", "Plan pomocy"),
    )),
    SectionSpec("decisions", "Decyzje", (
        ("number", "Numer"), ("benefit_label", "Świadczenie"), ("outcome_label", "Rozstrzygnięcie"),
        ("amount", "Kwota (zł)"), ("period_from", "Od"), ("period_to", "Do"),
        ("legal_basis", "Podstawa prawna"), ("issued_on", "Data wydania"),
        ("issued_by", "Wydał(a)"), ("delivered_on", "Doręczono"),
    )),
    SectionSpec("appeals", "Odwołania", (
        ("decision_number", "Decyzja"), ("lodged_on", "Wniesiono"),
        ("forwarded_on", "Przekazano do SKO"), ("outcome_label", "Rozstrzygnięcie"),
        ("outcome_on", "Data rozstrzygnięcia"),
    )),
    SectionSpec("social_contracts", "Kontrakty socjalne", (
        ("variant_label", "Rodzaj"), ("case_number", "Sprawa"), ("starts_on", "Od"),
        ("ends_on", "Do"), ("status_label", "Stan"), ("goals", "Cele"),
        ("client_obligations", "Zobowiązania osoby"),
        ("centre_obligations", "Zobowiązania ośrodka"),
        ("worker", "Pracownik socjalny"), ("outcome_note", "Ocena realizacji"),
    )),
    SectionSpec("individual_programmes", "Programy indywidualne", (
        ("kind_label", "Rodzaj"), ("starts_on", "Od"), ("ends_on", "Do"),
        ("status_label", "Stan"), ("goals", "Cele"), ("worker", "Pracownik"),
    )),
    SectionSpec("project_participations", "Udział w projektach", (
        ("project", "Projekt"), ("project_kind_label", "Rodzaj"), ("joined_on", "Od"),
        ("left_on", "Do"),
    )),
    SectionSpec("service_plans", "Usługi opiekuńcze – plany", (
        ("service_type_label", "Rodzaj usług"), ("provider_kind_label", "Realizator"),
        ("provider_name", "Nazwa realizatora"), ("hours_per_week", "Godzin tygodniowo"),
        ("starts_on", "Od"), ("ends_on", "Do"), ("fee_rule_label", "Odpłatność"),
        ("coordinator", "Koordynator"),
    )),
    SectionSpec("service_deliveries", "Usługi opiekuńcze – realizacja", (
        ("day", "Dzień"), ("hours", "Godziny"), ("carer", "Opiekun(ka)"),
    )),
    SectionSpec("time_log", "Czas pracy poświęcony gospodarstwu", (
        ("day", "Dzień"), ("minutes", "Minuty"), ("category_label", "Rodzaj czynności"),
        ("worker", "Pracownik"),
    )),
    SectionSpec("incomes", "Dochody", (
        ("as_of", "Stan na dzień"), ("amount", "Kwota (zł)"), ("source", "Źródło"),
    )),
)  # fmt: skip

ACCESS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("at", "Kiedy"),
    ("username", "Kto (użytkownik)"),
    ("role_label", "Rola"),
    ("action_label", "Dostęp"),
    ("record_type_label", "Rodzaj danych"),
    ("break_glass_reason", "Dostęp awaryjny – powód"),
)


def display(value: Any) -> str:
    """A value of the report as a clerk reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, list):
        return ", ".join(display(item) for item in value) or "—"
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        date, _, time = text.partition("T")
        day = f"{date[8:10]}.{date[5:7]}.{date[:4]}"
        return f"{day} {time[:5]}" if time else day
    return text


def section_rows(report: SubjectAccessReport) -> list[dict[str, Any]]:
    """The sections of :data:`SECTIONS` as lists of (label, shown value) per record."""
    parts: Mapping[str, object] = report
    return [
        {
            "key": spec.key,
            "title": spec.title,
            "empty": spec.empty,
            "records": [
                [(label, display(record.get(field))) for field, label in spec.fields]
                for record in cast("list[Mapping[str, object]]", parts.get(spec.key, []))
            ],
        }
        for spec in SECTIONS
    ]


def access_rows(report: SubjectAccessReport) -> list[list[str]]:
    """The access report as rows of shown values, in the order of :data:`ACCESS_COLUMNS`."""
    rows: list[list[str]] = []
    for entry in report["access_report"]:
        fields: Mapping[str, object] = entry
        rows.append([display(fields.get(key)) for key, _title in ACCESS_COLUMNS])
    return rows


def membership_rows(report: SubjectAccessReport) -> list[dict[str, Any]]:
    """The household memberships with their dates as shown (``since``, ``until``)."""
    return [
        {
            **membership,
            "since": display(membership["joined_on"]),
            "until": display(membership["left_on"]),
        }
        for membership in report["household_memberships"]
    ]
