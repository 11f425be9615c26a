"""First visit routed from the desk: at Daleszyce the first-contact worker opens the desk from the
dashboard, searches for the person, adds them as new (the PESEL is checked as the field is left),
ticks the reasons and routes the visit to the social-work team; a social worker of that team then
finds the case in the team's queue on their dashboard."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from casework.models import HouseholdMember, Intake, Person
from casework.models.intake import IntakeOutcome
from tests.ui.helpers import check_screen, login

SLUG = "daleszyce"
TEAM = "Pracownicy socjalni ds. pracy w terenie i projektów socjalnych"
WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def synthetic_pesel(born: dt.date, serial: int, female: bool) -> str:
    """A PESEL with a correct check digit (1900s births: the month as is)."""
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    first_ten = f"{born:%y%m%d}{serial % 1000:03d}{sex_digit}"
    check = (10 - sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True)) % 10) % 10
    return first_ten + str(check)


def _unused_pesel() -> tuple[str, dt.date]:
    """A valid PESEL nobody at the centre has (browser tests commit what they save)."""
    # Seeded: the same candidates in every run (the loop skips those an earlier run saved).
    rng = random.Random(f"{SLUG}-desk-flow")
    with schema_context(SLUG):
        while True:
            born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(15_000))
            pesel = synthetic_pesel(born, rng.randrange(1000), female=True)
            if not Person.objects.filter(pesel=pesel).exists():
                return pesel, born


def test_first_visit_routed_from_the_desk(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    pesel, born = _unused_pesel()
    wrong = pesel[:10] + str((int(pesel[10]) + 1) % 10)

    login(page, SLUG, "pierwszy.kontakt")
    expect(page.get_by_role("heading", level=1, name="Pulpit")).to_be_visible()
    check_screen(page, "pulpit-pierwszy-kontakt")

    page.get_by_role("link", name="Zarejestruj wizytę").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pierwszy kontakt: rejestracja wizyty"
    )
    search = page.get_by_label("Szukaj osoby")
    expect(search).to_be_focused()
    check_screen(page, "pierwszy-kontakt")

    # Search as you type: nobody with this PESEL yet.
    search.fill(pesel)
    expect(page.locator("#search-results")).to_contain_text("Nie znaleziono osoby")

    # Add the person; the PESEL is checked when the clerk leaves the field.
    page.locator("summary", has_text="Dodaj nową osobę").click()
    page.get_by_label("Imię", exact=True).fill("Halina")
    page.get_by_label("Nazwisko", exact=True).fill("Okienkowa")
    page.get_by_label("PESEL", exact=True).fill(wrong)
    page.get_by_label("PESEL", exact=True).press("Tab")
    expect(page.locator("#field-pesel .field-error")).to_contain_text("błędną cyfrę kontrolną")
    page.get_by_label("PESEL", exact=True).fill(pesel)
    page.get_by_label("PESEL", exact=True).press("Tab")
    expect(page.locator("#field-pesel")).to_contain_text(
        f"Numer poprawny: data urodzenia {born:%d.%m.%Y}, płeć: kobieta."
    )
    expect(page.locator("#field-pesel .field-error")).to_have_count(0)
    page.get_by_label("Ulica i numer").fill("ul. Syntetyczna 7")
    page.get_by_label("Kod pocztowy").fill("26-021")
    page.get_by_label("Miejscowość").fill("Daleszyce")

    note = "Pierwsza wizyta, prosi o pomoc w znalezieniu pracy."
    page.get_by_label("Notatka", exact=True).fill(note)
    page.get_by_label("przekazanie do zespołu lub pracownika").check()
    page.get_by_label("Przekaż do").select_option(label=f"{TEAM} (cały zespół)")
    page.get_by_label("Dokąd skierowano / uwagi dla zespołu").fill("Kontakt telefoniczny rano.")

    # Saved without a reason: refused, the error next to the reasons, nothing typed is lost.
    page.get_by_role("button", name="Zapisz zgłoszenie").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_reasons .field-error")).to_contain_text(
        "Wskaż co najmniej jeden powód zgłoszenia"
    )
    expect(page.get_by_label("PESEL", exact=True)).to_have_value(pesel)
    expect(page.get_by_label("Notatka", exact=True)).to_have_value(note)
    expect(page.get_by_label("Przekaż do")).to_have_value("team:praca-w-terenie")
    check_screen(page, "pierwszy-kontakt-bledy")
    with schema_context(SLUG):
        assert not Person.objects.filter(pesel=pesel).exists()

    page.get_by_label("bezrobocie", exact=True).check()
    page.get_by_label("ubóstwo", exact=True).check()
    check_screen(page, "pierwszy-kontakt-wypelniony")
    page.get_by_role("button", name="Zapisz zgłoszenie").click()
    expect(page.get_by_role("heading", level=1, name="Zgłoszenie zarejestrowane")).to_be_visible()
    with schema_context(SLUG):
        intake = Intake.objects.select_related("case", "routed_team").get(person__pesel=pesel)
        assert intake.outcome == IntakeOutcome.ROUTED
        assert intake.routed_team is not None and intake.routed_team.name == TEAM
        assert intake.case is not None
        number = intake.case.number
    expect(page.locator("main")).to_contain_text(number)
    expect(page.get_by_role("link", name="Następny klient")).to_be_focused()
    # The case file is the team's now: first contact gets no link to it (least privilege).
    expect(page.get_by_role("link", name=f"Akta sprawy {number}")).to_have_count(0)
    check_screen(page, "zgloszenie-zarejestrowane")

    # A social worker of that team sees the case waiting in the team's queue.
    page.get_by_role("button", name="Wyloguj").click()
    login(page, SLUG, "socjalny")
    queue = page.locator("section", has=page.get_by_role("heading", name="Kolejka mojego zespołu"))
    expect(queue).to_contain_text(number)
    expect(queue).to_contain_text("bezrobocie")
    expect(queue).to_contain_text("Kontakt telefoniczny rano.")
    check_screen(page, "pulpit-socjalny")


def test_dashboards_of_the_manager_a_benefits_worker_and_the_auditor(page: Page) -> None:
    for username, marker in (
        ("kierownik", "Kolejka ośrodka: sprawy bez pracownika"),
        ("swiadczenia", "Moje obciążenie"),
        ("audytor", "Konto tylko do odczytu"),
    ):
        login(page, SLUG, username)
        expect(page.get_by_role("heading", name=marker)).to_be_visible()
        check_screen(page, f"pulpit-{username}")
        page.get_by_role("button", name="Wyloguj").click()


def test_known_person_chosen_from_the_search_and_resolved_at_the_desk(page: Page) -> None:
    with schema_context(SLUG):
        member = (
            HouseholdMember.objects.filter(left_on__isnull=True, person__pesel__isnull=False)
            .select_related("person")
            .order_by("id")
            .first()
        )
        assert member is not None
        known = member.person
    login(page, SLUG, "pierwszy.kontakt")
    page.get_by_role("link", name="Pierwszy kontakt").click()
    page.get_by_label("Szukaj osoby").fill(str(known.pesel))
    page.get_by_label("Szukaj osoby").press("Enter")
    results = page.locator("#search-results")
    expect(results).to_contain_text(f"{known.last_name} {known.first_name}")
    results.get_by_role("button", name=f"Wybierz {known.first_name} {known.last_name}").click()
    chosen = page.locator(".chosen-person")
    expect(chosen).to_contain_text(f"{known.first_name} {known.last_name}")
    expect(page.get_by_role("link", name="Zmień osobę")).to_be_focused()
    page.get_by_label("ubóstwo", exact=True).check()
    page.get_by_label("udzielono informacji").check()
    check_screen(page, "pierwszy-kontakt-osoba-wybrana")
    page.get_by_role("button", name="Zapisz zgłoszenie").click()
    expect(page.get_by_role("heading", level=1, name="Zgłoszenie zarejestrowane")).to_be_visible()
    expect(page.locator("main")).to_contain_text("udzielono informacji")
    expect(page.locator("main")).to_contain_text(f"{known.first_name} {known.last_name}")
    # Enter on the focused "next client" starts the next visit with the search focused.
    expect(page.get_by_role("link", name="Następny klient")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Szukaj osoby")).to_be_focused()
