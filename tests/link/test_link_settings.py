"""Linkage settings (YAML → LinkSettings) and the saved model (diagnostics/model.json)."""

from __future__ import annotations

import inspect
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.errors import DarkfigureWarning, SettingsError
from darkfigure.link import (
    Linkage,
    LinkSettings,
    SavedModel,
    TrainingSettings,
    link_records,
    read_link_settings,
    read_model,
)

runner = CliRunner()

EXAMPLE = Path(__file__).parents[2] / "docs" / "link-settings.example.yaml"


def _write(folder: Path, text: str, name: str = "link.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _lists(world: Path) -> list[Path]:
    return sorted((world / "lists").glob("*.csv"))


def _unwrapped(text: str) -> str:
    """Console output with Rich's line wrapping undone."""
    return " ".join(text.split())


def _squeezed(text: str) -> str:
    """Text without any whitespace: Rich may break a long path anywhere, even mid-name."""
    return "".join(text.split())


# --- settings: validation -------------------------------------------------------------------


def test_every_problem_is_reported_with_file_and_yaml_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "threshold: 1.5\nbackend: oracle\nseed: -1\naddress: maybe\ntresh: 0.3\n"
        "training:\n  max_iterations: 0\n  prior_recal: 0.5\n",
    )
    with pytest.raises(SettingsError) as caught:
        read_link_settings(path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    paths = {line.removeprefix(f"{path}: ").split(":")[0] for line in lines}
    assert paths == {
        "threshold",
        "backend",
        "seed",
        "address",
        "tresh",
        "training.max_iterations",
        "training.prior_recal",
    }
    assert f"{path}: threshold: must be between 0 and 1 (exclusive), got 1.5" in lines
    assert f"{path}: address: must be auto, true or false" in lines
    assert any(line.startswith(f"{path}: tresh: unknown key") for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("threshold: '0.5'\n", "threshold: Input should be a valid number"),
        ("address: 'yes'\n", "address: must be auto, true or false"),
        ("threshold: [0.3\n", r"not valid YAML \(line 2\)"),
        ("- threshold\n", "the settings must be a YAML mapping"),
        ("training: 3\n", "training: Input should be"),
    ],
)
def test_malformed_settings(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        read_link_settings(_write(tmp_path, text))


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        read_link_settings(tmp_path / "absent.yaml")
    assert read_link_settings(_write(tmp_path, "# nothing set\n")) == LinkSettings()


def test_example_file_documents_the_defaults() -> None:
    """docs/link-settings.example.yaml lists every key with its default value."""
    example = read_link_settings(EXAMPLE)
    assert example == LinkSettings()
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in (*LinkSettings.model_fields, *TrainingSettings.model_fields):
        assert f"{key}:" in text


def test_overrides_are_validated_like_the_file() -> None:
    with pytest.raises(SettingsError, match=r"^samples: Input should be greater than or equal"):
        LinkSettings().with_overrides(samples=-1)
    frame = pd.DataFrame({"list_name": ["A", "B"], "record_id": ["1", "2"]})
    with pytest.raises(SettingsError, match="threshold: must be between 0 and 1"):
        link_records(frame, threshold=0)


# --- settings: precedence -------------------------------------------------------------------


def test_precedence_arguments_over_file_over_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "threshold: 0.4\nseed: 5\ntraining:\n  max_iterations: 30\n")
    settings = read_link_settings(path).with_overrides(seed=7, threshold=None)
    assert settings.threshold == 0.4  # the file (the argument was left at None)
    assert settings.seed == 7  # the argument
    assert settings.training.max_iterations == 30  # the file, nested
    assert settings.samples == LinkSettings().samples  # the default
    assert settings.backend == "duckdb"


def test_cli_defaults_are_the_settings_defaults() -> None:
    """Options not given keep the file's values, so the CLI's shown defaults must be these."""
    from darkfigure.cli.link import link

    parameters = inspect.signature(link).parameters
    defaults = LinkSettings()
    for name in ("threshold", "backend", "seed", "samples"):
        assert parameters[name].default == getattr(defaults, name), name


def test_settings_hash_is_canonical() -> None:
    base = LinkSettings()
    assert base.settings_hash() == LinkSettings.model_validate(base.to_dict()).settings_hash()
    assert base.settings_hash() != base.with_overrides(threshold=0.31).settings_hash()
    changed = LinkSettings.model_validate({"training": {"max_iterations": 26}})
    assert changed.settings_hash() != base.settings_hash()


# --- the saved model ------------------------------------------------------------------------


def test_model_json_round_trip(small_linkage: Linkage, tmp_path: Path) -> None:
    small_linkage.write(tmp_path / "out")
    path = tmp_path / "out" / "diagnostics" / "model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data)[:6] == [
        "format",
        "format_version",
        "darkfigure_version",
        "splink_version",
        "created",
        "settings_hash",
    ]
    assert data["created"].endswith("Z")
    saved = read_model(path)
    assert saved == small_linkage.model
    assert saved.settings_hash == small_linkage.settings.settings_hash()
    assert LinkSettings.model_validate(saved.settings) == small_linkage.settings
    assert {c["output_column_name"] for c in saved.splink_model["comparisons"]} >= {
        "name",
        "birth",
        "phone",
        "document",
    }
    assert not list(path.parent.glob(".model.json.*"))  # the temporary file was renamed


def _identity_values(world: Path) -> set[str]:
    """Names, name tokens, phones, documents and dates of birth of the synthetic lists."""
    values: set[str] = set()
    columns = ("family_name", "given_name", "full_name", "name_zh", "aliases")
    columns += ("phone", "document_number", "date_of_birth")
    for path in _lists(world):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in columns:
            if column not in frame.columns:
                continue
            for value in frame[column]:
                values.add(value)
                values.update(value.replace("-", " ").split())
    # Short tokens ("Ah", "Li") occur inside any text; the characters of Chinese names are
    # checked one name at a time (two characters or more).
    return {v for v in values if len(v) >= 5 or (len(v) >= 2 and not v.isascii())}


def test_model_holds_no_identity_values(small_linkage: Linkage, small_world: Path) -> None:
    text = json.dumps(small_linkage.model.to_dict(), ensure_ascii=False).lower()
    values = _identity_values(small_world)
    assert len(values) > 500  # the check has something to find
    # Whole values only, in any case: "ching" inside "retain_matching_columns" or a phone's
    # digits inside a probability's are not a leak.
    leaked = [
        v
        for v in values
        if re.search(rf"(?<![0-9a-z]){re.escape(v.lower())}(?![0-9a-z])", text) is not None
    ]
    assert not leaked, f"{len(leaked)} identity values in the model"
    # Splink keeps no term-frequency tables or example values in its model.
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(small_linkage.model.splink_model)
    assert not {k for k in keys if "tf_table" in k or "example" in k}


@pytest.mark.parametrize("version", [2, 0, None, "1"])
def test_other_format_versions_are_refused(small_linkage: Linkage, version: Any) -> None:
    data = small_linkage.model.to_dict()
    data["format_version"] = version
    with pytest.raises(SettingsError, match=r"model format version .* is not supported") as e:
        SavedModel.from_dict(data, source="model.json")
    assert "reads version 1" in str(e.value)


def test_not_a_darkfigure_model_is_refused(small_linkage: Linkage, tmp_path: Path) -> None:
    # Splink's own model file, without darkfigure's envelope.
    splink_only = _write(tmp_path, json.dumps(small_linkage.model.splink_model), "splink.json")
    with pytest.raises(SettingsError, match="not a darkfigure linkage model"):
        read_model(splink_only)
    with pytest.raises(SettingsError, match=r"not valid JSON \(line 1\)"):
        read_model(_write(tmp_path, "{", "broken.json"))
    with pytest.raises(SettingsError, match="no such model file"):
        read_model(tmp_path / "absent.json")
    data = small_linkage.model.to_dict()
    del data["settings_hash"]
    data["splink_model"] = {"comparisons": []}
    with pytest.raises(SettingsError) as caught:
        SavedModel.from_dict(data, source="model.json")
    assert str(caught.value).splitlines() == [
        "model.json: settings_hash: required key is missing",
        "model.json: splink_model: not a Splink model: it has no comparisons",
    ]


def test_edited_settings_do_not_pass_for_the_hash(small_linkage: Linkage) -> None:
    data = small_linkage.model.to_dict()
    data["settings"]["threshold"] = 0.9
    with pytest.raises(SettingsError, match=r"^model.json: settings_hash: is not the hash"):
        SavedModel.from_dict(data, source="model.json")


def test_settings_differences_name_each_field(small_linkage: Linkage) -> None:
    model = small_linkage.model
    assert model.settings_differences(small_linkage.settings) == []
    other = small_linkage.settings.with_overrides(threshold=0.5)
    other = LinkSettings.model_validate({**other.to_dict(), "training": {"max_iterations": 40}})
    assert model.settings_differences(other) == [
        "threshold 0.3 → 0.5",
        "training.max_iterations 25 → 40",
    ]


# --- applying a saved model -----------------------------------------------------------------


def test_saved_model_gives_the_same_person_keys(
    small_linkage: Linkage, small_world: Path, tmp_path: Path
) -> None:
    """Re-applied (from the file, without training) to the same records: the same links."""
    small_linkage.write(tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DarkfigureWarning)  # the same settings: no warning
        applied = link_records(
            _lists(small_world),
            model=tmp_path / "out" / "diagnostics" / "model.json",
            seed=small_linkage.settings.seed,
            samples=small_linkage.settings.samples,
        )
    assert not applied.trained
    assert applied.warnings == ()
    assert applied.model == small_linkage.model  # the model used is the one written back
    columns = ["list_name", "record_id", "person_key", "cluster_size"]
    pd.testing.assert_frame_equal(applied.records[columns], small_linkage.records[columns])
    pd.testing.assert_frame_equal(applied.parameters, small_linkage.parameters)
    for drawn, original in zip(applied.samples, small_linkage.samples, strict=True):
        pd.testing.assert_frame_equal(drawn.to_frame(), original.to_frame())
    assert applied.to_dict()["model"]["trained"] is False


def test_other_settings_warn_but_apply(small_linkage: Linkage, small_world: Path) -> None:
    with pytest.warns(DarkfigureWarning, match=r"model → now: .*threshold 0.3 → 0.6"):
        applied = link_records(_lists(small_world), model=small_linkage.model, threshold=0.6)
    assert applied.threshold == 0.6
    assert "threshold 0.3 → 0.6" in applied.warnings[0]
    assert applied.to_dict()["warnings"] == list(applied.warnings)
    assert applied.settings.settings_hash() != applied.model.settings_hash


def test_address_settings_need_an_address_column(small_linkage: Linkage, small_world: Path) -> None:
    with pytest.raises(SettingsError, match="address: true, but no list has an address column"):
        link_records(_lists(small_world), settings=LinkSettings.model_validate({"address": True}))
    data = small_linkage.model.to_dict()
    data["splink_model"]["comparisons"].append(
        {"output_column_name": "address", "comparison_levels": []}
    )
    with pytest.raises(SettingsError, match="the model compares addresses"):
        link_records(
            _lists(small_world), model=SavedModel.from_dict(data), settings=small_linkage.settings
        )


# --- the CLI --------------------------------------------------------------------------------


def test_cli_settings_file_then_saved_model(small_world: Path, tmp_path: Path) -> None:
    files = [str(p) for p in _lists(small_world)]
    settings = _write(tmp_path, "threshold: 0.4\nseed: 5\nsamples: 1\n")
    first = runner.invoke(
        app,
        [
            "link",
            *files,
            "--out",
            str(tmp_path / "a"),
            "--settings",
            str(settings),
            "--seed",
            "1",
            "--json",
        ],
    )
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert (data["threshold"], data["samples"]) == (0.4, 1)  # from the file
    model_path = tmp_path / "a" / "diagnostics" / "model.json"
    saved = read_model(model_path)
    assert saved.settings["seed"] == 1  # the command line over the file
    assert saved.settings["backend"] == "duckdb"  # the default
    assert data["settings_hash"] == saved.settings_hash == data["model"]["settings_hash"]

    again = runner.invoke(
        app,
        [
            "link",
            *files,
            "--out",
            str(tmp_path / "b"),
            "--settings",
            str(settings),
            "--seed",
            "1",
            "--model",
            str(model_path),
            "--json",
        ],
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["model"]["trained"] is False
    assert "warning" not in again.stderr
    keys = [pd.read_csv(tmp_path / d / "records.csv")["person_key"] for d in ("a", "b")]
    assert keys[0].equals(keys[1])

    warned = runner.invoke(
        app,
        ["link", *files, "--out", str(tmp_path / "c"), "--model", str(model_path), "--json"],
    )
    assert warned.exit_code == 0, warned.output
    assert "threshold 0.4 → 0.3" in json.loads(warned.stdout)["warnings"][0]
    assert "warning:" in warned.stderr


def test_cli_bad_settings_and_model_exit_1(
    small_linkage: Linkage, small_world: Path, tmp_path: Path
) -> None:
    files = [str(p) for p in _lists(small_world)]
    settings = _write(tmp_path, "threshold: 2\n")
    result = runner.invoke(
        app, ["link", *files, "--out", str(tmp_path / "o"), "--settings", str(settings)]
    )
    assert result.exit_code == 1
    expected = f"{settings}: threshold: must be between 0 and 1"
    assert _squeezed(expected) in _squeezed(result.stderr)
    data = small_linkage.model.to_dict()
    data["format_version"] = 2
    model = _write(tmp_path, json.dumps(data), "model.json")
    result = runner.invoke(
        app, ["link", *files, "--out", str(tmp_path / "o"), "--model", str(model)]
    )
    assert result.exit_code == 1
    assert "model format version 2" in _unwrapped(result.stderr)
    assert not (tmp_path / "o" / "records.csv").exists()
