"""Coverage study on simulated Hong Kong lists (issue 9): does the 95 % interval hold the truth?

Every replicate simulates a world with ``darkfigure simulate`` (a fresh seed), writes its lists,
reads them back through the record reader as a user would, and estimates the total with every
method in :data:`METHOD_NAMES`, from

* **perfect linkage**: records grouped by the simulation's true person ids; covariates are what
  the lists recorded (missing where a list did not ask), never the truth;
* **darkfigure linkage** (``DARKFIGURE_COVERAGE_LINKAGE=1``): records grouped by
  :func:`darkfigure.link.link_records`, as ``darkfigure link`` does.

Scenarios (all with the lists' eligibility restrictions of ``hk-default``: three consulates,
Labour, a women's shelter):

* ``eligibility``: ``hk-independent`` (constant capture probabilities within each list's scope,
  no referrals): only the scopes break the textbook assumptions;
* ``dependence``: ``hk-default`` with ``heterogeneity=false`` (referrals between lists);
* ``heterogeneity``: ``hk-default`` with ``dependence=false`` (covariate effects, a latent
  visibility shared by all lists, the Thunderbolt crackdown);
* ``hk-default``: everything.

MCMC methods run 2 chains x (500 + 2,000 + 500 x 10) sweeps, shorter than the command-line
default, so that the study fits in the machine's budget; log-linear methods give their
model-conditional profile intervals (no bootstrap). Each replicate's results are appended to
``DARKFIGURE_COVERAGE_OUT`` (JSON lines; default ``coverage_hk.jsonl``) as they come, and the
table is computed from that file, so an interrupted study can be resumed and summarised.

Run: ``.venv/bin/python -m benchmarks coverage_hk``; ``DARKFIGURE_COVERAGE_REPLICATES`` (100),
``DARKFIGURE_COVERAGE_SCENARIOS`` (comma-separated, default all),
``DARKFIGURE_COVERAGE_FIRST_SEED`` (1; to split a scenario's seeds over processes, each with its
own results file) and ``DARKFIGURE_COVERAGE_LINKAGE`` choose what runs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from darkfigure.eligibility import read_lists as read_scopes
from darkfigure.errors import DarkfigureError, DarkfigureWarning
from darkfigure.estimate import estimate_population
from darkfigure.histories import CaptureHistories, build_histories
from darkfigure.records import read_lists as read_records
from darkfigure.simulate import simulate_world
from darkfigure.stratified_histories import stratify_histories

SCENARIOS: dict[str, tuple[str, tuple[str, ...]]] = {
    "eligibility": ("hk-independent", ()),
    "dependence": ("hk-default", ("heterogeneity=false",)),
    "heterogeneity": ("hk-default", ("dependence=false",)),
    "hk-default": ("hk-default", ()),
}
#: Methods on the plain table; ``+scopes`` marks a fit that knows the lists' scopes and the
#: recorded covariates (``--records --lists``) but not the referral pathways, ``+referrals`` one
#: that knows both (what ``darkfigure estimate --records --lists lists.yaml`` does); the others
#: pool everyone.
METHOD_NAMES = (
    "main", "stepwise", "gamma", "lcmcr", "logit-normal", "lcmcr-strata", "logit-normal+scopes",
    "logit-normal+referrals",
)  # fmt: skip
_MCMC: dict[str, Any] = {"burn_in": 2_000, "draws": 500, "thin": 10, "chains": 2}


def _replicate(
    scenario: str, overrides: tuple[str, ...], seed: int, linkage: str, methods: list[str]
) -> tuple[int, int, dict[str, Any]]:
    """Simulate one world and fit the methods; returns (truth, observed, results by method)."""
    world = simulate_world(scenario, seed=seed, overrides=overrides)
    with tempfile.TemporaryDirectory() as tmp:
        out = world.write(Path(tmp) / "world")
        records = read_records(sorted((out / "lists").glob("*.csv"))).frame
        scopes = read_scopes(out / "lists.yaml")
        truth = pd.read_csv(out / "truth" / "records.csv", dtype=str)
    if linkage == "perfect":
        keyed = records.merge(
            truth[["list_name", "record_id", "person_id"]], on=["list_name", "record_id"]
        ).assign(person_key=lambda d: d["person_id"])
    else:
        from darkfigure.link import link_records

        keyed = link_records(records, seed=seed).records
    lists = tuple(sorted(keyed["list_name"].astype(str).unique()))
    table = build_histories(keyed, lists=lists)
    assert isinstance(table, CaptureHistories)
    with_referrals = stratify_histories(keyed, scopes, lists=lists)
    stratified = dataclasses.replace(with_referrals, referrals=())
    results: dict[str, Any] = {}
    for method in methods:
        start = time.process_time()
        name = method.split("+")[0]
        data = {"scopes": stratified, "referrals": with_referrals}.get(
            method.partition("+")[2], stratified if name == "lcmcr-strata" else table
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DarkfigureWarning)
                est = estimate_population(data, method=name, seed=seed, **_MCMC)
            assert est.interval is not None
            results[method] = {
                "estimate": est.estimate,
                "lower": est.interval.lower,
                "upper": est.interval.upper,
                "warned": bool(est.warnings),
            }
        except DarkfigureError as error:
            results[method] = {"refused": str(error)[:200]}
        results[method]["cpu"] = time.process_time() - start
    return int(world.to_dict()["true_total"]), table.observed, results


def _table(rows: list[dict[str, Any]]) -> str:
    """The coverage table in Markdown, from the replicate rows."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["scenario"], row["linkage"]].append(row)
    lines = [
        "| scenario | linkage | replicates | observed (median) | method | coverage of 95 % "
        "interval | median rel. error | median rel. width | refused | warned | CPU s/fit |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (scenario, linkage), reps in groups.items():
        observed = int(np.median([r["observed"] for r in reps]))
        for method in METHOD_NAMES:
            fits = [r for r in reps if "estimate" in r["results"].get(method, {})]
            refused = sum("refused" in r["results"].get(method, {}) for r in reps)
            cpu = np.mean([r["results"][method]["cpu"] for r in reps if method in r["results"]])
            if not fits:
                lines.append(
                    f"| {scenario} | {linkage} | {len(reps)} | {observed} | {method} | — | — | — "
                    f"| {refused} | — | {cpu:.1f} |"
                )
                continue
            hit = [f["results"][method]["lower"] <= f["truth"] <= f["results"][method]["upper"]
                   for f in fits]  # fmt: skip
            share = float(np.mean(hit))
            se = math.sqrt(share * (1 - share) / len(fits))
            error = np.median([f["results"][method]["estimate"] / f["truth"] - 1 for f in fits])
            width = np.median(
                [(f["results"][method]["upper"] - f["results"][method]["lower"]) / f["truth"]
                 for f in fits]
            )  # fmt: skip
            warned = sum(f["results"][method]["warned"] for f in fits)
            lines.append(
                f"| {scenario} | {linkage} | {len(reps)} | {observed} | {method} | "
                f"{share:.1%} ± {se:.1%} | {error:+.1%} | {width:.2f} | {refused} | {warned} | "
                f"{cpu:.1f} |"
            )
    return "\n".join(lines)


def _merged(path: Path) -> list[dict[str, Any]]:
    """One row per replicate, its methods' results merged across the file's lines."""
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            row = json.loads(line)
            key = (row["scenario"], row["linkage"], row["seed"])
            rows.setdefault(key, {**row, "results": {}})["results"].update(row["results"])
    return list(rows.values())


def run() -> None:
    """Run the replicates and methods not yet in the results file, then print the table."""
    replicates = int(os.environ.get("DARKFIGURE_COVERAGE_REPLICATES", "100"))
    first = int(os.environ.get("DARKFIGURE_COVERAGE_FIRST_SEED", "1"))
    chosen = os.environ.get("DARKFIGURE_COVERAGE_SCENARIOS", ",".join(SCENARIOS)).split(",")
    linkage = "darkfigure" if os.environ.get("DARKFIGURE_COVERAGE_LINKAGE") == "1" else "perfect"
    path = Path(os.environ.get("DARKFIGURE_COVERAGE_OUT", "coverage_hk.jsonl"))
    done = {(r["scenario"], r["linkage"], r["seed"]): set(r["results"]) for r in _merged(path)}
    for name in chosen:
        scenario, overrides = SCENARIOS[name]
        for seed in range(first, replicates + 1):
            todo = [m for m in METHOD_NAMES if m not in done.get((name, linkage, seed), set())]
            if not todo:
                continue
            truth, observed, results = _replicate(scenario, overrides, seed, linkage, todo)
            row = {"scenario": name, "linkage": linkage, "seed": seed, "truth": truth,
                   "observed": observed, "results": results}  # fmt: skip
            with path.open("a") as sink:
                sink.write(json.dumps(row) + "\n")
            print(f"{name} {linkage} seed {seed}: truth {truth}, observed {observed}", flush=True)
    print(_table(_merged(path)))
    print(
        "\ncommand: DARKFIGURE_COVERAGE_REPLICATES=100 .venv/bin/python -m benchmarks coverage_hk"
        " (and again with DARKFIGURE_COVERAGE_LINKAGE=1 for darkfigure's linkage)"
    )
