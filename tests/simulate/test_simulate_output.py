"""The written contract: lists in the record standard, the truth accounting for every record."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from darkfigure.errors import InputError
from darkfigure.histories import read_histories
from darkfigure.records import COLUMNS, read_lists
from darkfigure.simulate import World, simulate_world


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    world = simulate_world("hk-default", seed=1, persons=6000)
    out = tmp_path_factory.mktemp("sim") / "out"
    world.write(out)
    return world, out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_layout(written: tuple[World, Path]) -> None:
    world, out = written
    lists = sorted(p.stem for p in (out / "lists").glob("*.csv"))
    assert lists == sorted(world.scenario.lists)
    for name in ("persons.csv", "records.csv", "summary.json", "histories.csv"):
        assert (out / "truth" / name).is_file()
    resolved = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert resolved["seed"] == 1
    assert resolved["persons"] == 6000
    scopes = yaml.safe_load((out / "lists.yaml").read_text(encoding="utf-8"))["lists"]
    assert scopes["consulate_phl"]["sees"] == {"citizenship": ["PHL"]}
    assert scopes["labour"]["sees"] == {"entry_permit": ["fdh", "employment"]}
    assert scopes["police"]["sees"] == "all"
    assert not list(out.parent.glob(".out*"))  # no staging directory left behind


def test_lists_follow_the_record_standard_and_validate(written: tuple[World, Path]) -> None:
    _, out = written
    files = sorted((out / "lists").glob("*.csv"))
    for path in files:
        assert list(_read(path).columns) == [c.name for c in COLUMNS]
    records = read_lists(files)
    assert records.report.valid, [str(p) for p in records.report.errors][:5]
    assert not list(records.report.warnings)


def test_raw_forms_are_realistic(written: tuple[World, Path]) -> None:
    _, out = written
    police = _read(out / "lists" / "police.csv")
    assert police["date_of_birth"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()  # DD/MM/YYYY
    assert police["date_of_birth"].str.fullmatch(r"\d{4}").any()  # year only
    assert (police["age"] != "").any()  # age, no date
    assert {"female", "F"} <= set(police["sex"])
    assert {"Mainland", "Filipino"} <= set(police["citizenship"])
    shelter = _read(out / "lists" / "ngo_shelter.csv")
    assert (shelter["citizenship"] == "菲律賓").any()
    assert {"女", "F"} <= set(shelter["sex"])
    hotline = _read(out / "lists" / "ngo_hotline.csv")
    assert (hotline["full_name"] != "").any()
    assert (hotline["date_of_birth"] == "").any()
    assert (hotline["means_of_control"] == "none").any()
    consulate = _read(out / "lists" / "consulate_phl.csv")
    # Consulates copy the passport: Filipino given names carry the middle name; E.164 phones.
    assert consulate["given_name"].str.contains(" ").mean() > 0.8
    assert ((consulate["phone"] == "") | consulate["phone"].str.startswith("+")).all()


def test_truth_accounts_for_every_record(written: tuple[World, Path]) -> None:
    world, out = written
    truth = _read(out / "truth" / "records.csv")
    persons = _read(out / "truth" / "persons.csv")
    assert len(persons) == 6000
    assert persons["person_id"].is_unique
    total = 0
    for path in (out / "lists").glob("*.csv"):
        frame = _read(path)
        total += len(frame)
        assert frame["record_id"].is_unique
        mine = truth[truth["list_name"] == path.stem]
        assert list(mine["record_id"]) == list(frame["record_id"])
        on_list = set(persons.loc[persons[f"on_{path.stem}"] == "1", "person_id"])
        assert set(mine["person_id"]) == on_list
    assert len(truth) == total
    assert set(truth["person_id"]) <= set(persons["person_id"])
    summary = json.loads((out / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["true_total"] == 6000
    assert summary["records"] == total
    assert summary["observed"] == int((persons["n_lists"].astype(int) > 0).sum())
    assert summary["observed"] + summary["unobserved"] == 6000
    histories = read_histories(out / "truth" / "histories.csv")
    assert histories.observed == summary["observed"]
    assert summary["histories"]["columns"] == [*world.scenario.lists, "count"]
    assert sum(row[-1] for row in summary["histories"]["rows"]) == summary["observed"]
    for name, info in summary["lists"].items():
        assert info["persons"] == int((persons[f"on_{name}"] == "1").sum())


def test_people_appear_under_different_forms_and_twice(written: tuple[World, Path]) -> None:
    world, out = written
    truth = _read(out / "truth" / "records.csv")
    frames = pd.concat([_read(p) for p in (out / "lists").glob("*.csv")], ignore_index=True)
    merged = frames.merge(truth, on=["list_name", "record_id"])
    merged["written"] = (
        merged["family_name"] + "|" + merged["given_name"] + "|" + merged["full_name"]
    )
    several = merged.groupby("person_id").filter(lambda g: g["list_name"].nunique() > 1)
    forms = several.groupby("person_id")["written"].nunique()
    assert (forms > 1).mean() > 0.5
    assert set(merged["name_style"]) == {"document", "heard", "nickname"}
    twice = truth.duplicated(["list_name", "person_id"])
    assert twice.any()
    assert world.to_dict()["lists"]["ngo_hotline"]["duplicate_records"] > 0


def test_same_seed_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    simulate_world("hk-small", seed=4).write(first)
    simulate_world("hk-small", seed=4).write(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) >= 14
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_refuses_non_empty_directory_and_replaces_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    world = simulate_world("hk-small", seed=2, persons=300)
    with pytest.raises(InputError, match="not empty"):
        world.write(out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    world.write(out, force=True)
    assert not (out / "keep.txt").exists()
    assert (out / "truth" / "summary.json").is_file()


def test_summary_holds_no_identities(written: tuple[World, Path]) -> None:
    world, out = written
    persons = _read(out / "truth" / "persons.csv")
    text = str(world.summary()) + json.dumps(world.to_dict(), ensure_ascii=False)
    for value in (
        persons["document_number"].head(200).tolist() + persons["phone"].head(200).tolist()
    ):
        assert value not in text
    assert "true total" in text


def test_resolved_scenario_reproduces_the_run(tmp_path: Path) -> None:
    first = tmp_path / "first"
    simulate_world("hk-small", seed=9, persons=300, overrides=["dependence=false"]).write(first)
    again = tmp_path / "again"
    simulate_world(first / "scenario.yaml").write(again)
    for rel in ("lists/police.csv", "truth/records.csv", "truth/summary.json", "scenario.yaml"):
        assert (first / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_csv_writer_quotes_when_needed_and_leaves_empty_cells_empty(tmp_path: Path) -> None:
    from darkfigure.simulate._simulate import _csv

    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    _csv(pd.DataFrame({"a": ["x", ""], "b": [1, 2]}))(plain)
    assert plain.read_text(encoding="utf-8") == "a,b\nx,1\n,2\n"
    frame = pd.DataFrame({"a": ["García, López", 'say "hi"', ""], "b": [1, 2, 3]})
    _csv(frame)(quoted)
    back = pd.read_csv(quoted, dtype=str, keep_default_na=False)
    assert back["a"].tolist() == frame["a"].tolist()
