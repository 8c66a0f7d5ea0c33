"""The bootstrap as a wrapper estimator: selection is redone in every replicate.

All replicate tables are drawn up front from one seeded Generator, so the result depends on the
seed only — not on how many processes share the work. Replicates are refitted through the inner
estimator's batched ``replicate_totals`` when it has one (log-linear methods), else by fitting a
clone per replicate. Intervals are percentile or BCa (Efron 1987; DiCiccio & Efron 1996) with
the acceleration from a delete-one-person jackknife, each history's value counted as many times
as it has people — exactly as SparseMSE's ``estimatepopulation`` and MultipleSystemsEstimation do.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from statistics import NormalDist
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._base import Estimator, Seed, clone, make_rng
from darkfigure.estimate._result import Interval
from darkfigure.estimate._threads import single_blas_thread
from darkfigure.histories import CaptureHistories

__all__ = ["Bootstrap", "bca_limits"]

FloatArray = npt.NDArray[np.float64]
KINDS = ("bca", "percentile")
RESAMPLES = ("multinomial", "parametric")
#: Replicates in the first task, run in this process and timed to decide on worker processes.
PROBE = 50
#: Most replicates per later task. Large tasks make large Newton batches (the per-call cost of
#: NumPy dominates small ones); tasks are fixed by the number of tables alone, never by the
#: number of processes, so the result does not depend on ``jobs``.
CHUNK = 250
#: With ``jobs=None``, worker processes are started when the remaining replicates would take
#: longer than this in one process (seconds).
POOL_SECONDS = 0.3
_NORMAL = NormalDist()


def _quantile(values: FloatArray, probs: FloatArray) -> FloatArray:
    """R's ``quantile(type = 8)`` (median-unbiased), as SparseMSE uses."""
    out: FloatArray = np.quantile(values, probs, method="median_unbiased")
    return out


def bca_limits(
    replicates: FloatArray, point: float, acceleration: float, probs: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """BCa limits at ``probs`` and the adjusted percentiles actually used.

    Examples
    --------
    >>> reps = np.arange(1.0, 1001.0)
    >>> limits, used = bca_limits(reps, 500.5, 0.0, np.array([0.025, 0.975]))
    >>> used.round(3).tolist()
    [0.025, 0.975]
    """
    z0 = _ndtri(float(np.mean(replicates < point)))
    za = np.array([_ndtri(float(p)) for p in probs])
    shifted = z0 + za
    adjusted = np.array(
        [_NORMAL.cdf(float(z)) for z in z0 + shifted / (1.0 - acceleration * shifted)]
    )
    return _quantile(replicates, adjusted), adjusted


def _ndtri(p: float) -> float:
    """Standard normal quantile, ±inf at 0 and 1 (as ``scipy.special.ndtri``, without SciPy)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return _NORMAL.inv_cdf(p)


class Bootstrap:
    """Bootstrap interval around any estimator, refitting (and reselecting) per replicate.

    Parameters
    ----------
    estimator
        The inner estimator (unfitted); it is cloned, never modified.
    n_resamples
        Number of bootstrap replicates (1,000 as in the R packages).
    kind
        ``"bca"`` (default, as SparseMSE) or ``"percentile"``.
    resample
        ``"multinomial"``: the observed people are resampled (the counts of the observed
        histories drawn from a multinomial with the observed proportions; SparseMSE,
        MultipleSystemsEstimation). ``"parametric"``: the number observed is drawn as
        Binomial(N̂, n/N̂) and the histories from the fitted model's probabilities.
    seed
        Seed (int or Generator); the same seed gives the same interval whatever ``jobs``.
    level
        Interval level.
    jobs
        Worker processes (``None``: all cores when there is enough work; 1: in process).

    Attributes
    ----------
    replicates_
        The replicate totals (NaN where nothing was estimable).
    acceleration_, bias_
        BCa acceleration (jackknife) and bias correction ``z0``.
    estimate_
        The inner estimate with the bootstrap interval.
    """

    def __init__(
        self,
        estimator: Estimator,
        *,
        n_resamples: int = 1000,
        kind: str = "bca",
        resample: str = "multinomial",
        seed: Seed = None,
        level: float = 0.95,
        jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_resamples = n_resamples
        self.kind = kind
        self.resample = resample
        self.seed = seed
        self.level = level
        self.jobs = jobs

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters."""
        return {
            "estimator": self.estimator,
            "n_resamples": self.n_resamples,
            "kind": self.kind,
            "resample": self.resample,
            "seed": self.seed,
            "level": self.level,
            "jobs": self.jobs,
        }

    @single_blas_thread
    def fit(
        self, table: CaptureHistories, *, progress: Callable[[int, int], None] | None = None
    ) -> Self:
        """Fit the inner estimator, then the replicates; sets ``estimate_``.

        ``progress(done, total)`` is called as replicate chunks finish.
        """
        if self.kind not in KINDS:
            raise SettingsError(f"bootstrap kind must be one of {', '.join(KINDS)}")
        if self.resample not in RESAMPLES:
            raise SettingsError(f"resample must be one of {', '.join(RESAMPLES)}")
        if self.n_resamples < 2:
            raise SettingsError("--bootstrap needs at least 2 replicates (1000 is usual)")
        if not 0.0 < self.level < 1.0:
            raise SettingsError(f"level must be between 0 and 1 (got {self.level})")
        # The inner estimator's own interval is replaced: skip computing it where possible.
        skip = {"profile": False} if "profile" in self.estimator.get_params() else {}
        inner = clone(self.estimator, **skip).fit(table)
        point = inner.estimate_
        rng = make_rng(self.seed)
        y = table.cell_counts()[1:].astype(np.float64)
        n = int(y.sum())
        if self.resample == "multinomial":
            draws = rng.multinomial(n, y / n, size=self.n_resamples).astype(np.float64)
        else:
            total = max(round(point.estimate), n)
            fit = getattr(inner, "fit_", None)
            if fit is None:
                raise SettingsError("parametric resampling needs a log-linear method")
            fitted = np.asarray(fit.mu[0], dtype=np.float64)
            sizes = rng.binomial(total, fitted.sum() / point.estimate, size=self.n_resamples)
            draws = np.stack([rng.multinomial(s, fitted / fitted.sum()) for s in sizes]).astype(
                np.float64
            )
        # Jackknife: remove one person from each observed history in turn. Its tables go to
        # the same workers as the replicates (in tasks of their own), so one pool serves both.
        positive = np.flatnonzero(y > 0)
        jack_tables = np.repeat(y[None, :], positive.size, axis=0)
        jack_tables[np.arange(positive.size), positive] -= 1.0
        all_totals, all_labels = self._run(inner, table, [draws, jack_tables], progress)
        totals, labels = all_totals[: self.n_resamples], all_labels[: self.n_resamples]
        jack = all_totals[self.n_resamples :]
        weights = y[positive]
        warnings = list(point.warnings)
        self.replicates_ = totals
        ok = np.isfinite(totals)
        failed = int((~ok).sum())
        if ok.sum() < 2:
            raise NotEstimableError(
                "no bootstrap replicate could be estimated: the data are too sparse for this method"
            )
        if failed:
            warnings.append(
                f"{failed} of {self.n_resamples} bootstrap replicates had no "
                "estimable model and were left out of the interval"
            )
        probs = np.array([(1.0 - self.level) / 2.0, (1.0 + self.level) / 2.0])
        acceleration = math.nan
        if np.isfinite(jack).all():
            mean = float((weights * jack).sum() / weights.sum())
            resid = mean - jack
            denom = float((weights * resid**2).sum())
            acceleration = (
                float((weights * resid**3).sum() / (6.0 * denom**1.5)) if denom > 0 else 0.0
            )
        else:
            warnings.append("the jackknife for the BCa acceleration failed on some histories")
        reps = totals[ok]
        self.bias_ = _ndtri(float(np.mean(reps < point.estimate)))
        self.acceleration_ = acceleration
        kind = self.kind
        if kind == "bca" and (math.isfinite(acceleration) and math.isfinite(self.bias_)):
            limits, used = bca_limits(reps, point.estimate, acceleration, probs)
            if used[0] < 1.0 / reps.size or used[1] > 1.0 - 1.0 / reps.size:
                warnings.append(
                    "a BCa limit collapsed onto the most extreme bootstrap value (adjusted "
                    f"percentiles {used[0]:.4f}, {used[1]:.4f}): more replicates, or the "
                    "percentile interval, are needed to trust that limit"
                )
        else:
            if kind == "bca":
                warnings.append(
                    "BCa was not possible (every replicate on one side of the "
                    "estimate, or the jackknife failed): percentile interval shown"
                )
                kind = "percentile"
            limits, used = _quantile(reps, probs), probs
        counts = Counter(label for label, good in zip(labels, ok, strict=True) if good)
        diagnostics = dict(point.diagnostics)
        diagnostics["bootstrap"] = {
            "replicates": self.n_resamples,
            "failed": failed,
            "kind": kind,
            "resample": self.resample,
            "seed": self.seed if isinstance(self.seed, int) else None,
            "acceleration": acceleration if math.isfinite(acceleration) else None,
            "bias_correction": self.bias_ if math.isfinite(self.bias_) else None,
            "adjusted_percentiles": [float(u) for u in used],
            "median": float(np.median(reps)),
            "models_chosen": [
                {"model": m or "(main effects)", "share": c / reps.size}
                for m, c in counts.most_common(5)
            ],
        }
        self.estimate_ = replace(
            point,
            interval=Interval(self.level, float(limits[0]), float(limits[1]), kind),
            warnings=tuple(warnings),
            diagnostics=diagnostics,
        )
        self.inner_ = inner
        return self

    def _run(
        self,
        inner: Any,
        table: CaptureHistories,
        parts: list[FloatArray],
        progress: Callable[[int, int], None] | None,
    ) -> tuple[FloatArray, list[str]]:
        """Totals and chosen models of every table of ``parts``, in order, task by task.

        The first task (``PROBE`` tables) runs here and is timed; with ``jobs=None`` worker
        processes are used only if the rest would take more than ``POOL_SECONDS`` here
        (forking the workers and sending them the fitted estimator costs a few hundredths of
        a second). Each part is cut into tasks on its own.
        """
        import time

        chunks = [part[lo : lo + size] for part in parts for lo, size in _tasks(part.shape[0])]
        n_tables = sum(part.shape[0] for part in parts)
        results: list[tuple[FloatArray, list[str]]] = []

        def done(result: tuple[FloatArray, list[str]]) -> None:
            results.append(result)
            if progress is not None:
                progress(sum(r[0].size for r in results), n_tables)

        started = time.perf_counter()
        done(_replicate(inner, table, chunks[0]))
        rest = chunks[1:]
        jobs = self.jobs
        if jobs is None:
            per_table = (time.perf_counter() - started) / max(chunks[0].shape[0], 1)
            slow = per_table * sum(c.shape[0] for c in rest) > POOL_SECONDS
            jobs = min(os.cpu_count() or 1, len(rest)) if slow else 1
        if jobs <= 1 or len(rest) <= 1:
            for chunk in rest:
                done(_replicate(inner, table, chunk))
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for result in pool.map(_replicate, [inner] * len(rest), [table] * len(rest), rest):
                    done(result)
        totals = np.concatenate([r[0] for r in results])
        labels = [label for r in results for label in r[1]]
        return totals, labels


def _tasks(n: int) -> list[tuple[int, int]]:
    """``(start, size)`` of the tasks for ``n`` tables: ``PROBE`` first, then even chunks.

    Examples
    --------
    >>> _tasks(1000)
    [(0, 50), (50, 238), (288, 238), (526, 237), (763, 237)]
    >>> _tasks(30)
    [(0, 30)]
    """
    if n <= PROBE:
        return [(0, n)] if n else []
    rest = n - PROBE
    count = -(-rest // CHUNK)
    sizes = [rest // count + (1 if i < rest % count else 0) for i in range(count)]
    starts = np.cumsum([PROBE, *sizes[:-1]]).tolist()
    return [(0, PROBE), *zip(starts, sizes, strict=True)]


@single_blas_thread
def _replicate(
    inner: Any, table: CaptureHistories, tables: FloatArray
) -> tuple[FloatArray, list[str]]:
    """Totals for replicate tables: batched when the estimator supports it, else by clones."""
    if hasattr(inner, "replicate_totals"):
        totals, chosen = inner.replicate_totals(tables)
        return np.asarray(totals, dtype=np.float64), list(chosen)
    out = np.full(tables.shape[0], np.nan)
    labels: list[str] = []
    full = np.zeros(1 << table.n_lists, dtype=np.int64)
    for i, counts in enumerate(tables):
        full[1:] = counts.astype(np.int64)
        try:
            est = clone(inner).fit(CaptureHistories.from_cells(table.lists, full)).estimate_
        except NotEstimableError:
            labels.append("")
            continue
        out[i] = est.estimate
        labels.append("+".join(est.model[table.n_lists :]))
    return out, labels
