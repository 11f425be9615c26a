"""Demo data for retention (``make run``): at each centre two synthetic households whose cases
were closed in 2014, long enough ago to be past the default ten-year rule, one of them under
legal hold. A retention run (``manage.py retention_run <slug>``, or the nightly job) anonymises the
first and keeps the second. Idempotent: a centre that already has them is left alone.

The people are synthetic (valid-format PESEL numbers built by ``casework.pesel.make`` that are
not in use at the centre), with surnames that make them easy to find before the run:
"Archiwalna"/"Archiwalny" for the case that goes, "Wstrzymana"/"Wstrzymany" for the held one.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tenants.utils import schema_context

from casework import pesel
from casework.models import (
    Application,
    Case,
    Decision,
    DecisionAuthorisation,
    FamilyInterview,
    Household,
    HouseholdMember,
    IncomeRecord,
    Intake,
    Person,
)
from casework.models.cases import CaseStatus
from casework.models.intake import Channel, IntakeOutcome, ReporterKind
from casework.models.proceedings import ApplicationStatus, DecisionOutcome, InterviewKind
from casework.privacy.services import legal_hold_set
from casework.services.numbering import next_number
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.org.models import Team

logger = logging.getLogger(__name__)

OPENED = dt.date(2012, 3, 1)
CLOSED = dt.date(2014, 6, 30)
HOLD_REASON = (
    "Dane syntetyczne: postępowanie sądowe w toku (przykładowa sygnatura I C 000/26) – "
    "akta potrzebne jako dowód."
)


def _unused_pesel(rng: random.Random, born: dt.date, female: bool) -> str:
    while True:
        number = pesel.make(born, rng.randrange(1000), female)
        if not Person.objects.filter(pesel=number).exists():
            return number


def _person(rng: random.Random, first: str, last: str, born: dt.date, female: bool) -> Person:
    return Person.objects.create(
        first_name=first,
        last_name=last,
        pesel=_unused_pesel(rng, born, female),
        date_of_birth=born,
        sex="F" if female else "M",
        street="ul. Przykładowa 7",
        postal_code="00-000",
        city="Miejscowość",
        phone="500 000 000",
        is_synthetic=True,
    )


def old_case(
    rng: random.Random,
    surname: tuple[str, str],
    users: dict[str, Any],
    *,
    opened: dt.date = OPENED,
    closed: dt.date = CLOSED,
) -> Case:
    """A closed case of a new synthetic household: intake, application, interview and (when the
    centre has a decision authorisation) a decision, with free text in every field that has it."""
    worker = users["worker"]
    day = opened
    household = Household.objects.create(
        street="ul. Przykładowa 7", postal_code="00-000", city="Miejscowość", is_synthetic=True
    )
    head = _person(rng, "Barbara", surname[0], dt.date(1961, 4, 12), True)
    son = _person(rng, "Tomasz", surname[1], dt.date(1990, 9, 3), False)
    head_member = HouseholdMember.objects.create(
        household=household, person=head, relation="head", joined_on=day
    )
    HouseholdMember.objects.create(household=household, person=son, relation="child", joined_on=day)
    IncomeRecord.objects.create(
        member=head_member,
        as_of=day,
        amount=Decimal("812.00"),
        source="renta",
        recorded_by=worker,
    )
    case = Case.objects.create(
        number=next_number(Case, day.year),
        household=household,
        opened_on=day,
        status=CaseStatus.CLOSED,
        closed_on=closed,
        closing_reason="Dane syntetyczne: ustała potrzeba pomocy.",
    )
    Intake.objects.create(
        arrived_at=dt.datetime(day.year, day.month, day.day, 9, 15, tzinfo=dt.UTC),
        channel=Channel.VISIT,
        reporter_kind=ReporterKind.SELF,
        reporter_name=f"Barbara {surname[0]}",
        person=head,
        household=household,
        reasons=["choroba"],
        notes="Dane syntetyczne: opis sytuacji zdrowotnej i rodzinnej.",
        outcome=IntakeOutcome.ROUTED,
        routed_team=users.get("team"),
        routed_worker=worker,
        resolved_at=dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=dt.UTC),
        case=case,
        registered_by=worker,
    )
    application = Application.objects.create(
        case=case,
        applicant=head,
        received_on=day + dt.timedelta(days=4),
        benefits=["zasilek-okresowy"],
        status=ApplicationStatus.DECIDED,
        decision_due_on=day + dt.timedelta(days=34),
        registered_by=worker,
    )
    interview = FamilyInterview.objects.create(
        case=case,
        application=application,
        kind=InterviewKind.FULL,
        needed_since=day + dt.timedelta(days=4),
        due_on=day + dt.timedelta(days=22),
        conducted_on=day + dt.timedelta(days=11),
        worker=worker,
        diagnosis="Dane syntetyczne: diagnoza sytuacji rodziny.",
        help_plan="Dane syntetyczne: plan pomocy.",
    )
    authorisation = users["authorisation"]
    if authorisation is not None:
        Decision.objects.create(
            application=application,
            number=next_number(Decision, "D", day.year),
            outcome=DecisionOutcome.GRANT,
            benefit="zasilek-okresowy",
            amount=Decimal("418.00"),
            period_from=day + dt.timedelta(days=31),
            period_to=day + dt.timedelta(days=200),
            payment_schedule="monthly",
            legal_basis="art. 38 ustawy o pomocy społecznej",
            reasoning="Dane syntetyczne: uzasadnienie decyzji z opisem sytuacji.",
            issued_on=day + dt.timedelta(days=19),
            issued_by=authorisation.worker,
            authorisation=authorisation,
            interview=interview,
        )
    return case


def build(*, centre: Centre) -> None:
    """Add the two old cases to the centre (idempotent; see the module docstring)."""
    with schema_context(centre.schema_name):
        if Case.objects.filter(opened_on=OPENED, household__is_synthetic=True).exists():
            return
        staff = get_user_model().objects.filter(is_active=True)
        worker = (
            staff.filter(role__in=(Role.BENEFITS, Role.SOCIAL_WORKER)).order_by("id").first()
            or staff.order_by("id").first()
        )
        manager = staff.filter(role=Role.MANAGER).order_by("id").first() or worker
        if worker is None or manager is None:
            return
        users = {
            "worker": worker,
            "team": Team.objects.filter(functions__contains=["benefits"]).order_by("id").first()
            or Team.objects.exclude(functions=[]).order_by("id").first(),
            "authorisation": DecisionAuthorisation.objects.order_by("valid_from", "id").first(),
        }
        rng = random.Random(f"{centre.slug}:retention")  # noqa: S311 - synthetic data
        with transaction.atomic():
            expired = old_case(rng, ("Archiwalna", "Archiwalny"), users)
            held = old_case(rng, ("Wstrzymana", "Wstrzymany"), users)
            legal_hold_set(user=manager, case=held, reason=HOLD_REASON)
    logger.info(
        "retention demo for %s: expired case %s, held case %s",
        centre.slug,
        expired.number,
        held.number,
    )
