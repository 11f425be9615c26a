"""Predefined cohorts of centres for peer comparisons (privacy.md, "Comparing centres").

Cohorts are fixed by public characteristics — all centres on the platform, reorganised or not,
gmina type, size band by population, voivodeship — never free-form lists, so that overlapping
groups cannot be differenced. Whether a comparison may be shown is decided per release by
``benchmarking.comparisons`` (at least five centres with a publishable value, no centre
contributing more than a quarter of the statistic).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from tenants.models import Centre
from tenants.teryt import GminaType, Voivodeship


@dataclass(frozen=True)
class Cohort:
    code: str
    name_pl: str
    name_en: str
    includes: Callable[[Centre, dt.date], bool]
    # The same rule as a filter of centres, for PostgreSQL (``benchmarking.distribution``);
    # None: the cohort is computed from ``cohort_members`` in Python only.
    where: Callable[[dt.date], Q] | None = None


def _reorganised(centre: Centre, on: dt.date) -> bool:
    programme = getattr(centre, "programme", None)
    return programme is not None and programme.go_live <= on


def _reorganised_where(on: dt.date) -> Q:
    return Q(programme__go_live__lte=on)


def _size(low: int, high: int | None) -> Callable[[Centre, dt.date], bool]:
    return lambda centre, on: (
        centre.population >= low and (high is None or centre.population < high)
    )


def _size_where(low: int, high: int | None) -> Callable[[dt.date], Q]:
    return lambda on: Q(population__gte=low) & (Q() if high is None else Q(population__lt=high))


def _gmina(kind: str) -> Callable[[Centre, dt.date], bool]:
    return lambda centre, on: centre.gmina_type == kind


def _gmina_where(kind: str) -> Callable[[dt.date], Q]:
    return lambda on: Q(gmina_type=kind)


def _voivodeship(code: str) -> Callable[[Centre, dt.date], bool]:
    return lambda centre, on: centre.voivodeship == code


def _voivodeship_where(code: str) -> Callable[[dt.date], Q]:
    return lambda on: Q(voivodeship=code)


COHORTS: tuple[Cohort, ...] = (
    Cohort("platforma", "Wszystkie ośrodki na platformie", "All centres on the platform",
           lambda centre, on: True, lambda on: Q()),
    Cohort("zreorganizowane", "Ośrodki po reorganizacji", "Reorganised centres", _reorganised,
           _reorganised_where),
    Cohort("gmina-miejska", "Gminy miejskie", "Urban gminas", _gmina(GminaType.URBAN),
           _gmina_where(GminaType.URBAN)),
    Cohort("gmina-wiejska", "Gminy wiejskie", "Rural gminas", _gmina(GminaType.RURAL),
           _gmina_where(GminaType.RURAL)),
    Cohort("gmina-miejsko-wiejska", "Gminy miejsko-wiejskie", "Urban-rural gminas",
           _gmina(GminaType.URBAN_RURAL), _gmina_where(GminaType.URBAN_RURAL)),
    Cohort("do-20-tys", "Gminy do 20 tys. mieszkańców", "Gminas under 20,000 residents",
           _size(0, 20_000), _size_where(0, 20_000)),
    Cohort("20-50-tys", "Gminy od 20 do 50 tys. mieszkańców", "Gminas of 20,000–50,000",
           _size(20_000, 50_000), _size_where(20_000, 50_000)),
    Cohort("50-100-tys", "Gminy od 50 do 100 tys. mieszkańców", "Gminas of 50,000–100,000",
           _size(50_000, 100_000), _size_where(50_000, 100_000)),
    Cohort("ponad-100-tys", "Gminy powyżej 100 tys. mieszkańców", "Gminas over 100,000",
           _size(100_000, None), _size_where(100_000, None)),
    *(
        Cohort(f"woj-{code}", f"Województwo {label}", f"Voivodeship {label}", _voivodeship(code),
               _voivodeship_where(code))
        for code, label in Voivodeship.choices
    ),
)  # fmt: skip

COHORTS_BY_CODE = {cohort.code: cohort for cohort in COHORTS}


# What the cohorts' rules and their answers read of a centre: one row of these per centre.
MEMBER_FIELDS = ("pk", "slug", "population", "gmina_type", "voivodeship", "programme__go_live")


def cohort_members(cohort: Cohort, on: dt.date) -> list[Centre]:
    """The centres of ``cohort`` on ``on``, by slug, with the fields its rules read only."""
    centres = Centre.objects.select_related("programme").only(*MEMBER_FIELDS).order_by("slug")
    return [centre for centre in centres if cohort.includes(centre, on)]


def cohorts_of(centre: Centre, on: dt.date) -> list[Cohort]:
    return [cohort for cohort in COHORTS if cohort.includes(centre, on)]
