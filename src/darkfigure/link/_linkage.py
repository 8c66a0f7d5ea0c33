"""The link facade: records in, people (``person_key``) and capture histories out."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from darkfigure._files import write_atomic, write_text_atomic
from darkfigure._summary import Summary
from darkfigure.eligibility import age_bands
from darkfigure.errors import DarkfigureWarning, InputError, SettingsError
from darkfigure.histories import CaptureHistories, build_histories
from darkfigure.link._blocking import Scope
from darkfigure.link._charts import match_weights_chart
from darkfigure.link._evaluate import Evaluation, evaluate_linkage
from darkfigure.link._features import CASE_FACTS, CONTROL, case_fact_columns, derive_features
from darkfigure.link._model import (
    FLOOR,
    cluster,
    cluster_probability,
    components,
    score_pairs,
    score_within,
)
from darkfigure.link._samples import sample_histories
from darkfigure.link._settings import LinkSettings, SavedModel, read_link_settings, read_model
from darkfigure.records import read_lists
from darkfigure.records._standard import COLUMNS

__all__ = ["REVIEW_FILE", "Linkage", "link_records", "read_records"]

#: The only output that names records to look at by hand; it is for the data holder alone.
REVIEW_FILE = "review_clusters_DATA_HOLDER_ONLY.csv"

_OUTPUT_COLUMNS = ["list_name", "record_id", "person_key", "cluster_size", "match_probability"]

_SCOPE_LABELS: dict[Scope, str] = {
    "all": "every pair",
    "rules": "those blocking proposes",
    "capped": "those blocking proposes (capped blocks)",
}


def read_records(paths: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """Read, normalise and validate case-record files with the records stage.

    Raises
    ------
    RecordError
        Any problem the records stage finds (file, row, column, reason; no identity values).
    """
    return _read_checked(paths)[0]


def _read_checked(paths: Sequence[str | os.PathLike[str]]) -> tuple[pd.DataFrame, list[str]]:
    """The records of ``paths`` and what their warnings tell a linkage: each warning about a
    whole file (a list that recorded nobody), and how many values were kept as written."""
    record_set = read_lists([Path(p) for p in paths])
    report = record_set.report
    report.raise_if_invalid()
    notes = [str(problem) for problem in report.warnings if problem.row is None]
    on_values = report.warning_count - len(notes)
    if on_values:
        notes.append(
            f"records: {on_values} value(s) kept as written with a warning (an invalid phone, "
            "an unknown district, ...); `darkfigure records validate` lists them"
        )
    return record_set.frame, notes


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


@dataclass(frozen=True, eq=False)
class Linkage:
    """Linked records: who is who across and within lists.

    ``records`` holds the input records with ``person_key``, ``cluster_size`` and
    ``match_probability`` added; everything else holds no record values (pairs are by row
    number, parameters are m/u probabilities). ``summary()`` and ``to_dict()`` show counts
    and settings only.

    Attributes
    ----------
    records
        One row per input record, in input order.
    pairs
        Scored candidate pairs (``unique_id_l``/``_r`` = row numbers, ``match_probability``).
    parameters
        Trained m and u probabilities and match weights per comparison level.
    model
        The model that scored the pairs: Splink's model JSON with the darkfigure version,
        the settings it was trained with and their hash (``diagnostics/model.json``).
    settings
        The settings of this linkage (file, then arguments, over the defaults).
    trained
        Whether the model was trained here (``False``: a saved model was applied).
    blocking
        Which pairs were scored: ``"all"`` (every pair), ``"rules"`` (those the blocking
        rules propose) or ``"capped"`` (the rules on capped blocks, above 50,000 records).
    blocking_wide
        With ``"rules"`` or ``"capped"``: the broad rules added because their pairs fit
        within ``all_pairs_limit`` (``"the same citizenship or none recorded"``, ...), or ``None``.
    samples
        Capture-history tables drawn from the match probabilities (``samples=M``).
    warnings
        Warnings raised while linking (also issued as :class:`DarkfigureWarning`).
    splink_linker
        The Splink ``Linker`` behind the model, the documented way into Splink's own tools.
    """

    records: pd.DataFrame
    pairs: pd.DataFrame
    parameters: pd.DataFrame
    model: SavedModel
    settings: LinkSettings
    trained: bool = True
    blocking: Scope = "rules"
    blocking_wide: str | None = None
    samples: tuple[CaptureHistories, ...] = ()
    warnings: tuple[str, ...] = ()
    splink_linker: Any = field(default=None, repr=False)

    @property
    def threshold(self) -> float:
        """The match probability at or above which two records are linked."""
        return self.settings.threshold

    @property
    def backend(self) -> str:
        """The engine used."""
        return self.settings.backend

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
        """Counts, settings and the model's provenance only (JSON-safe)."""
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
            "blocking": self.blocking,
            "blocking_wide": self.blocking_wide,
            "pairs_kept": len(self.pairs),
            "pairs_linked": int((self.pairs["match_probability"] >= self.threshold).sum()),
            "threshold": self.threshold,
            "backend": self.backend,
            "samples": len(self.samples),
            "settings_hash": self.settings.settings_hash(),
            "model": {
                "trained": self.trained,
                "created": self.model.created_text,
                "settings_hash": self.model.settings_hash,
                "darkfigure_version": self.model.darkfigure_version,
            },
            "warnings": list(self.warnings),
        }

    def _pairs_scored(self) -> str:
        """Which pairs were scored, in words."""
        scored = _SCOPE_LABELS[self.blocking]
        return f"{scored}, and every pair of {self.blocking_wide}" if self.blocking_wide else scored

    def summary(self) -> Summary:
        """Counts for people: records, people, per list, cluster sizes."""
        d = self.to_dict()
        summary = Summary(
            "Linkage",
            header=(
                ("records", d["records"]),
                ("people (clusters)", d["people"]),
                ("pairs scored", self._pairs_scored()),
                (f"pairs kept (p ≥ {FLOOR})", d["pairs_kept"]),
                ("pairs linked", d["pairs_linked"]),
                ("threshold", d["threshold"]),
                ("engine", d["backend"]),
                ("model", "trained here" if self.trained else f"saved ({d['model']['created']})"),
            ),
            warnings=self.warnings,
            notes=(
                "Fellegi–Sunter model (Splink), "
                + ("trained by EM" if self.trained else "applied as saved, without training")
                + "; records linked at or above the threshold, groups split by average "
                "linkage so that chains do not merge people.",
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
        # totals down by group; identity fields never leave this stage. The age band, derived
        # here from the date of birth, goes with them: it identifies no one.
        fields = [
            c.name
            for c in COLUMNS
            if not c.identity and c.name in self.records.columns and c.name not in _OUTPUT_COLUMNS
        ]
        frame = self.records[[*_OUTPUT_COLUMNS, *fields]].assign(age_band=age_bands(self.records))
        write_atomic(out / "records.csv", partial(_write_csv, frame))
        write_atomic(out / "histories.csv", partial(_write_csv, self.histories.to_frame()))
        diag = out / "diagnostics"
        write_atomic(diag / "parameters.csv", partial(_write_csv, self.parameters))
        self.model.write(diag / "model.json")
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


def _settings_of(
    settings: LinkSettings | str | os.PathLike[str] | None, **overrides: Any
) -> LinkSettings:
    """Arguments over the settings (a file or an object) over the defaults."""
    if settings is None:
        settings = LinkSettings()
    elif not isinstance(settings, LinkSettings):
        settings = read_link_settings(settings)
    return settings.with_overrides(**overrides)


@dataclass(frozen=True)
class _Applied:
    """A saved model to apply and where it came from (for messages)."""

    model: SavedModel
    source: str


def _applied(model: SavedModel | str | os.PathLike[str] | None) -> _Applied | None:
    if model is None:
        return None
    if isinstance(model, SavedModel):
        return _Applied(model, "the saved model")
    return _Applied(read_model(model), str(model))


def _compares_address(
    features: pd.DataFrame, settings: LinkSettings, applied: _Applied | None
) -> bool:
    """Whether addresses are compared: the saved model decides, else the settings.

    Raises
    ------
    SettingsError
        The addresses must be compared (the saved model does, or ``address: true``) but no
        list has an ``address`` column.
    """
    available = "addr" in features.columns
    if applied is not None:
        wanted = applied.model.compares_address()
        if wanted and not available:
            raise SettingsError(
                f"{applied.source}: the model compares addresses, but no list has an address "
                "column; add the column, or train a model on these lists (without --model)"
            )
        return wanted
    if settings.address is True and not available:
        raise SettingsError(
            "address: true, but no list has an address column; add the column, or set address: auto"
        )
    return available if settings.address == "auto" else settings.address


def _compares_case_facts(
    features: pd.DataFrame, settings: LinkSettings, applied: _Applied | None
) -> bool:
    """Whether the case facts are compared: the saved model decides, else the settings.

    Raises
    ------
    SettingsError
        ``case_facts: true`` but no list records a case fact.
    """
    if applied is not None:
        return applied.model.compares_case_facts()
    # Recorded somewhere, not merely a column: lists written from the full record-standard
    # template carry every column, blank where the organisation records nothing.
    available = all(c in features.columns for c in case_fact_columns()) and any(
        features[column].notna().any() for column in (*(f"cf_{f}" for f in CASE_FACTS), CONTROL)
    )
    if settings.case_facts is True and not available:
        raise SettingsError(
            f"case_facts: true, but no list records a case fact ({', '.join(CASE_FACTS)}, "
            "means_of_control); add them, or set case_facts: auto"
        )
    return available if settings.case_facts == "auto" else settings.case_facts


def _compares_date_identified(
    features: pd.DataFrame, settings: LinkSettings, applied: _Applied | None
) -> bool:
    """Whether the dates of identification are compared: the saved model decides, else the
    settings.

    Raises
    ------
    SettingsError
        ``date_identified: true`` but fewer than two records have a full date.
    """
    if applied is not None:
        return applied.model.compares_date_identified()
    available = int(features["ident_day"].notna().sum()) >= 2
    if settings.date_identified is True and not available:
        raise SettingsError(
            "date_identified: true, but fewer than two records have a full date_identified "
            "(year, month and day); add the dates, or set date_identified: auto"
        )
    return available if settings.date_identified == "auto" else settings.date_identified


def _with_case_facts(features: pd.DataFrame, compared: bool) -> pd.DataFrame:
    """The features with the case-fact columns the model will compare: empty ones when it
    compares case facts these records lack (the comparison then says nothing, as for a record
    without them), none when it does not."""
    columns = case_fact_columns()
    if compared:
        missing = [c for c in columns if c not in features.columns]
        return features.assign(**dict.fromkeys(missing, None))
    return features.drop(columns=[c for c in columns if c in features.columns])


def link_records(
    records: pd.DataFrame | Sequence[str | os.PathLike[str]],
    *,
    settings: LinkSettings | str | os.PathLike[str] | None = None,
    model: SavedModel | str | os.PathLike[str] | None = None,
    threshold: float | None = None,
    backend: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Linkage:
    """Link case records within and across lists into people.

    Each option comes from its argument when given (not ``None``), else from ``settings``,
    else from :class:`LinkSettings`' defaults (threshold 0.3, DuckDB, seed 0, no samples).

    Parameters
    ----------
    records
        Records in the record standard (with ``list_name`` and ``record_id``), or paths of
        record files (one list per file unless a ``list_name`` column says otherwise).
    settings
        A :class:`LinkSettings`, or the path of a YAML settings file
        (:func:`read_link_settings`).
    model
        A saved model (:class:`SavedModel`, or the path of a ``diagnostics/model.json``) to
        apply instead of training one: its comparisons, trained m and u and prior score the
        pairs, so this year's model links next year's lists the same way. A model trained
        with other settings is applied with a :class:`DarkfigureWarning` naming them.
    threshold
        Match probability at or above which two records are linked, in (0, 1); groups of
        records join only while their average pairwise probability stays at or above it.
    backend
        ``"duckdb"`` (in process) or ``"spark"``.
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
        Settings that do not validate (a threshold outside (0, 1), an unknown backend, a
        negative number of samples, an unknown key in the file); a model file that is not a
        darkfigure model or has a format version this darkfigure does not read; addresses
        to compare but no address column.
    RecordError
        Unreadable files, missing ``record_id``, duplicate ids within a list.
    LinkError
        The engine failed (its message, which may quote values, is withheld).
    """
    chosen = _settings_of(
        settings, threshold=threshold, backend=backend, samples=samples, seed=seed
    )
    applied = _applied(model)
    notes: list[str] = []
    if applied is not None:
        differences = applied.model.settings_differences(chosen)
        if differences:
            notes.append(
                f"{applied.source}: the settings differ from those the model was trained with "
                f"(model → now: {'; '.join(differences)}); the model is applied as saved (the "
                "training settings are not used), threshold, backend, seed, samples and "
                "all_pairs_limit as given now"
            )
            warnings.warn(notes[-1], DarkfigureWarning, stacklevel=2)
    report = progress or (lambda _: None)
    report("reading records")
    if isinstance(records, pd.DataFrame):
        frame = records.copy()
    else:
        frame, read_notes = _read_checked(records)
        for note in read_notes:
            warnings.warn(note, DarkfigureWarning, stacklevel=2)
        notes += read_notes
    missing = {"list_name", "record_id"} - set(frame.columns)
    if missing:
        raise InputError(f"records lack column(s): {', '.join(sorted(missing))}")
    if frame["list_name"].nunique() < 1 or len(frame) < 2:
        raise InputError("linkage needs at least two records")
    frame = frame.reset_index(drop=True)
    report("deriving name keys and comparison fields")
    features = derive_features(frame)
    case_facts = _compares_case_facts(features, chosen, applied)
    features = _with_case_facts(features, case_facts)
    scored = score_pairs(
        features,
        address=_compares_address(features, chosen, applied),
        case_facts=case_facts,
        date_identified=_compares_date_identified(features, chosen, applied),
        backend=chosen.backend,
        seed=chosen.seed,
        prior_recall=chosen.training.prior_recall,
        max_iterations=chosen.training.max_iterations,
        em_convergence=chosen.training.em_convergence,
        model=None if applied is None else applied.model.splink_model,
        all_pairs_limit=chosen.all_pairs_limit,
        step=report,
    )
    report("clustering")
    candidates = components(len(frame), scored.pairs, chosen.threshold)
    within = score_within(scored.linker, candidates)
    pairs = pd.concat(
        [scored.pairs[["unique_id_l", "unique_id_r", "match_probability", "evidence"]], within],
        ignore_index=True,
    ).drop_duplicates(["unique_id_l", "unique_id_r"])
    labels = cluster(candidates, pairs, chosen.threshold)
    # person keys numbered in order of first appearance, so the same input gives the same keys
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    width = max(6, len(str(len(first))))
    keys = np.array([f"P{i + 1:0{width}d}" for i in range(len(first))], dtype=object)
    frame["person_key"] = keys[order[labels]]
    frame["cluster_size"] = np.bincount(labels)[labels]
    frame["match_probability"] = np.round(cluster_probability(labels, pairs), 6)
    drawn: tuple[CaptureHistories, ...] = ()
    if chosen.samples:
        report(f"drawing {chosen.samples} capture-history tables")
        drawn = sample_histories(
            frame["list_name"].astype(str).to_numpy(),
            scored.pairs,
            chosen.samples,
            seed=chosen.seed,
        )
    return Linkage(
        frame,
        pairs.reset_index(drop=True),
        scored.parameters,
        SavedModel.trained(scored.model_json, chosen) if applied is None else applied.model,
        chosen,
        trained=applied is None,
        blocking=scored.scope,
        blocking_wide=scored.wide.label if scored.wide else None,
        samples=drawn,
        warnings=tuple(notes),
        splink_linker=scored.linker,
    )
