"""Linkage uncertainty: drawn tables and Rubin's rules."""

import numpy as np
import pandas as pd
import pytest

from darkfigure.errors import TableError
from darkfigure.estimate import Estimate, Interval
from darkfigure.link import combine_estimates, read_samples
from darkfigure.link._samples import sample_histories


def test_certain_links_give_identical_tables():
    pairs = pd.DataFrame(
        {"unique_id_l": [0, 2], "unique_id_r": [1, 3], "match_probability": [1.0, 0.0]}
    )
    tables = sample_histories(np.array(["A", "B", "A", "B"]), pairs, 5, seed=0)
    assert {t.observed for t in tables} == {3}


def test_between_table_spread_widens_interval():
    def est(n, w):
        return Estimate(
            ("A", "B"), 90, "m", ("A", "B"), n, n - 90, Interval(0.95, n / w, n * w, "wald")
        )

    same = combine_estimates([est(100.0, 1.2)] * 3)
    spread = combine_estimates([est(90.0, 1.2), est(100.0, 1.2), est(111.0, 1.2)])
    assert same.interval.lower == pytest.approx(100 / 1.2, rel=1e-3)
    assert spread.interval.upper - spread.interval.lower > same.interval.upper - same.interval.lower


def test_read_samples_needs_tables(tmp_path):
    with pytest.raises(TableError):
        read_samples(tmp_path)
