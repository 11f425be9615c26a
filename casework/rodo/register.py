"""The register of processing activities (RODO art. 30 ust. 1), generated from configuration.

The activities a social assistance centre carries out are the same at every centre and live in
``processing_activities.toml`` next to this module; the controller's part (name, address, who
represents it, the data protection officer's contact) comes from the centre's entry in the public
registry. The registry holds no DPO contact today, so the register says "nie wskazano" there rather
than invent one: every public body must appoint a DPO (art. 37 ust. 1 lit. a), and the page says so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from casework.documents.model import centre_genitive

CONFIG_PATH = Path(__file__).resolve().parent / "processing_activities.toml"
NOT_GIVEN = "nie wskazano"

# Art. 30 ust. 1: each element of the record, by its letter, and the activity fields holding it.
# (a) is the controller's part, common to every activity of the centre.
ART30_ELEMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "a": ("imię i nazwisko lub nazwa oraz dane kontaktowe administratora i inspektora ochrony "
          "danych", ()),
    "b": ("cele przetwarzania", ("purposes",)),
    "c": ("kategorie osób, których dane dotyczą, oraz kategorie danych osobowych",
          ("data_subjects", "data_categories")),
    "d": ("kategorie odbiorców", ("recipients",)),
    "e": ("przekazania danych do państwa trzeciego lub organizacji międzynarodowej",
          ("third_country_transfers",)),
    "f": ("planowane terminy usunięcia poszczególnych kategorii danych", ("retention",)),
    "g": ("ogólny opis technicznych i organizacyjnych środków bezpieczeństwa (art. 32 ust. 1)",
          ("measures",)),
}  # fmt: skip


@dataclass(frozen=True)
class Activity:
    code: str
    name: str
    purposes: tuple[str, ...]
    legal_basis: tuple[str, ...]
    data_subjects: tuple[str, ...]
    data_categories: tuple[str, ...]
    recipients: tuple[str, ...]
    third_country_transfers: str
    retention: str
    retention_years: int
    jrwa: tuple[str, ...]
    jrwa_assumed: bool
    measures: tuple[str, ...]
    record_types: tuple[str, ...]
    # The kinds of record (casework.privacy RecordType) whose retention rules apply, and those
    # rules as the centre set them (filled in by processing_register, in the centre's schema).
    retention_rules: tuple[str, ...] = ()
    centre_retention: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "purposes": list(self.purposes),
            "legal_basis": list(self.legal_basis),
            "data_subjects": list(self.data_subjects),
            "data_categories": list(self.data_categories),
            "recipients": list(self.recipients),
            "third_country_transfers": self.third_country_transfers,
            "retention": self.retention,
            "retention_years": self.retention_years or None,
            "jrwa": list(self.jrwa),
            "jrwa_assumed": self.jrwa_assumed,
            "measures": list(self.measures),
            "centre_retention": [dict(rule) for rule in self.centre_retention],
        }


@dataclass(frozen=True)
class Controller:
    """Art. 30 ust. 1 lit. a: the controller (the centre, represented by its head) and its DPO."""

    name: str
    address: str
    represented_by: str
    dpo: str

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "address": self.address or NOT_GIVEN,
            "represented_by": self.represented_by,
            "dpo": self.dpo,
        }


@dataclass(frozen=True)
class Register:
    version: int
    controller: Controller
    activities: tuple[Activity, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "controller": self.controller.as_dict(),
            "activities": [activity.as_dict() for activity in self.activities],
        }


def _strings(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


@cache
def activities() -> tuple[Activity, ...]:
    """The configured activities, in the file's order (read once per process)."""
    with CONFIG_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(
        Activity(
            code=str(raw["code"]),
            name=str(raw["name"]),
            purposes=_strings(raw, "purposes"),
            legal_basis=_strings(raw, "legal_basis"),
            data_subjects=_strings(raw, "data_subjects"),
            data_categories=_strings(raw, "data_categories"),
            recipients=_strings(raw, "recipients"),
            third_country_transfers=str(raw.get("third_country_transfers", "")),
            retention=str(raw.get("retention", "")),
            retention_years=int(raw.get("retention_years", 0)),
            jrwa=_strings(raw, "jrwa"),
            jrwa_assumed=bool(raw.get("jrwa_assumed", False)),
            measures=_strings(raw, "measures"),
            record_types=_strings(raw, "record_types"),
            retention_rules=_strings(raw, "retention_rules"),
        )
        for raw in data.get("activity", [])
    )


@cache
def config_version() -> int:
    with CONFIG_PATH.open("rb") as handle:
        return int(tomllib.load(handle).get("version", 0))


def activities_for_record(object_type: str) -> list[Activity]:
    """The activities in which a kind of record (``casework.decision``) is processed."""
    return [activity for activity in activities() if object_type in activity.record_types]


def controller_of(centre: Any) -> Controller:
    """The controller's part of the register from the centre's registry entry. The head of the
    centre represents it; a DPO contact is taken from the registry when it holds one."""
    name = str(getattr(centre, "name", "") or "")
    dpo_parts = [str(getattr(centre, field, "") or "") for field in ("dpo_name", "dpo_email")]
    dpo = ", ".join(part for part in dpo_parts if part) or NOT_GIVEN
    return Controller(
        name=name,
        address=str(getattr(centre, "address", "") or ""),
        represented_by=f"Kierownik {centre_genitive(name)}" if name else NOT_GIVEN,
        dpo=dpo,
    )


def _rule_text(label: str, symbol: str, category: str, years: int, active: bool) -> str:
    """One rule in words, as the register prints it (Polish, like the rest of the register)."""
    filed = ", ".join(part for part in (f"JRWA {symbol}" if symbol else "", category) if part)
    text = f"{label}: {years} lat od końca roku zakończenia" + (f" ({filed})" if filed else "")
    return text if active else f"{text} — usuwanie wyłączone przez ośrodek"


def centre_retention_rules() -> dict[str, dict[str, Any]]:
    """The retention rules the current centre applies (casework.privacy), by kind of record: what
    the scheduled erasure job actually does, shown next to the configured description."""
    from casework.privacy.models import RetentionRule

    return {
        rule.record_type: {
            "text": _rule_text(
                str(rule.get_record_type_display()),
                rule.jrwa_symbol,
                rule.archival_category,
                rule.years,
                rule.active,
            ),
            "record_type": rule.record_type,
            "label": str(rule.get_record_type_display()),
            "jrwa_symbol": rule.jrwa_symbol,
            "archival_category": rule.archival_category,
            "years": rule.years,
            "active": rule.active,
        }
        for rule in RetentionRule.objects.all()
    }


def processing_register(centre: Any) -> Register:
    """The art. 30 register of ``centre`` (call it in the centre's schema): its controller data,
    the configured activities and, for each, the retention rules the centre has set."""
    rules = centre_retention_rules()
    return Register(
        version=config_version(),
        controller=controller_of(centre),
        activities=tuple(
            replace(
                activity,
                centre_retention=tuple(
                    rules[kind] for kind in activity.retention_rules if kind in rules
                ),
            )
            for activity in activities()
        ),
    )


def missing_elements(activity: Activity) -> list[str]:
    """The letters of art. 30 ust. 1 (b–g) the activity does not fill in (empty: complete)."""
    missing = []
    for letter, (_, fields) in ART30_ELEMENTS.items():
        for field in fields:
            value = getattr(activity, field)
            if not value or (isinstance(value, tuple) and not all(item.strip() for item in value)):
                missing.append(letter)
                break
            if isinstance(value, str) and not value.strip():
                missing.append(letter)
                break
    return missing
