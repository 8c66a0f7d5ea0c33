"""Fit many log-linear models over one term space, with the existence checks applied.

A :class:`Space` fixes the lists, the candidate terms (intercept, main effects, interactions)
and their design matrix over the observable histories. :func:`fit_checked` fits a batch of
(counts, model) pairs on that space, applying the extended-MLE rules of ``_existence``: terms
with zero margin go to −∞ (their histories are fitted as 0), and a pair whose remaining design is
rank-deficient, or whose counts fail the Fienberg–Rinaldo test, is marked invalid with the reason.
The exact checks are cached by support pattern, which the bootstrap repeats many times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from darkfigure.estimate._design import design
from darkfigure.estimate._existence import problem
from darkfigure.estimate._glm import fit_batch

__all__ = ["Checked", "Space", "fit_checked"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Pairs fitted per Newton batch: bounds memory (about 12 arrays of CHUNK × cells floats).
CHUNK_CELLS = 2_000_000


@dataclass
class Space:
    """Lists, candidate terms and their design over the histories 1 .. 2^K − 1.

    Attributes
    ----------
    lists
        List names.
    terms
        Term bitmasks: 0 (intercept), the main effects, then the candidate interactions.
    xmat
        ``(2^K − 1, len(terms))`` design.
    """

    lists: tuple[str, ...]
    terms: tuple[int, ...]
    xmat: FloatArray = field(repr=False)
    _problems: dict[bytes, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, lists: Sequence[str], interactions: Sequence[int]) -> Space:
        k = len(lists)
        extra = list(dict.fromkeys(interactions))  # in the order given, once each
        terms = (0, *(1 << i for i in range(k)), *extra)
        return cls(tuple(lists), terms, design(k, terms))

    @property
    def k(self) -> int:
        return len(self.lists)

    def columns(self, interactions: Sequence[int]) -> BoolArray:
        """The column mask of the model with these interactions (plus intercept and mains)."""
        mask = np.zeros(len(self.terms), dtype=bool)
        mask[: self.k + 1] = True
        index = {t: j for j, t in enumerate(self.terms)}
        for t in interactions:
            mask[index[t]] = True
        return mask

    def interactions(self, cols: BoolArray) -> tuple[int, ...]:
        """The interaction terms of a column mask."""
        return tuple(
            t for t, on in zip(self.terms[self.k + 1 :], cols[self.k + 1 :], strict=True) if on
        )

    def problem(self, y: FloatArray, cols: BoolArray, *, check_lp: bool) -> str | None:
        """Cached :func:`~darkfigure.estimate._existence.problem` keyed by support pattern."""
        key = (y > 0).tobytes() + cols.tobytes() + bytes([check_lp])
        if key not in self._problems:
            self._problems[key] = problem(
                self.xmat, y, self.terms, cols, self.lists, check_lp=check_lp
            )
        return self._problems[key]


@dataclass(frozen=True)
class Checked:
    """Results for a batch of (counts, model) pairs; invalid pairs have NaN numbers.

    Attributes
    ----------
    total, dark, loglik
        ``(B,)`` estimated total, dark figure (``exp`` of the intercept), log-likelihood.
    n_params
        ``(B,)`` parameters of the model, counting those at −∞ (as MultipleSystemsEstimation
        counts them in AIC and BIC).
    coef, mu
        ``(B, P)`` parameters (−∞ for zero-margin terms, NaN outside the model) and ``(B, C)``
        fitted means.
    valid
        ``(B,)`` the extended MLE exists and is identifiable.
    reasons
        Why each invalid pair is not estimable (``None`` when valid).
    """

    total: FloatArray
    dark: FloatArray
    loglik: FloatArray
    n_params: npt.NDArray[np.int64]
    coef: FloatArray
    mu: FloatArray
    valid: BoolArray
    reasons: tuple[str | None, ...]

    def criterion(self, name: str, n_observed: FloatArray) -> FloatArray:
        """``"aic"`` or ``"bic"`` (BIC's sample size is the number observed, as in R)."""
        penalty = 2.0 if name == "aic" else np.log(n_observed)
        values = penalty * self.n_params - 2.0 * self.loglik
        return np.where(self.valid, values, np.inf)


def fit_checked(
    space: Space, y: FloatArray, cols: BoolArray, start: FloatArray | None = None
) -> Checked:
    """Fit every (``y[b]``, ``cols[b]``) pair and check it (see module docstring).

    ``start`` (warm start) is passed to :func:`~darkfigure.estimate._glm.fit_batch`.
    """
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    cols = np.atleast_2d(np.asarray(cols, dtype=bool))
    b = max(y.shape[0], cols.shape[0])
    y = np.broadcast_to(y, (b, y.shape[1]))
    cols = np.broadcast_to(cols, (b, cols.shape[1]))
    xmat = space.xmat
    p = xmat.shape[1]
    margins = y @ xmat
    zero = cols & (margins <= 0)
    zero[:, 0] = False
    cells_on = (zero.astype(np.float64) @ xmat.T) == 0
    active = cols & ~zero
    reasons: list[str | None] = [None] * b
    suspect = zero.any(axis=1) | _full_term(space, cols)
    identifiable = _identifiable(space, cells_on, active, suspect)
    for i in np.flatnonzero(~identifiable):
        reasons[i] = space.problem(y[i], cols[i], check_lp=False)
    fit_rows = np.flatnonzero(identifiable)
    coef = np.zeros((b, p))
    mu = np.zeros((b, xmat.shape[0]))
    loglik = np.full(b, np.nan)
    boundary = np.zeros(b, dtype=bool)
    for rows, used in _batches(active, fit_rows, xmat.shape[0]):
        # ``used`` columns only: a batch sharing one model is fitted on its compact design.
        f = fit_batch(
            xmat[:, used],
            y[rows],
            active[np.ix_(rows, used)],
            cells_on[rows],
            start=None if start is None else start[np.ix_(rows, used)],
        )
        coef[np.ix_(rows, used)] = f.coef
        mu[rows], loglik[rows], boundary[rows] = f.mu, f.loglik, f.boundary
    for i in np.flatnonzero(boundary):
        reasons[i] = space.problem(y[i], cols[i], check_lp=True)
    valid = np.array([r is None for r in reasons], dtype=bool)
    dark = np.where(valid, np.exp(coef[:, 0]), np.nan)
    total = y.sum(axis=1) + dark
    coef = np.where(zero, -np.inf, np.where(cols, coef, np.nan))
    return Checked(
        total=total,
        dark=dark,
        loglik=np.where(valid, loglik, np.nan),
        n_params=cols.sum(axis=1).astype(np.int64),
        coef=coef,
        mu=mu,
        valid=valid,
        reasons=tuple(reasons),
    )


def _batches(
    active: BoolArray, rows: npt.NDArray[np.int64], n_cells: int
) -> list[tuple[npt.NDArray[np.int64], BoolArray]]:
    """Split rows into Newton batches of at most about ``CHUNK_CELLS`` cells (bounds memory),
    each fitted on the columns any of its rows uses.

    Rows sharing a model are solved together on that model's own columns inside the batch
    (:class:`~darkfigure.estimate._glm._Solver`), so a batch mixing many models costs little
    more than one model.
    """
    step = max(1, CHUNK_CELLS // n_cells)
    if not rows.size:
        return []
    used: BoolArray = np.asarray(active[rows].any(axis=0), dtype=bool)
    return [(rows[lo : lo + step], used) for lo in range(0, rows.size, step)]


def _identifiable(
    space: Space, cells_on: BoolArray, active: BoolArray, suspect: BoolArray
) -> BoolArray:
    """Full column rank of each row's design on its active cells and terms.

    Only removed cells (or a K-way term) can lose rank. Rows are grouped by their active cells:
    if the Gram matrix of every column any row of the group uses is positive definite, so is
    each row's principal sub-matrix, and the whole group passes at once.
    """
    xmat = space.xmat
    ok = np.ones(cells_on.shape[0], dtype=bool)
    rows = np.flatnonzero(suspect)
    if not rows.size:
        return ok
    patterns: dict[bytes, list[int]] = {}
    for i in rows:
        patterns.setdefault(cells_on[i].tobytes(), []).append(int(i))
    for members in patterns.values():
        group = np.array(members)
        used = active[group].any(axis=0)
        sub = xmat[np.ix_(cells_on[group[0]], used)]
        if _full_rank(sub.T @ sub):
            continue
        # Otherwise each row's own Gram matrix (its terms only; identity elsewhere), in a batch.
        cells = xmat[cells_on[group[0]]]
        gram = np.broadcast_to(cells.T @ cells, (group.size, xmat.shape[1], xmat.shape[1]))
        act = active[group]
        gram = np.where(act[:, :, None] & act[:, None, :], gram, 0.0)
        diag = np.arange(xmat.shape[1])
        gram[:, diag, diag] += ~act
        eig = np.linalg.eigvalsh(gram)
        ok[group] = eig[:, 0] > 1e-9 * np.maximum(eig[:, -1], 1.0)
    return ok


def _full_rank(gram: FloatArray) -> bool:
    if gram.size == 0:
        return True
    eig = np.linalg.eigvalsh(gram)
    return bool(eig[0] > 1e-9 * max(eig[-1], 1.0))


def _full_term(space: Space, cols: BoolArray) -> BoolArray:
    full = (1 << space.k) - 1
    hit = np.array([t == full for t in space.terms], dtype=bool)
    out: BoolArray = np.asarray((cols & hit).any(axis=1), dtype=bool)
    return out
