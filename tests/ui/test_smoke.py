"""The shell every page shares: log-in, menu, language switch, at both widths, for staff and the
portal."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.ui.helpers import check_screen, login


def test_login_page_and_language_switch(page: Page, host_url: Callable[[str | None], str]) -> None:
    page.goto(f"{host_url('daleszyce')}/konto/logowanie/")
    expect(page.get_by_role("heading", name="Logowanie")).to_be_visible()
    check_screen(page, "logowanie")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Polski").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")


def test_wrong_password_is_refused_in_polish(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    page.goto(f"{host_url('daleszyce')}/konto/logowanie/")
    page.get_by_label("Nazwa użytkownika").fill("kierownik")
    page.get_by_label("Hasło").fill("not-the-password")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_text("Nieprawidłowa nazwa użytkownika lub hasło.")).to_be_visible()
    check_screen(page, "logowanie-blad")


def test_portal_login(page: Page) -> None:
    login(page, None, "koordynator.swietokrzyskie")
    expect(page.get_by_role("navigation", name="Menu główne")).to_be_visible()
    check_screen(page, "portal-start")
