"""Disclosure control for every count the report publishes.

A published table is a set of *quantities* (cells and their totals) tied by *lines*: linear
equations ``total = sum(parts)`` that anyone can check on the page (a row and its row total,
a list's size and the histories that include it, ...). Protection has four layers:

1. **Primary suppression.** A quantity ``0 < n < k`` is not published (shown as ``< k``).
   Zeros are published by default: a zero describes nobody, and hiding zeros would suppress
   most of a sparse capture-history table for no gain. Set ``protect_zeros=True`` when a zero
   itself is sensitive (a zero in a row reveals that everyone in the row shares the other
   columns' attributes, "group attribute disclosure").
2. **Complementary suppression.** Any line with exactly one hidden quantity would give it
   away by subtraction, so a second one is hidden: the smallest non-zero cell of the line
   (a total only when no cell is left). Then an *audit* plays the attacker: for every
   primary quantity it solves the integer programs ``min x`` and ``max x`` subject to every
   published value, every line, and ``x >= 1`` for hidden quantities (zeros are never
   hidden unless ``protect_zeros``, so the attacker knows hidden means non-zero). A primary
   quantity is protected when that feasible interval is at least ``k`` wide, which also
   means the attacker cannot prove it is below ``k``. Failing quantities get another
   complement from their neighbourhood, until every one passes. Hiding more only widens
   intervals, so a quantity that passes stays protected.
3. **Rounding (optional).** Published values are rounded to a base, either conventionally
   (to the nearest multiple) or randomly (up with probability ``remainder / base``, which is
   unbiased). A count ``>= k`` is never rounded below ``k``: it goes up to the next multiple
   of the base instead, so the page never shows a count under ``k``.
4. **Differential privacy (optional).** Each cell gets discrete Laplace noise
   (two-sided geometric, ``P(z) ∝ exp(-ε|z|)``) before steps 1–3. Every person is in exactly
   one cell of a table, so the sensitivity is 1 and a table costs ``ε``; totals are sums of
   noisy cells (post-processing, free). Tables compose: the report states the sum of the
   ``ε`` spent. The sampler uses NumPy's floating-point generator, which is fine for
   statistics but not hardened against the floating-point attacks of Mironov (2012); use a
   vetted library (OpenDP) for adversarial releases.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 5 (frequency tables).
Mironov, I. (2012). On significance of the least significant bits for differential privacy. CCS.
Ghosh, A., Roughgarden, T., Sundararajan, M. (2012). Universally utility-maximizing privacy
mechanisms. SIAM J. Comput. 41(6) (the geometric mechanism).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from darkfigure.errors import DisclosureWarning, SettingsError

__all__ = ["DisclosurePolicy", "Protected", "attacker_intervals", "discrete_laplace", "protect"]

IntArray = npt.NDArray[np.int64]
Rounding = Literal["none", "conventional", "random"]


@dataclass(frozen=True)
class DisclosurePolicy:
    """How published counts are protected.

    Parameters
    ----------
    k : int, default 10
        Smallest count that may be published (CTDC used ``k = 11``). At least 2.
    protect_zeros : bool, default False
        Treat zeros as sensitive too (see the module notes).
    rounding : {"none", "conventional", "random"}, default "none"
        Rounding of every published value after suppression.
    rounding_base : int, default 5
        The base of the rounding.
    epsilon : float or None, default None
        Differential privacy: the ``ε`` spent on each published table (discrete Laplace
        noise on its cells). ``None`` publishes exact counts (after suppression).
    seed : int or None, default None
        Seed of the random rounding and the noise; the same seed gives the same report.

    Examples
    --------
    >>> DisclosurePolicy(k=11).describe()
    'counts from 1 to 10 suppressed (k = 11), with complementary suppression'
    """

    k: int = 10
    protect_zeros: bool = False
    rounding: Rounding = "none"
    rounding_base: int = 5
    epsilon: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.k < 2:
            raise SettingsError(f"disclosure threshold k must be at least 2 (got {self.k})")
        if self.rounding not in ("none", "conventional", "random"):
            raise SettingsError(
                f"rounding must be none, conventional or random (got {self.rounding!r})"
            )
        if self.rounding_base < 2:
            raise SettingsError(f"rounding base must be at least 2 (got {self.rounding_base})")
        if self.epsilon is not None and not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise SettingsError(f"epsilon must be a positive number (got {self.epsilon})")

    def describe(self) -> str:
        """One line for the report's methods section (English; the report translates parts)."""
        low = 0 if self.protect_zeros else 1
        text = f"counts from {low} to {self.k - 1} suppressed (k = {self.k}), "
        text += "with complementary suppression"
        if self.rounding != "none":
            text += f"; {self.rounding} rounding to base {self.rounding_base}"
        if self.epsilon is not None:
            text += f"; discrete Laplace noise, ε = {self.epsilon:g} per table"
        return text


@dataclass(frozen=True)
class Protected:
    """A protected set of quantities: what may be published, and how it was obtained.

    Attributes
    ----------
    values
        The published value of each quantity, ``-1`` where suppressed.
    suppressed
        Which quantities are hidden.
    primary
        Which were hidden because they are small (the others are complements).
    epsilon
        The ``ε`` this table spent (``None`` without noise).
    """

    values: IntArray
    suppressed: npt.NDArray[np.bool_]
    primary: npt.NDArray[np.bool_]
    epsilon: float | None

    def published(self, index: int) -> int | None:
        """The value to print, or ``None`` when suppressed."""
        return None if self.suppressed[index] else int(self.values[index])


def discrete_laplace(epsilon: float, size: int, rng: np.random.Generator) -> IntArray:
    """Draw discrete Laplace noise ``P(z) ∝ exp(-ε|z|)`` (sensitivity 1).

    The difference of two independent geometric variables with success probability
    ``1 - exp(-ε)`` has exactly this law.

    Examples
    --------
    >>> z = discrete_laplace(1.0, 100_000, np.random.default_rng(0))
    >>> round(float(z.var()), 1)   # 2 e^-ε / (1 - e^-ε)^2 = 1.84 at ε = 1
    1.8
    """
    p = -math.expm1(-epsilon)
    return (rng.geometric(p, size) - rng.geometric(p, size)).astype(np.int64)


#: Stands for "no upper bound" in the attacker's integer programs; far above any real count.
_NO_BOUND = 1e12


def attacker_intervals(
    published: Sequence[int | None],
    lines: Sequence[Sequence[int]],
    *,
    hidden_floor: int,
    targets: Sequence[int],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The tightest integer bounds an attacker can put on hidden quantities.

    Parameters
    ----------
    published
        Every quantity's published value, ``None`` where hidden.
    lines
        Each line lists quantity indices ``(total, part, part, ...)``: ``total = sum(parts)``.
    hidden_floor
        The smallest value a hidden quantity can have (1 when zeros are always published).
    targets
        The hidden quantities to bound (each must be hidden).

    Returns
    -------
    lower, upper
        Bounds per target (``inf`` when the attacker has no upper bound).
    """
    # Published values are constants: only hidden quantities are variables, and each line
    # becomes "signed sum of its hidden quantities = signed sum of its published ones".
    hidden = [i for i, v in enumerate(published) if v is None]
    column = {q: j for j, q in enumerate(hidden)}
    rows, rhs = [], []
    for line in lines:
        coefficients = np.zeros(len(hidden))
        constant = 0.0
        for position, q in enumerate(line):
            sign = 1.0 if position == 0 else -1.0
            value = published[q]
            if value is None:
                coefficients[column[q]] += sign
            else:
                constant -= sign * value
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(constant)
    n = len(hidden)
    constraints = [LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))] if rows else []
    # A finite cap instead of +inf: HiGHS's MIP presolve may report an unbounded problem as
    # "infeasible or unbounded"; with the cap the problem is always bounded, and a maximum at
    # the cap means the attacker has no upper bound.
    bounds = Bounds(np.full(n, float(hidden_floor)), np.full(n, _NO_BOUND))
    integrality = np.ones(n)
    lows, highs = np.empty(len(targets)), np.empty(len(targets))
    for i, target in enumerate(targets):
        for sign, out in ((1.0, lows), (-1.0, highs)):
            objective = np.zeros(n)
            objective[column[target]] = sign
            result = milp(
                objective, constraints=constraints, integrality=integrality, bounds=bounds
            )
            if result.status == 0:
                value = round(float(result.fun) * sign)
                out[i] = np.inf if value >= _NO_BOUND else value
            else:  # the published system is always feasible (the truth satisfies it)
                raise RuntimeError(f"disclosure audit failed: {result.message}")
    return lows, highs


def _round(values: IntArray, policy: DisclosurePolicy, rng: np.random.Generator) -> IntArray:
    base = policy.rounding_base
    low = (values // base) * base
    remainder = values - low
    if policy.rounding == "conventional":
        up = 2 * remainder >= base
    else:
        up = rng.random(values.shape) < remainder / base
    rounded = np.where(up, low + base, low)
    # Never show a count under k for a count that is at least k.
    floor_k = -(-policy.k // base) * base
    return np.where((values >= policy.k) & (rounded < policy.k), floor_k, rounded)


class _Suppressor:
    """Greedy complementary suppression checked by the integer-programming audit."""

    def __init__(
        self,
        values: IntArray,
        lines: Sequence[Sequence[int]],
        fixed: npt.NDArray[np.bool_],
        policy: DisclosurePolicy,
    ) -> None:
        self.values = values
        self.lines = [tuple(line) for line in lines]
        self.fixed = fixed
        self.k = policy.k
        self.floor = 0 if policy.protect_zeros else 1
        low = 0 if policy.protect_zeros else 1
        self.primary = (values >= low) & (values < policy.k)
        self.hidden = self.primary.copy()
        self.totals = {line[0] for line in self.lines}

    def _cheapest(self, members: Sequence[int]) -> int | None:
        """The smallest visible non-zero cell among ``members`` (a total only if no cell)."""
        candidates = [
            i for i in members if not self.hidden[i] and not self.fixed[i] and self.values[i] > 0
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda i: (i in self.totals, int(self.values[i]), i))

    def _close_lines(self) -> None:
        """Hide a second quantity in every line that has exactly one hidden."""
        changed = True
        while changed:
            changed = False
            for line in self.lines:
                if int(self.hidden[list(line)].sum()) == 1:
                    pick = self._cheapest(line)
                    if pick is not None:
                        self.hidden[pick] = True
                        changed = True

    def _neighbour(self, target: int) -> int | None:
        """The cheapest visible quantity sharing a line with ``target``'s hidden group."""
        group = {target}
        seen_lines: set[int] = set()
        while True:
            frontier = [
                j
                for j, line in enumerate(self.lines)
                if j not in seen_lines and group.intersection(line)
            ]
            if not frontier:
                return None
            seen_lines.update(frontier)
            members = [i for j in frontier for i in self.lines[j]]
            pick = self._cheapest(members)
            if pick is not None:
                return pick
            group.update(i for i in members if self.hidden[i])

    def run(self) -> npt.NDArray[np.bool_]:
        failing = [int(i) for i in np.flatnonzero(self.primary)]
        while failing:
            self._close_lines()
            published = [
                None if h else int(v) for v, h in zip(self.values, self.hidden, strict=True)
            ]
            low, high = attacker_intervals(
                published, self.lines, hidden_floor=self.floor, targets=failing
            )
            failing = [t for t, lo, hi in zip(failing, low, high, strict=True) if hi - lo < self.k]
            if not failing:
                break
            # One complement per failing quantity per round (not one per round): far fewer
            # rounds of integer programs on large tables, at the cost of a few extra cells.
            picks = {self._neighbour(target) for target in failing}
            if None in picks:
                # Nothing left to hide around one of them: only possible when the whole
                # system is pinned by values published elsewhere; hide everything left.
                self.hidden[:] = True
                break
            self.hidden[[p for p in picks if p is not None]] = True
        return self.hidden


def protect(
    values: npt.ArrayLike,
    lines: Sequence[Sequence[int]],
    *,
    policy: DisclosurePolicy,
    fixed: Sequence[int] = (),
    cells: Sequence[int] | None = None,
    name: str = "table",
) -> Protected:
    """Protect a system of quantities tied by lines (cells and their totals).

    Parameters
    ----------
    values
        Every quantity's true count (cells first or not: ``lines`` say which is which).
    lines
        ``(total, part, part, ...)`` index tuples; totals must equal the sum of their parts.
    policy
        The disclosure policy.
    fixed
        Quantities published elsewhere in the report (e.g. the number of persons in the
        headline): never chosen as complements, and known to the attacker.
    cells
        The quantities that partition people (noise is added to these and totals are
        recomputed from them); default: every quantity that is never a total.
    name
        The table's name, for the warning.

    Returns
    -------
    Protected

    Warns
    -----
    DisclosureWarning
        When any quantity is suppressed.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     p = protect([3, 40, 57, 100], [(3, 0, 1, 2)], policy=DisclosurePolicy(k=10))
    >>> [p.published(i) for i in range(4)]
    [None, None, 57, 100]
    """
    true = np.asarray(values, dtype=np.int64)
    line_list = [tuple(int(i) for i in line) for line in lines]
    totals = {line[0] for line in line_list}
    cell_index = (
        np.array(sorted(cells), dtype=np.int64)
        if cells is not None
        else np.array([i for i in range(len(true)) if i not in totals], dtype=np.int64)
    )
    rng = np.random.default_rng(policy.seed)
    work = true.copy()
    if policy.epsilon is not None:
        noisy = work[cell_index] + discrete_laplace(policy.epsilon, len(cell_index), rng)
        work[cell_index] = np.maximum(noisy, 0)
        work = _recompute_totals(work, line_list)
    fixed_mask = np.zeros(len(work), dtype=bool)
    fixed_mask[list(fixed)] = True
    if policy.epsilon is not None:
        fixed_mask[:] = False  # noisy totals differ from the exact ones published elsewhere
    suppressor = _Suppressor(work, line_list, fixed_mask, policy)
    hidden = suppressor.run()
    shown = _round(work, policy, rng) if policy.rounding != "none" else work
    if hidden.any():
        warnings.warn(
            f"{name}: {int(hidden.sum())} of {len(work)} published counts suppressed "
            f"({int(suppressor.primary.sum())} below k = {policy.k}, the rest to protect them)",
            DisclosureWarning,
            stacklevel=2,
        )
    return Protected(
        values=np.where(hidden, -1, shown).astype(np.int64),
        suppressed=hidden,
        primary=suppressor.primary,
        epsilon=policy.epsilon,
    )


def _recompute_totals(values: IntArray, lines: Sequence[tuple[int, ...]]) -> IntArray:
    """Totals as sums of their parts, innermost first (a total may be a part of another)."""
    out = values.copy()
    pending = list(lines)
    while pending:
        totals = {line[0] for line in pending}
        ready = [line for line in pending if not totals.intersection(line[1:])]
        if not ready:
            raise ValueError("lines are circular: a total is part of itself")
        for line in ready:
            out[line[0]] = out[list(line[1:])].sum()
        pending = [line for line in pending if line not in ready]
        # Several lines may define the same total (a grand total from rows and from columns);
        # they agree because the parts do, so computing it from any one is enough.
        done = {line[0] for line in ready}
        pending = [line for line in pending if line[0] not in done]
    return out
