"""Cheap paths agree with exact ones: rank check vs the LP, grouped solves vs single fits."""

from __future__ import annotations

import numpy as np

from darkfigure.estimate._design import design, enumerate_hierarchical
from darkfigure.estimate._existence import lp_exists, mle_exists


def test_rank_check_agrees_with_linear_programme_on_sparse_tables() -> None:
    rng = np.random.default_rng(7)
    k = 4
    _, chosen = enumerate_hierarchical(k, 2, limit=10_000)
    pairs = [(1 << i) | (1 << j) for i in range(k) for j in range(i + 1, k)]
    terms = (0, *(1 << i for i in range(k)), *pairs)
    xmat = design(k, terms)
    outcomes = {True: 0, False: 0}
    for _ in range(150):
        cols = np.concatenate([np.ones(k + 1, dtype=bool), chosen[rng.integers(len(chosen))]])
        # sparse tables: most histories empty, so many sit on the boundary
        y = rng.poisson(rng.uniform(0.05, 1.5), size=xmat.shape[0]).astype(np.float64)
        x = xmat[:, cols]
        if np.linalg.matrix_rank(x) < x.shape[1] or y.sum() == 0:
            continue
        expected = lp_exists(x, y)
        assert mle_exists(x, y) == expected
        outcomes[expected] += 1
    assert min(outcomes.values()) >= 10  # both answers were exercised


def test_batched_fits_solved_model_by_model_match_single_fits() -> None:
    """Rows sharing a model are solved together on its columns: same MLE as alone."""
    from darkfigure.estimate._glm import fit_batch

    rng = np.random.default_rng(3)
    k = 4
    pairs = [(1 << i) | (1 << j) for i in range(k) for j in range(i + 1, k)]
    xmat = design(k, (0, *(1 << i for i in range(k)), *pairs))
    models = np.ones((3, xmat.shape[1]), dtype=bool)
    models[0, k + 1 :] = False  # main effects
    models[1, k + 2 :] = False  # one interaction
    cols = models[rng.integers(3, size=60)]
    y = rng.poisson(20.0, size=(60, xmat.shape[0])).astype(np.float64) + 1.0
    together = fit_batch(xmat, y, cols)
    for i in range(0, 60, 7):
        alone = fit_batch(xmat, y[i : i + 1], cols[i])
        np.testing.assert_allclose(together.coef[i], alone.coef[0], rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(together.loglik[i], alone.loglik[0], rtol=1e-12)
