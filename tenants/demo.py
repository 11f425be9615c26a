"""Synthetic demo data for the platform's own centres: staff with positions and demo accounts.

Everything here is invented (names are drawn from common Polish first names and surnames, never
from real people) and is only written in demo mode, which requires DEBUG. Deterministic per centre,
and idempotent: running it again creates nothing new.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_tenants.utils import schema_context

from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.org.models import CanonicalFunction, StaffPosition, Team

DEMO_PASSWORD = "Demo-OPS-2026!"  # noqa: S105 - public by design, accepted only in demo mode

# username → (role, canonical function of the team the account works in, or None)
STAFF_DEMO_ACCOUNTS: tuple[tuple[str, Role, str | None], ...] = (
    ("pierwszy.kontakt", Role.FIRST_CONTACT, CanonicalFunction.FIRST_CONTACT),
    ("swiadczenia", Role.BENEFITS, CanonicalFunction.BENEFITS),
    ("socjalny", Role.SOCIAL_WORKER, CanonicalFunction.SOCIAL_WORK),
    ("uslugi", Role.SERVICES_COORDINATOR, CanonicalFunction.SERVICES),
    ("kierownik", Role.MANAGER, None),
    ("audytor", Role.AUDITOR, None),
)

PORTAL_DEMO_ACCOUNTS: tuple[tuple[str, Role, tuple[str, ...]], ...] = (
    ("koordynator.malopolskie", Role.REGIONAL_COORDINATOR, ("12",)),
    ("koordynator.lubelskie", Role.REGIONAL_COORDINATOR, ("06",)),
    ("koordynator.mazowieckie", Role.REGIONAL_COORDINATOR, ("14",)),
    ("koordynator.swietokrzyskie", Role.REGIONAL_COORDINATOR, ("26",)),
    ("koordynator.podkarpackie", Role.REGIONAL_COORDINATOR, ("18",)),
    ("koordynator.wschod", Role.REGIONAL_COORDINATOR, ("06", "18", "26")),
    ("analityk", Role.MINISTRY_ANALYST, ()),
)

_FIRST_F = (
    "Anna",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Joanna",
    "Magdalena",
    "Monika",
    "Aleksandra",
    "Beata",
    "Dorota",
    "Justyna",
    "Renata",
    "Iwona",
    "Marta",
)
_FIRST_M = (
    "Piotr",
    "Krzysztof",
    "Tomasz",
    "Paweł",
    "Michał",
    "Marcin",
    "Grzegorz",
    "Adam",
    "Łukasz",
    "Wojciech",
    "Jakub",
    "Rafał",
)
_LAST = (
    "Nowak",
    "Wójcik",
    "Kowalczyk",
    "Woźniak",
    "Mazur",
    "Krawczyk",
    "Kaczmarek",
    "Zając",
    "Król",
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Pawłowski",
    "Michalski",
    "Sikora",
    "Baran",
    "Duda",
    "Szewczyk",
    "Tomaszewski",
    "Pietrzak",
    "Marciniak",
    "Dudek",
    "Zalewski",
    "Jasiński",
)


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # The demo password is public, so one hash (one salt) serves every demo account: hashing it
    # once per account would cost most of the provisioning time.
    return make_password(DEMO_PASSWORD)


@dataclass(frozen=True)
class DemoLogin:
    host: str
    username: str
    role: str
    password: str = DEMO_PASSWORD


def _require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured(
            "Dane demonstracyjne można tworzyć tylko w trybie demo (DEBUG i DEMO_MODE włączone)."
        )


def _female_surname(surname: str) -> str:
    for ending, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + female
    return surname


def _person(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(_LAST)
    if rng.random() < 0.8:  # the profession is mostly women
        return rng.choice(_FIRST_F), _female_surname(surname)
    return rng.choice(_FIRST_M), surname


def _headcount_planned(centre: Centre, team: Team, teams: list[Team], fixed: dict[str, int]) -> int:
    """Headcount for a team: the registry's where the source gives it, else a synthetic plan that
    keeps the centre near the statutory norm of one social worker per 2,000 residents (and one
    post for a local-activity unit)."""
    if team.code in fixed:
        return fixed[team.code]
    if team.functions == [CanonicalFunction.LOCAL_ACTIVITY]:
        return 1
    total = max(3, round(centre.population / 2000))
    share = {
        CanonicalFunction.FIRST_CONTACT: 0.08,
        CanonicalFunction.BENEFITS: 0.42,
        CanonicalFunction.SOCIAL_WORK: 0.35,
        CanonicalFunction.SERVICES: 0.15,
    }
    # Split a function's share between the teams that carry it.
    carriers = {f: sum(1 for t in teams if f in t.functions) for f in team.functions}
    weight = sum(share.get(CanonicalFunction(f), 0.0) / carriers[f] for f in team.functions)
    return max(1, round(total * weight)) if weight else 0


@transaction.atomic
def demo_staff_ensure(*, centre: Centre, fixed_headcounts: dict[str, int]) -> list[DemoLogin]:
    """Create synthetic staff, their positions and the demo accounts of one centre (idempotent)."""
    _require_demo_mode()
    user_model = get_user_model()
    rng = random.Random(f"staff:{centre.slug}")
    host = f"{centre.slug}.{settings.PORTAL_HOST}"
    logins: list[DemoLogin] = []
    with schema_context(centre.schema_name):
        teams = [t for t in Team.objects.all() if t.functions]
        go_live = centre.programme.go_live
        for username, role, function in STAFF_DEMO_ACCOUNTS:
            first, last = _person(rng)
            user = user_model.objects.filter(username=username).first()
            if user is None:
                user = user_model(
                    username=username, first_name=first, last_name=last, role=role, is_demo=True
                )
                user.password = _demo_password_hash()
                user.full_clean()
                user.save()
            if function is not None:
                team = next((t for t in teams if function in t.functions), None)
                if team is not None and not StaffPosition.objects.filter(person=user).exists():
                    StaffPosition.objects.create(
                        team=team,
                        person=user,
                        job_title=_job_title(team),
                        fte=Decimal("1.00"),
                        is_social_worker=_is_social_work_post(team),
                        started_on=go_live,
                    )
            logins.append(DemoLogin(host=host, username=username, role=str(role.label)))
        for team in teams:
            planned = _headcount_planned(centre, team, teams, fixed_headcounts)
            present = StaffPosition.objects.filter(team=team).count()
            for index in range(present, planned):
                first, last = _person(rng)
                user = user_model(
                    username=f"{team.code}.{index + 1}",
                    first_name=first,
                    last_name=last,
                    role=_role_for(team),
                    is_demo=True,
                )
                user.set_unusable_password()
                user.save()
                StaffPosition.objects.create(
                    team=team,
                    person=user,
                    job_title=_job_title(team),
                    fte=Decimal("1.00") if index % 7 else Decimal("0.75"),
                    is_social_worker=_is_social_work_post(team),
                    started_on=date(min(go_live.year - 3, 2015), 1, 1) if index % 3 else go_live,
                )
    return logins


def _is_social_work_post(team: Team) -> bool:
    return team.functions != [CanonicalFunction.LOCAL_ACTIVITY]


def _job_title(team: Team) -> str:
    if team.functions == [CanonicalFunction.LOCAL_ACTIVITY]:
        return "specjalista ds. PAL i środków zewnętrznych"
    return "pracownik socjalny"


def _role_for(team: Team) -> Role:
    order = (
        (CanonicalFunction.FIRST_CONTACT, Role.FIRST_CONTACT),
        (CanonicalFunction.BENEFITS, Role.BENEFITS),
        (CanonicalFunction.SOCIAL_WORK, Role.SOCIAL_WORKER),
        (CanonicalFunction.SERVICES, Role.SERVICES_COORDINATOR),
    )
    for function, role in order:
        if function in team.functions:
            return role
    return Role.SOCIAL_WORKER


@transaction.atomic
def demo_portal_accounts_ensure() -> list[DemoLogin]:
    """Create the portal's demo accounts in the public schema (idempotent)."""
    _require_demo_mode()
    user_model = get_user_model()
    rng = random.Random("portal")
    logins: list[DemoLogin] = []
    with schema_context("public"):
        for username, role, voivodeships in PORTAL_DEMO_ACCOUNTS:
            first, last = _person(rng)
            if not user_model.objects.filter(username=username).exists():
                user = user_model(
                    username=username,
                    first_name=first,
                    last_name=last,
                    role=role,
                    voivodeships=list(voivodeships),
                    is_demo=True,
                )
                user.password = _demo_password_hash()
                user.full_clean()
                user.save()
            logins.append(
                DemoLogin(host=settings.PORTAL_HOST, username=username, role=str(role.label))
            )
    return logins
