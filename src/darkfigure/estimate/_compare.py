"""Model uncertainty in the open: every plausible model's estimate, and the strongest assumption.

One number from one model hides how much the answer depends on the model. :func:`compare_models`
fits a panel of methods that make different assumptions (independence, selected interactions,
heterogeneity in several forms, latent classes, the lists' scopes) to the same data, and the
sensitivity of the estimate to how unequal people's visibility is: the assumption no data can
check, because the people on no list are the least visible by construction
(:func:`~darkfigure.estimate._logitnormal.visibility_sensitivity`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from darkfigure._summary import Summary
from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._facade import estimate_population
from darkfigure.estimate._logitnormal import visibility_sensitivity
from darkfigure.estimate._result import Estimate
from darkfigure.histories import CaptureHistories
from darkfigure.stratified_histories import StratifiedHistories

__all__ = ["ModelComparison", "compare_models"]

#: The panel: one method per kind of assumption (see docs/estimation.md).
PANEL = ("main", "stepwise", "bic", "gamma", "darroch", "chao", "lcmcr", "dga", "logit-normal")
#: Added when the lists' scopes are known.
SCOPED_PANEL = ("lcmcr-strata",)
#: Spreads of visibility (logit scale) for the sensitivity table.
SPREADS = (0.0, 0.5, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class ModelComparison:
    """Estimates across models and the sensitivity to the spread of visibility.

    Attributes
    ----------
    estimates
        One estimate per method that gave one, in panel order.
    not_estimable
        Method -> why it gave no estimate.
    sensitivity
        Estimates at fixed spreads of visibility (``diagnostics["sigma"]``).
    """

    estimates: tuple[Estimate, ...]
    not_estimable: dict[str, str] = field(default_factory=dict)
    sensitivity: tuple[Estimate, ...] = ()

    @property
    def range(self) -> dict[str, float] | None:
        """Lowest and highest point estimate, and the span of the intervals together."""
        if not self.estimates:
            return None
        points = [e.estimate for e in self.estimates]
        lowers = [e.interval.lower for e in self.estimates if e.interval is not None]
        uppers = [e.interval.upper for e in self.estimates if e.interval is not None]
        return {
            "lowest": min(points),
            "highest": max(points),
            "interval_lower": min(lowers, default=math.nan),
            "interval_upper": max(uppers, default=math.nan),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``models`` (each method's estimate object), ``not_estimable``, ``range``
        and ``sensitivity`` (``sigma`` with its estimate object); no upper bound is ``null``."""
        span = self.range
        return {
            "models": [e.to_dict() for e in self.estimates],
            "not_estimable": dict(self.not_estimable),
            # JSON has no infinity: an unbounded upper end is written as null.
            "range": None
            if span is None
            else {k: (None if math.isinf(v) else v) for k, v in span.items()},
            "sensitivity": [
                {"sigma": e.diagnostics["sigma"], **e.to_dict()} for e in self.sensitivity
            ],
        }

    def summary(self) -> Summary:
        """Two tables for people: the models, and the sensitivity to visibility."""
        rows: list[tuple[Any, ...]] = [
            (e.method, round(e.estimate), _interval_text(e), len(e.warnings))
            for e in self.estimates
        ]
        rows += [(name, "—", reason, "") for name, reason in self.not_estimable.items()]
        notes = []
        span = self.range
        if span is not None:
            notes.append(
                f"Point estimates range from {span['lowest']:,.0f} to {span['highest']:,.0f}; "
                f"their intervals together span {span['interval_lower']:,.0f} to "
                + _number(span["interval_upper"])
                + ". A wide spread means the answer depends on the model more than on the "
                "sampling error any one interval shows."
            )
        summary = Summary("Estimates across models", notes=tuple(notes)).with_table(
            "Models", ("method", "estimate", "95% interval", "warnings"), rows
        )
        if self.sensitivity:
            summary = summary.with_table(
                "Sensitivity: if people differ in visibility by a spread of sigma (logit scale)",
                ("sigma", "odds ratio per s.d.", "estimate", "95% interval"),
                [
                    (
                        f"{e.diagnostics['sigma']:.1f}",
                        f"{math.exp(e.diagnostics['sigma']):.1f}",
                        round(e.estimate),
                        _interval_text(e),
                    )
                    for e in self.sensitivity
                ],
            )
        return summary


def _number(value: float) -> str:
    return "no upper bound" if math.isinf(value) else f"{value:,.0f}"


def _interval_text(estimate: Estimate) -> str:
    iv = estimate.interval
    return "—" if iv is None else f"{iv.lower:,.0f} – {_number(iv.upper)}"


def compare_models(
    table: CaptureHistories | StratifiedHistories,
    *,
    methods: Sequence[str] | None = None,
    spreads: Sequence[float] = SPREADS,
    level: float = 0.95,
    seed: int | None = None,
) -> ModelComparison:
    """Fit a panel of methods and the visibility sensitivity to the same histories.

    Parameters
    ----------
    table
        Plain capture histories, or histories with the lists' scopes (then ``lcmcr-strata`` joins
        the panel and ``logit-normal`` and the sensitivity use the scopes).
    methods
        The panel (default :data:`PANEL`, plus :data:`SCOPED_PANEL` with scopes).
    spreads
        Spreads of visibility for the sensitivity table (empty: none).
    level, seed
        As :func:`~darkfigure.estimate.estimate_population`.
    """
    scoped = isinstance(table, StratifiedHistories)
    panel = list(methods) if methods is not None else [*PANEL, *(SCOPED_PANEL if scoped else ())]
    fitted, refused = [], {}
    for method in panel:
        try:
            fitted.append(estimate_population(table, method=method, level=level, seed=seed))
        except (NotEstimableError, SettingsError) as error:
            refused[method] = str(error)
    sensitivity = tuple(visibility_sensitivity(table, tuple(spreads), level=level))
    return ModelComparison(tuple(fitted), refused, sensitivity)
