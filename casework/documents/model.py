"""The document model both renderers lay out, and the Polish formatting its builders use."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

BLANK = "…………………………"  # a line to be filled in by hand on the printed copy
NBSP = "\u00a0"

_MONTHS_GENITIVE = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)  # fmt: skip


@dataclass(frozen=True)
class Fact:
    """One labelled value (``Kwota: 612,50 zł``)."""

    label: str
    value: str


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = ""


@dataclass(frozen=True)
class Section:
    """A headed part of the document: paragraphs, then facts, then a table (each optional)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    table: Table | None = None
    small: bool = False  # printed smaller (explanations, notes)
    centred: bool = False  # a heading standing alone in the middle ("orzeka się:")


@dataclass(frozen=True)
class Party:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Signature:
    """A place to sign: who signs for whom above the line, the signatory's name under it."""

    above: tuple[str, ...]
    below: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    kind: str  # "decision" or "contract"
    title: str
    subtitle: str
    issuer: tuple[str, ...]
    place_and_date: str
    reference: str
    parties: tuple[Party, ...]
    preamble: tuple[str, ...]
    sections: tuple[Section, ...]
    signatures: tuple[Signature, ...]
    closing: tuple[Section, ...] = ()
    draft_notice: str = ""
    parties_before_title: bool = True  # a decision is addressed like a letter; a contract names
    # its parties after its title ("zawarty … pomiędzy:")
    filename: str = "dokument.pdf"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def all_text(self) -> str:
        """Every piece of text in the document, one per line (for search and tests)."""
        parts: list[str] = [self.title, self.subtitle, *self.issuer, self.place_and_date]
        parts += [self.reference, self.draft_notice]
        for party in self.parties:
            parts += [party.label, *party.lines]
        parts += self.preamble
        for section in (*self.sections, *self.closing):
            parts += [section.heading, *section.paragraphs]
            parts += [f"{fact.label}: {fact.value}" for fact in section.facts]
            if section.table:
                parts += [section.table.caption, *section.table.headers]
                parts += [" ".join(row) for row in section.table.rows]
        for signature in self.signatures:
            parts += [*signature.above, *signature.below]
        return "\n".join(part for part in parts if part)


# --- Polish formatting ---------------------------------------------------------------------------


def polish_date(day: dt.date | None, *, blank: str = BLANK) -> str:
    """``12 marca 2024 r.``; a blank line when there is no date."""
    if day is None:
        return blank
    return f"{day.day} {_MONTHS_GENITIVE[day.month - 1]} {day.year}{NBSP}r."


def money(amount: Decimal | None) -> str:
    """``1 234,56 zł`` (non-breaking spaces, as Polish typesetting wants)."""
    if amount is None:
        return ""
    whole, _, cents = f"{amount:.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}zł"


def paragraphs(text: str) -> tuple[str, ...]:
    """Stored free text split into paragraphs at blank lines or line breaks."""
    return tuple(part.strip() for part in re.split(r"\n\s*\n|\r?\n", text or "") if part.strip())


_GENITIVE_WORDS = {
    "Ośrodek": "Ośrodka",
    "Miejsko-Gminny": "Miejsko-Gminnego",
    "Gminny": "Gminnego",
    "Miejski": "Miejskiego",
    "Gminno-Miejski": "Gminno-Miejskiego",
}


def centre_genitive(name: str) -> str:
    """``Miejski Ośrodek Pomocy Społecznej w X`` → ``Miejskiego Ośrodka Pomocy Społecznej w X``:
    the centre's registered name after "Kierownika". Only the words before "Pomocy" change; a name
    of another shape is returned as it is."""
    words = name.split(" ")
    for index, word in enumerate(words):
        if word == "Pomocy":
            break
        words[index] = _GENITIVE_WORDS.get(word, word)
    return " ".join(words)


_POSTAL_TOWN = re.compile(r"\b\d{2}-\d{3}\s+(?P<town>[^,]+)$")


def centre_place(address: str, short_name: str) -> str:
    """The town where the centre sits: from its address (after the postal code), else from its
    short name (``MOPS Krasnystaw`` → ``Krasnystaw``); empty when neither says."""
    match = _POSTAL_TOWN.search(address.strip()) if address else None
    if match:
        return match.group("town").strip()
    first, _, rest = short_name.partition(" ")
    if rest and first.isupper() and first.isalpha():
        return rest.strip()
    return ""


def ascii_filename(*parts: str, extension: str = "pdf") -> str:
    """A file name any browser and file system takes: ASCII letters, digits and hyphens."""
    text = "-".join(part for part in parts if part)
    text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return f"{text or 'dokument'}.{extension}"
