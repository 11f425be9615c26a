"""A synthetic nation to measure on: every gmina of Poland as a centre the registry could list.

The real list of gminas (TERYT TERC, Statistics Poland) is not shipped with the project, so this
module invents one with the real number of gminas per voivodeship (2,477 in all), valid TERC codes
that can never be a real gmina's (powiat codes 70–86, which no voivodeship uses, so they never
collide with the five demo centres either), gmina types in the national proportions (about 12 %
urban, 61 % rural, 27 % urban-rural) and populations with a realistic spread: most gminas have
2–15 thousand residents (log-normal around 7,500), a few cities (about one per 80 gminas of the
voivodeship) have 100–700 thousand. Each centre gets a reorganisation programme and teams like the
registry's centres, and everything is derived from the seed: the same seed gives the same nation.

The first N centres of :func:`nation` are spread over the voivodeships in proportion to their
gminas, so a nation of 200 holds about 25 centres of mazowieckie and 6 of opolskie, and growing N
keeps the centres already made. Only ``manage.py provision_nation`` (demo/dev tooling) imports
this module; production code never does.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from tenants.registry import CentreSpec, ProgrammeSpec, TeamSpec
from tenants.teryt import GminaType, Voivodeship

# Gminas per voivodeship (TERYT, 2024): 2,477 in all.
GMINAS_PER_VOIVODESHIP: dict[str, int] = {
    Voivodeship.DOLNOSLASKIE: 169,
    Voivodeship.KUJAWSKO_POMORSKIE: 144,
    Voivodeship.LUBELSKIE: 213,
    Voivodeship.LUBUSKIE: 82,
    Voivodeship.LODZKIE: 177,
    Voivodeship.MALOPOLSKIE: 182,
    Voivodeship.MAZOWIECKIE: 314,
    Voivodeship.OPOLSKIE: 71,
    Voivodeship.PODKARPACKIE: 160,
    Voivodeship.PODLASKIE: 118,
    Voivodeship.POMORSKIE: 123,
    Voivodeship.SLASKIE: 167,
    Voivodeship.SWIETOKRZYSKIE: 102,
    Voivodeship.WARMINSKO_MAZURSKIE: 116,
    Voivodeship.WIELKOPOLSKIE: 226,
    Voivodeship.ZACHODNIOPOMORSKIE: 113,
}
NATION_SIZE = sum(GMINAS_PER_VOIVODESHIP.values())  # 2,477
FIRST_POWIAT = 70  # no voivodeship has a powiat coded 70 or above: never a real gmina's code
GMINAS_PER_POWIAT = 20
SLUG_PREFIX = "g"  # slug = "g" + TERC code, e.g. g1470012

_TYPE_DIGIT = {GminaType.URBAN: "1", GminaType.RURAL: "2", GminaType.URBAN_RURAL: "3"}
_TYPE_WEIGHTS = ((GminaType.URBAN, 0.12), (GminaType.RURAL, 0.61), (GminaType.URBAN_RURAL, 0.27))
_PREFIX = {
    GminaType.URBAN: ("Miejski Ośrodek Pomocy Społecznej", "MOPS"),
    GminaType.RURAL: ("Gminny Ośrodek Pomocy Społecznej", "GOPS"),
    GminaType.URBAN_RURAL: ("Miejsko-Gminny Ośrodek Pomocy Społecznej", "MGOPS"),
}
_STEMS = (
    "Dąbrowa", "Wola", "Górka", "Lipnica", "Brzozów", "Jasień", "Olszyna", "Zalesie", "Kamionka",
    "Borowa", "Łąka", "Sośnica", "Grabowiec", "Modrzew", "Jawor", "Bukowina", "Jodłów", "Klonowa",
)  # fmt: skip
_SUFFIXES = ("", " Wielka", " Mała", " Dolna", " Górna", " Nowa", " Stara", " Szlachecka")
PROGRAMME = (
    "PO WER 2014–2020, Oś II Efektywne polityki publiczne dla rynku pracy, gospodarki i edukacji"
)


def nation(*, seed: int = 2477) -> list[CentreSpec]:
    """All 2,477 synthetic centres, ordered so that any first N are spread over the country."""
    rng = random.Random(f"nation:{seed}")  # noqa: S311 - synthetic data, repeatable by design
    specs: list[tuple[float, CentreSpec]] = []
    for code, count in GMINAS_PER_VOIVODESHIP.items():
        cities = set(rng.sample(range(count), max(1, round(count / 80))))
        for index in range(count):
            spec = _centre(rng, str(code), index, city=index in cities)
            # Position (index + ½) / count: the first N of the merged order take each
            # voivodeship's share of N, whatever N is.
            specs.append(((index + 0.5) / count, spec))
    specs.sort(key=lambda item: (item[0], item[1].teryt_terc))
    return [spec for _, spec in specs]


def _centre(rng: random.Random, voivodeship: str, index: int, *, city: bool) -> CentreSpec:
    if city:
        gmina_type = GminaType.URBAN
        population = int(rng.uniform(100_000, 700_000))
    else:
        gmina_type = rng.choices([t for t, _ in _TYPE_WEIGHTS], [w for _, w in _TYPE_WEIGHTS])[0]
        median = {GminaType.URBAN: 18_000, GminaType.RURAL: 6_500, GminaType.URBAN_RURAL: 11_000}
        population = int(rng.lognormvariate(math.log(median[gmina_type]), 0.55))
        population = max(1_300, min(population, 95_000))
    powiat = FIRST_POWIAT + index // GMINAS_PER_POWIAT
    gmina = index % GMINAS_PER_POWIAT + 1
    terc = f"{voivodeship}{powiat:02d}{gmina:02d}{_TYPE_DIGIT[gmina_type]}"
    town = f"{rng.choice(_STEMS)}{rng.choice(_SUFFIXES)}"
    full, short = _PREFIX[gmina_type]
    name = f"{full} w gminie {town} ({terc})"
    go_live = dt.date(rng.randint(2018, 2022), rng.randint(1, 12), 1)
    start = go_live - dt.timedelta(days=rng.randint(60, 240))
    staff = max(3, round(population / 2000))
    return CentreSpec(
        slug=f"{SLUG_PREFIX}{terc}",
        name=name,
        short_name=f"{short} {town} {terc}"[:60],
        teryt_terc=terc,
        voivodeship=voivodeship,
        gmina_type=str(gmina_type),
        population=population,
        population_date=dt.date(2020, 12, 31),
        address="",
        programme=ProgrammeSpec(
            title=f"Skuteczna pomoc społeczna w gminie {town}",
            programme=PROGRAMME,
            measure="Działanie 2.5 Skuteczna pomoc społeczna",
            budget_pln=Decimal(rng.randint(30, 40 + staff * 40) * 1000).quantize(Decimal("0.01")),
            funding_source="Europejski Fundusz Społeczny (PO WER)",
            project_start=start,
            go_live=go_live,
            project_end=go_live + dt.timedelta(days=rng.randint(180, 540)),
            new_hires=rng.randint(0, 3),
            assumed=("project_start", "go_live", "project_end"),
            sources="Dane syntetyczne (manage.py provision_nation): ośrodek zmyślony.",
        ),
        teams=_teams(population, rng),
    )


def _teams(population: int, rng: random.Random) -> tuple[TeamSpec, ...]:
    """The structure the registry's centres adopted: a first-contact post, benefits, social work,
    services (a separate team in larger gminas) and, in some, a local-activity post."""
    teams = [
        TeamSpec("pierwszy-kontakt", "Stanowisko Pierwszego Kontaktu", "post", ("first_contact",)),
        TeamSpec("swiadczenia", "Zespół Świadczeń", "team", ("benefits",)),
        TeamSpec("praca-socjalna", "Zespół Pracy Socjalnej", "team", ("social_work",)),
    ]
    if population >= 10_000:
        teams.append(TeamSpec("uslugi", "Zespół Usług Opiekuńczych", "team", ("services",)))
    else:
        teams[1] = TeamSpec(
            "swiadczenia", "Zespół Świadczeń i Usług", "team", ("benefits", "services")
        )
    if rng.random() < 0.4:
        teams.append(TeamSpec("pal", "Stanowisko ds. PAL", "post", ("local_activity",)))
    return tuple(
        TeamSpec(t.code, t.name, t.kind, t.functions, order=order)
        for order, t in enumerate(teams, start=1)
    )
