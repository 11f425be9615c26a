"""The versioned registry file of centres (``registry_data/centres.toml``), parsed into typed specs.

Parsing checks the file's shape (types, required keys, duplicates); the facts themselves are
checked by the models' ``clean()`` during provisioning, before any schema is created. Errors carry
the centre's slug and the field, in Polish, so that whoever edits the file knows what to fix.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

REGISTRY_PATH = Path(__file__).resolve().parent / "registry_data" / "centres.toml"


class RegistryError(Exception):
    """The registry file cannot be used as it is. ``slug`` and ``field`` say where."""

    def __init__(self, message: str, *, slug: str = "", field: str = "") -> None:
        self.slug = slug
        self.field = field
        where = " / ".join(part for part in (slug, field) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class TeamSpec:
    code: str
    name: str
    kind: str
    functions: tuple[str, ...]
    parent: str = ""
    social_workers: int | None = None
    name_assumed: bool = False
    order: int = 0


@dataclass(frozen=True)
class ProgrammeSpec:
    title: str
    programme: str
    measure: str
    budget_pln: Decimal
    funding_source: str
    go_live: dt.date
    project_number: str = ""
    project_start: dt.date | None = None
    project_end: dt.date | None = None
    new_hires: int | None = None
    assumed: tuple[str, ...] = ()
    sources: str = ""


@dataclass(frozen=True)
class CentreSpec:
    slug: str
    name: str
    short_name: str
    teryt_terc: str
    voivodeship: str
    gmina_type: str
    population: int
    population_date: dt.date
    programme: ProgrammeSpec
    teams: tuple[TeamSpec, ...] = field(default_factory=tuple)
    address: str = ""


@dataclass(frozen=True)
class Registry:
    version: int
    centres: tuple[CentreSpec, ...]

    def get(self, slug: str) -> CentreSpec:
        for centre in self.centres:
            if centre.slug == slug:
                return centre
        raise RegistryError(f"Nie ma ośrodka „{slug}” w rejestrze.", slug=slug)


def load_registry(path: Path | None = None) -> Registry:
    """Read and shape-check a registry file (the repository's own when no path is given)."""
    source = path or REGISTRY_PATH
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RegistryError(f"Nie znaleziono pliku rejestru {source}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"Plik rejestru {source} nie jest poprawnym TOML: {exc}") from exc
    return parse_registry(data)


def parse_registry(data: dict[str, Any]) -> Registry:
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise RegistryError("Rejestr musi mieć wersję: liczbę całkowitą ≥ 1.", field="version")
    raw_centres = data.get("centre", [])
    if not isinstance(raw_centres, list) or not raw_centres:
        raise RegistryError("Rejestr nie zawiera żadnego ośrodka ([[centre]]).")
    centres = tuple(_centre(raw) for raw in raw_centres)
    _refuse_duplicates([c.slug for c in centres], "slug", "identyfikator")
    _refuse_duplicates([c.teryt_terc for c in centres], "teryt_terc", "kod TERYT")
    return Registry(version=version, centres=centres)


def _refuse_duplicates(values: list[str], field_name: str, label: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise RegistryError(
                f"Powtórzony {label} „{value}”: każdy ośrodek musi mieć własny.",
                slug=value if field_name == "slug" else "",
                field=field_name,
            )
        seen.add(value)


def _centre(raw: Any) -> CentreSpec:
    if not isinstance(raw, dict):
        raise RegistryError("Każdy wpis [[centre]] musi być tabelą.")
    slug = _str(raw, "slug", "")
    programme_raw = raw.get("programme")
    if not isinstance(programme_raw, dict):
        raise RegistryError("Brak programu reorganizacji ([centre.programme]).", slug=slug)
    teams_raw = raw.get("team", [])
    if not isinstance(teams_raw, list):
        raise RegistryError("Zespoły ([[centre.team]]) muszą być listą tabel.", slug=slug)
    teams = tuple(_team(team, slug, order) for order, team in enumerate(teams_raw, start=1))
    _refuse_duplicates([t.code for t in teams], "team.code", "kod zespołu")
    codes = {t.code for t in teams}
    for team in teams:
        if team.parent and team.parent not in codes:
            raise RegistryError(
                f"Zespół „{team.code}” wskazuje nieznaną komórkę nadrzędną „{team.parent}”.",
                slug=slug,
                field="team.parent",
            )
    return CentreSpec(
        slug=slug,
        name=_str(raw, "name", slug),
        short_name=_str(raw, "short_name", slug),
        teryt_terc=_str(raw, "teryt_terc", slug),
        voivodeship=_str(raw, "voivodeship", slug),
        gmina_type=_str(raw, "gmina_type", slug),
        population=_int(raw, "population", slug),
        population_date=_date(raw, "population_date", slug),
        address=_str(raw, "address", slug, required=False),
        programme=_programme(programme_raw, slug),
        teams=teams,
    )


def _programme(raw: dict[str, Any], slug: str) -> ProgrammeSpec:
    assumed = raw.get("assumed", [])
    if not isinstance(assumed, list) or not all(isinstance(a, str) for a in assumed):
        raise RegistryError("„assumed” musi być listą nazw pól.", slug=slug, field="assumed")
    return ProgrammeSpec(
        title=_str(raw, "title", slug),
        programme=_str(raw, "programme", slug),
        measure=_str(raw, "measure", slug),
        project_number=_str(raw, "project_number", slug, required=False),
        budget_pln=_decimal(raw, "budget_pln", slug),
        funding_source=_str(raw, "funding_source", slug),
        project_start=_date(raw, "project_start", slug, required=False),
        go_live=_date(raw, "go_live", slug),
        project_end=_date(raw, "project_end", slug, required=False),
        new_hires=_int(raw, "new_hires", slug, required=False),
        assumed=tuple(assumed),
        sources=_str(raw, "sources", slug, required=False),
    )


def _team(raw: Any, slug: str, order: int) -> TeamSpec:
    if not isinstance(raw, dict):
        raise RegistryError("Każdy wpis [[centre.team]] musi być tabelą.", slug=slug)
    functions = raw.get("functions", [])
    if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
        raise RegistryError("„functions” musi być listą funkcji.", slug=slug, field="functions")
    name_assumed = raw.get("name_assumed", False)
    if not isinstance(name_assumed, bool):
        raise RegistryError("„name_assumed” musi być true albo false.", slug=slug)
    return TeamSpec(
        code=_str(raw, "code", slug),
        name=_str(raw, "name", slug),
        kind=_str(raw, "kind", slug),
        functions=tuple(functions),
        parent=_str(raw, "parent", slug, required=False),
        social_workers=_int(raw, "social_workers", slug, required=False),
        name_assumed=name_assumed,
        order=order,
    )


def _str(raw: dict[str, Any], key: str, slug: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise RegistryError("Brak wymaganego pola.", slug=slug, field=key)
        return ""
    if not isinstance(value, str):
        raise RegistryError("To pole musi być tekstem.", slug=slug, field=key)
    if required and not value.strip():
        raise RegistryError("To pole nie może być puste.", slug=slug, field=key)
    return value.strip()


def _int(raw: dict[str, Any], key: str, slug: str, *, required: bool = True) -> Any:
    value = raw.get(key)
    if value is None:
        if required:
            raise RegistryError("Brak wymaganego pola.", slug=slug, field=key)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RegistryError("To pole musi być nieujemną liczbą całkowitą.", slug=slug, field=key)
    return value


def _decimal(raw: dict[str, Any], key: str, slug: str) -> Decimal:
    value = raw.get(key)
    if not isinstance(value, str):
        raise RegistryError(
            'Kwotę zapisuje się jako tekst z kropką dziesiętną, np. "407351.25".',
            slug=slug,
            field=key,
        )
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise RegistryError(f"„{value}” nie jest kwotą.", slug=slug, field=key) from exc
    if not amount.is_finite():
        raise RegistryError(f"„{value}” nie jest kwotą.", slug=slug, field=key)
    return amount


def _date(raw: dict[str, Any], key: str, slug: str, *, required: bool = True) -> Any:
    value = raw.get(key)
    if value is None:
        if required:
            raise RegistryError("Brak wymaganej daty.", slug=slug, field=key)
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise RegistryError("To pole musi być datą RRRR-MM-DD.", slug=slug, field=key)
    return value
