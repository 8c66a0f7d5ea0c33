"""Linkage uncertainty: capture-history tables drawn from the match probabilities, and the
estimate that combines them.

One linkage gives one table, as if every link were certain. Drawing each scored pair as linked
with its match probability, clustering, and tabulating, M times, gives M plausible tables;
estimating on each and combining them by Rubin's rules (on the log scale, where population
estimates are closer to normal) widens the interval by the between-table spread, which is the
linkage error (multiple imputation of the unknown true links).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from darkfigure.errors import TableError
from darkfigure.estimate import Estimate, Interval
from darkfigure.histories import CaptureHistories, build_histories, read_histories

__all__ = ["combine_estimates", "estimate_from_samples", "read_samples", "sample_histories"]


def sample_histories(
    list_names: npt.NDArray[Any],
    pairs: pd.DataFrame,
    draws: int,
    *,
    seed: int | np.random.Generator | None = None,
) -> tuple[CaptureHistories, ...]:
    """``draws`` tables, each from links drawn independently with their match probabilities.

    Examples
    --------
    >>> pairs = pd.DataFrame({"unique_id_l": [0], "unique_id_r": [1], "match_probability": [0.5]})
    >>> tables = sample_histories(np.array(["A", "B"]), pairs, 200, seed=1)
    >>> 60 < sum(t.observed == 1 for t in tables) < 140   # linked in about half the draws
    True
    """
    from darkfigure.link._model import _components

    rng = np.random.default_rng(seed)
    n = len(list_names)
    left = pairs["unique_id_l"].to_numpy()
    right = pairs["unique_id_r"].to_numpy()
    p = pairs["match_probability"].to_numpy()
    lists = sorted(set(map(str, list_names)))
    out = []
    for _ in range(draws):
        keep = rng.random(len(p)) < p
        labels = _components(n, left[keep], right[keep])
        table = build_histories(
            pd.DataFrame({"list_name": list_names, "person_key": labels}), lists=lists
        )
        assert isinstance(table, CaptureHistories)
        out.append(table)
    return tuple(out)


def read_samples(directory: str | os.PathLike[str]) -> list[CaptureHistories]:
    """The tables ``darkfigure link --samples M`` wrote (``histories_*.csv``, sorted).

    Raises
    ------
    TableError
        No such directory, fewer than two tables, or tables over different lists.
    """
    folder = Path(directory)
    if folder.is_dir() and (folder / "samples").is_dir():
        folder = folder / "samples"
    files = sorted(folder.glob("histories_*.csv")) if folder.is_dir() else []
    if len(files) < 2:
        raise TableError(
            f"{folder}: expected at least two histories_*.csv tables (made by "
            "`darkfigure link --samples M`), found {len(files)}"
        )
    tables = [read_histories(f) for f in files]
    if len({t.lists for t in tables}) != 1:
        raise TableError(f"{folder}: the tables do not all have the same list columns")
    return tables


def combine_estimates(estimates: Sequence[Estimate], *, level: float = 0.95) -> Estimate:
    """Combine per-table estimates by Rubin's rules on log(N).

    Within-table variance comes from each interval (its log width / 2z); between-table variance
    from the spread of log estimates; degrees of freedom by Barnard and Rubin's approximation
    with infinite complete-data degrees of freedom.

    Examples
    --------
    >>> e = [Estimate(("A", "B"), 90, "m", ("A", "B"), n, n - 90, Interval(0.95, n / 1.2, n * 1.2,
    ...      "wald")) for n in (100.0, 110.0, 121.0)]
    >>> c = combine_estimates(e)
    >>> round(c.estimate, 1), c.interval.lower < 100 / 1.2, c.interval.upper > 121 * 1.2
    (110.0, True, True)
    """
    if len(estimates) < 2:
        raise TableError("combining needs estimates from at least two tables")
    m = len(estimates)
    logs = np.log([e.estimate for e in estimates])
    within = []
    for e in estimates:
        if e.interval is None or not (e.interval.lower > 0 and math.isfinite(e.interval.upper)):
            within.append(0.0)
            continue
        z = stats.norm.ppf(0.5 + e.interval.level / 2)
        within.append(((math.log(e.interval.upper) - math.log(e.interval.lower)) / (2 * z)) ** 2)
    qbar, ubar, b = float(logs.mean()), float(np.mean(within)), float(logs.var(ddof=1))
    total = ubar + (1 + 1 / m) * b
    if b == 0:
        df = math.inf  # no linkage spread: the usual interval
    elif ubar == 0:
        df = float(m - 1)  # only linkage spread: a t on M - 1
    else:
        df = (m - 1) * (1 + ubar / ((1 + 1 / m) * b)) ** 2
    half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(total)
    observed = round(float(np.mean([e.observed for e in estimates])))
    point = math.exp(qbar)
    warnings = sorted({w for e in estimates for w in e.warnings})
    if any(e.interval is None for e in estimates):
        warnings.append("some tables had no interval: their within-table variance counts as 0")
    first = estimates[0]
    return Estimate(
        lists=first.lists,
        observed=observed,
        method=first.method,
        model=first.model,
        estimate=point,
        dark_figure=point - observed,
        interval=Interval(level, math.exp(qbar - half), math.exp(qbar + half), "linkage-mi"),
        warnings=tuple(warnings),
        diagnostics={
            "linkage_samples": m,
            "between_log_variance": b,
            "within_log_variance": ubar,
            "degrees_of_freedom": df if math.isfinite(df) else None,
            "fraction_missing_information": (1 + 1 / m) * b / total if total else 0.0,
            "estimates": [float(e.estimate) for e in estimates],
        },
    )


def estimate_from_samples(
    directory: str | os.PathLike[str],
    estimate: Callable[[CaptureHistories], Estimate],
    *,
    level: float = 0.95,
) -> Estimate:
    """Estimate on every drawn table with ``estimate`` and combine (Rubin's rules).

    ``estimate`` is e.g. ``lambda t: estimate_population(t, method="bic", level=level)``.
    """
    return combine_estimates([estimate(t) for t in read_samples(directory)], level=level)
