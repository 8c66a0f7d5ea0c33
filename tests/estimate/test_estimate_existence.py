"""The cheap exact existence check agrees with the Fienberg–Rinaldo linear programme."""

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
