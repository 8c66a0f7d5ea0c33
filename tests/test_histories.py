"""The capture-history table contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from darkfigure.errors import TableError
from darkfigure.histories import CaptureHistories, build_histories, read_histories

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "mse"


def test_reads_reference_table() -> None:
    table = read_histories(REFERENCE / "UKdat.csv")
    assert table.lists == ("LA", "NG", "PF", "GO", "GP", "NCA")
    assert table.observed == 2744


def test_duplicate_histories_are_summed() -> None:
    frame = pd.DataFrame({"A": [1, 1, 0], "B": [0, 0, 1], "count": [2, 3, 4]})
    table = CaptureHistories.from_frame(frame)
    assert table.to_frame().to_dict("list") == {"A": [1, 0], "B": [0, 1], "count": [5, 4]}


@pytest.mark.parametrize(
    ("frame", "fragment"),
    [
        (pd.DataFrame({"A": [1], "count": [3]}), "at least 2 lists"),
        (pd.DataFrame({"A": [2], "B": [0], "count": [3]}), "row 1, column 'A'"),
        (pd.DataFrame({"A": [1], "B": [0], "count": [-1]}), "column 'count'"),
        (pd.DataFrame({"A": [1], "B": [0], "count": [1.5]}), "whole numbers"),
        (
            pd.DataFrame({"A": [1, 0], "B": [0, 0], "count": [1, 1]}),
            "row 2: all list columns are 0",
        ),
        (pd.DataFrame({"A": [1], "B": [0]}), "no 'count' column"),
    ],
)
def test_bad_tables_are_refused_with_location(frame: pd.DataFrame, fragment: str) -> None:
    with pytest.raises(TableError, match=fragment):
        CaptureHistories.from_frame(frame)


def test_build_from_linked_records_and_strata() -> None:
    records = pd.DataFrame(
        {
            "list_name": ["police", "shelter", "police", "hotline", "shelter"],
            "person_key": ["p1", "p1", "p2", "p3", "p3"],
            "sex": ["F", "F", "M", "", "F"],
        }
    )
    table = build_histories(records)
    assert isinstance(table, CaptureHistories)
    assert table.lists == ("hotline", "police", "shelter")
    assert dict(zip(map(tuple, table.patterns.tolist()), table.counts.tolist(), strict=True)) == {
        (0, 1, 1): 1,
        (0, 1, 0): 1,
        (1, 0, 1): 1,
    }
    strata = build_histories(records, by="sex")
    assert isinstance(strata, dict)
    assert {k: v.observed for k, v in strata.items()} == {"F": 2, "M": 1}


def test_merge_lists_matches_reference_five_list_table() -> None:
    six = read_histories(REFERENCE / "UKdat.csv")
    five = read_histories(REFERENCE / "UKdat_5.csv")
    merged = six.merge_lists({five.lists[2]: ["PF", "NCA"]})
    assert merged.lists == five.lists
    assert merged.cell_counts().tolist() == five.cell_counts().tolist()
