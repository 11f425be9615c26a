"""How released figures read on a page: Polish numbers, units, markers with the gate's reason.

Everything here formats values that ``benchmarking.comparisons`` has already released through the
gate (their ``as_json()`` form); nothing here decides what may be shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from benchmarking.definitions import Better, MetricDefinition

BETTER_TEXT = {
    Better.HIGHER: _("wyższa wartość jest lepsza"),
    Better.LOWER: _("niższa wartość jest lepsza"),
    Better.NEUTRAL: _("wartość opisowa – bez oceny lepsza/gorsza"),
}
DIRECTION_TEXT = {
    "better": _("poprawa"),
    "worse": _("pogorszenie"),
    "neutral": _("bez oceny"),
}
DIRECTION_SYMBOL = {"better": "▲", "worse": "▼", "neutral": "■"}


def number_text(value: Decimal, *, decimals: int | None = None) -> str:
    """A number in Polish notation (decimal comma, grouped thousands); whole numbers without
    decimals unless asked."""
    if decimals is None:
        exponent = value.as_tuple().exponent
        if exponent != -1:  # shares come with one decimal: keep it ("39,0" beside "38,2")
            exponent = value.normalize().as_tuple().exponent
        decimals = max(-exponent, 0) if isinstance(exponent, int) else 0
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


# Minutes are shown as hours, with one decimal in every cell ("5 515,41 min" was hard to read);
# the API and the exports keep the minutes the definition counts.
MINUTES = "min"
HOURS_TEXT = pgettext_lazy("unit", "godz.")


def unit_text(definition: MetricDefinition) -> str:
    return display_unit(definition.unit)


def display_unit(unit: str) -> str:
    return str(HOURS_TEXT) if unit == MINUTES else unit


def display_value(value: Decimal, unit: str) -> Decimal:
    """A released value in the unit a page shows: minutes as hours (one decimal)."""
    if unit == MINUTES:
        return (value / 60).quantize(Decimal("0.1"))
    return value


@dataclass(frozen=True)
class Shown:
    """One released value as a page shows it: the number, or the gate's marker and reason."""

    value: Decimal | None
    text: str
    status: str
    marker: str | None
    reason: str

    @property
    def withheld(self) -> bool:
        return self.value is None

    @property
    def suppressed(self) -> bool:
        return self.status not in ("published", "empty")


def shown(released: Mapping[str, Any] | None, unit: str = "") -> Shown:
    """A released value as a page shows it, in the unit the page names (``display_unit``)."""
    if released is None:
        return Shown(None, "–", "empty", "–", str(_("Brak danych.")))
    raw = released.get("value")
    value: Decimal | None = None
    if raw is not None:
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = None
    marker = released.get("marker")
    status = str(released.get("status"))
    if value is not None:
        value = display_value(value, unit)
        text = number_text(value, decimals=1 if unit == MINUTES else None)
    elif status == "primary":
        # Not "<10" in a column of per cents (it read as "<10 %"): the words, with the rule in
        # the footnote under the table (reasons_of).
        text = str(TOO_FEW)
    else:
        text = str(marker or "–")
    reason = str(released.get("reason") or "")
    return Shown(value, text, status, marker, reason)


TOO_FEW = _("za mało przypadków")


def signed_text(raw: str | None, *, suffix: str = "", unit: str = "") -> str:
    if raw is None:
        return "–"
    value = display_value(Decimal(raw), unit)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    decimals = 1 if unit == MINUTES else None
    return f"{sign}{number_text(abs(value), decimals=decimals)}{suffix}"


def period_date(key: str) -> dt.date:
    year, month = key.split("-")
    return dt.date(int(year), int(month), 1)


def month_text(key: str) -> str:
    """'2024-03' as 'Marzec 2024' (on its own, e.g. a table's row; in a range see
    ``month_range_text``)."""
    return formats.date_format(period_date(key), "F Y")


def month_range_text(first: str, last: str) -> str:
    """'2025-12', '2026-11' as 'grudzień 2025 – listopad 2026': a range of months reads
    mid-phrase, so Polish writes both names in lower case (a key that is not a month is kept)."""

    def one(key: str) -> str:
        try:
            text = formats.date_format(period_date(key), "F Y")
        except (ValueError, AttributeError):
            return key
        return text.lower() if (get_language() or "pl").startswith("pl") else text

    return f"{one(first)} – {one(last)}"


def month_short(key: str) -> str:
    """'2024-03' as '03.2024' (chart axes)."""
    return f"{key[5:7]}.{key[:4]}"


@dataclass(frozen=True)
class Reason:
    marker: str
    text: str


def reasons_of(values: Sequence[Shown]) -> list[Reason]:
    """The distinct reasons for the values withheld in a table, to list under it."""
    seen: dict[tuple[str, str], Reason] = {}
    for value in values:
        if value.withheld and value.reason:
            # The footnote names what the table shows: the words, or the marker.
            label = value.text if value.status == "primary" else value.marker or "–"
            key = (label, value.reason)
            seen.setdefault(key, Reason(label, value.reason))
    return list(seen.values())
