"""``darkfigure estimate``: exit codes, the JSON contract, records and strata."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.errors import DarkfigureWarning
from darkfigure.estimate import estimate_population

runner = CliRunner()
TABLE = pd.DataFrame(
    {
        "A": [1, 0, 0, 1, 1, 0],
        "B": [0, 1, 0, 1, 0, 1],
        "C": [0, 0, 1, 0, 1, 1],
        "count": [60, 45, 50, 12, 9, 8],
    }
)


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "t.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_json_is_exactly_to_dict(tmp_path: Path) -> None:
    path = write(tmp_path, TABLE)
    result = runner.invoke(app, ["estimate", str(path), "--method", "stepwise", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == estimate_population(path, method="stepwise").to_dict()


def test_summary_shows_estimate_interval_and_models(tmp_path: Path) -> None:
    path = write(tmp_path, TABLE)
    result = runner.invoke(
        app, ["estimate", str(path), "--method", "bic", "--bootstrap", "100", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    for text in ("estimated total", "95% interval (bca)", "Best models", "bootstrap"):
        assert text in result.stdout


def test_not_estimable_model_exits_1_with_reason(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0], "count": [40, 30, 20, 6]}
    )
    path = write(tmp_path, frame)
    result = runner.invoke(app, ["estimate", str(path), "--method", "fixed", "--terms", "A:B"])
    assert result.exit_code == 1
    assert "no finite maximum-likelihood estimate" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_bad_table_and_usage(tmp_path: Path) -> None:
    bad = write(tmp_path, TABLE.assign(A=[2, 0, 0, 1, 1, 0]))
    result = runner.invoke(app, ["estimate", str(bad)])
    assert result.exit_code == 1
    assert "row 1, column 'A'" in " ".join(result.stderr.split())
    assert runner.invoke(app, ["estimate"]).exit_code == 2
    assert runner.invoke(app, ["estimate", str(bad), "--by", "sex"]).exit_code == 2
    assert runner.invoke(app, ["estimate", str(bad), "--method", "nope"]).exit_code == 1


def _records() -> pd.DataFrame:
    """Synthetic linked records: people with keys, lists they are on, and a stratum."""
    rows = []
    pid = 0
    for sex, pattern, n in [
        ("F", "A", 40),
        ("F", "B", 30),
        ("F", "C", 25),
        ("F", "AB", 8),
        ("F", "AC", 6),
        ("F", "BC", 5),
        ("M", "A", 20),
        ("M", "B", 15),
        ("M", "C", 10),
        ("M", "AB", 4),
        ("M", "AC", 2),
        ("M", "BC", 3),
        ("X", "A", 1),
    ]:
        for _ in range(n):
            pid += 1
            rows += [
                {"list_name": lst, "record_id": f"{lst}{pid}", "person_key": f"p{pid}", "sex": sex}
                for lst in pattern
            ]
    return pd.DataFrame(rows)


def test_records_by_stratum_flags_sparse_strata(tmp_path: Path) -> None:
    path = write(tmp_path, _records(), "records.csv")
    result = runner.invoke(
        app, ["estimate", "--records", str(path), "--by", "sex", "--method", "main", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["observed"] == 169
    assert set(out["strata"]) == {"F", "M"}
    assert "X" in out["not_estimable"]  # one person on one list: flagged, not hidden
    assert out["interval"]["kind"] == "profile"
    text = runner.invoke(
        app, ["estimate", "--records", str(path), "--by", "sex", "--method", "main"]
    )
    assert text.exit_code == 0
    assert "not estimable" in text.stdout


def test_own_warnings_are_printed_once_with_the_result() -> None:
    """A ConvergenceWarning is in the summary, not also on Python's warning output."""
    from _mse_reference import DATA, table

    table("UKdat_5")  # skips when the reference data are absent
    args = [
        "estimate",
        str(DATA / "UKdat_5.csv"),
        "--method",
        "lcmcr",
        "--burn-in",
        "0",
        "--draws",
        "40",
        "--thin",
        "1",
        "--chains",
        "4",
        "--seed",
        "1",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if issubclass(w.category, DarkfigureWarning)]
    text = " ".join(result.stdout.split())
    assert "not converged" in text  # still in the result's warnings
    assert "R-hat / ESS" in text
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert any("not converged" in w for w in data["warnings"])
