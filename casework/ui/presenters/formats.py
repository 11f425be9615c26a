"""Dates, money, hours and months as the case-file pages write them (in the interface's
language: Polish by default, English when chosen)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.org.models import Team


def person_name(user: User | None) -> str:
    """A staff member's full name (the user name when none is recorded); "" for nobody."""
    if user is None:
        return ""
    full = str(user.get_full_name()).strip()
    return full or str(user.get_username())


def day_text(value: dt.date | None) -> str:
    return date_format(value, "d.m.Y") if value else ""


def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    text = number_format(amount, decimal_pos=2, force_grouping=True)
    return _("%(amount)s zł") % {"amount": text}


def hours_and_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d godz. %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d godz.") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


def decimal_hours(value: Decimal) -> str:
    text = number_format(value.normalize(), force_grouping=True)
    return _("%(h)s godz.") % {"h": text}


def cap(text: str) -> str:
    """The first letter upper-case, the rest untouched (``str.capitalize`` lowers "IV")."""
    return text[:1].upper() + text[1:]


def month_text(day: dt.date) -> str:
    """The month and year; Polish writes the month's name in lower case, English does not."""
    text = date_format(day, "F Y")
    return text.lower() if (get_language() or "pl").startswith("pl") else text


def team_and_worker(team: Team | None, worker: User | None) -> str:
    parts = [str(team.name) if team is not None else ""]
    if worker is not None:
        parts.append(person_name(worker))
    return " – ".join(p for p in parts if p)


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
