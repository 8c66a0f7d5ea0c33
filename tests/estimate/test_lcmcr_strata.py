"""Latent classes within the lists' scopes (lcmcr-strata), against simulations with known truth.

The worlds here are what the model assumes: lists that catch independently with constant rates
inside their scopes, some lists seeing only one nationality or visa. A method that ignores the
scopes reads a consulate's empty cells as people it failed to catch; lcmcr-strata must not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darkfigure.eligibility import ListsDescription
from darkfigure.errors import NotEstimableError
from darkfigure.estimate import estimate_population
from darkfigure.estimate._lcmcr import LatentClass
from darkfigure.estimate._lcmcr_strata import StratifiedLatentClass
from darkfigure.stratified_histories import StratifiedHistories, stratify_histories

SCOPES = ListsDescription.from_mapping(
    {
        "lists": {
            "A": {"sees": "all"},
            "B": {"sees": "all"},
            "C": {"sees": "all"},
            "P": {"sees": {"citizenship": ["PHL"]}},
            "L": {"sees": {"entry_permit": ["fdh"]}},
        }
    }
)
RATES = {"A": 0.15, "B": 0.20, "C": 0.10, "P": 0.45, "L": 0.40}
TRUTH = 1_500
MCMC = {"burn_in": 1_500, "draws": 400, "thin": 5, "chains": 2, "jobs": 1}


def _world(seed: int, missing: float = 0.0) -> StratifiedHistories:
    """Independent lists with constant rates inside their scopes; a share of the all-seeing
    lists' records leave citizenship and visa empty."""
    rng = np.random.default_rng(seed)
    citizenship = rng.choice(["PHL", "IDN", "CHN"], TRUTH, p=[0.35, 0.25, 0.40])
    permit = np.where(
        citizenship == "CHN", "visitor", rng.choice(["fdh", "visitor"], TRUTH, p=[0.8, 0.2])
    )
    rows = []
    for name, rate in RATES.items():
        scope = np.ones(TRUTH, dtype=bool)
        if name == "P":
            scope = citizenship == "PHL"
        if name == "L":
            scope = permit == "fdh"
        for i in np.flatnonzero(scope & (rng.random(TRUTH) < rate)):
            blank = name in "ABC" and rng.random() < missing
            rows.append(
                (name, f"p{i}", "" if blank else citizenship[i], "" if blank else permit[i])
            )
    records = pd.DataFrame(rows, columns=["list_name", "person_key", "citizenship", "entry_permit"])
    return stratify_histories(records, SCOPES)


def test_scopes_are_structural_zeros_not_low_capture() -> None:
    # Eight worlds, 40 % of the all-seeing lists' records without citizenship or visa. With 95 %
    # intervals, 6 or more of 8 must cover (5 or fewer has probability 0.6 %).
    covered, errors, pooled_covered, pooled_errors = 0, [], 0, []
    for seed in range(1, 9):
        table = _world(seed, missing=0.4)
        fit = StratifiedLatentClass(seed=seed, **MCMC).fit(table).estimate_
        assert fit.interval is not None
        covered += fit.interval.lower <= TRUTH <= fit.interval.upper
        errors.append(fit.estimate / TRUTH - 1)
        # Ignoring the scopes, independence reads the consulate's and Labour's zeros outside
        # their scopes as misses, and says so in its warnings.
        pooled = estimate_population(table, method="main")
        assert pooled.interval is not None
        pooled_covered += pooled.interval.lower <= TRUTH <= pooled.interval.upper
        pooled_errors.append(pooled.estimate / TRUTH - 1)
        assert any("ignores whom each list can see" in w for w in pooled.warnings)
    assert covered >= 6
    assert abs(float(np.mean(errors))) < 0.05
    assert float(np.mean(pooled_errors)) < -0.04
    assert pooled_covered < covered


def test_strata_sizes_add_up_and_match_their_truth() -> None:
    table = _world(4)
    fit = StratifiedLatentClass(seed=4, **MCMC).fit(table)
    assert (fit.strata_draws_.sum(axis=2) == fit.draws_).all()
    strata = {s["stratum"]: s for s in fit.estimate_.diagnostics["strata"]}
    # Levels: PHL and other (IDN and CHN); Labour sees fdh. Expected sizes: PHL 35 % of 1,500,
    # 80 % of them fdh; "other" fdh are the Indonesians on fdh visas (25 % x 80 %).
    expected = {
        "citizenship=PHL, entry_permit=fdh": 0.35 * 0.8,
        "citizenship=PHL, entry_permit=other": 0.35 * 0.2,
        "citizenship=other, entry_permit=fdh": 0.25 * 0.8,
        "citizenship=other, entry_permit=other": 0.40 + 0.25 * 0.2,
    }
    for label, share in expected.items():
        s = strata[label]
        slack = 0.1 * share * TRUTH  # the world's own sampling spread is part of the miss
        assert s["lower"] - slack <= share * TRUTH <= s["upper"] + slack, label


def test_one_stratum_is_plain_lcmcr() -> None:
    scopes = ListsDescription.from_mapping({"lists": {n: {"sees": "all"} for n in "ABC"}})
    rng = np.random.default_rng(5)
    seen = rng.random((800, 3)) < [0.3, 0.25, 0.2]
    rows = [(n, f"p{i}") for i in range(800) for j, n in enumerate("ABC") if seen[i, j]]
    table = stratify_histories(pd.DataFrame(rows, columns=["list_name", "person_key"]), scopes)
    long = {"burn_in": 2_000, "draws": 1_000, "thin": 5, "chains": 2, "jobs": 1}
    ours = StratifiedLatentClass(seed=1, **long).fit(table).estimate_
    plain = LatentClass(seed=2, **long).fit(table.pooled()).estimate_
    assert ours.estimate == pytest.approx(plain.estimate, rel=0.04)


def test_same_seed_same_draws_whatever_the_threads() -> None:
    table = _world(6)
    settings = {**MCMC, "burn_in": 200, "draws": 50}
    one = StratifiedLatentClass(seed=9, **{**settings, "jobs": 1}).fit(table)
    two = StratifiedLatentClass(seed=9, **{**settings, "jobs": 2}).fit(table)
    assert (one.draws_ == two.draws_).all()
    assert (one.strata_draws_ == two.strata_draws_).all()


def test_a_stratum_seen_by_fewer_than_three_lists_is_refused() -> None:
    scopes = ListsDescription.from_mapping(
        {"lists": {"A": {"sees": "all"}, "B": {"sees": {"sex": ["F"]}}, "C": {"sees": "all"}}}
    )
    records = pd.DataFrame(
        [("A", "x", "M"), ("C", "x", "M"), ("B", "y", "F"), ("A", "y", "F")],
        columns=["list_name", "person_key", "sex"],
    )
    with pytest.raises(NotEstimableError, match="fewer than 3 lists can see the stratum sex=other"):
        StratifiedLatentClass(seed=1, **MCMC).fit(stratify_histories(records, scopes))


def test_plain_tables_are_refused_with_what_to_give() -> None:
    table = _world(7).pooled()
    from darkfigure.errors import SettingsError

    with pytest.raises(SettingsError, match=r"--lists lists\.yaml"):
        estimate_population(table, method="lcmcr-strata")
