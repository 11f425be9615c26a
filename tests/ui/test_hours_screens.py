"""Time reads in hours in the browser: the
coordinator's region comparison of the routing time names its unit "godz." in the tables and on
the chart's axis, and every shown figure of the monthly table has one decimal."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.ui.helpers import DESKTOP, login


def test_the_routing_time_is_compared_in_hours(page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    login(page, None, "koordynator.swietokrzyskie")
    page.get_by_role("link", name="Porównaj ośrodki regionu").click()
    page.get_by_role("combobox", name="Wskaźnik").select_option("minutes_to_routing")
    page.get_by_label("Od miesiąca").fill("2020-01")
    page.get_by_label("Do miesiąca").fill("2020-06")
    page.get_by_role("button", name="Pokaż").click()
    trend = page.get_by_role("region", name=re.compile("Wartości miesięczne ośrodków regionu"))
    expect(trend).to_be_visible()
    caption = trend.locator("caption").inner_text()
    assert "(godz.)" in caption and "min" not in caption
    figures = [
        text.strip()
        for text in trend.locator("tbody td").all_inner_texts()
        if re.fullmatch(r"[\d\s\u00a0]+(,\d+)?", text.strip())
    ]
    assert figures, "no figure shown in the monthly table"
    assert all(re.search(r",\d$", figure) for figure in figures), figures
    axis_units = page.locator("svg.bm-chart >> visible=true").first.inner_html()
    assert "godz." in axis_units and ">min<" not in axis_units
