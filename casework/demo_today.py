"""Open work for today in the demo centres: what each demo account finds on its dashboard.

``casework.demo.build`` writes history up to yesterday, in which every deadline has been met or
lies far ahead, so a tester logging in would find nothing to do. ``build(centre=...)`` adds a
small amount of current work, written through the casework services while acting as the demo
account concerned (so rules are checked and the audit trail names that account), on synthetic
households that already exist, preferably ones whose open case is assigned to that account:

* ``swiadczenia`` (benefits): four applications – an urgent one whose family interview is
  overdue, one with the interview done and the KPA time limit within a few working days, one
  past its time limit, and a fresh one awaiting its interview; a valid decision authorisation is
  granted by the manager if the account holds none. (A KPA limit is a month, so the applications
  due soon were received three to five weeks ago.)
* ``socjalny`` (social worker): two social contracts in force, one with a review due within three
  working days (an earlier review done) and one with a review two working days overdue.
* ``uslugi`` (services coordinator): two applications for care services awaiting the family
  interview, one due within five working days, one just overdue.
* ``pierwszy.kontakt`` (first contact): two intakes from this morning, one routed to the benefits
  team and ``swiadczenia``, one to the social-work team with no worker yet (the team's queue).
* ``kierownik`` sees all of this in the centre's deadlines; ``audytor`` needs nothing.

Idempotent: each part is skipped when its account has already created a record of that kind
through the services – the audit trail holds a ``create`` entry by that account for an
application, a social contract or an intake. The history builder writes no audit entries (it
uses COPY), so only this builder, or a tester working in the web UI, leaves that mark; in both
cases the account already has live work and nothing is added. A centre without synthetic
households is skipped quietly. Deterministic for a given day: ``random.Random`` seeded by the
centre's slug.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.audit import Actor, acting_as
from casework.calendar_days import add_months_kpa, add_working_days, is_working_day
from casework.demo.vocabulary import CENTRE_OBLIGATIONS, CONTRACT_GOALS, DIAGNOSES, HELP_PLANS
from casework.models import (
    Application,
    AuditEntry,
    Case,
    CaseAssignment,
    Household,
    HouseholdMember,
    Intake,
    Person,
    SocialContract,
)
from casework.models.audit import AuditAction
from casework.models.cases import CaseStatus
from casework.models.intake import Channel, ReporterKind
from casework.models.proceedings import ApplicationStatus
from casework.models.socialwork import ContractStatus, ContractVariant
from casework.reference.selectors import invalid_reason_codes
from casework.services.intake import intake_register, intake_route
from casework.services.proceedings import (
    application_register,
    authorisation_grant,
    authorisation_valid_on,
    interview_record,
    interview_schedule,
)
from casework.services.socialwork import (
    contract_create,
    contract_review_plan,
    contract_review_record,
    contract_sign,
)
from tenants.accounts.models import User
from tenants.models import Centre
from tenants.org.models import CanonicalFunction, StaffPosition, Team

logger = logging.getLogger(__name__)

BENEFITS_USER = "swiadczenia"
SOCIAL_USER = "socjalny"
SERVICES_USER = "uslugi"
DESK_USER = "pierwszy.kontakt"
MANAGER_USER = "kierownik"


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``day`` (``day`` itself does not count)."""
    current = day
    remaining = days
    while remaining > 0:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def received_for_due(today: dt.date, earliest: dt.date, latest: dt.date) -> dt.date | None:
    """The latest working day whose one-month KPA time limit falls within [earliest, latest]."""
    for back in range(15, 60):
        received = today - dt.timedelta(days=back)
        if is_working_day(received) and earliest <= add_months_kpa(received, 1) <= latest:
            return received
    return None


def _created_by(user: User, model: type[Any]) -> bool:
    """Whether ``user`` has created a record of ``model`` through the services (audit trail)."""
    return AuditEntry.objects.filter(
        actor_id=user.pk, action=AuditAction.CREATE, object_type=model._meta.label_lower
    ).exists()


def _applicant(case: Case) -> Person | None:
    """The head of the case's household, else its oldest current member."""
    members = HouseholdMember.objects.filter(
        household_id=case.household_id, left_on__isnull=True
    ).select_related("person")
    head = members.filter(relation="head").order_by("id").first()
    chosen = head or members.order_by("person__date_of_birth", "id").first()
    return chosen.person if chosen else None


def _free_cases(user: User, function: str, busy: QuerySet[Any]) -> list[Case]:
    """Open synthetic cases currently assigned to ``user`` for ``function`` (else to the user's
    team, else any open synthetic case) with nothing ``busy`` on them, in id order."""
    base = Case.objects.filter(status=CaseStatus.OPEN, household__is_synthetic=True).exclude(
        Exists(busy.filter(case=OuterRef("pk")))
    )
    current = CaseAssignment.objects.filter(case=OuterRef("pk"), ended_on__isnull=True)
    teams = StaffPosition.objects.filter(person_id=user.pk, ended_on__isnull=True).values("team_id")
    for narrowed in (
        base.filter(Exists(current.filter(worker_id=user.pk, function=function))),
        base.filter(Exists(current.filter(team_id__in=teams, function=function))),
        base,
    ):
        cases = [c for c in narrowed.order_by("id")[:200] if _applicant(c) is not None]
        if cases:
            return cases
    return []


def _pick(rng: random.Random, cases: list[Case], count: int, taken: set[int]) -> Iterator[Case]:
    pool = [c for c in cases if c.pk not in taken]
    for case in rng.sample(pool, min(count, len(pool))):
        taken.add(case.pk)
        yield case


def _benefits(rng: random.Random, today: dt.date, users: dict[str, Any], taken: set[int]) -> int:
    user = users[BENEFITS_USER]
    if _created_by(user, Application):
        return 0
    if authorisation_valid_on(user, today) is None and MANAGER_USER in users:
        manager = users[MANAGER_USER]
        with acting_as(Actor.for_user(manager)):
            authorisation_grant(
                user=manager,
                worker=user,
                reference=f"UPR/{today.year}/DEMO",
                valid_from=working_days_before(today, 20),
            )
    busy = Application.objects.filter(status=ApplicationStatus.PENDING)
    cases = list(_pick(rng, _free_cases(user, CanonicalFunction.BENEFITS, busy), 4, taken))
    plans: list[tuple[dt.date | None, list[str], bool, int | None]] = [
        # (received, benefits, urgent, interview done this many working days after receipt)
        (working_days_before(today, 4), ["zasilek-celowy"], True, None),
        (
            received_for_due(today, add_working_days(today, 1), add_working_days(today, 4)),
            [rng.choice(("zasilek-okresowy", "zasilek-staly"))],
            False,
            5,
        ),
        (
            received_for_due(today, working_days_before(today, 3), working_days_before(today, 1)),
            ["zasilek-celowy", "posilek"],
            False,
            7,
        ),
        (working_days_before(today, 2), [rng.choice(("zasilek-okresowy", "posilek"))], False, None),
    ]
    created = 0
    with acting_as(Actor.for_user(user)):
        for case, (received, benefits, urgent, done_after) in zip(cases, plans, strict=False):
            applicant = _applicant(case)
            if received is None or applicant is None or received < case.opened_on:
                continue
            application = application_register(
                user=user,
                case=case,
                applicant=applicant,
                received_on=received,
                benefits=benefits,
                urgent=urgent,
            )
            interview = interview_schedule(
                user=user, case=case, worker=user, needed_since=received, application=application
            )
            if done_after is not None:
                interview_record(
                    user=user,
                    interview=interview,
                    conducted_on=min(add_working_days(received, done_after), today),
                    diagnosis=rng.choice(DIAGNOSES),
                    help_plan=rng.choice(HELP_PLANS),
                )
            created += 1
    return created


def _services(rng: random.Random, today: dt.date, users: dict[str, Any], taken: set[int]) -> int:
    user = users[SERVICES_USER]
    if _created_by(user, Application):
        return 0
    busy = Application.objects.filter(status=ApplicationStatus.PENDING)
    cases = list(_pick(rng, _free_cases(user, CanonicalFunction.SERVICES, busy), 2, taken))
    # Interviews are due 14 working days after receipt: one in 4 working days, one 1 day overdue.
    received_days = (working_days_before(today, 10), working_days_before(today, 15))
    created = 0
    with acting_as(Actor.for_user(user)):
        for case, received in zip(cases, received_days, strict=False):
            applicant = _applicant(case)
            if applicant is None or received < case.opened_on:
                continue
            application = application_register(
                user=user,
                case=case,
                applicant=applicant,
                received_on=received,
                benefits=["uslugi-opiekuncze"],
            )
            interview_schedule(
                user=user, case=case, worker=user, needed_since=received, application=application
            )
            created += 1
    return created


def _social(rng: random.Random, today: dt.date, users: dict[str, Any], taken: set[int]) -> int:
    user = users[SOCIAL_USER]
    if _created_by(user, SocialContract):
        return 0
    busy = SocialContract.objects.filter(
        status__in=[ContractStatus.DRAFT, ContractStatus.SIGNED, ContractStatus.ACTIVE]
    )
    cases = list(_pick(rng, _free_cases(user, CanonicalFunction.SOCIAL_WORK, busy), 2, taken))
    # (start, the open review's due date, an earlier review done)
    plans = [
        (today - dt.timedelta(days=rng.randint(80, 95)), add_working_days(today, 3), True),
        (today - dt.timedelta(days=rng.randint(40, 55)), working_days_before(today, 2), False),
    ]
    variants = (ContractVariant.UNEMPLOYED, ContractVariant.FAMILY, ContractVariant.STANDARD)
    created = 0
    with acting_as(Actor.for_user(user)):
        for case, (start, review_due, earlier) in zip(cases, plans, strict=False):
            person = _applicant(case)
            if person is None:
                continue
            start = max(start, case.opened_on)
            variant = rng.choice(variants).value
            goals, client, _ = CONTRACT_GOALS[variant]
            contract = contract_create(
                user=user,
                case=case,
                person=person,
                variant=variant,
                goals=goals,
                client_obligations=client,
                centre_obligations=CENTRE_OBLIGATIONS,
                starts_on=start,
                ends_on=start + dt.timedelta(days=182),
            )
            contract = contract_sign(user=user, contract=contract, signed_on=start)
            first = add_months_kpa(start, 1)
            if earlier and first < review_due and first <= today:
                review = contract_review_plan(user=user, contract=contract, due_on=first)
                contract_review_record(
                    user=user,
                    review=review,
                    done_on=first,
                    note="Realizacja zgodna z ustaleniami; osoba współpracuje.",
                )
            if review_due >= start:
                contract_review_plan(user=user, contract=contract, due_on=review_due)
            created += 1
    return created


def _team_of(function: str, person: User | None) -> Team | None:
    """The team where ``person`` works with ``function`` first, else the first team whose main
    function is ``function`` (routing assigns the case for the team's first function)."""
    teams = [t for t in Team.objects.order_by("id") if t.functions and t.functions[0] == function]
    if person is not None:
        mine = set(
            StaffPosition.objects.filter(person_id=person.pk, ended_on__isnull=True).values_list(
                "team_id", flat=True
            )
        )
        teams.sort(key=lambda t: t.pk not in mine)
    return teams[0] if teams else None


def _desk(rng: random.Random, today: dt.date, users: dict[str, Any]) -> int:
    """Two intakes from this morning, routed before the builder runs (never in the future)."""
    user = users[DESK_USER]
    if _created_by(user, Intake):
        return 0
    households = list(
        Household.objects.filter(is_synthetic=True)
        .exclude(cases__status=CaseStatus.OPEN)
        .filter(Exists(HouseholdMember.objects.filter(household=OuterRef("pk"), left_on=None)))
        .order_by("id")[:300]
    )
    now = timezone.now()
    tz = timezone.get_current_timezone()
    morning = dt.datetime.combine(today, dt.time(8, 5), tzinfo=tz)
    start_of_day = dt.datetime.combine(today, dt.time(0, 0), tzinfo=tz)
    arrived = max(min(morning, now - dt.timedelta(minutes=40)), start_of_day)
    routes = [
        (CanonicalFunction.BENEFITS, users.get(BENEFITS_USER), ["ubostwo", "bezrobocie"]),
        (CanonicalFunction.SOCIAL_WORK, None, ["bezradnosc", "ubostwo"]),
    ]
    created = 0
    with acting_as(Actor.for_user(user)):
        for household, (function, worker, reasons) in zip(
            rng.sample(households, min(2, len(households))), routes, strict=False
        ):
            team = _team_of(function, worker or users.get(SOCIAL_USER))
            member = (
                HouseholdMember.objects.filter(household=household, left_on__isnull=True)
                .select_related("person")
                .order_by("id")
                .first()
            )
            valid = [r for r in reasons if r not in invalid_reason_codes(reasons, today)]
            if team is None or member is None or not valid:
                continue
            intake = intake_register(
                user=user,
                arrived_at=arrived,
                channel=Channel.VISIT if created == 0 else Channel.PHONE,
                reporter_kind=ReporterKind.SELF,
                reasons=valid,
                person=member.person,
                household=household,
                notes="Osoba prosi o pomoc; zgłoszenie przekazano do zespołu.",
            )
            intake_route(
                user=user,
                intake=intake,
                team=team,
                worker=worker,
                note="Przekazano zgodnie z właściwością zespołu.",
                at=min(arrived + dt.timedelta(minutes=12), now),
            )
            arrived = min(arrived + dt.timedelta(minutes=25), now)
            created += 1
    return created


def build(*, centre: Centre) -> None:
    """Give the centre's demo accounts open work for today (idempotent; see the docstring)."""
    with schema_context(centre.schema_name):
        if not Household.objects.filter(is_synthetic=True).exists():
            return
        usernames = (BENEFITS_USER, SOCIAL_USER, SERVICES_USER, DESK_USER, MANAGER_USER)
        users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
        today = timezone.localdate()
        rng = random.Random(f"{centre.slug}:today")  # noqa: S311 - synthetic data
        taken: set[int] = set()
        counts: dict[str, int] = {}
        with transaction.atomic():
            if BENEFITS_USER in users:
                counts["benefits"] = _benefits(rng, today, users, taken)
            if SERVICES_USER in users:
                counts["services"] = _services(rng, today, users, taken)
            if SOCIAL_USER in users:
                counts["social"] = _social(rng, today, users, taken)
            if DESK_USER in users:
                counts["desk"] = _desk(rng, today, users)
    if any(counts.values()):
        logger.info("demo work for today in %s: %s", centre.slug, counts)
