"""Bayesian thresholding of two-list interactions (Silverman 2020; MultipleSystemsEstimation).

1. Fit the model with every two-list interaction, flat priors on the intercept and main effects
   and independent N(0, ``prior_variance``) priors on the interactions (``prior="proper"``), or
   flat priors throughout (``"improper"``: interactions with no one in common are then at −∞ and
   their histories are left out; the full pairwise model must pass the extended-MLE checks).
2. Keep the interactions whose posterior mean is at least ``threshold`` (2) posterior standard
   deviations from 0.
3. Refit with the kept interactions; the total's posterior is the observed count plus
   ``exp(intercept)``: its median is the estimate and its equal-tailed interval the interval.

Posteriors are sampled by random-walk Metropolis with a Gaussian proposal shaped by the
posterior mode's curvature (as MCMCpack's ``MCMCpoisson``, which the R package calls, does),
in four chains at once; R-hat and the effective sample size are checked and reported.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from darkfigure.errors import NotEstimableError
from darkfigure.estimate._base import make_rng
from darkfigure.estimate._design import term_name
from darkfigure.estimate._existence import problem
from darkfigure.estimate._fit import Space
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.histories import CaptureHistories

if TYPE_CHECKING:
    from darkfigure.estimate._loglinear import LogLinear

__all__ = ["bayes_threshold"]

FloatArray = npt.NDArray[np.float64]

THRESHOLD = 2.0
PRIOR_VARIANCE = 1.0
CHAINS = 4
BURN_IN = 1_000
DRAWS = 10_000


def _mode(xmat: FloatArray, y: FloatArray, precision: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Posterior mode and the inverse negative Hessian there (Newton with the Gaussian prior)."""
    beta = np.zeros(xmat.shape[1])
    beta[0] = math.log(max(y.mean(), 0.5))
    for _ in range(100):
        mu = np.exp(np.clip(xmat @ beta, -700, 700))
        grad = xmat.T @ (y - mu) - precision * beta
        hess = xmat.T @ (mu[:, None] * xmat) + np.diag(precision)
        step = np.linalg.solve(hess, grad)
        beta += step
        if float(step @ grad) < 1e-12:
            break
    mu = np.exp(np.clip(xmat @ beta, -700, 700))
    hess = xmat.T @ (mu[:, None] * xmat) + np.diag(precision)
    inverse: FloatArray = np.asarray(np.linalg.inv(hess), dtype=np.float64)
    return beta, inverse


def _sample(
    xmat: FloatArray, y: FloatArray, precision: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, float]:
    """``(chains, draws, P)`` posterior draws and the acceptance rate."""
    mode, cov = _mode(xmat, y, precision)
    p = xmat.shape[1]
    chol = np.linalg.cholesky(cov) * (2.38 / math.sqrt(p))

    def logpost(b: FloatArray) -> FloatArray:
        eta = b @ xmat.T
        out: FloatArray = (y * eta - np.exp(np.clip(eta, -700, 700))).sum(axis=1) - 0.5 * (
            precision * b * b
        ).sum(axis=1)
        return out

    current = mode + (rng.standard_normal((CHAINS, p)) @ chol.T)
    lp = logpost(current)
    kept = np.empty((CHAINS, DRAWS, p))
    accepted = 0
    noise = rng.standard_normal((BURN_IN + DRAWS, CHAINS, p)) @ chol.T
    uniform = np.log(rng.random((BURN_IN + DRAWS, CHAINS)))
    for it in range(BURN_IN + DRAWS):
        proposal = current + noise[it]
        lp_new = logpost(proposal)
        accept = uniform[it] < lp_new - lp
        current = np.where(accept[:, None], proposal, current)
        lp = np.where(accept, lp_new, lp)
        if it >= BURN_IN:
            kept[:, it - BURN_IN] = current
            accepted += int(accept.sum())
    return kept, accepted / (CHAINS * DRAWS)


def _rhat(draws: FloatArray) -> float:
    """Split-chain R-hat of a ``(chains, draws)`` array (Gelman et al. 2013)."""
    half = draws.shape[1] // 2
    split = np.concatenate([draws[:, :half], draws[:, half : 2 * half]])
    n = split.shape[1]
    within = split.var(axis=1, ddof=1).mean()
    between = n * split.mean(axis=1).var(ddof=1)
    var = (n - 1) / n * within + between / n
    return float(math.sqrt(var / within)) if within > 0 else math.inf


def bayes_threshold(est: LogLinear, table: CaptureHistories, *, prior: str = "proper") -> LogLinear:
    """Run Bayesian thresholding for ``est`` (a ``LogLinear(selection="threshold")``)."""
    from itertools import combinations

    lists, k = table.lists, table.n_lists
    y_all = table.cell_counts()[1:].astype(np.float64)
    pairs = [(1 << i) | (1 << j) for i, j in combinations(range(k), 2)]
    space = Space.build(lists, pairs)
    rng = make_rng(est.seed)
    warnings: list[str] = []
    full = np.ones(len(space.terms), dtype=bool)
    cells = np.ones(y_all.size, dtype=bool)
    minus: list[int] = []
    if prior == "improper":
        reason = problem(space.xmat, y_all, space.terms, full, lists)
        if reason:
            raise NotEstimableError(
                "Bayesian thresholding with improper priors cannot be "
                f"applied: the full pairwise model fails: {reason}"
            )
        margins = y_all @ space.xmat
        zero = (margins <= 0) & full
        zero[0] = False
        minus = [space.terms[j] for j in np.flatnonzero(zero)]
        cells = np.asarray(~(space.xmat[:, zero] > 0).any(axis=1), dtype=bool)
        full = full & ~zero
    precision = np.where(
        np.arange(len(space.terms)) > k, 0.0 if prior == "improper" else 1.0 / PRIOR_VARIANCE, 0.0
    )

    def run(cols: npt.NDArray[np.bool_]) -> tuple[FloatArray, float, float]:
        xmat = space.xmat[np.ix_(cells, cols)]
        draws, acceptance = _sample(xmat, y_all[cells], precision[cols], rng)
        rhat = max(_rhat(draws[:, :, j]) for j in range(draws.shape[2]))
        return draws, acceptance, rhat

    draws1, acc1, rhat1 = run(full)
    flat = draws1.reshape(-1, draws1.shape[2])
    ratios = flat.mean(axis=0) / flat.std(axis=0, ddof=1)
    active_terms = [t for t, on in zip(space.terms, full, strict=True) if on]
    stats = {
        term_name(t, lists): float(abs(r))
        for t, r in zip(active_terms, ratios, strict=True)
        if t in pairs
    }
    kept = [
        t for t in pairs if term_name(t, lists) in stats and stats[term_name(t, lists)] >= THRESHOLD
    ]
    cols = space.columns(kept) & full
    draws2, acc2, rhat2 = run(cols)
    totals = y_all.sum() + np.exp(draws2[:, :, 0])
    if max(rhat1, rhat2) > 1.05:
        warnings.append(
            f"MCMC did not converge well (R-hat {max(rhat1, rhat2):.3f} > 1.05): "
            "treat the estimate as unreliable"
        )
    if min(acc1, acc2) < 0.05:
        warnings.append(f"MCMC acceptance rate low ({min(acc1, acc2):.1%})")
    if minus:
        warnings.append(
            f"{', '.join(term_name(t, lists) for t in minus)}: no one in common; estimated at −∞"
        )
    alpha = (1.0 - est.level) / 2.0
    lower, median, upper = np.quantile(totals, [alpha, 0.5, 1.0 - alpha])
    est.space_ = space
    est.cols_ = cols
    est.model_ = tuple(term_name(t, lists) for t in kept) + tuple(
        term_name(t, lists) for t in minus
    )
    est.draws_ = totals.ravel()
    est.rhat_ = max(rhat1, rhat2)
    diagnostics: dict[str, Any] = {
        "prior": prior,
        "threshold": THRESHOLD,
        "prior_variance": PRIOR_VARIANCE,
        "threshold_statistics": stats,
        "retained": [term_name(t, lists) for t in kept],
        "minus_infinity": [term_name(t, lists) for t in minus],
        "mcmc": {
            "chains": CHAINS,
            "burn_in": BURN_IN,
            "draws": DRAWS,
            "acceptance": [acc1, acc2],
            "rhat": [rhat1, rhat2],
            "seed": est.seed if isinstance(est.seed, int) else None,
        },
        "posterior_mean": float(totals.mean()),
    }
    est.estimate_ = Estimate(
        lists=lists,
        observed=int(y_all.sum()),
        method="threshold",
        model=tuple(lists) + est.model_,
        estimate=float(median),
        dark_figure=float(median - y_all.sum()),
        interval=Interval(est.level, float(lower), float(upper), "credible"),
        warnings=tuple(warnings),
        diagnostics=diagnostics,
    )
    return est
