"""The log-linear estimator: a Poisson GLM on the capture histories, fixed or selected terms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._base import Seed
from darkfigure.estimate._design import (
    closure,
    design,
    enumerate_hierarchical,
    order,
    parse_terms,
    term_name,
)
from darkfigure.estimate._fit import Checked, Space, fit_checked
from darkfigure.estimate._profile import profile_interval
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.estimate._selection import WarmStart, rank_models, select_among, stepwise
from darkfigure.estimate._threads import single_blas_thread
from darkfigure.histories import CaptureHistories

__all__ = ["LogLinear"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SELECTIONS = (None, "aic", "bic", "stepwise", "threshold")
#: Largest model catalogue an exhaustive AIC/BIC search accepts (6 lists, pairs: 32,768).
MAX_MODELS = 40_000
#: How many top-ranked models a bootstrap replicate chooses among, by number of lists, as
#: MultipleSystemsEstimation's ``bic`` bootstrap does (all for ≤ 3 lists, 20 for 4, 100 beyond).
TOP_MODELS = {2: None, 3: None, 4: 20}
TOP_MODELS_DEFAULT = 100
SHOWN_CANDIDATES = 10


class LogLinear:
    """Poisson log-linear model over the 2^K − 1 observable histories; fixed or selected terms.

    The log of the expected count of each history is the sum of the parameters of the terms it
    contains; the dark figure is ``exp(intercept)`` and the total is the observed count plus it.

    Parameters
    ----------
    terms
        Interactions of a fixed model, e.g. ``("A:B", "C:D")`` (sub-terms are added, so
        ``"A:B:C"`` brings ``A:B``, ``A:C``, ``B:C``). Empty = main effects (independence).
    selection
        ``None`` (fit ``terms``), ``"aic"``/``"bic"`` (best criterion over every hierarchical
        model with interactions up to ``max_order``), ``"stepwise"`` (Chan, Silverman & Vincent
        2021) or ``"threshold"`` (Bayesian thresholding, Silverman 2020).
    max_order
        Highest interaction order an AIC/BIC search considers (1 .. K − 1).
    p_threshold
        p-value below which ``stepwise`` adds an interaction (0.02 as in SparseMSE).
    level
        Level of the model-conditional profile-likelihood interval.
    top_models
        For bootstrap replicates of ``aic``/``bic``: choose among this many best models of the
        original data (``None``: as MultipleSystemsEstimation, all for ≤ 3 lists, 20 for 4,
        100 beyond). Point estimates always search every model.
    profile
        Compute the profile-likelihood interval (:class:`~darkfigure.estimate.Bootstrap` turns
        it off: its own interval replaces it).
    prior
        ``threshold`` only: ``"proper"`` (N(0, 1) priors on interactions, the R default) or
        ``"improper"`` (flat; the full pairwise model must then have an extended MLE).
    seed
        Seed of the MCMC of ``threshold``.

    Attributes
    ----------
    model_
        Interaction terms of the fitted (chosen) model, as names.
    coef_
        Parameter estimates by term name (−inf for terms with no one in common).
    deviance_, df_
        Deviance and residual degrees of freedom of the fitted model.
    candidates_
        For ``aic``/``bic``: the best models with their criteria (for the summary).
    draws_, rhat_
        For ``threshold``: posterior draws of the total and the worst split R-hat.
    estimate_
        The :class:`~darkfigure.estimate.Estimate`.

    Notes
    -----
    Assumes a closed population (no one enters or leaves during the lists' period), that every
    person has a history under the same model (no unmodelled heterogeneity beyond the fitted
    interactions) and that the highest-order interaction is zero — an untestable assumption that
    the dark figure rests on. A model whose (extended) MLE does not exist or is not identifiable
    raises :class:`~darkfigure.errors.NotEstimableError`; selection methods drop such candidates
    and list them in ``diagnostics``.

    Examples
    --------
    >>> import pandas as pd
    >>> from darkfigure.histories import CaptureHistories
    >>> frame = pd.DataFrame({"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0],
    ...                       "count": [40, 30, 20, 6]})
    >>> est = LogLinear().fit(CaptureHistories.from_frame(frame)).estimate_
    >>> round(est.estimate, 1), est.interval.kind
    (539.1, 'profile')
    >>> LogLinear(terms=("A:B",)).fit(CaptureHistories.from_frame(frame))
    Traceback (most recent call last):
    ...
    darkfigure.errors.NotEstimableError: model A + B + C + A:B: no finite maximum-likelihood ...
    """

    draws_: FloatArray
    rhat_: float

    def __init__(
        self,
        *,
        terms: Sequence[str] = (),
        selection: str | None = None,
        max_order: int = 2,
        p_threshold: float = 0.02,
        level: float = 0.95,
        top_models: int | None = None,
        prior: str = "proper",
        profile: bool = True,
        seed: Seed = None,
    ) -> None:
        self.terms = terms
        self.selection = selection
        self.max_order = max_order
        self.p_threshold = p_threshold
        self.level = level
        self.top_models = top_models
        self.prior = prior
        self.profile = profile
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters (for :func:`~darkfigure.estimate._base.clone`)."""
        return {
            "terms": self.terms,
            "selection": self.selection,
            "max_order": self.max_order,
            "p_threshold": self.p_threshold,
            "level": self.level,
            "top_models": self.top_models,
            "prior": self.prior,
            "profile": self.profile,
            "seed": self.seed,
        }

    @property
    def method(self) -> str:
        """The ``--method`` name this configuration corresponds to."""
        if self.selection is not None:
            return self.selection
        return "fixed" if self.terms else "main"

    # ------------------------------------------------------------------ fitting
    def _validate(self, table: CaptureHistories) -> None:
        k = table.n_lists
        if self.selection not in SELECTIONS:
            raise SettingsError(f"selection must be one of {', '.join(map(str, SELECTIONS))}")
        if not 0.0 < self.level < 1.0:
            raise SettingsError(f"level must be between 0 and 1 (got {self.level})")
        if self.selection in ("aic", "bic") and not 1 <= self.max_order <= k - 1:
            raise SettingsError(
                f"--max-order must be between 1 and {k - 1} for {k} lists (got {self.max_order})"
            )
        if self.prior not in ("proper", "improper"):
            raise SettingsError(f"prior must be 'proper' or 'improper' (got {self.prior!r})")
        if not 0.0 <= self.p_threshold <= 1.0:
            raise SettingsError(f"--p must be between 0 and 1 (got {self.p_threshold})")

    @single_blas_thread
    def fit(self, table: CaptureHistories) -> Self:
        """Fit (and select) on a capture-history table; sets ``estimate_``.

        Raises
        ------
        SettingsError
            Bad hyperparameters or terms.
        NotEstimableError
            The model (or every candidate) has no finite, identifiable estimate.
        """
        self._validate(table)
        self.table_ = table
        y = table.cell_counts()[1:].astype(np.float64)
        lists = table.lists
        k = table.n_lists
        warnings: list[str] = []
        diagnostics: dict[str, Any] = {}
        if self.selection in ("aic", "bic"):
            candidates, chosen_terms = enumerate_hierarchical(k, self.max_order, limit=MAX_MODELS)
            space = Space.build(lists, candidates)
            masks = np.zeros((chosen_terms.shape[0], len(space.terms)), dtype=bool)
            masks[:, : k + 1] = True
            masks[:, k + 1 :] = chosen_terms

            def models(i: int) -> tuple[int, ...]:
                return space.interactions(masks[i])

            top = (
                self.top_models
                if self.top_models is not None
                else TOP_MODELS.get(k, TOP_MODELS_DEFAULT)
            )
            keep = None if top is None else max(top, SHOWN_CANDIDATES)
            fits, values, ranking, pruned = rank_models(space, y, masks, self.selection, keep)
            usable = ranking[np.isfinite(values[ranking])]
            dropped = np.flatnonzero(~fits.valid & ~pruned).tolist()
            diagnostics["models_searched"] = int(masks.shape[0])
            diagnostics["models_pruned"] = int(pruned.sum())
            diagnostics["not_estimable"] = {
                "count": len(dropped),
                "examples": [
                    {"model": _label(models(i), lists), "reason": fits.reasons[i]}
                    for i in dropped[:SHOWN_CANDIDATES]
                ],
            }
            if not usable.size:
                raise NotEstimableError(
                    f"none of the {masks.shape[0]} hierarchical models has a finite, identifiable "
                    f"estimate; for example: {fits.reasons[dropped[0]]}"
                )
            chosen = int(usable[0])
            self.retained_ = usable if top is None else usable[:top]
            self.retained_masks_ = masks[self.retained_]
            self.retained_start_ = WarmStart.of(space, fits, self.retained_)
            other = "aic" if self.selection == "bic" else "bic"
            other_values = fits.criterion(other, np.array([y.sum()]))
            self.candidates_ = [
                {
                    "model": _label(models(i), lists),
                    "estimate": float(fits.total[i]),
                    self.selection: float(values[i]),
                    other: float(other_values[i]),
                    "delta": float(values[i] - values[chosen]),
                }
                for i in usable[:SHOWN_CANDIDATES]
            ]
            diagnostics["candidates"] = self.candidates_
            cols = masks[chosen]
            fit = _take(fits, chosen)
            diagnostics["bootstrap_models"] = int(self.retained_.size)
        elif self.selection == "stepwise":
            space = Space.build(lists, _pairs(k))
            result = stepwise(space, y[None, :], self.p_threshold)
            cols = result.cols[0]
            fit = _take(result.fits, 0)
            if not fit.valid[0]:
                raise NotEstimableError(f"main-effects model: {fit.reasons[0]}")
            diagnostics["stepwise_path"] = [
                {"term": term_name(t, lists), "p": p} for t, p in result.path[0]
            ]
        elif self.selection == "threshold":
            from darkfigure.estimate._threshold import bayes_threshold

            bayes_threshold(self, table, prior=self.prior)
            return self
        else:
            wanted = closure(parse_terms(self.terms, lists), k)
            if any(order(t) == k for t in wanted):
                raise NotEstimableError(
                    f"model with the {k}-list interaction: the unobserved history is then "
                    "saturated, so the dark figure is not identifiable"
                )
            space = Space.build(lists, wanted)
            cols = space.columns(wanted)
            fit = fit_checked(space, y[None, :], cols[None, :])
            if not fit.valid[0]:
                raise NotEstimableError(
                    f"model {' + '.join(_names(space, cols))}: {fit.reasons[0]}"
                )
        self.space_ = space
        self.cols_ = cols
        self.fit_ = fit
        self._record(y, warnings, diagnostics)
        return self

    def _record(self, y: FloatArray, warnings: list[str], diagnostics: dict[str, Any]) -> None:
        space, cols, fit = self.space_, self.cols_, self.fit_
        lists = space.lists
        coef = fit.coef[0]
        self.model_ = tuple(term_name(t, lists) for t in space.interactions(cols))
        self.coef_ = {
            term_name(t, lists): float(coef[j]) for j, t in enumerate(space.terms) if cols[j]
        }
        minus = [name for name, v in self.coef_.items() if v == -math.inf]
        mu = fit.mu[0]
        active_cells = _active_cells(space, y, cols)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev_terms = np.where(y > 0, y * np.log(y / np.where(mu > 0, mu, 1.0)), 0.0) - (y - mu)
        self.deviance_ = float(2.0 * dev_terms[active_cells].sum())
        self.df_ = int(active_cells.sum() - np.isfinite(coef[cols]).sum())
        n = float(y.sum())
        diagnostics.update(
            {
                "deviance": self.deviance_,
                "df": self.df_,
                "aic": float(fit.criterion("aic", np.array([n]))[0]),
                "bic": float(fit.criterion("bic", np.array([n]))[0]),
                "coefficients": {
                    k: (None if not math.isfinite(v) else v) for k, v in self.coef_.items()
                },
                "minus_infinity": minus,
            }
        )
        if minus:
            warnings.append(
                f"{', '.join(minus)}: no one is on all the lists of the term, so it is "
                "estimated at −∞ (extended MLE): histories holding it are fitted as 0"
            )
        interval = None
        if self.profile:
            x_full = design(space.k, space.terms, include_unobserved=True)
            lower, upper, peak = profile_interval(
                x_full,
                y,
                cols & np.isfinite(np.nan_to_num(coef, nan=0.0)),
                active_cells,
                float(fit.total[0]),
                self.level,
            )
            interval = Interval(self.level, lower, upper, "profile")
            diagnostics["profile_maximum"] = peak
            if self.selection is not None:
                warnings.append(
                    "the interval is conditional on the selected model and ignores selection "
                    "uncertainty (too narrow); use --bootstrap for an interval that includes it"
                )
            if not math.isfinite(upper):
                warnings.append(
                    "the profile likelihood does not fall below the cut-off above "
                    "the estimate: no finite upper limit"
                )
        self.estimate_ = Estimate(
            lists=lists,
            observed=int(n),
            method=self.method,
            model=tuple(lists) + self.model_,
            estimate=float(fit.total[0]),
            dark_figure=float(fit.dark[0]),
            interval=interval,
            warnings=tuple(warnings),
            diagnostics=diagnostics,
        )

    # ------------------------------------------------------------------ bootstrap support
    @single_blas_thread
    def replicate_totals(self, tables: FloatArray) -> tuple[FloatArray, list[str]]:
        """Redo this estimator's selection and fit on each table (``(R, 2^K − 1)`` counts).

        Returns the totals (NaN where nothing is estimable) and each table's chosen model.
        Uses batched fits; ``fit`` must have been called.
        """
        tables = np.asarray(tables, dtype=np.float64)
        space, lists = self.space_, self.space_.lists
        if self.selection in ("aic", "bic"):
            totals, best = select_among(
                space, tables, self.retained_masks_, self.selection, warm=self.retained_start_
            )
            labels = [
                ""
                if b < 0
                else "+".join(
                    term_name(t, lists) for t in space.interactions(self.retained_masks_[b])
                )
                for b in best
            ]
            return totals, labels
        if self.selection == "stepwise":
            result = stepwise(space, tables, self.p_threshold)
            labels = [
                "+".join(term_name(t, lists) for t in space.interactions(c)) for c in result.cols
            ]
            return np.where(result.fits.valid, result.fits.total, np.nan), labels
        warm = WarmStart.of(space, self.fit_, np.array([0]))
        fits = fit_checked(space, tables, self.cols_[None, :], start=warm.starts(tables, space))
        label = "+".join(self.model_)
        return np.where(fits.valid, fits.total, np.nan), [label] * tables.shape[0]


def _pairs(k: int) -> list[int]:
    return [(1 << i) | (1 << j) for i, j in combinations(range(k), 2)]


def _label(interactions: Sequence[int], lists: Sequence[str]) -> str:
    """A model by its interactions (main effects are always in)."""
    if not interactions:
        return "main effects"
    return " + ".join(term_name(t, lists) for t in interactions)


def _names(space: Space, cols: BoolArray) -> list[str]:
    return [term_name(t, space.lists) for j, t in enumerate(space.terms) if cols[j] and t]


def _take(fits: Checked, i: int) -> Checked:
    return Checked(
        total=fits.total[i : i + 1],
        dark=fits.dark[i : i + 1],
        loglik=fits.loglik[i : i + 1],
        n_params=fits.n_params[i : i + 1],
        coef=fits.coef[i : i + 1],
        mu=fits.mu[i : i + 1],
        valid=fits.valid[i : i + 1],
        reasons=fits.reasons[i : i + 1],
    )


def _active_cells(space: Space, y: FloatArray, cols: BoolArray) -> BoolArray:
    margins = y @ space.xmat
    zero = cols & (margins <= 0)
    zero[0] = False
    out: BoolArray = np.asarray(~(space.xmat[:, zero] > 0).any(axis=1), dtype=bool)
    return out
