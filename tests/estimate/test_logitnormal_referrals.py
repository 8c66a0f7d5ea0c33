"""Referral pathways in the logit-normal model, against worlds with known referral shares."""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pandas as pd
from scipy.optimize import approx_fprime

from darkfigure.eligibility import ListsDescription
from darkfigure.estimate import estimate_population
from darkfigure.estimate._logitnormal import LogitNormal, _Data, _Likelihood
from darkfigure.stratified_histories import StratifiedHistories, stratify_histories

SCOPES = ListsDescription.from_mapping(
    {
        "lists": {
            "A": {"sees": "all", "refers_to": ["B"]},
            "B": {"sees": "all"},
            "C": {"sees": "all"},
            "P": {"sees": {"citizenship": ["PHL"]}, "refers_to": ["C"]},
        }
    }
)
BETA = {"A": -1.6, "B": -2.0, "C": -2.2, "P": -0.8}
SHARES = {("A", "B"): 0.3, ("P", "C"): 0.3}
TRUTH = 2_000


def _records(seed: int, shares: dict[tuple[str, str], float]) -> pd.DataFrame:
    """People of normal visibility (spread 1); A refers to B and P (Filipinos only) to C."""
    rng = np.random.default_rng(seed)
    citizenship = rng.choice(["PHL", "IDN"], TRUTH, p=[0.4, 0.6])
    z = rng.normal(0.0, 1.0, TRUTH)
    seen: dict[str, np.ndarray] = {}
    for name in ("A", "P", "B", "C"):  # sources before the lists they refer to
        p = 1 / (1 + np.exp(-(BETA[name] + z)))
        scope = citizenship == "PHL" if name == "P" else np.ones(TRUTH, dtype=bool)
        on = scope & (rng.random(TRUTH) < p)
        for (source, target), share in shares.items():
            if target == name:
                on |= scope & seen[source] & (rng.random(TRUTH) < share)
        seen[name] = on
    rows = [
        (name, f"p{i}", citizenship[i] if rng.random() > 0.3 else "")
        for name, on in seen.items()
        for i in np.flatnonzero(on)
    ]
    return pd.DataFrame(rows, columns=["list_name", "person_key", "citizenship"])


def _table(seed: int, shares: dict[tuple[str, str], float]) -> StratifiedHistories:
    return stratify_histories(_records(seed, shares), SCOPES, lists=("A", "B", "C", "P"))


def test_the_declared_pathways_reach_the_model() -> None:
    table = _table(1, SHARES)
    assert table.referrals == (("A", "B"), ("P", "C"))
    data = _Data.of(table)
    # Entries: (pair, target) where a declared source is on the pair's history.
    on_source = data.entry_sources.sum(axis=1)
    assert (on_source >= 1).all()
    assert set(data.entry_list) == {1, 2}  # B and C


def test_gradients_match_finite_differences_with_referrals() -> None:
    table = _table(2, SHARES)
    rng = np.random.default_rng(0)
    for sigma in (None, 0.7):
        model = _Likelihood(_Data.of(table), sigma, 1.0)
        assert model.n_pathways == 2
        theta = model.start() + rng.normal(0.0, 0.3, model.size)
        full = partial(model.full, total=2_500.0)
        for objective in (model.conditional, full):
            numeric = approx_fprime(theta, lambda t, f=objective: f(t)[0], 1e-6)
            assert np.allclose(objective(theta)[1], numeric, rtol=1e-4, atol=1e-3)


def test_referrals_modelled_cover_the_truth_where_ignoring_them_does_not() -> None:
    # Five worlds; 95 % intervals: 4 or more of 5 must cover (3 or fewer: 0.1 %).
    covered, errors, ignored_upper, shares = 0, [], [], []
    for seed in range(1, 6):
        table = _table(seed, SHARES)
        fit = LogitNormal().fit(table).estimate_
        assert fit.interval is not None
        covered += fit.interval.lower <= TRUTH <= fit.interval.upper
        errors.append(fit.estimate / TRUTH - 1)
        shares.append(list(fit.diagnostics["referral_shares"].values()))
        blind = LogitNormal().fit(dataclasses.replace(table, referrals=())).estimate_
        assert blind.interval is not None
        ignored_upper.append(blind.interval.upper)
    assert covered >= 4
    assert abs(float(np.median(errors))) < 0.15
    # The shares are recovered (truth 0.3 each) ...
    assert np.allclose(np.mean(shares, axis=0), [0.3, 0.3], atol=0.08)
    # ... and ignoring the referrals reads the extra overlap as few unseen: intervals too low.
    assert sum(upper < TRUTH for upper in ignored_upper) >= 4
    assert "2 referral pathways" in fit.model[0]


def test_a_declared_pathway_nobody_used_costs_little() -> None:
    table = _table(3, {})
    fit = LogitNormal().fit(table).estimate_
    plain = LogitNormal().fit(dataclasses.replace(table, referrals=())).estimate_
    assert max(fit.diagnostics["referral_shares"].values()) < 0.08
    assert abs(fit.estimate / plain.estimate - 1) < 0.10
    assert fit.interval is not None
    assert fit.interval.lower <= TRUTH <= fit.interval.upper


def test_methods_that_cannot_model_referrals_say_so() -> None:
    table = _table(4, SHARES)
    pooled = estimate_population(table, method="main")
    assert any("referral pathways" in w for w in pooled.warnings)


def test_a_pathway_no_one_could_take_is_left_out_with_a_warning() -> None:
    # P sees only Filipinos; a pathway from P to a list that sees only Indonesians is idle.
    scopes = ListsDescription.from_mapping(
        {
            "lists": {
                "A": {"sees": "all", "refers_to": ["B"]},
                "B": {"sees": "all"},
                "C": {"sees": {"citizenship": ["IDN"]}},
                "P": {"sees": {"citizenship": ["PHL"]}, "refers_to": ["C"]},
            }
        }
    )
    records = _records(5, SHARES)
    filipinos = set(records.loc[records["list_name"] == "P", "person_key"])
    records = records[~((records["list_name"] == "C") & records["person_key"].isin(filipinos))]
    table = stratify_histories(records, scopes, lists=("A", "B", "C", "P"))
    fit = LogitNormal().fit(table).estimate_
    assert list(fit.diagnostics["referral_shares"]) == ["A > B"]
    assert any("pathway P > C was left out" in w for w in fit.warnings)
