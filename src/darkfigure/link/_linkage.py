"""The link facade: records in, people (``person_key``) and capture histories out."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from darkfigure._files import write_atomic, write_text_atomic
from darkfigure._summary import Summary
from darkfigure.errors import InputError, SettingsError
from darkfigure.histories import CaptureHistories, build_histories
from darkfigure.link._charts import match_weights_chart
from darkfigure.link._engine import BACKENDS
from darkfigure.link._evaluate import Evaluation, evaluate_linkage
from darkfigure.link._features import derive_features
from darkfigure.link._model import (
    DEFAULT_SEED,
    cluster,
    cluster_probability,
    components,
    score_pairs,
    score_within,
)
from darkfigure.link._samples import sample_histories
from darkfigure.records import read_lists
from darkfigure.records._standard import COLUMNS

__all__ = ["REVIEW_FILE", "Linkage", "link_records", "read_records"]

#: The only output that names records to look at by hand; it is for the data holder alone.
REVIEW_FILE = "review_clusters_DATA_HOLDER_ONLY.csv"

_OUTPUT_COLUMNS = ["list_name", "record_id", "person_key", "cluster_size", "match_probability"]


def read_records(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """Read, normalise and validate case-record files with the records stage.

    Raises
    ------
    RecordError
        Any problem the records stage finds (file, row, column, reason; no identity values).
    """
    record_set = read_lists([Path(p) for p in paths])
    record_set.report.raise_if_invalid()
    return record_set.frame


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


@dataclass(frozen=True, eq=False)
class Linkage:
    """Linked records: who is who across and within lists.

    ``records`` holds the input records with ``person_key``, ``cluster_size`` and
    ``match_probability`` added; everything else holds no record values (pairs are by row
    number, parameters are m/u probabilities). ``summary()`` and ``to_dict()`` show counts only.

    Attributes
    ----------
    records
        One row per input record, in input order.
    pairs
        Scored candidate pairs (``unique_id_l``/``_r`` = row numbers, ``match_probability``).
    parameters
        Trained m and u probabilities and match weights per comparison level.
    model
        Splink's model JSON (settings and trained values).
    threshold
        The match probability at or above which two records are linked.
    backend
        The engine used.
    samples
        Capture-history tables drawn from the match probabilities (``samples=M``).
    splink_linker
        The Splink ``Linker`` behind the model, the documented way into Splink's own tools.
    """

    records: pd.DataFrame
    pairs: pd.DataFrame
    parameters: pd.DataFrame
    model: dict[str, Any]
    threshold: float
    backend: str
    samples: tuple[CaptureHistories, ...] = ()
    splink_linker: Any = field(default=None, repr=False)

    @cached_property
    def lists(self) -> tuple[str, ...]:
        """List names, sorted (the order of the capture-history columns)."""
        return tuple(sorted(self.records["list_name"].astype(str).unique()))

    @cached_property
    def histories(self) -> CaptureHistories:
        """The capture-history table of the linked people."""
        table = build_histories(self.records, lists=self.lists)
        assert isinstance(table, CaptureHistories)
        return table

    def evaluate(self, truth: pd.DataFrame, *, estimate: bool = True) -> Evaluation:
        """Accuracy against ``truth`` (``list_name``, ``record_id``, ``person_id``)."""
        return evaluate_linkage(self.records, truth, estimate=estimate)

    def to_dict(self) -> dict[str, Any]:
        """Counts only (JSON-safe)."""
        sizes = self.records.groupby("person_key").size()
        per_list = self.records.groupby("list_name").agg(
            records=("record_id", "size"), people=("person_key", "nunique")
        )
        return {
            "records": len(self.records),
            "people": int(sizes.size),
            "lists": {
                name: {"records": int(row.records), "people": int(row.people)}
                for name, row in per_list.iterrows()
            },
            "cluster_sizes": {str(k): int(v) for k, v in sizes.value_counts().sort_index().items()},
            "pairs_scored": len(self.pairs),
            "pairs_linked": int((self.pairs["match_probability"] >= self.threshold).sum()),
            "threshold": self.threshold,
            "backend": self.backend,
            "samples": len(self.samples),
        }

    def summary(self) -> Summary:
        """Counts for people: records, people, per list, cluster sizes."""
        d = self.to_dict()
        summary = Summary(
            "Linkage",
            header=(
                ("records", d["records"]),
                ("people (clusters)", d["people"]),
                ("pairs scored", d["pairs_scored"]),
                ("pairs linked", d["pairs_linked"]),
                ("threshold", d["threshold"]),
                ("engine", d["backend"]),
            ),
            notes=(
                "Fellegi–Sunter model trained by EM (Splink); records linked at or above "
                "the threshold, groups split by average linkage so that chains do not "
                "merge people.",
            ),
        )
        summary = summary.with_table(
            "Per list",
            ("list", "records", "people"),
            [(name, v["records"], v["people"]) for name, v in d["lists"].items()],
        )
        return summary.with_table(
            "Cluster sizes", ("records per person", "people"), list(d["cluster_sizes"].items())
        )

    def review_table(self, *, margin: float = 0.5) -> pd.DataFrame:
        """Records in uncertain clusters: a weak link inside, or a near-miss link outside.

        A cluster is uncertain when one of its links has probability below 0.95 or when a pair
        scored within ``margin`` × threshold below the threshold joins it to another cluster.
        Record ids only; the file is for the data holder.
        """
        p = self.pairs["match_probability"].to_numpy()
        keys = self.records["person_key"].to_numpy()
        left = keys[self.pairs["unique_id_l"].to_numpy()]
        right = keys[self.pairs["unique_id_r"].to_numpy()]
        weak = (left == right) & (p < 0.95)
        near = (left != right) & (p >= self.threshold * margin) & (p < self.threshold)
        reasons: dict[str, str] = {}
        for k in np.concatenate([left[near], right[near]]):
            reasons[str(k)] = "near-miss link to another cluster"
        for k in left[weak]:
            reasons[str(k)] = "weak link inside the cluster"
        table = self.records.loc[self.records["person_key"].isin(reasons), _OUTPUT_COLUMNS]
        return table.assign(reason=table["person_key"].map(reasons)).sort_values(
            ["person_key", "list_name", "record_id"]
        )

    def write(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``records.csv``, ``histories.csv``, ``diagnostics/`` and ``samples/``."""
        out = Path(directory)
        # The records' non-identity fields travel with the links, so that estimation can place
        # people in the lists' scopes (`estimate --records --lists`) and the report can break
        # totals down by group; identity fields never leave this stage.
        fields = [
            c.name
            for c in COLUMNS
            if not c.identity and c.name in self.records.columns and c.name not in _OUTPUT_COLUMNS
        ]
        frame = self.records[[*_OUTPUT_COLUMNS, *fields]]
        write_atomic(out / "records.csv", partial(_write_csv, frame))
        write_atomic(out / "histories.csv", partial(_write_csv, self.histories.to_frame()))
        diag = out / "diagnostics"
        write_atomic(diag / "parameters.csv", partial(_write_csv, self.parameters))
        write_text_atomic(diag / "model.json", json.dumps(self.model, indent=2))
        write_text_atomic(
            diag / "match_weights.vl.json",
            json.dumps(match_weights_chart(self.parameters), indent=2),
        )
        write_text_atomic(diag / "summary.json", json.dumps(self.to_dict(), indent=2))
        review = self.review_table()
        write_atomic(diag / REVIEW_FILE, partial(_write_csv, review))
        for i, table in enumerate(self.samples, start=1):
            write_atomic(
                out / "samples" / f"histories_{i:04d}.csv", partial(_write_csv, table.to_frame())
            )
        # Tables of an earlier run with more samples would be combined with these: remove them.
        fresh = {f"histories_{i:04d}.csv" for i in range(1, len(self.samples) + 1)}
        for stale in (out / "samples").glob("histories_*.csv"):
            if stale.name not in fresh:
                stale.unlink()
        return out


def link_records(
    records: pd.DataFrame | Sequence[str | os.PathLike[str]],
    *,
    threshold: float = 0.3,
    backend: str = "duckdb",
    samples: int = 0,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> Linkage:
    """Link case records within and across lists into people.

    Parameters
    ----------
    records
        Records in the record standard (with ``list_name`` and ``record_id``), or paths of
        record files (one list per file unless a ``list_name`` column says otherwise).
    threshold
        Match probability at or above which two records are linked, in (0, 1); groups of
        records join only while their average pairwise probability stays at or above it.
    backend
        ``"duckdb"`` (default, in process) or ``"spark"``.
    samples
        Number of capture-history tables to draw from the match probabilities (linkage
        uncertainty for ``darkfigure estimate --histories-samples``).
    seed
        Seed of the pairs sampled to estimate u and of the drawn tables. Fixed by default,
        so the same input gives the same links; the links barely depend on it (see
        ``docs/linkage.md``, "Seed sensitivity").
    progress
        Called with a short description of each step.

    Returns
    -------
    Linkage

    Raises
    ------
    SettingsError
        A threshold outside (0, 1), an unknown backend, a negative number of samples.
    RecordError
        Unreadable files, missing ``record_id``, duplicate ids within a list.
    LinkError
        The engine failed (its message, which may quote values, is withheld).
    """
    if not 0 < threshold < 1:
        raise SettingsError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")
    if backend not in BACKENDS:
        raise SettingsError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    if samples < 0:
        raise SettingsError(f"samples must be 0 or more, got {samples}")
    report = progress or (lambda _: None)
    report("reading records")
    frame = records.copy() if isinstance(records, pd.DataFrame) else read_records(records)
    missing = {"list_name", "record_id"} - set(frame.columns)
    if missing:
        raise InputError(f"records lack column(s): {', '.join(sorted(missing))}")
    if frame["list_name"].nunique() < 1 or len(frame) < 2:
        raise InputError("linkage needs at least two records")
    frame = frame.reset_index(drop=True)
    report("deriving name keys and comparison fields")
    features = derive_features(frame)
    scored = score_pairs(features, backend=backend, seed=seed, step=report)
    report("clustering")
    candidates = components(len(frame), scored.pairs, threshold)
    within = score_within(scored.linker, candidates)
    pairs = pd.concat(
        [scored.pairs[["unique_id_l", "unique_id_r", "match_probability", "evidence"]], within],
        ignore_index=True,
    ).drop_duplicates(["unique_id_l", "unique_id_r"])
    labels = cluster(candidates, pairs, threshold)
    # person keys numbered in order of first appearance, so the same input gives the same keys
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    width = max(6, len(str(len(first))))
    keys = np.array([f"P{i + 1:0{width}d}" for i in range(len(first))], dtype=object)
    frame["person_key"] = keys[order[labels]]
    frame["cluster_size"] = np.bincount(labels)[labels]
    frame["match_probability"] = np.round(cluster_probability(labels, pairs), 6)
    drawn: tuple[CaptureHistories, ...] = ()
    if samples:
        report(f"drawing {samples} capture-history tables")
        drawn = sample_histories(
            frame["list_name"].astype(str).to_numpy(), scored.pairs, samples, seed=seed
        )
    return Linkage(
        frame,
        pairs.reset_index(drop=True),
        scored.parameters,
        scored.model_json,
        threshold,
        backend,
        drawn,
        scored.linker,
    )
