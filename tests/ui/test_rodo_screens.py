"""A subject-access request at Daleszyce in the browser: the manager finds the person by PESEL from
the "Wnioski RODO" menu, reads the report, downloads its PDF and JSON, and opens the register of
processing activities. Every screen is checked with axe-core at both widths."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from casework.models import Person
from tests.ui.helpers import check_screen, login

SLUG = "daleszyce"


def _person() -> Person:
    with schema_context(SLUG):
        person = (
            Person.objects.exclude(pesel=None)
            .filter(memberships__isnull=False)
            .order_by("id")
            .first()
        )
    assert person is not None
    return person


def test_manager_answers_a_subject_access_request(page: Page, tmp_path: Path) -> None:
    person = _person()
    login(page, SLUG, "kierownik")
    menu = page.get_by_role("navigation", name="Menu główne")
    menu.get_by_role("link", name="Wnioski RODO").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wnioski RODO: dostęp do danych osoby"
    )
    page.get_by_label("PESEL, imię lub nazwisko").fill(str(person.pesel))
    result = page.get_by_role("link", name=f"Dane osoby: {person}")
    expect(result).to_be_visible()
    check_screen(page, "rodo-wyszukiwanie")
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dostęp do danych (RODO): {person}")
    expect(page.get_by_role("heading", name="Gospodarstwa domowe")).to_be_visible()
    expect(page.get_by_role("table", name="Raport dostępu do danych")).to_be_visible()
    check_screen(page, "rodo-raport")

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Pobierz PDF").click()
    pdf = pdf_info.value
    assert re.fullmatch(r"dane-osoby-[a-z0-9-]+\.pdf", pdf.suggested_filename)
    target = tmp_path / pdf.suggested_filename
    pdf.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")

    with page.expect_download() as json_info:
        page.get_by_role("link", name="Pobierz JSON").click()
    exported = tmp_path / json_info.value.suggested_filename
    json_info.value.save_as(exported)
    report = json.loads(exported.read_text(encoding="utf-8"))
    assert report["person"]["id"] == str(person.public_id)

    page.get_by_role("navigation", name="RODO").get_by_role(
        "link", name="Rejestr czynności przetwarzania"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejestr czynności przetwarzania")
    expect(
        page.get_by_role("heading", name="1. Rejestracja zgłoszeń (pierwszy kontakt)")
    ).to_be_visible()
    check_screen(page, "rodo-rejestr")
