"""``darkfigure demo`` end to end on a small scenario: every stage, the scopes, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.estimate._methods import DEFAULT_METHOD
from darkfigure.records._standard import IDENTITY_COLUMNS


def test_demo_runs_every_stage_and_shows_the_strongest_assumption(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--scenario", "hk-small", "--seed", "2", "--out", str(out), "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "true total (simulation)  2,000" in result.stdout
    estimates = json.loads((out / "estimates.json").read_text(encoding="utf-8"))
    assert estimates["primary"] == DEFAULT_METHOD
    headline = estimates["estimates"][0]
    assert headline["method"] == DEFAULT_METHOD
    assert "strata" in headline["model"][0]  # fitted within the lists' scopes (lists.yaml)
    sensitivity = estimates["sensitivity"]
    assert [s["diagnostics"]["sigma"] for s in sensitivity] == [0.0, 0.5, 1.0, 1.5, 2.0]
    totals = [s["estimate"] for s in sensitivity]
    assert totals == sorted(totals)
    assert totals[0] >= headline["observed"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "How much the answer depends on the strongest assumption" in report
    linked = pd.read_csv(out / "linked" / "records.csv", dtype=str)
    assert {"citizenship", "entry_permit", "sex", "age_band"} <= set(linked.columns)
    assert linked["age_band"].notna().mean() > 0.8  # most records give a birth date or an age
    assert not IDENTITY_COLUMNS & set(linked.columns)
