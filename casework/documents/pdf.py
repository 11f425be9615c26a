"""The PDF renderer: a :class:`Document` on A4 pages, with fpdf2 (pure Python, from PyPI alone).

Text is set in DejaVu Sans, embedded (subset) from the fonts committed under the platform's static
files, so Polish letters print and copy correctly whatever fonts the reader's machine has.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from casework.documents.fonts import FONT, add_fonts
from casework.documents.model import Document, Section, Signature

BODY = 10.5
SMALL = 8.5
LINE = 5.2
SMALL_LINE = 4.2


class _Pdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        add_fonts(self)
        self.set_margins(left=20, top=18, right=20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(document.title)
        self.set_subject(document.subtitle or document.title)
        self.set_creator("Platforma ośrodków pomocy społecznej")
        self.set_lang("pl-PL")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=SMALL)
        self.set_text_color(80, 80, 80)
        left = self.document.reference
        self.cell(self.epw / 2, SMALL_LINE, left, align=Align.L)
        self.cell(self.epw / 2, SMALL_LINE, f"strona {self.page_no()} z {{nb}}", align=Align.R)
        self.set_text_color(0, 0, 0)

    # --- building blocks -----------------------------------------------------------------------

    def text_block(self, text: str, *, size: float = BODY, bold: bool = False,
                   align: Align = Align.J, line: float = LINE) -> None:  # fmt: skip
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def gap(self, height: float = 3) -> None:
        self.ln(height)

    def header_block(self) -> None:
        document = self.document
        top = self.get_y()
        left = self.epw * 0.58
        for index, line in enumerate(document.issuer):
            self.set_font(FONT, "B" if index == 0 else "", BODY if index == 0 else SMALL + 1)
            self.multi_cell(left, LINE, line, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + left, top)
        self.set_font(FONT, "", BODY)
        self.multi_cell(
            self.epw - left, LINE, document.place_and_date, align=Align.R,
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.set_y(max(left_bottom, self.get_y()) + 2)
        if document.reference:
            self.text_block(document.reference, size=BODY, align=Align.L)

    def parties_block(self) -> None:
        for party in self.document.parties:
            self.gap(2)
            self.set_font(FONT, "B", SMALL + 0.5)
            self.cell(0, LINE, party.label.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for index, line in enumerate(party.lines):
                self.text_block(line, bold=index == 0, align=Align.L)

    def title_block(self) -> None:
        document = self.document
        self.gap(5)
        self.text_block(document.title.upper(), size=14, bold=True, align=Align.C, line=7)
        if document.subtitle:
            self.text_block(document.subtitle, align=Align.C)
        if document.draft_notice:
            self.gap(1)
            self.text_block(document.draft_notice, bold=True, align=Align.C)
        self.gap(3)

    def section_block(self, section: Section) -> None:
        size, line = (SMALL, SMALL_LINE) if section.small else (BODY, LINE)
        self.gap(2 if section.small else 3)
        if self.get_y() + 4 * line > self.page_break_trigger:
            self.add_page()  # never leave a heading alone at the foot of a page
        if section.heading:
            align = Align.C if section.centred else Align.L
            self.text_block(section.heading, size=size + 0.5, bold=True, align=align, line=line)
            self.gap(1)
        for paragraph in section.paragraphs:
            self.text_block(paragraph, size=size, line=line)
            self.gap(1)
        if section.facts:
            label_width = 45.0
            for fact in section.facts:
                self.set_font(FONT, "B", size)
                y = self.get_y()
                self.multi_cell(
                    label_width, line, f"{fact.label}:", align=Align.L,
                    new_x=XPos.RIGHT, new_y=YPos.TOP,
                )  # fmt: skip
                self.set_font(FONT, "", size)
                self.multi_cell(
                    0, line, fact.value, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
                if self.get_y() < y + line:  # the label wrapped but the value did not
                    self.set_y(y + line)
        if section.table is not None:
            table = section.table
            if not table.rows:
                self.text_block(table.empty, size=size, align=Align.L, line=line)
                return
            self.set_font(FONT, "", size)
            with self.table(
                col_widths=(42, 42, self.epw - 84),
                text_align=("LEFT", "LEFT", "LEFT"),
                line_height=line + 0.6,
                headings_style=FontFace(emphasis="BOLD", fill_color=(240, 242, 245)),
            ) as grid:
                heading = grid.row()
                for title in table.headers:
                    heading.cell(title)
                for values in table.rows:
                    row = grid.row()
                    for value in values:
                        row.cell(value)

    def signatures_block(self, signatures: tuple[Signature, ...]) -> None:
        self.gap(8)
        count = len(signatures)
        width = self.epw / max(count, 2)
        needed = 8 + LINE * max(len(s.above) + len(s.below) + 1 for s in signatures)
        if self.get_y() + needed > self.page_break_trigger:
            self.add_page()
        top = self.get_y()
        bottoms = []
        for index, signature in enumerate(signatures):
            # A single signature stands on the right, as on a letter.
            column = index + (1 if count == 1 else 0)
            x = self.l_margin + column * width
            self.set_xy(x, top)
            for line in signature.above:
                self.set_font(FONT, "", SMALL + 0.5)
                self.multi_cell(width - 4, SMALL_LINE, line, align=Align.C,
                                new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
            self.set_x(x)
            self.ln(10)
            self.set_x(x)
            self.set_font(FONT, "", BODY)
            self.cell(width - 4, LINE, "." * 48, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
            for number, line in enumerate(signature.below):
                self.set_x(x)
                self.set_font(FONT, "B" if number == 0 else "", BODY if number == 0 else SMALL)
                self.multi_cell(width - 4, LINE if number == 0 else SMALL_LINE, line,
                                align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
            bottoms.append(self.get_y())
        self.set_xy(self.l_margin, max(bottoms))


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes."""
    pdf = _Pdf(document)
    pdf.add_page()
    pdf.header_block()
    if document.parties_before_title:
        pdf.parties_block()
    pdf.title_block()
    for paragraph in document.preamble:
        pdf.text_block(paragraph)
    if not document.parties_before_title:
        pdf.parties_block()
    for section in document.sections:
        pdf.section_block(section)
    if document.signatures:
        pdf.signatures_block(document.signatures)
    for section in document.closing:
        pdf.section_block(section)
    return bytes(pdf.output())
