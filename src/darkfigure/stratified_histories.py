"""Capture histories with the strata people belong to, as far as the records say.

The estimation of issue 9 needs, for every observed person, which lists saw them and which
eligibility stratum (``darkfigure.eligibility``) they can be in. Records often do not settle it:
a hotline may not ask for nationality, a consulate does not write down the visa. So each row of
the table is a capture history, the set of strata consistent with it, and a count; the model
allocates people whose stratum is open.

A person's stratum must agree with

* what their records say, field by field: every recorded value of the field, mapped to its level
  (``PHL`` → ``PHL``, ``VNM`` → ``other``). Records that disagree leave the field open among the
  levels they name; no record leaves it open entirely;
* the lists that saw them: a stratum is possible only if every one of those lists sees it.

When the two disagree (a consulate saw someone recorded elsewhere as another nationality), the
lists are believed; when no stratum can be on all of a person's lists (two consulates, which
usually means a false link), the strata that see the most of them are kept and the rest of the
person's lists are ignored for them in the model. Both are counted in :attr:`notes`, never
hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from darkfigure.eligibility import (
    ListsDescription,
    Stratum,
    age_bands,
    coded_field,
    coded_fields,
)
from darkfigure.errors import SettingsError, TableError
from darkfigure.histories import CaptureHistories

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StratifiedHistories", "stratify_histories"]


@dataclass(frozen=True, eq=False)
class StratifiedHistories:
    """Capture histories with each row's possible strata (aggregated counts only).

    Attributes
    ----------
    lists
        List names, in column order.
    fields
        The stratifying fields (eligibility fields first, then covariates).
    strata
        Every combination of the fields' levels, with the lists that can see it.
    patterns
        ``(rows, lists)`` 0/1 capture histories.
    compatible
        ``(rows, strata)`` bool: the strata the row's people can be in (at least one).
    counts
        ``(rows,)`` people per row.
    notes
        Plain-language notes on conflicts between the records and the lists description.
    referrals
        Declared referral pathways ``(source, target)`` between the lists (``refers_to``).
    """

    lists: tuple[str, ...]
    fields: tuple[str, ...]
    strata: tuple[Stratum, ...]
    patterns: npt.NDArray[np.int8]
    compatible: npt.NDArray[np.bool_]
    counts: npt.NDArray[np.int64]
    notes: tuple[str, ...] = ()
    referrals: tuple[tuple[str, str], ...] = ()

    @property
    def observed(self) -> int:
        """Number of distinct people seen by at least one list."""
        return int(self.counts.sum())

    def pooled(self) -> CaptureHistories:
        """The plain capture-history table (strata summed)."""
        masks = self.patterns.astype(np.int64) @ (1 << np.arange(len(self.lists), dtype=np.int64))
        cells = np.bincount(masks, weights=self.counts, minlength=1 << len(self.lists))
        return CaptureHistories.from_cells(self.lists, cells.astype(np.int64))

    def observed_by_stratum(self) -> npt.NDArray[np.int64]:
        """People per stratum among those whose stratum the records settle (one possibility)."""
        settled = self.compatible.sum(axis=1) == 1
        out: npt.NDArray[np.int64] = self.counts[settled] @ self.compatible[settled].astype(
            np.int64
        )
        return out


def _codes(frame: pd.DataFrame, field: str) -> pd.Series:
    """Every code recorded in ``field``, one per row (``;``-lists split), indexed like ``frame``."""
    values = frame[field].fillna("").astype(str).str.split(";").explode().str.strip()
    return values[values != ""]


def _level_sets(
    frame: pd.DataFrame, codes: pd.Series, levels: Sequence[str], level_of: dict[str, str]
) -> pd.Series:
    """Per person, a bitmask over ``levels`` of the levels their records name (absent: none)."""
    position = {level: i for i, level in enumerate(levels)}
    bits = codes.map(lambda v: 1 << position[level_of[v]]).astype(np.int64)
    keys = frame.loc[bits.index, "person_key"].to_numpy()
    return bits.groupby(keys).agg(np.bitwise_or.reduce)


def stratify_histories(
    records: pd.DataFrame,
    description: ListsDescription,
    *,
    covariates: Sequence[str] = (),
    lists: Sequence[str] | None = None,
) -> StratifiedHistories:
    """Turn linked records into capture histories with their possible strata.

    Parameters
    ----------
    records
        One row per record with ``list_name``, ``person_key`` and the stratifying fields (empty
        where not recorded).
    description
        Whom each list sees (``lists.yaml``); every list in the records must be described.
    covariates
        Further record fields to stratify on (e.g. ``venue``); their levels are the codes
        recorded. A scope's field named here is split into its codes.
    lists
        List order (default: sorted list names).

    Raises
    ------
    TableError
        A required column is missing or a key is empty.
    SettingsError
        A list in the records is not in the description, or a covariate is not a coded field
        (names, dates and ages cannot be strata).
    """
    unusable = [c for c in covariates if coded_field(c) is None]
    if unusable:
        raise SettingsError(
            f"cannot stratify on {', '.join(unusable)}: covariates must be coded record fields "
            f"(one of {', '.join(coded_fields())})"
        )
    fields = (*description.fields, *(c for c in covariates if c not in description.fields))
    if "age_band" in fields and "age_band" not in records.columns:
        if not {"age", "date_of_birth"} & set(records.columns):
            raise TableError(
                "linked records lack age_band and the age or date_of_birth to derive it from; "
                "give the records.csv that `darkfigure link` writes (it carries age_band)"
            )
        records = records.assign(age_band=age_bands(records))
    missing = sorted({"list_name", "person_key", *fields} - set(records.columns))
    if missing:
        raise TableError(
            f"linked records lack column(s) {', '.join(missing)} needed to place people in the "
            "lists' scopes; give the linked records with their record fields (as `darkfigure "
            "link` writes them) or drop the covariate"
        )
    keys = records["person_key"].astype("string")
    empty = (keys.isna() | (keys.str.len() == 0)).to_numpy()
    if empty.any():
        raise TableError(
            f"linked records: row {int(np.argmax(empty)) + 1}, column 'person_key': empty"
        )
    frame = records.assign(person_key=keys.astype(str), list_name=records["list_name"].astype(str))
    names = list(lists) if lists is not None else sorted(frame["list_name"].unique())
    position = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(frame["list_name"]) - set(position))
    if unknown:
        raise TableError(f"linked records name list(s) {', '.join(unknown)} outside {names}")

    codes = {f: _codes(frame, f) for f in fields}
    extra = {c: sorted(set(codes[c])) for c in covariates}
    strata = description.strata(names, extra)
    field_levels = {f: (extra[f] if f in extra else list(description.levels(f))) for f in fields}
    person = (
        frame[["person_key", "list_name"]]
        .drop_duplicates()
        .assign(bit=lambda d: d["list_name"].map(lambda n: 1 << position[n]).astype(np.int64))
        .groupby("person_key")["bit"]
        .sum()
        .rename("mask")
        .to_frame()
    )
    for f in fields:
        level_of = {v: (v if f in extra else description.level_of(f, v)) for v in set(codes[f])}
        person[f] = _level_sets(frame, codes[f], field_levels[f], level_of)
    person = person.fillna(0).astype(np.int64)
    rows = person.value_counts().reset_index()

    eligible = np.array([s.eligible for s in strata], dtype=bool)  # (strata, lists)
    level_index = np.array(
        [[field_levels[f].index(level) for f, level in s.levels] for s in strata], dtype=np.int64
    ).reshape(len(strata), len(fields))
    masks = rows["mask"].to_numpy(dtype=np.int64)
    patterns = ((masks[:, None] >> np.arange(len(names))) & 1).astype(np.int8)
    # Strata whose lists include every list the row's people are on.
    sees_all = ~(patterns[:, None, :].astype(bool) & ~eligible[None, :, :]).any(axis=2)
    agrees = np.ones((len(rows), len(strata)), dtype=bool)
    for i, f in enumerate(fields):
        named = rows[f].to_numpy(dtype=np.int64)  # bitmask of the levels the records name
        in_set = (named[:, None] >> level_index[None, :, i]) & 1 == 1
        agrees &= (named[:, None] == 0) | in_set
    compatible = agrees & sees_all
    counts = rows["count"].to_numpy(dtype=np.int64)
    notes = []
    believed = ~compatible.any(axis=1) & sees_all.any(axis=1)
    if believed.any():
        compatible[believed] = sees_all[believed]
        notes.append(
            f"{int(counts[believed].sum())} people's recorded {', '.join(fields)} disagree with "
            "the lists that saw them; the lists' scopes were believed"
        )
    stranded = ~compatible.any(axis=1)
    if stranded.any():
        seen_count = (patterns[:, None, :].astype(bool) & eligible[None, :, :]).sum(axis=2)
        pool = np.where(agrees[stranded].any(axis=1)[:, None], agrees[stranded], True)
        best = np.where(pool, seen_count[stranded], -1)
        compatible[stranded] = best == best.max(axis=1, keepdims=True)
        notes.append(
            f"{int(counts[stranded].sum())} people are on lists that no one can be on together "
            "according to the lists description (a false link, or a scope that is too narrow); "
            "they are counted, but the lists outside their stratum's scope are ignored for them"
        )
    return StratifiedHistories(
        lists=tuple(names),
        fields=fields,
        strata=tuple(strata),
        patterns=patterns,
        compatible=compatible,
        counts=counts,
        notes=tuple(notes),
        referrals=description.referrals(names),
    )
