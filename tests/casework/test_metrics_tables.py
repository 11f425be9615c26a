"""The per-period tables of the metrics contract: every household once per column under one
reason, persons and capped persons, contracts and services, numbers and public codes only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from casework.metrics import centre_month_aggregates
from casework.metrics_tables import (
    FORM_ANY,
    FORM_CONTRACT,
    FORM_SOCIAL_WORK,
    PERSONS_CAP,
    UNKNOWN_REASON,
    PeriodTables,
    ServicesFigures,
    centre_period_tables,
    code_lists,
)
from casework.models import Decision, Household, Person
from casework.models.people import Relation
from casework.models.proceedings import DecisionOutcome
from casework.models.socialwork import ActivityCategory, ContractStatus
from casework.reference.models import AssistanceReason, BenefitType
from tests.casework.factories import assigned, person, user

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
CONTRACT_KEYS = {"signed", "active", "completed", "achieved", "broken"}


def tables(slug: str, first: dt.date = FIRST, last: dt.date = LAST) -> PeriodTables:
    with schema_context(slug):
        return centre_period_tables(first=first, last=last)


def column_total(t: PeriodTables, column: str, figure: str = "households") -> int:
    cells: dict[tuple[str, str], int] = getattr(t, figure)
    return sum(cells[(row, column)] for row in t.reason_rows)


def helped_households(first: dt.date, last: dt.date) -> Any:
    """Households helped in the period, by one query written independently of the module."""
    granted = Q(
        cases__applications__decisions__outcome__in=(
            DecisionOutcome.GRANT,
            DecisionOutcome.PARTIAL,
        ),
        cases__applications__decisions__benefit__in=BenefitType.objects.filter(
            by_decision=True
        ).values("code"),
    ) & (
        Q(
            cases__applications__decisions__period_from__isnull=True,
            cases__applications__decisions__issued_on__range=(first, last),
        )
        | Q(
            cases__applications__decisions__period_from__lte=last,
            cases__applications__decisions__period_to__gte=first,
        )
        | Q(
            cases__applications__decisions__period_from__range=(first, last),
            cases__applications__decisions__period_to__isnull=True,
        )
    )
    social_work = Q(
        activities__category=ActivityCategory.SOCIAL_WORK, activities__day__range=(first, last)
    )
    contract = (
        Q(cases__contracts__signed_on__lte=last, cases__contracts__starts_on__lte=last)
        & ~Q(cases__contracts__status=ContractStatus.DRAFT)
        & (Q(cases__contracts__closed_on__isnull=True) | Q(cases__contracts__closed_on__gte=first))
    )
    return Household.objects.filter(granted | social_work | contract).distinct()


# --- on the demo data ----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["daleszyce", "krasnystaw"])
def test_a_half_year_counts_every_household_once_under_one_reason(slug: str) -> None:
    t = tables(slug)
    with schema_context(slug):
        reasons = list(AssistanceReason.objects.values_list("statistics_column", flat=True))
        decision_codes = list(
            BenefitType.objects.filter(by_decision=True)
            .order_by("order")
            .values_list("code", flat=True)
        )
        helped = helped_households(FIRST, LAST).count()
        social_work = (
            Household.objects.filter(
                activities__category=ActivityCategory.SOCIAL_WORK,
                activities__day__range=(FIRST, LAST),
            )
            .distinct()
            .count()
        )

    assert t.form_columns == (*decision_codes, FORM_SOCIAL_WORK, FORM_CONTRACT, FORM_ANY)
    assert len(set(t.form_columns)) == len(t.form_columns)
    assert t.reason_rows[-1] == UNKNOWN_REASON
    assert len(set(t.reason_rows)) == len(t.reason_rows)
    assert set(t.reason_rows[:-1]) <= set(reasons)
    # "przemoc w rodzinie" and "przemoc domowa" share one row; alcoholism and drugs have two.
    assert "przemoc" in t.reason_rows and {"alkoholizm", "narkomania"} <= set(t.reason_rows)

    cells = {(row, column) for row in t.reason_rows for column in t.form_columns}
    for figure in (t.households, t.persons, t.persons_capped):
        assert set(figure) == cells
    assert set(t.contracts) == CONTRACT_KEYS

    # Rows are additive: each household sits in exactly one row of each column it is counted in.
    assert helped > 50
    assert column_total(t, FORM_ANY) == helped
    assert column_total(t, FORM_SOCIAL_WORK) == social_work
    for cell, households in t.households.items():
        assert households >= 0
        assert t.persons[cell] >= households
        assert households <= t.persons_capped[cell] <= t.persons[cell]
        assert t.persons_capped[cell] <= PERSONS_CAP * households
        assert t.households[(cell[0], FORM_ANY)] >= households
        assert t.persons[(cell[0], FORM_ANY)] >= t.persons[cell]
    for column in t.form_columns:
        assert column_total(t, column) <= helped
    assert column_total(t, "zasilek-celowy") > 0  # one-off grants carry no benefit period
    assert t.contracts["achieved"] <= t.contracts["completed"]
    assert t.contracts["signed"] <= t.contracts["active"]
    assert t.contracts["active"] >= column_total(t, FORM_CONTRACT) > 0


@pytest.mark.parametrize("slug", ["daleszyce", "krasnystaw"])
def test_the_tables_hold_numbers_and_public_codes_only(slug: str) -> None:
    t = tables(slug)
    with schema_context(slug):
        public_rows = set(AssistanceReason.objects.values_list("statistics_column", flat=True))
        public_columns = set(BenefitType.objects.values_list("code", flat=True))
    assert set(t.reason_rows) <= public_rows | {UNKNOWN_REASON}
    assert set(t.form_columns) <= public_columns | {FORM_CONTRACT, FORM_ANY}
    for figure in (t.households, t.persons, t.persons_capped):
        for (row, column), value in figure.items():
            assert type(value) is int
            assert row in t.reason_rows and column in t.form_columns
    assert all(type(value) is int for value in t.contracts.values())
    assert isinstance(t.services, ServicesFigures)
    assert type(t.services.households) is int
    assert isinstance(t.services.hours_planned, Decimal)
    assert isinstance(t.services.hours_delivered, Decimal)
    assert len(t.services.top_shares) <= 2
    assert all(type(share) is float and 0 <= share <= 1 for share in t.services.top_shares)


def test_the_code_lists_cover_every_row_and_column_in_order() -> None:
    lists = code_lists()  # the shared dictionaries: no centre schema needed
    reasons = [code for code, _, _ in lists.reasons]
    forms = [code for code, _ in lists.forms]
    t = tables("daleszyce")
    assert [r for r in reasons if r in t.reason_rows] == list(t.reason_rows)
    assert forms == list(t.form_columns)
    labels = {code: label for code, label, _ in lists.reasons}
    assert labels["przemoc"] == "przemoc domowa" and reasons[-1] == UNKNOWN_REASON
    sensitive = {code for code, _, is_sensitive in lists.reasons if is_sensitive}
    assert {"przemoc", "alkoholizm", "narkomania", "niepelnosprawnosc"} <= sensitive
    assert "ubostwo" not in sensitive
    assert dict(lists.forms)["zasilek-okresowy"] == "zasiłek okresowy"


def test_services_and_contracts_add_up_over_the_months_of_the_period() -> None:
    """Hours planned and delivered follow the monthly metrics' rule, so the months sum to the
    half-year; so do contracts signed."""
    t = tables("krasnystaw")
    planned, delivered, signed = Decimal(0), Decimal(0), 0
    with schema_context("krasnystaw"):
        for month in range(1, 7):
            aggregates = centre_month_aggregates(
                year=2024,
                month=month,
                population=18383,
                versions={"service_hours_delivered_share": 1, "contracts_signed": 1},
            )
            hours = aggregates["service_hours_delivered_share"]
            planned += hours.denominator or 0
            delivered += hours.numerator
            signed += int(aggregates["contracts_signed"].numerator)
    assert t.services.households > 0
    assert t.services.hours_planned == planned > 0
    assert t.services.hours_delivered == delivered > 0
    assert t.contracts["signed"] == signed
    assert sum(t.services.top_shares) <= 1


def test_the_number_of_queries_does_not_grow_with_the_centre() -> None:
    counts = []
    for slug, first, last in (
        ("daleszyce", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        ("myslenice", dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
    ):
        with schema_context(slug), CaptureQueriesContext(connection) as queries:
            centre_period_tables(first=first, last=last)
        counts.append(len([q for q in queries if not q["sql"].startswith("SET search_path")]))
    assert counts[0] == counts[1] <= 12


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        tables("daleszyce", FIRST, FIRST - dt.timedelta(days=1))


# --- hand-built households ------------------------------------------------------------------------

SLUG = "krasnystaw"
P_FIRST, P_LAST = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def new_household(size: int, joined_on: dt.date = dt.date(2024, 1, 1)) -> tuple[Household, Any]:
    """A household of ``size`` members, all in it since ``joined_on``, with an open case."""
    from casework.services.cases import case_open
    from casework.services.people import household_create, household_member_add

    manager = user(SLUG, "kierownik")
    members = [person(SLUG, first_name=f"Osoba{i}") for i in range(size)]
    with schema_context(SLUG):
        household = household_create(user=manager, head=members[0], joined_on=joined_on)
        for member in members[1:]:
            household_member_add(
                user=manager,
                household=household,
                person=member,
                relation=Relation.CHILD,
                joined_on=joined_on,
            )
        case = case_open(user=manager, household=household, opened_on=joined_on)
    return household, case


def intake(household: Household, day: dt.date, reasons: list[str]) -> None:
    from casework.services.intake import intake_register

    with schema_context(SLUG):
        intake_register(
            user=user(SLUG, "kierownik"),
            arrived_at=at(day),
            channel="visit",
            reporter_kind="self",
            reasons=reasons,
            household=household,
        )


def granted(case: Any, benefit: str, received: dt.date, **terms: Any) -> Decision:
    """A decision granting ``benefit``, after an application and a family interview."""
    from casework.services.proceedings import (
        application_register,
        authorisation_grant,
        decision_issue,
        interview_record,
        interview_schedule,
    )

    manager = user(SLUG, "kierownik")
    with schema_context(SLUG):
        applicant = Person.objects.filter(memberships__household=case.household_id)[0]
        application = application_register(
            user=manager, case=case, applicant=applicant, received_on=received, benefits=[benefit]
        )
        interview = interview_schedule(
            user=manager, case=case, worker=manager, needed_since=received, application=application
        )
        interview_record(
            user=manager,
            interview=interview,
            conducted_on=received,
            diagnosis="Diagnoza.",
            help_plan="Plan pomocy.",
        )
        authorisation_grant(user=manager, worker=manager, reference="UPR/T", valid_from=received)
        return decision_issue(
            user=manager,
            application=application,
            benefit=benefit,
            outcome=DecisionOutcome.GRANT,
            reasoning="Uzasadnienie.",
            issued_on=received + dt.timedelta(days=3),
            **terms,
        )


def social_work(household: Household, day: dt.date) -> None:
    from casework.services.socialwork import activity_log

    with schema_context(SLUG):
        activity_log(
            user=user(SLUG, "kierownik"),
            day=day,
            minutes=30,
            category=ActivityCategory.SOCIAL_WORK,
            household=household,
        )


def change(before: PeriodTables, after: PeriodTables, figure: str) -> dict[tuple[str, str], int]:
    old: dict[tuple[str, str], int] = getattr(before, figure)
    new: dict[tuple[str, str], int] = getattr(after, figure)
    return {cell: new[cell] - old[cell] for cell in new if new[cell] != old[cell]}


def test_the_first_reason_in_reference_order_decides_the_row() -> None:
    before = tables(SLUG, P_FIRST, P_LAST)
    household, case = new_household(3)
    # Listed second, but "ubóstwo" comes first in the dictionary (art. 7 point 1).
    intake(household, dt.date(2025, 2, 3), ["alkoholizm", "ubostwo"])
    granted(
        case,
        "zasilek-okresowy",
        dt.date(2025, 2, 3),
        amount=Decimal("300.00"),
        period_from=dt.date(2025, 2, 1),
        period_to=dt.date(2025, 4, 30),
        payment_schedule="monthly",
    )
    social_work(household, dt.date(2025, 3, 4))
    after = tables(SLUG, P_FIRST, P_LAST)

    cells = {("ubostwo", "zasilek-okresowy"), ("ubostwo", FORM_SOCIAL_WORK), ("ubostwo", FORM_ANY)}
    assert change(before, after, "households") == dict.fromkeys(cells, 1)
    assert change(before, after, "persons") == dict.fromkeys(cells, 3)
    assert change(before, after, "persons_capped") == dict.fromkeys(cells, 3)
    assert after.contracts == before.contracts


def test_the_latest_intake_up_to_the_period_end_gives_the_reasons() -> None:
    before = tables(SLUG, P_FIRST, P_LAST)
    household, _ = new_household(1)
    intake(household, dt.date(2024, 5, 6), ["bezrobocie"])
    intake(household, dt.date(2025, 3, 3), ["choroba", "bezdomnosc"])
    intake(household, dt.date(2025, 7, 7), ["ubostwo"])  # after the period: not yet known
    social_work(household, dt.date(2025, 1, 15))
    after = tables(SLUG, P_FIRST, P_LAST)
    assert change(before, after, "households") == {
        ("bezdomnosc", FORM_SOCIAL_WORK): 1,
        ("bezdomnosc", FORM_ANY): 1,
    }


def test_a_household_without_intake_reasons_is_counted_as_unknown() -> None:
    before = tables(SLUG, P_FIRST, P_LAST)
    household, _ = new_household(2)
    social_work(household, dt.date(2025, 6, 30))
    social_work(household, dt.date(2025, 7, 1))  # outside the period
    after = tables(SLUG, P_FIRST, P_LAST)
    assert change(before, after, "households") == {
        (UNKNOWN_REASON, FORM_SOCIAL_WORK): 1,
        (UNKNOWN_REASON, FORM_ANY): 1,
    }
    assert change(before, after, "persons")[(UNKNOWN_REASON, FORM_ANY)] == 2


def test_a_large_household_is_capped_and_a_contract_counts_once() -> None:
    from casework.services.socialwork import contract_create, contract_sign

    assert PERSONS_CAP == 8
    before = tables(SLUG, P_FIRST, P_LAST)
    earlier_before = tables(SLUG, dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    household, case = new_household(PERSONS_CAP + 3)
    intake(household, dt.date(2024, 11, 4), ["macierzynstwo", "bezradnosc"])
    assigned(SLUG, case, "socjalny")  # the social worker's scope (casework.visibility)
    worker = user(SLUG, "socjalny")
    with schema_context(SLUG):
        contract = contract_create(
            user=worker,
            case=case,
            person=Person.objects.filter(memberships__household=household)[0],
            variant="family",
            goals="Cele.",
            client_obligations="Zobowiązania.",
            centre_obligations="Zobowiązania ośrodka.",
            starts_on=dt.date(2025, 2, 1),
            ends_on=dt.date(2025, 9, 30),
        )
        contract_sign(user=worker, contract=contract, signed_on=dt.date(2025, 1, 27))
    social_work(household, dt.date(2025, 2, 10))
    after = tables(SLUG, P_FIRST, P_LAST)

    cells = {
        ("macierzynstwo", FORM_CONTRACT),
        ("macierzynstwo", FORM_SOCIAL_WORK),
        ("macierzynstwo", FORM_ANY),
    }
    assert change(before, after, "households") == dict.fromkeys(cells, 1)
    assert change(before, after, "persons") == dict.fromkeys(cells, PERSONS_CAP + 3)
    assert change(before, after, "persons_capped") == dict.fromkeys(cells, PERSONS_CAP)
    assert {k: after.contracts[k] - before.contracts[k] for k in after.contracts} == {
        "signed": 1,
        "active": 1,
        "completed": 0,
        "achieved": 0,
        "broken": 0,
    }
    # The half-year before signing sees neither the contract nor the household.
    earlier = tables(SLUG, dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    assert change(earlier_before, earlier, "households") == {}
    assert earlier.contracts == earlier_before.contracts


def test_members_are_counted_on_the_last_day_of_the_period() -> None:
    from casework.services.people import household_member_add, household_member_remove

    before = tables(SLUG, P_FIRST, P_LAST)
    household, _ = new_household(2)
    manager = user(SLUG, "kierownik")
    late, gone = person(SLUG, first_name="Późny"), person(SLUG, first_name="Odszedł")
    with schema_context(SLUG):
        household_member_add(
            user=manager,
            household=household,
            person=late,
            relation=Relation.OTHER,
            joined_on=dt.date(2025, 7, 1),
        )
        member = household_member_add(
            user=manager,
            household=household,
            person=gone,
            relation=Relation.OTHER,
            joined_on=dt.date(2024, 1, 1),
        )
        household_member_remove(user=manager, member=member, left_on=dt.date(2025, 5, 31))
    social_work(household, dt.date(2025, 4, 1))
    after = tables(SLUG, P_FIRST, P_LAST)
    assert change(before, after, "persons")[(UNKNOWN_REASON, FORM_ANY)] == 2


def test_grants_count_when_their_benefit_period_meets_the_period() -> None:
    periods = {
        "2024H2": (dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
        "2025H1": (P_FIRST, P_LAST),
        "2025H2": (dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
    }
    before = {name: tables(SLUG, *days) for name, days in periods.items()}
    household, case = new_household(1)
    intake(household, dt.date(2024, 10, 1), ["choroba"])
    # Paid from before the period into it: counted.
    granted(
        case,
        "posilek",
        dt.date(2024, 11, 4),
        period_from=dt.date(2024, 11, 1),
        period_to=dt.date(2025, 1, 31),
    )
    # Open-ended, started before the period: not carried into it.
    granted(
        case,
        "zasilek-staly",
        dt.date(2024, 12, 2),
        amount=Decimal("500.00"),
        period_from=dt.date(2024, 12, 1),
    )
    # A one-off grant recorded without a benefit period (as older records are): its issue day.
    one_off = granted(
        case,
        "zasilek-celowy",
        dt.date(2025, 6, 23),
        amount=Decimal("400.00"),
        period_from=dt.date(2025, 6, 26),
    )
    with schema_context(SLUG):
        Decision.objects.filter(pk=one_off.pk).update(period_from=None, period_to=None)
    after = {name: tables(SLUG, *days) for name, days in periods.items()}
    assert change(before["2024H2"], after["2024H2"], "households") == {
        ("choroba", "posilek"): 1,
        ("choroba", "zasilek-staly"): 1,
        ("choroba", FORM_ANY): 1,
    }
    assert change(before["2025H1"], after["2025H1"], "households") == {
        ("choroba", "posilek"): 1,
        ("choroba", "zasilek-celowy"): 1,
        ("choroba", FORM_ANY): 1,
    }
    assert change(before["2025H2"], after["2025H2"], "households") == {}
