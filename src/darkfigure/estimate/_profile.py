"""Profile-likelihood interval for the total population under one log-linear model.

For a candidate total ``N`` the unobserved history gets the count ``N − n``; the model is fitted
to the completed table and the multinomial log-likelihood ``log N! − log (N − n)! −
Σ log n_ω! + Σ n_ω log(μ_ω / N)`` is recorded (Cormack 1992; Rcapture's ``closedpCI.t``). The
interval holds every ``N`` whose log-likelihood is within ``χ²₁(level) / 2`` of the maximum. The
maximising ``N`` is close to, but not the same as, the conditional (Poisson) estimate.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from darkfigure.estimate._glm import fit_batch, log_factorial

__all__ = ["profile_interval"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def profile_interval(x_full: FloatArray, y: FloatArray, cols: BoolArray, cells: BoolArray,
                     estimate: float, level: float) -> tuple[float, float, float]:
    """``(lower, upper, maximiser)`` of the profile-likelihood interval for the total.

    ``x_full`` is the design over histories 0 .. 2^K − 1 (row 0 = the unobserved history), ``y``
    the observed counts over 1 .. 2^K − 1, ``cols``/``cells`` the model's active terms and
    histories (``cells`` over 1 .. 2^K − 1). Bounds that do not exist are ``inf``.
    """
    # SciPy is imported here, not at module level: a bootstrap never needs it (0.4 s to load).
    from scipy.optimize import brentq, minimize_scalar
    from scipy.special import chdtri

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
        terms = np.where(cellmask & (counts > 0), counts * np.log(safe_mu / total), 0.0)
        return float(math.lgamma(total + 1.0) - math.lgamma(total - n + 1.0) - const
                     + terms.sum())

    # The maximiser: the log-likelihood is smooth and unimodal in N for these models.
    hi = max(estimate * 4.0, n + 10.0)
    best = minimize_scalar(lambda t: -loglik(t), bounds=(n, hi), method="bounded",
                           options={"xatol": 1e-6 * max(estimate, 1.0)})
    top = float(best.x)
    peak = loglik(top)
    cut = float(chdtri(1.0, 1.0 - level)) / 2.0

    def gap(total: float) -> float:
        return peak - loglik(total) - cut

    lower = n if gap(n) <= 0 else brentq(gap, n, top, xtol=1e-8 * top)
    upper = math.inf
    step = max(top - n, 1.0)
    bound = top + step
    for _ in range(60):
        if gap(bound) > 0:
            upper = brentq(gap, top, bound, xtol=1e-8 * top)
            break
        step *= 2.0
        bound = top + step
    return float(lower), float(upper), top
