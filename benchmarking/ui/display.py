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
        exponent = value.normalize().as_tuple().exponent
        decimals = max(-exponent, 0) if isinstance(exponent, int) else 0
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def unit_text(definition: MetricDefinition) -> str:
    return "%" if definition.unit == "%" else definition.unit


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


def shown(released: Mapping[str, Any] | None) -> Shown:
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
    text = number_text(value) if value is not None else str(marker or "–")
    reason = str(released.get("reason") or "")
    return Shown(value, text, str(released.get("status")), marker, reason)


def signed_text(raw: str | None, *, suffix: str = "") -> str:
    if raw is None:
        return "–"
    value = Decimal(raw)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number_text(abs(value))}{suffix}"


def period_date(key: str) -> dt.date:
    year, month = key.split("-")
    return dt.date(int(year), int(month), 1)


def month_text(key: str) -> str:
    """'2024-03' as 'marzec 2024'."""
    return formats.date_format(period_date(key), "F Y")


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
            key = (value.marker or "–", value.reason)
            seen.setdefault(key, Reason(value.marker or "–", value.reason))
    return list(seen.values())
