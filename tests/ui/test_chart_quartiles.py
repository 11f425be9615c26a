"""The quartile labels of a benchmark bar chart (Q1, mediana, Q3), as a browser draws them: apart
from each other at 1280 px and inside the drawing and the screen on a 390 px phone.

Order statistics are shown only for at least ten centres with a publishable value, and the demo
has five: this module provisions seven more centres through the product's ``centre_provision``
(tenants/nation.py, as tests/benchmarking/test_scale_query_counts.py does) and gives each the
monthly figures of one demo centre for the first half of 2024 in an unfinished run (so the
release pseudonyms of other tests do not change). Everything it adds is dropped at its end, so
the other browser tests still see five centres.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from playwright.sync_api import Page, expect
from pytest_django import DjangoDbBlocker

from benchmarking.models import Snapshot, SnapshotRun
from benchmarking.services import snapshot_run_create
from opsplatform.middleware import forget_cached_domains
from tenants.models import Centre
from tenants.nation import nation
from tenants.services import centre_provision, template_schema_ensure
from tests.benchmarking.conftest import EXPORT_PERIOD
from tests.ui.helpers import DESKTOP, PHONE, login, server_url

EXTRA = 7
METRIC = "decided_within_kpa_share"
SLUG = "myslenice"
PAGE = f"/wskazniki/?metric={METRIC}&from=2024-01&to=2024-06&cohort=platforma"
LABELS = ["Q1", "mediana", "Q3"]

# Each visible quartile label of the cohort chart with the box of its ink (the glyphs' extent as
# the browser's canvas measures them in the label's computed font, placed at the label's anchor
# on the screen; an element's own box is the font's whole line cell, taller than any letter),
# and the box of the <svg> drawing it, in CSS pixels.
VISIBLE_LABELS = """() => {
  const context = document.createElement("canvas").getContext("2d");
  context.textAlign = "center";
  return [...document.querySelectorAll("svg.bm-chart")]
    .filter((svg) => svg.getAttribute("aria-labelledby").startsWith("cohort-chart"))
    .filter((svg) => svg.getBoundingClientRect().width > 0)
    .flatMap((svg) => [...svg.querySelectorAll("text.quartile-label")].map((text) => {
      const matrix = svg.getScreenCTM();
      const anchor = new DOMPoint(+text.getAttribute("x"), +text.getAttribute("y"))
        .matrixTransform(matrix);
      const style = getComputedStyle(text);
      context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const ink = context.measureText(text.textContent.trim());
      const scale = matrix.a;
      const frame = svg.getBoundingClientRect();
      return {
        text: text.textContent.trim(),
        box: [
          anchor.x - ink.actualBoundingBoxLeft * scale,
          anchor.y - ink.actualBoundingBoxAscent * scale,
          anchor.x + ink.actualBoundingBoxRight * scale,
          anchor.y + ink.actualBoundingBoxDescent * scale,
        ],
        svg: [frame.left, frame.top, frame.right, frame.bottom],
      };
    }));
}"""


@pytest.fixture(scope="module")
def twelve_centres(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, benchmark_data: None
) -> Iterator[None]:
    specs = nation()[:EXTRA]
    slugs = [spec.slug for spec in specs]
    with django_db_blocker.unblock():
        run: SnapshotRun | None = None
        try:
            assert Centre.objects.count() == 5
            template_schema_ensure()
            for spec in specs:
                with transaction.atomic():
                    centre_provision(
                        spec=spec, registry_version=1, base_domain=settings.PORTAL_HOST
                    )
            extra = list(Centre.objects.filter(slug__in=slugs).order_by("slug"))
            first, last = EXPORT_PERIOD
            run = snapshot_run_create(
                kind=SnapshotRun.Kind.ON_DEMAND, period_from=first, period_to=last, centres=extra
            )
            demo = list(Centre.objects.exclude(slug__in=slugs).order_by("slug"))
            figures = Snapshot.objects.filter(
                metric=METRIC,
                year=first.year,
                month__gte=first.month,
                month__lte=last.month,
            )
            copies = [
                Snapshot(
                    centre=centre,
                    metric=row.metric,
                    version=row.version,
                    year=row.year,
                    month=row.month,
                    numerator=row.numerator,
                    denominator=row.denominator,
                    value=row.value,
                    n=row.n,
                    top_shares=row.top_shares,
                    run=run,
                )
                for centre, source in zip(extra, itertools.cycle(demo), strict=False)
                for row in figures.filter(centre=source)
            ]
            assert copies, "the demo centres have figures for the first half of 2024"
            Snapshot.objects.bulk_create(copies)
            yield
        finally:
            if run is not None:
                Snapshot.objects.filter(run=run).delete()
            with connection.cursor() as cursor:
                for slug in slugs:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{slug}" CASCADE')
            Centre.objects.filter(slug__in=slugs).delete()
            if run is not None:
                SnapshotRun.objects.filter(pk=run.pk).delete()
            forget_cached_domains()


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _labels(page: Page) -> list[dict[str, Any]]:
    labels: list[dict[str, Any]] = page.evaluate(VISIBLE_LABELS)
    assert [label["text"] for label in labels] == LABELS, labels
    return labels


def test_quartile_labels_apart_at_1280_and_whole_on_a_phone(
    twelve_centres: None, page: Page
) -> None:
    login(page, SLUG, "kierownik")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{server_url(SLUG)}{PAGE}")
    chart = page.get_by_role("img", name=re.compile("^Pozycja wśród ośrodków grupy"))
    expect(chart.first).to_be_visible()

    wide = _labels(page)
    for a, b in itertools.combinations(wide, 2):
        assert not _overlap(a["box"], b["box"]), f"at 1280 px {a} overlaps {b}"
    for label in wide:
        left, _top, right, _bottom = label["box"]
        svg_left, _svg_top, svg_right, _svg_bottom = label["svg"]
        assert svg_left <= left and right <= svg_right, f"at 1280 px {label} leaves the drawing"

    page.set_viewport_size(PHONE)
    expect(page.locator(".bm-narrow svg.bm-chart").first).to_be_visible()
    phone = _labels(page)
    for a, b in itertools.combinations(phone, 2):
        assert not _overlap(a["box"], b["box"]), f"at 390 px {a} overlaps {b}"
    for label in phone:
        left, top, right, bottom = label["box"]
        svg_left, svg_top, svg_right, svg_bottom = label["svg"]
        assert svg_left - 0.5 <= left and right <= svg_right + 0.5, f"cut at 390 px: {label}"
        assert svg_top - 0.5 <= top and bottom <= svg_bottom + 0.5, f"cut at 390 px: {label}"
        assert left >= 0 and right <= PHONE["width"], f"off the phone's screen: {label}"
    # The chart is drawn for the phone's width: it fits without scrolling sideways.
    assert phone[0]["svg"][2] - phone[0]["svg"][0] <= PHONE["width"]
