"""Readers: encodings, formats, streaming in chunks, row numbers, hostile files."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import opencc
import openpyxl
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from darkfigure.records import read_lists, validate_lists
from darkfigure.records._readers import detect_encoding

WriteCsv = Callable[..., Path]  # the write_csv fixture (conftest.py)

HEADER = ["record_id", "family_name", "name_zh", "sex", "date_of_birth", "citizenship", "phone"]
# HKSCS-only characters (㗎, 啲, 嘢) and common ones, in fictitious names.
ZH_ROWS = [
    ["1", "SAMPLECHAN", "陳測試", "女", "04/03/1990", "菲律賓", "9123 4567"],
    ["2", "TESTWONG", "黃樣本啲", "男", "1988", "香港", ""],
    ["3", "MOCKLI", "李範例嘢㗎", "F", "1975-12", "內地", "+852 6123 4567"],
]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("big5hkscs", "big5hkscs"),
     ("gb18030", "gb18030")],
)  # fmt: skip
def test_encoding_is_detected_and_reported(
    write_csv: WriteCsv, encoding: str, expected: str
) -> None:
    rows = ZH_ROWS if encoding != "gb18030" else [[c.replace("㗎", "") for c in r] for r in ZH_ROWS]
    path = write_csv("list.csv", [HEADER, *rows], encoding=encoding)
    records = read_lists(path)
    assert records.report.valid, records.report.problem_lines()
    assert records.report.files[0]["encoding"] == expected
    assert records.report.files[0]["encoding_detected"] is True
    names = records.frame["name_zh"].tolist()
    assert names == [r[2] for r in rows]  # decoded exactly, in the script written


def test_simplified_text_in_gb18030_is_not_mistaken_for_big5() -> None:
    text = "record_id,name_zh,citizenship\n1,陈小美,菲律宾\n2,张伟,中国内地\n3,刘晓燕,越南\n"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    assert detect_encoding(text.encode("big5hkscs", errors="ignore")) != "gb18030"


# Fictitious names from common and less common characters (some outside the frequent list).
_POOL = (
    "陳李張黃王林劉吳楊梁何郭周鄭謝羅蔡許曾小美玲芳麗華偉明文志強嘉欣詠詩"
    + "國際關係點樣區灣龍嶺頭鳳嬌蘭琼鑫燊"
)
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=_POOL, min_size=2, max_size=3), min_size=3, max_size=10))
def test_big5_and_gb18030_are_told_apart(names: list[str]) -> None:
    # A few names of repeated characters can be valid in two encodings (even UTF-8: 系系 in
    # GB18030 is two Greek letters); --encoding settles those. Real lists vary more.
    assume(len(set("".join(names))) >= 6)
    body = "record_id,name_zh\n" + "".join(f"{i},{n}\n" for i, n in enumerate(names))
    assert detect_encoding(body.encode("big5hkscs")) == "big5hkscs"
    assert detect_encoding(_TO_SIMPLIFIED.convert(body).encode("gb18030")) == "gb18030"


@pytest.mark.parametrize(
    "names",
    [
        # Found by the property test above: rare characters (嶺, 燊) read as GB18030 give
        # more frequent ones (拉, 關), but also a private-use code point or traditional forms.
        ["何嶺", "嶺燊", "嶺燊", "係偉劉"],
        ["係華", "偉劉", "嶺燊", "嶺燊"],
        ["劉區", "燊燊", "燊燊", "係偉際"],
    ],
)
def test_rare_characters_do_not_tip_big5_into_gb18030(names: list[str]) -> None:
    body = "record_id,name_zh\n" + "".join(f"{i},{n}\n" for i, n in enumerate(names))
    assert detect_encoding(body.encode("big5hkscs")) == "big5hkscs"
    assert detect_encoding(_TO_SIMPLIFIED.convert(body).encode("gb18030")) == "gb18030"


def test_forced_encoding_wins(write_csv: WriteCsv) -> None:
    path = write_csv("list.csv", [HEADER, *ZH_ROWS], encoding="big5hkscs")
    forced = read_lists(path, encoding="Big5-HKSCS")
    assert forced.report.files[0] == {**forced.report.files[0], "encoding": "big5hkscs",
                                      "encoding_detected": False}  # fmt: skip
    wrong = read_lists(path, encoding="utf-8")
    assert not wrong.report.valid
    assert "not valid utf-8" in wrong.report.errors[0].reason


def test_bad_bytes_late_in_a_file_name_the_line(write_csv: WriteCsv, tmp_path: Path) -> None:
    rows = [HEADER] + [[str(i), "SAMPLE", "", "F", "1990", "PHL", ""] for i in range(3000)]
    path = write_csv("list.csv", rows)
    data = path.read_bytes() + b"3001,SAMPLE,\xff\xfe,F,1990,PHL,\n"
    path.write_bytes(data)
    report = validate_lists(path, encoding="utf-8", chunk_bytes=4096)
    assert not report.valid
    assert "near line 3002" in report.errors[0].reason


def test_streaming_in_small_chunks_gives_the_same_records(write_csv: WriteCsv) -> None:
    rows = [HEADER] + [
        [f"R{i}", "SAMPLE", "測試", "女" if i % 2 else "M", f"{i % 28 + 1:02d}/03/1990", "PHL",
         f"9{i:07d}"]
        for i in range(2000)
    ]  # fmt: skip
    rows[500][3] = "??"  # one bad sex, to check row numbers across chunks
    path = write_csv("list.csv", rows, encoding="big5hkscs")
    whole = read_lists(path)
    chunked = read_lists(path, chunk_bytes=4096)
    pd.testing.assert_frame_equal(whole.frame, chunked.frame)
    assert [(p.row, p.column) for p in chunked.report.errors] == [(501, "sex")]
    assert whole.report.to_dict() == chunked.report.to_dict()


def test_row_numbers_are_spreadsheet_rows(write_csv: WriteCsv) -> None:
    # A quoted value spanning two lines is one row; a ragged row is skipped and reported;
    # a blank line is not a record; the rows after them keep their numbers.
    path = write_csv("list.csv", [["record_id", "alias", "sex"]])
    path.write_text(
        'record_id,alias,sex\n1,"two\nlines",F\n2,x\n\n3,y,?\n4,z,F\n', encoding="utf-8"
    )
    report = read_lists(path).report
    assert [(p.row, p.column) for p in report.errors] == [(3, None), (5, "sex")]
    assert report.records == 3


def test_list_name_column_and_several_files(write_csv: WriteCsv) -> None:
    a = write_csv("police.csv", [["record_id", "sex"], ["1", "F"], ["2", "M"]])
    b = write_csv("mixed.csv", [["record_id", "list_name"], ["1", "ngo"], ["2", "hotline"]])
    records = read_lists([a, b])
    assert records.report.lists == {"police": 2, "ngo": 1, "hotline": 1}
    assert list(records.frame.columns[:2]) == ["list_name", "record_id"]
    assert records.frame["list_name"].tolist() == ["police", "police", "ngo", "hotline"]


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.create_sheet("Second").append(["record_id", "sex"])
    book["Second"].append(["S1", "女"])
    book.save(path)
    return path


def test_xlsx_first_sheet_or_named(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "shelter.xlsx", [
        ["record_id", "date_of_birth", "age", "phone", "sex"],
        ["A1", dt.datetime(1990, 3, 4), 35, 91234567, "女"],
        [None, None, None, None, None],  # an empty row is not a record
        ["A2", "04/03/1990", 35.0, "9123 4567", "F"],
    ])  # fmt: skip
    first = read_lists(path)
    assert first.report.valid, first.report.problem_lines()
    assert first.frame["date_of_birth"].tolist() == ["1990-03-04", "1990-03-04"]
    assert first.frame["phone"].tolist() == ["+85291234567", "+85291234567"]
    assert first.frame["age"].tolist() == [35, 35]
    second = read_lists(path, sheet="Second")
    assert second.frame["sex"].tolist() == ["F"]
    missing = read_lists(path, sheet="Nope").report
    assert "no sheet 'Nope'; the sheets are: Sheet1, Second" in missing.errors[0].reason


def test_xlsx_merged_cells_and_formulas_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for row in (
        ["record_id", "sex", "age"],
        ["A1", "F", "=20+15"],
        ["A2", "F", 30],
        ["A3", "", 31],
    ):
        ws.append(row)
    ws.merge_cells("B3:B4")
    book.save(path)
    report = read_lists(path).report
    found = [(p.row, p.column, p.reason.split(":")[0]) for p in report.errors]
    assert found == [(2, "age", "the cell holds a formula"), (3, "sex", "merged cells (B3")]


def test_parquet_of_any_flat_types(tmp_path: Path) -> None:
    path = tmp_path / "consular.parquet"
    pd.DataFrame({
        "record_id": [1, 2],
        "date_of_birth": pd.to_datetime(["1990-03-04", "1985-01-31"]),
        "age": [35, None],
        "citizenship": ["Filipino", "越南"],
    }).to_parquet(path)  # fmt: skip
    records = read_lists(path)
    assert records.report.valid, records.report.problem_lines()
    assert records.frame["date_of_birth"].tolist() == ["1990-03-04", "1985-01-31"]
    assert records.frame["citizenship"].tolist() == ["PHL", "VNM"]
    assert records.frame["age"].tolist()[0] == 35


HOSTILE = {
    "empty.csv": (b"", "the file is empty"),
    "blank.csv": (b"\n\n  \n", "the file is empty"),
    "semicolons.csv": (b"record_id;sex\n1;F\n", "separated by semicolons"),
    "tabs.csv": (b"record_id\tsex\n1\tF\n", "separated by tabs"),
    "garbage.csv": (bytes(range(256)) * 40, "a binary file"),
    "noid.csv": (b"family_name,sex\nSAMPLE,F\n", "no record_id column"),
    "open_quote.csv": (b'record_id,alias\n1,"never closed\n2,x\n', "ends inside a quoted value"),
    "open_header.csv": (b'record_id,"sex\n1,F\n', "the header row never ends"),
    "half_char.csv": ("record_id,name_zh\n1,陳".encode("big5hkscs")[:-1], "middle of a character"),
    "truncated.xlsx": (b"PK\x03\x04" + b"\x00" * 50, "not a readable XLSX"),
    "truncated.parquet": (b"PAR1" + b"\x00" * 50, "not a readable Parquet"),
    "old.xls": (b"\xd0\xcf\x11\xe0" + b"\x00" * 50, "old Excel .xls"),
}


@pytest.mark.parametrize("data", [b"record_id,sex\n", b"record_id,sex"])
def test_a_list_that_recorded_nobody_is_a_warning(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "consulate.csv").write_bytes(data)
    (tmp_path / "police.csv").write_bytes(b"record_id,sex\n1,F\n")
    records = read_lists([tmp_path / "consulate.csv", tmp_path / "police.csv"])
    assert records.report.valid, records.report.problem_lines()
    (warning,) = records.report.warnings
    assert (Path(warning.file).name, warning.reason) == (
        "consulate.csv",
        "the file has a header but no records: the list adds no one (if it should have "
        "records, check the export)",
    )
    assert records.frame["list_name"].tolist() == ["police"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_end_with_a_clear_error(tmp_path: Path, name: str) -> None:
    data, message = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(data)
    report = validate_lists(path)
    assert not report.valid
    assert any(message in p.reason for p in report.errors), report.problem_lines()


def test_missing_file(tmp_path: Path) -> None:
    report = validate_lists(tmp_path / "nope.csv")
    assert report.errors[0].reason == "no such file"


def test_ragged_rows_are_errors_with_row_numbers(write_csv: WriteCsv) -> None:
    path = write_csv("list.csv", [["record_id", "sex", "age"], ["1", "F", "3"], ["2", "F"],
                                  ["3", "F", "4", "extra"], ["4", "M", "5"]])  # fmt: skip
    report = validate_lists(path)
    assert [(p.row, p.reason.split(" (")[0]) for p in report.errors] == [
        (3, "2 cells where the header has 3"), (4, "4 cells where the header has 3")
    ]  # fmt: skip


def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"record_id,sex\n1,F\n")
    assert read_lists(path).report.valid
