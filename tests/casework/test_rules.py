"""The rules underneath casework: PESEL, working days with Polish holidays, KPA time limits and
the dated income criterion."""

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from hypothesis import given
from hypothesis import strategies as st

from casework import pesel
from casework.calendar_days import (
    add_days_kpa,
    add_months_kpa,
    add_working_days,
    is_working_day,
    working_days_between,
)
from casework.reference.selectors import income_criterion_on, invalid_reason_codes
from casework.selectors.people import household_income_assessment
from casework.services.people import household_member_add, income_record
from tests.casework.factories import household, new_pesel, person, user


@given(
    born=st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2025, 12, 31)),
    serial=st.integers(0, 999),
    female=st.booleans(),
)
def test_any_built_pesel_validates_to_its_date_and_sex(
    born: dt.date, serial: int, female: bool
) -> None:
    number = pesel.make(born, serial, female)
    assert pesel.validate(number, today=dt.date(2026, 1, 1)) == born
    assert pesel.sex(number) == ("F" if female else "M")


@given(st.integers(0, 9))
def test_changing_any_digit_breaks_the_checksum(position_seed: int) -> None:
    number = pesel.make(dt.date(1979, 11, 30), 321, False)
    position = position_seed % 10
    altered = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    with pytest.raises(pesel.PeselError):
        pesel.validate(altered, today=dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1234567890", "pesel_format"),
        ("8503141236A", "pesel_format"),
        ("85031412362", "pesel_checksum"),
        ("8513311234" + str(pesel.check_digit("8513311234")), "pesel_month"),
    ],
)
def test_pesel_errors_have_codes(number: str, code: str) -> None:
    with pytest.raises(pesel.PeselError) as excinfo:
        pesel.validate(number)
    assert excinfo.value.code == code


def test_century_from_the_month() -> None:
    assert pesel.birth_date(pesel.make(dt.date(2004, 7, 8), 1, True)) == dt.date(2004, 7, 8)
    assert pesel.make(dt.date(2004, 7, 8), 1, True)[2:4] == "27"
    assert pesel.make(dt.date(1899, 12, 31), 1, True)[2:4] == "92"


def test_impossible_date_in_a_pesel() -> None:
    first_ten = "9902300000"  # 30 February 1999
    with pytest.raises(pesel.PeselError) as excinfo:
        pesel.validate(first_ten + str(pesel.check_digit(first_ten)))
    assert excinfo.value.code == "pesel_date"


def test_holidays_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2025, 11, 11))  # Independence Day
    assert not is_working_day(dt.date(2025, 12, 24))  # Christmas Eve, a holiday from 2025
    assert is_working_day(dt.date(2024, 12, 24))
    assert not is_working_day(dt.date(2026, 4, 6))  # Easter Monday 2026
    # 14 working days from Thursday 2 April 2026 skip Easter Monday.
    assert add_working_days(dt.date(2026, 4, 2), 14) == dt.date(2026, 4, 23)
    assert add_working_days(dt.date(2026, 4, 2), 2) == dt.date(2026, 4, 7)
    assert working_days_between(dt.date(2026, 4, 2), dt.date(2026, 4, 23)) == 14
    assert working_days_between(dt.date(2026, 4, 23), dt.date(2026, 4, 2)) == -14


def _working_days_by_walking(start: dt.date, end: dt.date) -> int:
    """The definition itself, one day at a time: the reference the arithmetic is checked against."""
    if end < start:
        return -_working_days_by_walking(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


@given(
    start=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31)),
    span=st.integers(-1200, 1200),
)
def test_working_days_between_matches_counting_day_by_day(start: dt.date, span: int) -> None:
    end = start + dt.timedelta(days=span)
    assert working_days_between(start, end) == _working_days_by_walking(start, end)


@given(
    start=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31)),
    days=st.integers(0, 400),
)
def test_add_working_days_is_the_first_day_with_that_many(start: dt.date, days: int) -> None:
    due = add_working_days(start, days)
    assert working_days_between(start, due) == days
    assert days == 0 or is_working_day(due)  # the earliest such day: it is a working day


def test_working_days_in_whole_years() -> None:
    # 262 weekdays minus 10 holidays on a weekday (2024); 261 minus 10, Christmas Eve among them
    # (2025); 261 minus 8 (2026).
    assert working_days_between(dt.date(2023, 12, 31), dt.date(2024, 12, 31)) == 252
    assert working_days_between(dt.date(2024, 12, 31), dt.date(2025, 12, 31)) == 251
    assert working_days_between(dt.date(2025, 12, 31), dt.date(2026, 12, 31)) == 253
    # Over a weekend and over Easter Monday nothing is counted.
    assert working_days_between(dt.date(2026, 4, 3), dt.date(2026, 4, 6)) == 0
    assert working_days_between(dt.date(2026, 4, 3), dt.date(2026, 4, 7)) == 1


def test_working_days_over_millennia_are_counted_not_walked() -> None:
    """Any two dates, a typo of 9999 included, are counted arithmetically: the answer agrees with
    the yearly totals, and the years' holiday lists are built once and kept."""
    long_span = working_days_between(dt.date(2026, 1, 1), dt.date(9999, 12, 31))
    by_years = working_days_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) + sum(
        working_days_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31))
        for year in range(2027, 10000)
    )
    assert long_span == by_years
    assert working_days_between(dt.date(9999, 12, 31), dt.date(1, 1, 1)) < -2_500_000


def test_kpa_month_limits() -> None:
    assert add_months_kpa(dt.date(2026, 3, 10), 1) == dt.date(2026, 4, 10)
    assert add_months_kpa(dt.date(2026, 1, 31), 1) == dt.date(2026, 3, 2)  # 28 Feb is a Saturday
    assert add_months_kpa(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months_kpa(dt.date(2026, 10, 11), 1) == dt.date(2026, 11, 12)  # 11 Nov holiday
    assert add_months_kpa(dt.date(2026, 11, 20), 2) == dt.date(2027, 1, 20)
    assert add_days_kpa(dt.date(2026, 6, 1), 14) == dt.date(2026, 6, 15)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "single", "family"),
    [
        (dt.date(2017, 6, 1), "634.00", "514.00"),
        (dt.date(2021, 6, 1), "701.00", "528.00"),
        (dt.date(2023, 6, 1), "776.00", "600.00"),
        (dt.date(2025, 6, 1), "1010.00", "823.00"),
    ],
)
def test_income_criterion_in_force_on_a_date(day: dt.date, single: str, family: str) -> None:
    criterion = income_criterion_on(day)
    assert criterion is not None
    assert (criterion.single_person, criterion.per_person_in_family) == (
        Decimal(single),
        Decimal(family),
    )


@pytest.mark.django_db
def test_violence_reason_renamed_on_22_june_2023() -> None:
    assert invalid_reason_codes(["przemoc-w-rodzinie"], dt.date(2023, 6, 21)) == []
    assert invalid_reason_codes(["przemoc-w-rodzinie"], dt.date(2023, 6, 22)) == [
        "przemoc-w-rodzinie"
    ]
    assert invalid_reason_codes(["przemoc-domowa"], dt.date(2023, 6, 21)) == ["przemoc-domowa"]


@pytest.mark.django_db
def test_household_income_per_person_against_the_criterion_of_the_day() -> None:
    slug = "debica"
    head = person(slug, pesel=new_pesel(dt.date(1980, 1, 1)))
    hh = household(slug, head)
    child = person(slug, first_name="Kuba", pesel=new_pesel(dt.date(2015, 3, 3), female=False))
    manager = user(slug, "kierownik")
    with schema_context(slug):
        head_member = hh.members.get(person=head)
        child_member = household_member_add(
            user=manager,
            household=hh,
            person=child,
            relation="child",
            joined_on=dt.date(2024, 1, 1),
        )
        income_record(
            user=manager, member=head_member, as_of=dt.date(2024, 1, 1), amount=Decimal("1500")
        )
        income_record(
            user=manager, member=child_member, as_of=dt.date(2024, 1, 1), amount=Decimal("0")
        )
        head_member.joined_on = dt.date(2024, 1, 1)
        head_member.save()
        in_2024 = household_income_assessment(household=hh, on=dt.date(2024, 6, 1))
        in_2025 = household_income_assessment(household=hh, on=dt.date(2025, 6, 1))
    assert (in_2024.members, in_2024.per_person, in_2024.criterion) == (
        2,
        Decimal("750.00"),
        Decimal("600.00"),
    )
    assert in_2024.within_criterion is False
    assert (in_2025.criterion, in_2025.within_criterion) == (Decimal("823.00"), True)
