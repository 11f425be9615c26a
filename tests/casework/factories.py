"""Builders for casework tests: API clients with a token for a demo account, and records created
through the services (so they pass the same rules users' records do)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import Case, Household, Person
from casework.pesel import make as make_pesel
from tenants.accounts.models import User
from tenants.demo import DEMO_PASSWORD

_serial = itertools.count(1)


def api(slug: str, username: str, device: str = "") -> Client:
    """A client on the centre's host, authenticated with a token of the demo account. A token is
    one per device: a second client of the same account on the same ``device`` ends the first's."""
    client = Client(HTTP_HOST=f"{slug}.localhost")
    response = client.post(
        "/api/auth/token/",
        {"username": username, "password": DEMO_PASSWORD, "name": device},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return Client(
        HTTP_HOST=f"{slug}.localhost", HTTP_AUTHORIZATION=f"Token {response.json()['token']}"
    )


def user(slug: str, username: str) -> User:
    with schema_context(slug):
        return User.objects.get(username=username)


def new_pesel(born: dt.date = dt.date(1980, 5, 17), *, female: bool = True) -> str:
    return make_pesel(born, 500 + next(_serial) % 499, female)


def person(slug: str, **fields: Any) -> Person:
    from casework.services.people import person_create

    values: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "Przykładowa",
        "pesel": new_pesel(),
        "street": "ul. Testowa 1",
        "postal_code": "22-300",
        "city": "Krasnystaw",
    } | fields
    with schema_context(slug):
        return person_create(user=user(slug, "kierownik"), **values)


def household(slug: str, head: Person | None = None) -> Household:
    from casework.services.people import household_create

    head = head or person(slug)
    with schema_context(slug):
        return household_create(user=user(slug, "kierownik"), head=head)


def case(slug: str, hh: Household | None = None, opened_on: dt.date | None = None) -> Case:
    from casework.services.cases import case_open

    hh = hh or household(slug)
    with schema_context(slug):
        return case_open(
            user=user(slug, "kierownik"), household=hh, opened_on=opened_on or timezone.localdate()
        )


ROLE_FUNCTIONS = {
    "benefits": "benefits",
    "social_worker": "social_work",
    "services_coordinator": "services",
}


def assigned(slug: str, opened: Case, username: str, function: str | None = None) -> Case:
    """Assign the case (as the manager) to the team where the demo account holds its post, and
    to the account, so that the account's scope includes the household (casework.visibility).
    The function is the account's role's, where its team carries it."""
    from casework.services.cases import case_assign
    from tenants.org.models import StaffPosition

    worker = user(slug, username)
    with schema_context(slug):
        position = (
            StaffPosition.objects.filter(person=worker, ended_on__isnull=True)
            .select_related("team")
            .order_by("id")
            .first()
        )
        assert position is not None, f"{username} holds no post at {slug}"
        if function is None and ROLE_FUNCTIONS.get(worker.role) in position.team.functions:
            function = ROLE_FUNCTIONS[worker.role]
        case_assign(
            user=user(slug, "kierownik"),
            case=opened,
            team=position.team,
            worker=worker,
            function=function,
        )
    return opened


def open_to(slug: str, opened: Case, *usernames: str) -> Case:
    """Bring the case into the scope of each demo account: the team roles by assignment, first
    contact by break-glass access (it sees no case file otherwise); managers and auditors see
    every case already."""
    from casework.visibility import TEAM_ROLES, break_glass_grant

    for username in usernames:
        account = user(slug, username)
        if account.role in TEAM_ROLES:
            assigned(slug, opened, username)
        elif account.role == "first_contact":
            with schema_context(slug):
                break_glass_grant(
                    user=account, household=opened.household, reason="Test: dostęp do sprawy."
                )
    return opened
