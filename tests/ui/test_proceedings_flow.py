"""Application → interview → decision → PDF: at Daleszyce the benefits worker finds one of their
cases in the case list, registers an application, plans and records the family interview, issues
the decision (a refused attempt first, corrected inline), and opens the decision's printable page
and its PDF, whose text carries the decision in Polish with Polish characters intact."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from casework.models import Case, CaseAssignment, HouseholdMember
from casework.models.cases import CaseStatus
from tests.ui.helpers import check_screen, login

SLUG = "daleszyce"
REASONING = (
    "Dochód na osobę w rodzinie nie przekracza kryterium dochodowego; "
    "przyznaje się zasiłek okresowy z powodu bezrobocia."
)


def _case_of_the_benefits_worker() -> Case:
    """An open demo case assigned to the demo benefits worker whose household has a head."""
    with schema_context(SLUG):
        heads = HouseholdMember.objects.filter(relation="head", left_on__isnull=True)
        mine = CaseAssignment.objects.filter(
            worker__username="swiadczenia", function="benefits", ended_on__isnull=True
        )
        found = (
            Case.objects.filter(
                status=CaseStatus.OPEN,
                household__members__in=heads.values("pk"),
                pk__in=mine.values("case_id"),
            )
            .order_by("opened_on", "id")
            .first()
        )
    assert found is not None, "the benefits worker has no open case in the demo data"
    return found


def _panel(page: Page, summary: str) -> Locator:
    """Unfold the next step whose summary reads ``summary``; the form inside it."""
    details = page.locator("details.form-panel").filter(
        has=page.locator("summary", has_text=summary)
    )
    summary_element = details.locator("summary").first
    expect(summary_element).to_be_visible()  # the social-work sections come after the page
    if details.first.get_attribute("open") is None:  # the step of what is due starts open
        summary_element.click()
    return details.locator("form").first


def test_application_interview_decision_pdf(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    today = timezone.localdate().strftime("%d.%m.%Y")
    case = _case_of_the_benefits_worker()
    login(page, SLUG, "swiadczenia")

    # The case list: own cases first; the search narrows it while typing.
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Sprawy").click()
    expect(page.get_by_role("heading", level=1, name="Sprawy")).to_be_visible()
    expect(page.get_by_label("Zakres", exact=True)).to_have_value("mine")
    check_screen(page, "lista-spraw")
    page.get_by_label("Szukaj: nazwisko, imię, PESEL lub znak sprawy").fill(case.number)
    expect(page.locator("#search-status")).to_have_text("Liczba znalezionych spraw: 1.")
    check_screen(page, "lista-spraw-wyszukiwanie")
    page.get_by_role("link", name=case.number, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Sprawa {case.number}")).to_be_visible()
    check_screen(page, "akta-sprawy")

    # The application.
    form = _panel(page, "Zarejestruj wniosek")
    form.get_by_label("zasiłek okresowy", exact=True).check()
    form.get_by_role("button", name="Zarejestruj wniosek").click()
    expect(page.get_by_text("Wniosek zarejestrowano.")).to_be_visible()
    application = f"wniosek z {today}: zasiłek okresowy"
    check_screen(page, "wniosek-zarejestrowany")

    # The family interview: planned, then recorded.
    form = _panel(page, "Zaplanuj rodzinny wywiad środowiskowy")
    form.get_by_label("Wniosek").select_option(label=application)
    form.get_by_role("button", name="Zaplanuj wywiad").click()
    expect(page.get_by_text("Wywiad zaplanowano.")).to_be_visible()
    check_screen(page, "wywiad-zaplanowany")

    form = _panel(page, "Odnotuj przeprowadzenie wywiadu")
    interviews = form.get_by_label("Wywiad")
    planned_today = interviews.evaluate(
        "(select, text) => [...select.options].find(o => o.textContent.includes(text)).value",
        f"potrzeba od {today}",
    )
    interviews.select_option(value=planned_today)
    form.get_by_label("Diagnoza").fill("Bezrobocie od pół roku, brak źródła dochodu.")
    form.get_by_label("Plan pomocy").fill("Zasiłek okresowy, praca socjalna, skierowanie do PUP.")
    form.get_by_role("button", name="Zapisz wywiad").click()
    expect(page.get_by_text("Zapisano przeprowadzenie wywiadu.")).to_be_visible()
    check_screen(page, "wywiad-przeprowadzony")

    # The decision: the worker holds the manager's authorisation in the demo data.
    form = _panel(page, "Wydaj decyzję")
    expect(form.get_by_text("Nie masz ważnego upoważnienia")).to_have_count(0)
    form.get_by_label("Wniosek").select_option(label=application)
    form.get_by_label("Świadczenie").select_option(label="zasiłek okresowy")
    form.get_by_label("Rozstrzygnięcie").select_option(label="przyznanie")
    # "Przyznane od" is required when granting: its label says so.
    expect(form.locator("label[for='id_decision-period_from']")).to_contain_text(
        "* (przy przyznaniu)"
    )
    form.get_by_label("Kwota (zł)").fill("450,00")
    form.get_by_label("Sposób wypłaty").select_option(label="co miesiąc")
    # Granted without the date it starts from: refused inline, in Polish, the input kept.
    form.get_by_label("Uzasadnienie").fill(REASONING)
    form.get_by_role("button", name="Wydaj decyzję").click()
    form = page.locator("form#form-decision")
    expect(form.get_by_text("Podaj, od kiedy świadczenie przysługuje.", exact=True)).to_be_visible()
    expect(form.get_by_label("Uzasadnienie")).to_have_value(REASONING)
    expect(form.get_by_label("Kwota (zł)")).to_have_value("450,00")
    check_screen(page, "decyzja-blad")
    form.get_by_label("Przyznane od").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Wydaj decyzję").click()
    expect(page.get_by_text("Decyzję wydano.")).to_be_visible()
    entry = page.locator("li.tl-decision").first
    expect(entry).to_contain_text("zasiłek okresowy")
    expect(entry).to_contain_text("450,00 zł")
    check_screen(page, "decyzja-wydana")

    # The documents: the PDF (downloaded), then the printable page.
    with page.expect_download() as download_info:
        entry.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(body)).pages)
    flat = " ".join(text.split())
    assert "zasiłek okresowy" in flat.lower(), flat[:500]
    assert "Dochód na osobę w rodzinie nie przekracza kryterium" in flat, flat[:500]
    assert "450,00" in flat, flat[:500]

    entry.get_by_role("link", name="wersja do druku").click()
    expect(page.get_by_text(REASONING)).to_be_visible()
    check_screen(page, "decyzja-wydruk")
