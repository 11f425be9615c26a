"""The shell every page shares: log-in, menu, language switch, at both widths, for staff and the
portal."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tenants.demo import DEMO_PASSWORD
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


def test_keyboard_only_log_in_and_skip_link(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    """No mouse: the user name field has the focus, Tab reaches the password, Enter logs in; on
    the next page the first Tab lands on "skip to content"."""
    page.goto(f"{host_url('daleszyce')}/konto/logowanie/")
    expect(page.get_by_label("Nazwa użytkownika")).to_be_focused()
    page.keyboard.type("swiadczenia")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Hasło")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Pulpit")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Przejdź do treści")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_interface_in_english(page: Page) -> None:
    login(page, "daleszyce", "kierownik")
    page.get_by_role("button", name="English").click()
    menu = page.get_by_role("navigation", name="Main menu")
    for label in ("Dashboard", "Cases", "Manager", "Indicators"):
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_screen(page, "cases-english")
    page.get_by_role("button", name="Polski").click()
    expect(page.get_by_role("navigation", name="Menu główne")).to_be_visible()


def test_api_docs_work_under_the_content_security_policy(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    """Swagger UI renders the schema with no CSP violation (one would be a console error)."""
    page.goto(f"{host_url('daleszyce')}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
