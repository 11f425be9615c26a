"""Time is shown in hours on the pages, one precision per column ("5 515,41 min" read badly);
the API keeps the definition's minutes."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from benchmarking.definitions import current_definitions
from benchmarking.ui.display import display_unit, shown, signed_text, unit_text


def _published(value: str) -> dict[str, str | None]:
    return {"value": value, "status": "published", "marker": None, "reason": ""}


def test_minutes_are_shown_as_hours_with_one_decimal() -> None:
    with translation.override("pl"):
        assert shown(_published("5515.41"), "min").text == "91,9"
        assert shown(_published("5515.41"), "min").value == Decimal("91.9")
        assert shown(_published("120"), "min").text == "2,0"  # the same precision in a column
        assert shown(_published("5515.41")).text == "5\xa0515,41"  # no unit: as released
        assert signed_text("-90", unit="min") == "−1,5"
        assert display_unit("min") == "godz."
    with translation.override("en"):
        assert display_unit("min") == "h"


def test_every_indicator_counted_in_minutes_is_labelled_in_hours() -> None:
    minutes = [d for d in current_definitions() if d.unit == "min"]
    assert minutes, "no indicator in minutes: nothing to check"
    with translation.override("pl"):
        assert {unit_text(d) for d in minutes} == {"godz."}
        assert "min" not in {unit_text(d) for d in current_definitions()}


def test_a_withheld_value_keeps_its_words() -> None:
    withheld = {"value": None, "status": "primary", "marker": "<10", "reason": "k"}
    assert shown(withheld, "min").value is None
