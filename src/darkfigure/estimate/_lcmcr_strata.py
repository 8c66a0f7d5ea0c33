"""Latent classes within eligibility strata (``--method lcmcr-strata``; issue 9).

Real lists see only part of the population (a consulate its nationals, the Labour Department
domestic helpers) and victims differ in visibility, partly in ways the records explain
(citizenship, visa) and partly not. This model extends LCMCR (Manrique-Vallier 2016, see
:mod:`darkfigure.estimate._lcmcr`) in three ways:

* **Structural zeros.** People belong to strata (the eligibility strata of the lists description,
  crossed with any further covariates). A list that cannot see a stratum contributes nothing to
  its people's likelihood: its zeros there are not evidence of low capture.
* **Covariates with partial pooling.** The latent classes, each with its capture probabilities
  ``lambda[j, k]``, are shared by all strata; each stratum has its own class weights ``nu[s]``
  (a truncated stick-breaking prior per stratum, one concentration ``alpha`` for all). A sparse
  stratum borrows the classes' capture profiles from the others and keeps its own mix of them.
* **Missing covariates.** A person whose stratum the records do not settle (a hotline caller of
  unknown nationality) is allocated to a stratum inside the sampler, among the strata consistent
  with what was recorded and with the lists that saw them, in proportion to the model.

Model: ``rho ~ Dirichlet(a_rho)`` over strata; ``nu[s] ~ SB_K(alpha)``;
``alpha ~ Gamma(a_alpha, b_alpha)``; ``lambda[j, k] ~ Beta(1, 1)``; ``p(N) ∝ 1/N``. A person in
stratum ``s`` and class ``k`` is on list ``j`` with probability ``lambda[j, k]`` if ``j`` sees
``s`` and never otherwise.

Each Gibbs sweep draws

1. ``n0 ~ NegBin(n, 1 - p0)`` with ``p0 = sum_s rho_s sum_k nu[s, k] prod_{j sees s} (1 -
   lambda[j, k])`` (stratum and class of the unobserved integrated out), then the (stratum,
   class) counts of every observed cell (a multinomial over its compatible strata and all
   classes) and of the ``n0`` unobserved people;
2. ``lambda[j, k] ~ Beta(1 + seen, 1 + unseen)`` counting only people in strata ``j`` sees;
3. each stratum's stick-breaking weights, then ``alpha ~ Gamma(a_alpha + S(K - 1), b_alpha -
   sum_s log nu[s, K])``;
4. ``rho ~ Dirichlet(a_rho + m_s)`` from the stratum sizes ``m_s``.

The draws of ``N`` and of every stratum's size ``N_s`` are kept.

References
----------
Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process
mixtures. *Biometrics* 72(4), 1246-1254.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Self

import numba
import numpy as np
import numpy.typing as npt

from darkfigure.errors import ConvergenceWarning, NotEstimableError
from darkfigure.estimate._base import Seed
from darkfigure.estimate._lcmcr import (
    _CONSTRAINTS,
    WARM_UP,
    StickBreakingSampler,
    multinomial_from_logs,
    stick_breaking,
)
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.stratified_histories import StratifiedHistories

__all__ = ["StratifiedLatentClass"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@numba.njit(cache=True, nogil=True)
def _run_chain(
    rng: np.random.Generator,
    patterns: IntArray,
    counts: IntArray,
    starts: IntArray,
    options: IntArray,
    eligible: BoolArray,
    lam: FloatArray,
    log_rho: FloatArray,
    a_rho: float,
    a_alpha: float,
    b_alpha: float,
    burn_in: int,
    draws: int,
    thin: int,
) -> IntArray:
    """One chain from the starting ``lam`` and ``log_rho``; kept draws of ``(N, N_1..N_S)``.

    Cell ``m``'s possible strata are ``options[starts[m]:starts[m + 1]]`` (most cells have one,
    so the allocation loops over those only); the last range, for the unobserved, is all.
    """
    n_lists, k = lam.shape
    n_cells = counts.shape[0]
    n_strata = eligible.shape[0]
    n = counts.sum()
    log_nu = np.empty((n_strata, k))
    for s in range(n_strata):
        for c in range(k):
            log_nu[s, c] = math.log(0.9 / min(4, k)) if c < 4 else math.log(0.1 / max(k - 4, 1))
        log_nu[s] -= math.log(np.exp(log_nu[s]).sum())
    alpha = 0.3 / k
    kept = np.empty((draws, n_strata + 1), dtype=np.int64)
    log_odds = np.empty((n_lists, k))
    log_miss = np.empty((n_strata, k))  # log prod_{j sees s} (1 - lambda[j, k])
    log_q = np.empty(n_strata * k)
    drawn = np.empty(n_strata * k, dtype=np.int64)
    seen = np.empty((n_lists, k), dtype=np.int64)
    size_sk = np.empty((n_strata, k), dtype=np.int64)
    log_g = np.empty(n_strata)
    for sweep in range(WARM_UP + burn_in + draws * thin):
        for j in range(n_lists):
            for c in range(k):
                log_odds[j, c] = math.log(lam[j, c]) - math.log1p(-lam[j, c])
        p_zero = 0.0
        for s in range(n_strata):
            for c in range(k):
                log_miss[s, c] = 0.0
                for j in range(n_lists):
                    if eligible[s, j]:
                        log_miss[s, c] += math.log1p(-lam[j, c])
                p_zero += math.exp(log_rho[s] + log_nu[s, c] + log_miss[s, c])
        n0 = rng.negative_binomial(n, max(1.0 - p_zero, 1e-12))
        seen[:] = 0
        size_sk[:] = 0
        for m in range(n_cells + 1):
            size = n0 if m == n_cells else counts[m]
            if size == 0:
                continue
            first, stop = starts[m], starts[m + 1]
            width = (stop - first) * k
            for i in range(first, stop):
                s = options[i]
                for c in range(k):
                    at = (i - first) * k + c
                    log_q[at] = log_rho[s] + log_nu[s, c] + log_miss[s, c]
                    if m < n_cells:
                        for j in range(n_lists):
                            if patterns[m, j] and eligible[s, j]:
                                log_q[at] += log_odds[j, c]
            multinomial_from_logs(rng, size, log_q[:width], drawn[:width])
            for i in range(first, stop):
                s = options[i]
                for c in range(k):
                    x = drawn[(i - first) * k + c]
                    if x == 0:
                        continue
                    size_sk[s, c] += x
                    if m < n_cells:
                        for j in range(n_lists):
                            if patterns[m, j] and eligible[s, j]:
                                seen[j, c] += x
        for j in range(n_lists):
            for c in range(k):
                at_risk = 0
                for s in range(n_strata):
                    if eligible[s, j]:
                        at_risk += size_sk[s, c]
                lam[j, c] = rng.beta(1.0 + seen[j, c], 1.0 + at_risk - seen[j, c])
        rest = 0.0
        for s in range(n_strata):
            rest += stick_breaking(rng, size_sk[s], alpha, log_nu[s])
        if sweep >= WARM_UP:
            alpha = rng.gamma(a_alpha + n_strata * (k - 1), 1.0 / (b_alpha - rest))
        # rho ~ Dirichlet(a_rho + m_s) as normalised log-gammas (small strata must not underflow).
        for s in range(n_strata):
            log_g[s] = math.log(rng.standard_gamma(a_rho + size_sk[s].sum()) + 1e-300)
        top = log_g.max()
        norm = top + math.log(np.exp(log_g - top).sum())
        for s in range(n_strata):
            log_rho[s] = log_g[s] - norm
        if sweep >= WARM_UP:
            kept_at = sweep - WARM_UP - burn_in
            if kept_at >= 0 and (kept_at + 1) % thin == 0:
                row = kept_at // thin
                kept[row, 0] = n + n0
                for s in range(n_strata):
                    kept[row, s + 1] = size_sk[s].sum()
    return kept


_STRATA_CONSTRAINTS: dict[str, tuple[Any, str]] = {
    **_CONSTRAINTS,
    "a_rho": (lambda v: isinstance(v, int | float) and v > 0, "a number > 0"),
}


class StratifiedLatentClass(StickBreakingSampler):
    """Latent-class capture-recapture within eligibility strata, by Gibbs sampling.

    Parameters
    ----------
    max_classes : int, default 10
        Truncation ``K`` of each stratum's stick-breaking prior (``--classes``).
    a_alpha, b_alpha : float, default 0.25
        Shape and rate of the Gamma prior on the shared concentration ``alpha``.
    a_rho : float, default 0.5
        Dirichlet parameter of the stratum shares (0.5: Jeffreys).
    burn_in, draws, thin, chains : int
        MCMC settings, per chain, as :class:`~darkfigure.estimate._lcmcr.LatentClass`
        (10,000 / 1,000 / 100 / 4).
    jobs : int or None
        Threads to run chains in; the draws do not depend on it.
    seed : int, numpy.random.Generator or None
        Seed; the same seed gives the same draws.
    level : float, default 0.95
        Level of the equal-tailed credible intervals.

    Attributes
    ----------
    draws_ : numpy.ndarray
        ``(chain, draw)`` posterior draws of the total ``N``.
    strata_draws_ : numpy.ndarray
        ``(chain, draw, stratum)`` posterior draws of each stratum's size.
    rhat_, ess_ : float
        Split R-hat and bulk ESS of ``draws_``.
    estimate_ : Estimate
        Posterior median and interval of ``N``; ``diagnostics["strata"]`` holds each stratum's
        observed count, median and interval.

    Raises
    ------
    SettingsError
        A hyperparameter outside its allowed values.
    NotEstimableError
        A stratum that people were seen in is visible to fewer than 3 lists (its latent classes
        cannot be told apart from its unobserved people), or no one was observed.

    Examples
    --------
    >>> import pandas as pd
    >>> from darkfigure.eligibility import ListsDescription
    >>> lists = ListsDescription.from_mapping({"lists": {
    ...     "A": {"sees": "all"}, "B": {"sees": "all"}, "C": {"sees": "all"},
    ...     "D": {"sees": {"sex": ["F"]}}}})
    >>> rows = [("A", 1, "F"), ("B", 1, "F"), ("D", 1, "F"), ("A", 2, "M"), ("C", 3, ""),
    ...         ("B", 4, "M"), ("C", 4, "M"), ("D", 5, "F"), ("A", 6, "F"), ("B", 7, "M")]
    >>> records = pd.DataFrame(rows, columns=["list_name", "person_key", "sex"])
    >>> from darkfigure.stratified_histories import stratify_histories
    >>> table = stratify_histories(records, lists)
    >>> fit = StratifiedLatentClass(burn_in=200, draws=100, thin=5, chains=2, jobs=1, seed=1)
    >>> fit.fit(table).strata_draws_.shape
    (2, 100, 2)
    """

    name = "lcmcr-strata"
    constraints = _STRATA_CONSTRAINTS

    def __init__(
        self,
        *,
        max_classes: int = 10,
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        a_rho: float = 0.5,
        burn_in: int = 10_000,
        draws: int = 1_000,
        thin: int = 100,
        chains: int = 4,
        jobs: int | None = None,
        seed: Seed = None,
        level: float = 0.95,
    ) -> None:
        super().__init__(
            max_classes=max_classes, a_alpha=a_alpha, b_alpha=b_alpha, burn_in=burn_in,
            draws=draws, thin=thin, chains=chains, jobs=jobs, seed=seed, level=level,
        )  # fmt: skip
        self.a_rho = a_rho

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        return {**super().get_params(), "a_rho": self.a_rho}

    def fit(self, table: StratifiedHistories) -> Self:
        """Sample the posterior; sets ``draws_``, ``strata_draws_``, ``rhat_``, ``ess_``,
        ``estimate_``."""
        self._check_params()
        if table.observed == 0:
            raise NotEstimableError("lcmcr-strata: the table has no observed people")
        eligible = np.array([s.eligible for s in table.strata], dtype=np.bool_)
        reachable = np.asarray(table.compatible.any(axis=0), dtype=bool)
        thin_strata = [
            s.label for s, ok, e in zip(table.strata, reachable, eligible, strict=True)
            if ok and e.sum() < 3
        ]  # fmt: skip
        if thin_strata:
            raise NotEstimableError(
                "lcmcr-strata: fewer than 3 lists can see the stratum "
                f"{'; '.join(thin_strata)}: its people on no list cannot be estimated from the "
                "lists alone; merge the lists that see it or drop the covariate"
            )
        patterns = table.patterns.astype(np.int64)
        counts = table.counts.astype(np.int64)
        compatible = table.compatible
        # Each cell's possible strata as ranges of one flat array; the unobserved can be anywhere.
        rows, options = np.nonzero(np.vstack([compatible, np.ones(len(eligible), dtype=bool)]))
        starts = np.searchsorted(rows, np.arange(len(counts) + 2)).astype(np.int64)
        options = options.astype(np.int64)
        rates = patterns.T @ counts / table.observed
        # Starting stratum shares: the people whose stratum is settled, plus a little for all.
        settled = compatible.sum(axis=1) == 1
        start_rho = counts[settled] @ compatible[settled] + 1.0

        def chain(seed: np.random.SeedSequence) -> IntArray:
            rng = np.random.default_rng(seed)
            jitter = np.exp(rng.normal(0.0, 0.3, (len(rates), self.max_classes)))
            lam = np.clip(rates[:, None] * jitter, 0.02, 0.98)
            log_rho = np.log(start_rho / start_rho.sum())
            kept: IntArray = _run_chain(
                rng, patterns, counts, starts, options, eligible, lam, log_rho,
                float(self.a_rho), float(self.a_alpha), float(self.b_alpha),
                self.burn_in, self.draws, self.thin,
            )  # fmt: skip
            return kept

        rows = self._sample(chain)
        self._diagnose(rows[:, :, 0])
        self.strata_draws_: IntArray = rows[:, :, 1:]
        self.estimate_ = self._estimate(table)
        return self

    def _estimate(self, table: StratifiedHistories) -> Estimate:
        median, lower, upper = self._interval(self.draws_.ravel())
        strata = []
        observed = table.observed_by_stratum()
        for i, stratum in enumerate(table.strata):
            s_median, s_lower, s_upper = self._interval(self.strata_draws_[:, :, i].ravel())
            strata.append(
                {
                    "stratum": stratum.label,
                    "levels": dict(stratum.levels),
                    "lists": [n for n, e in zip(table.lists, stratum.eligible, strict=True) if e],
                    "observed_settled": int(observed[i]),
                    "estimate": s_median,
                    "lower": s_lower,
                    "upper": s_upper,
                }
            )
        convergence = self._convergence_warnings()
        for message in convergence:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)
        found = [*convergence, *table.notes]
        return Estimate(
            lists=table.lists,
            observed=table.observed,
            method=self.name,
            model=(
                f"latent-class K={self.max_classes} within strata of "
                f"{', '.join(table.fields) or 'none'}",
            ),
            estimate=median,
            dark_figure=median - table.observed,
            interval=Interval(level=self.level, lower=lower, upper=upper, kind="credible"),
            warnings=tuple(found),
            diagnostics={
                **self._diagnostics(),
                "a_rho": float(self.a_rho),
                "fields": list(table.fields),
                "strata": strata,
            },
        )
