"""Convergence diagnostics for MCMC draws held as ``(chain, draw)`` arrays, NumPy only.

These are the diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), as Stan and
arviz-stats compute them:

* :func:`rhat` -- rank-normalised split R-hat: the larger of the R-hat of the rank-normalised
  split chains ("bulk") and of the rank-normalised absolute deviations from the median ("tail").
  Values above 1.01 mean the chains have not mixed.
* :func:`ess` -- bulk effective sample size: the ESS of the rank-normalised split chains, with
  autocorrelations summed by Geyer's initial monotone sequence.

Split chains (each chain cut in two halves) make a chain that drifts look like two chains that
disagree; rank normalisation makes both statistics work for heavy-tailed draws such as a
posterior population size.

References
----------
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC. *Bayesian
Analysis* 16(2), 667-718.

Examples
--------
>>> rng = np.random.default_rng(1)
>>> draws = rng.normal(size=(4, 1000))
>>> bool(abs(rhat(draws) - 1) < 0.01)
True
>>> bool(3000 < ess(draws) < 5000)
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import rankdata

__all__ = ["ess", "rhat"]

FloatArray = npt.NDArray[np.float64]


def _as_chains(draws: npt.ArrayLike) -> FloatArray:
    """Draws as a float ``(chain, draw)`` array (a 1-D array is one chain)."""
    array = np.asarray(draws, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"draws must be a (chain, draw) array, got shape {array.shape}")
    return array


def _split(chains: FloatArray) -> FloatArray:
    """Each chain cut into two halves (the middle draw dropped when the length is odd)."""
    half = chains.shape[1] // 2
    return np.concatenate([chains[:, :half], chains[:, chains.shape[1] - half :]], axis=0)


def _rank_normalise(chains: FloatArray) -> FloatArray:
    """Normal scores of the pooled ranks (average ranks for ties, Blom's offset 3/8)."""
    ranks = rankdata(chains, method="average").reshape(chains.shape)
    return np.asarray(ndtri((ranks - 0.375) / (chains.size + 0.25)), dtype=np.float64)


def _is_constant(chains: FloatArray) -> bool:
    return bool(np.ptp(chains) <= np.finfo(np.float64).resolution * max(1.0, np.abs(chains).max()))


def _classic_rhat(chains: FloatArray) -> float:
    """Gelman-Rubin potential scale reduction of already split chains."""
    n = chains.shape[1]
    within = chains.var(axis=1, ddof=1).mean()
    between = n * chains.mean(axis=1).var(ddof=1)
    pooled = (n - 1) / n * within + between / n
    return float(np.sqrt(pooled / within))


def rhat(draws: npt.ArrayLike) -> float:
    """Rank-normalised split R-hat (the maximum of the bulk and tail versions).

    Parameters
    ----------
    draws
        ``(chain, draw)`` array; at least 4 draws per chain.

    Returns
    -------
    float
        About 1 when the chains agree; ``nan`` when every draw is the same value or there are too
        few draws to judge.
    """
    chains = _as_chains(draws)
    if chains.shape[1] < 4 or _is_constant(chains):
        return float("nan")
    split = _split(chains)
    bulk = _classic_rhat(_rank_normalise(split))
    folded = np.abs(split - np.median(split))
    tail = bulk if _is_constant(folded) else _classic_rhat(_rank_normalise(folded))
    return max(bulk, tail)


def _autocovariance(chains: FloatArray) -> FloatArray:
    """Biased autocovariance of each chain at every lag, by FFT (zero-padded, no wrap-around)."""
    n = chains.shape[1]
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov: FloatArray = np.fft.irfft(spectrum * spectrum.conj(), n=size, axis=1)[:, :n] / n
    return acov


def _ess_of_chains(chains: FloatArray) -> float:
    """ESS of (already split, already transformed) chains, as Stan computes it."""
    n_chains, n = chains.shape
    total = n_chains * n
    if _is_constant(chains):
        return float(total)
    acov = _autocovariance(chains)
    within = acov[:, 0].mean() * n / (n - 1)
    pooled = within * (n - 1) / n
    if n_chains > 1:
        pooled += chains.mean(axis=1).var(ddof=1)
    rho = 1.0 - (within - acov.mean(axis=0)) / pooled
    rho[0] = 1.0
    # Geyer's initial positive sequence: sum pairs (rho[2m] + rho[2m+1]) while they stay positive.
    n_pairs = (n - 1) // 2
    pairs = rho[0 : 2 * n_pairs : 2] + rho[1 : 2 * n_pairs : 2]
    negative = np.nonzero(pairs < 0)[0]
    kept = pairs[: negative[0]] if negative.size else pairs
    # ... made monotone (each pair sum no larger than the one before), which lowers variance.
    kept = np.minimum.accumulate(kept)
    tau = -1.0 + 2.0 * float(kept.sum())
    # Stan's floor keeps an antithetic chain from claiming an absurd ESS.
    tau = max(tau, 1.0 / np.log10(total))
    return float(total / tau)


def ess(draws: npt.ArrayLike) -> float:
    """Bulk effective sample size of the draws (rank-normalised split chains).

    Parameters
    ----------
    draws
        ``(chain, draw)`` array; at least 4 draws per chain.

    Returns
    -------
    float
        About ``chain * draw`` for independent draws, far less for sticky chains; ``nan`` when
        there are too few draws.
    """
    chains = _as_chains(draws)
    if chains.shape[1] < 4:
        return float("nan")
    if _is_constant(chains):
        return float(chains.size)
    return _ess_of_chains(_rank_normalise(_split(chains)))
