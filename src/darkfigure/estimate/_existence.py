"""Does a log-linear model have a finite, identifiable (extended) MLE on these counts?

The conditions are those of Chan, Silverman & Vincent (2021) and Fienberg & Rinaldo (2012), as
SparseMSE's ``checkident`` and MultipleSystemsEstimation's ``check_extended_MLE`` apply them:

1. A term whose margin is 0 (e.g. two lists with no one in common) has MLE −∞: the histories
   holding it are fitted as 0 and left out; the term's parameter is reported as −∞.
2. On the remaining histories, the MLE exists iff the margins ``t = Aᵀy`` lie in the relative
   interior of the cone spanned by the design rows, i.e. iff some strictly positive table ``x``
   has the same margins. The linear programme ``max s  s.t. Aᵀx = t, x ≥ s`` decides it: the
   optimum is 0 exactly when some history would be fitted as 0. :func:`mle_exists` first tries
   two exact shortcuts that settle the common cases without it (Haberman 1974).
3. The remaining design must have full column rank, or the parameters — the dark figure among
   them — are not identifiable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkfigure.estimate._design import term_name

__all__ = ["Face", "face", "lp_exists", "mle_exists", "problem"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Face:
    """The part of a model that can be fitted on these counts.

    Attributes
    ----------
    cols
        Active terms (margin > 0).
    cells
        Active histories (holding no zero-margin term).
    minus_infinity
        Terms whose MLE is −∞ (zero margin).
    """

    cols: BoolArray
    cells: BoolArray
    minus_infinity: tuple[int, ...]


def face(xmat: FloatArray, y: FloatArray, terms: Sequence[int], cols: BoolArray) -> Face:
    """Split a model (``cols`` of ``X``) into what is estimable and what goes to −∞."""
    margins = y @ xmat
    zero = np.asarray(cols & (margins <= 0), dtype=bool)
    zero[0] = False  # the intercept's margin is the observed total
    cells_on = np.asarray(~(xmat[:, zero] > 0).any(axis=1), dtype=bool)
    return Face(cols & ~zero, cells_on, tuple(terms[int(j)] for j in np.flatnonzero(zero)))


def mle_exists(xmat: FloatArray, y: FloatArray) -> bool:
    """Whether the MLE is finite on active cells and columns (``X``, ``y``); exact.

    Haberman (1974): the MLE fails to exist iff some direction ``d`` has ``Xd ≥ 0``, ``Xd ≠ 0``
    and ``(Xd)ᵢ = 0`` on every history with ``yᵢ > 0`` (the likelihood then rises forever along
    ``−d``). Such ``d`` lie in the null space of the design rows of the positive histories, so:

    * that null space is ``{0}`` (the usual case): the MLE exists, no LP needed;
    * it is one-dimensional, spanned by ``v``: the MLE fails iff ``Xv`` on the zero histories
      is non-zero and of one sign (``v`` or ``−v``);
    * otherwise the Fienberg–Rinaldo linear programme decides (:func:`lp_exists`).

    Examples
    --------
    >>> x = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])  # A, B, AB
    >>> mle_exists(x, np.array([4.0, 3.0, 2.0])), mle_exists(x, np.array([4.0, 3.0, 0.0]))
    (True, False)
    """
    positive = y > 0
    if not positive.any():
        return False
    _, sing, vt = np.linalg.svd(xmat[positive], full_matrices=True)
    tol = max(xmat.shape) * np.finfo(np.float64).eps * (sing[0] if sing.size else 0.0)
    nullity = xmat.shape[1] - int((sing > tol).sum())
    if nullity == 0:
        return True
    if nullity == 1:
        along = xmat[~positive] @ vt[-1]
        along = np.where(np.abs(along) > 1e-9, along, 0.0)
        if not along.any():
            return True
        return not (bool((along >= 0).all()) or bool((along <= 0).all()))
    return lp_exists(xmat, y)


def lp_exists(xmat: FloatArray, y: FloatArray) -> bool:
    """The Fienberg–Rinaldo linear programme on active cells and columns (``X``, ``y``)."""
    from scipy.optimize import linprog

    c, p = xmat.shape
    total = float(y.sum())
    if total <= 0:
        return False
    # Variables x_1..x_C, s; scaled by the total so the tolerance is relative.
    objective = np.zeros(c + 1)
    objective[-1] = -1.0
    a_eq = np.hstack([xmat.T, np.zeros((p, 1))])
    b_eq = xmat.T @ (y / total)
    a_ub = np.hstack([-np.eye(c), np.ones((c, 1))])
    result = linprog(
        objective,
        A_ub=a_ub,
        b_ub=np.zeros(c),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * (c + 1),
        method="highs",
    )
    return bool(result.status == 0 and -result.fun > 1e-9)


def problem(
    xmat: FloatArray,
    y: FloatArray,
    terms: Sequence[int],
    cols: BoolArray,
    lists: Sequence[str],
    *,
    check_lp: bool = True,
) -> str | None:
    """Why the model cannot be estimated, or ``None`` if it can.

    ``check_lp=False`` skips the existence test of :func:`mle_exists` (the caller's fit showed
    every active cell fitted well away from 0, which the test would confirm).
    """
    f = face(xmat, y, terms, cols)
    xa = xmat[np.ix_(f.cells, f.cols)]
    lost = ", ".join(term_name(t, lists) for t in f.minus_infinity)
    where = f" after setting {lost} to −∞ (no one in common)" if lost else ""
    rank = np.linalg.matrix_rank(xa) if xa.size else 0
    if rank < int(f.cols.sum()):
        return (
            f"not identifiable: the {int(f.cells.sum())} capture histories left{where} cannot "
            f"determine the model's {int(f.cols.sum())} parameters, so the dark figure is not "
            "identified; drop interactions or merge lists"
        )
    if check_lp and not mle_exists(xa, y[f.cells]):
        return (
            f"no finite maximum-likelihood estimate{where}: the observed counts lie on the "
            "boundary of the model (Fienberg–Rinaldo existence test), so some history "
            "would be fitted as 0 and the estimate diverges; drop interactions or merge lists"
        )
    return None
