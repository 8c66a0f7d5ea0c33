"""Scenario loading: packaged names, files, extends, --set overrides, errors by YAML path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from darkfigure.errors import ScenarioError
from darkfigure.simulate import list_scenarios, load_scenario


def test_packaged_scenarios_are_listed_and_valid() -> None:
    found = list_scenarios()
    assert {"hk-default", "hk-small", "hk-independent"} <= set(found)
    for name in found:
        scenario = load_scenario(name)
        assert scenario.scenario == name
        assert found[name]


def test_extends_and_overrides() -> None:
    small = load_scenario("hk-small")
    default = load_scenario("hk-default")
    assert small.persons == 2000
    assert small.organisations == default.organisations
    independent = load_scenario("hk-independent")
    assert not independent.heterogeneity
    assert not independent.dependence
    tuned = load_scenario(
        "hk-default",
        overrides=[
            "organisations.police.base_rate=0.2",
            "dependence=false",
            "organisations.police.crackdowns.0.rate=0.3",
        ],
        persons=10,
        seed=5,
    )
    assert tuned.organisations["police"].base_rate == 0.2
    assert tuned.organisations["police"].crackdowns[0].rate == 0.3
    assert tuned.dependence is False
    assert (tuned.persons, tuned.seed) == (10, 5)


def test_resolved_yaml_round_trips(tmp_path: Path) -> None:
    scenario = load_scenario("hk-default", seed=3)
    path = tmp_path / "resolved.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    assert load_scenario(path) == scenario


def _error(*overrides: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("hk-default", overrides=overrides)
    return str(caught.value)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "organisations.police.base_rate=1.5",
            "organisations.police.base_rate: must be in [0, 1] (got 1.5)",
        ),
        (
            "groups.mainland_sex.venue={hotel: 0.5, sauna: 0.5}",
            "groups.mainland_sex.venue: unknown venue code(s) 'sauna'",
        ),
        (
            "groups.mainland_sex.venue={hotel: 0.5}",
            "groups.mainland_sex.venue: probabilities must sum to 1 (they sum to 0.5)",
        ),
        ("groups.fdh_labour.share=0.5", "groups: group shares must sum to 1"),
        ("organisations.police.colour=blue", "organisations.police.colour: unknown key"),
        ("organisations.police.effects={venue=sauna: 1.0}", "unknown venue code(s) 'sauna'"),
        ("organisations.police.effects={venue: 1.0}", "is not 'field=code'"),
        ("organisations.labour.scope={entry_permit: []}", "would make the list see nobody"),
        ("organisations.police.referrals={interpol: 0.1}", "unknown organisation 'interpol'"),
        ("organisations.immigration.referrals={ngo_hotline: 0.1}", "referrals form a cycle"),
        ("organisations.police.crackdowns.0.start=2022-06-01", "must fall in the scenario year"),
        ("groups.circuit_sex.age={18-12: 1.0}", "the lower age must not exceed the upper"),
        ("persons=0", "persons: Input should be greater than or equal to 1"),
        (
            "organisations.police.recording.duplicates=-0.1",
            "recording.duplicates: must be in [0, 1]",
        ),
    ],
)
def test_errors_name_the_key_and_the_reason(override: str, expected: str) -> None:
    message = _error(override)
    assert expected in message
    assert message.startswith("hk-default.yaml: ")


def test_every_problem_is_reported_at_once() -> None:
    message = _error("organisations.police.base_rate=2", "organisations.labour.base_rate=-1")
    assert "organisations.police.base_rate" in message
    assert "organisations.labour.base_rate" in message


def test_bad_override_syntax() -> None:
    assert "groups.fdh_labour.female: Input should be a valid number" in _error(
        "groups.fdh_labour.female=null"
    )
    with pytest.raises(ScenarioError, match=r"expected key\.path=value"):
        load_scenario("hk-default", overrides=["persons"])
    with pytest.raises(ScenarioError, match="persons: is a value, not a section"):
        load_scenario("hk-default", overrides=["persons.x=1"])


def test_files_unknown_names_and_yaml_syntax(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nowhere'.*hk-default"):
        load_scenario("nowhere")
    broken = tmp_path / "broken.yaml"
    broken.write_text("scenario: x\nyear: [2023\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.yaml: not valid YAML \(line \d+\)"):
        load_scenario(broken)
    partial = tmp_path / "partial.yaml"
    partial.write_text(yaml.safe_dump({"scenario": "partial", "year": 2023}), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(partial)
    assert "partial.yaml: persons: required key is missing" in str(caught.value)
    assert "partial.yaml: groups: required key is missing" in str(caught.value)
    looping = tmp_path / "loop.yaml"
    looping.write_text("extends: loop.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="extend each other in a loop"):
        load_scenario(looping)
    child = tmp_path / "child.yaml"
    child.write_text("extends: hk-default\nscenario: child\npersons: 7\n", encoding="utf-8")
    assert load_scenario(child).persons == 7
