"""From the pipeline's outputs to the aggregates a report may show (all disclosure-controlled).

:func:`publish_aggregates` is the only place that reads records. It keeps the few columns it
needs (never an identity column), builds every table the report shows, protects each, and
rounds estimates. Everything downstream (charts, templates) sees only its result.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from darkfigure.errors import InputError
from darkfigure.estimate._result import Estimate
from darkfigure.histories import CaptureHistories, build_histories
from darkfigure.publish._disclosure import DisclosurePolicy
from darkfigure.publish._estimates import EstimateSet
from darkfigure.publish._i18n import round_estimate
from darkfigure.publish._strata import AGE_BANDS, STRATA, stratum_column, stratum_columns
from darkfigure.publish._tables import (
    OTHER,
    PublishedOverlap,
    PublishedTable,
    collapse_rare,
    protect_counts,
    protect_crosstab,
    protect_histories,
)

__all__ = ["SCREEN_LEVELS", "Aggregates", "Rounded", "publish_aggregates"]

#: Screening output values, in display order (the screen stage's three-valued logic).
SCREEN_LEVELS = ("yes", "no", "insufficient")
_PALERMO, _LAW, _ILO = "palermo_trafficking", "cap200_s129", "ilo_forced_labour"
_MATCH_BANDS = (0.0, 0.8, 0.95, 0.99, 1.0000001)


@dataclass(frozen=True)
class Rounded:
    """An estimate as published: rounded to two significant figures.

    ``open_above`` marks an interval with a lower end and no upper bound (``upper`` is then
    None): the data rule out small totals but not large ones.
    """

    method: str
    model: tuple[str, ...]
    estimate: int
    lower: int | None
    upper: int | None
    level: float | None
    kind: str | None
    warnings: tuple[str, ...]
    candidates: int | None
    open_above: bool = False

    @classmethod
    def of(cls, e: Estimate) -> Rounded:
        """Round a finite estimate; an unbounded interval end is published as missing.

        Examples
        --------
        >>> from darkfigure.estimate._result import Interval
        >>> e = Estimate(("A", "B"), 40, "logit-normal", (), 123.4, 83.4,
        ...              Interval(0.95, 87.2, float("inf"), "profile"))
        >>> r = Rounded.of(e)
        >>> r.estimate, r.lower, r.upper, r.open_above
        (120, 87, None, True)
        """
        iv = e.interval

        def end(value: float | None) -> int | None:
            return None if value is None or not np.isfinite(value) else round_estimate(value)

        candidates = e.diagnostics.get("candidates") if e.diagnostics else None
        lower = None if iv is None else end(iv.lower)
        return cls(
            method=e.method,
            model=e.model,
            estimate=round_estimate(e.estimate),
            lower=lower,
            upper=None if iv is None else end(iv.upper),
            level=None if iv is None else iv.level,
            kind=None if iv is None else iv.kind,
            warnings=e.warnings,
            candidates=len(candidates) if isinstance(candidates, list | tuple) else None,
            open_above=lower is not None and iv is not None and iv.upper == math.inf,
        )


@dataclass(frozen=True)
class Aggregates:
    """Everything a report shows, after disclosure control."""

    policy: DisclosurePolicy
    lists: tuple[str, ...]
    overlap: PublishedOverlap
    observed: int | None
    headline: Rounded | None
    methods: tuple[Rounded, ...]
    strata: Mapping[str, tuple[PublishedTable, Mapping[str, Rounded]]]
    screening: PublishedTable | None
    screening_ilo: PublishedTable | None
    screening_unit: str
    records_by_list: PublishedTable | None
    match_bands: PublishedTable | None
    validation: PublishedTable | None
    validation_clean: bool | None
    truth: int | None
    simulated: bool
    warnings: tuple[str, ...] = field(default=())
    #: ``(sigma, estimate)`` for each spread of visibility, in the estimates' order.
    sensitivity: tuple[tuple[float, Rounded], ...] = field(default=())

    def tables(self) -> list[PublishedTable | PublishedOverlap]:
        """Every protected table in the report (for the ε total and the tests)."""
        out: list[PublishedTable | PublishedOverlap] = [self.overlap]
        out += [table for table, _ in self.strata.values()]
        out += [
            t
            for t in (
                self.screening,
                self.screening_ilo,
                self.records_by_list,
                self.match_bands,
                self.validation,
            )
            if t is not None
        ]
        return out

    @property
    def suppressed(self) -> int:
        """How many counts the report hides."""
        return sum(t.suppressed for t in self.tables())

    @property
    def epsilon_total(self) -> float | None:
        """The privacy loss of all tables together (basic composition), or None without DP."""
        spent = [t.epsilon for t in self.tables() if t.epsilon is not None]
        return float(sum(spent)) if spent else None


def _linked_view(records: pd.DataFrame) -> pd.DataFrame:
    """The columns the report may read; identity columns never pass this point.

    Stratum columns are derived here (an age band needs the date of birth when ``age`` is
    empty); the view keeps only ``list_name``, ``person_key``, the ``stratum_*`` columns and
    ``match_probability``.
    """
    missing = {"list_name", "person_key"} - set(records.columns)
    if missing:
        raise InputError(
            f"linked records lack column(s): {', '.join(sorted(missing))}; "
            "give the records.csv written by `darkfigure link`"
        )
    sources = [
        "list_name",
        "person_key",
        "age",
        "date_of_birth",
        "date_identified",
        "match_probability",
        *STRATA,
    ]
    view = stratum_columns(records[[c for c in dict.fromkeys(sources) if c in records.columns]])
    keep = ["list_name", "person_key", *(stratum_column(v) for v in STRATA)]
    keep += ["match_probability"] if "match_probability" in view.columns else []
    view = view[keep].copy()
    for column in keep:
        if column != "match_probability":
            view[column] = view[column].astype("string").fillna("")
    return view


def _strata(
    view: pd.DataFrame,
    lists: tuple[str, ...],
    estimates: EstimateSet,
    policy: DisclosurePolicy,
) -> dict[str, tuple[PublishedTable, dict[str, Rounded]]]:
    out: dict[str, tuple[PublishedTable, dict[str, Rounded]]] = {}
    for variable in STRATA:
        tables = build_histories(view, by=stratum_column(variable), lists=lists)
        assert isinstance(tables, dict)
        counts = {value: table.observed for value, table in tables.items()}
        if set(counts) <= {""}:
            continue  # never recorded: nothing to break down
        named = {v: n for v, n in counts.items() if v != ""}
        if variable == "citizenship":
            named = collapse_rare(named, k=policy.k)
        bands = [label for _, label in AGE_BANDS]
        ordered = dict(
            sorted(
                named.items(),
                key=lambda item: (
                    item[0] == OTHER,
                    # age bands in age order, other groups largest first
                    bands.index(item[0]) if variable == "age_band" and item[0] in bands else 0,
                    -item[1],
                    item[0],
                ),
            )
        )
        if "" in counts:
            ordered["not_recorded"] = counts[""]
        table = protect_counts(variable, ordered, policy=policy, total_is_public=True)
        published = table.column()
        by_value = estimates.strata.get(variable, {})
        rounded = {
            value: Rounded.of(e)
            for value, e in by_value.items()
            if published.get(value) is not None and np.isfinite(e.estimate)
        }
        out[variable] = (table, rounded)
    return out


def _person_level(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, str]:
    """One row per person (yes > insufficient > no across their records) when people are known."""
    if "person_key" not in frame.columns:
        return frame[columns], "records"
    rank = {"no": 0, "insufficient": 1, "yes": 2}
    ranked = frame[columns].apply(lambda s: s.map(rank).fillna(1))
    best = ranked.groupby(frame["person_key"].to_numpy()).max()
    names = {v: k for k, v in rank.items()}
    return best.apply(lambda s: s.map(names)), "persons"


def _screening(
    screened: pd.DataFrame | None,
    policy: DisclosurePolicy,
) -> tuple[PublishedTable | None, PublishedTable | None, str]:
    if screened is None:
        return None, None, "records"
    needed = [c for c in (_PALERMO, _LAW, _ILO) if c in screened.columns]
    if _PALERMO not in needed or _LAW not in needed:
        raise InputError(
            f"screened records lack column(s) {_PALERMO} and {_LAW}; give the "
            "records written by `darkfigure screen`"
        )
    text = screened[needed].astype("string").fillna("insufficient").apply(lambda s: s.str.lower())
    if "person_key" in screened.columns:
        text["person_key"] = screened["person_key"].astype("string").fillna("")
    people, unit = _person_level(text, needed)
    cross = pd.crosstab(people[_PALERMO], people[_LAW]).reindex(
        index=list(SCREEN_LEVELS), columns=list(SCREEN_LEVELS), fill_value=0
    )
    table = protect_crosstab("screening", cross, policy=policy)
    ilo = None
    if _ILO in people.columns:
        counts = people[_ILO].value_counts().reindex(list(SCREEN_LEVELS), fill_value=0)
        ilo = protect_counts(
            "ILO indicators", {str(k): int(v) for k, v in counts.items()}, policy=policy
        )
    return table, ilo, unit


def _validation(
    validation: Mapping[str, Any] | None,
    policy: DisclosurePolicy,
) -> tuple[PublishedTable | None, bool | None]:
    if validation is None:
        return None, None
    counts: dict[str, int] = {}
    for severity in ("errors", "warnings"):
        for problem in validation.get(severity, []):
            label = f"{severity[:-1]}|{problem.get('column') or ''}"
            counts[label] = counts.get(label, 0) + 1
    for group in validation.get("omitted", []):
        label = f"{group['severity']}|{group.get('column') or ''}"
        counts[label] = counts.get(label, 0) + int(group["count"])
    if not counts:
        return None, True
    return protect_counts("validation problems", dict(sorted(counts.items())), policy=policy), False


def _match_bands(view: pd.DataFrame, policy: DisclosurePolicy) -> PublishedTable | None:
    if "match_probability" not in view.columns:
        return None
    p = pd.to_numeric(view["match_probability"], errors="coerce").dropna()
    if p.empty:
        return None
    counts = np.histogram(p.to_numpy(), bins=_MATCH_BANDS)[0]
    labels = [f"{lo:.2f}–{min(hi, 1.0):.2f}" for lo, hi in itertools.pairwise(_MATCH_BANDS)]
    return protect_counts(
        "match probability", dict(zip(labels, counts.tolist(), strict=True)), policy=policy
    )


def publish_aggregates(
    records: pd.DataFrame,
    estimates: EstimateSet,
    *,
    policy: DisclosurePolicy,
    screened: pd.DataFrame | None = None,
    validation: Mapping[str, Any] | None = None,
    truth: int | None = None,
    simulated: bool = False,
) -> Aggregates:
    """Build and protect everything the report shows.

    Parameters
    ----------
    records
        Linked records (``list_name``, ``person_key``; stratum columns when present).
    estimates
        The estimates to publish.
    policy
        Disclosure control.
    screened
        Screened records (``palermo_trafficking``, ``cap200_s129``, optionally
        ``ilo_forced_labour`` and ``person_key``), or None.
    validation
        ``ValidationReport.to_dict()`` of the lists, or None.
    truth
        The true total, when the data are simulated.
    simulated
        Whether to mark the report as simulated.

    Raises
    ------
    InputError
        Records without ``list_name``/``person_key``; screened records without the screening
        columns.
    """
    view = _linked_view(records)
    lists = estimates.headline.lists
    if set(lists) != set(view["list_name"].unique()):
        lists = tuple(sorted(view["list_name"].unique()))
    histories = build_histories(view, lists=lists)
    assert isinstance(histories, CaptureHistories)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        overlap = protect_histories(histories, policy=policy)
        strata = _strata(view, lists, estimates, policy)
        screening, ilo, unit = _screening(screened, policy)
        by_list = view["list_name"].value_counts().reindex(list(lists), fill_value=0)
        records_by_list = protect_counts(
            "records by list", {str(k): int(v) for k, v in by_list.items()}, policy=policy
        )
        bands = _match_bands(view, policy)
        validation_table, clean = _validation(validation, policy)
    caught = [str(w.message) for w in seen]
    observed = (
        overlap.total
        if policy.epsilon is None
        else (None if 0 < histories.observed < policy.k else histories.observed)
    )
    shown = observed is not None
    return Aggregates(
        policy=policy,
        lists=lists,
        overlap=overlap,
        observed=observed,
        headline=Rounded.of(estimates.headline)
        if shown and np.isfinite(estimates.headline.estimate)
        else None,
        methods=tuple(Rounded.of(e) for e in estimates.estimates if np.isfinite(e.estimate))
        if shown
        else (),
        sensitivity=tuple(
            (float(e.diagnostics["sigma"]), Rounded.of(e))
            for e in estimates.sensitivity
            if np.isfinite(e.estimate)
        )
        if shown
        else (),
        strata=strata if shown else {},
        screening=screening,
        screening_ilo=ilo,
        screening_unit=unit,
        records_by_list=records_by_list,
        match_bands=bands,
        validation=validation_table,
        validation_clean=clean,
        truth=truth,
        simulated=simulated,
        warnings=tuple(caught),
    )
