"""``darkfigure link`` through the CLI: outputs, JSON, exit codes, and no identities leaked."""

import json

import pandas as pd
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.link import REVIEW_FILE
from darkfigure.records._standard import IDENTITY_COLUMNS

runner = CliRunner()


def _identity_values(lists_dir):
    values = set()
    for path in lists_dir.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in (
            "family_name",
            "given_name",
            "full_name",
            "name_zh",
            "phone",
            "document_number",
            "date_of_birth",
        ):
            if column in frame.columns:
                values.update(v for v in frame[column] if len(v) >= 5)
    return values


def test_link_writes_outputs_and_json(small_world, tmp_path):
    out = tmp_path / "linked"
    files = [str(p) for p in sorted((small_world / "lists").glob("*.csv"))]
    result = runner.invoke(
        app,
        [
            "link",
            *files,
            "--out",
            str(out),
            "--json",
            "--seed",
            "1",
            "--truth",
            str(small_world / "truth" / "records.csv"),
            "--samples",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["records"] == len(pd.read_csv(out / "records.csv"))
    assert 0.9 < data["evaluation"]["precision"] <= 1
    records = pd.read_csv(out / "records.csv")
    assert list(records.columns[:5]) == [
        "list_name",
        "record_id",
        "person_key",
        "cluster_size",
        "match_probability",
    ]
    # The non-identity fields ride along (for the lists' scopes and the report's groups); no
    # identity column does.
    assert {"sex", "citizenship", "entry_permit", "exploitation_type"} <= set(records.columns)
    assert not IDENTITY_COLUMNS & set(records.columns)
    histories = pd.read_csv(out / "histories.csv")
    assert histories["count"].sum() == records["person_key"].nunique()
    assert (out / "samples" / "histories_0002.csv").exists()
    for name in ("parameters.csv", "model.json", "match_weights.vl.json", REVIEW_FILE):
        assert (out / "diagnostics" / name).exists()
    # Nothing meant for sharing holds an identity value.
    shared = result.output + "".join(
        p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()
    )
    leaked = [v for v in _identity_values(small_world / "lists") if v in shared]
    assert not leaked


def test_bad_input_exits_1_without_values(tmp_path):
    bad = tmp_path / "police.csv"
    bad.write_text("family_name,given_name\nChan,Siu Mei\n", encoding="utf-8")
    result = runner.invoke(app, ["link", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Siu Mei" not in result.output
    assert not (tmp_path / "o" / "records.csv").exists()


def test_usage_errors_exit_2(tmp_path):
    result = runner.invoke(app, ["link", "x.csv", "--out", str(tmp_path), "--backend", "oracle"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["link", "x.csv"])
    assert result.exit_code == 2


def test_a_list_that_recorded_nobody_is_linked_around_with_a_warning(small_world, tmp_path):
    """A simulated year can leave a list empty (hk-small seed 2 has no Thai consulate record);
    the other lists are linked, the empty one adds no capture column, and the output says so."""
    empty = tmp_path / "consulate_vnm.csv"
    police = small_world / "lists" / "police.csv"
    empty.write_text(police.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    files = [str(p) for p in sorted((small_world / "lists").glob("*.csv"))] + [str(empty)]
    out = tmp_path / "linked"
    result = runner.invoke(app, ["link", *files, "--out", str(out), "--json", "--seed", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (warning,) = [w for w in data["warnings"] if "consulate_vnm.csv" in w]
    assert "header but no records" in warning
    assert "consulate_vnm" not in pd.read_csv(out / "histories.csv").columns
    assert "consulate_vnm" not in data["lists"]
