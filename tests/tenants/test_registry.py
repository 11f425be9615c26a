"""The registry file holds exactly the facts of domain.md's table, and refuses malformed input."""

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tenants.registry import REGISTRY_PATH, RegistryError, load_registry, parse_registry

# domain.md: centre, gmina type, TERYT, population (31 Dec 2020), budget, go-live
FACTS = {
    "myslenice": (
        "MGOPS Myślenice",
        "urban_rural",
        "1209033",
        44519,
        "407351.25",
        dt.date(2018, 9, 3),
    ),
    "krasnystaw": ("MOPS Krasnystaw", "urban", "0606011", 18383, "374101.08", dt.date(2019, 10, 1)),
    "piaseczno": (
        "MGOPS Piaseczno",
        "urban_rural",
        "1418043",
        86217,
        "834762.50",
        dt.date(2020, 1, 1),
    ),
    "daleszyce": (
        "MGOPS Daleszyce",
        "urban_rural",
        "2604053",
        15828,
        "35000.00",
        dt.date(2020, 3, 1),
    ),
    "debica": ("MOPS Dębica", "urban", "1803011", 45189, "359900.64", dt.date(2017, 4, 1)),
}


def test_registry_holds_the_five_centres_with_domain_facts() -> None:
    registry = load_registry()
    assert [c.slug for c in registry.centres] == list(FACTS)
    for spec in registry.centres:
        short, gmina_type, terc, population, budget, go_live = FACTS[spec.slug]
        assert spec.short_name == short
        assert spec.gmina_type == gmina_type
        assert spec.teryt_terc == terc
        assert spec.voivodeship == terc[:2]
        assert spec.population == population
        assert spec.population_date == dt.date(2020, 12, 31)
        assert spec.programme.budget_pln == Decimal(budget)
        assert spec.programme.go_live == go_live


def test_project_periods_follow_the_sources() -> None:
    registry = load_registry()
    myslenice = registry.get("myslenice").programme
    assert (myslenice.project_start, myslenice.project_end) == (
        dt.date(2018, 5, 1),
        dt.date(2019, 10, 31),
    )
    assert myslenice.new_hires == 2
    krasnystaw = registry.get("krasnystaw").programme
    assert krasnystaw.project_start == dt.date(2019, 7, 1)
    assert krasnystaw.project_end == dt.date(2020, 7, 31)
    piaseczno = registry.get("piaseczno").programme
    assert (piaseczno.project_start, piaseczno.project_end) == (
        dt.date(2020, 1, 1),
        dt.date(2021, 6, 30),
    )
    debica = registry.get("debica").programme
    assert (debica.project_start, debica.project_end) == (dt.date(2017, 4, 1), dt.date(2019, 3, 31))
    assert registry.get("daleszyce").programme.new_hires == 2


def test_facts_without_a_source_are_flagged() -> None:
    registry = load_registry()
    assert "go_live" in registry.get("daleszyce").programme.assumed
    assert "go_live" not in registry.get("myslenice").programme.assumed


def test_krasnystaw_headcounts_come_from_the_source() -> None:
    teams = {t.code: t for t in load_registry().get("krasnystaw").teams}
    assert teams["pierwszy-kontakt"].social_workers == 1
    assert teams["praca-socjalna-uslugi"].social_workers == 4
    assert teams["praca-socjalna-uslugi"].functions == ("social_work", "services")
    assert teams["swiadczenia"].social_workers == 5
    assert {t.parent for t in teams.values() if t.parent} == {"sekcja-pomocy-srodowiskowej"}


def _raw() -> dict[str, Any]:
    with Path(REGISTRY_PATH).open("rb") as handle:
        return tomllib.load(handle)


def test_duplicate_slug_is_refused() -> None:
    data = _raw()
    data["centre"][1]["slug"] = data["centre"][0]["slug"]
    with pytest.raises(RegistryError, match="Powtórzony identyfikator „myslenice”"):
        parse_registry(data)


def test_budget_must_be_a_decimal_string() -> None:
    data = _raw()
    data["centre"][0]["programme"]["budget_pln"] = 407351.25
    with pytest.raises(RegistryError) as excinfo:
        parse_registry(data)
    assert excinfo.value.field == "budget_pln"
    assert excinfo.value.slug == "myslenice"


def test_missing_go_live_is_refused_with_its_field() -> None:
    data = _raw()
    del data["centre"][2]["programme"]["go_live"]
    with pytest.raises(RegistryError) as excinfo:
        parse_registry(data)
    assert (excinfo.value.slug, excinfo.value.field) == ("piaseczno", "go_live")


def test_unknown_parent_unit_is_refused() -> None:
    data = _raw()
    data["centre"][1]["team"][1]["parent"] = "nie-ma-takiej"
    with pytest.raises(RegistryError, match="nieznaną komórkę nadrzędną"):
        parse_registry(data)


def test_missing_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="Nie znaleziono pliku rejestru"):
        load_registry(tmp_path / "brak.toml")
