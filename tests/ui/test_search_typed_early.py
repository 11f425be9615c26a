"""Text typed into a search box before the page's scripts have run is searched once they run.

htmx records a field's value when it sets up an ``input changed`` trigger, so a search typed while
the deferred scripts were still loading (a fast typist, a slow connection, a busy machine) was
taken as the starting value and never sent: the clerk saw no results until the next key. Here
htmx is held back until the PESEL is typed."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.ui.helpers import login, server_url
from tests.ui.test_rodo_screens import SLUG, _person


def test_a_pesel_typed_before_htmx_loaded_is_searched(page: Page) -> None:
    person = _person()
    login(page, SLUG, "kierownik")
    held: list[Route] = []
    page.route("**/htmx.min.js", lambda route: held.append(route))
    page.goto(f"{server_url(SLUG)}/wnioski-rodo/", wait_until="commit")
    page.get_by_label("PESEL, imię lub nazwisko").fill(str(person.pesel))
    page.wait_for_function("() => document.readyState === 'interactive'")
    assert held, "htmx was not held back: the test would not show the early typing"
    for route in held:
        route.continue_()
    expect(page.get_by_role("link", name=f"Dane osoby: {person}")).to_be_visible()
