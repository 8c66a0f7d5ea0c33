"""Shared fixtures for the link tests: a small simulated world with its truth (synthetic)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hk-small scenario, 500 victims, written to disk (lists/ and truth/)."""
    from darkfigure.simulate import simulate_world

    folder = tmp_path_factory.mktemp("world")
    simulate_world("hk-small", seed=3, persons=500).write(folder)
    return folder


@pytest.fixture(scope="session")
def small_linkage(small_world: Path):
    from darkfigure.link import link_records

    return link_records(sorted((small_world / "lists").glob("*.csv")), seed=1, samples=3)


@pytest.fixture(scope="session")
def small_truth(small_world: Path) -> pd.DataFrame:
    return pd.read_csv(small_world / "truth" / "records.csv", dtype=str, keep_default_na=False)
