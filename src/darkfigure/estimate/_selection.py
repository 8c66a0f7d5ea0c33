"""Choosing the interaction terms: information criteria over hierarchical models, and stepwise.

Both work on a batch of tables at once (the data, or every bootstrap replicate), so the
bootstrap redoes the selection in each replicate at the cost of a few batched fits.

* :func:`rank_models` fits every candidate model and orders the estimable ones by AIC or BIC
  (``k·log n − 2 log L`` with ``n`` the number observed and ``k`` counting parameters at −∞, as
  MultipleSystemsEstimation and Rcapture's ``closedpMS.t`` do). Ties keep the catalogue order.
* :func:`stepwise` is Chan, Silverman & Vincent (2021) as SparseMSE implements it: start from
  main effects; for every two-list interaction not yet in, compare the number of people on both
  lists with its Poisson distribution under the current fit (p = min of the two tails); add the
  one with the smallest p (the first in list order on ties) if p < threshold and the enlarged
  model passes the existence and identifiability checks (otherwise try the next); repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkfigure.estimate._fit import Checked, Space, fit_checked

__all__ = ["Stepwise", "WarmStart", "rank_models", "select_among", "stepwise"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def rank_models(
    space: Space, y: FloatArray, models: BoolArray, criterion: str, keep: int | None = None
) -> tuple[Checked, FloatArray, npt.NDArray[np.int64], BoolArray]:
    """Fit ``models`` (``(M, P)`` column masks) to one table, ranked by AIC or BIC.

    Returns the fits, the criterion values (``inf`` for models not estimable or not fitted),
    the ranking and which models were pruned (not fitted).

    With ``keep``, only models that could be among the ``keep`` best are fitted, exactly: models
    are fitted from the largest down, and a model's log-likelihood is at most that of any model
    one term larger (nested maximum likelihood), so ``k·penalty − 2·(smallest such bound)`` is a
    lower bound on its criterion. A model whose bound exceeds the ``keep``-th best value found
    so far cannot be among the best and is skipped (its bound still passes to its sub-models).
    Each fit is warm-started from a fitted neighbour one term larger (or smaller without
    ``keep``), which saves Newton steps over a cold start.
    """
    n_models, p = models.shape
    k1 = space.k + 1
    penalty = 2.0 if criterion == "aic" else float(np.log(y.sum()))
    sizes = models.sum(axis=1)
    main = _main_start(space, y, 1)[0]
    # neighbours: the model with one more interaction (column j), −1 when not in the catalogue
    bigger = np.full((n_models, p - k1), -1, dtype=np.int64)
    smaller = np.full((n_models, p - k1), -1, dtype=np.int64)
    find = _Catalogue(models)
    for j in range(k1, p):
        bigger[:, j - k1] = np.where(models[:, j], -1, find.flipped(j, True))
        smaller[:, j - k1] = np.where(models[:, j], find.flipped(j, False), -1)
    coef = np.full((n_models, p), np.nan)
    mu = np.zeros((n_models, space.xmat.shape[0]))
    loglik = np.full(n_models, np.nan)
    total = np.full(n_models, np.nan)
    dark = np.full(n_models, np.nan)
    valid = np.zeros(n_models, dtype=bool)
    fitted = np.zeros(n_models, dtype=bool)
    reasons: list[str | None] = [None] * n_models
    upper = np.full(n_models, np.inf)  # upper bounds on the log-likelihood
    kth = np.inf
    for size in sorted(np.unique(sizes), reverse=keep is not None):
        rows = np.flatnonzero(sizes == size)
        neighbours = bigger[rows] if keep is not None else smaller[rows]
        if keep is not None:
            known = neighbours >= 0
            bound = np.where(known, upper[np.where(known, neighbours, 0)], np.inf).min(axis=1)
            upper[rows] = bound
            rows = rows[penalty * size - 2.0 * bound <= kth]
            neighbours = bigger[rows]
        if not rows.size:
            continue
        init = np.tile(main, (rows.size, 1))
        usable = (neighbours >= 0) & fitted[np.where(neighbours >= 0, neighbours, 0)]
        usable &= valid[np.where(neighbours >= 0, neighbours, 0)]
        pick = usable.argmax(axis=1)
        has = usable[np.arange(rows.size), pick]
        source = neighbours[np.arange(rows.size), pick][has]
        warm = np.nan_to_num(coef[source], nan=0.0, neginf=0.0)
        init[has] = np.where(models[rows[has]], warm, 0.0)
        fit = fit_checked(space, y[None, :], models[rows], start=init)
        coef[rows], mu[rows], loglik[rows] = fit.coef, fit.mu, fit.loglik
        total[rows], dark[rows], valid[rows] = fit.total, fit.dark, fit.valid
        fitted[rows] = True
        for i, reason in zip(rows, fit.reasons, strict=True):
            reasons[i] = reason
        upper[rows] = np.where(fit.valid, fit.loglik, np.inf)
        if keep is not None:
            found = penalty * sizes[valid] - 2.0 * loglik[valid]
            if found.size >= keep:
                kth = float(np.partition(found, keep - 1)[keep - 1])
    fits = Checked(
        total=total,
        dark=dark,
        loglik=loglik,
        n_params=sizes.astype(np.int64),
        coef=coef,
        mu=mu,
        valid=valid,
        reasons=tuple(reasons),
    )
    values = fits.criterion(criterion, np.array([y.sum()]))
    return fits, values, np.argsort(values, kind="stable"), ~fitted


class _Catalogue:
    """Finds models of a catalogue (``(M, P)`` column masks) by their terms.

    Models are coded as integers (one bit per column) and sorted once, so finding every
    model's neighbour with one term more or less is a binary search, not a comparison of
    masks; with more than 63 columns a dictionary of the masks' bytes is used instead.
    """

    def __init__(self, models: BoolArray) -> None:
        self.models = models
        self.index: dict[bytes, int] | None = None
        if models.shape[1] > 63:
            self.index = {m.tobytes(): i for i, m in enumerate(models)}
            return
        self.bits = np.uint64(1) << np.arange(models.shape[1], dtype=np.uint64)
        self.codes = np.bitwise_or.reduce(np.where(models, self.bits, np.uint64(0)), axis=1)
        self.order = np.argsort(self.codes)
        self.sorted = self.codes[self.order]

    def flipped(self, column: int, on: bool) -> npt.NDArray[np.int64]:
        """Row of the model equal to each model with ``column`` set to ``on`` (−1 if none)."""
        if self.index is not None:
            wanted = self.models.copy()
            wanted[:, column] = on
            return np.array([self.index.get(w.tobytes(), -1) for w in wanted], dtype=np.int64)
        bit = self.bits[column]
        keys = self.codes | bit if on else self.codes & ~bit
        pos = np.clip(np.searchsorted(self.sorted, keys), 0, self.codes.size - 1)
        found = self.sorted[pos] == keys
        out: npt.NDArray[np.int64] = np.where(found, self.order[pos], -1).astype(np.int64)
        return out


@dataclass(frozen=True)
class WarmStart:
    """Models fitted to the original table, to start replicate fits one Newton step ahead.

    For a replicate ``y`` the first Newton step from the original fit ``β₀`` uses the original
    Hessian ``H₀`` and fitted margins ``Xᵀμ₀``, which do not depend on ``y``: ``β₀ +
    H₀⁻¹(Xᵀy − Xᵀμ₀)`` costs a matrix-vector product instead of a factorisation. Rows whose
    zero margins differ from the original's start at ``β₀``.
    """

    coef: FloatArray  # (M, P), 0 outside each model
    inverse: FloatArray  # (M, P, P) inverse Hessians on the active terms
    fitted_margins: FloatArray  # (M, P)
    active: BoolArray  # (M, P) terms estimated (not −∞, in the model)

    @classmethod
    def of(cls, space: Space, fits: Checked, rows: npt.NDArray[np.int64]) -> WarmStart:
        """The warm start of ``fits[rows]``."""
        active = np.isfinite(fits.coef[rows])
        mu = fits.mu[rows]
        xmat = space.xmat
        hess = np.einsum("cp,mc,cq->mpq", xmat, mu, xmat, optimize=True)
        both = active[:, :, None] & active[:, None, :]
        hess = np.where(both, hess, 0.0) + np.eye(xmat.shape[1]) * (~active)[:, None, :]
        inverse = np.where(both, np.linalg.pinv(hess), 0.0)
        return cls(np.nan_to_num(fits.coef[rows], nan=0.0, neginf=0.0), inverse, mu @ xmat, active)

    def starts(self, tables: FloatArray, space: Space) -> FloatArray:
        """``(R·M, P)`` starting values for every (table, model), tables outermost."""
        margins = tables @ space.xmat  # (R, P)
        score = np.where(self.active[None], margins[:, None, :] - self.fitted_margins[None], 0.0)
        step = np.einsum("mpq,rmq->rmp", self.inverse, score)
        same_face: BoolArray = np.asarray(
            ~((margins[:, None, :] <= 0) & self.active[None]).any(axis=2), dtype=bool
        )
        start = self.coef[None] + np.where(same_face[:, :, None], step, 0.0)
        out: FloatArray = start.reshape(-1, self.coef.shape[1])
        return out


def select_among(
    space: Space,
    tables: FloatArray,
    models: BoolArray,
    criterion: str,
    warm: WarmStart | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """For each table (``(R, C)``), the total of its best model among ``models`` and its index.

    ``warm``: the models' fits to the original data (replicates are close to it). Models are
    visited from the largest down and, per table, a model is fitted only if its criterion could
    beat the table's best so far: its log-likelihood is at most that of any listed model that
    contains it (nested maximum likelihood), which bounds its criterion from below. The first
    model (the original data's best) is fitted to every table before the others, so each table
    starts with a good "best so far" and the bound skips about a quarter of the fits it would
    otherwise allow. The choice is exactly that of fitting every model (ties go to the earlier
    model). A table where no model is estimable gets NaN and index −1.
    """
    r, m = tables.shape[0], models.shape[0]
    sizes = models.sum(axis=1)
    n_obs = tables.sum(axis=1)
    penalty = np.full(r, 2.0) if criterion == "aic" else np.log(n_obs)
    # contains[a, b]: model b holds every term of model a and more
    contains = (models[:, None, :] <= models[None, :, :]).all(axis=2) & (
        sizes[None, :] > sizes[:, None]
    )
    starts = None if warm is None else warm.starts(tables, space).reshape(r, m, -1)
    upper = np.full((r, m), np.inf)  # upper bounds on each (table, model) log-likelihood
    best_value = np.full(r, np.inf)
    best_index = np.full(r, -1, dtype=np.int64)
    best_total = np.full(r, np.nan)
    first = fit_checked(space, tables, models[:1], start=None if starts is None else starts[:, 0])
    first_value = first.criterion(criterion, n_obs)
    ok = np.isfinite(first_value)
    best_value[ok], best_index[ok], best_total[ok] = first_value[ok], 0, first.total[ok]
    upper[:, 0] = np.where(first.valid, first.loglik, np.inf)
    for size in sorted(np.unique(sizes), reverse=True):
        group = np.flatnonzero(sizes == size)
        bound = np.where(contains[group][None], upper[:, None, :], np.inf).min(axis=2)
        # (model 0 keeps its fitted log-likelihood, which is no larger than its bound)
        upper[:, group] = np.minimum(upper[:, group], bound)
        lower = penalty[:, None] * size - 2.0 * bound
        wanted = lower <= best_value[:, None]
        wanted[:, group == 0] = False  # fitted above
        rows, cols_idx = np.nonzero(wanted)
        if not rows.size:
            continue
        which = group[cols_idx]
        fits = fit_checked(
            space,
            tables[rows],
            models[which],
            start=None if starts is None else starts[rows, which],
        )
        upper[rows, which] = np.where(fits.valid, fits.loglik, np.inf)
        values = fits.criterion(criterion, n_obs[rows])
        # each table's best in this generation (lowest value, then earliest model) ...
        order = np.lexsort((which, values, rows))
        first_of = np.unique(rows[order], return_index=True)[1]
        pick = order[first_of]
        i, j, v = rows[pick], which[pick], values[pick]
        # ... replaces its best so far if lower, or equal and earlier
        tie = (v == best_value[i]) & (j < best_index[i])
        better = np.isfinite(v) & ((v < best_value[i]) | tie)
        best_value[i[better]], best_index[i[better]] = v[better], j[better]
        best_total[i[better]] = fits.total[pick][better]
    ok = np.isfinite(best_value)
    return np.where(ok, best_total, np.nan), np.where(ok, best_index, -1)


@dataclass(frozen=True)
class Stepwise:
    """Result of :func:`stepwise` for a batch of tables.

    Attributes
    ----------
    cols
        ``(R, P)`` the chosen model of each table.
    fits
        The final fit of each table.
    path
        For each table, the interactions in the order they were added, with their p-values.
    """

    cols: BoolArray
    fits: Checked
    path: tuple[tuple[tuple[int, float], ...], ...]


def stepwise(space: Space, tables: FloatArray, threshold: float) -> Stepwise:
    """Chan–Silverman–Vincent stepwise selection on every table (see module docstring).

    ``space`` must hold exactly the two-list interactions, in list order.
    """
    from scipy.special import pdtr, pdtrc  # here: the other searches need no SciPy

    tables = np.atleast_2d(np.asarray(tables, dtype=np.float64))
    r = tables.shape[0]
    k = space.k
    pairs = np.array(space.terms[k + 1 :], dtype=np.int64)
    pair_cols = np.arange(k + 1, len(space.terms))
    containing = space.xmat[:, pair_cols]  # (C, n_pairs): history holds both lists of the pair
    observed = tables @ containing  # people on both lists, per table and pair
    cols = np.zeros((r, len(space.terms)), dtype=bool)
    cols[:, : k + 1] = True
    fits = fit_checked(space, tables, cols)
    path: list[list[tuple[int, float]]] = [[] for _ in range(r)]
    searching = fits.valid.copy()
    while searching.any():
        rows = np.flatnonzero(searching)
        expected = fits.mu[rows] @ containing
        n = observed[rows]
        pval = np.minimum(pdtr(n, expected), np.where(n > 0, pdtrc(n - 1, expected), 1.0))
        pval = np.where(cols[np.ix_(rows, pair_cols)], np.inf, pval)
        # Try candidates in order of p (first pair on ties) until one gives an estimable model.
        while rows.size:
            best = np.argmin(pval, axis=1)
            p_best = pval[np.arange(rows.size), best]
            go = p_best < threshold
            searching[rows[~go]] = False
            rows, pval, best, p_best = rows[go], pval[go], best[go], p_best[go]
            if not rows.size:
                break
            trial = cols[rows].copy()
            trial[np.arange(rows.size), pair_cols[best]] = True
            start = np.where(trial, np.nan_to_num(fits.coef[rows], neginf=0.0, nan=0.0), 0.0)
            new = fit_checked(space, tables[rows], trial, start=start)
            ok = new.valid
            for j in np.flatnonzero(ok):
                path[rows[j]].append((int(pairs[best[j]]), float(p_best[j])))
            cols[rows[ok]] = trial[ok]
            fits = _replace(fits, rows[ok], new, np.flatnonzero(ok))
            pval[np.flatnonzero(~ok), best[~ok]] = np.inf
            rows, pval = rows[~ok], pval[~ok]
    return Stepwise(cols=cols, fits=fits, path=tuple(tuple(p) for p in path))


def _replace(
    fits: Checked, rows: npt.NDArray[np.int64], new: Checked, src: npt.NDArray[np.int64]
) -> Checked:
    """``fits`` with ``rows`` taken from ``new[src]``."""
    if rows.size == 0:
        return fits
    out = {}
    for name in ("total", "dark", "loglik", "n_params", "coef", "mu", "valid"):
        arr = getattr(fits, name).copy()
        arr[rows] = getattr(new, name)[src]
        out[name] = arr
    reasons = list(fits.reasons)
    for i, j in zip(rows, src, strict=True):
        reasons[i] = new.reasons[j]
    return Checked(reasons=tuple(reasons), **out)


def _main_start(space: Space, y: FloatArray, m: int) -> FloatArray:
    """Warm start for many models on one table: the main-effects fit, interactions at 0."""
    main = np.zeros(len(space.terms), dtype=bool)
    main[: space.k + 1] = True
    fit = fit_checked(space, y[None, :], main[None, :])
    coef = np.nan_to_num(fit.coef[0], nan=0.0, neginf=0.0)
    return np.tile(coef, (m, 1))
