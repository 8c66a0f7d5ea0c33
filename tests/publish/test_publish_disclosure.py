"""Disclosure control against an attacker who solves the published equations.

The attacker here is written from the *published* tables only (rows, columns, totals as a
reader sees them), independently of the module's own audit: for every hidden count it solves
integer programs for its smallest and largest value consistent with everything published.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from darkfigure.errors import DisclosureWarning, SettingsError
from darkfigure.histories import CaptureHistories
from darkfigure.publish import (
    DisclosurePolicy,
    PublishedOverlap,
    PublishedTable,
    protect_counts,
    protect_crosstab,
    protect_histories,
)
from darkfigure.publish._disclosure import discrete_laplace

K = 10


def _bounds(
    published: list[int | None], equations: list[tuple[int, list[int]]], floor: int
) -> dict[int, tuple[float, float]]:
    """Integer min/max of every hidden quantity given published values and equations."""
    n = len(published)
    a = np.zeros((len(equations), n))
    for row, (total, parts) in enumerate(equations):
        a[row, total] += 1
        for p in parts:
            a[row, p] -= 1
    # A finite cap rather than +inf: HiGHS may call an unbounded integer programme
    # "infeasible or unbounded"; a maximum at the cap means "no upper bound".
    cap = 1e12
    lb = [floor if v is None else v for v in published]
    ub = [cap if v is None else v for v in published]
    out = {}
    for i, v in enumerate(published):
        if v is not None:
            continue
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[i] = sign
            res = milp(
                c,
                constraints=LinearConstraint(a, 0, 0),
                integrality=np.ones(n),
                bounds=Bounds(lb, ub),
            )
            assert res.status == 0, res.message
            end = sign * res.fun
            ends.append(np.inf if end >= cap else end)
        out[i] = (ends[0], ends[1])
    return out


def _attack_table(
    t: PublishedTable, *, floor: int = 1
) -> tuple[list[int], dict[int, tuple[float, float]]]:
    """Variables: cells (row-major), row totals, column totals, grand total."""
    r, c = len(t.rows), len(t.columns)
    published: list[int | None] = [v for row in t.cells for v in row]
    cell = np.arange(r * c).reshape(r, c)
    eq: list[tuple[int, list[int]]] = []
    if c == 1:
        published.append(t.total)
        eq.append((r, list(range(r))))
    else:
        published += [*t.row_totals, *t.column_totals, t.total]
        rt, ct, g = r * c, r * c + r, r * c + r + c
        eq += [(rt + i, cell[i].tolist()) for i in range(r)]
        eq += [(ct + j, cell[:, j].tolist()) for j in range(c)]
        eq += [(g, list(range(rt, rt + r))), (g, list(range(ct, ct + c)))]
    return [i for i, v in enumerate(published) if v is None], _bounds(published, eq, floor)


def _true_values(counts: np.ndarray) -> list[int]:
    if counts.ndim == 1:
        return [*counts.tolist(), int(counts.sum())]
    return [
        *counts.ravel().tolist(),
        *counts.sum(1).tolist(),
        *counts.sum(0).tolist(),
        int(counts.sum()),
    ]


def _assert_protected(true: list[int], bounds: dict[int, tuple[float, float]], k: int = K) -> None:
    for i, (lo, hi) in bounds.items():
        if 0 < true[i] < k:  # a small count: the attacker must not pin it down
            assert hi >= k, f"quantity {i} ({true[i]}) provably below k: [{lo}, {hi}]"
            assert hi - lo >= k, f"quantity {i} ({true[i]}) interval too narrow: [{lo}, {hi}]"
        assert lo <= true[i] <= hi  # the attacker's bounds are valid (sanity of the attack)


def _no_small(values: list[int], k: int = K) -> None:
    assert all(v == 0 or v >= k for v in values), values


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore", DisclosureWarning)


def test_single_small_cell_gets_a_complement_and_warns() -> None:
    with pytest.warns(DisclosureWarning, match="below k = 10"):
        t = protect_counts(
            "x", {"a": 3, "b": 40, "c": 57}, policy=DisclosurePolicy(k=K), total_is_public=True
        )
    assert t.column() == {"a": None, "b": None, "c": 57}
    assert t.total == 100
    _, bounds = _attack_table(t)
    _assert_protected([3, 40, 57, 100], bounds)


def test_two_small_cells_whose_sum_is_small_need_a_third() -> None:
    counts = {"a": 3, "b": 4, "c": 50, "d": 80}
    t = protect_counts("x", counts, policy=DisclosurePolicy(k=K), total_is_public=True)
    hidden = [label for label, v in t.column().items() if v is None]
    assert set(hidden) >= {"a", "b"}
    assert len(hidden) >= 3
    _, bounds = _attack_table(t)
    _assert_protected([*counts.values(), 137], bounds)


def test_brute_force_differencing_on_a_tiny_table() -> None:
    """Enumerate every table consistent with what is published: the small cell is not pinned."""
    counts = {"a": 2, "b": 12, "c": 30}
    t = protect_counts("x", counts, policy=DisclosurePolicy(k=K), total_is_public=True)
    shown = t.column()
    assert t.total is not None
    consistent = [
        combo
        for combo in itertools.product(range(1, t.total + 1), repeat=3)
        if sum(combo) == t.total
        and all(shown[label] in (None, v) for label, v in zip(counts, combo, strict=True))
    ]
    values_of_a = {combo[0] for combo in consistent}
    assert min(values_of_a) < K <= max(values_of_a)
    assert max(values_of_a) - min(values_of_a) >= K


def test_crosstab_small_cell_is_protected_against_margins() -> None:
    counts = np.array([[3, 17, 25, 23], [18, 11, 16, 15], [14, 1, 16, 12], [23, 16, 7, 6]])
    t = protect_crosstab("x", pd.DataFrame(counts), policy=DisclosurePolicy(k=K))
    _, bounds = _attack_table(t)
    _assert_protected(_true_values(counts), bounds)
    _no_small(t.published_counts())


def test_small_row_total_is_hidden_and_cannot_be_differenced_from_the_grand_total() -> None:
    counts = np.array([[2, 3, 0], [30, 40, 50], [25, 35, 45]])
    t = protect_crosstab(
        "x", pd.DataFrame(counts), policy=DisclosurePolicy(k=K), total_is_public=True
    )
    assert t.row_totals[0] is None
    assert t.total == counts.sum()
    _, bounds = _attack_table(t)
    _assert_protected(_true_values(counts), bounds)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10_000))
def test_random_sparse_crosstabs_resist_the_attack(r: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.choice([0, 1, 2, 5, 9, 12, 30, 80], size=(r, c))
    t = protect_crosstab("x", pd.DataFrame(counts), policy=DisclosurePolicy(k=K))
    _no_small(t.published_counts())
    _, bounds = _attack_table(t)
    _assert_protected(_true_values(counts), bounds)


def _attack_overlap(o: PublishedOverlap) -> tuple[list[int], dict[int, tuple[float, float]]]:
    n_lists = len(o.lists)
    masks = [m for m, _ in o.histories]
    published = [c for _, c in o.histories] + [*o.list_sizes, o.total]
    n = len(masks)
    eq = [(n + n_lists, list(range(n)))]
    eq += [(n + j, [i for i, m in enumerate(masks) if m >> j & 1]) for j in range(n_lists)]
    return [], _bounds(published, eq, 1)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_sparse_capture_histories_resist_the_attack(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = rng.choice([0, 1, 3, 7, 15, 40], size=16)
    cells[0] = 0
    table = CaptureHistories.from_cells(["a", "b", "c", "d"], cells)
    o = protect_histories(table, policy=DisclosurePolicy(k=K))
    _no_small(o.published_counts())
    sizes = [int(cells[[m for m in range(1, 16) if m >> j & 1]].sum()) for j in range(4)]
    true = [int(cells[m]) for m in range(1, 16)] + sizes + [int(cells.sum())]
    _assert_protected(true, _attack_overlap(o)[1])


def test_zeros_are_published_unless_protected() -> None:
    counts = {"a": 0, "b": 40, "c": 57}
    assert protect_counts("x", counts, policy=DisclosurePolicy()).column()["a"] == 0
    t = protect_counts("x", counts, policy=DisclosurePolicy(protect_zeros=True))
    assert t.column()["a"] is None
    _, bounds = _attack_table(t, floor=0)
    assert all(hi - lo >= K for lo, hi in bounds.values() if lo == 0)


@pytest.mark.parametrize("kind", ["conventional", "random"])
def test_rounding_gives_multiples_of_the_base_and_nothing_below_k(kind: str) -> None:
    policy = DisclosurePolicy(k=11, rounding=kind, rounding_base=5, seed=3)  # type: ignore[arg-type]
    counts = {f"c{i}": n for i, n in enumerate([11, 12, 13, 27, 3, 64, 0, 101])}
    t = protect_counts("x", counts, policy=policy)
    values = t.published_counts()
    assert all(v % 5 == 0 for v in values)
    _no_small(values, k=11)
    assert t.column()["c5"] in (60, 65)


def test_discrete_laplace_has_the_right_spread_and_zero_mean() -> None:
    eps = 0.5
    z = discrete_laplace(eps, 200_000, np.random.default_rng(1))
    q = np.exp(-eps)
    assert abs(z.mean()) < 0.05
    assert z.var() == pytest.approx(2 * q / (1 - q) ** 2, rel=0.03)


def test_differential_privacy_states_epsilon_and_publishes_nothing_small() -> None:
    policy = DisclosurePolicy(k=K, epsilon=1.0, seed=5)
    counts = {"a": 3, "b": 40, "c": 57, "d": 200}
    t = protect_counts("x", counts, policy=policy)
    assert t.epsilon == 1.0
    _no_small(t.published_counts())
    assert t.column()["d"] is not None
    assert abs(t.column()["d"] - 200) < 25


@pytest.mark.parametrize(
    "kwargs", [{"k": 1}, {"rounding": "ceil"}, {"rounding_base": 1}, {"epsilon": 0.0}]
)
def test_bad_policies_are_settings_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        DisclosurePolicy(**kwargs)  # type: ignore[arg-type]
