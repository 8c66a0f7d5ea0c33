"""How a name is read (Chinese syllables or whole words), the name levels that count agreeing
syllables, and clustering around a near-certain link (issue #6). Synthetic people only."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from splink.internals.dialects import SplinkDialect

from darkfigure.link._comparisons import HongKongNameComparison
from darkfigure.link._features import derive_features
from darkfigure.link._hknames import foreign_words, looks_chinese
from darkfigure.link._model import cluster


def _features(*records: dict[str, str]) -> pd.DataFrame:
    rows = [{"list_name": "a", "record_id": str(i), **r} for i, r in enumerate(records)]
    return derive_features(pd.DataFrame(rows))


def _name_level(left: dict[str, str], right: dict[str, str]) -> str:
    """Label of the first name level two synthetic records reach, evaluated in DuckDB."""
    features = _features(left, right)
    columns = [c for c in features.columns if c not in ("unique_id", "source_dataset", "record_id")]
    con = duckdb.connect()
    con.register("f", features)
    select = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    con.execute(
        f"CREATE TABLE p AS SELECT {select} FROM f l, f r WHERE l.unique_id = 0 AND r.unique_id = 1"
    )
    dialect = SplinkDialect.from_string("duckdb")
    for level in HongKongNameComparison().create_comparison_levels():
        sql = level.create_sql(dialect)
        if sql.strip().upper() == "ELSE" or con.execute(f"SELECT ({sql}) FROM p").fetchone()[0]:
            return str(level.create_label_for_charts())
    raise AssertionError("no level reached")


def test_which_names_look_chinese():
    assert looks_chinese(["Tsang", "Hung Fung"])
    assert looks_chinese(["Kit-nga Leung"])  # surname last
    assert looks_chinese(["CHEUNG", "WAI MAN JASON"])  # one English given name
    assert not looks_chinese(["Santos", "Maria Cristina"])
    assert not looks_chinese(["Ho"])  # one word says too little
    assert foreign_words(["Cheung", "Wai Man Jason"]) == 1
    assert foreign_words(["Garcia", "Ana Maria"]) == 3


def test_chinese_name_under_a_foreign_citizenship_still_agrees():
    # The same person with a wrongly recorded citizenship on one list: every syllable agrees.
    level = _name_level(
        {"family_name": "Tsang", "given_name": "Hung Fung", "citizenship": "Ukraine"},
        {"family_name": "ZENG", "given_name": "HONGFENG", "citizenship": "CHN"},
    )
    assert level == "all syllables agree"
    # ... and the whole spelling is kept, so it still meets a list that reads it as a word.
    foreign = _features(
        {"family_name": "Ngo", "given_name": "Ka Wai", "citizenship": "VNM"},
        {"family_name": "NGO", "given_name": "THI LAN", "citizenship": "VNM"},
    )
    assert set(foreign.nm_flat[0]) & set(foreign.nm_flat[1])


def test_non_chinese_name_without_citizenship_is_read_whole():
    # Read as syllables, "Luisa" split into lui + sa and the name fell out of the other.
    level = _name_level(
        {"full_name": "Ma. Luisa S. Bautista"},
        {"family_name": "Bautista", "given_name": "Maria Luisa Santos", "citizenship": "PHL"},
    )
    assert level == "one name within the other"
    # A Chinese name without citizenship is still read as syllables.
    assert _name_level(
        {"full_name": "Chan Siu Mei Mandy"}, {"family_name": "CHEN", "given_name": "XIAOMEI"}
    ) in ("one name within the other", "all syllables agree")


def test_alias_without_citizenship_meets_the_same_working_name():
    features = _features(
        {"family_name": "Lestari", "given_name": "Dewi", "alias": "Wati"},
        {"full_name": "Wati", "citizenship": "IDN"},
    )
    assert set(features.nm_aka[0]) & set(features.nm_aka[1])


def test_repeated_syllable_is_not_one_name_within_another():
    # Two three-word names that differ in one word: the repeated word counts once.
    level = _name_level(
        {"family_name": "Pascual", "given_name": "Rosalie Pascual", "citizenship": "PHL"},
        {"family_name": "Pascual", "given_name": "Rosalie Gonzales", "citizenship": "PHL"},
    )
    assert level == "two or more agree"
    # A name that is shorter and wholly inside the other still is.
    level = _name_level(
        {"family_name": "Pascual", "given_name": "Rosalie", "citizenship": "PHL"},
        {"family_name": "Pascual", "given_name": "Rosalie Gonzales", "citizenship": "PHL"},
    )
    assert level == "one name within the other"


def test_near_certain_link_joins_a_group_its_average_would_miss():
    # Records 1-4 are one person (certain); record 0 shares a phone and name with record 1
    # (0.999) and fits 2-4 only weakly (0.05, evidence still for a match).
    n = 5
    left, right = np.triu_indices(n, 1)
    probability = np.where(left == 0, 0.05, 1.0)
    probability[(left == 0) & (right == 1)] = 0.999
    pairs = pd.DataFrame(
        {
            "unique_id_l": left,
            "unique_id_r": right,
            "match_probability": probability,
            "evidence": np.full(len(left), 5.0),
        }
    )
    one = np.zeros(n, dtype=np.int64)
    assert len(set(cluster(one, pairs, 0.3))) == 1
    # Evidence against a match between record 0 and any record of the group keeps it apart.
    pairs.loc[(pairs.unique_id_l == 0) & (pairs.unique_id_r == 4), "evidence"] = -1.0
    labels = cluster(one, pairs, 0.3)
    assert labels[0] != labels[1]
    assert len(set(labels[1:])) == 1
