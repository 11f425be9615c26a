"""Invented people and households."""

from __future__ import annotations

import datetime as dt

from casework.demo.base import HistoryBase
from casework.demo.dates import female_surname
from casework.demo.state import HouseholdSim, Member
from casework.demo.vocabulary import (
    CRISIS,
    DISABLED,
    DPS,
    FAMILY,
    FIRST_F,
    FIRST_M,
    FOREIGNER,
    FUNERAL,
    HOMELESS,
    SENIOR,
    STREETS,
    SURNAMES,
    SW_ONLY,
    UNEMPLOYED,
)
from casework.models.people import IdentityDocument, Relation
from casework.pesel import make as make_pesel


class PeopleMixin(HistoryBase):
    """Households of a profile, with their members, written as synthetic people."""

    def add_person(
        self,
        born: dt.date,
        female: bool,
        surname: str,
        street: str,
        *,
        foreign: bool = False,
    ) -> int:
        """A synthetic person living at ``street``: a PESEL (or, for some foreigners, a passport
        number) unique in the history; returns the row's id."""
        first = self.rng.choice(FIRST_F if female else FIRST_M)
        last = female_surname(surname) if female else surname
        pesel: str | None = None
        document_type, document_number = "", ""
        if foreign and self.rng.random() < 0.3:
            self.document_serial += 1
            document_type = IdentityDocument.PASSPORT.value
            document_number = f"SYN{self.document_serial:06d}"
        else:
            while pesel is None or pesel in self.pesels:
                pesel = make_pesel(born, self.rng.randrange(1000), female)
            self.pesels.add(pesel)
        return self.tables.person.add(
            first,
            last,
            pesel,
            document_type,
            document_number,
            born,
            "F" if female else "M",
            "ukraińskie" if foreign else "polskie",
            street,
            self.postal_code,
            self.town,
            "",
            True,
        )

    def birth_date(self, day: dt.date, low: int, high: int) -> dt.date:
        """A birth date making the person between ``low`` and ``high`` years old on ``day``."""
        return day - dt.timedelta(days=self.rng.randint(low * 365 + 1, high * 365 + 300))

    def add_household(self, profile: str, day: dt.date) -> HouseholdSim:
        """A new household of ``profile`` on ``day``: a head of the profile's age, and the spouse,
        parents or children the profile makes likely."""
        rng = self.rng
        street = f"ul. {rng.choice(STREETS)} {rng.randint(1, 120)}"
        if rng.random() < 0.4:
            street += f"/{rng.randint(1, 40)}"
        surname = rng.choice(SURNAMES)
        household_id = self.tables.household.add(street, self.postal_code, self.town, True)
        foreign = profile == FOREIGNER
        members: list[tuple[int, str, dt.date]] = []

        def add(relation: str, born: dt.date, female: bool) -> None:
            """Add a member of the household."""
            person_id = self.add_person(born, female, surname, street, foreign=foreign)
            members.append((person_id, relation, born))

        head_age = {
            SENIOR: (65, 90),
            DISABLED: (25, 64),
            UNEMPLOYED: (22, 60),
            FAMILY: (22, 48),
            HOMELESS: (30, 65),
            CRISIS: (25, 70),
            FUNERAL: (30, 70),
            DPS: (75, 94),
            SW_ONLY: (20, 60),
            FOREIGNER: (24, 45),
        }[profile]
        head_born = self.birth_date(day, *head_age)
        head_female = {
            SENIOR: 0.65,
            HOMELESS: 0.15,
            UNEMPLOYED: 0.4,
            FAMILY: 0.6,
            FOREIGNER: 0.9,
        }.get(profile, 0.5)
        female = rng.random() < head_female
        add(Relation.HEAD.value, head_born, female)
        with_children = profile in (FAMILY, FOREIGNER) or (
            profile in (SW_ONLY, CRISIS) and rng.random() < 0.6
        )
        if profile == SENIOR and rng.random() < 0.3:
            add(
                Relation.SPOUSE.value,
                head_born + dt.timedelta(days=rng.randint(-1800, 1800)),
                not female,
            )
        if profile in (UNEMPLOYED, CRISIS) and rng.random() < 0.15:
            add(Relation.SPOUSE.value, self.birth_date(day, 22, 60), not female)
        if profile == DISABLED and rng.random() < 0.35:
            parent_born = head_born - dt.timedelta(days=rng.randint(20 * 365, 35 * 365))
            if (day - parent_born).days < 95 * 365:
                add(Relation.PARENT.value, parent_born, rng.random() < 0.7)
        if with_children:
            if profile != FOREIGNER and rng.random() < 0.7:
                add(
                    Relation.SPOUSE.value,
                    head_born + dt.timedelta(days=rng.randint(-1500, 1500)),
                    not female,
                )
            head_age_years = (day - head_born).days // 365
            count = rng.choices((1, 2, 3, 4, 5), (30, 35, 20, 10, 5))[0]
            for _ in range(count):
                oldest = max(0, min(17, head_age_years - 18))
                add(
                    rng.choice((Relation.CHILD.value,) * 12 + (Relation.GRANDCHILD.value,)),
                    self.birth_date(day, 0, oldest)
                    if oldest
                    else day - dt.timedelta(days=rng.randint(30, 300)),
                    rng.random() < 0.5,
                )
            if profile == FAMILY and rng.random() < 0.1:
                add(Relation.PARENT.value, self.birth_date(day, 65, 85), True)
        member_list = [
            Member(
                self.tables.member.add(household_id, person_id, relation, day, None),
                person_id,
                relation,
                born,
            )
            for person_id, relation, born in members
        ]
        household = HouseholdSim(household_id, profile, member_list, day)
        self.households[profile].append(household)
        return household
