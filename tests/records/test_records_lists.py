"""The facade: normalised records, the report's rules, --out, and inputs left untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from darkfigure.errors import RecordError
from darkfigure.records import Problem, read_lists, sample_paths, validate_lists

WriteCsv = Callable[..., Path]  # the write_csv fixture (conftest.py)


def test_the_hong_kong_example_normalises(write_csv: WriteCsv) -> None:
    path = write_csv(
        "shelter.csv",
        [["record_id", "date_of_birth", "sex", "citizenship", "phone"],
         ["S1", "04/03/1990", "女", "菲律賓", "9123 4567"]],
        encoding="big5hkscs",
    )  # fmt: skip
    records = read_lists(path)
    assert records.report.valid
    assert records.report.files[0]["encoding"] == "big5hkscs"
    row = records.frame.iloc[0]
    assert (row["date_of_birth"], row["sex"], row["citizenship"], row["phone"]) == (
        "1990-03-04", "F", "PHL", "+85291234567"
    )  # fmt: skip
    assert row["list_name"] == "shelter"


def test_duplicate_record_id_within_a_list_is_an_error(write_csv: WriteCsv) -> None:
    a = write_csv("police.csv", [["record_id"], ["P1"], ["P2"], ["P1"]])
    b = write_csv("ngo.csv", [["record_id", "list_name"], ["P1", "police"], ["P1", "ngo"]])
    report = validate_lists([a, b])
    dupes = [(Path(p.file).name, p.row) for p in report.errors]
    # P1 repeats within "police" (twice more, across files) but not in "ngo".
    assert dupes == [("police.csv", 4), ("ngo.csv", 2)]
    assert all("duplicate record_id in list 'police'" in p.reason for p in report.errors)
    assert "first on row 2 of" in report.errors[0].reason


def test_same_record_id_on_different_lists_is_fine(write_csv: WriteCsv) -> None:
    a = write_csv("police.csv", [["record_id"], ["1"]])
    b = write_csv("ngo.csv", [["record_id"], ["1"]])
    assert validate_lists([a, b]).valid


def test_empty_record_id_and_list_name(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "list_name", "sex"], ["", "a", "F"], ["2", " ", "F"]])
    report = validate_lists(path)
    assert [(p.row, p.column) for p in report.errors] == [(2, "record_id"), (3, "list_name")]


def test_unknown_columns_pass_through_with_a_note(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["Record ID", "caller_language", "SEX"], ["1", " Tagalog ", "f"]])
    records = read_lists(path)
    assert records.report.valid
    assert records.frame["caller_language"].tolist() == [" Tagalog "]  # passed through as read
    assert records.frame["sex"].tolist() == ["F"]
    notes = " ".join(records.report.notes)
    assert "'caller_language'" in notes
    assert "'Record ID' read as record_id" in notes


def test_duplicate_and_unnamed_header_columns(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "sex", "Sex", ""], ["1", "F", "F", ""]])
    assert [p.reason for p in validate_lists(path).errors] == [
        "the header names this column twice; rename one"
    ]  # an empty column with no name (as spreadsheets export) is fine
    path = write_csv("y.csv", [["record_id", ""], ["1", ""], ["2", "x"]])
    assert [(p.row, p.column) for p in validate_lists(path).errors] == [(3, "column 2")]


def test_warnings_keep_the_value_and_do_not_invalidate(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "phone", "district"], ["1", "12", "Mong Kok"]])
    records = read_lists(path)
    assert records.report.valid
    assert records.report.warning_count == 2
    assert records.frame["phone"].tolist() == ["12"]
    assert records.frame["district"].tolist() == ["Mong Kok"]
    assert records.report.warnings[1].value == "Mong Kok"  # district is not an identity column
    assert records.report.warnings[0].value is None  # phone is


def test_errors_are_not_blanked_silently(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "date_of_birth", "age"], ["1", "31/02/1990", "x"]])
    records = read_lists(path)
    assert records.frame["date_of_birth"].tolist() == ["31/02/1990"]  # kept as written
    assert [(p.column, p.value) for p in records.report.errors] == [
        ("date_of_birth", None), ("age", "x")
    ]  # fmt: skip
    with pytest.raises(RecordError, match=r"row 2, column date_of_birth: impossible date"):
        records.report.raise_if_invalid()


def test_future_date_of_birth(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "date_of_birth"], ["1", "2099-01-01"]])
    assert validate_lists(path).errors[0].reason == "date of birth in the future"


def test_many_rows_with_one_problem_are_capped_and_counted(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "sex"]] + [[str(i), "?"] for i in range(500)])
    report = validate_lists(path)
    assert report.error_count == 500
    assert len(report.errors) == 20
    assert report.omitted == ((str(path), "sex", "error", report.errors[0].reason, 480),)
    assert report.problem_lines()[-1].endswith("480 more rows: " + report.errors[0].reason)


def test_out_is_written_when_valid_and_equals_read_lists(tmp_path: Path) -> None:
    out = tmp_path / "records.parquet"
    report = validate_lists(sample_paths(), out=out)
    assert report.valid
    written = pd.read_parquet(out)
    expected = read_lists(sample_paths()).frame
    assert written.shape == expected.shape
    assert written["phone"].tolist() == expected["phone"].astype(object).where(
        expected["phone"].notna(), None).tolist()  # fmt: skip


def test_out_is_not_written_when_invalid(write_csv: WriteCsv, tmp_path: Path) -> None:
    out = tmp_path / "records.parquet"
    path = write_csv("x.csv", [["record_id", "sex"], ["1", "?"]])
    assert not validate_lists(path, out=out).valid
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]  # no temporary file left


def test_out_never_overwrites_an_input(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id"], ["1"]])
    with pytest.raises(Exception, match="one of the inputs"):
        validate_lists(path, out=path)


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sample_paths()}
    validate_lists(sample_paths(), out=tmp_path / "o.parquet")
    read_lists(sample_paths())
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sample_paths()}


def test_samples_are_valid_synthetic_lists() -> None:
    records = read_lists(sample_paths())
    assert records.report.valid
    assert records.report.warning_count == 0
    assert records.report.lists == {"hotline": 20, "ngo_shelter": 20, "police": 20}
    encodings = {Path(f["file"]).name: f["encoding"] for f in records.report.files}
    assert encodings["ngo_shelter.csv"] == "big5hkscs"


def test_problem_refuses_identity_values() -> None:
    with pytest.raises(ValueError, match="identity"):
        Problem("x.csv", 2, "family_name", "bad", "error", "SAMPLECHAN")


def test_progress_reaches_the_total(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id"]] + [[str(i)] for i in range(3000)])
    calls: list[tuple[int, int]] = []
    validate_lists(path, progress=lambda done, total: calls.append((done, total)), chunk_bytes=4096)
    assert len(calls) > 2
    assert calls[-1][0] == calls[-1][1] == path.stat().st_size


def test_the_same_file_twice_is_an_error(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id"], ["1"]])
    report = validate_lists([path, path])
    assert [p.reason for p in report.errors] == ["the same file is given twice; give it once"]
    assert report.records == 1


def test_many_duplicates_are_counted_not_all_listed(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id"]] + [[str(i % 3)] for i in range(300)])
    report = validate_lists(path, chunk_bytes=4096)
    assert report.error_count == 297
    assert len(report.errors) <= 40
    assert sum(n for *_, n in report.omitted) == 297 - len(report.errors)
    assert "(first on row 2 of" in report.errors[0].reason
    assert report.errors[0].row == 5
