"""Log-linear model terms and design matrices over the 2^K − 1 observable capture histories.

A term is a bitmask over the lists (list ``i`` is bit ``i``, as in
:meth:`~darkfigure.histories.CaptureHistories.cell_counts`): ``0`` is the intercept, ``1 << i``
the main effect of list ``i``, ``(1 << i) | (1 << j)`` the two-list interaction. A cell (capture
history) ``c`` loads on term ``t`` when it contains every list of the term (``c & t == t``), so the
fitted log-mean of a history is the sum of the parameters of the terms it contains.

A model is hierarchical: with a term it holds all its sub-terms, and always every main effect.
Terms are written with list names, ``"A:B"``, in list order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

from darkfigure.errors import SettingsError

__all__ = [
    "closure",
    "design",
    "enumerate_hierarchical",
    "interaction_terms",
    "order",
    "parse_terms",
    "term_name",
]

FloatArray = npt.NDArray[np.float64]


def order(term: int) -> int:
    """Number of lists in a term (1 for a main effect, 2 for a two-list interaction)."""
    return int(term).bit_count()


def term_name(term: int, lists: Sequence[str]) -> str:
    """``"A:B"`` for the term over lists A and B (``"(intercept)"`` for 0)."""
    if term == 0:
        return "(intercept)"
    return ":".join(name for i, name in enumerate(lists) if term >> i & 1)


def parse_terms(text: Iterable[str], lists: Sequence[str]) -> tuple[int, ...]:
    """Parse terms such as ``"A:B"`` into bitmasks.

    Raises
    ------
    SettingsError
        A term names an unknown list, repeats a list, or has fewer than two lists.

    Examples
    --------
    >>> parse_terms(["A:B", "C:A"], ["A", "B", "C"])
    (3, 5)
    """
    position = {name: i for i, name in enumerate(lists)}
    terms: list[int] = []
    for raw in text:
        names = [part.strip() for part in raw.split(":") if part.strip()]
        unknown = [name for name in names if name not in position]
        if unknown:
            raise SettingsError(
                f"term '{raw}': unknown list {', '.join(repr(u) for u in unknown)}; "
                f"the lists are {', '.join(lists)}"
            )
        if len(names) < 2 or len(set(names)) != len(names):
            raise SettingsError(
                f"term '{raw}': an interaction names two or more different lists, e.g. A:B"
            )
        terms.append(sum(1 << position[name] for name in names))
    return tuple(terms)


def closure(interactions: Iterable[int], k: int) -> tuple[int, ...]:
    """The hierarchical model holding ``interactions``: every sub-term of order ≥ 2 added.

    Returns the interaction terms only (main effects are always in), sorted by order then mask.
    """
    terms: set[int] = set()
    for term in interactions:
        bits = [1 << i for i in range(k) if term >> i & 1]
        for size in range(2, len(bits) + 1):
            terms.update(sum(combo) for combo in combinations(bits, size))
    return tuple(sorted(terms, key=lambda t: (order(t), t)))


def design(k: int, terms: Sequence[int], *, include_unobserved: bool = False) -> FloatArray:
    """Design matrix: one row per history (1 .. 2^K − 1, or 0 .. 2^K − 1), a column per term.

    ``terms`` should start with 0 (the intercept) and the main effects.
    """
    rows = np.arange(0 if include_unobserved else 1, 1 << k, dtype=np.int64)
    masks = np.asarray(terms, dtype=np.int64)
    out: FloatArray = ((rows[:, None] & masks[None, :]) == masks[None, :]).astype(np.float64)
    return out


def interaction_terms(k: int, max_order: int) -> tuple[int, ...]:
    """Every interaction of order 2 .. ``max_order``, by order then list order."""
    return tuple(
        sum(1 << i for i in combo)
        for size in range(2, min(max_order, k) + 1)
        for combo in combinations(range(k), size)
    )


def enumerate_hierarchical(
    k: int, max_order: int, *, limit: int
) -> tuple[tuple[int, ...], npt.NDArray[np.bool_]]:
    """Every hierarchical model with interactions of order 2..``max_order``.

    Returns the candidate interactions and a ``(models, candidates)`` boolean array: row ``m``
    marks the interactions of model ``m``. Models are built by adding candidates in order, a
    term only where all its sub-terms are present, so every row is hierarchical.

    Raises
    ------
    SettingsError
        More than ``limit`` models: the exhaustive search would not finish in reasonable time.

    Examples
    --------
    >>> [enumerate_hierarchical(3, r, limit=100)[1].shape[0] for r in (2, 3)]
    [8, 9]
    >>> enumerate_hierarchical(5, 4, limit=10_000)[1].shape[0]   # Rcapture's closedpMS.t
    6893
    """
    candidates = interaction_terms(k, max_order)
    position = {t: j for j, t in enumerate(candidates)}
    models = np.zeros((1, len(candidates)), dtype=bool)
    for j, term in enumerate(candidates):
        eligible: npt.NDArray[np.bool_] = np.ones(models.shape[0], dtype=bool)
        if order(term) > 2:
            subs = [position[term & ~(1 << i)] for i in range(k) if term >> i & 1]
            eligible = np.asarray(models[:, subs].all(axis=1), dtype=bool)
        added = models[eligible]
        if models.shape[0] + added.shape[0] > limit:
            raise SettingsError(
                f"an exhaustive search over hierarchical models of {k} lists with interactions "
                f"of order up to {max_order} means more than {limit:,} models; lower "
                "--max-order, merge small lists, or use --method stepwise"
            )
        added[:, j] = True
        models = np.concatenate([models, added])
    return candidates, models
