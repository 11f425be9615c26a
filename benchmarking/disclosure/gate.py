"""The gate's vocabulary and settings: audiences, cell statuses, the one suppression marker, the
thresholds (:class:`DisclosureSettings`), the counter of gate calls and the stamp outputs carry."""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.signals import setting_changed
from django.utils.translation import gettext_noop

GATE_NAME = "benchmarking.disclosure"
GATE_VERSION = 2

Cell = tuple[str, str]  # (row key, column key)


class Audience(StrEnum):
    OWN_CENTRE = "own_centre"  # a centre's own staff looking at their own centre: nothing hidden
    REGION = "region"  # regional coordinator: named centres of own voivodeships
    PEER = "peer"  # other centres in a cohort, under pseudonyms
    MINISTRY = "ministry"  # aggregates for the ministry


class Subject(StrEnum):
    CLIENTS = "clients"  # the units are households, persons or applications of clients
    STAFF = "staff"  # the units are the centre's staff (e.g. minutes of social workers)


class CellStatus(StrEnum):
    PUBLISHED = "published"
    PRIMARY = "primary"  # count 1..k−1 (or a sensitive zero in a small unit); rate/median base < k
    DOMINANCE = "dominance"  # two largest contributors > dominance share of a magnitude sum
    COMPLEMENTARY = "complementary"  # hidden so that another hidden cell cannot be recovered
    EMPTY = "empty"  # no data or undefined (e.g. denominator 0); not a suppression


SUPPRESSED_STATUSES = frozenset(
    {CellStatus.PRIMARY, CellStatus.DOMINANCE, CellStatus.COMPLEMENTARY}
)
SUPPRESSED_MARKER = "x"
# What outputs say of any hidden value: one status, one marker, one reason. Whether a value was
# hidden for being small, dominated or as a complement stays inside the gate.
PUBLIC_SUPPRESSED = "suppressed"
# Marked for translation here, translated where it is shown (``ReleasedValue.as_json``).
REASON_SUPPRESSED = gettext_noop(
    "Wartość ukryta (x): jest zbyt mała, opiera się na zbyt małej liczbie osób lub ośrodków, "
    "albo ukryto ją, aby nie dało się z sum odtworzyć innej ukrytej wartości. "
    "Chroni to dane osobowe."
)


def public_status(status: CellStatus) -> str:
    """The status an output may carry: ``suppressed`` for every kind of hidden value."""
    return PUBLIC_SUPPRESSED if status in SUPPRESSED_STATUSES else status.value


# --- Settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureSettings:
    """Thresholds of the gate. The defaults are privacy.md's and are the safe choice."""

    k: int = 10
    dominance_share: float = 0.90
    small_unit_population: int = 20_000
    # Centres as contributors: no aggregate over fewer than ``min_centres`` centres; no
    # order statistic (quartile, median of centres, rank) over fewer than ``min_order_centres``;
    # p % rule: the centres other than the two largest must make up at least p % of the largest.
    min_centres: int = 3
    min_order_centres: int = 10
    centre_p_percent: float = 10.0

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 2:
            raise ValueError(f"disclosure threshold k must be a whole number ≥ 2, got {self.k!r}")
        if not 0 < self.dominance_share <= 1:
            raise ValueError(f"dominance_share must lie in (0, 1], got {self.dominance_share!r}")
        if self.small_unit_population < 0:
            raise ValueError("small_unit_population must not be negative")
        if self.min_centres < 3 or self.min_order_centres < self.min_centres:
            raise ValueError("min_centres must be ≥ 3 and min_order_centres ≥ min_centres")
        if not 0 <= self.centre_p_percent <= 100:
            raise ValueError("centre_p_percent must lie in [0, 100]")

    @classmethod
    def from_django(cls) -> DisclosureSettings:
        """Read ``settings.BENCHMARK_DISCLOSURE`` (a dict). Missing keys keep their defaults.
        Other keys in the dict (e.g. cohort rules) are not the gate's and are ignored.
        Read once per configuration (a page asks for them once per figure): the cache is keyed
        on the dict's items and emptied when a test overrides the setting."""
        from django.conf import settings

        configured: Mapping[str, Any] = getattr(settings, "BENCHMARK_DISCLOSURE", None) or {}
        try:
            return _settings_of(tuple(sorted(configured.items())))
        except TypeError:  # an unhashable value: read it uncached
            return cls._of(configured)

    @classmethod
    def _of(cls, configured: Mapping[str, Any]) -> DisclosureSettings:
        defaults = cls()
        return cls(
            k=int(configured.get("k", defaults.k)),
            dominance_share=float(configured.get("dominance_share", defaults.dominance_share)),
            small_unit_population=int(
                configured.get("small_unit_population", defaults.small_unit_population)
            ),
            min_centres=int(configured.get("min_centres", defaults.min_centres)),
            min_order_centres=int(configured.get("min_order_centres", defaults.min_order_centres)),
            centre_p_percent=float(configured.get("centre_p_percent", defaults.centre_p_percent)),
        )

    def marker(self, status: CellStatus) -> str | None:
        """One symbol for every hidden value: ``x``. Two symbols ("<10" for small counts, "x"
        for the rest) told an attacker which hidden cells are 1..k−1 and which are 0 or ≥ k,
        and an integer program used exactly that to pin cells."""
        if status in SUPPRESSED_STATUSES:
            return SUPPRESSED_MARKER
        if status == CellStatus.EMPTY:
            return "–"
        return None

    def is_small_unit(self, population: int) -> bool:
        """Whether an area is a small unit, where zeros of sensitive reasons are hidden too."""
        return population < self.small_unit_population


@functools.lru_cache(maxsize=8)
def _settings_of(items: tuple[tuple[str, Any], ...]) -> DisclosureSettings:
    return DisclosureSettings._of(dict(items))


def _forget_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "BENCHMARK_DISCLOSURE":
        _settings_of.cache_clear()


setting_changed.connect(_forget_settings, dispatch_uid="benchmarking.disclosure.settings")


# --- The gate counter -----------------------------------------------------------------------------

_gate_lock = threading.Lock()
_gate_call_count = 0


def _count_gate_call() -> None:
    global _gate_call_count
    with _gate_lock:
        _gate_call_count += 1


def gate_calls() -> int:
    """How many times :func:`release_value` and :func:`protect_table` have run in this process.
    It only grows, so a test can take it before and after an output path and compare."""
    with _gate_lock:
        return _gate_call_count


def gate_stamp(settings: DisclosureSettings | None = None) -> dict[str, object]:
    """What an output carries to say which gate, and with which thresholds, released it."""
    if settings is None:
        settings = DisclosureSettings.from_django()
    return {
        "gate": GATE_NAME,
        "version": GATE_VERSION,
        "k": settings.k,
        "dominance_share": settings.dominance_share,
        "small_unit_population": settings.small_unit_population,
        "min_centres": settings.min_centres,
        "min_order_centres": settings.min_order_centres,
        "centre_p_percent": settings.centre_p_percent,
    }
