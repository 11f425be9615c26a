"""What a busy clerk sees first, in the browser at 1280 and 390 px: the case file opens
on what is due with that step's form open and "po terminie" where a date has passed; the history
comes in parts ("show more"); tables on a phone are cards with what one acts on first; the desk
keeps the chosen person after an error and folds the search results away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from casework.models import Case, ContractReview, HouseholdMember
from casework.models.cases import CaseStatus
from tests.ui.helpers import DESKTOP, PHONE, check_screen, login

SLUG = "daleszyce"


def _old_case_with_a_head() -> Case:
    """An open demo case opened long ago whose household has a current head and that has
    nothing waiting."""
    with schema_context(SLUG):
        heads = HouseholdMember.objects.filter(relation="head", left_on__isnull=True)
        found = (
            Case.objects.filter(
                status=CaseStatus.OPEN,
                household__members__in=heads.values("pk"),
                opened_on__lte=timezone.localdate() - dt.timedelta(days=120),
            )
            # Nothing else due in it, so that the new application is what is due first.
            .exclude(applications__status="pending")
            .exclude(interviews__conducted_on__isnull=True)
            .exclude(contracts__reviews__done_on__isnull=True, contracts__status="signed")
            .exclude(contracts__reviews__done_on__isnull=True, contracts__status="active")
            .order_by("opened_on", "id")
            .first()
        )
    assert found is not None, "the demo data has no old open case at Daleszyce"
    return found


def _case_with_an_overdue_review() -> tuple[Case, ContractReview]:
    with schema_context(SLUG):
        review = (
            ContractReview.objects.filter(
                done_on__isnull=True,
                due_on__lt=timezone.localdate(),
                contract__status__in=["signed", "active"],
                contract__case__status=CaseStatus.OPEN,
            )
            .select_related("contract__case")
            .order_by("due_on", "id")
            .first()
        )
    assert review is not None, "the demo data has no overdue contract review at Daleszyce"
    return review.contract.case, review


def test_case_file_opens_on_what_is_due(page: Page, host_url: Callable[[str | None], str]) -> None:
    """A late application: first on the page (within the phone's first screen), "po terminie",
    its decision form open; the history arrives after the page and grows with "show more"."""
    case = _old_case_with_a_head()
    received = timezone.localdate() - dt.timedelta(days=60)  # past the month the KPA gives
    login(page, SLUG, "kierownik")
    page.goto(f"{host_url(SLUG)}/sprawy/{case.public_id}/")
    expect(page.get_by_role("heading", level=1, name=f"Sprawa {case.number}")).to_be_visible()
    form = page.locator("form#form-application")
    if page.locator("details#panel-application").get_attribute("open") is None:
        page.locator("details#panel-application summary").click()
    form.get_by_label("Data wpływu").fill(received.isoformat())
    form.get_by_label("zasiłek celowy", exact=True).check()
    form.get_by_role("button", name="Zarejestruj wniosek").click()
    expect(page.get_by_text("Wniosek zarejestrowano.")).to_be_visible()

    due = page.locator("section.case-due")
    item = due.locator("li", has_text=f"Decyzja w sprawie wniosku z {received:%d.%m.%Y}")
    expect(item).to_contain_text("po terminie (dni robocze:")
    expect(page.locator("details#panel-decision")).to_have_attribute("open", "")
    expect(page.locator("details#panel-decision summary .badge-err")).to_have_text("po terminie")
    # The decision form offers the benefit still to decide.
    expect(page.locator("#id_decision-benefit option", has_text="zasiłek celowy")).to_have_count(1)

    # The history: the newest entries after the page, then "show more".
    history = page.locator("section.case-history")
    expect(history.locator("li.tl-entry").first).to_be_visible()
    # The new application's entry: pending and past its date (older ones are decided).
    application_entry = history.locator("li.tl-application", has_text="zasiłek celowy").filter(
        has=page.locator(".badge-err")
    )
    more = history.get_by_role("link", name="Pokaż starsze wpisy")
    for _ in range(10):  # the entry of 60 days ago may be past the first part
        if application_entry.count() or not more.count():
            break
        shown = history.locator("li.tl-entry").count()
        more.click()
        expect(history.locator("li.tl-entry")).not_to_have_count(shown)
    expect(application_entry.first.locator(".badge-err")).to_have_text("po terminie")
    check_screen(page, "akta-sprawy-co-dalej")

    # On a phone, what is due is on the first screen.
    page.set_viewport_size(PHONE)
    page.reload()
    box = page.locator("section.case-due").bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    page.set_viewport_size(DESKTOP)


def test_overdue_contract_review_leads_to_the_contract(
    page: Page, host_url: Callable[[str | None], str]
) -> None:
    """A review past its date: "po terminie" in the due list (it was "zaplanowana"), and the
    link brings the contract's section, loaded after the page, into view."""
    case, review = _case_with_an_overdue_review()
    login(page, SLUG, "kierownik")
    page.goto(f"{host_url(SLUG)}/sprawy/{case.public_id}/")
    item = page.locator("section.case-due li", has_text="Ocena realizacji kontraktu socjalnego")
    expect(item.first).to_contain_text("po terminie")
    item.first.get_by_role("link").click()
    contracts = page.locator("#kontrakty")
    expect(contracts).to_be_in_viewport()
    expect(contracts).to_contain_text("po terminie")
    expect(contracts).not_to_contain_text(f"{review.due_on:%d.%m.%Y} – zaplanowana")


def test_phone_tables_put_what_one_acts_on_first(page: Page) -> None:
    """The manager's deadline table at 390 px: a card per row, the case first, no sideways
    scrolling inside the box."""
    login(page, SLUG, "kierownik")
    page.set_viewport_size(PHONE)
    table = page.get_by_role("table", name="Terminy")
    expect(table).to_be_visible()
    row = table.locator("tbody tr").first
    key = row.locator(".key")
    expect(key).to_be_visible()
    key_box = key.bounding_box()
    assert key_box is not None
    for cell in row.locator("td").all():
        box = cell.bounding_box()
        assert box is not None and box["y"] >= key_box["y"], "the case is the card's first line"
        assert box["x"] + box["width"] <= PHONE["width"], "every cell within the screen"
    expect(row.locator("td[data-label='Termin']")).to_be_visible()  # labelled like its column
    overflow = table.evaluate(
        "t => t.closest('.table-wrap').scrollWidth - t.closest('.table-wrap').clientWidth"
    )
    assert overflow <= 1, overflow
    page.set_viewport_size(DESKTOP)


def test_desk_after_an_error_keeps_the_chosen_person(page: Page) -> None:
    with schema_context(SLUG):
        member = (
            HouseholdMember.objects.filter(left_on__isnull=True, person__pesel__isnull=False)
            .select_related("person")
            .order_by("-id")
            .first()
        )
        assert member is not None
        known = member.person
    login(page, SLUG, "pierwszy.kontakt")
    page.get_by_role("link", name="Pierwszy kontakt").click()
    page.get_by_label("Szukaj osoby").fill(known.last_name)
    results = page.locator("#search-results")
    choose = results.get_by_role("button", name=f"Wybierz {known.first_name} {known.last_name}")
    choose.first.click()
    expect(page.locator(".chosen-person")).to_contain_text(f"{known.first_name} {known.last_name}")
    # The results fold away once a person is chosen.
    expect(results.get_by_role("button", name="Wybierz")).to_have_count(0)
    # Keyboard: "o" goes back to the search, Ctrl+Enter saves from any field of the visit.
    expect(page.get_by_role("link", name="Zmień osobę")).to_be_focused()  # the swap settled
    page.keyboard.press("o")
    expect(page.get_by_label("Szukaj osoby")).to_be_focused()
    # Saved without a reason: refused, the chosen person kept, no empty "new person" panel.
    page.get_by_label("udzielono informacji").check()
    page.get_by_label("Notatka", exact=True).fill("Pytanie o godziny przyjęć.")
    page.get_by_label("Notatka", exact=True).press("Control+Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".chosen-person")).to_contain_text(f"{known.first_name} {known.last_name}")
    expect(page.locator("summary", has_text="Dodaj nową osobę")).to_have_count(0)
    check_screen(page, "pierwszy-kontakt-blad-osoba-wybrana")


def test_phone_header_leaves_the_screen_to_the_work(page: Page) -> None:
    """At 390 px the header (with its search) and the menu take at most 150 px
    (they took 200-290), the menu one row scrolling inside itself; the manager gets no caseload
    card."""
    login(page, SLUG, "kierownik")
    page.set_viewport_size(PHONE)
    menu = page.get_by_role("navigation", name="Menu główne")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 150, box
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, overflow
    expect(page.get_by_role("heading", name="Moje obciążenie")).to_have_count(0)
    page.set_viewport_size(DESKTOP)


def test_header_search_from_any_page(page: Page) -> None:
    """ "/" from any page focuses the header's search; a case number opens the file."""
    case = _old_case_with_a_head()
    login(page, SLUG, "kierownik")
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Szukaj sprawy lub osoby")
    expect(search).to_be_focused()
    search.fill(case.number)
    search.press("Enter")
    expect(page.get_by_role("heading", level=1, name=f"Sprawa {case.number}")).to_be_visible()
    with schema_context(SLUG):
        head = (
            HouseholdMember.objects.filter(household=case.household, relation="head")
            .select_related("person")
            .first()
        )
    assert head is not None
    search = page.get_by_role("searchbox", name="Szukaj sprawy lub osoby")
    search.fill(f"{head.person.first_name} {head.person.last_name}")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wyniki dla")
    expect(page.get_by_role("link", name=f"Sprawa {case.number}", exact=True)).to_be_visible()
    check_screen(page, "wyszukiwanie")
