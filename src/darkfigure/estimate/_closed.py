"""Rcapture's closed-population models as log-linear models on the number of captures.

Baillargeon & Rivest (2007) write the classical closed-population models as Poisson log-linear
models for the 2^K − 1 observable histories (Rcapture's ``closedp.t``):

* ``m0`` — every list catches everyone with the same probability: ``log μ = u + β·s`` with ``s``
  the number of lists a history is on.
* ``mt`` — lists differ, independently: main effects (the same fit as ``main``).
* ``chao`` (Mh, Chao's lower bound) — heterogeneous catchability: ``u + β·s + Σ_{j=3..K} η_j
  max(s − j + 1, 0)``; negative ``η`` are set to 0 one at a time (the first in order), as
  Rcapture does, which makes the estimate a lower bound.
* ``poisson2``, ``darroch``, ``gamma`` (Mh with a parametric mixture): ``u + β·s + τ·h(s)`` with
  ``h(s) = 2^s − 1``, ``s²/2`` and ``−log(1 + s/3.5)``.

The total is ``n + exp(u)``; the interval is the profile-likelihood one (``closedpCI.t``). Unlike
Rcapture, a fit whose MLE does not exist (the heterogeneity term runs to the boundary, e.g. on
three lists with nobody on all three) is refused with the reason, not printed.
"""

from __future__ import annotations

import math
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._existence import lp_exists
from darkfigure.estimate._glm import fit_batch
from darkfigure.estimate._profile import profile_interval
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.estimate._threads import single_blas_thread
from darkfigure.histories import CaptureHistories

__all__ = ["ClosedPopulation"]

FloatArray = npt.NDArray[np.float64]

MODELS = {
    "m0": "M0",
    "mt": "Mt",
    "chao": "Mh Chao (LB)",
    "poisson2": "Mh Poisson2",
    "darroch": "Mh Darroch",
    "gamma": "Mh Gamma3.5",
}


def _design(model: str, k: int) -> tuple[FloatArray, list[str]]:
    """Design over histories 0 .. 2^K − 1 (row 0: the unobserved history) and column names."""
    masks = np.arange(1 << k, dtype=np.int64)
    lists = ((masks[:, None] >> np.arange(k)) & 1).astype(np.float64)
    s = lists.sum(axis=1)
    columns: list[FloatArray] = [np.ones(1 << k)]
    names = ["(intercept)"]
    if model == "mt":
        columns += list(lists.T)
        names += [f"list {i + 1}" for i in range(k)]
    else:
        columns.append(s)
        names.append("captures")
    if model == "chao":
        for j in range(3, k + 1):
            columns.append(np.maximum(s - j + 1, 0.0))
            names.append(f"eta{j}")
    elif model == "poisson2":
        columns.append(2.0**s - 1.0)
        names.append("tau")
    elif model == "darroch":
        columns.append(s**2 / 2.0)
        names.append("tau")
    elif model == "gamma":
        columns.append(-np.log(3.5 + s) + np.log(3.5))
        names.append("tau")
    return np.stack(columns, axis=1), names


class ClosedPopulation:
    """One of Rcapture's closed-population models (see the module docstring).

    Parameters
    ----------
    model
        ``"m0"``, ``"mt"``, ``"chao"``, ``"poisson2"``, ``"darroch"`` or ``"gamma"``.
    level
        Level of the profile-likelihood interval.
    profile
        Compute that interval (the bootstrap turns it off: its own interval replaces it).

    Attributes
    ----------
    coef_
        Parameters by name (Chao's dropped ``eta`` are absent).
    deviance_, df_
        Deviance and residual degrees of freedom.
    estimate_
        The :class:`~darkfigure.estimate.Estimate`.

    Notes
    -----
    Closed population; lists are exchangeable except under ``mt`` (no list dependence is
    modelled: positive dependence biases every one of them downwards); heterogeneity is modelled
    only through the number of captures. With two lists only ``m0`` and ``mt`` are defined.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0],
    ...                       "count": [40, 30, 20, 6]})
    >>> t = CaptureHistories.from_frame(frame)
    >>> round(ClosedPopulation(model="m0").fit(t).estimate_.estimate, 1)
    566.4
    """

    def __init__(self, *, model: str = "mt", level: float = 0.95, profile: bool = True) -> None:
        self.model = model
        self.level = level
        self.profile = profile

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters."""
        return {"model": self.model, "level": self.level, "profile": self.profile}

    @single_blas_thread
    def fit(self, table: CaptureHistories) -> Self:
        """Fit the model; sets ``estimate_``.

        Raises
        ------
        SettingsError
            Unknown model, or a heterogeneity model with fewer than three lists.
        NotEstimableError
            The MLE does not exist (the fit runs to a boundary) or is not identifiable.
        """
        if self.model not in MODELS:
            raise SettingsError(f"model must be one of {', '.join(MODELS)}")
        k = table.n_lists
        if self.model not in ("m0", "mt") and k < 3:
            raise SettingsError(f"{MODELS[self.model]} needs at least 3 lists (got {k})")
        label = MODELS[self.model]
        y = table.cell_counts()[1:].astype(np.float64)
        x_full, names = _design(self.model, k)
        keep = np.ones(len(names), dtype=bool)
        while True:
            xmat = x_full[1:, keep]
            if np.linalg.matrix_rank(xmat) < xmat.shape[1]:
                raise NotEstimableError(f"{label}: not identifiable on {k} lists")
            fit = fit_batch(xmat, y[None, :], np.ones(xmat.shape[1], dtype=bool))
            coef = fit.coef[0]
            if self.model != "chao":
                break
            # Rcapture: drop the first negative eta and refit, until none is negative.
            kept_names = [n for n, on in zip(names, keep, strict=True) if on]
            negative = [
                n for n, c in zip(kept_names, coef, strict=True) if n.startswith("eta") and c < 0
            ]
            if not negative:
                break
            keep[names.index(negative[0])] = False
        if fit.boundary[0] and not lp_exists(xmat, y):
            raise NotEstimableError(
                f"{label}: no finite maximum-likelihood estimate — the observed counts lie on "
                "the boundary of the model (Fienberg–Rinaldo linear-programming test), so the "
                "fit runs off to infinity (Rcapture prints a number here and flags infoFit); "
                "use a log-linear method"
            )
        mu = fit.mu[0]
        self.coef_ = {
            n: float(c)
            for n, c in zip([n for n, on in zip(names, keep, strict=True) if on], coef, strict=True)
        }
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
        self.deviance_ = float(2.0 * dev.sum())
        self.df_ = int(y.size - xmat.shape[1])
        dark = float(math.exp(coef[0]))
        total = float(y.sum()) + dark
        warnings: list[str] = []
        diagnostics: dict[str, Any] = {
            "deviance": self.deviance_,
            "df": self.df_,
            "coefficients": self.coef_,
            "dropped": [n for n, on in zip(names, keep, strict=True) if not on],
        }
        interval = None
        if self.profile:
            lower, upper, peak = profile_interval(
                x_full[:, keep],
                y,
                np.ones(xmat.shape[1], dtype=bool),
                np.ones(y.size, dtype=bool),
                total,
                self.level,
            )
            interval = Interval(self.level, lower, upper, "profile")
            diagnostics["profile_maximum"] = peak
            if not math.isfinite(upper):
                warnings.append("the profile likelihood has no finite upper limit")
        self.estimate_ = Estimate(
            lists=table.lists,
            observed=int(y.sum()),
            method=self.model,
            model=(label,),
            estimate=total,
            dark_figure=dark,
            interval=interval,
            warnings=tuple(warnings),
            diagnostics=diagnostics,
        )
        return self
