"""Rule files: the bundled rules validate and cite; broken rules fail with file and YAML path."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfigure.errors import RulesError
from darkfigure.screen import load_rules
from darkfigure.screen._rules import Graded

GOOD = """
framework: test
version: "1"
citation: a source
rules:
  - id: t.means
    version: "1"
    title: means
    citation: Palermo art. 3(a)
    verified: V
    when: {any_of: {field: means_of_control, codes: [debt_bondage]}}
  - id: t.out
    version: "1"
    title: out
    citation: Palermo art. 3(a)
    verified: V
    output: t_out
    when: {all: [{rule: t.means}, {age_under: 18}]}
"""


def _write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_rules_validate_and_every_rule_cites_its_source() -> None:
    rules = load_rules()
    assert len(rules.rules) >= 20
    for rule in rules.rules.values():
        assert rule.citation.strip()
        assert rule.version
        assert rule.verified in "VPU"
    assert [r.output for r in rules.outputs] == [
        "palermo_trafficking", "ilo_forced_labour", "ilo_ec_trafficking", "cap200_s129",
        "legal_gap", "hk_screening_group",
    ]  # fmt: skip
    assert {r.collect.label for r in rules.collected if r.collect} >= {
        "s.129",
        "s.130",
        "s.131",
        "s.137",
    }


def test_ilo_ec_elements_hold_the_publications_indicator_counts() -> None:
    # domain.md §2.3 [V]: adult labour list, 10, 10, 16, 9, 15, 7 indicators per element
    rules = load_rules()
    elements = ["deceptive_recruitment", "coercive_recruitment", "recruitment_vulnerability",
                "exploitation", "coercion_destination", "vulnerability_destination"]  # fmt: skip
    counts = []
    for name in elements:
        graded = rules.rules[f"ilo_ec.{name}"].when
        assert isinstance(graded, Graded)
        unrecorded = graded.graded.unrecorded.adult
        counts.append(len(graded.graded.indicators) + unrecorded.strong + unrecorded.medium
                      + unrecorded.weak)  # fmt: skip
    assert counts == [10, 10, 16, 9, 15, 7]


def test_user_rules_load(tmp_path: Path) -> None:
    rules = load_rules([_write(tmp_path, GOOD)])
    assert list(rules.rules) == ["t.means", "t.out"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "codes: [debt_bondage]",
            "codes: [debt_bondge]",
            "rules[0].when.any_of.codes: `debt_bondge` is not a code of `means_of_control`",
        ),
        (
            "field: means_of_control",
            "field: means",
            "rules[0].when.any_of.field: `means` is not a column of the record standard",
        ),
        (
            "field: means_of_control",
            "field: date_identified",
            "`date_identified` is not a code column",
        ),
        (
            "    citation: Palermo art. 3(a)\n    verified: V\n    when: {any_of",
            "    verified: V\n    when: {any_of",
            "rules[0].citation: Field required",
        ),
        (
            "citation: Palermo art. 3(a)\n    verified: V\n    output",
            "citation: '  '\n    verified: V\n    output",
            "rules[1].citation",
        ),
        ("{rule: t.means}", "{rule: t.nothing}", "rules[1].when.all[0].rule: no rule has id"),
        ("id: t.out", "id: t.means", "rules[1].id: `t.means` is also defined"),
        ("{age_under: 18}", "{age_under: 18, rule: t.means}", "exactly one key"),
        ("{age_under: 18}", "{eval: '1+1'}", "exactly one key"),
        ("{all: [", "{all: [{rule: t.out}, ", "cycle"),
    ],
)
def test_invalid_rules_name_file_and_path(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RulesError) as caught:
        load_rules([path])
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules([_write(tmp_path, "rules: [\n  - id: x\n   bad")])
    with pytest.raises(RulesError, match="cannot read"):
        load_rules([tmp_path / "absent.yaml"])
