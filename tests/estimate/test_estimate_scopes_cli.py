"""``darkfigure estimate --records --lists``: the lists' scopes, covariates and --compare."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.histories import CaptureHistories
from darkfigure.records import read_lists
from darkfigure.simulate import simulate_world

runner = CliRunner()
SHORT = ["--burn-in", "300", "--draws", "100", "--thin", "2", "--chains", "2"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A simulated world's records keyed by the true person (perfect linkage), with fields."""
    out = simulate_world("hk-small", seed=11).write(tmp_path_factory.mktemp("w") / "sim")
    records = read_lists(sorted((out / "lists").glob("*.csv"))).frame
    truth = pd.read_csv(out / "truth" / "records.csv", dtype=str)
    keyed = records.merge(truth[["list_name", "record_id", "person_id"]])
    path = out / "keyed.csv"
    keyed.rename(columns={"person_id": "person_key"}).to_csv(path, index=False)
    return path, out / "lists.yaml", keyed["person_id"].nunique()


def test_logit_normal_within_the_scopes(world: tuple[Path, Path, int]) -> None:
    keyed, lists, observed = world
    result = runner.invoke(
        app,
        ["estimate", "--records", str(keyed), "--lists", str(lists), "--method",
         "logit-normal", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["observed"] == observed
    assert out["method"] == "logit-normal"
    assert out["diagnostics"]["n_strata"] > 1
    assert out["interval"]["lower"] <= out["estimate"] <= out["interval"]["upper"]


def test_the_default_says_what_it_was_given(world: tuple[Path, Path, int]) -> None:
    keyed, lists, _ = world
    result = runner.invoke(
        app, ["estimate", "--records", str(keyed), "--lists", str(lists), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    shares = out["diagnostics"]["referral_shares"]
    assert "ngo_hotline > ngo_shelter" in shares
    assert all(0 <= v <= 1 for v in shares.values())
    assert f"the lists' scopes and {len(shares)} referral pathways" in out["method_reason"]
    words = runner.invoke(app, ["estimate", "--records", str(keyed), "--lists", str(lists)])
    assert "Referral pathways" in words.stdout
    plain = runner.invoke(app, ["estimate", "--records", str(keyed), "--json"])
    assert plain.exit_code == 0, plain.output
    assert "no lists description" in json.loads(plain.stdout)["method_reason"]


def test_age_band_as_a_covariate(world: tuple[Path, Path, int]) -> None:
    keyed, lists, _ = world
    result = runner.invoke(
        app,
        ["estimate", "--records", str(keyed), "--lists", str(lists), "--covariates",
         "age_band", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # 16 eligibility strata, each split by the 4 age bands (a child band included).
    assert out["diagnostics"]["n_strata"] > 16
    assert out["interval"]["lower"] <= out["estimate"] <= out["interval"]["upper"]


def test_lcmcr_strata_reports_every_stratum(world: tuple[Path, Path, int]) -> None:
    keyed, lists, observed = world
    result = runner.invoke(
        app,
        ["estimate", "--records", str(keyed), "--lists", str(lists), "--method",
         "lcmcr-strata", "--seed", "3", *SHORT, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    strata = out["diagnostics"]["strata"]
    assert {s["levels"]["citizenship"] for s in strata} >= {"PHL", "IDN", "other"}
    assert sum(s["observed_settled"] for s in strata) <= observed
    readable = runner.invoke(
        app,
        ["estimate", "--records", str(keyed), "--lists", str(lists), "--method",
         "lcmcr-strata", "--seed", "3", *SHORT],
    )  # fmt: skip
    assert "Strata (citizenship · entry_permit · sex)" in readable.stdout


def test_compare_adds_models_range_and_sensitivity(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    visible = rng.normal(size=1_500)
    seen = rng.random((1_500, 4)) < 1 / (1 + np.exp(-(-1.5 + visible[:, None])))
    masks = seen.astype(np.int64) @ (1 << np.arange(4))
    table = tmp_path / "t.csv"
    CaptureHistories.from_cells("ABCD", np.bincount(masks, minlength=16)).to_frame().to_csv(
        table, index=False
    )
    result = runner.invoke(app, ["estimate", str(table), "--method", "main", "--compare", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "main"
    methods = [m["method"] for m in out["models"]] + list(out["not_estimable"])
    assert set(methods) == {
        "main", "stepwise", "bic", "gamma", "darroch", "chao", "lcmcr", "dga", "logit-normal"
    }  # fmt: skip
    sigmas = [s["sigma"] for s in out["sensitivity"]]
    assert sigmas == sorted(sigmas)
    assert sigmas[0] == 0.0
    totals = [s["estimate"] for s in out["sensitivity"]]
    assert totals == sorted(totals)  # more unequal visibility, more people unseen
    assert out["range"]["lowest"] <= out["estimate"] <= out["range"]["highest"]
    assert all(v is None or math.isfinite(v) for v in out["range"].values())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--lists", "L.yaml", "T.csv"], 2, "--lists needs --records"),
        (["--covariates", "sex", "T.csv"], 2, "--covariates needs --lists"),
        (["--method", "lcmcr-strata", "T.csv"], 1, "needs each person's strata"),
    ],
)
def test_usage(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "C": [1, 1, 0], "count": [5, 6, 7]}).to_csv(
        tmp_path / "T.csv", index=False
    )
    result = runner.invoke(
        app,
        ["estimate", *[str(tmp_path / a) if a.endswith((".csv", ".yaml")) else a for a in args]],
    )
    assert result.exit_code == code
    assert message in " ".join(result.output.split())


def test_records_without_the_scope_fields_say_what_to_give(
    world: tuple[Path, Path, int], tmp_path: Path
) -> None:
    keyed, lists, _ = world
    slim = tmp_path / "slim.csv"
    pd.read_csv(keyed, dtype=str)[["list_name", "record_id", "person_key"]].to_csv(
        slim, index=False
    )
    result = runner.invoke(app, ["estimate", "--records", str(slim), "--lists", str(lists)])
    assert result.exit_code == 1
    assert "lack column(s) citizenship, entry_permit, sex" in " ".join(result.output.split())


def test_an_open_interval_is_null_in_json_and_said_in_words(tmp_path: Path) -> None:
    table = tmp_path / "flat.csv"
    CaptureHistories.from_cells("ABC", [0, 60, 55, 1, 50, 0, 1, 0]).to_frame().to_csv(
        table, index=False
    )
    result = runner.invoke(app, ["estimate", str(table), "--method", "logit-normal", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["interval"]["upper"] is None
    assert out["interval"]["lower"] >= out["observed"]
    words = runner.invoke(app, ["estimate", str(table), "--method", "logit-normal"])
    assert "no upper bound" in words.stdout
