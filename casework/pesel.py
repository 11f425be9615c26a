"""PESEL: 11 digits YYMMDDZZZSC. The month carries the century (+80 1800s, +0 1900s, +20 2000s,
+40 2100s, +60 2200s), S is even for women and odd for men, C is the check digit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
CENTURY_OFFSETS = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}


class PeselError(ValueError):
    """What is wrong with a PESEL, as a message a clerk understands, and a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_digit(first_ten: str) -> int:
    return (10 - sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True)) % 10) % 10


def birth_date(pesel: str) -> dt.date:
    year, month, day = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    offset = next((o for o in (80, 60, 40, 20, 0) if month > o), 0)
    if month - offset < 1 or month - offset > 12:
        raise PeselError("pesel_month", "Numer PESEL zawiera niemożliwy miesiąc urodzenia.")
    try:
        return dt.date(CENTURY_OFFSETS[offset] + year, month - offset, day)
    except ValueError as exc:
        raise PeselError(
            "pesel_date", "Numer PESEL zawiera datę urodzenia, która nie istnieje."
        ) from exc


def sex(pesel: str) -> str:
    """``F`` or ``M`` from the sex digit."""
    return "F" if int(pesel[9]) % 2 == 0 else "M"


def validate(pesel: str, *, today: dt.date | None = None) -> dt.date:
    """Check format, check digit and date; return the date of birth it encodes."""
    if len(pesel) != 11 or not pesel.isdigit():
        raise PeselError("pesel_format", "Numer PESEL ma 11 cyfr.")
    if check_digit(pesel[:10]) != int(pesel[10]):
        raise PeselError(
            "pesel_checksum",
            "Numer PESEL ma błędną cyfrę kontrolną – sprawdź, czy nie ma literówki.",
        )
    born = birth_date(pesel)
    if born > (today or timezone.localdate()):
        raise PeselError("pesel_future", "Numer PESEL wskazuje datę urodzenia w przyszłości.")
    return born


def make(born: dt.date, serial: int, female: bool) -> str:
    """Build a valid PESEL (for synthetic data and tests): ``serial`` 0–999."""
    offset = {v: k for k, v in CENTURY_OFFSETS.items()}[born.year // 100 * 100]
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    first_ten = (
        f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}"
        f"{serial % 1000:03d}{sex_digit}"
    )
    return first_ten + str(check_digit(first_ten))
