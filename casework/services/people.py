"""People, households, members and incomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Household, HouseholdMember, IncomeRecord, Person
from casework.models.people import IdentityDocument, Relation, Sex
from casework.permissions import Capability, require_capability
from casework.pesel import PeselError
from casework.pesel import sex as pesel_sex
from casework.pesel import validate as pesel_validate
from casework.visibility import (
    persons_q,
    require_household_access,
    require_household_identity_access,
    require_person_access,
)
from opsplatform.errors import Conflict, ValidationFailed
from opsplatform.plausible_dates import EARLIEST_LIFE_DAY, check_act
from opsplatform.text_rules import looks_blank, text_error
from tenants.accounts.models import User

PERSON_FIELDS = (
    "first_name", "last_name", "pesel", "document_type", "document_number", "date_of_birth", "sex",
    "citizenship", "street", "postal_code", "city", "phone",
)  # fmt: skip
# Typed by people: names, document number, address and phone (the others are codes and dates).
TEXT_FIELDS = (
    "first_name", "last_name", "document_number", "citizenship", "street", "city", "phone",
)  # fmt: skip


def person_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """Check a person's identity data; fill date of birth and sex from the PESEL when absent."""
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        message = text_error(values.get(name) or "")
        if message is not None:
            errors[name] = [message]
    for name, missing in (("first_name", _("Podaj imię.")), ("last_name", _("Podaj nazwisko."))):
        if name not in errors and looks_blank(values.get(name) or ""):
            errors[name] = [missing]
    pesel = values.get("pesel") or None
    values["pesel"] = pesel
    today = timezone.localdate()
    if pesel:
        try:
            born = pesel_validate(pesel, today=today)
        except PeselError as exc:
            errors["pesel"] = [exc.message]
        else:
            if values.get("date_of_birth") and values["date_of_birth"] != born:
                errors["date_of_birth"] = [
                    _("Data urodzenia nie zgadza się z numerem PESEL (%(born)s).")
                    % {"born": f"{born:%d.%m.%Y}"}
                ]
            values.setdefault("date_of_birth", born)
            values["date_of_birth"] = values["date_of_birth"] or born
            sex_from_pesel = pesel_sex(pesel)
            if values.get("sex") and values["sex"] != sex_from_pesel:
                errors["sex"] = [_("Płeć nie zgadza się z cyfrą płci w numerze PESEL.")]
            values["sex"] = values.get("sex") or sex_from_pesel
    else:
        if not values.get("document_type") or not (values.get("document_number") or "").strip():
            errors["pesel"] = [
                _("Podaj numer PESEL, a jeśli osoba go nie ma – rodzaj i numer innego dokumentu.")
            ]
        elif values["document_type"] not in IdentityDocument.values:
            errors["document_type"] = [_("Nieznany rodzaj dokumentu.")]
        if not values.get("date_of_birth"):
            errors["date_of_birth"] = [_("Podaj datę urodzenia (osoba nie ma numeru PESEL).")]
        if values.get("sex") not in Sex.values:
            errors["sex"] = [_("Podaj płeć (K lub M).")]
    born_on = values.get("date_of_birth")
    if isinstance(born_on, dt.date) and "date_of_birth" not in errors:
        if born_on > today:
            errors["date_of_birth"] = [_("Data urodzenia nie może być w przyszłości.")]
        elif born_on.year < 1900:
            errors["date_of_birth"] = [_("Data urodzenia jest niemożliwa (przed 1900 r.).")]
    postal = values.get("postal_code") or ""
    if postal and not (
        len(postal) == 6 and postal[2] == "-" and (postal[:2] + postal[3:]).isdigit()
    ):
        errors["postal_code"] = [_("Kod pocztowy ma postać 00-000.")]
    return errors


def _refuse_duplicate_pesel(
    user: User, pesel: str | None, *, exclude: Person | None = None
) -> None:
    """A PESEL already registered is refused; the other person's id is given only to a user who
    may see that person (``persons_q``, the rule of ``GET /api/people/<id>/``)."""
    if not pesel:
        return
    existing = Person.objects.filter(pesel=pesel)
    if exclude is not None:
        existing = existing.exclude(pk=exclude.pk)
    other = existing.first()
    if other is not None:
        visible = Person.objects.filter(pk=other.pk).filter(persons_q(user)).exists()
        raise Conflict(
            _("Osoba o tym numerze PESEL jest już w kartotece ośrodka."),
            fields={
                "pesel": [
                    _("Numer PESEL należy do osoby %(person)s.") % {"person": other.public_id}
                    if visible
                    else _(
                        "Numer PESEL należy do osoby z gospodarstwa spoza spraw Twoich ani "
                        "Twojego zespołu."
                    )
                ]
            },
            code="duplicate_pesel",
        )


@transaction.atomic
def person_create(*, user: User, **data: Any) -> Person:
    require_capability(user, Capability.PERSON_WRITE)
    values = {name: data[name] for name in PERSON_FIELDS if name in data and data[name] is not None}
    errors = person_errors(values)
    if errors:
        raise ValidationFailed(fields=errors)
    _refuse_duplicate_pesel(user, values.get("pesel"))
    try:
        with transaction.atomic():
            return Person.objects.create(**values)
    except IntegrityError as exc:  # a concurrent registration of the same PESEL
        raise Conflict(
            _("Osoba o tym numerze PESEL jest już w kartotece ośrodka."),
            fields={"pesel": [_("Ten numer PESEL jest już zarejestrowany.")]},
            code="duplicate_pesel",
        ) from exc


@transaction.atomic
def person_update(*, user: User, person: Person, **changes: Any) -> Person:
    """Rectify a person's data (also the RODO right to rectification)."""
    require_capability(user, Capability.PERSON_WRITE)
    require_person_access(user, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    values.update({name: changes[name] for name in PERSON_FIELDS if name in changes})
    if "pesel" in changes and "date_of_birth" not in changes:
        values["date_of_birth"] = None
        values["sex"] = changes.get("sex")
    errors = person_errors(values)
    if errors:
        raise ValidationFailed(fields=errors)
    _refuse_duplicate_pesel(user, values.get("pesel"), exclude=person)
    changed = [name for name in PERSON_FIELDS if getattr(person, name) != values.get(name)]
    for name in changed:
        setattr(person, name, values.get(name))
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


def _refuse_implausible_life_day(field: str, day: dt.date | None) -> None:
    errors: dict[str, list[str]] = {}
    check_act(errors, field, day, earliest=EARLIEST_LIFE_DAY)
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def household_create(
    *, user: User, head: Person, joined_on: dt.date | None = None, **address: str
) -> Household:
    """A household with ``head`` as the person keeping it; the address defaults to the head's."""
    require_capability(user, Capability.PERSON_WRITE)
    _refuse_implausible_life_day("joined_on", joined_on)
    if HouseholdMember.objects.filter(person=head, left_on__isnull=True).exists():
        raise Conflict(
            _(
                "Ta osoba należy już do gospodarstwa domowego – dodaj ją tam lub zakończ "
                "członkostwo."
            ),
            fields={"head": [_("Osoba jest już członkiem innego gospodarstwa.")]},
            code="already_in_household",
        )
    household = Household.objects.create(
        street=address.get("street") or head.street,
        postal_code=address.get("postal_code") or head.postal_code,
        city=address.get("city") or head.city,
    )
    HouseholdMember.objects.create(
        household=household,
        person=head,
        relation=Relation.HEAD,
        joined_on=joined_on or timezone.localdate(),
    )
    return household


@transaction.atomic
def household_member_add(
    *,
    user: User,
    household: Household,
    person: Person,
    relation: str,
    joined_on: dt.date | None = None,
) -> HouseholdMember:
    require_capability(user, Capability.PERSON_WRITE)
    require_household_identity_access(user, household)
    _refuse_implausible_life_day("joined_on", joined_on)
    if relation not in Relation.values or relation == Relation.HEAD:
        raise ValidationFailed(
            fields={"relation": [_("Podaj pokrewieństwo z osobą prowadzącą gospodarstwo.")]}
        )
    if HouseholdMember.objects.filter(person=person, left_on__isnull=True).exists():
        raise Conflict(
            _("Ta osoba należy już do gospodarstwa domowego."),
            fields={"person": [_("Osoba jest już członkiem gospodarstwa.")]},
            code="already_in_household",
        )
    return HouseholdMember.objects.create(
        household=household,
        person=person,
        relation=relation,
        joined_on=joined_on or timezone.localdate(),
    )


@transaction.atomic
def household_member_remove(
    *, user: User, member: HouseholdMember, left_on: dt.date
) -> HouseholdMember:
    require_capability(user, Capability.PERSON_WRITE)
    require_household_identity_access(user, member.household)
    if member.relation == Relation.HEAD:
        raise ValidationFailed(
            fields={"member": [_("Nie można usunąć osoby prowadzącej gospodarstwo.")]},
            code="cannot_remove_head",
        )
    _refuse_implausible_life_day("left_on", left_on)
    if left_on < member.joined_on:
        raise ValidationFailed(fields={"left_on": [_("Data nie może być przed datą dołączenia.")]})
    member.left_on = left_on
    member.save(update_fields=["left_on", "updated_at"])
    return member


@transaction.atomic
def income_record(
    *, user: User, member: HouseholdMember, as_of: dt.date, amount: Decimal, source: str = ""
) -> IncomeRecord:
    require_capability(user, Capability.PERSON_WRITE)
    require_household_access(user, member.household, purpose="write")
    errors: dict[str, list[str]] = {}
    if amount < 0:
        errors["amount"] = [_("Dochód nie może być ujemny (wpisz 0, jeśli osoba nie ma dochodu).")]
    check_act(errors, "as_of", as_of)
    if errors:
        raise ValidationFailed(fields=errors)
    return IncomeRecord.objects.create(
        member=member, as_of=as_of, amount=amount, source=source, recorded_by=user
    )
