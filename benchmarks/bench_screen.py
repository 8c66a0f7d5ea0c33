"""Screening speed: 1M records from recurring case profiles, and a worst case of random facts.

Run: ``.venv/bin/python -m benchmarks screen``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from darkfigure.records import COLUMNS_BY_NAME
from darkfigure.screen import load_rules, screen_records

_CODE_COLUMNS = ("exploitation_type", "sex_exploitation_type", "recruitment", "means_of_control",
                 "movement", "venue", "recruiter_relation", "entry_permit", "organised_crime",
                 "sex")  # fmt: skip


def _random_facts(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` records whose code fields are drawn independently (a fifth left empty)."""
    data = {}
    for name in _CODE_COLUMNS:
        column = COLUMNS_BY_NAME[name]
        codes = np.array(column.codes, dtype=object)
        picks = rng.integers(0, len(codes), size=(n, 3))
        first = codes[picks[:, 0]]
        if column.kind == "codes":  # one to three codes
            second = np.where(rng.random(n) < 0.4, ";" + codes[picks[:, 1]], "")
            first = first + second
        data[name] = np.where(rng.random(n) < 0.2, "", first)
    return pd.DataFrame(data)


def _with_people(facts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(facts)
    frame = facts.copy()
    frame.insert(0, "record_id", [f"R{i}" for i in range(n)])
    frame["age"] = np.where(rng.random(n) < 0.5, rng.integers(10, 60, n).astype(str), "")
    years = rng.integers(1960, 2012, n).astype(str)
    months = rng.integers(1, 13, n)
    frame["date_of_birth"] = np.where(
        frame["age"] == "", np.char.add(years, [f"-{m:02d}-15" for m in months]), ""
    )
    frame["date_identified"] = [f"2024-{m:02d}-01" for m in rng.integers(1, 13, n)]
    return frame


def _time(label: str, frame: pd.DataFrame) -> None:
    rules = load_rules()
    start = time.perf_counter()
    screening = screen_records(frame, rules=rules)
    seconds = time.perf_counter() - start
    gap = screening.counts()["legal_gap"]
    print(f"{label}: {len(frame):,} records in {seconds:.1f} s "
          f"({len(frame) / seconds:,.0f} records/s); legal gap yes={gap['yes']:,}")  # fmt: skip


def run() -> None:
    rng = np.random.default_rng(2026)
    profiles = _random_facts(2_000, rng)
    recurring = profiles.iloc[rng.integers(0, len(profiles), 1_000_000)].reset_index(drop=True)
    _time("1M records, 2,000 case profiles, ages/dates per person", _with_people(recurring, rng))
    _time("worst case, 100k records of independent random facts",
          _with_people(_random_facts(100_000, rng), rng))  # fmt: skip
