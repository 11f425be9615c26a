"""How figures read on the benchmark pages (issue 16, items 6 and 7): words instead of markers in a
column of per cents, one precision per column, months in lower case mid-phrase, periods and people
by name rather than by code."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from benchmarking.ui.display import (
    month_range_text,
    month_text,
    number_text,
    reasons_of,
    shown,
)
from benchmarking.ui.exports import period_text, person_name
from tenants.accounts.models import User


def test_a_small_count_reads_as_words_with_the_rule_in_the_footnote() -> None:
    released = {"value": None, "status": "primary", "marker": "<10", "reason": "Mniej niż 10."}
    value = shown(released)
    assert value.text == "za mało przypadków"  # not "<10" in a column of per cents
    assert [(r.marker, r.text) for r in reasons_of([value])] == [
        ("za mało przypadków", "Mniej niż 10.")
    ]
    other = shown({"value": None, "status": "dominance", "marker": "x", "reason": "Dominacja."})
    assert other.text == "x"


def test_shares_keep_their_one_decimal() -> None:
    with translation.override("pl"):
        assert number_text(Decimal("39.0")) == "39,0"  # beside "38,2", not "39"
        assert number_text(Decimal("38.2")) == "38,2"
        assert number_text(Decimal("12.00")) == "12"  # counts stay whole
        assert number_text(Decimal("1234.50")) == "1\xa0234,5"


def test_months_in_lower_case_mid_phrase_in_polish() -> None:
    with translation.override("pl"):
        assert month_range_text("2018-10", "2019-09") == "październik 2018 – wrzesień 2019"
        assert month_range_text("2025-12", "2026-11") == "grudzień 2025 – listopad 2026"
        assert month_text("2018-10") == "Październik 2018"  # on its own (a table's row)
    with translation.override("en"):
        assert month_range_text("2018-10", "2019-09") == "October 2018 – September 2019"


def test_periods_and_people_by_name() -> None:
    with translation.override("pl"):
        assert period_text("2020-H2") == "II półrocze 2020"
        assert period_text("2020-H1") == "I półrocze 2020"
        assert period_text("2021") == "rok 2021"
    named = User(first_name="Ewa", last_name="Nowak", username="analityk")
    unnamed = User(username="analityk")
    assert person_name(named) == "Ewa Nowak"
    assert person_name(unnamed) == "analityk"
