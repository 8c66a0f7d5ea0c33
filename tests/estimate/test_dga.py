"""dga graph averaging: R's numbers reproduced exactly on R's grid, and within 2 % on ours."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from _mse_reference import note, number, r_result, table

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._dga import GraphAveraging, decomposable_graphs
from darkfigure.histories import CaptureHistories

# R dga 2.0.2 bma.cr (delta = 2^-K, prior 1/N) ran on these tables (3-5 lists).
R_DGA = ("Artificial_3", "Ned_5", "NewOrl_5", "UKdat_5")


def _r_grid(row: dict[str, str]) -> np.ndarray:
    """The Nmissing grid R evaluated: "grid 1..END (POINTS pts)" in the notes."""
    match = re.fullmatch(r"1\.\.(\d+) \((\d+) pts\)", note(row, "grid"))
    assert match is not None
    end, points = int(match.group(1)), int(match.group(2))
    return np.linspace(1, end, points)


def test_counts_of_decomposable_graphs() -> None:
    # Labelled chordal graphs on 3, 4, 5 vertices (OEIS A058862): 8, 61, 822.
    assert [len(decomposable_graphs(k)) for k in (3, 4, 5)] == [8, 61, 822]
    # The 4-cycle is the smallest graph that is not decomposable.
    cycle = ((0, 1), (0, 2), (1, 3), (2, 3))
    assert cycle not in {edges for edges, _ in decomposable_graphs(4)}


@pytest.mark.parametrize("name", R_DGA)
def test_reproduces_r_on_rs_grid(name: str) -> None:
    r = r_result(name, "dga", "bma.cr posterior")
    fit = GraphAveraging(grid=_r_grid(r)).fit(table(name))
    estimate = fit.estimate_
    assert estimate.interval is not None
    # R's numbers are rounded to 4-5 digits; grid values are exact, so 0.1 % is plenty.
    assert estimate.estimate == pytest.approx(number(r, "estimate"), rel=1e-3)
    assert estimate.interval.lower == pytest.approx(number(r, "lower"), rel=1e-3)
    assert estimate.interval.upper == pytest.approx(number(r, "upper"), rel=1e-3)
    top = [float(p) for p in note(r, "top model post probs").split(",")]
    best = np.sort(fit.model_probabilities_)[::-1][:3]
    np.testing.assert_allclose(best, top, atol=6e-4)


@pytest.mark.parametrize("name", ["Ned_5", "NewOrl_5", "UKdat_5"])
def test_default_grid_within_two_percent_of_r(name: str) -> None:
    r = r_result(name, "dga", "bma.cr posterior")
    estimate = GraphAveraging().fit(table(name)).estimate_
    assert estimate.estimate == pytest.approx(number(r, "estimate"), rel=0.02)
    assert estimate.interval is not None
    assert estimate.interval.lower == pytest.approx(number(r, "lower"), rel=0.02)
    assert estimate.interval.upper == pytest.approx(number(r, "upper"), rel=0.02)


def test_integer_posterior_does_not_pile_on_the_first_grid_point() -> None:
    # On R's coarse grid (step ~197) the point Nmissing = 1 absorbs the density spike near 0 of
    # the saturated model, giving median 97; on integers the spike is one value among many.
    fit = GraphAveraging().fit(table("Artificial_3"))
    assert fit.estimate_.estimate > 200
    assert fit.posterior_.sum() == pytest.approx(1.0)
    assert fit.model_probabilities_.sum() == pytest.approx(1.0)


def test_independent_lists_favour_the_empty_graph() -> None:
    rng = np.random.default_rng(8)
    seen = rng.random((20_000, 4)) < np.array([0.3, 0.2, 0.25, 0.35])
    masks = seen.astype(np.int64) @ (1 << np.arange(4))
    table = CaptureHistories.from_cells(tuple("ABCD"), np.bincount(masks, minlength=16))
    fit = GraphAveraging().fit(table)
    best = int(np.argmax(fit.model_probabilities_))
    assert fit.graphs_[best] == "A, B, C, D"
    assert fit.estimate_.interval is not None
    assert fit.estimate_.interval.lower < 20_000 < fit.estimate_.interval.upper


def test_result_contract() -> None:
    fit = GraphAveraging(level=0.9).fit(table("NewOrl_5"))
    data = json.loads(json.dumps(fit.estimate_.to_dict()))
    assert data["method"] == "dga"
    assert data["model"] == ["average of 822 decomposable graphs"]
    assert data["interval"]["kind"] == "credible"
    assert data["interval"]["level"] == 0.9
    top = data["diagnostics"]["top_models"]
    assert top[0] == {"graph": "C:H, A, BEFG, D", "probability": pytest.approx(0.0717, abs=5e-4)}
    assert [m["probability"] for m in top] == sorted((m["probability"] for m in top), reverse=True)


def test_refuses_too_few_or_too_many_lists_and_bad_settings() -> None:
    with pytest.raises(NotEstimableError, match="3 to 5 lists"):
        GraphAveraging().fit(table("UKdat"))
    with pytest.raises(NotEstimableError, match="3 to 5 lists"):
        GraphAveraging().fit(CaptureHistories.from_cells(("A", "B"), [0, 10, 12, 3]))
    artificial = table("Artificial_3")
    with pytest.raises(SettingsError, match="delta"):
        GraphAveraging(delta=0.0).fit(artificial)
    with pytest.raises(SettingsError, match="grid"):
        GraphAveraging(grid=[-1, 5]).fit(artificial)
