"""Query parameters of the benchmarking pages and API (months, comparison windows, metrics, counts),
checked with a message per field: Polish (the API always answers in Polish), English on a page
whose user chose English. Shared by the API views and the page forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking.comparisons import (
    add_months,
    check_fixed_period,
    check_window,
    last_complete_month,
    last_complete_year,
)
from benchmarking.definitions import DEFINITIONS, MetricDefinition, current_versions, definition
from opsplatform.errors import field_error

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_param(params: Any, name: str, default: dt.date) -> dt.date:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    match = MONTH.match(str(raw))
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise field_error(name, _("Podaj miesiąc w postaci RRRR-MM, np. 2024-03."))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def window_params(
    params: Any, *, default_months: int = 24, pooled: bool = False
) -> tuple[dt.date, dt.date]:
    """``from`` and ``to``. A ``pooled`` answer (one figure over the whole window) takes only
    a calendar month, quarter, half-year or year (400 on ``from`` otherwise), by default the
    last complete calendar year; a monthly series any run of months."""
    today = timezone.localdate()
    if pooled and params.get("from") in (None, "") and params.get("to") in (None, ""):
        first, last = last_complete_year(today)
    else:
        last = month_param(params, "to", last_complete_month(today))
        first = month_param(params, "from", add_months(last, -(default_months - 1)))
    check_window(first, last, today)
    if pooled:
        check_fixed_period(first, last)
    return first, last


def metric_param(params: Any, *, required: bool = True) -> MetricDefinition:
    code = params.get("metric")
    if not code:
        raise field_error("metric", _("Wybierz wskaźnik (parametr metric)."))
    versions = current_versions()
    if code not in versions:
        known = ", ".join(sorted(versions))
        raise field_error(
            "metric",
            _("Nieznany wskaźnik „%(code)s”. Dostępne: %(known)s.")
            % {"code": code, "known": known},
        )
    raw_version = params.get("version")
    if raw_version in (None, ""):
        return definition(code, versions[code])
    try:
        return definition(code, int(raw_version))
    except (KeyError, ValueError):
        existing = sorted(d.version for d in DEFINITIONS if d.code == code)
        raise field_error(
            "version",
            _("Wskaźnik „%(code)s” ma wersje: %(versions)s.")
            % {"code": code, "versions": ", ".join(map(str, existing))},
        ) from None


def int_param(params: Any, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise field_error(name, _("Podaj liczbę całkowitą.")) from None
