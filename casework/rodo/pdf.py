"""PDFs of the RODO duties: the subject-access report and the art. 30 register.

fpdf2 with the DejaVu fonts the decision and contract PDFs use (:mod:`casework.documents.pdf`), so
Polish letters print and copy correctly. Both documents are Polish whatever the interface language:
they are handed to a data subject or shown to the supervisory authority (UODO).
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from casework.documents.fonts import FONT, add_fonts
from casework.rodo.layout import ACCESS_COLUMNS, access_rows, display, section_rows
from casework.rodo.register import ART30_ELEMENTS, Register
from casework.rodo.report_types import SubjectAccessReport

BODY = 9.5
SMALL = 8
LINE = 4.8
SMALL_LINE = 3.9


class _Report(FPDF):
    def __init__(self, *, title: str, footer: str, landscape: bool = False) -> None:
        super().__init__(
            orientation="landscape" if landscape else "portrait", unit="mm", format="A4"
        )
        add_fonts(self)
        self.set_margins(left=15, top=15, right=15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Platforma ośrodków pomocy społecznej")
        self.set_lang("pl-PL")
        self.footer_text = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=SMALL)
        self.set_text_color(80, 80, 80)
        self.cell(self.epw * 0.75, SMALL_LINE, self.footer_text, align=Align.L)
        self.cell(self.epw * 0.25, SMALL_LINE, f"strona {self.page_no()} z {{nb}}", align=Align.R)
        self.set_text_color(0, 0, 0)

    def para(self, text: str, *, size: float = BODY, bold: bool = False,
             align: Align = Align.L, line: float = LINE) -> None:  # fmt: skip
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, *, size: float = 12) -> None:
        self.ln(3)
        if self.get_y() + 20 > self.page_break_trigger:
            self.add_page()
        self.para(text, size=size, bold=True, line=6)
        self.ln(1)

    def facts(self, facts: Sequence[tuple[str, str]], *, label_width: float = 48) -> None:
        for label, value in facts:
            self.set_font(FONT, "B", BODY)
            y = self.get_y()
            if y + LINE > self.page_break_trigger:
                self.add_page()
                y = self.get_y()
            self.multi_cell(label_width, LINE, f"{label}:", new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FONT, "", BODY)
            self.multi_cell(0, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if self.get_y() < y + LINE:
                self.set_y(y + LINE)

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[str]],
             widths: Sequence[float]) -> None:  # fmt: skip
        self.set_font(FONT, "", SMALL)
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple("LEFT" for _ in headers),
            line_height=SMALL_LINE + 0.4,
            headings_style=FontFace(emphasis="BOLD", fill_color=(240, 242, 245)),
        ) as table:
            head = table.row()
            for title in headers:
                head.cell(title)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            self.para(f"• {item}")


def subject_access_pdf(report: SubjectAccessReport) -> bytes:
    """The subject-access report: the centre, the date and the person at the head; a section per
    kind of record; the access report as a table."""
    person = report["person"]
    centre = report["centre"]
    name = f"{person['first_name']} {person['last_name']}"
    pdf = _Report(
        title=f"Informacja o przetwarzaniu danych osobowych – {name}",
        footer=f"{centre['short_name'] or centre['name']} · dostęp do danych: {name}",
    )
    pdf.add_page()
    pdf.para(centre["name"], size=11, bold=True)
    if centre["address"]:
        pdf.para(centre["address"])
    pdf.para(f"Data sporządzenia: {display(report['generated_at'])}", align=Align.R)
    pdf.ln(4)
    pdf.para("INFORMACJA O PRZETWARZANIU DANYCH OSOBOWYCH", size=13, bold=True, align=Align.C)
    pdf.para("(art. 15 RODO – prawo dostępu do danych i kopia danych)", align=Align.C)
    pdf.ln(2)
    pdf.para(f"Osoba: {name}", size=11, bold=True, align=Align.C)

    controller = centre["controller"]
    pdf.heading("Administrator danych")
    pdf.facts(
        [
            ("Administrator", controller["name"]),
            ("Adres", controller["address"]),
            ("Reprezentuje", controller["represented_by"]),
            ("Inspektor ochrony danych", controller["dpo"]),
        ]
    )

    pdf.heading("Dane osobowe")
    address = person["address"]
    pdf.facts(
        [
            ("Imię i nazwisko", name),
            ("PESEL", display(person["pesel"])),
            ("Dokument", display(f"{person['document_type_label']} {person['document_number']}"
                                 .strip())),
            ("Data urodzenia", display(person["date_of_birth"])),
            ("Płeć", display(person["sex_label"])),
            ("Obywatelstwo", display(person["citizenship"])),
            ("Adres", display(" ".join(
                part for part in (address["street"], address["postal_code"], address["city"])
                if part))),
            ("Telefon", display(person["phone"])),
            ("W kartotece od", display(person["registered_at"])),
        ]
    )  # fmt: skip

    pdf.heading("Gospodarstwa domowe")
    if not report["household_memberships"]:
        pdf.para("Brak.")
    for membership in report["household_memberships"]:
        others = ", ".join(
            f"{m['first_name']} {m['last_name']} ({m['relation_label']})"
            for m in membership["other_members"]
        )
        where = membership["household_address"]
        pdf.facts(
            [
                ("Pokrewieństwo", membership["relation_label"]),
                ("Od – do", f"{display(membership['joined_on'])} – "
                            f"{display(membership['left_on'])}"),
                ("Adres gospodarstwa", display(" ".join(
                    p for p in (where["street"], where["postal_code"], where["city"]) if p))),
                ("Pozostali członkowie", others or "—"),
            ]
        )  # fmt: skip
        pdf.ln(2)

    for section in section_rows(report):
        pdf.heading(section["title"])
        if not section["records"]:
            pdf.para(section["empty"])
        for facts in section["records"]:
            pdf.facts(facts)
            pdf.ln(2)

    pdf.heading("Cele, podstawy prawne i okresy przechowywania")
    for row in report["processing"]:
        pdf.para(row["activity_label"], bold=True)
        pdf.facts(
            [
                ("Cele", "; ".join(row["purposes"])),
                ("Podstawy prawne", "; ".join(row["legal_basis"])),
                ("Odbiorcy", "; ".join(row["recipients"])),
                ("Okres przechowywania", row["retention"]),
            ]
        )
        pdf.ln(2)

    pdf.heading("Dostęp do danych (z dziennika dostępu)")
    pdf.para(
        "Każdy odczyt i każda zmiana danych osoby oraz gospodarstw, do których należy lub "
        "należała, od najstarszych.",
        size=SMALL,
        line=SMALL_LINE,
    )
    pdf.ln(1)
    if report["access_report"]:
        pdf.grid(
            [title for _, title in ACCESS_COLUMNS],
            access_rows(report),
            (28, 30, 34, 20, 38, pdf.epw - 150),
        )
    else:
        pdf.para("Brak wpisów.")

    pdf.heading("Sprostowanie danych")
    pdf.para(report["rectification"]["how"])
    return bytes(pdf.output())


def register_pdf(register: Register, *, centre_short_name: str, generated_on: str) -> bytes:
    """The art. 30 register as a form: the controller, then each activity with every element."""
    controller = register.controller
    pdf = _Report(
        title=f"Rejestr czynności przetwarzania – {controller.name}",
        footer=f"{centre_short_name} · rejestr czynności przetwarzania (art. 30 RODO)",
    )
    pdf.add_page()
    pdf.para("REJESTR CZYNNOŚCI PRZETWARZANIA", size=13, bold=True, align=Align.C)
    pdf.para("(art. 30 ust. 1 RODO)", align=Align.C)
    pdf.para(f"Stan na dzień: {generated_on} · wersja {register.version}", align=Align.C)
    pdf.heading(f"a) {ART30_ELEMENTS['a'][0].capitalize()}")
    pdf.facts(
        [
            ("Administrator", controller.name),
            ("Adres", controller.as_dict()["address"]),
            ("Reprezentuje", controller.represented_by),
            ("Inspektor ochrony danych", controller.dpo),
        ]
    )
    for number, activity in enumerate(register.activities, start=1):
        pdf.heading(f"{number}. {activity.name}")
        jrwa = "; ".join(activity.jrwa)
        if activity.jrwa_assumed:
            jrwa += " (przyjęte – do potwierdzenia z instrukcją kancelaryjną ośrodka)"
        pdf.facts(
            [
                ("b) Cele", "; ".join(activity.purposes)),
                ("Podstawy prawne", "; ".join(activity.legal_basis)),
                ("c) Osoby", "; ".join(activity.data_subjects)),
                ("c) Kategorie danych", "; ".join(activity.data_categories)),
                ("d) Odbiorcy", "; ".join(activity.recipients)),
                ("e) Państwa trzecie", activity.third_country_transfers),
                ("f) Usunięcie danych", activity.retention),
                ("f) JRWA", jrwa),
                (
                    "f) Zasady ośrodka",
                    "; ".join(rule["text"] for rule in activity.centre_retention) or "nie dotyczy",
                ),
                ("g) Środki bezpieczeństwa", "; ".join(activity.measures)),
            ]
        )
    return bytes(pdf.output())
