"""TERYT TERC codes and voivodeships.

A gmina's TERC code has 7 digits, WWPPGGR: voivodeship (WW, one of 16 even codes 02–32), powiat,
gmina and the gmina-type digit R (1 urban, 2 rural, 3 urban-rural; 8 is a district of Warsaw, which
runs its own centres and counts as urban).
"""

from django.core.exceptions import ValidationError
from django.db import models


class Voivodeship(models.TextChoices):
    DOLNOSLASKIE = "02", "dolnośląskie"
    KUJAWSKO_POMORSKIE = "04", "kujawsko-pomorskie"
    LUBELSKIE = "06", "lubelskie"
    LUBUSKIE = "08", "lubuskie"
    LODZKIE = "10", "łódzkie"
    MALOPOLSKIE = "12", "małopolskie"
    MAZOWIECKIE = "14", "mazowieckie"
    OPOLSKIE = "16", "opolskie"
    PODKARPACKIE = "18", "podkarpackie"
    PODLASKIE = "20", "podlaskie"
    POMORSKIE = "22", "pomorskie"
    SLASKIE = "24", "śląskie"
    SWIETOKRZYSKIE = "26", "świętokrzyskie"
    WARMINSKO_MAZURSKIE = "28", "warmińsko-mazurskie"
    WIELKOPOLSKIE = "30", "wielkopolskie"
    ZACHODNIOPOMORSKIE = "32", "zachodniopomorskie"


class GminaType(models.TextChoices):
    URBAN = "urban", "gmina miejska"
    RURAL = "rural", "gmina wiejska"
    URBAN_RURAL = "urban_rural", "gmina miejsko-wiejska"


# The type digit of a gmina-level TERC code and the gmina type it stands for.
TYPE_DIGITS: dict[str, GminaType] = {
    "1": GminaType.URBAN,
    "2": GminaType.RURAL,
    "3": GminaType.URBAN_RURAL,
    "8": GminaType.URBAN,
}


def validate_terc(value: str) -> None:
    """Refuse anything that is not a 7-digit gmina TERC code of a real voivodeship."""
    if len(value) != 7 or not value.isdigit():
        raise ValidationError("Kod TERYT (TERC) gminy ma 7 cyfr, np. 1209033.", code="terc_format")
    if value[:2] not in Voivodeship.values:
        raise ValidationError(
            "Kod TERYT zaczyna się od kodu województwa (02, 04, …, 32); %(code)s nim nie jest.",
            code="terc_voivodeship",
            params={"code": value[:2]},
        )
    if value[6] not in TYPE_DIGITS:
        raise ValidationError(
            "Ostatnia cyfra kodu TERYT gminy oznacza jej rodzaj (1, 2, 3 lub 8); %(digit)s nie.",
            code="terc_type",
            params={"digit": value[6]},
        )


def voivodeship_label(code: str) -> str:
    return str(dict(Voivodeship.choices).get(code, code))
