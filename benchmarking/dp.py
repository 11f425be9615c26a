"""Optional differential privacy for ministry releases: zero-concentrated DP (zCDP) with discrete
Gaussian noise on integer counts, through the OpenDP library.

The privacy unit is a household per period. A query plan states how many published cells one
household can change (``cells_per_unit``) and by how much each (``per_cell``); from that follows
the L2 sensitivity Δ, and from Δ and the noise scale σ the zCDP cost ρ = Δ² / (2σ²) that the
privacy-budget ledger records. ε for a chosen δ is reported next to ρ for readers used to (ε, δ)-DP.

Noise comes first; rounding, clamping negatives and disclosure suppression are post-processing
and cost no further budget. :func:`noisy_counts` therefore returns raw integers, possibly negative.

OpenDP and the sensitivity representation
-----------------------------------------
The measurement is ``make_gaussian`` over ``vector_domain(atom_domain(T="i64"))``: on an integer
domain OpenDP samples from the *discrete* Gaussian, so counts stay integers and no floating-point
attack on the noise is possible. Its input metric is ``l2_distance(T=float)``, not
``l2_distance(T=int)``: OpenDP documents the metric's type argument as "the type of
sensitivities, any integer or float", independent of the data type. With an integer metric Δ
would have to be a whole number, and Δ = √m for a household touching m cells (√2, √3, ...) could
only be charged as ⌈√m⌉, overstating ρ by up to a factor of 2 for m = 2. The float metric lets
OpenDP's own accountant map the exact Δ; for whole-number Δ both metrics give the same ρ (the
tests check this). OpenDP rounds its map upward (outward-rounded float arithmetic), so its ρ can
exceed the plain formula by a few units in the last place; :func:`opendp_rho_check` exposes that
figure so tests can confirm that our ledger never under-charges beyond float rounding.
"""

import math
from collections.abc import Sequence
from typing import Any

import opendp.prelude as dp

MECHANISM = "zCDP discrete Gaussian (OpenDP make_gaussian)"

# 64-bit counts: OpenDP's default for Python ints is i32, which a national total could outgrow in
# principle; the noise is the same either way.
_ATOM_TYPE = "i64"


def l2_sensitivity(*, cells_per_unit: int, per_cell: int = 1) -> float:
    """The L2 sensitivity of a vector of counts when one household changes at most
    ``cells_per_unit`` cells, each by at most ``per_cell``: ``per_cell * sqrt(cells_per_unit)``.

    Totals published next to their body cells count as cells too: a household in one body cell
    of a table with a row total and a grand total changes three cells."""
    if cells_per_unit < 1:
        raise ValueError("cells_per_unit must be at least 1")
    if per_cell < 1:
        raise ValueError("per_cell must be at least 1")
    return per_cell * math.sqrt(cells_per_unit)


def scale_for(*, rho: float, l2_sensitivity: float) -> float:
    """The noise scale (standard deviation) σ = Δ / sqrt(2ρ) that costs exactly ``rho``."""
    _check_positive(rho=rho, l2_sensitivity=l2_sensitivity)
    return l2_sensitivity / math.sqrt(2.0 * rho)


def rho_for(*, scale: float, l2_sensitivity: float) -> float:
    """The zCDP cost ρ = Δ² / (2σ²) of one release with noise scale ``scale``."""
    _check_positive(scale=scale, l2_sensitivity=l2_sensitivity)
    return l2_sensitivity**2 / (2.0 * scale**2)


def epsilon_for(*, rho: float, delta: float) -> float:
    """The ε of (ε, δ)-DP implied by ρ-zCDP: ε = ρ + 2·sqrt(ρ·ln(1/δ)) (Bun & Steinke 2016,
    Proposition 1.3). A valid, slightly loose bound; the ledger's authoritative figure is ρ."""
    if rho < 0:
        raise ValueError("rho must be non-negative")
    if not 0.0 < delta < 1.0:
        raise ValueError("delta must lie strictly between 0 and 1")
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def noisy_counts(counts: Sequence[int], *, scale: float) -> list[int]:
    """Each count plus independent discrete Gaussian noise of standard deviation ``scale``,
    sampled by OpenDP from a cryptographically secure source (so not reproducible by seeding).

    The result may be negative or otherwise implausible; rounding, clamping and suppression are
    the caller's post-processing. ``counts`` must be whole numbers (``bool`` is refused)."""
    _check_positive(scale=scale)
    values = []
    for count in counts:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"counts must be integers, got {type(count).__name__}")
        values.append(count)
    if not values:
        return []
    noised = _measurement(scale)(values)
    return [int(value) for value in noised]


def opendp_rho_check(*, scale: float, l2_sensitivity: float) -> float:
    """ρ as OpenDP's accountant maps it for the very measurement :func:`noisy_counts` uses, with
    input distance Δ expressed exactly in the float L2 metric (see the module docstring)."""
    _check_positive(scale=scale, l2_sensitivity=l2_sensitivity)
    return float(_measurement(scale).map(float(l2_sensitivity)))


def _measurement(scale: float) -> Any:
    # Enabling "contrib" is idempotent and process-wide; doing it here rather than at import keeps
    # importing this module free of side effects on OpenDP's global state.
    dp.enable_features("contrib")
    return dp.m.make_gaussian(
        dp.vector_domain(dp.atom_domain(T=_ATOM_TYPE)),
        dp.l2_distance(T=float),
        scale=float(scale),
    )


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite number")
