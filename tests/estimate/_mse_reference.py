"""Reference tables (``<repo>/../shared/reference/mse``) and the R numbers beside the tests."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

from darkfigure.histories import CaptureHistories, read_histories

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "reference" / "mse"
RESULTS = Path(__file__).resolve().parent / "reference" / "r_results.csv"
DATASETS = ("Artificial_3", "UKdat", "UKdat_5", "Ned", "Ned_5", "NewOrl", "NewOrl_5")


def table(name: str) -> CaptureHistories:
    path = DATA / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"reference data not found at {DATA} (shared/ must sit beside the repo)")
    return read_histories(path)


@cache
def _rows() -> list[dict[str, str]]:
    with RESULTS.open(newline="") as f:
        return list(csv.DictReader(f))


def r_result(dataset: str, package: str, method_prefix: str) -> dict[str, str]:
    """The R row for a data set whose method starts with ``method_prefix``."""
    for row in _rows():
        if (
            row["dataset"] == dataset
            and row["package"] == package
            and row["method"].startswith(method_prefix)
        ):
            return row
    raise KeyError((dataset, package, method_prefix))


def number(row: dict[str, str], key: str) -> float:
    return float(row[key])


def note(row: dict[str, str], key: str) -> str:
    """A ``key=value`` or ``key value`` item of the notes column."""
    match = re.search(rf"{key}[=: ]\s*([^;]*)", row["notes"])
    if match is None:
        raise KeyError(key)
    return match.group(1).strip()


def r_model(row: dict[str, str], lists: tuple[str, ...]) -> set[str]:
    """MultipleSystemsEstimation's ``[12,13,25]`` notation as our interaction names."""
    body = note(row, "model").strip("[]")
    terms: set[str] = set()
    for part in body.split(","):
        if len(part) < 2:
            continue
        members = [lists[int(d) - 1] for d in part]
        # a k-way term brings its sub-terms (hierarchical)
        from itertools import combinations

        for size in range(2, len(members) + 1):
            for combo in combinations(members, size):
                terms.add(":".join(sorted(combo, key=lists.index)))
    return terms
