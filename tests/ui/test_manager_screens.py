"""The manager's day at Daleszyce in the browser: workloads and the share of social work, the
overdue list, who accessed a person's data, a printable decision with its PDF; and the auditor
looking at the access log. Every screen is checked with axe-core at both widths."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from casework.models import Decision, Person, SocialContract
from tests.ui.helpers import check_screen, login

SLUG = "daleszyce"


def _person() -> Person:
    with schema_context(SLUG):
        person = Person.objects.exclude(pesel=None).order_by("id").first()
    assert person is not None
    return person


def _decision() -> Decision:
    with schema_context(SLUG):
        decision = (
            Decision.objects.filter(amount__isnull=False)
            .exclude(number="")
            .select_related("application__applicant")
            .order_by("-issued_on")
            .first()
        )
    assert decision is not None
    return decision


def _contract() -> SocialContract:
    with schema_context(SLUG):
        contract = (
            SocialContract.objects.filter(reviews__isnull=False, signed_on__isnull=False)
            .order_by("-starts_on")
            .first()
        )
    assert contract is not None
    return contract


def test_manager_views_overdue_list_access_log_and_a_printable_decision(
    page: Page, host_url: Callable[[str | None], str], tmp_path: Path
) -> None:
    login(page, SLUG, "kierownik")
    menu = page.get_by_role("navigation", name="Menu główne")
    menu.get_by_role("link", name="Kierownik").click()
    expect(page.get_by_role("heading", level=1, name="Widok kierownika")).to_be_visible()
    expect(page.get_by_role("heading", name="Obciążenie zespołów")).to_be_visible()
    expect(page.get_by_role("table", name="Zespoły: sprawy i pracownicy")).to_be_visible()
    check_screen(page, "kierownik-obciazenie")

    # Another period for the share of social work: htmx swaps the section and keeps the URL.
    section = page.locator("#time-share")
    section.get_by_label("Od dnia").fill("2024-01-01")
    section.get_by_label("Do dnia (włącznie)").fill("2024-12-31")
    section.get_by_role("button", name="Pokaż okres").click()
    expect(page.locator("#time-share")).to_contain_text("od 1 stycznia 2024 do 31 grudnia 2024")
    expect(page).to_have_url(re.compile(r"date_from=2024-01-01"))
    expect(page.get_by_role("table", name="Czas pracy według komórek (godziny)")).to_be_visible()
    check_screen(page, "kierownik-czas-pracy")

    # A backwards period is refused next to the field.
    section = page.locator("#time-share")
    section.get_by_label("Od dnia").fill("2024-12-31")
    section.get_by_label("Do dnia (włącznie)").fill("2024-01-01")
    section.get_by_role("button", name="Pokaż okres").click()
    expect(page.locator("#time-share .field-error")).to_have_text(
        "Koniec okresu nie może być przed jego początkiem."
    )

    page.get_by_role("navigation", name="Widoki kierownika").get_by_role(
        "link", name="Zaległe terminy"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Zaległe terminy")).to_be_visible()
    check_screen(page, "kierownik-zalegle-terminy")

    # Who accessed a person's data: find them by PESEL as you type.
    person = _person()
    menu.get_by_role("link", name="Dziennik dostępu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dziennik dostępu do danych osoby")
    page.wait_for_load_state("load")  # htmx listens to the field (typed too early: no search)
    page.get_by_label("PESEL, imię lub nazwisko").fill(str(person.pesel))
    result = page.get_by_role("link", name=f"Dziennik: {person}")
    expect(result).to_be_visible()
    check_screen(page, "dziennik-wyszukiwanie")
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dziennik dostępu: {person}")
    page.reload()  # the viewing above is now in the log, newest first
    first_row = page.locator("table tbody tr").first
    expect(first_row).to_contain_text("kierownik")
    expect(first_row).to_contain_text("odczyt")
    check_screen(page, "dziennik-osoby")
    page.get_by_label("Rodzaj dostępu").select_option("read")  # data-autosubmit
    expect(page).to_have_url(re.compile(r"action=read"))

    # A printable decision, then its PDF.
    decision = _decision()
    page.goto(f"{host_url(SLUG)}/decyzje/{decision.public_id}/druk/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Decyzja nr {decision.number}")
    expect(page.get_by_role("heading", name="Pouczenie")).to_be_visible()
    expect(page.get_by_role("button", name="Drukuj")).to_be_visible()  # shown by print.js
    check_screen(page, "decyzja-do-druku")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Pobierz PDF").click()
    download = download_info.value
    assert re.fullmatch(r"decyzja-[a-z0-9-]+\.pdf", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")

    # A social contract as both parties sign it.
    contract = _contract()
    page.goto(f"{host_url(SLUG)}/kontrakty/{contract.public_id}/druk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrakt socjalny")
    expect(page.get_by_role("heading", name="§ 1. Cele kontraktu")).to_be_visible()
    check_screen(page, "kontrakt-do-druku")


def test_auditor_reads_the_access_log(page: Page) -> None:
    person = _person()
    login(page, SLUG, "audytor")
    menu = page.get_by_role("navigation", name="Menu główne")
    expect(menu.get_by_role("link", name="Kierownik")).to_have_count(0)
    menu.get_by_role("link", name="Dziennik dostępu").click()
    expect(page.get_by_role("navigation", name="Widoki kierownika")).to_have_count(0)
    page.wait_for_load_state("load")
    page.get_by_label("PESEL, imię lub nazwisko").fill(f"{person.last_name} {person.first_name}")
    page.get_by_role("link", name=f"Dziennik: {person}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dziennik dostępu: {person}")
    page.reload()
    expect(page.locator("table tbody tr").first).to_contain_text("audytor")
    check_screen(page, "dziennik-audytor")
