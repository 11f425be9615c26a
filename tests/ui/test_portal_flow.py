"""Benchmarks in the browser: the coordinators comparing the centres of their region (the
coordinator of świętokrzyskie with Daleszyce; the coordinator of three eastern voivodeships side
by side), the ministry analyst ordering an XLSX export, watching its progress bar and downloading
it, and the benchmark page of Daleszyce as its manager sees it. Every screen is checked with
axe-core and photographed at both widths."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pytest_django import DjangoDbBlocker

from benchmarking.models import ExportJob
from tests.ui.helpers import check_screen, login
from tests.workers import test_database_url

EXPORT_TIMEOUT_MS = 120_000


def _choose_window(page: Page, first: str, last: str, *, windows: bool = True) -> None:
    page.get_by_label("Od miesiąca").fill(first)
    page.get_by_label("Do miesiąca").fill(last)
    if windows:
        page.get_by_label("Okres przed wdrożeniem").select_option("6")
        page.get_by_label("Okres po wdrożeniu").select_option("6")


def test_the_coordinator_of_swietokrzyskie_compares_centres(page: Page) -> None:
    login(page, None, "koordynator.swietokrzyskie")
    check_screen(page, "portal-start-koordynator")
    page.get_by_role("link", name="Porównaj ośrodki regionu").click()
    expect(page.get_by_role("heading", level=1, name="Porównanie ośrodków regionu")).to_be_visible()
    check_screen(page, "porownanie-domyslne")

    page.get_by_role("combobox", name="Wskaźnik").select_option("social_work_time_share")
    # Pooled comparisons cover one calendar period: a free window is refused.
    _choose_window(page, "2019-09", "2020-08")
    page.get_by_role("button", name="Pokaż").click()
    expect(page.get_by_role("alert")).to_contain_text("jeden okres kalendarzowy")
    _choose_window(page, "2020-01", "2020-06")
    page.get_by_role("button", name="Pokaż").click()
    side = page.get_by_role("region", name=re.compile("Ośrodki regionu: wartość za okres"))
    expect(side.get_by_role("link", name=re.compile("MGOPS Daleszyce"))).to_be_visible()
    expect(side.get_by_text("data przyjęta")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("miesiąc po miesiącu"))).to_be_visible()
    check_screen(page, "porownanie-daleszyce")

    side.get_by_role("link", name=re.compile("MGOPS Daleszyce")).click()
    expect(page.get_by_role("heading", level=1, name="Wskaźniki: MGOPS Daleszyce")).to_be_visible()
    check_screen(page, "osrodek-daleszyce-domyslnie")
    page.get_by_role("combobox", name="Wskaźnik").select_option("decided_within_kpa_share")
    _choose_window(page, "2019-09", "2020-08")
    page.get_by_role("button", name="Pokaż").click()
    before_after = page.get_by_role("region", name=re.compile("Wszystkie wskaźniki: MGOPS"))
    expect(
        before_after.get_by_role("row", name=re.compile("Decyzje wydane w terminie KPA"))
    ).to_be_visible()
    check_screen(page, "osrodek-daleszyce-przed-po")


def test_a_coordinator_of_three_voivodeships_sees_their_centres_side_by_side(page: Page) -> None:
    login(page, None, "koordynator.wschod")
    page.get_by_role("navigation", name="Menu główne").get_by_role(
        "link", name="Porównanie ośrodków"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Porównanie ośrodków regionu")).to_be_visible()
    check_screen(page, "porownanie-wschod-domyslne")
    page.get_by_role("combobox", name="Wskaźnik").select_option("contracts_signed")
    _choose_window(page, "2024-01", "2024-06")
    page.get_by_role("button", name="Pokaż").click()
    trend = page.get_by_role("region", name=re.compile("Wartości miesięczne ośrodków regionu"))
    for name in ("MGOPS Daleszyce", "MOPS Dębica", "MOPS Krasnystaw"):
        expect(trend.get_by_role("columnheader", name=name)).to_be_visible()
    # Hidden values carry the one marker "x" and its reason, never left blank.
    expect(page.get_by_text(re.compile(r"Wartość ukryta \(x\)")).first).to_be_visible()
    expect(page.locator(".bm-legend .legend-key.s2 >> visible=true")).to_be_visible()
    check_screen(page, "porownanie-trzy-osrodki")


@pytest.fixture
def exports_removed(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The export this test orders (the country, 2024-H1) is committed by the server; remove it
    and its cells in the ledger of published cells afterwards, so that no later test or session
    finds an exact release of that period (it would refuse a noisy one). The test itself runs
    in a transaction that is rolled back, so the removal goes through a connection of its own."""
    with django_db_blocker.unblock():
        url = test_database_url()
        before = list(ExportJob.objects.values_list("pk", flat=True))
    yield
    with psycopg.connect(url, autocommit=True) as own, own.transaction():
        # The ledger refuses DELETE (append-only); a superuser's repair runs as replica.
        own.execute("SET LOCAL session_replication_role = replica")
        own.execute(
            "DELETE FROM benchmarking_publishedcell WHERE release IN (SELECT public_id::text "
            "FROM benchmarking_exportjob WHERE NOT (id = ANY(%s)))",
            [before],
        )
        own.execute("DELETE FROM benchmarking_exportjob WHERE NOT (id = ANY(%s))", [before])


@pytest.mark.usefixtures("exports_removed")
def test_a_ministry_export_is_ordered_and_downloaded(
    page: Page, worker: object, tmp_path: Path
) -> None:
    login(page, None, "analityk")
    check_screen(page, "portal-start-analityk")
    page.get_by_role("link", name="Zamów lub pobierz eksport").click()
    expect(page.get_by_role("heading", level=1, name="Eksporty dla ministerstwa")).to_be_visible()
    check_screen(page, "eksporty")

    page.get_by_role("combobox", name="Rok").select_option("2024")
    expect(page.locator("#budget-info")).to_contain_text("dane z 2024 r.")
    page.get_by_role("radio", name="I półrocze", exact=True).check()
    # A voivodeship with one centre on the platform is that centre: refused.
    page.get_by_role("combobox", name="Zakres").select_option("26")
    page.get_by_role("button", name="Zamów eksport").click()
    expect(page.locator("#id_scope_error")).to_contain_text("co najmniej 3 ośrodków")
    page.get_by_role("combobox", name="Zakres").select_option("PL")
    page.get_by_role("radio", name=re.compile("XLSX")).check()
    # Too much privacy budget first: refused next to the field, nothing else lost.
    page.get_by_role("checkbox", name=re.compile("Dodaj szum prywatności")).check()
    page.get_by_role("textbox", name=re.compile("Budżet prywatności ρ")).fill("5")
    page.get_by_role("button", name="Zamów eksport").click()
    expect(page.locator("#id_dp_rho_error")).to_contain_text("Przekroczony roczny budżet")
    expect(page.get_by_role("combobox", name="Zakres")).to_have_value("PL")
    check_screen(page, "eksport-blad-budzetu")

    page.get_by_role("checkbox", name=re.compile("Dodaj szum prywatności")).uncheck()
    page.get_by_role("textbox", name=re.compile("Budżet prywatności ρ")).fill("")
    page.get_by_role("button", name="Zamów eksport").click()
    # The period as people name it, not "2024-H1".
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Eksport I półrocze 2024"))
    ).to_be_visible()
    expect(page.get_by_label("Postęp przygotowania pliku")).to_be_visible()
    expect(page.get_by_text("Plik jest gotowy do pobrania.")).to_be_visible(
        timeout=EXPORT_TIMEOUT_MS
    )
    expect(page.get_by_label("Postęp przygotowania pliku")).to_have_attribute("value", "100")
    check_screen(page, "eksport-gotowy")

    checksum = page.locator("#export-status code.bm-hash").inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Pobierz plik XLSX").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".xlsx"
    assert hashlib.sha256(target.read_bytes()).hexdigest() == checksum
    workbook = load_workbook(target)
    assert workbook.sheetnames[-1] == "Metryczka"
    provenance = {
        row[0]: row[1]
        for row in workbook["Metryczka"].iter_rows(values_only=True)
        if row and row[0] and len(row) > 1
    }
    assert provenance["Zamówił(a)"] == "analityk"
    assert "Polska" in str(provenance["Zakres"])

    # The "export ordered" message went once the file was ready (it stayed beside "gotowy").
    expect(page.get_by_text("Eksport zamówiony")).to_have_count(0)

    # Past exports: a page of folded lines; unfolded, the person's name, not the user name.
    page.get_by_role("link", name="← Wszystkie eksporty").click()
    expect(page.get_by_role("heading", name="Twoje eksporty")).to_be_visible()
    entries = page.locator("details.bm-export")
    assert 1 <= entries.count() <= 10
    first = entries.first
    expect(first.locator("summary")).to_contain_text("I półrocze 2024")
    expect(first.locator("dl")).not_to_be_visible()
    first.locator("summary").click()
    analyst = get_user_model().objects.get(username="analityk")
    expect(first.locator("dl")).to_contain_text(analyst.get_full_name())
    expect(first.locator("dl")).not_to_contain_text("(analityk)")
    check_screen(page, "eksporty-lista")


def test_the_benchmark_page_of_daleszyce_for_its_manager(page: Page) -> None:
    login(page, "daleszyce", "kierownik")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Wskaźniki").click()
    expect(page.get_by_role("heading", level=1, name="Wskaźniki ośrodka")).to_be_visible()
    check_screen(page, "wskazniki-domyslne")

    page.get_by_role("combobox", name="Wskaźnik").select_option("social_work_time_share")
    _choose_window(page, "2019-09", "2020-08")
    page.get_by_role("button", name="Pokaż").click()
    series_title = "Udział pracy socjalnej w czasie pracowników socjalnych w kolejnych miesiącach"
    expect(page.get_by_role("img", name=re.compile("^" + series_title))).to_be_visible()
    expect(page.locator(".golive-label").first).to_contain_text("data przyjęta")
    before_after = page.get_by_role(
        "region", name="Wszystkie wskaźniki ośrodka przed i po wdrożeniu"
    )
    expect(before_after.get_by_text("poprawa").first).to_be_visible()
    check_screen(page, "wskazniki-wokol-wdrozenia")

    page.get_by_label("Grupa porównawcza").select_option("do-20-tys")
    _choose_window(page, "2024-01", "2024-06", windows=False)
    page.get_by_role("button", name="Pokaż").click()
    expect(page.locator(".bm-refusal")).to_contain_text("co najmniej 10 ośrodków")
    check_screen(page, "wskazniki-grupa-za-mala")

    # Quartiles and ranks of five centres are those centres' values: the whole
    # platform has five demo centres, so no position either, only the reason.
    page.get_by_label("Grupa porównawcza").select_option("platforma")
    page.get_by_role("button", name="Pokaż").click()
    expect(page.locator(".bm-refusal")).to_contain_text("co najmniej 10 ośrodków")
    position = page.get_by_role("img", name=re.compile("Pozycja wśród ośrodków grupy"))
    expect(position).to_have_count(0)
    check_screen(page, "wskazniki-pozycja-wsrod-osrodkow")
