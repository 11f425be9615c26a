"""The screenshots of the main screens in docs/screenshots/ (`make screenshots`), at 1280 and
390 px: what a newcomer sees of the product before running it. They reuse the browser tests'
machinery (the served test database with the demo centres, Debian's chromium); in an ordinary test
run the test only checks the screens open, and writes the pictures only when OPS_SCREENSHOTS names
the folder (the Makefile sets it)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from casework.models import Case, ContractReview
from casework.models.cases import CaseStatus
from tests.ui.helpers import DESKTOP, PHONE, login

SLUG = "daleszyce"
ROOT = Path(__file__).resolve().parents[2]


def _folder() -> Path | None:
    configured = os.environ.get("OPS_SCREENSHOTS", "")
    if not configured:
        return None
    folder = Path(configured)
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shoot(page: Page, name: str) -> None:
    """The first screen of the page at both widths (what one sees on opening it)."""
    page.wait_for_load_state("networkidle")
    folder = _folder()
    if folder is None:
        return
    original = page.viewport_size or DESKTOP
    try:
        for width, size in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(size)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(folder / f"{name}-{width}.png"))
    finally:
        page.set_viewport_size(original)


def _case_with_something_due() -> Case:
    with schema_context(SLUG):
        review = (
            ContractReview.objects.filter(
                done_on__isnull=True,
                contract__status__in=["signed", "active"],
                contract__case__status=CaseStatus.OPEN,
            )
            .select_related("contract__case")
            .order_by("due_on", "id")
            .first()
        )
        if review is not None:
            return review.contract.case
        found = Case.objects.filter(status=CaseStatus.OPEN).order_by("id").first()
    assert found is not None
    return found


def test_main_screens(page: Page, host_url: Callable[[str | None], str]) -> None:
    centre = host_url(SLUG)
    page.goto(f"{centre}/konto/logowanie/")
    _shoot(page, "01-logowanie")

    login(page, SLUG, "swiadczenia")
    expect(page.get_by_role("heading", level=1, name="Pulpit")).to_be_visible()
    _shoot(page, "02-pulpit-pracownika")
    page.goto(f"{centre}/moj-dzien/")
    _shoot(page, "03-moj-dzien-do-druku")
    page.goto(f"{centre}/sprawy/")
    _shoot(page, "04-lista-spraw")
    page.get_by_role("button", name="Wyloguj").click()

    login(page, SLUG, "kierownik")
    case = _case_with_something_due()
    page.goto(f"{centre}/sprawy/{case.public_id}/")
    expect(page.locator("section.case-history li.tl-entry").first).to_be_visible()
    _shoot(page, "05-akta-sprawy")
    page.goto(f"{centre}/kierownik/")
    _shoot(page, "06-widok-kierownika")
    page.goto(f"{centre}/wskazniki/")
    _shoot(page, "07-wskazniki-osrodka")
    page.get_by_role("button", name="Wyloguj").click()

    login(page, SLUG, "pierwszy.kontakt")
    page.goto(f"{centre}/pierwszy-kontakt/")
    _shoot(page, "08-pierwszy-kontakt")
    page.get_by_role("button", name="Wyloguj").click()

    login(page, None, "koordynator.swietokrzyskie")
    page.goto(f"{host_url(None)}/porownanie/")
    _shoot(page, "09-portal-porownanie")
