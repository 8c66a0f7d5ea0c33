"""The result every estimation method returns, whatever its family."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from darkfigure._summary import Summary

__all__ = ["Estimate", "Interval"]


@dataclass(frozen=True)
class Interval:
    """An interval for the total population.

    ``kind`` says how it was made: ``"bca"``, ``"percentile"``, ``"profile"``, ``"wald"``,
    ``"credible"`` (Bayesian equal-tailed) ... An ``upper`` of ``inf`` means the data set no
    upper bound; JSON has no infinity, so the file form writes it as ``null``.

    Examples
    --------
    >>> Interval(0.95, 1200.0, math.inf, "profile").to_dict()["upper"] is None
    True
    >>> Interval.from_dict({"level": 0.95, "lower": 1.0, "upper": None, "kind": "profile"}).upper
    inf
    """

    level: float
    lower: float
    upper: float
    kind: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; an unbounded ``upper`` becomes ``None``."""
        upper = None if math.isinf(self.upper) else self.upper
        return {"level": self.level, "lower": self.lower, "upper": upper, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Interval:
        """Read back :meth:`to_dict`'s object (``upper`` ``None``: no upper bound)."""
        upper = math.inf if data["upper"] is None else float(data["upper"])
        return cls(float(data["level"]), float(data["lower"]), upper, str(data["kind"]))


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Estimate:
    """A population estimate with its interval, model and warnings (aggregates only).

    Attributes
    ----------
    lists
        The lists, in table order.
    observed
        People seen by at least one list.
    method
        The ``--method`` name that produced it.
    model
        Model terms, e.g. ``("A", "B", "C", "A:B")``; for non-log-linear methods a short label.
    estimate
        Point estimate of the total population (observed + dark figure).
    dark_figure
        Estimate of the people on no list.
    interval
        Interval for the total, or ``None`` when none was computed.
    warnings
        Everything the reader must know before quoting the number.
    diagnostics
        Method-specific JSON-safe extras (candidate models, chains, replicates summary, ...).
    """

    lists: tuple[str, ...]
    observed: int
    method: str
    model: tuple[str, ...]
    estimate: float
    dark_figure: float
    interval: Interval | None
    warnings: tuple[str, ...] = ()
    diagnostics: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``darkfigure estimate --json`` object of the contract."""
        return {
            "lists": list(self.lists),
            "observed": self.observed,
            "method": self.method,
            "model": list(self.model),
            "estimate": _json_number(self.estimate),
            "dark_figure": _json_number(self.dark_figure),
            "interval": None if self.interval is None else self.interval.to_dict(),
            "warnings": list(self.warnings),
            "diagnostics": dict(self.diagnostics),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        """Read back an object written by :meth:`to_dict`."""
        interval = data.get("interval")
        return cls(
            lists=tuple(data["lists"]),
            observed=int(data["observed"]),
            method=str(data["method"]),
            model=tuple(data["model"]),
            estimate=float(data["estimate"]) if data["estimate"] is not None else math.nan,
            dark_figure=float(data["dark_figure"]) if data["dark_figure"] is not None else math.nan,
            interval=None if interval is None else Interval.from_dict(interval),
            warnings=tuple(data.get("warnings", ())),
            diagnostics=dict(data.get("diagnostics", {})),
        )

    def summary(self) -> Summary:
        """The estimate for people: numbers, model, interval and warnings."""
        header: list[tuple[str, Any]] = [
            ("lists", ", ".join(self.lists)),
            ("observed", self.observed),
            ("method", self.method),
            ("model", " + ".join(self.model) if self.model else "—"),
            ("estimated total", round(self.estimate)),
            ("dark figure (on no list)", round(self.dark_figure)),
        ]
        if self.interval is not None:
            iv = self.interval
            header.append(
                (
                    f"{iv.level:.0%} interval ({iv.kind})",
                    f"{iv.lower:,.0f} – "
                    + ("no upper bound" if math.isinf(iv.upper) else f"{iv.upper:,.0f}"),
                )
            )
        else:
            header.append(("interval", "none computed"))
        convergence = self._convergence()
        if convergence is not None:
            header.append(("R-hat / ESS", convergence))
        summary = Summary(
            "Population estimate",
            header=tuple(header),
            warnings=self.warnings,
            notes=tuple(self._notes()),
        )
        candidates = self.diagnostics.get("candidates")
        if candidates:
            criteria = [k for k in ("bic", "aic") if k in candidates[0]]
            summary = summary.with_table(
                "Best models",
                ("model", "estimate", *criteria, "Δ"),
                [
                    (
                        c["model"],
                        round(c["estimate"]),
                        *(round(c[k], 2) for k in criteria),
                        round(c["delta"], 2),
                    )
                    for c in candidates
                ],
            )
        strata = self.diagnostics.get("strata")
        if strata:
            summary = summary.with_table(
                f"Strata ({' · '.join(strata[0]['levels'])})",
                ("stratum", "lists that see it", "observed (settled)", "estimate", "interval"),
                [
                    (
                        " · ".join(s["levels"].values()) or "all",
                        len(s["lists"]),
                        s["observed_settled"],
                        round(s["estimate"]),
                        f"{s['lower']:,.0f} – {s['upper']:,.0f}",
                    )
                    for s in strata
                ],
            )
        shares = self.diagnostics.get("referral_shares")
        if shares:
            summary = summary.with_table(
                "Referral pathways (estimated share of the source's people referred on)",
                ("pathway", "share"),
                [(pathway, f"{share:.1%}") for pathway, share in shares.items()],
            )
        chosen = self.diagnostics.get("bootstrap", {}).get("models_chosen")
        if chosen:
            summary = summary.with_table(
                "Models chosen in the bootstrap replicates",
                ("model", "share"),
                [(c["model"], f"{c['share']:.1%}") for c in chosen],
            )
        return summary

    def _convergence(self) -> str | None:
        """``"1.002 / 3,850"`` from MCMC diagnostics (worst R-hat of several runs), or None.

        Examples
        --------
        >>> e = Estimate(("A", "B"), 10, "lcmcr", (), 20.0, 10.0, None,
        ...              diagnostics={"rhat": 1.0021, "ess": 3850.4})
        >>> e._convergence()
        '1.002 / 3,850'
        >>> e = Estimate(("A", "B"), 10, "threshold", (), 20.0, 10.0, None,
        ...              diagnostics={"rhat": [1.01, 1.03]})
        >>> e._convergence()
        '1.030 / —'
        """
        rhat = self.diagnostics.get("rhat")
        ess = self.diagnostics.get("ess")
        if isinstance(rhat, list | tuple):  # one R-hat per run: the worst one counts
            finite = [float(r) for r in rhat if r is not None and math.isfinite(r)]
            rhat = max(finite) if finite else None
        if rhat is None and ess is None:
            return None
        rhat_text = f"{rhat:.3f}" if rhat is not None else "—"
        ess_text = f"{ess:,.0f}" if ess is not None else "—"
        return f"{rhat_text} / {ess_text}"

    def _notes(self) -> list[str]:
        """Short lines on how the estimate was made, from the JSON-safe diagnostics."""
        notes: list[str] = []
        boot = self.diagnostics.get("bootstrap")
        if boot:
            accel = boot.get("acceleration")
            notes.append(
                f"bootstrap: {boot['replicates']} {boot.get('resample', '')} replicates "
                f"(seed {boot.get('seed')}), selection redone in each; {boot.get('failed', 0)} "
                "failed" + (f"; BCa acceleration {accel:.4f}" if accel is not None else "")
            )
        dropped = self.diagnostics.get("not_estimable")
        searched = self.diagnostics.get("models_searched")
        if searched:
            pruned = self.diagnostics.get("models_pruned", 0)
            notes.append(
                f"{searched:,} hierarchical models searched: "
                f"{dropped['count'] if dropped else 0:,} not estimable and left out"
                + (
                    f", {pruned:,} not fitted because a bound on their criterion shows they "
                    "cannot be among the best"
                    if pruned
                    else ""
                )
            )
        return notes
