"""``darkfigure validate``: exit codes, --json equal to the API, --out, and privacy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.records import validate_lists

WriteCsv = Callable[..., Path]  # the write_csv fixture (conftest.py)
runner = CliRunner()


def test_done_when_big5_hkscs_example_via_the_cli(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv(
        "shelter.csv",
        [["record_id", "date_of_birth", "sex", "citizenship", "phone"],
         ["S1", "04/03/1990", "女", "菲律賓", "9123 4567"]],
        encoding="big5hkscs",
    )  # fmt: skip
    out = tmp_path / "records.parquet"
    result = runner.invoke(app, ["validate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "big5hkscs" in result.stdout
    row = pd.read_parquet(out).iloc[0]
    assert (row["date_of_birth"], row["sex"], row["citizenship"], row["phone"]) == (
        "1990-03-04", "F", "PHL", "+85291234567"
    )  # fmt: skip


def test_json_is_one_object_equal_to_the_api(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "sex", "district"], ["1", "?", "Mong Kok"]])
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == validate_lists(path).to_dict()


def test_sample_is_valid() -> None:
    result = runner.invoke(app, ["validate", "--sample"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert "60" in result.stdout


def test_warnings_only_exit_zero(write_csv: WriteCsv) -> None:
    path = write_csv("x.csv", [["record_id", "phone"], ["1", "12"]])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "warning: " in result.stdout
    assert "row 2, column phone" in result.stdout


def test_errors_name_file_row_column_and_exit_one(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv("x.csv", [["record_id", "age"], ["1", "130"]])
    out = tmp_path / "o.parquet"
    result = runner.invoke(app, ["validate", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert f"error: {path}, row 2, column age: age outside 0-120 (value '130')" in result.stdout
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "x.csv", "--encoding", "klingon"], ["validate", "--bogus"]],
)
def test_usage_errors_exit_two(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_help_teaches() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    for word in ("--encoding", "--sheet", "--json", "--out", "--sample", "Example", "row 1"):
        assert word in result.stdout


# ---------------------------------------------------------------------------------------------
# Privacy: known synthetic identity values pushed through bad input never appear in any output.

SECRETS = {
    "family_name": "ZZSECRETFAMILY",
    "given_name": "Qwertyuiop Secret",
    "full_name": "Ah Zzsecretfull",
    "name_zh": "測秘密",
    "alias": "Zzsecretalias",
    "date_of_birth": "31/02/1987",  # impossible: an error on an identity column
    "document_number": "ZZ9876543",
    "phone": "1357 9135",  # invalid: a warning on an identity column
}


def _hostile_files(tmp_path: Path) -> list[Path]:
    header = ["record_id", *SECRETS, "sex", "age"]
    good = [*SECRETS.values(), "F", "30"]
    rows = [
        ",".join(header),
        ",".join(["1", *good]),
        ",".join(["1", *good]),  # duplicate record_id
        ",".join(["2", *good[:3]]),  # ragged
        ",".join(["3", *good[:-2], "?", "999"]),  # bad sex and age
    ]
    csv_path = tmp_path / "hostile.csv"
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    nul = tmp_path / "nul.csv"
    nul.write_text(",".join(["4", *[v + "\x00" for v in good]]), encoding="utf-8")
    big5 = tmp_path / "hostile_big5.csv"
    big5.write_bytes(("\n".join(rows[:2]) + "\n").encode("big5hkscs") + b"5,\xff\xff\n")
    semi = tmp_path / "semi.csv"
    semi.write_text("\n".join(r.replace(",", ";") for r in rows), encoding="utf-8")
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(header)
    ws.append(["1", *good])
    ws.append(["2", *good[:-1], f"={good[0]!r}"])
    ws.merge_cells("B3:C3")
    xlsx = tmp_path / "hostile.xlsx"
    book.save(xlsx)
    return [csv_path, nul, big5, semi, xlsx]


def test_no_identity_value_appears_in_any_output(tmp_path: Path) -> None:
    files = _hostile_files(tmp_path)
    out = tmp_path / "o.parquet"
    outputs = []
    for extra in ([], ["--json"], ["--encoding", "big5hkscs"], ["--json", "--out", str(out)]):
        result = runner.invoke(app, ["validate", *map(str, files), *extra])
        assert result.exit_code == 1, result.output
        outputs.append(result.stdout + result.stderr)
    report = validate_lists(files)
    outputs += [str(report.summary()), json.dumps(report.to_dict(), ensure_ascii=False)]
    outputs += [report.summary().render_text(), report.summary()._repr_html_()]
    assert report.error_count > 5  # the hostile input was really found bad
    text = "\n".join(outputs)
    for column, value in SECRETS.items():
        for fragment in {value, value.replace(" ", ""), *value.split()}:
            assert fragment not in text, (column, fragment)
    for digits in ("1987", "9876543", "1357", "9135"):
        assert digits not in text
