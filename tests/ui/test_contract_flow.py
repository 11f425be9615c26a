"""Contract signed and completed: at Daleszyce the social worker opens a household's case file,
drafts a social contract, signs it, plans and records a review and completes it, in the browser."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Locator, Page, expect

from casework.models import Case, HouseholdMember
from casework.models.cases import CaseStatus
from casework.visibility import households_q
from tests.ui.helpers import check_screen, login

SLUG = "daleszyce"


def _open_case_with_a_head() -> Case:
    """An open demo case whose household has a current head (the contract's party), in the
    social worker's scope (casework.visibility)."""
    with schema_context(SLUG):
        social = get_user_model().objects.get(username="socjalny")
        heads = HouseholdMember.objects.filter(relation="head", left_on__isnull=True)
        found = (
            Case.objects.filter(status=CaseStatus.OPEN, household__members__in=heads.values("pk"))
            .filter(households_q(social, "household"))
            .select_related("household")
            .order_by("-opened_on", "-id")
            .first()
        )
    assert found is not None, "the demo data has no open case at Daleszyce"
    return found


def _case_file_path(case: Case) -> str:
    """The case file page, or the case's social-work page while the case file is not installed."""
    try:
        return reverse("casework-ui:case-detail", kwargs={"case_id": case.public_id})
    except NoReverseMatch:
        return reverse("casework-ui:case-socialwork", kwargs={"case_id": case.public_id})


def _panel(page: Page, summary: str) -> Locator:
    """Open the folded form whose summary reads ``summary``; the form inside it."""
    details = page.locator("details.form-panel").filter(
        has=page.locator("summary", has_text=summary)
    )
    summary_element = details.locator("summary").first
    expect(summary_element).to_be_visible()  # the social-work sections come after the page
    if details.first.get_attribute("open") is None:  # the step of what is due starts open
        summary_element.click()
    return details.locator("form").first


def test_contract_signed_and_completed(page: Page, host_url: Callable[[str | None], str]) -> None:
    today = timezone.localdate()
    case = _open_case_with_a_head()
    login(page, SLUG, "socjalny")

    page.goto(host_url(SLUG) + _case_file_path(case))
    expect(page.get_by_role("heading", level=2, name="Kontrakty socjalne")).to_be_visible()
    check_screen(page, "akta-sprawy")

    form = _panel(page, "Nowy kontrakt socjalny")
    form.get_by_label("Osoba – strona kontraktu").select_option(index=1)
    form.get_by_label("Rodzaj kontraktu").select_option(label="kontrakt socjalny")
    # The end before the start: refused inline, in Polish, the input kept.
    form.get_by_label("Obowiązuje do").fill((today - dt.timedelta(days=1)).isoformat())
    form.get_by_label("Cele kontraktu").fill("Podjęcie stałego zatrudnienia.")
    form.get_by_label("Zobowiązania osoby lub rodziny").fill("Rejestracja w PUP, warsztaty.")
    form.get_by_label("Zobowiązania pracownika socjalnego / ośrodka").fill(
        "Konsultacje raz w tygodniu."
    )
    form.get_by_role("button", name="Zapisz projekt kontraktu").click()
    form = page.locator("form#form-kontrakt")
    refusal = "Kontrakt nie może kończyć się przed dniem rozpoczęcia."
    expect(form.locator(".field-error", has_text=refusal)).to_be_visible()
    expect(form.get_by_label("Cele kontraktu")).to_have_value("Podjęcie stałego zatrudnienia.")
    check_screen(page, "nowy-kontrakt-blad")

    form.get_by_label("Obowiązuje do").fill((today + dt.timedelta(days=90)).isoformat())
    form.get_by_role("button", name="Zapisz projekt kontraktu").click()
    expect(page.get_by_text("Zapisano projekt kontraktu socjalnego.")).to_be_visible()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Kontrakt socjalny"))
    ).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("projekt")
    check_screen(page, "kontrakt-projekt")

    form = _panel(page, "Podpisanie kontraktu")
    expect(form.get_by_label("Data podpisania")).to_have_value(today.isoformat())
    form.get_by_role("button", name="Zapisz podpisanie").click()
    expect(page.get_by_text("Kontrakt podpisany – jest realizowany.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("realizowany")
    check_screen(page, "kontrakt-podpisany")

    form = _panel(page, "Zaplanuj ocenę realizacji")
    form.get_by_label("Termin oceny").fill((today + dt.timedelta(days=30)).isoformat())
    form.get_by_role("button", name="Zaplanuj ocenę").click()
    expect(page.get_by_text("Zaplanowano ocenę realizacji kontraktu")).to_be_visible()

    form = _panel(page, "Zapisz ocenę zaplanowaną na")
    form.get_by_label("Wnioski z oceny realizacji kontraktu").fill(
        "Osoba zarejestrowała się w PUP i uczestniczy w warsztatach."
    )
    form.get_by_role("button", name="Zapisz ocenę").click()
    expect(page.get_by_text("Zapisano ocenę realizacji kontraktu.")).to_be_visible()
    expect(
        page.get_by_role("cell", name="Osoba zarejestrowała się w PUP i uczestniczy w warsztatach.")
    ).to_be_visible()
    check_screen(page, "kontrakt-ocena")

    form = _panel(page, "Zakończenie kontraktu")
    form.get_by_label("Tak – cele osiągnięte").check()
    form.get_by_label("Ocena realizacji kontraktu").fill("Cele osiągnięte: umowa o pracę.")
    form.get_by_role("button", name="Zakończ kontrakt").click()
    expect(page.get_by_text("Kontrakt zakończony.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("zakończony")
    expect(page.get_by_text("Cele osiągnięte: umowa o pracę.")).to_be_visible()
    check_screen(page, "kontrakt-zakonczony")

    page.get_by_role("link", name=re.compile("Wróć do akt sprawy")).click()
    expect(page.get_by_role("heading", level=2, name="Kontrakty socjalne")).to_be_visible()
    check_screen(page, "akta-sprawy-po")
