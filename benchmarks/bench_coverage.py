"""Coverage of 95 % intervals on simulated capture histories whose true total is known.

Four lists, ``N = 2,000`` people per replicate, three settings:

* ``heterogeneity`` -- two latent classes, lists independent within a class: 70 % of people are
  hard to see (capture probabilities 0.10, 0.15, 0.12, 0.18), 30 % easy (0.45, 0.55, 0.40, 0.50);
* ``dependence`` -- everyone alike (0.20, 0.25, 0.15, 0.20), but being on list A multiplies the
  odds of being on list B by 4 and being on C multiplies the odds of D by 0.25 (referral and
  exclusion between organisations);
* ``both`` -- the two latent classes, plus the A -> B referral (odds x 4) in each class.

For each replicate every method is fitted with its command-line defaults except the MCMC length
of ``lcmcr`` (4 chains x (500 + 5,000 + 1,000 x 20) sweeps, a quarter of the default, so that
600 replicates fit in half an hour on 2 shared cores):
``main``, ``bic`` and ``stepwise`` with their model-conditional intervals (no bootstrap), ``lcmcr``
and ``dga`` with their 95 % credible intervals. The table gives, per setting and method, the
fraction of intervals containing the truth (with its binomial standard error), the median
relative error of the point estimate, the median interval width relative to the truth, how
often the method refused or warned (for lcmcr: about convergence), and the coverage among the
fits that carried no warning.

Run: ``.venv/bin/python -m benchmarks coverage`` (``DARKFIGURE_COVERAGE_REPLICATES`` sets the
number of replicates per setting, 200 by default).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkfigure.errors import DarkfigureError, DarkfigureWarning
from darkfigure.estimate._methods import METHODS, MethodOptions
from darkfigure.estimate._result import Estimate
from darkfigure.histories import CaptureHistories

TRUTH = 2_000
LISTS = ("A", "B", "C", "D")
METHOD_NAMES = ("main", "bic", "stepwise", "lcmcr", "dga")
HARD = np.array([0.10, 0.15, 0.12, 0.18])
EASY = np.array([0.45, 0.55, 0.40, 0.50])
ALIKE = np.array([0.20, 0.25, 0.15, 0.20])


def _odds_shift(p: np.ndarray, ratio: float) -> np.ndarray:
    odds = p / (1 - p) * ratio
    return np.asarray(odds / (1 + odds))


def _simulate(setting: str, rng: np.random.Generator) -> CaptureHistories:
    if setting == "dependence":
        p = np.tile(ALIKE, (TRUTH, 1))
    else:
        hard = rng.random(TRUTH) < 0.7
        p = np.where(hard[:, None], HARD, EASY)
    seen = np.zeros((TRUTH, 4), dtype=bool)
    seen[:, 0] = rng.random(TRUTH) < p[:, 0]
    # A -> B referral: odds of B multiplied by 4 for people on A.
    p_b = np.where(seen[:, 0], _odds_shift(p[:, 1], 4.0), p[:, 1])
    seen[:, 1] = rng.random(TRUTH) < (p_b if setting != "heterogeneity" else p[:, 1])
    seen[:, 2] = rng.random(TRUTH) < p[:, 2]
    p_d = np.where(seen[:, 2], _odds_shift(p[:, 3], 0.25), p[:, 3])
    seen[:, 3] = rng.random(TRUTH) < (p_d if setting == "dependence" else p[:, 3])
    masks = seen.astype(np.int64) @ (1 << np.arange(4))
    return CaptureHistories.from_cells(LISTS, np.bincount(masks, minlength=16))


@dataclass
class _Tally:
    covered: int = 0
    covered_quiet: int = 0
    fitted: int = 0
    refused: int = 0
    warned: int = 0
    errors: list[float] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)

    def add(self, estimate: Estimate) -> None:
        self.fitted += 1
        self.warned += bool(estimate.warnings)
        assert estimate.interval is not None
        lower, upper = estimate.interval.lower, estimate.interval.upper
        self.covered += lower <= TRUTH <= upper
        self.covered_quiet += not estimate.warnings and lower <= TRUTH <= upper
        self.errors.append(estimate.estimate / TRUTH - 1)
        self.widths.append((upper - lower) / TRUTH)


def _fit(method: str, table: CaptureHistories, seed: int) -> Estimate:
    options = MethodOptions(seed=seed, burn_in=5_000, draws=1_000, thin=20, chains=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DarkfigureWarning)
        # Every method of this study takes a plain table (none is a stratified one).
        estimator: Any = METHODS[method].factory(options)
        estimate: Estimate = estimator.fit(table).estimate_
        return estimate


def run() -> None:
    """Simulate, fit every method, print the coverage table in Markdown."""
    replicates = int(os.environ.get("DARKFIGURE_COVERAGE_REPLICATES", "200"))
    settings = ("heterogeneity", "dependence", "both")
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    seconds: dict[str, float] = defaultdict(float)
    observed: dict[str, list[int]] = defaultdict(list)
    root = np.random.SeedSequence(20261122)
    for setting, child in zip(settings, root.spawn(len(settings)), strict=True):
        rng = np.random.default_rng(child)
        for replicate in range(replicates):
            table = _simulate(setting, rng)
            observed[setting].append(table.observed)
            for method in METHOD_NAMES:
                start = time.process_time()
                try:
                    tallies[setting, method].add(_fit(method, table, replicate))
                except DarkfigureError:
                    tallies[setting, method].refused += 1
                seconds[method] += time.process_time() - start
        print(f"{setting}: {replicates} replicates done", flush=True)
    print(
        f"\nN = {TRUTH}, 4 lists, {replicates} replicates per setting; observed per setting "
        "(median): " + ", ".join(f"{s} {int(np.median(observed[s]))}" for s in settings)
    )
    print(
        "\n| setting | method | coverage of 95 % interval | median rel. error | "
        "median rel. width | refused | warned | coverage without warning |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for setting in settings:
        for method in METHOD_NAMES:
            t = tallies[setting, method]
            share = t.covered / t.fitted if t.fitted else float("nan")
            se = math.sqrt(share * (1 - share) / t.fitted) if t.fitted else float("nan")
            error = np.median(t.errors) if t.errors else math.nan
            width = np.median(t.widths) if t.widths else math.nan
            quiet = t.fitted - t.warned
            quiet_share = f"{t.covered_quiet / quiet:.1%} of {quiet}" if quiet else "—"
            print(
                f"| {setting} | {method} | {share:.1%} ± {se:.1%} | {error:+.1%} | "
                f"{width:.2f} | {t.refused} | {t.warned} | {quiet_share} |"
            )
    print(
        "\nCPU seconds per fit: "
        + ", ".join(f"{m} {seconds[m] / (replicates * len(settings)):.2f}" for m in METHOD_NAMES)
    )
    print("command: .venv/bin/python -m benchmarks coverage")
