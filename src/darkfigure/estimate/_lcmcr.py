"""Bayesian non-parametric latent-class model (``--method lcmcr``; Manrique-Vallier 2016).

People differ in how visible they are. The model lets the population be a mixture of up to
``K`` latent classes; within a class the lists catch independently, list ``j`` with probability
``lambda[j, k]``. Class weights follow a truncated stick-breaking Dirichlet process with
concentration ``alpha``; unused classes stay empty, so ``K`` is a ceiling, not a choice.

Model and priors (those of the R package LCMCR):

* ``nu ~ SB_K(alpha)``: ``V_k ~ Beta(1, alpha)`` for ``k < K``, ``V_K = 1``;
  ``nu_k = V_k * prod_{l<k} (1 - V_l)``;
* ``alpha ~ Gamma(a_alpha, b_alpha)`` (shape, rate), default ``a_alpha = b_alpha = 0.25``;
* ``lambda[j, k] ~ Beta(1, 1)``;
* ``p(N) ∝ 1/N``, which makes the unobserved count ``n0 = N - n`` negative binomial given the
  probability ``p0 = sum_k nu_k prod_j (1 - lambda[j, k])`` of being on no list.

The Gibbs sampler works on the ``2^J - 1`` observable histories with their counts, never on
individuals: the class allocation of the ``c`` people in one cell is one multinomial draw, and the
``n0`` unobserved people are one more "cell" with all-zero history. Each sweep draws

1. ``n0 ~ NegBin(n, 1 - p0)`` (``n0`` failures before ``n`` successes), then the class counts of
   every observed cell and of the ``n0`` unobserved people (a multinomial per cell, drawn as
   successive binomials);
2. ``lambda[j, k] ~ Beta(1 + seen_jk, 1 + unseen_jk)`` from those counts;
3. the stick-breaking weights ``V_k ~ Beta(1 + m_k, alpha + sum_{l>k} m_l)`` (in log space, so
   tiny weights do not underflow);
4. ``alpha ~ Gamma(a_alpha + K - 1, b_alpha - log nu_K)``.

Step 1 draws ``(n0, z0, z)`` jointly from their full conditional, so the sweep targets the same
posterior as LCMCR's scan order. As in LCMCR, each chain starts from the lists' marginal capture
rates and runs 500 warm-up sweeps with ``alpha`` held at ``0.3 / K`` before the burn-in; here the
starting rates are jittered per chain so that R-hat compares chains that started apart.

The sweep is compiled with Numba (LCMCR's is C++; a sweep is a few hundred scalar draws, too
small for NumPy's per-call overhead) and releases the GIL, so chains run in parallel threads.
Chains are independent streams spawned from one :class:`numpy.random.SeedSequence`, so the same
seed gives the same draws however many threads run them.

Monte Carlo error: the posterior median from ``S`` effective draws has a standard error of about
``sqrt(pi/2) * sd(N) / sqrt(S)``; on the reference tables (posterior s.d. 10-30 % of the median)
400 effective draws give about 1-2 % on the median and 3-6 % on the 2.5 %/97.5 % quantiles. The
parity tests use short chains with tolerances derived from this; the full-length runs compared
with R's numbers are in ``benchmarks/bench_bayes.py``.

References
----------
Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process
mixtures. *Biometrics* 72(4), 1246-1254.
"""

from __future__ import annotations

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

import numba
import numpy as np
import numpy.typing as npt

from darkfigure.errors import ConvergenceWarning, NotEstimableError, SettingsError
from darkfigure.estimate._base import Seed
from darkfigure.estimate._diagnostics import ess, rhat
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.histories import CaptureHistories

__all__ = ["LatentClass"]

#: Sweeps with ``alpha`` held small before the burn-in, as LCMCR's initialisation does.
WARM_UP = 500
#: R-hat above this means the chains disagree (Vehtari et al. 2021).
RHAT_LIMIT = 1.01
#: Bulk ESS below this many per chain is too few for stable quantiles (Vehtari et al. 2021).
ESS_PER_CHAIN = 100

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True)
def _log_gamma_variate(rng: np.random.Generator, shape: float) -> float:
    """``log`` of a Gamma(shape, 1) draw that stays finite for tiny shapes.

    For ``shape < 1`` uses ``G(shape) = G(shape + 1) * U^(1/shape)``, in logs: a direct draw
    underflows to 0 when the stick-breaking concentration is small.
    """
    if shape < 1.0:
        return math.log(rng.standard_gamma(shape + 1.0)) + math.log(rng.random()) / shape
    return math.log(rng.standard_gamma(shape))


@numba.njit(cache=True, nogil=True)
def multinomial_from_logs(
    rng: np.random.Generator, size: int, log_q: FloatArray, out: IntArray
) -> None:
    """Draw ``size`` people into ``len(log_q)`` classes with weights ``exp(log_q)`` (unnormalised).

    As successive binomials on the remaining people and mass: one draw per class, not per person.
    """
    top = log_q.max()
    mass = 0.0
    last = 0  # the last class with any weight takes whoever is left (no rounding leaks)
    for c in range(log_q.shape[0]):
        q = math.exp(log_q[c] - top)
        mass += q
        if q > 0.0:
            last = c
    left = size
    for c in range(log_q.shape[0]):
        out[c] = 0
        q = math.exp(log_q[c] - top)
        if left == 0 or q == 0.0:
            continue  # impossible classes (structural zeros) cost no draw
        x = left if c == last else rng.binomial(left, min(1.0, q / mass))
        out[c] = x
        left -= x
        mass -= q


@numba.njit(cache=True, nogil=True)
def stick_breaking(
    rng: np.random.Generator, totals: IntArray, alpha: float, log_nu: FloatArray
) -> float:
    """Redraw the stick-breaking weights given class sizes; returns ``log(1 - V)`` summed.

    ``V_c ~ Beta(1 + m_c, alpha + people in later classes)``, drawn as two log-gammas so that
    tiny weights do not underflow. The return value, ``sum_c log(1 - V_c) = log nu_K``, is what
    the concentration's update needs.
    """
    k = totals.shape[0]
    beyond = totals.sum()
    rest = 0.0  # log prod_{l<c} (1 - V_l)
    for c in range(k - 1):
        beyond -= totals[c]
        log_a = _log_gamma_variate(rng, 1.0 + totals[c])
        log_b = _log_gamma_variate(rng, alpha + beyond)
        top = max(log_a, log_b)
        log_sum = top + math.log(math.exp(log_a - top) + math.exp(log_b - top))
        log_nu[c] = log_a - log_sum + rest
        rest += log_b - log_sum
    log_nu[k - 1] = rest
    return rest


@numba.njit(cache=True, nogil=True)
def _run_chain(
    rng: np.random.Generator,
    patterns: IntArray,
    counts: IntArray,
    lam: FloatArray,
    a_alpha: float,
    b_alpha: float,
    burn_in: int,
    draws: int,
    thin: int,
) -> IntArray:
    """One Gibbs chain from the starting ``lam`` (lists x classes); the kept draws of ``N``."""
    n_lists, k = lam.shape
    n_cells = counts.shape[0]
    n = counts.sum()
    # LCMCR's starting weights: most mass on four classes, alpha small during the warm-up.
    log_nu = np.empty(k)
    for c in range(k):
        log_nu[c] = math.log(0.9 / min(4, k)) if c < 4 else math.log(0.1 / max(k - 4, 1))
    log_nu -= math.log(np.exp(log_nu).sum())
    alpha = 0.3 / k
    kept = np.empty(draws, dtype=np.int64)
    log_odds = np.empty((n_lists, k))
    log_miss = np.empty(k)  # log prod_j (1 - lambda[j, k]): the class's chance of no list
    log_q = np.empty(k)
    drawn = np.empty(k, dtype=np.int64)
    seen = np.empty((n_lists, k), dtype=np.int64)
    totals = np.empty(k, dtype=np.int64)
    for sweep in range(WARM_UP + burn_in + draws * thin):
        log_miss[:] = 0.0
        for j in range(n_lists):
            for c in range(k):
                log_odds[j, c] = math.log(lam[j, c]) - math.log1p(-lam[j, c])
                log_miss[c] += math.log1p(-lam[j, c])
        # (n0, z0, z) | lambda, nu: n0 with z0 integrated out, then each cell's classes.
        p_zero = 0.0
        for c in range(k):
            p_zero += math.exp(log_nu[c] + log_miss[c])
        n0 = rng.negative_binomial(n, max(1.0 - p_zero, 1e-12))
        seen[:] = 0
        totals[:] = 0
        for m in range(n_cells + 1):
            size = n0 if m == n_cells else counts[m]
            if size == 0:
                continue
            for c in range(k):
                log_q[c] = log_nu[c] + log_miss[c]
                if m < n_cells:
                    for j in range(n_lists):
                        if patterns[m, j]:
                            log_q[c] += log_odds[j, c]
            multinomial_from_logs(rng, size, log_q, drawn)
            for c in range(k):
                totals[c] += drawn[c]
                if m < n_cells:
                    for j in range(n_lists):
                        if patterns[m, j]:
                            seen[j, c] += drawn[c]
        for j in range(n_lists):
            for c in range(k):
                lam[j, c] = rng.beta(1.0 + seen[j, c], 1.0 + totals[c] - seen[j, c])
        rest = stick_breaking(rng, totals, alpha, log_nu)
        if sweep >= WARM_UP:
            alpha = rng.gamma(a_alpha + k - 1, 1.0 / (b_alpha - rest))
            kept_at = sweep - WARM_UP - burn_in
            if kept_at >= 0 and (kept_at + 1) % thin == 0:
                kept[kept_at // thin] = n + n0
    return kept


def _chain_seeds(seed: Seed, chains: int) -> list[np.random.SeedSequence]:
    """One independent child seed per chain (a Generator seeds the parent sequence)."""
    if isinstance(seed, np.random.Generator):
        root = np.random.SeedSequence(int(seed.integers(0, 2**63)))
    else:
        root = np.random.SeedSequence(seed)
    return root.spawn(chains)


# Hyperparameter checks, declared once: name -> (test, what is allowed).
_CONSTRAINTS: dict[str, tuple[Any, str]] = {
    "max_classes": (lambda v: isinstance(v, int) and v >= 2, "an integer >= 2"),
    "a_alpha": (lambda v: isinstance(v, int | float) and v > 0, "a number > 0"),
    "b_alpha": (lambda v: isinstance(v, int | float) and v > 0, "a number > 0"),
    "burn_in": (lambda v: isinstance(v, int) and v >= 0, "an integer >= 0"),
    "draws": (lambda v: isinstance(v, int) and v >= 4, "an integer >= 4"),
    "thin": (lambda v: isinstance(v, int) and v >= 1, "an integer >= 1"),
    "chains": (lambda v: isinstance(v, int) and v >= 1, "an integer >= 1"),
    "jobs": (lambda v: v is None or (isinstance(v, int) and v >= 1), "None or an integer >= 1"),
    "level": (lambda v: isinstance(v, float) and 0 < v < 1, "a number in (0, 1)"),
}


class StickBreakingSampler:
    """What the latent-class samplers share: hyperparameters, parallel chains, diagnostics.

    Subclasses define ``fit`` and ``_estimate`` for their kind of table; see
    :class:`LatentClass` for the parameters.
    """

    #: The method's name in messages and results.
    name = "lcmcr"
    #: Hyperparameter checks: name -> (test, what is allowed).
    constraints: dict[str, tuple[Any, str]] = _CONSTRAINTS

    def __init__(
        self,
        *,
        max_classes: int = 10,
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        burn_in: int = 10_000,
        draws: int = 1_000,
        thin: int = 100,
        chains: int = 4,
        jobs: int | None = None,
        seed: Seed = None,
        level: float = 0.95,
    ) -> None:
        self.max_classes = max_classes
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.burn_in = burn_in
        self.draws = draws
        self.thin = thin
        self.chains = chains
        self.jobs = jobs
        self.seed = seed
        self.level = level

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        return {
            "max_classes": self.max_classes,
            "a_alpha": self.a_alpha,
            "b_alpha": self.b_alpha,
            "burn_in": self.burn_in,
            "draws": self.draws,
            "thin": self.thin,
            "chains": self.chains,
            "jobs": self.jobs,
            "seed": self.seed,
            "level": self.level,
        }

    def _check_params(self) -> None:
        for name, (allowed, text) in self.constraints.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not allowed(value):
                raise SettingsError(f"{self.name}: {name} must be {text} (got {value!r})")

    def _sample(self, chain: Any) -> IntArray:
        """Run ``chain(seed)`` once per chain, in threads, and stack the kept draws."""
        seeds = _chain_seeds(self.seed, self.chains)
        jobs = min(self.chains, os.cpu_count() or 1) if self.jobs is None else self.jobs
        # The compiled sampler releases the GIL, so threads run chains truly in parallel.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return np.stack(list(pool.map(chain, seeds)))

    def _diagnose(self, draws: IntArray) -> None:
        """Set ``draws_`` (of N), ``rhat_`` and ``ess_``."""
        self.draws_: IntArray = draws
        self.rhat_ = rhat(draws) if self.chains > 1 else float("nan")
        self.ess_ = ess(draws)

    def _convergence_warnings(self) -> list[str]:
        found: list[str] = []
        if self.chains > 1 and math.isfinite(self.rhat_) and self.rhat_ > RHAT_LIMIT:
            found.append(
                f"{self.name}: the chains have not converged (R-hat {self.rhat_:.3f} > "
                f"{RHAT_LIMIT}); do not quote this number: run longer chains (--burn-in, "
                "--draws, --thin)"
            )
        if self.chains == 1:
            found.append(
                f"{self.name}: one chain only, so convergence cannot be checked (R-hat needs "
                "--chains 2 or more)"
            )
        if math.isfinite(self.ess_) and self.ess_ < ESS_PER_CHAIN * self.chains:
            found.append(
                f"{self.name}: effective sample size {self.ess_:.0f} is below {ESS_PER_CHAIN} "
                "per chain; the interval ends are imprecise: run longer chains (--draws, --thin)"
            )
        return found

    def _interval(self, draws: IntArray) -> tuple[float, float, float]:
        """Median and equal-tailed interval ends of pooled draws."""
        tail = (1.0 - self.level) / 2.0
        lower, median, upper = np.quantile(draws.astype(np.float64), [tail, 0.5, 1.0 - tail])
        return float(median), float(lower), float(upper)

    def _diagnostics(self) -> dict[str, Any]:
        """The MCMC settings and convergence figures every result carries."""
        return {
            "posterior_mean": float(self.draws_.mean()),
            "rhat": self.rhat_ if math.isfinite(self.rhat_) else None,
            "ess": self.ess_ if math.isfinite(self.ess_) else None,
            "chains": self.chains,
            "draws_per_chain": self.draws,
            "burn_in": self.burn_in,
            "warm_up": WARM_UP,
            "thin": self.thin,
            "iterations": WARM_UP + self.burn_in + self.draws * self.thin,
            "max_classes": self.max_classes,
            "a_alpha": float(self.a_alpha),
            "b_alpha": float(self.b_alpha),
            "prior_n": "1/N",
        }


class LatentClass(StickBreakingSampler):
    """Bayesian non-parametric latent-class capture-recapture (LCMCR), by Gibbs sampling.

    Parameters
    ----------
    max_classes : int, default 10
        Truncation ``K`` of the stick-breaking prior (``--classes``); at least 2.
    a_alpha, b_alpha : float, default 0.25
        Shape and rate of the Gamma prior on the concentration ``alpha``.
    burn_in : int, default 10_000
        Sweeps discarded per chain after the 500 warm-up sweeps (``--burn-in``).
    draws : int, default 1_000
        Draws kept per chain (``--draws``); at least 4.
    thin : int, default 100
        Keep one sweep in ``thin`` (``--thin``). Defaults equal the R reference runs
        (burn-in 10,000, 1,000 samples thinned by 100), per chain.
    chains : int, default 4
        Independent chains (``--chains``), needed for R-hat.
    jobs : int or None, default None
        Threads to run chains in; ``None`` uses one per chain up to the number of CPUs. The
        draws do not depend on it.
    seed : int, numpy.random.Generator or None
        Seed; the same seed gives the same draws and the same JSON.
    level : float, default 0.95
        Level of the equal-tailed credible interval.

    Attributes
    ----------
    draws_ : numpy.ndarray
        ``(chain, draw)`` posterior draws of the total population ``N``.
    rhat_ : float
        Rank-normalised split R-hat of ``draws_``.
    ess_ : float
        Bulk effective sample size of ``draws_``.
    estimate_ : Estimate
        Posterior median, equal-tailed credible interval, warnings and diagnostics.

    Raises
    ------
    SettingsError
        A hyperparameter outside its allowed values.
    NotEstimableError
        Fewer than 3 lists (a latent-class mixture is not identified from 2) or no one observed.

    Warns
    -----
    ConvergenceWarning
        R-hat above 1.01 or bulk ESS below 100 per chain; the same text is in
        ``estimate_.warnings``.

    Notes
    -----
    Assumes a closed population and no list-to-list dependence beyond what the latent classes
    (heterogeneous visibility) induce. On large sparse tables the posterior of ``N`` can have a
    long upper tail that chains explore slowly: check R-hat and run longer rather than quoting a
    number that came with a convergence warning.

    References
    ----------
    Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process
    mixtures. *Biometrics* 72(4), 1246-1254.

    Examples
    --------
    >>> cells = [0, 30, 25, 8, 20, 6, 5, 3]     # bitmask-indexed counts of 3 lists
    >>> table = CaptureHistories.from_cells(("A", "B", "C"), cells)
    >>> fit = LatentClass(burn_in=500, draws=200, thin=10, chains=2, jobs=1, seed=1).fit(table)
    >>> fit.draws_.shape
    (2, 200)
    >>> fit.estimate_.method, fit.estimate_.interval.kind, fit.estimate_.warnings
    ('lcmcr', 'credible', ())
    """

    def fit(self, table: CaptureHistories) -> Self:
        """Sample the posterior of the population size; sets ``draws_``, ``rhat_``, ``ess_``,
        ``estimate_``."""
        self._check_params()
        if table.n_lists < 3:
            raise NotEstimableError(
                f"lcmcr needs at least 3 lists (got {table.n_lists}): with 2 lists a latent-class "
                "mixture cannot be told apart from the people on no list; use a log-linear method"
            )
        if table.observed == 0:
            raise NotEstimableError("lcmcr: the table has no observed people")
        patterns = table.patterns.astype(np.int64)
        counts = table.counts.astype(np.int64)
        rates = patterns.T @ counts / table.observed

        def chain(seed: np.random.SeedSequence) -> IntArray:
            rng = np.random.default_rng(seed)
            # Each chain starts every class at the lists' capture rates, jittered so that
            # R-hat compares chains that started apart.
            jitter = np.exp(rng.normal(0.0, 0.3, (len(rates), self.max_classes)))
            lam = np.clip(rates[:, None] * jitter, 0.02, 0.98)
            kept: IntArray = _run_chain(
                rng,
                patterns,
                counts,
                lam,
                float(self.a_alpha),
                float(self.b_alpha),
                self.burn_in,
                self.draws,
                self.thin,
            )
            return kept

        self._diagnose(self._sample(chain))
        self.estimate_ = self._estimate(table)
        return self

    def _estimate(self, table: CaptureHistories) -> Estimate:
        median, lower, upper = self._interval(self.draws_.ravel())
        found = self._convergence_warnings()
        for message in found:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)
        return Estimate(
            lists=table.lists,
            observed=table.observed,
            method=self.name,
            model=(f"latent-class K={self.max_classes}",),
            estimate=median,
            dark_figure=median - table.observed,
            interval=Interval(level=self.level, lower=lower, upper=upper, kind="credible"),
            warnings=tuple(found),
            diagnostics=self._diagnostics(),
        )
