"""Which pairs of records are scored: all of them, the blocking rules, or capped blocks.

Blocking only saves work: a pair it leaves out cannot be linked, however strong the model.
Up to :data:`ALL_PAIRS` pairs (about 3,200 records) every pair is scored, in a minute or so.
On hk-default the rules leave out about one true pair in twenty (a hotline's working name
with no phone, date or document shares no key with the same woman's police record), and the
case facts and age link some of those.

Above that the rules choose (:func:`blocking_scope`). They can be generous on lists of a few
thousand records (any two agreeing syllables in any spelling), and the widest of
:data:`WIDE_RULES` whose pairs fit within the limit is added (:func:`wide_rule`): every pair of
the same citizenship (or with none recorded), on a few thousand records more, so that the
pairs scored do not fall from all of them to the rules' few at the limit.

Blocks grow with the input and the pairs they propose with its square: on a million records
the same name pair and birth year is shared by hundreds of people, and such a block alone
proposes more pairs than can be scored. Above :data:`LARGE` records each name and birth rule
therefore builds its own keys (:func:`capped_block_keys`): a block of more than
:data:`BLOCK_CAP` records is split by a further field (birth month, citizenship, birth year),
and a block still too big is left out, so the pairs proposed grow linearly with the input. A
pair inside a left-out block can still be proposed by a phone, a document or another rule;
one that is not has no evidence the model could tell from hundreds of namesakes anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
from splink import Linker, SettingsCreator, block_on

from darkfigure.link._engine import engine_errors, make_db_api, quiet_splink

__all__ = [
    "ALL_PAIRS",
    "BLOCK_CAP",
    "LARGE",
    "WIDE",
    "WIDE_RULES",
    "BlockingPlan",
    "Scope",
    "WideRule",
    "blocking_rules",
    "blocking_scope",
    "candidate_pairs",
    "capped_block_keys",
    "plan_blocking",
    "wide_block_keys",
    "wide_rule",
]

#: Up to this many pairs of records every pair is scored (the default of the setting
#: ``all_pairs_limit``): 5 million pairs are about 3,200 records.
ALL_PAIRS = 5_000_000

#: Above this many records the name and birth rules use capped blocks.
LARGE = 50_000

#: Most records a block may hold on large inputs before it is split by a further field.
BLOCK_CAP = 25

#: The column of capped block keys (every capped rule's keys, each tagged with its rule).
CAPPED = "blk_capped"


@dataclass(frozen=True)
class _CappedRule:
    """Records share a block when they agree on every one of ``columns`` (list columns: on
    any one element); an over-full block is split by ``split`` and dropped if still too big."""

    tag: str
    columns: tuple[str, ...]
    split: str


#: The rules that are capped on large inputs (phone and document blocks stay whole: they
#: are identifiers, and their blocks are small).
_CAPPED_RULES = (
    _CappedRule("dob", ("dob",), "citizenship"),
    _CappedRule("nym", ("nm_flat", "dob_y", "dob_m"), "citizenship"),
    _CappedRule("nph", ("nm_pairs", "by_hi"), "dob_m"),
    _CappedRule("npl", ("nm_pairs", "by_lo"), "dob_m"),
    _CappedRule("n3", ("nm_triples",), "by_hi"),
    _CappedRule("akh", ("nm_aka", "by_hi"), "citizenship"),
    _CappedRule("akl", ("nm_aka", "by_lo"), "citizenship"),
)

_LISTS = ("nm_pairs", "nm_triples", "nm_flat", "nm_aka")

#: How the pairs to score are chosen: every pair, the rules, or the rules on capped blocks.
Scope = Literal["all", "rules", "capped"]


def blocking_scope(n: int, *, all_pairs_limit: int = ALL_PAIRS) -> Scope:
    """How the pairs of ``n`` records are chosen: ``"all"`` when there are at most
    ``all_pairs_limit`` pairs, else ``"rules"``, or ``"capped"`` above :data:`LARGE` records.

    Examples
    --------
    >>> blocking_scope(3000), blocking_scope(3000, all_pairs_limit=0), blocking_scope(60_000)
    ('all', 'rules', 'capped')
    """
    if n * (n - 1) // 2 <= all_pairs_limit:
        return "all"
    return "capped" if n > LARGE else "rules"


@dataclass(frozen=True)
class WideRule:
    """Broad blocking rules: every pair whose citizenships do not differ (the same, or one
    not recorded) and that agrees on each tuple of ``also`` (one rule per tuple)."""

    label: str
    also: tuple[tuple[str, ...], ...]


#: Broad rules for inputs above the all-pairs limit, widest first (see :func:`wide_rule`).
#: Citizenship is what a hotline's working name with no phone, date or document still shares
#: with the person's documented records, and a citizenship not recorded contradicts none; the
#: model then weighs the case facts and the age. The implied birth year (either rounding of
#: an age) narrows it on larger inputs.
WIDE_RULES = (
    WideRule("the same citizenship or none recorded", ((),)),
    WideRule(
        "the same citizenship or none recorded, and the same birth year",
        (("by_hi",), ("by_lo",)),
    ),
)

#: The column of citizenship block keys of the broad rules (see :func:`wide_block_keys`).
WIDE = "blk_citizenship"


def wide_block_keys(features: pd.DataFrame) -> pd.DataFrame:
    """``features`` with the citizenship keys of the broad rules: a record's own
    citizenship, or every citizenship of the input (and ``"*"``) when it has none, so that
    it shares a block with every record.

    Examples
    --------
    >>> f = pd.DataFrame({"citizenship": ["IDN", None, "PHL"]})
    >>> wide_block_keys(f)["blk_citizenship"].tolist()
    [['IDN'], ['*', 'IDN', 'PHL'], ['PHL']]
    """
    known = sorted(features["citizenship"].dropna().unique())
    keyed = features.copy()
    keyed[WIDE] = [[c] if isinstance(c, str) else ["*", *known] for c in features["citizenship"]]
    return keyed


def _pairs_not_differing(features: pd.DataFrame, also: tuple[str, ...]) -> int:
    """Pairs of records whose citizenships do not differ and that agree on every one of
    ``also`` (none of those missing), counted from group sizes."""
    by = list(also) or ["everyone"]  # with nothing else to agree on, one group of all
    frame = features[["citizenship", *also]].dropna(subset=list(also)).assign(everyone=0)
    total = frame.groupby(by).size()
    same = frame.groupby([*by, "citizenship"]).size()  # records without one drop out here
    missing = total - same.groupby(level=by).sum().reindex(total.index, fill_value=0)
    # Pairs within one citizenship, pairs with a record that has none, and among those.
    return int(
        (same * (same - 1) // 2).sum()
        + (missing * (total - missing)).sum()
        + (missing * (missing - 1) // 2).sum()
    )


def wide_rule(features: pd.DataFrame, *, all_pairs_limit: int = ALL_PAIRS) -> WideRule | None:
    """The widest of :data:`WIDE_RULES` proposing at most ``all_pairs_limit`` pairs, if any
    (one that proposes none is no use).

    The pairs of its rules are counted as if no other rule proposed them (an upper bound), so
    with the blocking rules' own pairs somewhat more than the limit may be scored.

    Examples
    --------
    >>> f = pd.DataFrame({"citizenship": ["IDN"] * 3 + ["PHL", None],
    ...     "by_hi": [1990, 1990, 1991, 1990, None], "by_lo": [1989, 1989, 1990, 1989, None]})
    >>> wide_rule(f, all_pairs_limit=8).label  # 3 + 0 pairs of one citizenship, 4 with none
    'the same citizenship or none recorded'
    >>> wide_rule(f, all_pairs_limit=2).label  # 1990: 1; 1991: 0; 1989: 1; 1990: 0
    'the same citizenship or none recorded, and the same birth year'
    >>> wide_rule(f, all_pairs_limit=1) is None
    True
    """
    for wide in WIDE_RULES:
        pairs = sum(_pairs_not_differing(features, also) for also in wide.also)
        if 0 < pairs <= all_pairs_limit:
            return wide
    return None


def blocking_rules(
    *, address: bool = False, scope: Scope = "rules", wide: WideRule | None = None
) -> list[Any]:
    """Rules that propose candidate pairs (their union is scored) in ``scope``.

    ``"all"``: no rules, which Splink takes as every pair.

    ``"rules"``: a shared phone, document or full date of birth; any two syllables agreeing in
    any spelling (``nm_pairs`` holds every pair of syllable keys, exploded); and, for
    one-syllable names (``Ah Mei``) and names with typos, one shared key with the same implied
    birth year; an alias or nickname shared with the same birth year or citizenship. With an
    address: the same address, or one shared name key (or the first three letters of a long
    name token) and one shared address token, or any three address tokens shared (typos in
    the name and in the rest of the address: 12 of the 5,000 FEBRL4 matches are found by this
    rule alone).

    ``"capped"`` (more than :data:`LARGE` records): a shared phone or document, or a shared
    capped block key (the features must then have the column :func:`capped_block_keys` adds):
    the same date of birth; a name key with the same birth year and month; two agreeing
    syllables with the same implied birth year; three agreeing syllables; an alias with the
    same birth year.

    ``wide`` (:func:`wide_rule`) adds its broad rules in either of the last two (the
    features must then have the column :func:`wide_block_keys` adds).
    """
    if scope == "all":
        return []
    if scope == "capped":
        name_rules = [block_on(CAPPED, arrays_to_explode=[CAPPED])]
    else:
        name_rules = [
            block_on("dob"),
            block_on("nm_flat", "dob_y", "dob_m", arrays_to_explode=["nm_flat"]),
            block_on("nm_pairs", arrays_to_explode=["nm_pairs"]),
            block_on("nm_flat", "by_hi", arrays_to_explode=["nm_flat"]),
            block_on("nm_flat", "by_lo", arrays_to_explode=["nm_flat"]),
            block_on("nm_aka", "by_hi", arrays_to_explode=["nm_aka"]),
            block_on("nm_aka", "by_lo", arrays_to_explode=["nm_aka"]),
            block_on("nm_aka", "citizenship", arrays_to_explode=["nm_aka"]),
        ]
    broad = [block_on(WIDE, *also, arrays_to_explode=[WIDE]) for also in wide.also] if wide else []
    return [
        block_on("phone"),
        block_on("document"),
        *name_rules,
        *broad,
    ] + (
        [
            block_on("addr"),
            block_on("nm_flat", "addr_tokens", arrays_to_explode=["nm_flat", "addr_tokens"]),
            block_on("nm_prefix", "addr_tokens", arrays_to_explode=["nm_prefix", "addr_tokens"]),
            block_on("addr_triples", arrays_to_explode=["addr_triples"]),
        ]
        if address
        else []
    )


def _rule_keys_sql(rule: _CappedRule, cap: int) -> str:
    """SQL for (unique_id, key) rows of one capped rule, over the table ``f``."""
    select = ", ".join(
        f"unnest({column}) AS {column}" if column in _LISTS else column for column in rule.columns
    )
    key = " || '|' || ".join(f"CAST({column} AS VARCHAR)" for column in rule.columns)
    present = " AND ".join(f"{column} IS NOT NULL" for column in rule.columns)
    return f"""(
        WITH keyed AS (
            SELECT DISTINCT unique_id, '{rule.tag}|' || {key} AS k,
                   CAST({rule.split} AS VARCHAR) AS split
            FROM (SELECT unique_id, {rule.split}, {select} FROM f)
            WHERE {present}
        ),
        sized AS (SELECT k, count(*) AS n FROM keyed GROUP BY k),
        split AS (
            SELECT unique_id, CASE WHEN n <= {cap} THEN k ELSE k || '#' || split END AS k
            FROM keyed JOIN sized USING (k)
            WHERE n <= {cap} OR split IS NOT NULL
        ),
        resized AS (SELECT k, count(*) AS n FROM split GROUP BY k)
        SELECT unique_id, k FROM split JOIN resized USING (k) WHERE n <= {cap} AND n >= 2
    )"""


def capped_block_keys(features: pd.DataFrame, *, cap: int = BLOCK_CAP) -> pd.DataFrame:
    """``features`` with the column of capped block keys used by the large-input rules.

    Per record, the sorted keys of every capped rule (tagged by rule, so two rules' keys never
    meet) whose block holds at most ``cap`` records, after splitting over-full blocks once; no
    key gives ``None``. Blocks of one record are left out (they propose no pair).

    Examples
    --------
    >>> f = pd.DataFrame({"unique_id": [0, 1, 2], "dob": ["1990-01-02"] * 3,
    ...     "citizenship": ["PHL", "PHL", "IDN"], "nm_flat": [None] * 3, "dob_y": [1990] * 3,
    ...     "dob_m": [1] * 3, "nm_pairs": [[]] * 3, "by_hi": [1990] * 3, "by_lo": [1989] * 3,
    ...     "nm_triples": [[]] * 3, "nm_aka": [None] * 3})
    >>> capped_block_keys(f, cap=2)["blk_capped"].tolist()
    [['dob|1990-01-02#PHL'], ['dob|1990-01-02#PHL'], None]
    """
    columns = sorted(
        {"unique_id"} | {c for rule in _CAPPED_RULES for c in (*rule.columns, rule.split)}
    )
    con = duckdb.connect(":memory:")
    try:
        con.register("f", features[columns])
        union = " UNION ALL ".join(_rule_keys_sql(rule, cap) for rule in _CAPPED_RULES)
        keys = con.execute(
            f"SELECT unique_id, list(k ORDER BY k) AS keys FROM ({union}) GROUP BY unique_id"
        ).df()
    finally:
        con.close()
    by_record = pd.Series(keys["keys"].to_numpy(), index=keys["unique_id"].to_numpy())
    found = by_record.reindex(features["unique_id"].to_numpy()).to_numpy()
    keyed = features.copy()
    keyed[CAPPED] = pd.Series(
        [None if v is np.nan else list(v) for v in found], index=features.index, dtype=object
    )
    return keyed


@dataclass(frozen=True)
class BlockingPlan:
    """How the pairs of an input are chosen, and its features with the block keys they need."""

    scope: Scope
    wide: WideRule | None
    features: pd.DataFrame


def plan_blocking(
    features: pd.DataFrame,
    *,
    all_pairs_limit: int = ALL_PAIRS,
    step: Callable[[str], None] | None = None,
) -> BlockingPlan:
    """Choose the pairs to score (:func:`blocking_scope`, :func:`wide_rule`) and add the block
    keys the chosen rules use; ``step`` is told before the capped blocks are built."""
    scope = blocking_scope(len(features), all_pairs_limit=all_pairs_limit)
    wide = None if scope == "all" else wide_rule(features, all_pairs_limit=all_pairs_limit)
    if wide:
        features = wide_block_keys(features)
    if scope == "capped":
        if step:
            step("building capped blocks")
        features = capped_block_keys(features)
    return BlockingPlan(scope, wide, features)


def candidate_pairs(
    features: pd.DataFrame, *, address: bool = False, all_pairs_limit: int = ALL_PAIRS
) -> pd.DataFrame:
    """Every pair the model scores for ``features``: all of them, or those blocking proposes.

    ``unique_id_l`` < ``unique_id_r``, one row per pair, on DuckDB, chosen as linkage chooses
    them (:func:`blocking_scope`). For checking what blocking keeps against known truth (the
    link benchmark's blocking recall); linkage itself scores the pairs without listing them
    first.

    Raises
    ------
    LinkError
        The engine failed (its own message is withheld).
    """
    plan = plan_blocking(features, all_pairs_limit=all_pairs_limit)
    if plan.scope == "all":
        ids = np.sort(features["unique_id"].to_numpy(dtype=np.int64))
        left, right = np.triu_indices(len(ids), k=1)
        return pd.DataFrame({"unique_id_l": ids[left], "unique_id_r": ids[right]})
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[],
        blocking_rules_to_generate_predictions=blocking_rules(
            address=address, scope=plan.scope, wide=plan.wide
        ),
        unique_id_column_name="unique_id",
    )
    with quiet_splink(), engine_errors("listing the candidate pairs"):
        table = make_db_api("duckdb").register(plan.features)
        linker = Linker(table, settings, log_level=None)
        found = linker.inference.deterministic_link()
        pairs = found.as_pandas_dataframe()  # type: ignore[no-untyped-call,unused-ignore]
    ids = np.sort(pairs[["unique_id_l", "unique_id_r"]].to_numpy(dtype=np.int64), axis=1)
    return pd.DataFrame(np.unique(ids, axis=0), columns=["unique_id_l", "unique_id_r"])
