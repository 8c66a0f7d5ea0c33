"""The profile-likelihood limits solve their equation, checked with tightly converged fits."""

from __future__ import annotations

import math

import numpy as np
from _mse_reference import table

from darkfigure.estimate import LogLinear
from darkfigure.estimate._design import design
from darkfigure.estimate._glm import fit_batch, log_factorial
from darkfigure.estimate._loglinear import _active_cells


def test_profile_limits_are_where_the_likelihood_drops_by_the_chi2_cut() -> None:
    # Ned, stepwise: a flat profile on which Newton's tolerance once moved the upper limit by 12
    data = table("Ned")
    fit = LogLinear(selection="stepwise").fit(data)
    interval = fit.estimate_.interval
    assert interval is not None
    y = data.cell_counts()[1:].astype(np.float64)
    n = float(y.sum())
    space = fit.space_
    cols = fit.cols_ & np.isfinite(np.nan_to_num(fit.fit_.coef[0], nan=0.0))
    cells = np.concatenate([[True], _active_cells(space, y, fit.cols_)])
    x_full = design(space.k, space.terms, include_unobserved=True)

    def loglik(total: float) -> float:  # Cormack's multinomial form, fits converged to 1e-15
        counts = np.concatenate([[total - n], y])
        mu = fit_batch(x_full, counts[None, :], cols, cells, max_iter=200, tol=1e-15).mu[0]
        terms = np.where(
            cells & (counts > 0), counts * np.log(np.where(mu > 0, mu, 1.0) / total), 0.0
        )
        return (
            math.lgamma(total + 1.0)
            - math.lgamma(total - n + 1.0)
            - float(log_factorial(y).sum())
            + float(terms.sum())
        )

    top = fit.estimate_.diagnostics["profile_maximum"]
    peak = max(loglik(t) for t in np.linspace(top - 50.0, top + 50.0, 11))
    cut = 3.841458820694124 / 2.0  # χ²₁(0.95) / 2
    for limit in (interval.lower, interval.upper):
        assert abs(peak - loglik(limit) - cut) < 1e-4
