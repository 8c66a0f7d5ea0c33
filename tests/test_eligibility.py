"""The lists description (lists.yaml): levels, strata, validation, and simulate's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfigure.eligibility import OTHER, ListsDescription, read_lists
from darkfigure.errors import SettingsError

DOC = {
    "lists": {
        "police": {"sees": "all"},
        "consulate_phl": {"label": "Philippine consulate", "sees": {"citizenship": ["PHL"]}},
        "consulate_idn": {"sees": {"citizenship": ["IDN"]}},
        "labour": {"sees": {"entry_permit": ["fdh", "employment"]}},
    }
}


def test_levels_group_the_values_every_list_treats_alike() -> None:
    lists = ListsDescription.from_mapping(DOC)
    assert lists.fields == ("citizenship", "entry_permit")
    assert lists.levels("citizenship") == ("IDN", "PHL", OTHER)
    assert lists.levels("entry_permit") == ("employment|fdh", OTHER)
    assert lists.level_of("entry_permit", "fdh") == "employment|fdh"
    assert lists.level_of("citizenship", "VNM") == OTHER


def test_strata_say_which_lists_see_them() -> None:
    lists = ListsDescription.from_mapping(DOC)
    order = ("police", "consulate_phl", "consulate_idn", "labour")
    strata = {s.label: s.eligible for s in lists.strata(order)}
    assert len(strata) == 3 * 2
    assert strata["citizenship=PHL, entry_permit=employment|fdh"] == (True, True, False, True)
    assert strata["citizenship=other, entry_permit=other"] == (True, False, False, False)


def test_covariates_split_a_scope_field_into_its_codes() -> None:
    lists = ListsDescription.from_mapping(DOC)
    strata = lists.strata(("police", "labour"), {"entry_permit": ["fdh", "visitor"]})
    seen = {s.label: s.eligible for s in strata}
    assert seen["citizenship=PHL, entry_permit=fdh"] == (True, True)
    assert seen["citizenship=PHL, entry_permit=visitor"] == (True, False)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"lists": {"a": {"sees": {"family_name": ["X"]}}}}, "not a field a scope can use"),
        ({"lists": {"a": {"sees": {"citizenship": ["XXX"]}}}}, "unknown code(s) XXX"),
        ({"lists": {"a": {"sees": {"sex": ["W"]}}}}, "unknown code(s) W"),
        ({"lists": {"a": {"label": "A"}}}, "has no 'sees'"),
        ({"lists": {"a": {"sees": {"sex": "F"}}}}, "non-empty list of codes"),
        ({"lists": {}}, "names no list"),
        (["a"], "expected a mapping"),
        ({"lists": {"a": {"sees": "all", "refer": ["b"]}}}, "lists.a: unknown key(s) refer"),
        ({"lists": {"a": {"sees": "all", "refers_to": "b"}}}, "lists.a.refers_to: expected"),
        ({"lists": {"a": {"sees": "all", "refers_to": ["b"]}}}, "b not described"),
        ({"lists": {"a": {"sees": "all", "refers_to": ["a"]}}}, "cannot refer people to itself"),
        (
            {
                "lists": {
                    "a": {"sees": "all", "refers_to": ["b"]},
                    "b": {"sees": "all", "refers_to": ["c"]},
                    "c": {"sees": "all", "refers_to": ["a"]},
                }
            },
            "form a cycle (",
        ),
    ],
)
def test_bad_descriptions_name_the_yaml_path(doc: object, message: str) -> None:
    with pytest.raises(SettingsError, match="lists description") as info:
        ListsDescription.from_mapping(doc)
    assert message in str(info.value)


def test_referral_pathways_are_read_in_list_order() -> None:
    lists = ListsDescription.from_mapping(
        {
            "lists": {
                "hotline": {"sees": "all", "refers_to": ["shelter", "police"]},
                "shelter": {"sees": {"sex": ["F"]}, "refers_to": ["police"]},
                "police": {"sees": "all"},
            }
        }
    )
    order = ("police", "hotline", "shelter")
    assert lists.referrals(order) == (
        ("hotline", "police"),
        ("hotline", "shelter"),
        ("shelter", "police"),
    )
    # Pathways to or from a list absent from the data are left out.
    assert lists.referrals(("hotline", "police")) == (("hotline", "police"),)


def test_age_bands_come_from_age_or_the_date_of_birth() -> None:
    import pandas as pd

    from darkfigure.eligibility import AGE_BANDS, age_bands

    frame = pd.DataFrame(
        {
            "age": [None, 17, None, None, None, 40],
            "date_of_birth": ["2005-06-02", None, "2005-05-31", "1999", None, "2005-01-01"],
            "date_identified": ["2023-06-01"] * 6,
        }
    )
    # A day before the 18th birthday is 17; a given age wins over the date of birth.
    assert age_bands(frame).tolist()[:4] == ["0-17", "0-17", "18-24", "18-24"]
    assert pd.isna(age_bands(frame).iloc[4])
    assert age_bands(frame).iloc[5] == "35+"
    assert set(age_bands(frame).dropna()) <= set(AGE_BANDS)
    lists = ListsDescription.from_mapping(
        {"lists": {"youth": {"sees": {"age_band": ["0-17"]}}, "police": {"sees": "all"}}}
    )
    assert lists.levels("age_band") == ("0-17", "other")
    with pytest.raises(SettingsError, match="unknown code"):
        ListsDescription.from_mapping({"lists": {"a": {"sees": {"age_band": ["child"]}}}})


def test_a_list_missing_from_the_description_is_named() -> None:
    lists = ListsDescription.from_mapping(DOC)
    with pytest.raises(SettingsError, match=r"no entry for list.*shelter"):
        lists.strata(("police", "shelter"))


def test_read_lists_reports_bad_yaml_by_line(tmp_path: Path) -> None:
    path = tmp_path / "lists.yaml"
    path.write_text("lists:\n  a: {sees: [\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"lists.yaml: not valid YAML \(line"):
        read_lists(path)
    with pytest.raises(SettingsError, match="cannot read"):
        read_lists(tmp_path / "missing.yaml")


def test_simulate_writes_a_description_that_reads_back(tmp_path: Path) -> None:
    from darkfigure.simulate import simulate_world

    out = simulate_world("hk-small", seed=3).write(tmp_path / "sim")
    lists = read_lists(out / "lists.yaml")
    assert lists.lists["consulate_phl"].sees == {"citizenship": frozenset({"PHL"})}
    assert lists.lists["police"].sees == {}
    assert set(lists.fields) == {"citizenship", "entry_permit", "sex"}
    assert ("ngo_hotline", "ngo_shelter") in lists.referrals(tuple(lists.lists))
    quiet = simulate_world("hk-small", seed=3, overrides=("dependence=false",))
    assert "refers_to:" not in quiet.lists_yaml().split("\nlists:")[1]
