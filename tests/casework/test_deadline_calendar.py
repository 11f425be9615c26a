"""Legal time limits against golden dates read off the calendar, never the code's own arithmetic.

KPA art. 57 § 4: a time limit whose end falls on a day off work (a Sunday or a public holiday) or a
Saturday ends on the next working day. It applies to the SKO forwarding limit (art. 133: 7 days
from lodging), the appeal limit (art. 129 § 2: 14 days from delivery) and the decision limits
(art. 35: one month, two if particularly complex). Every holiday these dates step over is in the
literal list below, which the pinned `holidays` release must reproduce exactly: a new release
that changes it fails here before it moves a deadline.
"""

import datetime as dt
from collections.abc import Iterator

import holidays
import pytest
from django_tenants.utils import schema_context

from casework.calendar_days import add_days_kpa, add_months_kpa, is_working_day
from casework.models import Decision
from casework.services.proceedings import (
    appeal_forward_due_on,
    appeal_register,
    application_register,
    authorisation_grant,
    decision_deliver,
    decision_issue,
    interview_record,
    interview_schedule,
)
from opsplatform.errors import ValidationFailed
from tests.casework.factories import case, household, person, user
from tests.clock import frozen_on

SLUG = "krasnystaw"

# Ustawa z dnia 18 stycznia 1951 r. o dniach wolnych od pracy, art. 1 (Christmas Eve from 2025).
POLISH_PUBLIC_HOLIDAYS = {
    2025: [
        dt.date(2025, 1, 1),  # Nowy Rok (Wednesday)
        dt.date(2025, 1, 6),  # Trzech Króli (Monday)
        dt.date(2025, 4, 20),  # Wielkanoc (Sunday)
        dt.date(2025, 4, 21),  # Poniedziałek Wielkanocny
        dt.date(2025, 5, 1),  # Święto Pracy (Thursday)
        dt.date(2025, 5, 3),  # Święto Konstytucji 3 Maja (Saturday)
        dt.date(2025, 6, 8),  # Zielone Świątki (Sunday)
        dt.date(2025, 6, 19),  # Boże Ciało (Thursday)
        dt.date(2025, 8, 15),  # Wniebowzięcie NMP (Friday)
        dt.date(2025, 11, 1),  # Wszystkich Świętych (Saturday)
        dt.date(2025, 11, 11),  # Narodowe Święto Niepodległości (Tuesday)
        dt.date(2025, 12, 24),  # Wigilia (Wednesday)
        dt.date(2025, 12, 25),  # Boże Narodzenie (Thursday)
        dt.date(2025, 12, 26),  # drugi dzień Bożego Narodzenia (Friday)
    ],
    2026: [
        dt.date(2026, 1, 1),  # Thursday
        dt.date(2026, 1, 6),  # Tuesday
        dt.date(2026, 4, 5),  # Easter Sunday
        dt.date(2026, 4, 6),  # Easter Monday
        dt.date(2026, 5, 1),  # Friday
        dt.date(2026, 5, 3),  # Sunday
        dt.date(2026, 5, 24),  # Pentecost (Sunday)
        dt.date(2026, 6, 4),  # Corpus Christi (Thursday)
        dt.date(2026, 8, 15),  # Saturday
        dt.date(2026, 11, 1),  # Sunday
        dt.date(2026, 11, 11),  # Wednesday
        dt.date(2026, 12, 24),  # Thursday
        dt.date(2026, 12, 25),  # Friday
        dt.date(2026, 12, 26),  # Saturday
    ],
    2027: [
        dt.date(2027, 1, 1),  # Friday
        dt.date(2027, 1, 6),  # Wednesday
        dt.date(2027, 3, 28),  # Easter Sunday
        dt.date(2027, 3, 29),  # Easter Monday
        dt.date(2027, 5, 1),  # Saturday
        dt.date(2027, 5, 3),  # Monday
        dt.date(2027, 5, 16),  # Pentecost (Sunday)
        dt.date(2027, 5, 27),  # Corpus Christi (Thursday)
        dt.date(2027, 8, 15),  # Sunday
        dt.date(2027, 11, 1),  # Monday
        dt.date(2027, 11, 11),  # Thursday
        dt.date(2027, 12, 24),  # Friday
        dt.date(2027, 12, 25),  # Saturday
        dt.date(2027, 12, 26),  # Sunday
    ],
}


@pytest.mark.parametrize("year", sorted(POLISH_PUBLIC_HOLIDAYS))
def test_the_holidays_package_gives_exactly_the_statutory_polish_holidays(year: int) -> None:
    assert sorted(holidays.country_holidays("PL", years=year)) == POLISH_PUBLIC_HOLIDAYS[year]


def test_christmas_eve_is_a_working_day_before_2025_only() -> None:
    assert is_working_day(dt.date(2024, 12, 24))  # a Tuesday, before the 2025 amendment
    assert not is_working_day(dt.date(2025, 12, 24))


# (lodged, due): the 7th day after lodging, moved to the next working day where it is not one.
SKO_FORWARDING = [
    pytest.param(dt.date(2026, 3, 2), dt.date(2026, 3, 9), id="Monday-is-a-working-day"),
    pytest.param(dt.date(2026, 3, 7), dt.date(2026, 3, 16), id="Saturday-to-Monday"),
    pytest.param(dt.date(2026, 3, 8), dt.date(2026, 3, 16), id="Sunday-to-Monday"),
    pytest.param(dt.date(2025, 10, 25), dt.date(2025, 11, 3), id="1-November-on-a-Saturday"),
    pytest.param(dt.date(2027, 10, 25), dt.date(2027, 11, 2), id="1-November-on-a-Monday"),
    pytest.param(dt.date(2025, 11, 4), dt.date(2025, 11, 12), id="11-November"),
    pytest.param(dt.date(2026, 3, 30), dt.date(2026, 4, 7), id="Easter-Monday-2026"),
    pytest.param(dt.date(2027, 3, 21), dt.date(2027, 3, 30), id="Easter-Sunday-and-Monday"),
    pytest.param(dt.date(2025, 12, 17), dt.date(2025, 12, 29), id="Christmas-then-weekend"),
    pytest.param(dt.date(2026, 12, 18), dt.date(2026, 12, 28), id="Christmas-on-a-Friday"),
    pytest.param(dt.date(2024, 12, 17), dt.date(2024, 12, 24), id="24-December-2024-worked"),
    pytest.param(dt.date(2025, 12, 30), dt.date(2026, 1, 7), id="6-January"),
    pytest.param(dt.date(2026, 12, 25), dt.date(2027, 1, 4), id="New-Year-then-weekend"),
    pytest.param(dt.date(2026, 4, 24), dt.date(2026, 5, 4), id="1-May-then-3-May-Sunday"),
    pytest.param(dt.date(2027, 4, 26), dt.date(2027, 5, 4), id="3-May-on-a-Monday"),
    pytest.param(dt.date(2026, 5, 28), dt.date(2026, 6, 5), id="Corpus-Christi"),
    pytest.param(dt.date(2025, 8, 8), dt.date(2025, 8, 18), id="15-August-on-a-Friday"),
]


@pytest.mark.parametrize(("lodged", "due"), SKO_FORWARDING)
def test_sko_forwarding_limit_moves_past_days_off(lodged: dt.date, due: dt.date) -> None:
    assert appeal_forward_due_on(lodged) == due


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        pytest.param(dt.date(2026, 3, 10), 1, dt.date(2026, 4, 10), id="a-Friday"),
        pytest.param(dt.date(2025, 10, 1), 1, dt.date(2025, 11, 3), id="1-November-Saturday"),
        pytest.param(dt.date(2025, 10, 11), 1, dt.date(2025, 11, 12), id="11-November"),
        pytest.param(dt.date(2025, 10, 24), 2, dt.date(2025, 12, 29), id="24-December-2025"),
        pytest.param(dt.date(2026, 12, 6), 1, dt.date(2027, 1, 7), id="6-January"),
        pytest.param(dt.date(2027, 2, 28), 1, dt.date(2027, 3, 30), id="Easter-2027"),
        pytest.param(dt.date(2026, 3, 6), 1, dt.date(2026, 4, 7), id="Easter-Monday-2026"),
        pytest.param(dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30), id="no-31-April"),
        pytest.param(dt.date(2026, 1, 31), 1, dt.date(2026, 3, 2), id="28-February-Saturday"),
        pytest.param(dt.date(2026, 10, 31), 2, dt.date(2026, 12, 31), id="two-months"),
        pytest.param(dt.date(2026, 10, 26), 2, dt.date(2026, 12, 28), id="two-months-Christmas"),
    ],
)
def test_kpa_art_35_decision_limits(start: dt.date, months: int, due: dt.date) -> None:
    assert add_months_kpa(start, months) == due


@pytest.mark.parametrize(
    ("delivered", "last_day"),
    [
        pytest.param(dt.date(2026, 6, 1), dt.date(2026, 6, 15), id="a-Monday"),
        pytest.param(dt.date(2025, 12, 10), dt.date(2025, 12, 29), id="24-December-2025"),
        pytest.param(dt.date(2026, 10, 28), dt.date(2026, 11, 12), id="11-November-2026"),
        pytest.param(dt.date(2026, 3, 23), dt.date(2026, 4, 7), id="Easter-Monday-2026"),
    ],
)
def test_kpa_art_129_appeal_limit(delivered: dt.date, last_day: dt.date) -> None:
    assert add_days_kpa(delivered, 14) == last_day


# --- the services store the golden dates -------------------------------------------------------


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    """Thursday 7 January 2027 (every golden act below lies in the past)."""
    with frozen_on(dt.date(2027, 1, 7)):
        yield


def _delivered_decision(received_on: dt.date, delivered_on: dt.date) -> Decision:
    """A refusal issued and delivered in the proceedings on an application received that day."""
    manager = user(SLUG, "kierownik")
    head = person(SLUG, last_name="Terminowa")
    opened = case(SLUG, household(SLUG, head), opened_on=received_on)
    with schema_context(SLUG):
        application = application_register(
            user=manager,
            case=opened,
            applicant=head,
            received_on=received_on,
            benefits=["zasilek-celowy"],
        )
        interview = interview_schedule(
            user=manager,
            case=opened,
            worker=manager,
            needed_since=received_on,
            application=application,
        )
        interview_record(
            user=manager,
            interview=interview,
            conducted_on=received_on,
            diagnosis="Trudna sytuacja materialna.",
            help_plan="Zasiłek celowy.",
        )
        authorisation_grant(user=manager, worker=manager, reference="U/1", valid_from=received_on)
        decision = decision_issue(
            user=manager,
            application=application,
            benefit="zasilek-celowy",
            outcome="refuse",
            reasoning="Dochód powyżej kryterium.",
            issued_on=received_on,
        )
        return decision_deliver(user=manager, decision=decision, delivered_on=delivered_on)


@pytest.mark.django_db
def test_services_store_the_moved_limits(frozen_clock: None) -> None:
    manager = user(SLUG, "kierownik")
    # Received on Friday 24 October 2025: a month ends on Monday 24 November, two (particularly
    # complex) on Wednesday 24 December 2025, a holiday followed by two more and a weekend.
    head = person(SLUG, last_name="Złożona")
    opened = case(SLUG, household(SLUG, head), opened_on=dt.date(2025, 10, 24))
    with schema_context(SLUG):
        simple, complex_ = (
            application_register(
                user=manager,
                case=opened,
                applicant=head,
                received_on=dt.date(2025, 10, 24),
                benefits=["zasilek-celowy"],
                is_complex=is_complex,
            )
            for is_complex in (False, True)
        )
    assert simple.decision_due_on == dt.date(2025, 11, 24)
    assert complex_.decision_due_on == dt.date(2025, 12, 29)

    # Delivered on Wednesday 10 December 2025: the 14th day is Christmas Eve, so the appeal may
    # be lodged until Monday 29 December. Lodged on Wednesday 17 December, it is due at the SKO
    # on the 7th day, Christmas Eve again: on Monday 29 December.
    decision = _delivered_decision(dt.date(2025, 12, 1), dt.date(2025, 12, 10))
    with schema_context(SLUG):
        with pytest.raises(ValidationFailed) as late:
            appeal_register(user=manager, decision=decision, lodged_on=dt.date(2025, 12, 30))
        assert late.value.fields["lodged_on"] == [
            "Odwołanie wniesiono po terminie: 14 dni od doręczenia upłynęło 29.12.2025."
        ]
        appeal = appeal_register(user=manager, decision=decision, lodged_on=dt.date(2025, 12, 17))
    assert appeal.forward_due_on == dt.date(2025, 12, 29)
