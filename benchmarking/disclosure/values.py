"""Single values through the gate: :func:`release_value`, and the centre-level rules
(:func:`centre_rule`, :func:`scope_refusal`) every aggregate of centres passes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from benchmarking.definitions import DisclosureClass
from benchmarking.disclosure.gate import (
    REASON_SUPPRESSED,
    SUPPRESSED_STATUSES,
    Audience,
    CellStatus,
    DisclosureSettings,
    Subject,
    _count_gate_call,
    public_status,
)


@dataclass(frozen=True)
class ReleasedValue:
    value: Decimal | None  # None unless status is PUBLISHED
    status: CellStatus
    marker: str | None
    # Why the value is not shown, for a clerk, in the active language (Polish unless the reader
    # chose English; the API always answers in Polish); "" when published.
    reason: str

    def __post_init__(self) -> None:
        if self.value is not None and self.status != CellStatus.PUBLISHED:
            raise ValueError(f"a {self.status} value must not carry a number")

    def as_json(self) -> dict[str, object]:
        """The value as outputs carry it: a hidden value says only that it is hidden."""
        hidden = self.status in SUPPRESSED_STATUSES
        return {
            "value": None if self.value is None else str(self.value),
            "status": public_status(self.status),
            "marker": self.marker,
            "reason": _(REASON_SUPPRESSED) if hidden else self.reason,
        }


def release_value(
    *,
    disclosure: DisclosureClass,
    subject: Subject,
    value: Decimal | None,
    numerator: Decimal,
    denominator: Decimal | None,
    n: int,
    top_shares: Sequence[float],
    audience: Audience,
    settings: DisclosureSettings | None = None,
    centres: Sequence[Decimal] | CentreParts | None = None,
) -> ReleasedValue:
    """Release one value to ``audience``, or withhold it with a marker and a reason.

    * ``value`` None: EMPTY, for every audience. There is nothing to show, and nothing is hidden.
    * OWN_CENTRE: published as is. The centre's staff already see the records. The call still goes
      through here, so that every output path is counted.
    * STAFFING (staff and population, not clients): published.
    * COUNT: a numerator of 1..k−1 is PRIMARY.
    * RATE: PRIMARY when the base ``n`` or the numerator is below k. A numerator of 0 is below k
      too. That is privacy.md's literal rule, and it is kept on purpose: "none of the 8 cases" is
      as telling as "all of them".
    * MEDIAN: PRIMARY when fewer than k units lie behind it.
    * MAGNITUDE: PRIMARY when the units are clients and fewer than k. Otherwise DOMINANCE when the
      two largest contributors make up more than the dominance share, or when there are only one
      or two contributors to a non-zero sum (then they make up all of it).

    * COUNT also when the *value* is a mean of counts (a count per month over a window): a mean
      from 0 to k is PRIMARY like a count, because mean × months stands in for the hidden count.
    * ``centres`` (the centres' contributions, for an aggregate over centres): DOMINANCE when
      fewer than ``min_centres`` centres contribute, or when the p % rule fails at centre level
      (see :func:`centre_rule`). Not applied to OWN_CENTRE, nor when ``centres`` is None (a named
      centre's own value shown to its coordinator).

    ``denominator`` is accepted for the record. The rules need only the numerator and ``n``.
    """
    _count_gate_call()
    if settings is None:
        settings = DisclosureSettings.from_django()
    status, reason = _value_status(
        disclosure=disclosure,
        subject=subject,
        value=value,
        numerator=numerator,
        n=n,
        top_shares=top_shares,
        audience=audience,
        settings=settings,
    )
    if (
        status == CellStatus.PUBLISHED
        and centres is not None
        and audience != Audience.OWN_CENTRE
        and value is not None
    ):
        refusal = centre_rule(centres, settings)
        if refusal:
            status, reason = CellStatus.DOMINANCE, refusal
    if status == CellStatus.PUBLISHED:
        return ReleasedValue(value=value, status=status, marker=None, reason="")
    return ReleasedValue(value=None, status=status, marker=settings.marker(status), reason=reason)


def _value_status(
    *,
    disclosure: DisclosureClass,
    subject: Subject,
    value: Decimal | None,
    numerator: Decimal,
    n: int,
    top_shares: Sequence[float],
    audience: Audience,
    settings: DisclosureSettings,
) -> tuple[CellStatus, str]:
    k = settings.k
    if value is None:
        return CellStatus.EMPTY, _(
            "Brak danych: w tym okresie nie ma z czego policzyć tej wartości (np. mianownik "
            "wynosi zero)."
        )
    if audience == Audience.OWN_CENTRE or disclosure == DisclosureClass.STAFFING:
        return CellStatus.PUBLISHED, ""
    if disclosure == DisclosureClass.COUNT:
        if 0 < numerator < k or 0 < value < k:
            return CellStatus.PRIMARY, _(
                "Liczba jest mniejsza niż %(k)d. Nie pokazujemy jej, bo mogłaby pozwolić "
                "rozpoznać konkretne osoby."
            ) % {"k": k}
    elif disclosure == DisclosureClass.RATE:
        if n < k:
            return CellStatus.PRIMARY, _(
                "Wskaźnik policzono z mniej niż %(k)d przypadków. Nie pokazujemy go, bo mógłby "
                "pozwolić rozpoznać konkretne osoby."
            ) % {"k": k}
        if numerator < k:
            return CellStatus.PRIMARY, _(
                "Licznik wskaźnika jest mniejszy niż %(k)d. Wskaźnika nie pokazujemy, bo mógłby "
                "pozwolić rozpoznać konkretne osoby."
            ) % {"k": k}
    elif disclosure == DisclosureClass.MEDIAN:
        if n < k:
            return CellStatus.PRIMARY, _(
                "Medianę policzono z mniej niż %(k)d przypadków. Nie pokazujemy jej, bo mogłaby "
                "pozwolić rozpoznać konkretne osoby."
            ) % {"k": k}
    elif disclosure == DisclosureClass.MAGNITUDE:
        if subject == Subject.CLIENTS and n < k:
            return CellStatus.PRIMARY, _(
                "Suma dotyczy mniej niż %(k)d osób lub gospodarstw. Nie pokazujemy jej, bo "
                "mogłaby pozwolić rozpoznać konkretne osoby."
            ) % {"k": k}
        if _dominated(numerator, n, top_shares, settings.dominance_share):
            share = f"{settings.dominance_share * 100:g}".replace(
                ".", str(get_format("DECIMAL_SEPARATOR"))
            )
            if subject == Subject.STAFF:
                return CellStatus.DOMINANCE, _(
                    "Ponad %(share)s%% tej sumy przypada na dwóch pracowników. Nie pokazujemy "
                    "jej, bo ujawniłaby dane konkretnych pracowników."
                ) % {"share": share}
            return CellStatus.DOMINANCE, _(
                "Ponad %(share)s%% tej sumy przypada na dwie osoby lub dwa gospodarstwa. Nie "
                "pokazujemy jej, bo ujawniłaby dane konkretnych osób."
            ) % {"share": share}
    return CellStatus.PUBLISHED, ""


@dataclass(frozen=True)
class CentreParts:
    """What :func:`centre_rule` reads of the centres' contributions to an aggregate: how many
    are not 0, the largest and the sum of all but the two largest (absolute values). Made from
    the contributions (:meth:`of`) or summed by PostgreSQL (``benchmarking.distribution``)."""

    contributing: int
    largest: float
    rest: float

    @classmethod
    def of(cls, contributions: Sequence[Decimal | int | float]) -> CentreParts:
        parts = sorted((abs(float(c)) for c in contributions if c), reverse=True)
        return cls(len(parts), parts[0] if parts else 0.0, sum(parts[2:]))


def centre_rule(
    contributions: Sequence[Decimal | int | float] | CentreParts, settings: DisclosureSettings
) -> str:
    """Why an aggregate over centres may not be shown (in the active language, Polish unless
    the reader chose English), or "" when it may.

    ``contributions`` are the centres' parts of the aggregate (their counts, bases or sums), or
    their :class:`CentreParts`. A zero aggregate has nothing to dominate. Otherwise at least
    ``min_centres`` centres must contribute, and the p % rule must hold: the centres other than
    the two largest make up at least p % of the largest, so that the second-largest centre
    cannot estimate the largest to within p % by subtracting its own part.
    """
    parts = (
        contributions if isinstance(contributions, CentreParts) else CentreParts.of(contributions)
    )
    if not parts.contributing:
        return ""
    if parts.contributing < settings.min_centres:
        return _(
            "Wartość opiera się na danych mniej niż %(minimum)d ośrodków. Nie pokazujemy jej, bo "
            "ujawniłaby dane pojedynczego ośrodka."
        ) % {"minimum": settings.min_centres}
    if parts.rest < settings.centre_p_percent / 100 * parts.largest:
        return _(
            "Jeden lub dwa ośrodki wnoszą niemal całą tę wartość. Nie pokazujemy jej, bo "
            "ujawniłaby dane pojedynczego ośrodka."
        )
    return ""


def scope_refusal(centre_count: int, settings: DisclosureSettings | None = None) -> str:
    """Why a scope (a set of centres) may not be released as an aggregate (in the active
    language), or "" if it may."""
    if settings is None:
        settings = DisclosureSettings.from_django()
    if centre_count < settings.min_centres:
        return ngettext(
            "W tym zakresie są dane tylko %(count)d ośrodka, a zestawienia zbiorcze pokazujemy "
            "dla co najmniej %(minimum)d ośrodków: wartość zbiorcza jednego czy dwóch ośrodków "
            "to dane tych ośrodków (ochrona danych osobowych).",
            "W tym zakresie są dane tylko %(count)d ośrodków, a zestawienia zbiorcze pokazujemy "
            "dla co najmniej %(minimum)d ośrodków: wartość zbiorcza jednego czy dwóch ośrodków "
            "to dane tych ośrodków (ochrona danych osobowych).",
            centre_count,
        ) % {"count": centre_count, "minimum": settings.min_centres}
    return ""


def _dominated(numerator: Decimal, n: int, top_shares: Sequence[float], share: float) -> bool:
    largest_two = sorted(top_shares, reverse=True)[:2]
    if sum(largest_two) > share:
        return True
    return 0 < n <= 2 and numerator != 0
