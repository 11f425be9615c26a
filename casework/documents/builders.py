"""From a stored Decision or SocialContract to a :class:`Document`.

The decision follows the parts KPA art. 107 § 1 requires: the authority, the date of issue, the
addressee, the legal basis, the ruling (rozstrzygnięcie), the reasoning, the instruction on appeal
and the signature with the name and post of the worker authorised to issue it. The social contract
follows the model of the regulation on the social contract: the parties, the goals, what each side
undertakes, the period, the reviews and the signatures of both sides.

Builders read nothing themselves (the caller passes what :mod:`casework.documents.selectors`
read), so a document is a pure function of stored data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.documents.model import (
    BLANK,
    Document,
    Fact,
    Party,
    Section,
    Signature,
    Table,
    ascii_filename,
    centre_genitive,
    centre_place,
    money,
    paragraphs,
    polish_date,
)
from casework.models import Decision, Person, SocialContract
from casework.models.proceedings import DecisionOutcome, PaymentSchedule
from casework.models.socialwork import ContractStatus, ContractVariant
from tenants.accounts.models import User

UPS = "ustawa z dnia 12 marca 2004 r. o pomocy społecznej"
KPA = "ustawa z dnia 14 czerwca 1960 r. – Kodeks postępowania administracyjnego"


@dataclass(frozen=True)
class CentreInfo:
    """The issuing centre as the public registry holds it."""

    name: str
    short_name: str
    address: str

    @classmethod
    def of(cls, centre: Any) -> CentreInfo:
        return cls(
            name=centre.name, short_name=centre.short_name, address=getattr(centre, "address", "")
        )

    @property
    def place(self) -> str:
        return centre_place(self.address, self.short_name)

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(line for line in (self.name, self.address) if line)


def _place_and_date(centre: CentreInfo, day: Any) -> str:
    place = centre.place or BLANK
    return f"{place}, dnia {polish_date(day)}"


def _full_name(user: User | None) -> str:
    name = user.get_full_name() if user is not None else ""
    return str(name or getattr(user, "username", ""))


def _address_lines(person: Person, household: Any = None) -> tuple[str, ...]:
    """The person's address, else the household's (both as stored); nothing if neither holds one."""
    for source in (person, household):
        if source is None:
            continue
        street = source.street.strip()
        town = " ".join(part for part in (source.postal_code, source.city) if part).strip()
        if street or town:
            return tuple(line for line in (street, town) if line)
    return ()


def _identity(person: Person) -> str:
    if person.pesel:
        return f"PESEL: {person.pesel}"
    if person.document_number:
        kind = person.get_document_type_display() or "dokument tożsamości"
        return f"{kind}: {person.document_number}"
    return ""


def _abbreviations(*texts: str) -> Section | None:
    """A note explaining the abbreviations of acts that the stored texts use."""
    joined = " ".join(texts)
    lines = []
    if "u.p.s." in joined:
        lines.append(f"u.p.s. – {UPS}")
    if "k.p.a." in joined:
        lines.append(f"k.p.a. – {KPA}")
    if not lines:
        return None
    return Section(heading="Objaśnienie skrótów", paragraphs=tuple(lines), small=True)


# --- the administrative decision ---------------------------------------------------------------

_RULING = {
    DecisionOutcome.GRANT: "Przyznaje się stronie świadczenie: {benefit}.",
    DecisionOutcome.PARTIAL: "Przyznaje się stronie w części świadczenie: {benefit}.",
    DecisionOutcome.REFUSE: "Odmawia się stronie przyznania świadczenia: {benefit}.",
}


def _period(decision: Decision) -> str:
    if decision.period_from and decision.period_to:
        return f"od {polish_date(decision.period_from)} do {polish_date(decision.period_to)}"
    if decision.period_from:
        return f"od {polish_date(decision.period_from)}"
    if decision.period_to:
        return f"do {polish_date(decision.period_to)}"
    return ""


def _ruling_facts(decision: Decision) -> tuple[Fact, ...]:
    """The terms of the ruling (the sentence above names the benefit and the outcome)."""
    facts: list[Fact] = []
    if decision.amount is not None:
        amount = money(decision.amount)
        if decision.payment_schedule == PaymentSchedule.MONTHLY:
            amount += " miesięcznie"
        facts.append(Fact("Kwota", amount))
    if period := _period(decision):
        facts.append(Fact("Okres", period))
    if decision.payment_schedule:
        facts.append(Fact("Sposób realizacji", decision.get_payment_schedule_display()))
    return tuple(facts)


def decision_document(
    decision: Decision, *, centre: CentreInfo, benefit: str, signatory_post: str = ""
) -> Document:
    """The decision as the addressee receives it. ``benefit`` is the benefit's name in the
    national dictionary; ``signatory_post`` the issuing worker's job title on the day of issue."""
    application = decision.application
    case = application.case
    applicant = application.applicant
    interview = decision.interview
    genitive = centre_genitive(centre.name)

    basis = decision.legal_basis.strip()
    preamble = f"Na podstawie {basis}"
    preamble += f", po rozpatrzeniu wniosku z dnia {polish_date(application.received_on)}"
    if interview is not None and interview.conducted_on:
        preamble += (
            " oraz ustaleń rodzinnego wywiadu środowiskowego przeprowadzonego dnia "
            f"{polish_date(interview.conducted_on)}"
        )
    preamble += ","
    sections = [
        Section(
            heading="orzeka się:",
            centred=True,
            paragraphs=(_RULING[DecisionOutcome(decision.outcome)].format(benefit=benefit),),
            facts=_ruling_facts(decision),
        ),
        Section(heading="Uzasadnienie", paragraphs=paragraphs(decision.reasoning)),
        Section(
            heading="Pouczenie",
            paragraphs=(
                "Od niniejszej decyzji przysługuje stronie odwołanie do Samorządowego Kolegium "
                f"Odwoławczego, wnoszone za pośrednictwem Kierownika {genitive}, w terminie "
                "14 dni od dnia jej doręczenia (art. 127 § 1, art. 129 § 1 i 2 k.p.a.).",
                "W trakcie biegu terminu do wniesienia odwołania strona może zrzec się prawa do "
                "wniesienia odwołania wobec organu, który wydał decyzję. Z dniem doręczenia "
                "organowi oświadczenia o zrzeczeniu się prawa do wniesienia odwołania przez "
                "ostatnią ze stron postępowania decyzja staje się ostateczna i prawomocna "
                "(art. 127a k.p.a.).",
            ),
        ),
    ]
    signatory = decision.issued_by
    below = [_full_name(signatory)]
    if signatory_post:
        below.append(signatory_post)
    authorisation = decision.authorisation
    if authorisation is not None and authorisation.reference:
        below.append(f"upoważnienie nr {authorisation.reference}")
    closing = [
        Section(
            heading="Otrzymują",
            paragraphs=("1. Adresat (strona postępowania)", "2. Aa (akta sprawy)"),
            small=True,
        ),
        Section(
            heading="Potwierdzenie doręczenia",
            facts=(Fact("Data doręczenia", polish_date(decision.delivered_on)),),
            small=True,
        ),
    ]
    if note := _abbreviations(basis, *sections[2].paragraphs):
        closing.append(note)

    number = decision.number.strip()
    return Document(
        kind="decision",
        title=f"Decyzja nr {number}" if number else "Decyzja",
        subtitle="decyzja administracyjna",
        issuer=centre.header,
        place_and_date=_place_and_date(centre, decision.issued_on),
        reference=f"Znak sprawy: {case.number}",
        parties=(
            Party(
                label="Adresat",
                lines=(
                    str(applicant),
                    *_address_lines(applicant, case.household),
                ),
            ),
        ),
        preamble=(preamble,),
        sections=tuple(sections),
        signatures=(
            Signature(above=(f"z upoważnienia Kierownika {genitive}",), below=tuple(below)),
        ),
        closing=tuple(closing),
        filename=ascii_filename("decyzja", number or case.number, decision.issued_on.isoformat()),
        meta={"case_number": case.number, "number": number},
    )


# --- the social contract -----------------------------------------------------------------------

_VARIANT_SUBTITLE = {
    ContractVariant.STANDARD: "",
    ContractVariant.UNEMPLOYED: "dla osoby bezrobotnej",
    ContractVariant.HOMELESS: "dla osoby bezdomnej",
    ContractVariant.FAMILY: "z rodziną",
}


def _text_or_blank(text: str) -> tuple[str, ...]:
    return paragraphs(text) or (BLANK,)


def contract_document(
    contract: SocialContract, *, centre: CentreInfo, worker_post: str = ""
) -> Document:
    """The contract as both parties sign it; a draft says so at the top. ``worker_post`` is the
    social worker's job title when the contract starts."""
    case = contract.case
    person = contract.person
    worker = contract.worker
    worker_name = _full_name(worker)
    signed = contract.status != ContractStatus.DRAFT and contract.signed_on is not None

    reviews = tuple(
        (
            polish_date(review.due_on),
            polish_date(review.done_on, blank="—"),
            review.note.strip() or "—",
        )
        for review in contract.reviews.all()
    )
    sections = [
        Section(heading="§ 1. Cele kontraktu", paragraphs=_text_or_blank(contract.goals)),
        Section(
            heading="§ 2. Działania, do których zobowiązuje się osoba (rodzina)",
            paragraphs=_text_or_blank(contract.client_obligations),
        ),
        Section(
            heading="§ 3. Działania, do których zobowiązuje się pracownik socjalny (ośrodek)",
            paragraphs=_text_or_blank(contract.centre_obligations),
        ),
        Section(
            heading="§ 4. Okres obowiązywania",
            paragraphs=(
                f"Kontrakt obowiązuje od {polish_date(contract.starts_on)} "
                f"do {polish_date(contract.ends_on)}",  # the date ends with "r."
            ),
        ),
        Section(
            heading="§ 5. Ocena realizacji",
            paragraphs=(
                "Strony wspólnie oceniają realizację kontraktu w terminach wskazanych poniżej "
                "i w razie potrzeby zmieniają jego postanowienia za zgodą obu stron.",
            ),
            table=Table(
                caption="Oceny realizacji kontraktu",
                headers=("Termin oceny", "Data oceny", "Wnioski"),
                rows=reviews,
                empty="Nie zaplanowano jeszcze ocen realizacji.",
            ),
        ),
        Section(
            heading="§ 6. Postanowienia końcowe",
            paragraphs=(
                "Odmowa zawarcia kontraktu socjalnego lub niedotrzymywanie jego postanowień mogą "
                "stanowić podstawę do odmowy przyznania świadczenia, uchylenia decyzji o "
                "przyznaniu świadczenia lub wstrzymania świadczeń pieniężnych (art. 11 ust. 2 "
                "u.p.s.).",
                "Kontrakt sporządzono w dwóch jednobrzmiących egzemplarzach, po jednym dla każdej "
                "ze stron.",
            ),
        ),
    ]
    if contract.status in (ContractStatus.COMPLETED, ContractStatus.BROKEN):
        achieved = {True: "tak", False: "nie", None: "—"}[contract.goals_achieved]
        outcome = [
            Fact("Stan kontraktu", contract.get_status_display()),
            Fact("Data zakończenia", polish_date(contract.closed_on, blank="—")),
            Fact("Cele osiągnięte", achieved),
        ]
        sections.append(
            Section(
                heading="§ 7. Zakończenie kontraktu",
                paragraphs=paragraphs(contract.outcome_note),
                facts=tuple(outcome),
            )
        )

    identity = _identity(person)
    client_lines = (str(person), *([identity] if identity else []))
    client_lines += _address_lines(person, case.household)
    centre_lines = (centre.name, f"reprezentowany przez pracownika socjalnego: {worker_name}")
    variant_line = _VARIANT_SUBTITLE.get(ContractVariant(contract.variant), "")
    draft_notice = "" if signed else "PROJEKT – kontrakt nie został jeszcze podpisany przez strony."
    closing: list[Section] = []
    if note := _abbreviations("u.p.s."):
        closing.append(note)
    worker_below = (worker_name, worker_post) if worker_post else (worker_name,)
    return Document(
        kind="contract",
        title="Kontrakt socjalny",
        subtitle=variant_line,
        issuer=centre.header,
        place_and_date=_place_and_date(centre, contract.signed_on if signed else None),
        reference=f"Znak sprawy: {case.number}",
        parties=(
            Party(label="Ośrodek", lines=centre_lines),
            Party(label="Osoba (rodzina)", lines=client_lines),
        ),
        preamble=(
            f"zawarty w dniu {polish_date(contract.signed_on if signed else None)} na podstawie "
            "art. 108 u.p.s., w celu określenia sposobu współdziałania w rozwiązywaniu problemów "
            "osoby (rodziny) znajdującej się w trudnej sytuacji życiowej, pomiędzy:",
        ),
        sections=tuple(sections),
        signatures=(
            Signature(above=("podpis osoby (członków rodziny)",), below=(str(person),)),
            Signature(above=("podpis pracownika socjalnego",), below=worker_below),
        ),
        closing=tuple(closing),
        draft_notice=draft_notice,
        parties_before_title=False,
        filename=ascii_filename("kontrakt-socjalny", case.number, contract.starts_on.isoformat()),
        meta={"case_number": case.number},
    )
