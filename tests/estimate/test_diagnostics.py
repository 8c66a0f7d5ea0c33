"""R-hat and bulk ESS on draws whose answer is known (Vehtari et al. 2021)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkfigure.estimate._diagnostics import ess, rhat


def _ar1(rng: np.random.Generator, phi: float, shape: tuple[int, int]) -> np.ndarray:
    """Stationary AR(1) chains with unit innovation variance."""
    noise = rng.normal(size=shape)
    out = np.empty(shape)
    out[:, 0] = noise[:, 0] / math.sqrt(1 - phi**2)
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + noise[:, t]
    return out


def test_independent_draws() -> None:
    draws = np.random.default_rng(0).normal(size=(4, 2000))
    assert abs(rhat(draws) - 1.0) < 0.01
    # ESS of iid draws is the number of draws, up to its own sampling error (~5 %).
    assert 0.85 * draws.size < ess(draws) < 1.15 * draws.size


def test_heavy_tailed_draws_are_handled_by_ranks() -> None:
    draws = np.random.default_rng(1).standard_cauchy(size=(4, 2000))
    assert abs(rhat(draws) - 1.0) < 0.01
    assert 0.85 * draws.size < ess(draws) < 1.15 * draws.size


def test_autocorrelated_draws() -> None:
    phi = 0.9
    draws = _ar1(np.random.default_rng(2), phi, (4, 5000))
    expected = draws.size * (1 - phi) / (1 + phi)  # integrated autocorrelation time of AR(1)
    assert 0.75 * expected < ess(draws) < 1.25 * expected
    assert rhat(draws) < 1.02


def test_chains_stuck_in_different_places() -> None:
    draws = np.random.default_rng(3).normal(size=(4, 1000)) + np.arange(4)[:, None]
    assert rhat(draws) > 1.5
    assert ess(draws) < 50


def test_a_drifting_chain_is_caught_by_splitting() -> None:
    rng = np.random.default_rng(4)
    draws = rng.normal(size=(1, 2000)) + np.linspace(0, 3, 2000)
    assert rhat(draws) > 1.1


def test_chains_that_differ_only_in_spread_are_caught_by_the_tail_rhat() -> None:
    rng = np.random.default_rng(5)
    draws = rng.normal(size=(4, 2000)) * np.array([1.0, 1.0, 1.0, 4.0])[:, None]
    assert rhat(draws) > 1.05


def test_constant_and_short_draws() -> None:
    assert math.isnan(rhat(np.ones((4, 100))))
    assert ess(np.ones((4, 100))) == 400
    assert math.isnan(rhat(np.arange(6.0).reshape(2, 3)))
    with pytest.raises(ValueError, match="chain, draw"):
        rhat(np.zeros((2, 2, 2)))
