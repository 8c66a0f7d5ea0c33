"""Logit-normal heterogeneity (Coull & Agresti 1999) in the lists' scopes, against known truth."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime

from darkfigure.eligibility import ListsDescription
from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate import estimate_population
from darkfigure.estimate._logitnormal import (
    LogitNormal,
    _Data,
    _Likelihood,
    visibility_sensitivity,
)
from darkfigure.histories import CaptureHistories
from darkfigure.stratified_histories import stratify_histories

SCOPES = ListsDescription.from_mapping(
    {
        "lists": {
            "A": {"sees": "all"},
            "B": {"sees": "all"},
            "C": {"sees": "all"},
            "P": {"sees": {"citizenship": ["PHL"]}},
        }
    }
)
BETA = {"A": -1.6, "B": -1.4, "C": -2.0, "P": -0.8}
TRUTH = 2_000


def _records(seed: int, sigma: float) -> pd.DataFrame:
    """People with normal visibility (spread sigma); the PHL consulate sees only Filipinos."""
    rng = np.random.default_rng(seed)
    citizenship = rng.choice(["PHL", "IDN"], TRUTH, p=[0.4, 0.6])
    z = rng.normal(0.0, 1.0, TRUTH)
    rows = []
    for name, beta in BETA.items():
        p = 1 / (1 + np.exp(-(beta + sigma * z)))
        scope = citizenship == "PHL" if name == "P" else np.ones(TRUTH, dtype=bool)
        for i in np.flatnonzero(scope & (rng.random(TRUTH) < p)):
            rows.append((name, f"p{i}", citizenship[i] if rng.random() > 0.3 else ""))
    return pd.DataFrame(rows, columns=["list_name", "person_key", "citizenship"])


def test_gradients_match_finite_differences() -> None:
    table = stratify_histories(_records(1, 1.0), SCOPES)
    rng = np.random.default_rng(0)
    for sigma in (None, 0.7):
        model = _Likelihood(_Data.of(table), sigma, 1.0)
        theta = model.start() + rng.normal(0.0, 0.3, model.size)
        full = partial(model.full, total=2_500.0)
        for objective in (model.conditional, full):
            numeric = approx_fprime(theta, lambda t, f=objective: f(t)[0], 1e-6)
            assert np.allclose(objective(theta)[1], numeric, rtol=1e-4, atol=1e-3)


def test_covers_the_truth_when_people_differ_in_visibility() -> None:
    # Six worlds with sigma = 1; 95 % intervals: 4 or more of 6 must cover (3 or fewer: 0.2 %).
    covered, errors, independence = 0, [], []
    for seed in range(1, 7):
        table = stratify_histories(_records(seed, 1.0), SCOPES)
        fit = LogitNormal().fit(table).estimate_
        assert fit.interval is not None
        covered += fit.interval.lower <= TRUTH <= fit.interval.upper
        errors.append(fit.estimate / TRUTH - 1)
        independence.append(LogitNormal(sigma=0.0).fit(table).estimate_.estimate / TRUTH - 1)
        assert 0.5 < fit.diagnostics["sigma"] < 1.6
    assert covered >= 4
    assert abs(float(np.median(errors))) < 0.10
    # Assuming everyone equally visible misses the least visible: well below the truth.
    assert float(np.median(independence)) < -0.15


def test_sensitivity_rises_with_the_assumed_spread() -> None:
    table = stratify_histories(_records(7, 1.0), SCOPES)
    rows = visibility_sensitivity(table, (0.0, 1.0, 2.0))
    totals = [r.estimate for r in rows]
    assert totals == sorted(totals)
    assert totals[0] < TRUTH < totals[-1]
    assert [r.diagnostics["sigma"] for r in rows] == [0.0, 1.0, 2.0]
    assert "sigma=1.0" in rows[1].model[0]


def test_sigma_zero_on_a_plain_table_is_independence() -> None:
    rng = np.random.default_rng(3)
    seen = rng.random((3_000, 3)) < [0.2, 0.3, 0.25]
    masks = seen.astype(np.int64) @ (1 << np.arange(3))
    table = CaptureHistories.from_cells(("A", "B", "C"), np.bincount(masks, minlength=8))
    ours = LogitNormal(sigma=0.0).fit(table).estimate_
    main = estimate_population(table, method="main")
    assert ours.estimate == pytest.approx(main.estimate, rel=1e-3)
    assert ours.interval is not None
    assert main.interval is not None
    assert ours.interval.lower == pytest.approx(main.interval.lower, rel=2e-3)
    assert ours.interval.upper == pytest.approx(main.interval.upper, rel=2e-3)


def test_an_unbounded_profile_is_reported_open() -> None:
    # Two people on every list and very few overlaps: the data cannot bound N from above.
    table = CaptureHistories.from_cells(("A", "B", "C"), [0, 60, 55, 1, 50, 0, 1, 0])
    fit = LogitNormal().fit(table).estimate_
    assert fit.interval is not None
    assert math.isinf(fit.interval.upper)
    assert any("cannot bound the estimate from above" in w for w in fit.warnings)


def test_refusals() -> None:
    two = CaptureHistories.from_cells(("A", "B"), [0, 10, 10, 5])
    with pytest.raises(NotEstimableError, match="at least 3 lists"):
        LogitNormal().fit(two)
    three = CaptureHistories.from_cells(("A", "B", "C"), [0, 10, 10, 5, 10, 3, 2, 1])
    with pytest.raises(SettingsError, match="sigma must be"):
        LogitNormal(sigma=-1.0).fit(three)
