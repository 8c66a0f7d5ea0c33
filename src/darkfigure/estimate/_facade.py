"""``estimate_population`` and ``estimate_strata``: the estimate stage's way in."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from darkfigure._summary import Summary
from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._base import Estimator, Seed, StrataEstimator
from darkfigure.estimate._bootstrap import Bootstrap
from darkfigure.estimate._methods import DEFAULT_METHOD, METHODS, MethodOptions
from darkfigure.estimate._result import Estimate
from darkfigure.histories import CaptureHistories, build_histories, read_histories
from darkfigure.stratified_histories import StratifiedHistories

if TYPE_CHECKING:  # only strata need pandas, and they receive a frame already loaded
    import pandas as pd

__all__ = ["StrataEstimates", "estimate_population", "estimate_strata"]

Progress = Callable[[int, int], None]


def estimate_population(
    table: CaptureHistories | StratifiedHistories | str | os.PathLike[str],
    *,
    method: str = DEFAULT_METHOD,
    bootstrap: int = 0,
    bootstrap_kind: str = "bca",
    resample: str = "multinomial",
    seed: Seed = None,
    level: float = 0.95,
    max_order: int = 2,
    terms: Sequence[str] = (),
    p: float = 0.02,
    jobs: int | None = None,
    progress: Progress | None = None,
    **method_options: Any,
) -> Estimate:
    """Estimate the total population (observed + dark figure) from a capture-history table.

    Parameters
    ----------
    table
        A :class:`~darkfigure.histories.CaptureHistories` or the path of its CSV, or a
        :class:`~darkfigure.stratified_histories.StratifiedHistories` (histories with the
        lists' scopes and covariates) for methods that use strata (``lcmcr-strata``). Other
        methods given stratified histories pool them, and say so in the estimate's warnings.
    method
        A name in :data:`~darkfigure.estimate.METHODS` (``logit-normal`` by default; see Notes).
    bootstrap
        Replicates of a bootstrap interval that redoes the selection in each (0: none; the
        interval is then the model-conditional profile likelihood).
    bootstrap_kind
        ``"bca"`` (default, as SparseMSE) or ``"percentile"``.
    resample
        ``"multinomial"`` (resample the observed people) or ``"parametric"``.
    seed
        Seed for the bootstrap (and MCMC methods); same seed, same result.
    level
        Interval level (0.95).
    max_order
        Highest interaction order ``aic``/``bic`` search (2 by default; at most K − 1).
    terms
        Interactions of the ``fixed`` method, e.g. ``["A:B", "C:D"]``.
    p
        p-value threshold of ``stepwise`` (0.02).
    jobs
        Worker processes for the bootstrap (``None``: all cores).
    progress
        Called with (done, total) replicates.
    **method_options
        Further :class:`~darkfigure.estimate.MethodOptions` fields of a method (e.g. the MCMC
        settings ``classes``, ``chains``, ``burn_in``, ``draws``, ``thin`` of ``lcmcr``).

    Returns
    -------
    Estimate

    Raises
    ------
    TableError
        The table breaks its contract.
    SettingsError
        Unknown method, bad option values, or an option the method does not take.
    NotEstimableError
        The requested model has no finite, identifiable estimate (the message says why).

    Notes
    -----
    The default, ``logit-normal`` (:data:`~darkfigure.estimate._methods.DEFAULT_METHOD`), had the
    best coverage in the coverage study on simulated Hong Kong lists (docs/estimation.md,
    "Choosing the default"); like every method studied it is too low where organisations refer
    people to each other. Point estimates from a selection method (``bic``, ``stepwise``) come
    with a model-conditional interval that is too narrow; add ``bootstrap=1000``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = CaptureHistories.from_frame(pd.DataFrame(
    ...     {"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0], "count": [40, 30, 20, 6]}))
    >>> est = estimate_population(t, method="stepwise", bootstrap=200, seed=1)
    >>> round(est.estimate, 1), est.interval.kind
    (539.1, 'bca')
    """
    if isinstance(table, str | os.PathLike):
        table = read_histories(table)
    if method not in METHODS:
        raise SettingsError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    entry = METHODS[method]
    if method == "fixed" and not terms:
        raise SettingsError("--method fixed needs --terms, e.g. --terms A:B,C:D")
    if terms and method != "fixed":
        raise SettingsError("--terms applies only to --method fixed")
    if bootstrap < 0:
        raise SettingsError(f"--bootstrap must be 0 or more (got {bootstrap})")
    if bootstrap and not entry.bootstrap:
        raise SettingsError(f"--method {method} has its own interval; drop --bootstrap")
    known = set(MethodOptions.__dataclass_fields__)
    unknown = sorted(set(method_options) - known)
    if unknown:
        raise SettingsError(f"unknown option(s) {', '.join(unknown)}")
    options = MethodOptions(
        level=level, seed=seed, max_order=max_order, terms=tuple(terms), p=p, **method_options
    )
    if entry.strata == "uses":
        return cast(StrataEstimator, entry.factory(options)).fit(table).estimate_  # type: ignore[arg-type]
    if entry.strata == "needs":
        if not isinstance(table, StratifiedHistories):
            raise SettingsError(
                f"--method {method} needs each person's strata: give linked records (--records) "
                "and the lists description (--lists lists.yaml)"
            )
        result = cast(StrataEstimator, entry.factory(options)).fit(table).estimate_
        if not table.referrals:
            return result
        note = f"{method} ignores the declared referral pathways (logit-normal models them)"
        return dataclasses.replace(result, warnings=(*result.warnings, note))
    pooled_note = None
    if isinstance(table, StratifiedHistories):
        pooled_note = (
            f"{method} ignores whom each list can see (the lists description)"
            + (", the referral pathways" if table.referrals else "")
            + " and the covariates: it treats every list as able to see everyone "
            "(logit-normal and lcmcr-strata do not)"
        )
        table = table.pooled()
    estimator = cast(Estimator, entry.factory(options))
    if bootstrap:
        result = (
            Bootstrap(
                estimator,
                n_resamples=bootstrap,
                kind=bootstrap_kind,
                resample=resample,
                seed=seed,
                level=level,
                jobs=jobs,
            )
            .fit(table, progress=progress)
            .estimate_
        )
    else:
        result = estimator.fit(table).estimate_
    if pooled_note is None:
        return result
    return dataclasses.replace(result, warnings=(*result.warnings, pooled_note))


@dataclass(frozen=True)
class StrataEstimates:
    """Estimates per stratum and for everyone (the pooled table).

    Attributes
    ----------
    by
        The stratifying column.
    total
        The estimate from the pooled table (all strata together).
    strata
        Stratum value → its estimate.
    not_estimable
        Stratum value → why it could not be estimated (too sparse, no finite MLE, ...).
    """

    by: str
    total: Estimate
    strata: Mapping[str, Estimate]
    not_estimable: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the pooled estimate's contract object plus ``by``, ``strata`` and
        ``not_estimable`` keys."""
        out = self.total.to_dict()
        out["by"] = self.by
        out["strata"] = {k: v.to_dict() for k, v in self.strata.items()}
        out["not_estimable"] = dict(self.not_estimable)
        return out

    def summary(self) -> Summary:
        """The pooled estimate's summary plus a table of strata."""
        base = self.total.summary()
        rows: list[tuple[Any, ...]] = []
        for name, est in self.strata.items():
            iv = est.interval
            rows.append(
                (
                    name or "(none)",
                    est.observed,
                    round(est.estimate),
                    "—" if iv is None else f"{iv.lower:,.0f} – {iv.upper:,.0f}",
                    " + ".join(est.model[len(est.lists) :]) or "main effects",
                )
            )
        for name, reason in self.not_estimable.items():
            rows.append((name or "(none)", "", "not estimable", reason, ""))
        summary = Summary(
            f"Population estimate by {self.by}", base.header, base.tables, base.warnings, base.notes
        )
        return summary.with_table(
            f"Strata ({self.by})", ("stratum", "observed", "estimate", "interval", "model"), rows
        )


def estimate_strata(records: pd.DataFrame, *, by: str, **options: Any) -> StrataEstimates:
    """Estimate per stratum of linked records and for all of them together.

    ``options`` are those of :func:`estimate_population`. A stratum that cannot be estimated
    (too few people, no finite MLE) is listed in ``not_estimable`` with the reason.
    """
    pooled = build_histories(records)
    tables = build_histories(records, by=by)
    assert isinstance(pooled, CaptureHistories)
    assert isinstance(tables, dict)
    total = estimate_population(pooled, **options)
    strata: dict[str, Estimate] = {}
    failed: dict[str, str] = {}
    for name, table in tables.items():
        try:
            strata[name] = estimate_population(table, **options)
        except (NotEstimableError, SettingsError) as error:
            # a sparse stratum may fail where the pooled table did not: flag it, do not hide it
            failed[name] = str(error)
    return StrataEstimates(by=by, total=total, strata=strata, not_estimable=failed)
