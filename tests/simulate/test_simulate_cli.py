"""``darkfigure simulate``: exit codes, the contract on disk, --json equal to the API."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.simulate import simulate_world

runner = CliRunner()


def test_writes_the_contract_and_json_equals_the_api(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "simulate",
        "--scenario",
        "hk-small",
        "--seed",
        "1",
        "--out",
        str(out),
        "--persons",
        "500",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == simulate_world("hk-small", seed=1, persons=500).to_dict()
    on_disk = json.loads((out / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == printed
    assert (out / "lists" / "police.csv").is_file()
    # A second run into the same, now non-empty, directory is refused; --force replaces it.
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "not empty" in again.stderr
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_summary_for_people(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["simulate", "-s", "hk-small", "--seed", "2", "-o", str(tmp_path / "o"), "-n", "400"]
    )
    assert result.exit_code == 0, result.output
    assert "true total" in result.stdout
    assert "Overlaps" in result.stdout
    assert "immigration" in result.stdout


def test_list_scenarios() -> None:
    result = runner.invoke(app, ["simulate", "--list-scenarios"])
    assert result.exit_code == 0
    assert "hk-default" in result.stdout
    as_json = json.loads(runner.invoke(app, ["simulate", "--list-scenarios", "--json"]).stdout)
    assert "hk-independent" in as_json["scenarios"]


def test_bad_input_and_usage(tmp_path: Path) -> None:
    out = tmp_path / "o"
    bad = runner.invoke(
        app, ["simulate", "--out", str(out), "--set", "organisations.police.base_rate=7"]
    )
    assert bad.exit_code == 1
    message = " ".join(bad.stderr.split())  # the console may wrap long lines
    assert "hk-default.yaml: organisations.police.base_rate: must be in [0, 1] (got 7.0)" in message
    assert not out.exists()
    unknown = runner.invoke(app, ["simulate", "--scenario", "atlantis", "--out", str(out)])
    assert unknown.exit_code == 1
    assert "unknown scenario" in unknown.stderr
    assert runner.invoke(app, ["simulate"]).exit_code == 2  # no --out
    assert runner.invoke(app, ["simulate", "--out", str(out), "--persons", "0"]).exit_code == 2


def test_help_teaches() -> None:
    result = runner.invoke(app, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in (
        "--scenario",
        "--seed",
        "--out",
        "--persons",
        "--set",
        "--list-scenarios",
        "--force",
        "--json",
        "darkfigure simulate",
    ):
        assert option in result.stdout
