"""Case facts (district, venue, exploitation, ...) as evidence for and against a match.

Synthetic people only: the small simulated world, plus a few invented records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from darkfigure.errors import SettingsError
from darkfigure.link import LinkSettings, link_records
from darkfigure.link._comparisons import FLOOR_BITS
from darkfigure.link._features import CASE_FACTS, FEATURE_COLUMNS, derive_features


def _frame(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"list_name": "a", "record_id": str(i), **row} for i, row in enumerate(rows)]
    )


def test_records_without_case_facts_get_no_case_fact_columns():
    features = derive_features(_frame({"full_name": "Ah Mei", "age": "30"}))
    assert not [c for c in features.columns if c.startswith(("cf_", "cfb_"))]
    assert set(FEATURE_COLUMNS) <= set(features.columns)


def test_case_facts_are_normalised_before_they_compare():
    features = derive_features(
        _frame(
            {"district": "Wan Chai", "exploitation_type": "Sexual; forced labour"},
            {"district": "灣仔區", "exploitation_type": "forced_labour;sexual"},
            {"district": "", "exploitation_type": "unknown", "organised_crime": "Unknown"},
        )
    )
    assert features["cf_district"][0] == features["cf_district"][1] == ["Wan Chai"]
    assert list(features["cf_exploitation_type"][0]) == ["forced_labour", "sexual"]
    assert list(features["cf_exploitation_type"][1]) == ["forced_labour", "sexual"]
    # Blank and "unknown" are not facts: nothing to agree or differ on.
    assert features["cf_district"][2] is None
    assert features["cf_exploitation_type"][2] is None
    assert features["cf_organised_crime"][2] is None
    assert np.isnan(features["cfb_district"][2])


def test_a_rare_value_says_more_than_a_common_one():
    rows = [{"citizenship": "PHL", "venue": "private_home"}] * 30
    rows += [{"citizenship": "PHL", "venue": "hotel"}]
    features = derive_features(_frame(*rows))
    assert features["cfb_venue"].iloc[-1] > features["cfb_venue"].iloc[0] + 2


#: Invented single names (none occurs in the simulated world, checked below), each given to
#: two records on two lists with the same age and citizenship and nothing else in common.
_PAIRS = {
    "Kinanthiwa": {"district": "Islands", "venue": "hotel"},  # same facts on both records
    "Larasmurtini": None,  # facts differ: set per record below
    "Ningsayuwati": {},  # no case facts recorded
}


def _invented_records() -> pd.DataFrame:
    rows = []
    for name, facts in _PAIRS.items():
        # Seven weeks apart: the dates identified say about as much for as against a match.
        for side, (list_name, district, venue, identified) in enumerate(
            (
                ("police", "Tuen Mun", "hotel", "2024-04-15"),
                ("ngo_shelter", "Eastern", "private_home", "2024-06-01"),
            )
        ):
            own = {"district": district, "venue": venue} if facts is None else facts
            rows.append(
                {
                    "list_name": list_name,
                    "record_id": f"TEST-{name[:4]}-{side}",
                    "full_name": name,
                    "citizenship": "IDN",
                    "sex": "F",
                    "age": "31",
                    "date_identified": identified,
                    **own,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def world_records(small_world: Path) -> pd.DataFrame:
    """The small simulated world's records and the invented pairs."""
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False).assign(list_name=p.stem)
        for p in sorted((small_world / "lists").glob("*.csv"))
    ]
    world = pd.concat(frames, ignore_index=True)
    names = " ".join(world[["family_name", "given_name", "full_name", "alias"]].stack()).lower()
    assert not any(name.lower() in names for name in _PAIRS)
    return pd.concat([world, _invented_records()], ignore_index=True).fillna("")


@pytest.fixture(scope="module")
def invented_linkage(world_records: pd.DataFrame):
    return link_records(world_records, seed=1)


def _same_person(linkage, name: str) -> bool:
    records = linkage.records
    keys = records.loc[records["record_id"].str.startswith(f"TEST-{name[:4]}-"), "person_key"]
    assert len(keys) == 2
    return keys.nunique() == 1


def test_same_name_and_age_link_when_the_case_facts_agree(invented_linkage):
    assert _same_person(invented_linkage, "Kinanthiwa")
    # Without case facts the name and age alone link them too: the facts decide only below.
    assert _same_person(invented_linkage, "Ningsayuwati")


def test_same_name_and_age_do_not_link_when_district_and_venue_differ(invented_linkage):
    assert not _same_person(invented_linkage, "Larasmurtini")


def test_a_differing_fact_is_evidence_never_a_veto(invented_linkage):
    # EM on simulated lists sees no match with a differing fact (m -> 0); the floor holds
    # each such level to its bits against a match.
    p = invented_linkage.parameters
    facts = p[p["comparison"] == "case_facts"].set_index("level")
    for (comparison, level), bits in FLOOR_BITS.items():
        if comparison == "case_facts":
            assert facts.loc[level, "match_weight"] >= -bits - 1e-9
    agree = facts.loc[facts.index.str.startswith("agree"), "match_weight"]
    assert (agree > 0).all()


def test_a_saved_model_with_case_facts_links_records_without_them(invented_linkage):
    records = _invented_records().drop(columns=["district", "venue"])
    linkage = link_records(records, model=invented_linkage.model, seed=1)
    assert linkage.model.compares_case_facts()
    assert len(linkage.records) == len(records)


def test_all_case_facts_are_record_standard_columns():
    from darkfigure.records import COLUMNS_BY_NAME

    assert all(fact in COLUMNS_BY_NAME for fact in CASE_FACTS)


def test_case_facts_false_leaves_them_out(world_records, invented_linkage):
    off = link_records(world_records, settings=LinkSettings(case_facts=False), seed=1)
    assert not off.model.compares_case_facts()
    assert "case_facts" not in set(off.parameters["comparison"])
    # Without the facts, same name and age link the pair whose district and venue differ.
    assert _same_person(off, "Larasmurtini")
    # A model trained without them applies to records that have them (their columns unused).
    again = link_records(world_records, model=off.model, seed=1)
    assert (again.records["person_key"] == off.records["person_key"]).all()


def test_blank_case_fact_columns_are_not_case_facts(world_records):
    # Lists written from the full record-standard template carry every column, blank.
    facts = [*CASE_FACTS, "means_of_control"]
    blank = world_records.assign(**{f: "" for f in facts if f in world_records})
    with pytest.raises(SettingsError, match="case_facts: true, but no list records a case fact"):
        link_records(blank, settings=LinkSettings(case_facts=True), seed=1)
    assert not link_records(blank, seed=1).model.compares_case_facts()


def test_case_facts_setting_is_validated():
    with pytest.raises(ValidationError, match="must be auto, true or false"):
        LinkSettings.model_validate({"case_facts": "sometimes"})
