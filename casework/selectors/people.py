"""Reads of people and households: search, detail with members, income against the criterion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from casework.models import Household, HouseholdMember, IncomeRecord, Person
from casework.reference.selectors import income_criterion_on
from casework.selectors.lookup import get_or_404, get_or_field_error
from casework.visibility import persons_q
from opsplatform.errors import NotFound
from tenants.accounts.models import User


def person_search(*, query: str = "") -> QuerySet[Person]:
    """People matching every word of ``query`` by name, PESEL or address (case-insensitive)."""
    people = Person.objects.all()
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(pesel__startswith=word)
            | Q(document_number__iexact=word)
            | Q(street__icontains=word)
            | Q(city__icontains=word)
        )
    return people.order_by("last_name", "first_name", "id")


def person_search_for(*, user: User, query: str = "") -> QuerySet[Person]:
    """``person_search`` narrowed to the people whose identity data ``user`` may see
    (``casework.visibility.persons_q``, the rule ``GET /api/people/<id>/`` applies): the API's
    list of people and the desk's search, so neither shows what the other hides."""
    return person_search(query=query).filter(persons_q(user))


def person_get(*, public_id: UUID | str) -> Person:
    return get_or_404(Person.objects.all(), public_id, "Nie znaleziono osoby.")


def person_by_id(public_id: UUID | str, *, field: str = "person") -> Person:
    """A person named in request data (an unknown id is a 400 on ``field``)."""
    return get_or_field_error(Person.objects.all(), public_id, field, "Nie znaleziono osoby.")


def household_list(*, query: str = "") -> QuerySet[Household]:
    households = Household.objects.prefetch_related(_current_members())
    for word in query.split():
        households = households.filter(
            Q(members__person__last_name__icontains=word)
            | Q(members__person__pesel__startswith=word)
            | Q(street__icontains=word)
            | Q(city__icontains=word)
        )
    return households.distinct().order_by("-id")


def _current_members() -> Prefetch[Any, Any, Any]:
    return Prefetch(
        "members",
        queryset=HouseholdMember.objects.filter(left_on__isnull=True).select_related("person"),
        to_attr="current_members",
    )


def household_get(*, public_id: UUID | str) -> Household:
    return get_or_404(
        Household.objects.prefetch_related(_current_members()),
        public_id,
        "Nie znaleziono gospodarstwa domowego.",
    )


def household_by_id(public_id: UUID | str, *, field: str = "household") -> Household:
    """A household named in request data (an unknown id is a 400 on ``field``)."""
    return get_or_field_error(
        Household.objects.prefetch_related(_current_members()),
        public_id,
        field,
        "Nie znaleziono gospodarstwa domowego.",
    )


def member_get(*, household: Household, public_id: UUID | str) -> HouseholdMember:
    member = household.members.select_related("person").filter(public_id=public_id).first()
    if member is None:
        raise NotFound(_("Nie znaleziono członka gospodarstwa."))
    return member


@dataclass(frozen=True)
class IncomeAssessment:
    on: dt.date
    members: int
    total: Decimal
    per_person: Decimal
    criterion: Decimal | None
    criterion_valid_from: dt.date | None
    single_person: bool
    within_criterion: bool | None


def household_income_assessment(
    *, household: Household, on: dt.date, members: Sequence[HouseholdMember] | None = None
) -> IncomeAssessment:
    """Monthly income per person on ``on`` (each member's latest income as of that day) against the
    income criterion in force on that day: the single-person value for one member, else the
    per-person value for a family. ``members``: the household's members (past ones too) when the
    caller has read them already (the case file), which saves reading them again."""
    if members is None:
        members = list(HouseholdMember.objects.filter(household=household))
    members = [m for m in members if m.joined_on <= on and (m.left_on is None or m.left_on > on)]
    latest: dict[int, IncomeRecord] = {}
    if members:
        incomes = IncomeRecord.objects.filter(
            member_id__in=[m.pk for m in members], as_of__lte=on
        ).order_by("member_id", "-as_of", "-id")
        for record in incomes:
            latest.setdefault(record.member_id, record)
    total = sum((record.amount for record in latest.values()), Decimal("0"))
    count = len(members)
    per_person = (total / count).quantize(Decimal("0.01"), ROUND_HALF_UP) if count else Decimal("0")
    criterion_row = income_criterion_on(on)
    single = count == 1
    criterion = None
    if criterion_row is not None:
        criterion = criterion_row.single_person if single else criterion_row.per_person_in_family
    return IncomeAssessment(
        on=on,
        members=count,
        total=total,
        per_person=per_person,
        criterion=criterion,
        criterion_valid_from=criterion_row.valid_from if criterion_row else None,
        single_person=single,
        within_criterion=(per_person <= criterion) if criterion is not None and count else None,
    )
