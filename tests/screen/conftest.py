"""Synthetic records for screening tests: random facts over the record standard's codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darkfigure.records import COLUMNS_BY_NAME

#: The code columns the rules read, each left empty in about a fifth of records.
CODE_COLUMNS = ("exploitation_type", "sex_exploitation_type", "recruitment", "means_of_control",
                "movement", "venue", "recruiter_relation", "entry_permit", "organised_crime",
                "sex")  # fmt: skip


def random_records(n: int, seed: int) -> pd.DataFrame:
    """``n`` synthetic records with random codes, ages and dates (fictitious people)."""
    rng = np.random.default_rng(seed)
    data: dict[str, list[str]] = {"record_id": [f"R{i}" for i in range(n)],
                                  "list_name": [f"list{i % 3}" for i in range(n)]}  # fmt: skip
    for name in CODE_COLUMNS:
        codes = COLUMNS_BY_NAME[name].codes
        many = COLUMNS_BY_NAME[name].kind == "codes"
        cells = []
        for _ in range(n):
            if rng.random() < 0.2:
                cells.append("")
            elif many:
                k = int(rng.integers(1, 4))
                cells.append(";".join(rng.choice(codes, size=k, replace=False)))
            else:
                cells.append(str(rng.choice(codes)))
        data[name] = cells
    ages = rng.integers(8, 60, size=n)
    data["age"] = [str(a) if rng.random() < 0.5 else "" for a in ages]
    data["date_of_birth"] = [
        f"{2024 - a}" + ("" if rng.random() < 0.3 else f"-{rng.integers(1, 13):02d}-15")
        if not data["age"][i] and rng.random() < 0.7 else ""
        for i, a in enumerate(ages)
    ]  # fmt: skip
    data["date_identified"] = [f"2024-{rng.integers(1, 13):02d}-01" for _ in range(n)]
    data["family_name"] = ["SAMPLECHAN"] * n
    data["given_name"] = ["Fictio Meimei"] * n
    data["document_number"] = ["SAMPLE123456"] * n
    data["phone"] = ["+85290000000"] * n
    return pd.DataFrame(data)


@pytest.fixture(scope="session")
def records() -> pd.DataFrame:
    return random_records(250, seed=7)


@pytest.fixture(scope="session")
def code_columns() -> tuple[str, ...]:
    return CODE_COLUMNS
