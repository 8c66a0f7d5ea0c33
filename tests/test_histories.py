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


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A,B,count\n2,0,3\n", "row 1, column 'A': list columns must be 0 or 1 (got '2')"),
        ("A,B,count\n1,0,3\n0,1,x\n", "row 2, column 'count': counts must be whole numbers"),
        ("A,B,count\n1,0,1.5\n", "(got '1.5')"),
        ("A,B,count\n1,0,3\n0,0,1\n", "row 2: all list columns are 0"),
        ("A,count\n1,3\n", "at least 2 lists"),
        ("A,B\n1,0\n", "no 'count' column"),
        ("A,A,count\n1,0,3\n", "duplicate list column names"),
        ("A,B,count\n", "no rows"),
        ("", "not a readable CSV table"),
        ("A,B,count\n1,0,3,9\n", "not a readable CSV table"),
        ("A,B,count\n1,0\n", "row 1, column 'count'"),
    ],
)
def test_csv_is_validated_with_location(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableError) as caught:
        read_histories(path)
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value)


def test_csv_reader_matches_the_frame_reader(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    # a byte-order mark, blank lines, "1.0" and duplicate histories are all accepted
    path.write_text("\ufeffA,B,count\n1,0,2\n\n0,1,4\n1,0,3.0\n1,1,1\n", encoding="utf-8")
    table = read_histories(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    expected = CaptureHistories.from_frame(frame)
    assert table.lists == expected.lists == ("A", "B")
    assert table.cell_counts().tolist() == expected.cell_counts().tolist() == [0, 5, 4, 1]
    with pytest.raises(TableError, match="no such file"):
        read_histories(tmp_path / "missing.csv")
