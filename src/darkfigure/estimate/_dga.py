"""Bayesian averaging over decomposable graphical models (``--method dga``; Madigan & York 1997).

Each decomposable (chordal) graph on the ``K`` lists is a log-linear model whose interactions
are its cliques. With a hyper-Dirichlet prior -- ``delta`` prior people in every cell of the full
``2^K`` table, hence ``delta * 2^(K - |C|)`` in every cell of the margin of a set ``C`` of lists --
the marginal likelihood of the completed table factorises over a perfect elimination ordering:

    log p(table | G) = sum_v [ f(family(v)) - f(parents(v)) ],
    f(C) = lgamma(A) - lgamma(N + A) + sum_cells [lgamma(n_c + a_C) - lgamma(a_C)],

where ``A = delta * 2^K``, ``a_C = delta * 2^(K - |C|)`` and ``n_c`` are the counts of the
margin on ``C`` with the unobserved count ``Nmissing`` added to its all-zero cell
(``f(empty) = 0``). This is the clique-minus-separator formula of the R package dga, written so
that disconnected graphs need no special case. Multiplying by the multinomial coefficient
``N! / (Nmissing! prod n_h!)`` and the prior ``p(N) ∝ 1/N`` gives the joint posterior of
(graph, ``Nmissing``); summing over ``Nmissing`` gives the posterior model probabilities, summing
over graphs the posterior of ``N``. Graphs have equal prior weight.

The posterior of ``Nmissing`` is computed on every integer from 0 to 2,000 and then on a
geometric grid (relative step about 0.2 %) up to ``10^4`` times the observed count, each grid
point carrying the integers it stands for. dga instead evaluates a user-given grid and treats
every point as one value; on a coarse grid the first point then absorbs the spike of density
near ``Nmissing = 0`` that the small ``delta`` gives saturated models, which is why R reports a
median of 97 on the 3-list ``Artificial_3`` table where the integer posterior's median is about
320. Passing R's grid as ``grid=`` reproduces R's numbers exactly (see the tests).

References
----------
Madigan, D. & York, J. C. (1997). Bayesian methods for estimation of the size of a closed
population. *Biometrika* 84(1), 19-31.
Johndrow, J., Lum, K. & Ball, P. (2015). dga: capture-recapture estimation using Bayesian model
averaging. R package.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, logsumexp

from darkfigure.errors import NotEstimableError, SettingsError
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.histories import CaptureHistories

__all__ = ["GraphAveraging", "decomposable_graphs"]

FloatArray = npt.NDArray[np.float64]

#: Every integer value of ``Nmissing`` up to this one is a grid point of its own.
EXACT_UP_TO = 2_000
#: Geometric grid points from there to the grid's end.
GEOMETRIC_POINTS = 5_000
#: The grid ends at this multiple of the observed count.
END_FACTOR = 10_000
#: Grid columns evaluated at once (bounds memory to ~models x CHUNK floats).
CHUNK = 4_096

Graph = tuple[tuple[int, int], ...]  # edges (i < j)


def _families(k: int, edges: Graph) -> list[tuple[int, int]] | None:
    """(family, parents) bitmasks along a maximum cardinality search, or ``None`` if not chordal.

    A graph is chordal exactly when, in a maximum cardinality search order, the earlier
    neighbours of every vertex are pairwise adjacent (Tarjan & Yannakakis 1984).
    """
    adjacent = [0] * k
    for i, j in edges:
        adjacent[i] |= 1 << j
        adjacent[j] |= 1 << i
    numbered = 0
    families: list[tuple[int, int]] = []
    for _ in range(k):
        v = max(
            (u for u in range(k) if not numbered >> u & 1),
            key=lambda u: (bin(adjacent[u] & numbered).count("1"), -u),
        )
        parents = adjacent[v] & numbered
        members = [u for u in range(k) if parents >> u & 1]
        if any(not adjacent[a] >> b & 1 for a, b in itertools.combinations(members, 2)):
            return None
        families.append((parents | 1 << v, parents))
        numbered |= 1 << v
    return families


@cache
def decomposable_graphs(k: int) -> tuple[tuple[Graph, tuple[tuple[int, int], ...]], ...]:
    """Every decomposable graph on ``k`` labelled vertices, with its elimination families.

    Returns
    -------
    tuple
        ``(edges, families)`` pairs, edges as ``(i, j)`` with ``i < j``, families as
        ``(family mask, parents mask)`` bitmask pairs.

    Examples
    --------
    >>> [len(decomposable_graphs(k)) for k in (3, 4, 5)]    # of 8, 64 and 1,024 graphs
    [8, 61, 822]
    """
    pairs = list(itertools.combinations(range(k), 2))
    found = []
    for chosen in range(1 << len(pairs)):
        edges = tuple(p for i, p in enumerate(pairs) if chosen >> i & 1)
        families = _families(k, edges)
        if families is not None:
            found.append((edges, tuple(families)))
    return tuple(found)


def _maximal_cliques(k: int, edges: Graph) -> list[int]:
    """Maximal cliques (bitmasks) of a chordal graph: the families not inside another one."""
    families = {f for f, _ in _families(k, edges) or []}
    return sorted(
        (f for f in families if not any(f != g and f & g == f for g in families)),
        key=lambda f: (-bin(f).count("1"), f),
    )


def _graph_label(lists: tuple[str, ...], k: int, edges: Graph) -> str:
    """A graph as its cliques, e.g. ``"A:B, B:C, D"`` (the interactions of the model)."""
    return ", ".join(
        ":".join(lists[j] for j in range(k) if clique >> j & 1)
        for clique in _maximal_cliques(k, edges)
    )


def _default_grid(observed: int) -> tuple[FloatArray, FloatArray]:
    """Grid points for ``Nmissing`` and how many integers each stands for."""
    end = max(END_FACTOR * observed, 10 * EXACT_UP_TO)
    exact = np.arange(EXACT_UP_TO + 1, dtype=np.float64)
    edges = np.geomspace(EXACT_UP_TO + 0.5, end + 0.5, GEOMETRIC_POINTS + 1)
    widths = np.diff(np.floor(edges))
    middles = np.floor(edges[:-1]) + widths / 2.0 + 0.5
    keep = widths > 0
    points = np.concatenate([exact, middles[keep]])
    return points, np.concatenate([np.ones_like(exact), widths[keep]])


def _subset_terms(cells: FloatArray, k: int, missing: FloatArray, delta: float) -> FloatArray:
    """``f(C)`` for every subset ``C`` of lists (rows, by bitmask) at every grid value."""
    masks = np.arange(1 << k)
    total = delta * (1 << k)
    n = cells.sum()
    lead = gammaln(total) - gammaln(n + missing + total)
    terms = np.zeros((1 << k, missing.size))
    for subset in range(1, 1 << k):
        margin = np.bincount(masks & subset, weights=cells, minlength=1 << k)
        margin = margin[(masks & ~subset) == 0]  # the 2^|C| cells of this margin; [0] is all-zero
        prior = delta * (1 << (k - bin(subset).count("1")))
        observed = float(np.sum(gammaln(margin[1:] + prior) - gammaln(prior)))
        terms[subset] = lead + observed + gammaln(margin[0] + missing + prior) - gammaln(prior)
    return terms


class GraphAveraging:
    """Bayesian model averaging over decomposable graphical models (Madigan & York; R's dga).

    Parameters
    ----------
    delta : float or None, default None
        Hyper-Dirichlet prior count per cell of the full table; ``None`` means ``2^-K`` (one
        prior person spread over the table), the value HRDAG uses with dga.
    grid : array-like of int or None, default None
        Values of ``Nmissing`` to evaluate, each weighted as one value (dga's convention).
        ``None`` uses every integer to 2,000 and a fine geometric grid beyond (see the module
        notes); give R's grid to reproduce R's numbers.
    level : float, default 0.95
        Level of the equal-tailed credible interval.

    Attributes
    ----------
    graphs_ : tuple of str
        Every decomposable graph, as its cliques.
    model_probabilities_ : numpy.ndarray
        Posterior probability of each graph (same order as ``graphs_``).
    grid_ : numpy.ndarray
        Values of the total population ``N`` evaluated.
    posterior_ : numpy.ndarray
        Posterior probability of each ``grid_`` value (grid weights included).
    estimate_ : Estimate
        Posterior median, credible interval and the top graphs in ``diagnostics["top_models"]``.

    Raises
    ------
    SettingsError
        ``delta`` not positive, ``level`` outside (0, 1), or a grid with negative values.
    NotEstimableError
        Fewer than 3 or more than 5 lists.

    Notes
    -----
    Assumes a closed population whose list dependence is captured by a decomposable log-linear
    model; heterogeneity shows up only as such dependence. The posterior of ``N`` is averaged
    over graphs, so an interval reflects model uncertainty, not one chosen model.

    Examples
    --------
    >>> cells = [0, 30, 25, 8, 20, 6, 5, 3]     # bitmask-indexed counts of 3 lists
    >>> fit = GraphAveraging().fit(CaptureHistories.from_cells(("A", "B", "C"), cells))
    >>> len(fit.graphs_), round(float(fit.model_probabilities_.sum()), 6)
    (8, 1.0)
    >>> fit.estimate_.method, fit.estimate_.interval.kind
    ('dga', 'credible')
    """

    def __init__(
        self,
        *,
        delta: float | None = None,
        grid: npt.ArrayLike | None = None,
        level: float = 0.95,
    ) -> None:
        self.delta = delta
        self.grid = grid
        self.level = level

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        return {"delta": self.delta, "grid": self.grid, "level": self.level}

    def _grid(self, observed: int) -> tuple[FloatArray, FloatArray]:
        if self.grid is None:
            return _default_grid(observed)
        points = np.asarray(self.grid, dtype=np.float64).ravel()
        if points.size == 0 or not np.all(np.isfinite(points)) or points.min() < 0:
            raise SettingsError("dga: grid must be non-empty numbers of missing people >= 0")
        return points, np.ones_like(points)

    def fit(self, table: CaptureHistories) -> Self:
        """Average over every decomposable graph; sets the fitted attributes and ``estimate_``."""
        k = table.n_lists
        if not 3 <= k <= 5:
            raise NotEstimableError(
                f"dga averages over every decomposable graph on the lists and supports 3 to 5 "
                f"lists (got {k}), as R's dga does: the number of graphs grows too fast beyond "
                "5 (18,154 for 6 lists); merge small lists (CaptureHistories.merge_lists) or use "
                "--method lcmcr"
            )
        delta = 2.0**-k if self.delta is None else self.delta
        if isinstance(delta, bool) or not isinstance(delta, int | float) or not delta > 0:
            raise SettingsError(f"dga: delta must be a number > 0 (got {delta!r})")
        if (
            isinstance(self.level, bool)
            or not isinstance(self.level, float)
            or not 0 < self.level < 1
        ):
            raise SettingsError(f"dga: level must be a number in (0, 1) (got {self.level!r})")
        if table.observed == 0:
            raise NotEstimableError("dga: the table has no observed people")
        missing, widths = self._grid(table.observed)
        cells = table.cell_counts().astype(np.float64)
        n = float(cells.sum())
        graphs = decomposable_graphs(k)
        signs = np.zeros((len(graphs), 1 << k))
        for g, (_, families) in enumerate(graphs):
            for family, parents in families:
                signs[g, family] += 1.0
                signs[g, parents] -= 1.0
        signs[:, 0] = 0.0  # f(empty set) = 0
        # Terms that do not depend on the graph: multinomial coefficient, 1/N prior, grid widths.
        common = (
            gammaln(n + missing + 1.0)
            - gammaln(missing + 1.0)
            - np.sum(gammaln(cells[1:] + 1.0))
            - np.log(n + missing)
            + np.log(widths)
        )
        log_by_model = np.empty((len(graphs), 0))
        log_by_n = np.empty(0)
        for start in range(0, missing.size, CHUNK):
            part = slice(start, start + CHUNK)
            joint = signs @ _subset_terms(cells, k, missing[part], delta) + common[part]
            top = joint.max()
            weights = np.exp(joint - top)  # one exp serves both margins
            with np.errstate(divide="ignore"):  # log 0 = -inf: a margin that underflowed
                log_by_n = np.append(log_by_n, np.log(weights.sum(axis=0)) + top)
                log_by_model = np.column_stack([log_by_model, np.log(weights.sum(axis=1)) + top])
        log_total = logsumexp(log_by_n)
        self.model_probabilities_ = np.exp(logsumexp(log_by_model, axis=1) - log_total)
        self.posterior_ = np.exp(log_by_n - log_total)
        self.grid_ = n + missing
        self.graphs_ = tuple(_graph_label(table.lists, k, edges) for edges, _ in graphs)
        self.estimate_ = self._estimate(table, delta, len(graphs))
        return self

    def _quantile(self, level: float) -> float:
        """dga's rule: the first grid value whose cumulative probability exceeds ``level``."""
        cumulative = np.cumsum(self.posterior_)
        return float(
            self.grid_[
                min(int(np.searchsorted(cumulative, level, side="right")), self.grid_.size - 1)
            ]
        )

    def _estimate(self, table: CaptureHistories, delta: float, n_graphs: int) -> Estimate:
        tail = (1.0 - self.level) / 2.0
        median = self._quantile(0.5)
        order = np.argsort(-self.model_probabilities_, kind="stable")[:10]
        top = [
            {"graph": self.graphs_[g], "probability": float(self.model_probabilities_[g])}
            for g in order
        ]
        found: list[str] = []
        # Mass in the last tenth (log scale) of the grid: the interval depends on where it ends.
        end_mass = float(self.posterior_[self.grid_ > self.grid_[-1] ** 0.9].sum())
        if end_mass > 0.01:
            found.append(
                f"dga: {end_mass:.1%} of the posterior lies near the end of the grid "
                f"(N up to {self.grid_[-1]:,.0f}); the upper interval end is unreliable"
            )
        return Estimate(
            lists=table.lists,
            observed=table.observed,
            method="dga",
            model=(f"average of {n_graphs} decomposable graphs",),
            estimate=median,
            dark_figure=median - table.observed,
            interval=Interval(
                level=self.level,
                lower=self._quantile(tail),
                upper=self._quantile(1.0 - tail),
                kind="credible",
            ),
            warnings=tuple(found),
            diagnostics={
                "posterior_mean": float(np.dot(self.grid_, self.posterior_)),
                "delta": float(delta),
                "prior_n": "1/N",
                "graphs": n_graphs,
                "grid_points": int(self.grid_.size),
                "grid_end": float(self.grid_[-1]),
                "top_models": top,
                "effective_models": float(
                    math.exp(
                        -np.sum(
                            self.model_probabilities_
                            * np.log(np.clip(self.model_probabilities_, 1e-300, None))
                        )
                    )
                ),
            },
        )
