"""Bayesian estimation (lcmcr, dga) against R's LCMCR and dga on the reference tables.

For every reference table R ran, this fits ``lcmcr`` with R's settings per chain (K = 10,
a_alpha = b_alpha = 0.25, burn-in 10,000, 1,000 draws thinned by 100) with 4 chains and several
seeds, and ``dga`` (delta = 2^-K, prior 1/N) on our grid and on R's grid. It prints the
estimates beside R's, the relative differences, R-hat, bulk ESS, and speed: CPU seconds per
1,000 sweeps of one chain and effective draws per CPU second, beside R's recorded time for its
one chain of 110,000 sweeps (whose ESS is at most its 1,000 kept draws, so R's effective draws
per second are at most 1,000 / R seconds).

Run: ``.venv/bin/python -m benchmarks bayes``
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np

from darkfigure.errors import ConvergenceWarning
from darkfigure.estimate._dga import GraphAveraging
from darkfigure.estimate._lcmcr import WARM_UP, LatentClass
from darkfigure.histories import read_histories

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "mse"

# R LCMCR 0.4.14 (README): median, 95 % interval, seconds for one chain of 110,000 sweeps.
R_LCMCR = {
    "Artificial_3": (407.5, 246.0, 886.0, 1.69),
    "NewOrl": (701.0, 502.0, 1041.0, 4.39),
    "NewOrl_5": (804.0, 550.0, 1284.3, 1.44),
    "Ned_5": (50276.5, 43176.3, 69637.1, 1.86),
    "Ned": (143592.0, 114999.2, 169976.2, 1.92),
    "UKdat_5": (23027.5, 16264.1, 34919.3, 3.18),
    "UKdat": (21885.5, 16341.4, 33929.3, 1.97),
}
# R dga 2.0.2 (README): median, 95 % interval, seconds, end of R's grid.
R_DGA = {
    "Artificial_3": (97.0, 97.0, 883.0, 0.4, 3_932_160),
    "Ned_5": (50459.0, 41698.0, 210264.0, 1.92, 1_317_440),
    "NewOrl_5": (847.0, 529.0, 1590.0, 0.22, 7_440),
    "UKdat_5": (22990.0, 10390.0, 33510.0, 1.49, 109_760),
}
SEEDS = (1, 2, 3)
SPREAD_SEEDS = tuple(range(101, 111))


def _rel(ours: float, theirs: float) -> str:
    return f"{ours / theirs - 1:+6.1%}"


def _lcmcr() -> None:
    print("lcmcr: 4 chains x (500 warm-up + 10,000 burn-in + 1,000 draws x thin 100) sweeps")
    print(
        f"{'table':13} {'seed':>4} {'median':>9} {'lower':>9} {'upper':>9}   vs R: median "
        f"lower  upper  {'R-hat':>6} {'ESS':>6} {'CPU s':>6} {'wall s':>6} "
        f"{'us/sweep':>8} {'ESS/CPU s':>9} {'R ESS/s <=':>10}"
    )
    for name, (median, lower, upper, r_seconds) in R_LCMCR.items():
        table = read_histories(REFERENCE / f"{name}.csv")
        for seed in SEEDS:
            cpu, wall = time.process_time(), time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = LatentClass(seed=seed).fit(table)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            est = fit.estimate_
            assert est.interval is not None
            sweeps = fit.chains * (WARM_UP + fit.burn_in + fit.draws * fit.thin)
            r_rate = 1000 / r_seconds
            print(
                f"{name:13} {seed:>4} {est.estimate:>9.1f} {est.interval.lower:>9.1f} "
                f"{est.interval.upper:>9.1f}   {_rel(est.estimate, median)} "
                f"{_rel(est.interval.lower, lower)} {_rel(est.interval.upper, upper)} "
                f"{fit.rhat_:>6.3f} {fit.ess_:>6.0f} {cpu:>6.1f} {wall:>6.1f} "
                f"{cpu / sweeps * 1e6:>8.1f} {fit.ess_ / cpu:>9.0f} {r_rate:>10.0f}",
                flush=True,
            )


def _r_style_spread() -> None:
    """How much one R-style run (1 chain, 1,000 draws thinned by 100) moves between seeds."""
    print(
        "\nlcmcr, R-style single runs (1 chain, burn-in 10,000, 1,000 draws x thin 100), "
        f"{len(SPREAD_SEEDS)} seeds: mean and s.d. across runs, relative to the mean"
    )
    print(f"{'table':13} {'median':>16} {'lower':>16} {'upper':>16}")
    for name in ("Artificial_3", "NewOrl_5"):
        table = read_histories(REFERENCE / f"{name}.csv")
        rows = []
        for seed in SPREAD_SEEDS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est = LatentClass(chains=1, seed=seed).fit(table).estimate_
            assert est.interval is not None
            rows.append((est.estimate, est.interval.lower, est.interval.upper))
        mean, sd = np.mean(rows, axis=0), np.std(rows, axis=0, ddof=1)
        print(
            f"{name:13} "
            + " ".join(f"{m:>8.1f} ±{s / m:>5.1%}" for m, s in zip(mean, sd, strict=True))
        )


def _long_runs() -> None:
    """The tables on which R's runs disagree between seeds, with 10x longer chains."""
    print("\nlcmcr, long runs: 4 chains x (500 + 100,000 burn-in + 2,000 draws x thin 500)")
    for name in ("UKdat_5", "Ned_5"):
        table = read_histories(REFERENCE / f"{name}.csv")
        cpu = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = LatentClass(burn_in=100_000, draws=2_000, thin=500, seed=1).fit(table)
        cpu = time.process_time() - cpu
        est = fit.estimate_
        assert est.interval is not None
        chain_medians = ", ".join(f"{m:.0f}" for m in np.median(fit.draws_, axis=1))
        print(
            f"{name:13} {est.estimate:>9.1f} [{est.interval.lower:.1f}, "
            f"{est.interval.upper:.1f}]  R-hat {fit.rhat_:.3f}  ESS {fit.ess_:.0f}  "
            f"chain medians {chain_medians}  CPU {cpu:.0f} s",
            flush=True,
        )


def _dga() -> None:
    print(
        "\ndga: delta = 2^-K, prior 1/N; 'ours' = integers to 2,000 then a geometric grid, "
        "'R grid' = R's grid"
    )
    print(
        f"{'table':13} {'grid':7} {'median':>9} {'lower':>9} {'upper':>9}   vs R: median "
        f"lower  upper  {'top p':>6} {'CPU s':>6} {'wall s':>6} {'R s':>5}"
    )
    for name, (median, lower, upper, r_seconds, end) in R_DGA.items():
        table = read_histories(REFERENCE / f"{name}.csv")
        r_grid = np.linspace(1, end, 20_001) if end > 20_001 else np.arange(1, end + 1)
        for label, grid in (("ours", None), ("R grid", r_grid)):
            cpu, wall = time.process_time(), time.perf_counter()
            fit = GraphAveraging(grid=grid).fit(table)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            est = fit.estimate_
            assert est.interval is not None
            print(
                f"{name:13} {label:7} {est.estimate:>9.1f} {est.interval.lower:>9.1f} "
                f"{est.interval.upper:>9.1f}   {_rel(est.estimate, median)} "
                f"{_rel(est.interval.lower, lower)} {_rel(est.interval.upper, upper)} "
                f"{fit.model_probabilities_.max():>6.3f} {cpu:>6.2f} {wall:>6.2f} "
                f"{r_seconds:>5.2f}",
                flush=True,
            )


def run() -> None:
    """Print the parity and speed tables (takes a few minutes on 2 cores)."""
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    _lcmcr()
    _r_style_spread()
    _long_runs()
    _dga()
    print("\ncommand: .venv/bin/python -m benchmarks bayes")
