"""Estimation speed: 1,000-replicate BCa bootstraps with model selection redone in each, side by
side with the R packages' recorded timings (``shared/reference/mse/README.md``), as ratios.

For every reference data set: ``bic`` (MultipleSystemsEstimation's ``bic_boot``: maximum order 2
for 3 and 6 lists, 3 for 5 lists; the bootstrap chooses among the 100 best models, or all for 3
lists), ``stepwise`` (``stepwise_boot`` / SparseMSE ``estimatepopulation``) and ``main``
(``fixed_main_effects_boot``). Seed 1234, all cores (``jobs=None``). The 8-list New Orleans
table has no ``bic`` run: its pairwise catalogue has 2^28 models, which we refuse (as R does
above 6 lists). Then the whole ``darkfigure estimate UKdat.csv --method bic --bootstrap 1000``
process is timed (import, enumeration of 32,768 models, 1,000 replicates, printing).

R's timings were taken with two R jobs sharing the 2 cores (1.5–3.5× slower than R alone, per
the reference README); ours were taken on the same machine kind, also shared with other jobs.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from darkfigure.estimate import Bootstrap, LogLinear
from darkfigure.histories import read_histories

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "reference" / "mse"
R_RESULTS = ROOT / "tests" / "estimate" / "reference" / "r_results.csv"
DATASETS = ("Artificial_3", "UKdat", "UKdat_5", "Ned", "Ned_5", "NewOrl", "NewOrl_5")
R_METHOD = {
    "bic": "bic_boot(ntop=all",
    "stepwise": "stepwise_boot",
    "main": "fixed_main_effects_boot",
}
MSE_MAXORDER = {3: 2, 5: 3, 6: 2}


def _r_seconds() -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    with R_RESULTS.open(newline="") as f:
        for row in csv.DictReader(f):
            for ours, prefix in R_METHOD.items():
                if row["package"] == "MSE" and row["method"].startswith(prefix) and row["seconds"]:
                    out[(row["dataset"], ours)] = float(row["seconds"])
    return out


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the bootstrap workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _time(name: str, method: str) -> tuple[float, float, str]:
    table = read_histories(DATA / f"{name}.csv")
    inner = LogLinear(
        selection=None if method == "main" else method, max_order=MSE_MAXORDER.get(table.n_lists, 2)
    )
    start, cpu = time.perf_counter(), _cpu()
    est = Bootstrap(inner, n_resamples=1000, seed=1234).fit(table).estimate_
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    iv = est.interval
    assert iv is not None
    return seconds, cpu, f"{est.estimate:,.0f} [{iv.lower:,.0f}, {iv.upper:,.0f}]"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def run() -> None:
    r_seconds = _r_seconds()
    print(f"{_load()} at the start")
    print(
        "| data set | method | R seconds | ours: wall s | ours: CPU s | speed-up (wall) | "
        "speed-up (CPU) | estimate [95% BCa] |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in DATASETS:
        for method in ("bic", "stepwise", "main"):
            if name == "NewOrl" and method == "bic":
                print(
                    f"| {name} | bic | — (R refuses > 6 lists) | refused (2^28 models) | — | — "
                    "| — | — |"
                )
                continue
            seconds, cpu, text = _time(name, method)
            r = r_seconds.get((name, method))
            ratio = f"{r / seconds:.0f}×" if r else "—"
            cpu_ratio = f"{r / cpu:.0f}×" if r else "—"
            print(
                f"| {name} | {method} | {r if r else '—'} | {seconds:.2f} | {cpu:.2f} | {ratio} "
                f"| {cpu_ratio} | {text} |",
                flush=True,
            )
    print(f"{_load()} after the data sets")
    command = [
        sys.executable,
        "-m",
        "darkfigure",
        "estimate",
        str(DATA / "UKdat.csv"),
        "--method",
        "bic",
        "--bootstrap",
        "1000",
        "--seed",
        "1",
    ]
    for _ in range(3):
        start, cpu = time.perf_counter(), _cpu()
        subprocess.run(command, check=True, capture_output=True)
        print(
            f"whole process `darkfigure estimate UKdat.csv --method bic --bootstrap 1000 "
            f"--seed 1`: {time.perf_counter() - start:.2f} s wall, {_cpu() - cpu:.2f} s CPU "
            f"({_load()})"
        )
    print("command: .venv/bin/python -m benchmarks estimate")
