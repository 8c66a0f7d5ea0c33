"""Profile-likelihood interval for the total population under one log-linear model.

For a candidate total ``N`` the unobserved history gets the count ``N − n``; the model is fitted
to the completed table and the multinomial log-likelihood ``log N! − log (N − n)! −
Σ log n_ω! + Σ n_ω log(μ_ω / N)`` is recorded (Cormack 1992; Rcapture's ``closedpCI.t``). The
interval holds every ``N`` whose log-likelihood is within ``χ²₁(level) / 2`` of the maximum. The
maximising ``N`` is close to, but not the same as, the conditional (Poisson) estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from darkfigure.estimate._glm import fit_batch, log_factorial

__all__ = ["profile_interval"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def profile_interval(
    x_full: FloatArray,
    y: FloatArray,
    cols: BoolArray,
    cells: BoolArray,
    estimate: float,
    level: float,
) -> tuple[float, float, float]:
    """``(lower, upper, maximiser)`` of the profile-likelihood interval for the total.

    ``x_full`` is the design over histories 0 .. 2^K − 1 (row 0 = the unobserved history), ``y``
    the observed counts over 1 .. 2^K − 1, ``cols``/``cells`` the model's active terms and
    histories (``cells`` over 1 .. 2^K − 1). Bounds that do not exist are ``inf``.
    """
    n = float(y.sum())
    cellmask = np.concatenate([[True], cells])
    const = float(log_factorial(y).sum())
    start: list[FloatArray | None] = [None]

    def loglik(total: float) -> float:
        counts = np.concatenate([[total - n], y])
        fit = fit_batch(x_full, counts[None, :], cols, cellmask, start=start[0])
        start[0] = fit.coef
        mu = fit.mu[0]
        safe_mu = np.where(mu > 0, mu, 1.0)
        # Cell probabilities μ / Σμ rather than μ / N: equal at the MLE (Σμ = N there), but
        # this form is flat to first order in every parameter, so the Newton tolerance does
        # not leak into the profile (with μ / N an intercept off by 1e-8 moves it by 1e-8 · N).
        terms = np.where(cellmask & (counts > 0), counts * np.log(safe_mu / mu.sum()), 0.0)
        return float(math.lgamma(total + 1.0) - math.lgamma(total - n + 1.0) - const + terms.sum())

    # The maximiser: the log-likelihood is smooth and unimodal in N for these models.
    hi = max(estimate * 4.0, n + 10.0)
    top = _golden_max(loglik, n, hi, 1e-6 * max(estimate, 1.0))
    peak = loglik(top)
    # χ²₁ quantile = square of the normal one (no SciPy: loading it costs 0.5 s, more than a fit)
    cut = NormalDist().inv_cdf((1.0 + level) / 2.0) ** 2 / 2.0

    def gap(total: float) -> float:
        return peak - loglik(total) - cut

    lower = n if gap(n) <= 0 else _bisect(gap, n, top, 1e-8 * top)
    upper = math.inf
    step = max(top - n, 1.0)
    bound = top + step
    for _ in range(60):
        if gap(bound) > 0:
            upper = _bisect(gap, top, bound, 1e-8 * top)
            break
        step *= 2.0
        bound = top + step
    return float(lower), float(upper), top


def _golden_max(func: Callable[[float], float], lo: float, hi: float, xtol: float) -> float:
    """Maximiser of a unimodal ``func`` on ``[lo, hi]`` to within ``xtol`` (golden section).

    Examples
    --------
    >>> round(_golden_max(lambda x: -(x - 2.0) ** 2, 0.0, 10.0, 1e-9), 6)
    2.0
    """
    shrink = (math.sqrt(5.0) - 1.0) / 2.0
    left, right = hi - shrink * (hi - lo), lo + shrink * (hi - lo)
    f_left, f_right = func(left), func(right)
    while hi - lo > xtol:
        if f_left >= f_right:
            hi, right, f_right = right, left, f_left
            left = hi - shrink * (hi - lo)
            f_left = func(left)
        else:
            lo, left, f_left = left, right, f_right
            right = lo + shrink * (hi - lo)
            f_right = func(right)
    return (lo + hi) / 2.0


def _bisect(func: Callable[[float], float], lo: float, hi: float, xtol: float) -> float:
    """A root of ``func`` between ``lo`` and ``hi`` (signs differ there), to within ``xtol``.

    Examples
    --------
    >>> round(_bisect(lambda x: x * x - 2.0, 0.0, 2.0, 1e-12), 9)
    1.414213562
    """
    positive = func(lo) > 0
    while hi - lo > xtol:
        mid = (lo + hi) / 2.0
        if (func(mid) > 0) == positive:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0
