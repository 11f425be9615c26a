"""The one check of the dates and times a user gives for something done or planned.

An *act* (an intake resolved, a decision issued or delivered, a visit made, a contract signed) has
happened: it cannot lie in the future, beyond a few minutes' difference between the user's clock
and the server's. A *planned* date (a contract's end, a benefit "granted until", a new time limit,
a programme's start) may lie ahead, but not further than ``PLANNING_HORIZON_YEARS``: no measure of
social assistance is decided that far ahead, so a later year is a typo (9999) that would otherwise
be stored and then have working days counted over millennia.

Neither may lie before ``EARLIEST_DAY``: the centres were created by the Act on social assistance
of 29 November 1990, so nothing a centre did or plans is older than 1990; an earlier year (1900,
0001) is a typo too. Facts of a family's life (joining or leaving a household) may be older, but
not older than ``EARLIEST_LIFE_DAY``; dates of birth have their own rule (casework.services.people).

Both checks add messages (Polish, translated on an English page) to a service's ``errors`` under
the field's name, so that the service collects every field error and raises once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

# The Act on social assistance of 29 November 1990 created the centres (ośrodki pomocy społecznej).
EARLIEST_DAY = dt.date(1990, 1, 1)
# Facts of a family's life (joining a household) may be older than the centre; not older than this.
EARLIEST_LIFE_DAY = dt.date(1900, 1, 1)
# No date a page accepts lies later (opsplatform.ui.forms.DateField): a later year is a typo.
LATEST_DAY = dt.date(2099, 12, 31)
# A user's clock may run a little ahead of the server's: a time "now" on their screen is accepted.
CLOCK_SKEW = dt.timedelta(minutes=5)
# How far ahead anything may be planned (contracts, benefit periods, authorisations, programmes).
PLANNING_HORIZON_YEARS = 5

Errors = dict[str, list[str]]


def latest_planned_day(today: dt.date | None = None) -> dt.date:
    """The last day a planned date may fall on: ``PLANNING_HORIZON_YEARS`` from today (29 February
    becomes 28 February)."""
    day = today or timezone.localdate()
    return day.replace(
        year=day.year + PLANNING_HORIZON_YEARS, day=min(day.day, 28 if day.month == 2 else day.day)
    )


def _day(value: dt.date | dt.datetime) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def check_act(
    errors: Errors,
    field: str,
    value: dt.date | dt.datetime | None,
    *,
    earliest: dt.date = EARLIEST_DAY,
) -> None:
    """``value`` dates an act that has happened: not in the future (a time may be up to
    ``CLOCK_SKEW`` ahead), not before ``earliest`` (``EARLIEST_DAY`` for the centre's own acts,
    ``EARLIEST_LIFE_DAY`` for facts of a family's life). None (not given) passes."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        if value > timezone.now() + CLOCK_SKEW:
            _add(errors, field, _("Czas nie może być w przyszłości."))
    elif value > timezone.localdate():
        _add(errors, field, _("Data nie może być w przyszłości."))
    if _day(value) < earliest:
        _add(
            errors,
            field,
            _("Data nie może być wcześniejsza niż %(day)s.") % {"day": f"{earliest:%d.%m.%Y}"},
        )


def check_planned(errors: Errors, field: str, value: dt.date | None) -> None:
    """``value`` is a planned day (it may lie ahead): not after ``latest_planned_day()``, not
    before ``EARLIEST_DAY``. None (not given, open-ended) passes."""
    if value is None:
        return
    latest = latest_planned_day()
    if value > latest:
        _add(
            errors,
            field,
            _(
                "Data nie może być późniejsza niż %(day)s "
                "(planuje się najwyżej %(years)s lat naprzód)."
            )
            % {"day": f"{latest:%d.%m.%Y}", "years": PLANNING_HORIZON_YEARS},
        )
    if value < EARLIEST_DAY:
        _add(
            errors,
            field,
            _("Data nie może być wcześniejsza niż %(day)s.") % {"day": f"{EARLIEST_DAY:%d.%m.%Y}"},
        )
