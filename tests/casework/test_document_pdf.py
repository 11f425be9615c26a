"""The document model's Polish formatting and the PDF renderer on their own: dates, amounts, the
centre's name after "Kierownika", file names, the fonts found through the static-file finders, and
Polish letters that come back out of the PDF's text layer."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from casework.documents.fonts import font_path
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
from casework.documents.pdf import render_pdf

NBSP = "\u00a0"


def test_polish_dates_use_the_genitive_month() -> None:
    assert polish_date(dt.date(2024, 3, 12)) == f"12 marca 2024{NBSP}r."
    assert polish_date(dt.date(2025, 9, 1)) == f"1 września 2025{NBSP}r."
    assert polish_date(dt.date(2025, 12, 31)).startswith("31 grudnia")
    assert polish_date(None) == BLANK
    assert polish_date(None, blank="—") == "—"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0"), "0,00 zł"),
        (Decimal("612.5"), "612,50 zł"),
        (Decimal("1234.05"), "1 234,05 zł"),
        (Decimal("1000000"), "1 000 000,00 zł"),
    ],
)
def test_money_in_polish(amount: Decimal, text: str) -> None:
    assert money(amount).replace(NBSP, " ") == text
    assert " " not in money(amount)  # never broken across lines


def test_centre_names_after_kierownika() -> None:
    assert (
        centre_genitive("Miejsko-Gminny Ośrodek Pomocy Społecznej w Daleszycach")
        == "Miejsko-Gminnego Ośrodka Pomocy Społecznej w Daleszycach"
    )
    assert (
        centre_genitive("Miejski Ośrodek Pomocy Społecznej w Krasnymstawie")
        == "Miejskiego Ośrodka Pomocy Społecznej w Krasnymstawie"
    )
    assert centre_genitive("Gminny Ośrodek Pomocy Społecznej w Ośrodku") == (
        "Gminnego Ośrodka Pomocy Społecznej w Ośrodku"  # only words before "Pomocy" change
    )
    assert centre_genitive("Centrum Usług Społecznych") == "Centrum Usług Społecznych"


def test_the_place_comes_from_what_the_registry_holds() -> None:
    assert centre_place("ul. Słowackiego 82, 32-400 Myślenice", "MGOPS Myślenice") == "Myślenice"
    assert centre_place("", "MOPS Krasnystaw") == "Krasnystaw"
    assert centre_place("", "MOPS Dębica") == "Dębica"
    assert centre_place("", "Ośrodek") == ""


def test_file_names_are_ascii() -> None:
    assert ascii_filename("decyzja", "DAL/D/2024/00012", "2024-03-12") == (
        "decyzja-dal-d-2024-00012-2024-03-12.pdf"
    )
    assert ascii_filename("kontrakt", "Łódź Żółć") == "kontrakt-lodz-zolc.pdf"
    assert ascii_filename("", "///") == "dokument.pdf"


def test_paragraphs_split_stored_text() -> None:
    assert paragraphs("Pierwszy.\n\nDrugi.\nTrzeci.  ") == ("Pierwszy.", "Drugi.", "Trzeci.")
    assert paragraphs("") == ()


def test_fonts_are_the_committed_dejavu() -> None:
    regular = font_path("fonts/DejaVuSans.ttf")
    bold = font_path("fonts/DejaVuSans-Bold.ttf")
    assert regular.is_file() and bold.is_file()
    assert regular.parent == bold.parent and regular.parent.name == "fonts"
    with pytest.raises(FileNotFoundError):
        font_path("fonts/NoSuchFont.ttf")


def _document() -> Document:
    return Document(
        kind="decision",
        title="Decyzja nr TEST/1",
        subtitle="decyzja administracyjna",
        issuer=("Miejsko-Gminny Ośrodek Pomocy Społecznej w Daleszycach",),
        place_and_date=f"Daleszyce, dnia {polish_date(dt.date(2024, 3, 12))}",
        reference="Znak sprawy: DAL/2024/00001",
        parties=(Party("Adresat", ("Żaneta Źdźbło-Łęcka", "ul. Gęślą 3")),),
        preamble=("Na podstawie art. 38 u.p.s., orzeka się:",),
        sections=(
            Section(
                "orzeka się:",
                ("Przyznaje się stronie świadczenie: zasiłek okresowy.",),
                (Fact("Kwota", money(Decimal("612.50"))),),
                centred=True,
            ),
            Section("Uzasadnienie", ("Zażółć gęślą jaźń. " * 60,)),
            Section(
                "Oceny",
                table=Table(
                    "Oceny",
                    ("Termin oceny", "Data oceny", "Wnioski"),
                    (("1 marca 2024 r.", "—", "Współpraca układa się dobrze."),),
                ),
            ),
            Section("Pusta tabela", table=Table("x", ("a", "b", "c"), (), empty="Brak ocen.")),
        ),
        signatures=(Signature(("z upoważnienia Kierownika",), ("Łucja Świątek", "inspektor")),),
        closing=(Section("Otrzymują", ("1. Adresat",), small=True),),
    )


def test_pdf_has_polish_letters_in_its_text_layer() -> None:
    content = render_pdf(_document())
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata is not None and reader.metadata.title == "Decyzja nr TEST/1"
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]  # pypdf objects are untyped
    }
    assert any("DejaVuSans" in name for name in fonts), fonts
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "Żaneta Źdźbło-Łęcka",
        "ul. Gęślą 3",
        "Zażółć gęślą jaźń.",
        "DECYZJA NR TEST/1",
        "Łucja Świątek",
        "612,50 zł",
        "Współpraca układa się dobrze.",
        "Brak ocen.",
        "strona 1 z",
    ):
        assert expected in text.replace(NBSP, " "), expected


def test_document_text_lists_everything_once() -> None:
    text = _document().all_text
    assert "Adresat" in text and "Kwota: 612,50" in text.replace(NBSP, " ")
    assert "Łucja Świątek" in text
