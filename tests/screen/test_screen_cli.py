"""``darkfigure screen``: exit codes, output files, --json, --explain, and privacy."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.screen import screen_records

runner = CliRunner()


@pytest.fixture
def lists(tmp_path: Path, records: pd.DataFrame) -> list[Path]:
    paths = []
    for name, part in records.head(60).groupby("list_name"):
        path = tmp_path / f"{name}.csv"
        part.drop(columns="list_name").to_csv(path, index=False)
        paths.append(path)
    return paths


def test_screen_writes_csv_and_prints_the_summary(tmp_path: Path, lists: list[Path]) -> None:
    out = tmp_path / "out" / "screened.csv"
    result = runner.invoke(app, ["screen", *map(str, lists), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "legal gap" in result.stdout
    assert "Classifications" in result.stdout
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 60
    for column in ("palermo_trafficking", "cap200_offences", "legal_gap", "screen_explanation"):
        assert column in frame
    assert set(frame["list_name"]) == {p.stem for p in lists}
    assert "SAMPLECHAN" not in result.output  # identities stay in the file, not on screen


def test_json_is_the_screenings_dict(tmp_path: Path, lists: list[Path]) -> None:
    out = tmp_path / "screened.parquet"
    result = runner.invoke(app, ["screen", *map(str, lists), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = screen_records(lists).to_dict()
    assert data == expected
    assert len(pd.read_parquet(out)) == 60


def test_explain_one_record(tmp_path: Path, lists: list[Path]) -> None:
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["screen", str(lists[0]), "--out", str(out), "--explain", "R0"])
    assert result.exit_code == 0, result.output
    assert "record list0/R0" in result.stdout
    assert "palermo.trafficking" in result.stdout
    assert "Palermo Protocol art. 3" in result.stdout


def test_bad_inputs_fail_without_output(tmp_path: Path, lists: list[Path]) -> None:
    out = tmp_path / "s.csv"
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("framework: x\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(lists[0]), "--out", str(out), "--rules",
                                 str(bad_rules)])  # fmt: skip
    assert result.exit_code == 1
    assert "do not validate" in result.stderr
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("family_name,movement\nSAMPLECHAN,into_hk\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(no_id), "--out", str(out)])
    assert result.exit_code == 1
    assert "SAMPLECHAN" not in result.output
    result = runner.invoke(app, ["screen", str(lists[0]), "--out", str(out), "--explain", "nope"])
    assert result.exit_code == 1
    assert not out.exists()
    result = runner.invoke(app, ["screen", str(lists[0]), "--out", str(tmp_path / "s.txt")])
    assert result.exit_code == 2


def test_help_teaches() -> None:
    result = runner.invoke(app, ["screen", "--help"])
    assert result.exit_code == 0
    assert "legal gap" in result.stdout
    assert "Example" in result.stdout
