"""Poisson log-linear fits by Newton's method, many at once.

One call fits a batch of ``B`` (data, model) pairs that share a design matrix ``X`` (cells ×
terms): each pair has its own counts ``y``, its own set of active columns (the model's terms)
and its own set of active cells (cells holding a term fixed at −∞ are inactive: their fitted
value is 0, as in the extended MLE of Fienberg & Rinaldo). The bootstrap and the model searches
refit thousands of small models; batching them turns the work into a few matrix products.

The Hessian ``Xᵀ diag(μ) X`` of every pair is one product ``μ @ O`` where ``O`` holds the outer
products of the design rows, so a Newton step for the whole batch costs one GEMM and one batched
solve per distinct model (rows sharing a model are solved on its own columns). Steps are halved
when the log-likelihood would fall (it is concave, so this only guards the first steps from a
poor start).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BatchFit", "fit_batch"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Solve rows model by model (see ``_Solver``) when there are at least this many rows per
#: distinct model; below it, padding every system to all columns is cheaper.
GROUP_MIN_ROWS = 4


@dataclass(frozen=True)
class BatchFit:
    """Fits of a batch.

    Attributes
    ----------
    coef
        ``(B, P)`` parameters; inactive columns are 0 (callers record them as −∞ or absent).
    mu
        ``(B, C)`` fitted means; 0 on inactive cells.
    loglik
        ``(B,)`` Poisson log-likelihood over the active cells.
    converged
        ``(B,)`` the relative change in log-likelihood fell below the tolerance.
    boundary
        ``(B,)`` the fit did not settle (a parameter may be heading to −∞): check exactly.
    """

    coef: FloatArray
    mu: FloatArray
    loglik: FloatArray
    converged: BoolArray
    boundary: BoolArray


def fit_batch(
    xmat: FloatArray,
    y: FloatArray,
    col_mask: BoolArray,
    cell_mask: BoolArray | None = None,
    *,
    start: FloatArray | None = None,
    max_iter: int = 60,
    tol: float = 1e-11,
) -> BatchFit:
    """Fit ``log E[y] = X β`` (``xmat`` is X) by Newton–Raphson for every row of ``y``.

    Parameters
    ----------
    xmat
        ``(C, P)`` design shared by the batch.
    y
        ``(B, C)`` counts.
    col_mask
        ``(B, P)`` or ``(P,)`` active terms.
    cell_mask
        ``(B, C)`` or ``(C,)`` active cells (default all).
    start
        ``(B, P)`` starting values (warm start); default a least-squares fit to ``log(y + 0.5)``.
    max_iter, tol
        Iteration limit and relative tolerance (on the Newton decrement or the change in
        log-likelihood).
    """
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    b, c = y.shape
    p = xmat.shape[1]
    cols = np.ascontiguousarray(np.broadcast_to(np.asarray(col_mask, dtype=bool), (b, p)))
    cellf = np.ascontiguousarray(
        np.broadcast_to(
            np.ones(c) if cell_mask is None else np.asarray(cell_mask, dtype=np.float64), (b, c)
        )
    )
    # Outer products of the design rows, unless that would be large (many lists and terms).
    outer = None
    if c * p * p <= 4_000_000:
        outer = (xmat[:, :, None] * xmat[:, None, :]).reshape(c, p * p)
    ycell = y * cellf
    const = log_factorial(ycell).sum(axis=1)
    solver = _Solver(xmat, outer, cols)
    if start is None:
        target = np.log(ycell + 0.5) * cellf
        beta = solver.solve(slice(None), cellf, target @ xmat)
    else:
        beta = np.where(cols, np.broadcast_to(start, (b, p)), 0.0)
    eta = np.minimum(beta @ xmat.T, 700.0)
    mu = np.exp(eta) * cellf
    # y is 0 on inactive cells and μ is set to 0 there, so they add nothing to the sums.
    ll = (ycell * eta - mu).sum(axis=1) - const
    converged = np.zeros(b, dtype=bool)
    last_move = np.full(b, np.inf)
    for _ in range(max_iter):
        idx = np.flatnonzero(~converged)
        if idx.size == 0:
            break
        # Only unconverged rows are worked on; with all rows active, views avoid copies.
        sel: slice | npt.NDArray[np.intp] = slice(None) if idx.size == b else idx
        cm, ym, fm, bm, lm = cols[sel], ycell[sel], cellf[sel], beta[sel], ll[sel]
        cst, eta_m = const[sel], eta[sel]
        grad = (ym - mu[sel]) @ xmat
        grad *= cm
        step = solver.solve(sel, mu[sel], grad)
        decrement = (step * grad).sum(axis=1)
        new_beta = bm + step
        new_eta = np.minimum(new_beta @ xmat.T, 700.0)
        new_mu = np.exp(new_eta) * fm
        new_ll = (ym * new_eta - new_mu).sum(axis=1) - cst
        worse = ~(new_ll >= lm - 1e-12 * np.abs(lm))
        scale = np.ones(idx.size)
        for _halving in range(30):
            if not worse.any():
                break
            w = np.flatnonzero(worse)
            scale[w] /= 2.0
            nb = bm[w] + scale[w, None] * step[w]
            ne = np.minimum(nb @ xmat.T, 700.0)
            nm = np.exp(ne) * fm[w]
            nl = (ym[w] * ne - nm).sum(axis=1) - cst[w]
            new_beta[w], new_eta[w], new_mu[w], new_ll[w] = nb, ne, nm, nl
            worse[w] = ~(nl >= lm[w] - 1e-12 * np.abs(lm[w]))
        size = np.abs(new_ll) + 0.1
        # Converged when the log-likelihood stops changing, or when a full Newton step was
        # taken whose decrement (the gain it promised) was already below the tolerance.
        # A full step whose decrement is tiny lands within about its square of the maximum
        # (quadratic convergence), so it need not be confirmed by another iteration.
        done = (np.abs(new_ll - lm) / size < tol) | (
            (scale == 1.0) & ((np.abs(decrement) / size < tol) | (np.abs(decrement) < 1e-7))
        )
        if done.any():
            last_move[idx[done]] = (np.abs(new_eta[done] - eta_m[done]) * fm[done]).max(axis=1)
        if idx.size == b:
            beta, eta, mu, ll = new_beta, new_eta, new_mu, new_ll
        else:
            beta[idx], eta[idx], mu[idx], ll[idx] = new_beta, new_eta, new_mu, new_ll
        converged[idx] = done
    # Newton converges quadratically to a finite MLE, so its last move is tiny; when some
    # parameter heads to −∞ each step lowers a zero cell's log-mean by about 1 while the
    # likelihood stalls. A last move above 1e-3 therefore flags a possible boundary.
    boundary = ~converged | (last_move > 1e-3)
    return BatchFit(coef=beta, mu=mu, loglik=ll, converged=converged, boundary=boundary)


#: ``log(n!)`` for n = 0, 1, ...; grown on demand (counts are whole numbers but for the profile).
_LOG_FACTORIAL: list[FloatArray] = [np.zeros(1)]


def log_factorial(counts: FloatArray) -> FloatArray:
    """``log Γ(counts + 1)`` elementwise, by table look-up for whole numbers.

    ``math.lgamma`` is used rather than ``scipy.special.gammaln``: importing scipy.special
    costs about 0.2 s, more than a whole main-effects bootstrap.

    Examples
    --------
    >>> log_factorial(np.array([0.0, 3.0, 2.5])).round(4).tolist()
    [0.0, 1.7918, 1.201]
    """
    whole = counts.size == 0 or bool((counts == np.floor(counts)).all() and counts.min() >= 0)
    if not whole:
        flat = [math.lgamma(v + 1.0) for v in counts.ravel().tolist()]
        return np.array(flat, dtype=np.float64).reshape(counts.shape)
    top = int(counts.max()) if counts.size else 0
    table = _LOG_FACTORIAL[0]
    if top >= table.size:
        table = np.array([math.lgamma(n + 1.0) for n in range(2 * top + 1)])
        _LOG_FACTORIAL[0] = table
    out: FloatArray = table[counts.astype(np.int64)]
    return out


def _pattern_ids(cols: BoolArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Row index of each distinct row of ``cols`` (first occurrence) and each row's pattern.

    Examples
    --------
    >>> first, which = _pattern_ids(np.array([[1, 0], [0, 1], [1, 0]], dtype=bool))
    >>> first.tolist(), which.tolist()
    ([1, 0], [1, 0, 1])
    """
    packed = np.packbits(cols, axis=1)
    if packed.shape[1] <= 8:  # one integer per row: a fast 1-D unique
        padded = np.zeros((packed.shape[0], 8), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        _, first, inverse = np.unique(
            padded.view(np.uint64).ravel(), return_index=True, return_inverse=True
        )
    else:
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()


class _Solver:
    """Newton systems ``(Xᵀ W X) δ = rhs`` of a batch, each on its row's active columns.

    When many rows share a model (bootstrap replicates), the rows of each model are solved
    together on that model's columns only: the work falls with the square (solve: cube) of
    the number of terms, and the batch stays one call, whose fixed NumPy cost per Newton
    iteration is paid once rather than once per model. Otherwise (a catalogue of distinct
    models) the systems are padded to all columns with an identity block.
    """

    def __init__(self, xmat: FloatArray, outer: FloatArray | None, cols: BoolArray) -> None:
        self.xmat, self.outer, self.cols = xmat, outer, cols
        self.groups: list[tuple[npt.NDArray[np.intp], FloatArray]] = []
        self.group_of = np.zeros(cols.shape[0], dtype=np.intp)
        b, p = cols.shape
        if outer is None or cols.all() or b < 2:
            return
        first, which = _pattern_ids(cols)
        if b < GROUP_MIN_ROWS * first.size:
            return
        c = xmat.shape[0]
        cube = outer.reshape(c, p, p)
        for row in first:
            on = np.flatnonzero(cols[row])
            self.groups.append((on, cube[:, on][:, :, on].reshape(c, on.size * on.size)))
        self.group_of = which

    def solve(
        self, sel: slice | npt.NDArray[np.intp], weights: FloatArray, rhs: FloatArray
    ) -> FloatArray:
        """Steps for rows ``sel`` of the batch (``weights`` and ``rhs`` already selected)."""
        if not self.groups:
            return _solve(self.xmat, self.outer, self.cols[sel], weights, rhs)
        group = self.group_of[sel]
        order = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[order], np.arange(len(self.groups) + 1))
        out: FloatArray = np.zeros_like(rhs)
        for g, (on, outer) in enumerate(self.groups):
            members = order[bounds[g] : bounds[g + 1]]
            if not members.size:
                continue
            hess = (weights[members] @ outer).reshape(members.size, on.size, on.size)
            small = rhs[members][:, on]
            try:
                solved = np.linalg.solve(hess, small[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                solved = _pinv_solve(hess, small)
            out[members[:, None], on] = solved
        return out


def _solve(
    xmat: FloatArray,
    outer: FloatArray | None,
    cols: BoolArray,
    weights: FloatArray,
    rhs: FloatArray,
) -> FloatArray:
    """Solve ``(Xᵀ W X) δ = rhs`` for each row, restricted to its active columns."""
    b, p = cols.shape
    if outer is not None:
        hess = (weights @ outer).reshape(b, p, p)
    else:
        hess = np.einsum("cp,bc,cq->bpq", xmat, weights, xmat, optimize=True)
    if cols.all():  # a batch of one model on its own columns: nothing to mask
        try:
            full: FloatArray = np.asarray(
                np.linalg.solve(hess, rhs[:, :, None])[:, :, 0], dtype=np.float64
            )
            return full
        except np.linalg.LinAlgError:
            return _pinv_solve(hess, rhs)
    hess *= cols[:, :, None]
    hess *= cols[:, None, :]
    # Inactive columns get an identity block so the batched solve stays non-singular.
    diag = np.arange(p)
    hess[:, diag, diag] += ~cols
    rhs = np.where(cols, rhs, 0.0)
    try:
        solved: FloatArray = np.asarray(
            np.linalg.solve(hess, rhs[:, :, None])[:, :, 0], dtype=np.float64
        )
        return solved
    except np.linalg.LinAlgError:
        return _pinv_solve(hess, rhs)


def _pinv_solve(hess: FloatArray, rhs: FloatArray) -> FloatArray:
    out: FloatArray = (np.linalg.pinv(hess) @ rhs[:, :, None])[:, :, 0]
    return out
