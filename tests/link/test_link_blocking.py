"""Which pairs are scored: every pair of a small input; on larger ones the blocking rules,
whose capped blocks keep the pairs proposed linear in the input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from darkfigure.link import LinkSettings, _blocking
from darkfigure.link._blocking import CAPPED, blocking_rules, capped_block_keys


def _features(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic feature rows: one common name pair, a few birth years and months."""
    year = rng.integers(1990, 1993, n)
    month = rng.integers(1, 13, n)
    return pd.DataFrame(
        {
            "unique_id": np.arange(n, dtype=np.int64),
            "dob": [None] * n,
            "citizenship": rng.choice(["PHL", "IDN"], n),
            "nm_flat": [["mei"]] * n,
            "dob_y": pd.array([None] * n, dtype="Int64"),
            "dob_m": pd.array(month, dtype="Int64"),
            "nm_pairs": [["chan|mei"]] * n,
            "by_hi": pd.array(year, dtype="Int64"),
            "by_lo": pd.array(year - 1, dtype="Int64"),
            "nm_triples": [[]] * n,
            "nm_aka": [None] * n,
        }
    )


def _proposed(keys: pd.Series) -> set[tuple[int, int]]:
    blocks: dict[str, list[int]] = {}
    for record, record_keys in enumerate(keys):
        for key in record_keys or ():
            blocks.setdefault(key, []).append(record)
    return {pair for members in blocks.values() for pair in combinations(members, 2)}


def test_capped_blocks_never_exceed_the_cap_and_split_by_month() -> None:
    features = _features(600, np.random.default_rng(1))
    keys = capped_block_keys(features, cap=25)[CAPPED]
    sizes = pd.Series([k for ks in keys if ks for k in ks]).value_counts()
    assert sizes.max() <= 25
    # Every block of one name pair and birth year (about 200 records) was over-full, so each
    # surviving key names the birth month it was split by, and the records in it share it.
    assert all("#" in key for key in sizes.index)
    for a, b in _proposed(keys):
        assert features["dob_m"][a] == features["dob_m"][b]
        assert features["by_hi"][a] == features["by_hi"][b] or (
            features["by_lo"][a] == features["by_lo"][b]
        )


def test_capped_blocks_grow_linearly() -> None:
    rng = np.random.default_rng(2)
    small = len(_proposed(capped_block_keys(_features(600, rng), cap=25)[CAPPED]))
    large = len(_proposed(capped_block_keys(_features(2400, rng), cap=25)[CAPPED]))
    # Uncapped, four times the records would propose sixteen times the pairs.
    assert large <= 4 * small * 1.2
    assert large <= 2400 * 25


def test_small_blocks_are_kept_whole() -> None:
    features = _features(40, np.random.default_rng(3))
    keys = capped_block_keys(features, cap=1000)[CAPPED]
    # Without a split, every pair of records with the same implied birth year is proposed.
    expected = {
        (a, b)
        for a, b in combinations(range(40), 2)
        if features["by_hi"][a] == features["by_hi"][b]
    }
    assert _proposed(keys) == expected


def test_large_rules_use_the_capped_column() -> None:
    rules = [
        rule.get_blocking_rule("duckdb").blocking_rule_sql
        for rule in blocking_rules(scope="capped")
    ]
    assert any(CAPPED in sql for sql in rules)
    assert not any("nm_pairs" in sql for sql in rules)


@pytest.mark.slow
def test_large_input_path_links_a_small_world(
    monkeypatch: pytest.MonkeyPatch, small_world, small_truth, small_linkage
) -> None:
    """The large-input path end to end (capped blocks, the exact levels' u from a restricted
    scoring), forced on a small world: it links nearly as well as scoring every pair."""
    from darkfigure.link import link_records

    monkeypatch.setattr(_blocking, "LARGE", 100)
    linkage = link_records(
        sorted((small_world / "lists").glob("*.csv")),
        settings=LinkSettings(all_pairs_limit=0),
        seed=1,
    )
    assert linkage.blocking == "capped"
    f1 = linkage.evaluate(small_truth, estimate=False).f1
    assert f1 > 0.9
    assert f1 >= small_linkage.evaluate(small_truth, estimate=False).f1 - 0.05


def test_candidate_pairs_are_the_pairs_the_rules_propose():
    from darkfigure.link._blocking import candidate_pairs
    from darkfigure.link._features import derive_features

    # Invented people: 0 and 1 share a phone, 2 and 3 a full date of birth, 4 nothing.
    records = pd.DataFrame(
        {
            "list_name": ["a", "b", "a", "b", "c"],
            "record_id": ["1", "2", "3", "4", "5"],
            "full_name": ["Qiraxo", "Welumbe", "Tadrovik", "Spenquil", "Yormadge"],
            "phone": ["+85291234567", "9123 4567", "", "", ""],
            "date_of_birth": ["", "", "1990-03-04", "04/03/1990", ""],
        }
    )
    features = derive_features(records)
    pairs = candidate_pairs(features, all_pairs_limit=0)
    assert pairs.to_numpy().tolist() == [[0, 1], [2, 3]]
    # Under the limit every pair is scored, the ones that share nothing too.
    assert candidate_pairs(features).to_numpy().tolist() == list(
        map(list, combinations(range(5), 2))
    )


@pytest.mark.slow
def test_scoring_every_pair_finds_what_blocking_leaves_out(tmp_path) -> None:
    """Small inputs score every pair by default. On this world (hk-small seed 8, 255 records)
    the rules leave out true pairs that share no name, date, phone or document; scored, the
    case facts and age link them: recall and the capture histories improve, precision holds."""
    from darkfigure.link import link_records
    from darkfigure.simulate import simulate_world

    simulate_world("hk-small", seed=8, persons=500).write(tmp_path)
    files = sorted((tmp_path / "lists").glob("*.csv"))
    truth = pd.read_csv(tmp_path / "truth" / "records.csv", dtype=str, keep_default_na=False)
    every = link_records(files, seed=1)
    blocked = link_records(files, settings=LinkSettings(all_pairs_limit=0), seed=1)
    assert (every.blocking, blocked.blocking) == ("all", "rules")
    all_pairs = every.evaluate(truth, estimate=False)
    rules = blocked.evaluate(truth, estimate=False)
    assert all_pairs.recall > rules.recall
    assert all_pairs.precision >= rules.precision - 0.01
    assert all_pairs.histories_l1_share < rules.histories_l1_share


def _true_pairs_kept(pairs: pd.DataFrame, person: np.ndarray) -> float:
    left, right = pairs["unique_id_l"].to_numpy(), pairs["unique_id_r"].to_numpy()
    kept = int((person[left] == person[right]).sum())
    sizes = pd.Series(person).value_counts().to_numpy()
    return kept / int((sizes * (sizes - 1) // 2).sum())


@pytest.mark.slow
def test_above_the_limit_every_pair_of_one_citizenship_or_none_is_scored(tmp_path) -> None:
    """Just above the all-pairs limit the rules are joined by every pair whose citizenships
    do not differ (hk-small seed 8): they score more of the true pairs than the rules alone,
    and the linkage that scores them has better recall and capture histories."""
    from darkfigure.link import link_records, read_records
    from darkfigure.link._blocking import candidate_pairs
    from darkfigure.link._features import derive_features
    from darkfigure.simulate import simulate_world

    simulate_world("hk-small", seed=8, persons=500).write(tmp_path)
    files = sorted((tmp_path / "lists").glob("*.csv"))
    truth = pd.read_csv(tmp_path / "truth" / "records.csv", dtype=str, keep_default_na=False)
    records = read_records(files)
    person = pd.factorize(
        records[["list_name", "record_id"]].merge(truth, how="left")["person_id"]
    )[0]
    features = derive_features(records)
    limit = len(records) * (len(records) - 1) // 2 - 1  # one pair too many to score them all
    wide = candidate_pairs(features, all_pairs_limit=limit)
    rules = candidate_pairs(features, all_pairs_limit=0)
    # Every pair whose citizenships do not differ (the same, or one not recorded), once.
    citizenship = features["citizenship"].to_numpy(dtype=object)
    left, right = np.triu_indices(len(features), k=1)
    known = pd.notna(citizenship[left]) & pd.notna(citizenship[right])
    expected = ~known | (citizenship[left] == citizenship[right])
    proposed = set(zip(wide["unique_id_l"], wide["unique_id_r"], strict=True))
    assert (~known).sum() > 0  # some records have no citizenship
    assert proposed >= set(zip(left[expected], right[expected], strict=True))
    assert _true_pairs_kept(wide, person) > _true_pairs_kept(rules, person)

    linked = link_records(files, settings=LinkSettings(all_pairs_limit=limit), seed=1)
    blocked = link_records(files, settings=LinkSettings(all_pairs_limit=0), seed=1)
    wide_label = "the same citizenship or none recorded"
    assert (linked.blocking, linked.blocking_wide) == ("rules", wide_label)
    assert blocked.blocking_wide is None
    assert f"every pair of {wide_label}" in dict(linked.summary().header)["pairs scored"]
    with_wide = linked.evaluate(truth, estimate=False)
    alone = blocked.evaluate(truth, estimate=False)
    assert with_wide.recall > alone.recall
    assert with_wide.histories_l1_share < alone.histories_l1_share


def test_broad_rule_pair_counts_match_a_count_of_every_pair() -> None:
    """The pairs a broad rule would propose, counted from group sizes (to choose the rule
    without listing pairs), equal a count over every pair: citizenships the same or one
    missing, and the birth year present on both and equal."""
    from darkfigure.link._blocking import _pairs_not_differing

    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(2, 40))
        citizenship = rng.choice(np.array(["IDN", "PHL", "THA", None], dtype=object), n)
        year = pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(1990, 1993, n)))
        features = pd.DataFrame({"citizenship": citizenship, "by_hi": year.astype("Int64")})
        for also in ((), ("by_hi",)):
            expected = 0
            for a, b in combinations(range(n), 2):
                ca, cb = citizenship[a], citizenship[b]
                if ca is not None and cb is not None and ca != cb:
                    continue
                if also and (pd.isna(year[a]) or pd.isna(year[b]) or year[a] != year[b]):
                    continue
                expected += 1
            assert _pairs_not_differing(features, also) == expected
