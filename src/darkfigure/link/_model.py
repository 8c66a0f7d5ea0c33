"""The Fellegi–Sunter model on Splink: settings, blocking, EM training, scoring, clustering.

All lists are stacked into one table and linked as one deduplication, so pairs within a list
(the same person twice on one list) and across lists are scored by the same model.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from splink import Linker, SettingsCreator, block_on

from darkfigure.link._blocking import (
    ALL_PAIRS,
    Scope,
    WideRule,
    blocking_rules,
    plan_blocking,
)
from darkfigure.link._comparisons import FLOOR_BITS, all_comparisons, sql_for_dialect
from darkfigure.link._engine import engine_errors, make_db_api, quiet_splink

__all__ = [
    "DEFAULT_SEED",
    "EM_CONVERGENCE",
    "MAX_ITERATIONS",
    "PRIOR_RECALL",
    "Scored",
    "cluster",
    "cluster_probability",
    "score_pairs",
]

#: Pairs scored below this probability are not kept (they cannot join a cluster, and sampling
#: linkage uncertainty ignores them: a 1 % chance over few pairs moves no history count).
FLOOR = 0.01


#: Random pairs that estimate u (each of two samples holds about this many). Inputs with fewer
#: pairs use all of them, and nothing depends on the seed.
SAMPLE_PAIRS = 1e6

#: Seed of the random pair samples unless one is given: the same input gives the same links.
DEFAULT_SEED = 0

#: Share of true matches the deterministic rules (same document, same phone, same name and
#: date of birth) are taken to find when the prior is estimated.
PRIOR_RECALL = 0.6

#: Pairs an EM session samples on large inputs (m needs far fewer; each pair costs a full
#: comparison, and there are four sessions).
EM_PAIRS = 1e6

#: Iteration limit and convergence tolerance of each EM session (Splink's own defaults).
MAX_ITERATIONS = 25
EM_CONVERGENCE = 1e-4


def _settings(
    *,
    address: bool,
    case_facts: bool,
    scope: Scope,
    wide: WideRule | None = None,
    date_identified: bool = False,
) -> SettingsCreator:
    comparisons: list[Any] = list(
        all_comparisons(address=address, case_facts=case_facts, date_identified=date_identified)
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(
            address=address, scope=scope, wide=wide
        ),
        unique_id_column_name="unique_id",
        additional_columns_to_retain=[],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


@dataclass(frozen=True)
class Scored:
    """Scored candidate pairs and the trained model (no record values)."""

    pairs: pd.DataFrame  #: unique_id_l/_r, match_probability, match_weight, evidence
    parameters: pd.DataFrame  #: comparison, level, m, u, bayes_factor, match_weight
    model_json: dict[str, Any]  #: Splink's model (settings + trained m/u), value-free
    prior: float  #: trained probability that two random records match
    scope: Scope  #: which pairs were scored (:func:`~darkfigure.link._blocking.blocking_scope`)
    wide: WideRule | None  #: broad rules added to the blocking rules (``wide_rule``)
    linker: Any  #: the Splink linker (``Linkage.splink_linker``)


def _parameters(model: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            bf = m / u if m and u else float("nan")
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level.get("label_for_charts", ""),
                    "m": m,
                    "u": u,
                    "bayes_factor": bf,
                    "match_weight": float(np.log2(bf)) if bf > 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def _train_m(linker: Any, *, large: bool) -> None:
    """EM sessions for m (on a sample of :data:`EM_PAIRS` pairs when ``large``). Birth is
    trained on pairs with the same name of two or more syllables: one-word names (nicknames
    like "Lily") would make EM take "same nickname" for "match"."""
    for level in _levels(linker):
        level._trained_m_probabilities = []  # a new round replaces the previous one
    for rule in (block_on("dob"), "l.nm_sig = r.nm_sig AND l.nm_len >= 2"):
        _em_session(linker, rule, max_pairs=EM_PAIRS if large else None)


def _train_em(linker: Any, rule: Any, **options: Any) -> None:
    """One Splink EM session that leaves the model as it was when it fails.

    Splink's session drops the comparisons its blocking rule uses (and replaces the prior) in
    the linker's own settings, and puts them back only when training succeeds. A session
    that raised (an m or u out of range) used to leave the name comparison out of the model
    for good: linkage then went on without names (F1 0.93 instead of 0.96 on hk-default
    seed 1, for three u-sampling seeds out of five). The settings are copied first and
    restored on failure.
    """
    settings = linker._settings_obj
    saved = settings.core_model_settings.copy()
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, **options)
    except ValueError:
        settings.core_model_settings = saved
        raise


def _em_session(linker: Any, rule: Any, **options: Any) -> None:
    """One EM session that survives an m probability underflowing.

    An m for a level that no match reaches shrinks geometrically with every iteration; on some
    samples it passes 1e-300 within Splink's iteration limit and Splink refuses it
    (:func:`_train_em` then restores the model). A short session (fewer iterations) finds
    the vanishing levels, :func:`_hold_vanishing_m` holds them, and the full session runs
    again with those held.
    """
    train = partial(_train_em, linker)
    try:
        train(rule, **options)
        return
    except ValueError:
        pass
    settings = linker._settings_obj
    original = settings.training_settings
    iterations = original.max_iterations
    try:
        while True:
            iterations //= 2
            if iterations < 1:
                raise ValueError("EM could not be trained: an m probability underflows")
            settings.training_settings = dataclasses.replace(original, max_iterations=iterations)
            try:
                train(rule, **options)
                break
            except ValueError:
                continue
    finally:
        settings.training_settings = original
    _hold_vanishing_m(linker)
    train(rule, **options)


#: An m that EM has driven below this is held here: the level never occurs among matches
#: (weight about -40 whatever u is), and further EM rounds would underflow it to zero.
M_VANISHING = 1e-12


def _hold_vanishing_m(linker: Any) -> None:
    """Fix every m below :data:`M_VANISHING` at that value for the EM rounds that follow."""
    for level in _levels(linker):
        m = level.m_probability
        if isinstance(m, float) and m < M_VANISHING:
            level.m_probability = M_VANISHING
            level._fix_m_probability = True


def _floor_m(linker: Any) -> None:
    """Hold m of the levels where records differ (case facts, means of control, dates
    identified) at u / 2**bits or above, bits from :data:`~darkfigure.link._comparisons.FLOOR_BITS`.

    On the simulated lists, which record facts alike, and on small inputs EM can learn that no
    match differs, and one difference would then outweigh a name, an age and a phone. Applied
    after the last EM session, so that training sees the data's own m and scoring the floored
    one.
    """
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            bits = FLOOR_BITS.get((comparison.output_column_name, level.label_for_charts))
            m, u = level.m_probability, level.u_probability
            if bits is None or not isinstance(u, float):
                continue
            level.m_probability = max(m if isinstance(m, float) else 0.0, u * 2.0**-bits)
            level._fix_m_probability = True


def _levels(linker: Any) -> list[Any]:
    """The model's comparison levels, null levels left out, in settings order."""
    return [
        level
        for comparison in linker._settings_obj.comparisons
        for level in comparison._comparison_levels_excluding_null
    ]


def _train_u_on_random_pairs(linker: Any, sampled: float) -> None:
    """Re-estimate u by EM on a random sample of pairs, with m and the prior held fixed.

    Random sampling counts every agreement among random pairs as chance, but on lists of a
    few thousand records the true matches among them are about as many as chance agreements
    on a full date of birth, a phone or a document, so u comes out several times too high.
    EM on the same kind of random sample (pairs of records that drew the same random bucket,
    ``rnd_bucket``) weighs each pair by the model's probability that it is *not* a match,
    which takes the matches out. No u goes below half a pair among the ``sampled`` pairs:
    the sample cannot tell anything rarer, and EM alone would take u to zero for a level
    that happens to be reached by matches only (a shared date of birth on a small list).
    """
    sampled_u = [level._trained_u_probabilities for level in _levels(linker)]
    for level in _levels(linker):
        level._trained_u_probabilities = []  # this estimate replaces the first
    try:
        _train_em(
            linker,
            "l.rnd_bucket = r.rnd_bucket",
            fix_probability_two_random_records_match=True,
            fix_m_probabilities=True,
            fix_u_probabilities=False,
        )
    except ValueError:
        # Splink refuses a u of exactly zero, which EM reaches when every sampled pair at a
        # level is a certain match (large inputs: all pairs sharing a document). There the
        # matches are a negligible share of random pairs anyway: keep the sampled u.
        for level, trained in zip(_levels(linker), sampled_u, strict=True):
            level._trained_u_probabilities = trained
        linker._populate_m_u_from_trained_values()
    # A training session replaces the level objects: fetch them again.
    for level in _levels(linker):
        u = level.u_probability
        level.u_probability = max(u if isinstance(u, float) else 0.0, 0.5 / sampled)
        level._fix_u_probability = True


#: Agreement levels that are blocking rules themselves (comparison, its first level's column):
#: every pair that reaches them is among the pairs scored, so their u is counted over all pairs.
EXACT_LEVELS = (("phone", "phone"), ("document", "document"), ("birth", "dob"))


def _exact_level_pairs(linker: Any, table: Any, *, large: bool) -> pd.DataFrame:
    """The pairs scored at or above :data:`FLOOR` among those that agree on an exact level.

    Only those pairs are scored, not every pair the linkage will score (on small inputs that
    is every pair of records). On large inputs the pairs sharing a date of birth run to tens
    of millions, nearly all non-matches: only those that also share a name key are scored
    (the matches among the rest add nothing measurable to the sum).
    """
    birth = block_on("nm_flat", "dob", arrays_to_explode=["nm_flat"]) if large else block_on("dob")
    settings = SettingsCreator.from_path_or_dict(linker.misc.save_model_to_json())
    settings.blocking_rules_to_generate_predictions = [
        block_on("phone"),
        block_on("document"),
        birth,
    ]
    exact = Linker(table, settings, log_level=None)
    predictions = exact.inference.predict(threshold_match_probability=FLOOR)
    return predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call,no-any-return]


def _count_u_on_all_pairs(linker: Any, table: Any, features: pd.DataFrame, *, large: bool) -> None:
    """u of "same phone", "same document" and "same date of birth" from all pairs, not a sample.

    These levels are rare (a few dozen non-matching pairs among millions), so on a sample of
    a million pairs their u rests on a handful of pairs and moved by a factor of two with the
    sampling seed (on hk-default seed 2 "same phone" weighed 16.4 to 17.8 bits across seeds).
    The pairs that agree are counted from the values, and the current model scores those
    that can be matches (:func:`_exact_level_pairs`): u = (pairs that agree − their summed
    match probability) / (all pairs − all matches expected), at least half a pair.
    """
    pairs = _exact_level_pairs(linker, table, large=large)
    left = pairs["unique_id_l"].to_numpy(dtype=np.int64)
    right = pairs["unique_id_r"].to_numpy(dtype=np.int64)
    probability = pairs["match_probability"].to_numpy(dtype=float)
    n = len(features)
    # Pairs scored below FLOOR are left out of the matches: at most 1 % each.
    non_matches = n * (n - 1) / 2 - probability.sum()
    comparisons = {c.output_column_name: c for c in linker._settings_obj.comparisons}
    for name, column in EXACT_LEVELS:
        values = features[column]
        sizes = values.dropna().value_counts().to_numpy(dtype=float)
        agreeing = float((sizes * (sizes - 1) / 2).sum())
        array = values.to_numpy(dtype=object)
        same = pd.notna(array[left]) & (array[left] == array[right])
        expected_matches = float(probability[same].sum())
        level = comparisons[name]._comparison_levels_excluding_null[0]
        level.u_probability = max(agreeing - expected_matches, 0.5) / non_matches
        level._fix_u_probability = True


def _prior_weight(linker: Any) -> float:
    """log2 of the prior odds: match weight minus this is the pair's own evidence."""
    prior = float(linker._settings_obj._probability_two_random_records_match)
    return float(np.log2(prior / (1 - prior)))


def _register(db_api: Any, features: pd.DataFrame) -> Any:
    """Register ``features`` as the input table ``records`` of this run.

    A DuckDB API is a new in-memory database every run, but a Spark session and its temporary
    views outlive a run (the session is reused): there the table gets a name of its own, or
    the second linkage in a process would find ``records`` taken.
    """
    name = "records"
    if db_api.sql_dialect.sql_dialect_str == "spark":
        name = f"records_{uuid.uuid4().hex[:12]}"
    return db_api.register(features, dataset_display_name="records", table_name=name)


def _train(
    db_api: Any,
    features: pd.DataFrame,
    *,
    address: bool,
    case_facts: bool,
    date_identified: bool,
    seed: int,
    prior_recall: float,
    max_iterations: int,
    em_convergence: float,
    scope: Scope,
    wide: WideRule | None,
    report: Callable[[str], None],
) -> Linker:
    """A Splink linker on ``features`` with the model trained: prior, u, then m by EM; it
    scores the pairs of ``scope``."""
    n = len(features)
    large = scope == "capped"
    everything = n * (n - 1) / 2
    sampled = max(1.0, min(SAMPLE_PAIRS, everything))
    # A random bucket per record: pairs within a bucket are a random sample of about
    # ``sampled`` pairs, on which u is re-estimated (see _train_u_on_random_pairs).
    buckets = max(1, round(everything / sampled))
    features = features.assign(
        rnd_bucket=np.random.default_rng(seed).integers(0, buckets, n, dtype=np.int64)
    )
    settings = dataclasses.replace(
        _settings(
            address=address,
            case_facts=case_facts,
            date_identified=date_identified,
            scope=scope,
            wide=wide,
        ),
        max_iterations=max_iterations,
        em_convergence=em_convergence,
    )
    with engine_errors("loading the records"):
        table = _register(db_api, features)
        linker = Linker(table, settings, log_level=None)
    report("estimating the prior")
    with engine_errors("estimating the prior"):
        linker.training.estimate_probability_two_random_records_match(
            [block_on("document"), block_on("phone"), block_on("nm_sig", "dob")],
            recall=prior_recall,
        )
    report("estimating u")
    with engine_errors("estimating u by random sampling"):
        linker.training.estimate_u_using_random_sampling(max_pairs=sampled, seed=seed)
    with engine_errors("training by expectation maximisation"):
        report("EM training: m")
        _train_m(linker, large=large)
        # The random pairs that estimated u include true matches; on lists this small
        # they are as common as chance agreement on a phone or document. Take them out
        # (with the trained prior and m) and train m again against the corrected u.
        report("EM training: u without the matches")
        _train_u_on_random_pairs(linker, min(sampled, everything))
        _hold_vanishing_m(linker)
        report("EM training: u of the exact levels")
        _count_u_on_all_pairs(linker, table, features, large=large)
        report("EM training: m again")
        _train_m(linker, large=large)
        _floor_m(linker)
    return linker


def _saved_settings(
    model: Mapping[str, Any],
    *,
    address: bool,
    scope: Scope,
    wide: WideRule | None,
    dialect: str,
) -> SettingsCreator:
    """A saved Splink model with this version's blocking rules for the input at hand.

    The comparisons, their trained m and u and the prior are the model's. The blocking rules
    only decide which pairs are scored, not how, and must fit the size of *this* input
    (``scope``: all pairs of a small input, capped blocks of a large one): a model trained on
    one year's small lists may be applied to a larger next year. The comparison conditions
    are rewritten for ``dialect`` (the engine's) when the model was saved by the other engine.
    """
    saved = dict(model)
    source = str(saved.get("sql_dialect") or "duckdb")
    if source != dialect:
        saved["comparisons"] = [
            {
                **comparison,
                "comparison_levels": [
                    {
                        **level,
                        "sql_condition": sql_for_dialect(level["sql_condition"], source, dialect),
                    }
                    if isinstance(level.get("sql_condition"), str)
                    else level
                    for level in comparison["comparison_levels"]
                ],
            }
            for comparison in saved.get("comparisons", [])
        ]
        saved["sql_dialect"] = dialect
    creator = SettingsCreator.from_path_or_dict(saved)
    creator.blocking_rules_to_generate_predictions = blocking_rules(
        address=address, scope=scope, wide=wide
    )
    return creator


def score_pairs(
    features: pd.DataFrame,
    *,
    address: bool = False,
    case_facts: bool = False,
    date_identified: bool = False,
    backend: str = "duckdb",
    seed: int = DEFAULT_SEED,
    prior_recall: float = PRIOR_RECALL,
    max_iterations: int = MAX_ITERATIONS,
    em_convergence: float = EM_CONVERGENCE,
    model: Mapping[str, Any] | None = None,
    all_pairs_limit: int = ALL_PAIRS,
    step: Callable[[str], None] | None = None,
) -> Scored:
    """Train the model by EM on ``features`` (or apply a saved one) and score the pairs:
    every pair of a small input, the pairs blocking proposes on a larger one.

    Parameters
    ----------
    features
        The table from :func:`darkfigure.link._features.derive_features`.
    address
        Compare addresses (``features`` must then have the ``addr`` columns); with a saved
        ``model``, exactly when the model compares them.
    case_facts
        Compare the case facts (district, venue, exploitation, ...; ``features`` must then
        have their ``cf_`` columns); with a saved ``model``, exactly when the model does.
    date_identified
        Compare the days between the records' dates of identification (``ident_day``); with
        a saved ``model``, exactly when the model does.
    backend
        ``"duckdb"`` or ``"spark"``.
    seed
        Seed of the random samples of pairs that estimate the u probabilities (the rare
        levels of :data:`EXACT_LEVELS` are counted over all pairs and do not depend on it).
    prior_recall, max_iterations, em_convergence
        Training options (see :class:`darkfigure.link.TrainingSettings`).
    model
        A trained Splink model (``linker.misc.save_model_to_json()``) to apply instead of
        training; ``features`` must have the columns its comparisons use. ``seed`` and the
        training options are then not used.
    all_pairs_limit
        Score every pair when there are at most this many
        (:func:`~darkfigure.link._blocking.blocking_scope`); above it, add the widest broad
        rules whose pairs fit within it (:func:`~darkfigure.link._blocking.wide_rule`).
    step
        Called with a short description before each stage (for progress display).

    Raises
    ------
    LinkError
        The engine failed (its own message is withheld).
    """
    report = step or (lambda _: None)
    plan = plan_blocking(features, all_pairs_limit=all_pairs_limit, step=report)
    scope, wide, features = plan.scope, plan.wide, plan.features
    with quiet_splink():
        db_api = make_db_api(backend)
        if model is None:
            linker = _train(
                db_api,
                features,
                address=address,
                case_facts=case_facts,
                date_identified=date_identified,
                seed=seed,
                prior_recall=prior_recall,
                max_iterations=max_iterations,
                em_convergence=em_convergence,
                scope=scope,
                wide=wide,
                report=report,
            )
        else:
            report("loading the saved model")
            settings = _saved_settings(
                model,
                address=address,
                scope=scope,
                wide=wide,
                dialect=db_api.sql_dialect.sql_dialect_str,
            )
            with engine_errors("loading the saved model"):
                table = _register(db_api, features)
                linker = Linker(table, settings, log_level=None)
        report("scoring pairs")
        with engine_errors("scoring pairs"):
            predictions = linker.inference.predict(threshold_match_probability=FLOOR)
            pairs = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
            trained = linker.misc.save_model_to_json()
    pairs = pairs[["unique_id_l", "unique_id_r", "match_weight", "match_probability"]]
    pairs = pairs.assign(evidence=pairs["match_weight"] - _prior_weight(linker))
    pairs = pairs.astype({"unique_id_l": np.int64, "unique_id_r": np.int64})
    # The engine returns pairs in no fixed order (DuckDB runs threads and does not keep
    # insertion order); the tables drawn from them take one random number per pair in row
    # order, so without a fixed order the same seed could draw different tables.
    pairs = pairs.sort_values(["unique_id_l", "unique_id_r"], ignore_index=True)
    return Scored(
        pairs,
        _parameters(trained),
        trained,
        float(trained.get("probability_two_random_records_match", float("nan"))),
        scope,
        wide,
        linker,
    )


def components(n: int, pairs: pd.DataFrame, threshold: float) -> npt.NDArray[np.int64]:
    """Connected components of the pairs at or above ``threshold``: a cluster label per record."""
    keep = pairs[pairs["match_probability"] >= threshold]
    return _components(n, keep["unique_id_l"].to_numpy(), keep["unique_id_r"].to_numpy())


#: A pair whose own evidence (match weight without the prior) is below this, a thousand to one
#: against, never ends up in one cluster: two full dates of birth and two document numbers
#: that differ are two people, however well a third record fits both.
CONFLICT_WEIGHT = -10.0

#: A link at or above this probability joins two groups before average linkage does, when no
#: pair across them has evidence against a match (see :func:`_average_linkage`).
CERTAIN = 0.99


def cluster(
    labels: npt.NDArray[np.int64], pairs: pd.DataFrame, threshold: float, *, max_size: int = 400
) -> npt.NDArray[np.int64]:
    """Split connected components by average linkage so that chains do not merge people.

    Transitive closure lets one wrong link join two people, and a nickname shared by many
    records can join dozens. Inside each component of 3 to ``max_size`` records, with every
    pair scored (``pairs`` must include them, see :func:`score_within`; a pair absent counts as
    probability 0), groups are merged best first, only while their *average* pairwise match
    probability is at least ``threshold``, and never across a pair whose ``evidence`` column
    is below :data:`CONFLICT_WEIGHT`; near-certain links are taken first (see
    :func:`_average_linkage`).
    """
    sizes = np.bincount(labels)
    left = pairs["unique_id_l"].to_numpy(dtype=np.int64)
    right = pairs["unique_id_r"].to_numpy(dtype=np.int64)
    inside = (
        (labels[left] == labels[right])
        & (sizes[labels[left]] >= 3)
        & (sizes[labels[left]] <= max_size)
    )
    evidence = (
        pairs["evidence"].to_numpy(dtype=float) if "evidence" in pairs else np.zeros(len(pairs))
    )
    out = labels.copy()
    next_label = int(labels.max()) + 1 if len(labels) else 0
    frame = pd.DataFrame(
        {
            "l": left[inside],
            "r": right[inside],
            "c": labels[left[inside]],
            "p": pairs["match_probability"].to_numpy()[inside],
            "e": evidence[inside],
        }
    )
    for _, group in frame.groupby("c", sort=False):
        ids = np.unique(np.concatenate([group["l"].to_numpy(), group["r"].to_numpy()]))
        position = pd.Series(np.arange(len(ids)), index=ids)
        i = position[group["l"]].to_numpy()
        j = position[group["r"]].to_numpy()
        probability = np.zeros((len(ids), len(ids)))
        probability[i, j] = probability[j, i] = group["p"].to_numpy()
        # NaN: a pair not scored, which neither vetoes nor vouches for a join.
        pair_evidence = np.full((len(ids), len(ids)), np.nan)
        pair_evidence[i, j] = pair_evidence[j, i] = group["e"].to_numpy()
        sub = _average_linkage(probability, pair_evidence, threshold)
        out[ids] = next_label + sub
        next_label += int(sub.max()) + 1
    return np.asarray(np.unique(out, return_inverse=True)[1], dtype=np.int64)


def _average_linkage(
    probability: npt.NDArray[np.float64], evidence: npt.NDArray[np.float64], threshold: float
) -> npt.NDArray[np.int64]:
    """Agglomerate records into groups; a group label per record.

    First, groups joined by a link of probability :data:`CERTAIN` or more (a shared phone and
    name) merge, strongest link first, when no pair across them has evidence (match weight
    without the prior) below zero. Such a record often meets the rest of its person's group
    only through a weak name agreement (a hotline's ``Sutinah`` with a phone, against the
    documented ``SUTINAH`` records without one): evidence for a match, too little against the
    prior, and the average would keep it out although its link to one member is certain.
    Then groups merge best average first while the average is at least ``threshold``. No
    merge ever joins a pair whose evidence is below :data:`CONFLICT_WEIGHT`. ``evidence`` is
    NaN for a pair not scored.

    Examples
    --------
    >>> p = np.array([[0, .9, .9], [.9, 0, .0], [.9, .0, 0]])
    >>> e = np.zeros((3, 3))
    >>> _average_linkage(p, e, 0.5).tolist()
    [0, 0, 1]
    >>> _average_linkage(p, e, 0.3).tolist()
    [0, 0, 0]
    >>> e[1, 2] = e[2, 1] = -20.0
    >>> _average_linkage(p, e, 0.3).tolist()
    [0, 0, 1]

    Record 0 is certain to be record 1 and weakly like 2, 3 and 4, which are one person with 1
    (average 0.29 to their group): it joins, unless a pair has evidence against.

    >>> p = np.full((5, 5), 1.0); p[0, 1:] = p[1:, 0] = [.999, .05, .05, .05]
    >>> e = np.full((5, 5), 5.0)
    >>> _average_linkage(p, e, 0.3).tolist()
    [0, 0, 0, 0, 0]
    >>> e[0, 4] = e[4, 0] = -1.0
    >>> _average_linkage(p, e, 0.3).tolist()
    [0, 1, 1, 1, 1]
    """
    k = len(probability)
    sums = probability.copy()
    counts = np.ones(k)
    veto = evidence < CONFLICT_WEIGHT  # NaN compares False
    # The strongest link and the weakest evidence between groups, for the certain links.
    strongest = probability.copy()
    weakest = np.where(np.isnan(evidence), -np.inf, evidence)
    active = np.ones(k, dtype=bool)
    label = np.arange(k)

    def merge(a: int, b: int) -> None:
        sums[a] += sums[b]
        sums[:, a] = sums[a]
        counts[a] += counts[b]
        strongest[a] = np.maximum(strongest[a], strongest[b])
        strongest[:, a] = strongest[a]
        weakest[a] = np.minimum(weakest[a], weakest[b])
        weakest[:, a] = weakest[a]
        veto[a] |= veto[b]
        veto[:, a] = veto[a]
        active[b] = False
        label[label == b] = a

    while True:
        score = np.where(weakest >= 0.0, strongest, -1.0)
        score[~active[:, None] | ~active[None, :]] = -1.0
        np.fill_diagonal(score, -1.0)
        a, b = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[a, b] < CERTAIN:
            break
        merge(int(a), int(b))
    while True:
        average = sums / np.outer(counts, counts)
        average[veto | ~active[:, None] | ~active[None, :]] = -1.0
        np.fill_diagonal(average, -1.0)
        a, b = np.unravel_index(int(np.argmax(average)), average.shape)
        if average[a, b] < threshold:
            break
        merge(int(a), int(b))
    return np.asarray(np.unique(label, return_inverse=True)[1], dtype=np.int64)


def _components(
    n: int, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def cluster_probability(
    labels: npt.NDArray[np.int64], pairs: pd.DataFrame
) -> npt.NDArray[np.float64]:
    """Per record, the highest match probability to another record of its cluster (NaN alone)."""
    left = pairs["unique_id_l"].to_numpy()
    right = pairs["unique_id_r"].to_numpy()
    same = labels[left] == labels[right]
    p = pairs["match_probability"].to_numpy()[same]
    best = np.full(len(labels), np.nan)
    np.fmax.at(best, left[same], p)  # fmax ignores the NaN start value
    np.fmax.at(best, right[same], p)
    return best


def score_within(
    linker: Any, labels: npt.NDArray[np.int64], *, max_size: int = 400
) -> pd.DataFrame:
    """Score every pair inside each cluster of 3 to ``max_size`` records (blocking skipped some)."""
    sizes = np.bincount(labels)
    keep = (sizes[labels] >= 3) & (sizes[labels] <= max_size)
    if not keep.any():
        return pd.DataFrame(
            {
                "unique_id_l": np.array([], dtype=np.int64),
                "unique_id_r": np.array([], dtype=np.int64),
                "match_probability": np.array([], dtype=float),
                "evidence": np.array([], dtype=float),
            }
        )
    members = pd.DataFrame({"cluster_id": labels[keep], "unique_id": np.nonzero(keep)[0]})
    with quiet_splink(), engine_errors("scoring pairs inside clusters"):
        table = linker._db_api.register(members)
        scored = linker.inference._score_missing_cluster_edges(table).as_pandas_dataframe()
    return pd.DataFrame(
        {
            "unique_id_l": scored["unique_id_l"].to_numpy(dtype=np.int64),
            "unique_id_r": scored["unique_id_r"].to_numpy(dtype=np.int64),
            "match_probability": scored["match_probability"].to_numpy(dtype=float),
            "evidence": scored["match_weight"].to_numpy(dtype=float) - _prior_weight(linker),
        }
    )
