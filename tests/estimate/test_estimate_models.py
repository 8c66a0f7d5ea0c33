"""Log-linear machinery: terms, hierarchical catalogues, the Newton solver, existence checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate import ClosedPopulation, LogLinear, estimate_population
from darkfigure.estimate._design import (
    closure,
    design,
    enumerate_hierarchical,
    parse_terms,
    term_name,
)
from darkfigure.estimate._existence import lp_exists
from darkfigure.estimate._glm import fit_batch
from darkfigure.histories import CaptureHistories


def frame_table(rows: dict[str, list[int]]) -> CaptureHistories:
    return CaptureHistories.from_frame(pd.DataFrame(rows))


ARTIFICIAL = {"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0], "count": [40, 30, 20, 6]}


def test_terms_parse_name_and_close() -> None:
    lists = ("A", "B", "C")
    assert parse_terms(["B:A", "A:C"], lists) == (3, 5)
    assert term_name(7, lists) == "A:B:C"
    assert closure([7], 3) == (3, 5, 6, 7)
    with pytest.raises(SettingsError, match="unknown list 'D'"):
        parse_terms(["A:D"], lists)
    with pytest.raises(SettingsError, match="two or more different"):
        parse_terms(["A:A"], lists)


@pytest.mark.parametrize(
    ("k", "order", "count"),
    [(3, 2, 8), (3, 3, 9), (4, 3, 113), (5, 3, 6212), (5, 4, 6893), (6, 2, 32768)],
)
def test_hierarchical_catalogue_sizes(k: int, order: int, count: int) -> None:
    # 6,893 for five lists is Rcapture's closedpMS.t; 32,768 for six is MSE's pairwise catalogue
    candidates, models = enumerate_hierarchical(k, order, limit=10**6)
    assert models.shape == (count, len(candidates))
    assert len({m.tobytes() for m in models}) == count
    index = {t: j for j, t in enumerate(candidates)}
    for row in models[:: max(1, count // 200)]:
        chosen = [t for t, on in zip(candidates, row, strict=True) if on]
        assert set(closure(chosen, k)) == set(chosen)  # hierarchical
        assert all(index[t] >= 0 for t in chosen)


def test_catalogue_limit_refuses_with_advice() -> None:
    with pytest.raises(SettingsError, match="stepwise"):
        enumerate_hierarchical(7, 2, limit=40_000)


def test_two_lists_main_effects_is_lincoln_petersen() -> None:
    # n1 = 60, n2 = 50, m = 20: N = n1 n2 / m = 150 (the independence MLE in closed form)
    t = frame_table({"A": [1, 0, 1], "B": [0, 1, 1], "count": [40, 30, 20]})
    est = LogLinear().fit(t).estimate_
    assert est.estimate == pytest.approx(150.0, rel=1e-10)
    assert est.dark_figure == pytest.approx(60.0, rel=1e-10)


def test_batched_fits_equal_one_by_one() -> None:
    rng = np.random.default_rng(0)
    xmat = design(4, [0, 1, 2, 4, 8, 3, 12])
    y = rng.poisson(20.0, size=(5, 15)).astype(float)
    together = fit_batch(xmat, y, np.ones(7, dtype=bool))
    for i in range(5):
        alone = fit_batch(xmat, y[i : i + 1], np.ones(7, dtype=bool))
        np.testing.assert_allclose(alone.coef[0], together.coef[i], rtol=1e-9, atol=1e-9)
    # at the MLE the score is zero: observed margins equal fitted margins
    np.testing.assert_allclose(together.mu @ xmat, y @ xmat, rtol=1e-8)


def test_artificial_3_models_without_mle_are_refused_with_reasons() -> None:
    t = frame_table(ARTIFICIAL)
    with pytest.raises(NotEstimableError, match="no finite maximum-likelihood"):
        LogLinear(terms=("A:B",)).fit(t)
    with pytest.raises(NotEstimableError, match="not identifiable"):
        LogLinear(terms=("A:B", "A:C", "B:C")).fit(t)
    with pytest.raises(NotEstimableError, match="dark figure is not identifiable"):
        LogLinear(terms=("A:B:C",)).fit(t)
    # B:C has no one in common: its parameter is −∞ and the model is still estimable
    est = LogLinear(terms=("B:C",)).fit(t).estimate_
    assert est.diagnostics["minus_infinity"] == ["B:C"]
    assert est.diagnostics["coefficients"]["B:C"] is None
    assert any("−∞" in w for w in est.warnings)
    assert math.isfinite(est.estimate)


def test_bic_drops_non_estimable_candidates_and_lists_them() -> None:
    est = estimate_population(frame_table(ARTIFICIAL), method="bic")
    dropped = est.diagnostics["not_estimable"]
    assert dropped["count"] == 4  # of 8 models, as MultipleSystemsEstimation (ntop = 4)
    assert all(d["reason"] for d in dropped["examples"])
    assert len(est.diagnostics["candidates"]) == 4


def test_lp_exists_detects_boundary() -> None:
    xmat = design(2, [0, 1, 2, 3])[:, :3]  # main effects on cells 1, 2, 3
    assert lp_exists(xmat, np.array([5.0, 4.0, 3.0]))
    assert not lp_exists(xmat, np.array([5.0, 4.0, 0.0]))  # no overlap: no finite MLE


def test_bad_settings_are_settings_errors() -> None:
    t = frame_table(ARTIFICIAL)
    with pytest.raises(SettingsError, match="max-order"):
        LogLinear(selection="bic", max_order=3).fit(t)
    with pytest.raises(SettingsError, match="unknown method"):
        estimate_population(t, method="nope")
    with pytest.raises(SettingsError, match="needs --terms"):
        estimate_population(t, method="fixed")
    with pytest.raises(SettingsError, match="own interval"):
        estimate_population(t, method="threshold", bootstrap=10)
    with pytest.raises(SettingsError, match="at least 3 lists"):
        ClosedPopulation(model="chao").fit(
            frame_table({"A": [1, 0, 1], "B": [0, 1, 1], "count": [4, 3, 2]})
        )


def test_estimate_json_contract_keys() -> None:
    out = estimate_population(frame_table(ARTIFICIAL), method="main").to_dict()
    assert list(out)[:8] == [
        "lists",
        "observed",
        "method",
        "model",
        "estimate",
        "dark_figure",
        "interval",
        "warnings",
    ]
    assert out["interval"]["kind"] == "profile"
    assert out["model"] == ["A", "B", "C"]


def test_main_effects_recovers_a_known_population() -> None:
    """Simulated independent lists, true N = 5,000: the estimate is within 3 standard errors."""
    rng = np.random.default_rng(11)
    p = np.array([0.2, 0.15, 0.1, 0.25])
    caught = rng.random((5000, 4)) < p
    masks = caught.astype(np.int64) @ (1 << np.arange(4))
    cells = np.bincount(masks, minlength=16)
    t = CaptureHistories.from_cells(["A", "B", "C", "D"], cells)
    est = estimate_population(t, method="main")
    assert est.interval is not None
    half_width = (est.interval.upper - est.interval.lower) / 2
    assert abs(est.estimate - 5000) < 1.5 * half_width
    assert est.interval.lower < 5000 < est.interval.upper


def test_twelve_lists_fit_within_bounded_memory() -> None:
    """K = 12 (4,095 histories): independence and stepwise run; truth N = 20,000."""
    rng = np.random.default_rng(3)
    k = 12
    caught = rng.random((20_000, k)) < rng.uniform(0.05, 0.3, k)
    cells = np.bincount(caught.astype(np.int64) @ (1 << np.arange(k)), minlength=1 << k)
    t = CaptureHistories.from_cells([f"L{i}" for i in range(k)], cells)
    for method in ("main", "stepwise"):
        est = estimate_population(t, method=method)
        assert est.interval is not None
        assert est.interval.lower < 20_000 < est.interval.upper
