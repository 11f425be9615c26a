"""Differential privacy for ministry releases: the ledger's formulas agree with OpenDP's own
accountant (never charging less), and the noise is integer, centred and of the stated scale."""

import math
import statistics

import opendp.prelude as dp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarking.dp import (
    MECHANISM,
    epsilon_for,
    l2_sensitivity,
    noisy_counts,
    opendp_rho_check,
    rho_for,
    scale_for,
)

# OpenDP rounds its privacy map outward, a few units in the last place above the exact formula.
FLOAT_SLACK = 1e-9

rhos = st.floats(min_value=1e-4, max_value=10.0)
scales = st.floats(min_value=0.1, max_value=1_000.0)
sensitivities = st.floats(min_value=0.5, max_value=20.0)


def test_sensitivity_of_one_household_touching_several_cells() -> None:
    assert l2_sensitivity(cells_per_unit=1) == 1.0
    assert l2_sensitivity(cells_per_unit=4) == 2.0
    assert l2_sensitivity(cells_per_unit=3, per_cell=2) == pytest.approx(2 * math.sqrt(3))
    with pytest.raises(ValueError):
        l2_sensitivity(cells_per_unit=0)
    with pytest.raises(ValueError):
        l2_sensitivity(cells_per_unit=1, per_cell=0)


@given(rho=rhos, delta_=sensitivities)
def test_scale_and_rho_round_trip(rho: float, delta_: float) -> None:
    scale = scale_for(rho=rho, l2_sensitivity=delta_)
    assert rho_for(scale=scale, l2_sensitivity=delta_) == pytest.approx(rho, rel=1e-12)


@given(scale=scales, delta_=sensitivities)
def test_rho_and_scale_round_trip(scale: float, delta_: float) -> None:
    rho = rho_for(scale=scale, l2_sensitivity=delta_)
    assert scale_for(rho=rho, l2_sensitivity=delta_) == pytest.approx(scale, rel=1e-12)


def test_formulas_on_known_values() -> None:
    assert rho_for(scale=1.0, l2_sensitivity=1.0) == 0.5
    assert scale_for(rho=0.5, l2_sensitivity=2.0) == pytest.approx(2.0)
    # Bun & Steinke: rho = 0.5, delta = 1e-6 gives 0.5 + 2 * sqrt(0.5 * ln 1e6).
    expected = 0.5 + 2 * math.sqrt(0.5 * math.log(1e6))
    assert epsilon_for(rho=0.5, delta=1e-6) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_non_positive_parameters_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        scale_for(rho=bad, l2_sensitivity=1.0)
    with pytest.raises(ValueError):
        rho_for(scale=bad, l2_sensitivity=1.0)
    with pytest.raises(ValueError):
        noisy_counts([1], scale=bad)


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1])
def test_epsilon_needs_a_delta_strictly_between_zero_and_one(delta: float) -> None:
    with pytest.raises(ValueError):
        epsilon_for(rho=0.1, delta=delta)


@given(
    low=st.floats(min_value=0.0, max_value=10.0),
    step=st.floats(min_value=1e-6, max_value=10.0),
    delta=st.floats(min_value=1e-12, max_value=0.5),
)
def test_epsilon_grows_with_rho(low: float, step: float, delta: float) -> None:
    assert epsilon_for(rho=low + step, delta=delta) > epsilon_for(rho=low, delta=delta)


@pytest.mark.parametrize("sensitivity", [1, 2, 3])
@pytest.mark.parametrize("scale", [0.5, 1.0, 3.7, 25.0])
def test_our_rho_equals_opendp_for_whole_number_sensitivities(
    sensitivity: int, scale: float
) -> None:
    ours = rho_for(scale=scale, l2_sensitivity=float(sensitivity))
    assert opendp_rho_check(scale=scale, l2_sensitivity=sensitivity) == pytest.approx(ours)
    # The float metric we use agrees with OpenDP's integer metric where both can express Δ.
    dp.enable_features("contrib")
    integer_metric = dp.m.make_gaussian(
        dp.vector_domain(dp.atom_domain(T="i64")), dp.l2_distance(T="i64"), scale=scale
    )
    assert integer_metric.map(sensitivity) == pytest.approx(ours)


@given(cells=st.integers(min_value=1, max_value=50), per_cell=st.integers(1, 3), scale=scales)
def test_our_ledger_never_charges_less_than_opendp(cells: int, per_cell: int, scale: float) -> None:
    sensitivity = l2_sensitivity(cells_per_unit=cells, per_cell=per_cell)
    ours = rho_for(scale=scale, l2_sensitivity=sensitivity)
    theirs = opendp_rho_check(scale=scale, l2_sensitivity=sensitivity)
    assert ours >= theirs * (1 - FLOAT_SLACK)
    # ...and not wildly more either: the float metric charges √m exactly, not ⌈√m⌉.
    assert ours == pytest.approx(theirs, rel=FLOAT_SLACK)


def test_noise_is_integer_centred_and_of_the_stated_scale() -> None:
    draws, scale, true_count = 20_000, 3.0, 40
    released = noisy_counts([true_count] * draws, scale=scale)
    assert len(released) == draws
    assert all(type(value) is int for value in released)
    noise = [value - true_count for value in released]
    # Five standard errors: a false alarm once in a few million runs.
    assert abs(statistics.fmean(noise)) < 5 * scale / math.sqrt(draws)
    assert statistics.pstdev(noise) == pytest.approx(scale, rel=0.05)
    assert len(set(noise)) > 10, "noise must actually vary"


def test_noisy_counts_keep_order_and_length_and_refuse_non_integers() -> None:
    # With a tiny scale the noise is almost always zero, so the order of the input shows through.
    released = noisy_counts([0, 1_000, 1_000_000, 5_000_000_000], scale=0.1)
    assert [round(value, -2) for value in released] == [0, 1_000, 1_000_000, 5_000_000_000]
    assert noisy_counts([], scale=1.0) == []
    with pytest.raises(TypeError):
        noisy_counts([1.5], scale=1.0)  # type: ignore[list-item]  # a wrong type on purpose
    with pytest.raises(TypeError):
        noisy_counts([True], scale=1.0)


def test_mechanism_is_named_for_the_ledger() -> None:
    assert "zCDP" in MECHANISM and "OpenDP" in MECHANISM
