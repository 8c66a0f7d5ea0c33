"""Published tables: counts that passed disclosure control, in the shapes the report draws.

Every count that reaches a chart or a table of the report is one of these objects; a
suppressed count is ``None`` (printed ``< k``). They are built by the ``protect_*`` functions
from true counts, which never leave this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from darkfigure.histories import CaptureHistories
from darkfigure.publish._disclosure import DisclosurePolicy, protect

__all__ = [
    "OTHER",
    "PublishedOverlap",
    "PublishedTable",
    "collapse_rare",
    "protect_counts",
    "protect_crosstab",
    "protect_histories",
]

#: Label of the category that pools rare values (translated by the report).
OTHER = "other"


@dataclass(frozen=True)
class PublishedTable:
    """A one- or two-way table of protected counts with its totals.

    A one-way table has the single column ``"count"`` and no row totals.
    """

    name: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    suppressed: int
    epsilon: float | None

    def column(self, name: str = "count") -> dict[str, int | None]:
        """One column as ``{row label: count or None}``."""
        j = self.columns.index(name)
        return {row: cells[j] for row, cells in zip(self.rows, self.cells, strict=True)}

    def published_counts(self) -> list[int]:
        """Every number this table shows (for the disclosure tests and the audit)."""
        values = [v for row in self.cells for v in row]
        values += [*self.row_totals, *self.column_totals, self.total]
        return [v for v in values if v is not None]


@dataclass(frozen=True)
class PublishedOverlap:
    """How the lists overlap: protected counts of every capture history and every list's size.

    ``histories`` holds ``(bitmask, count)`` for every non-empty combination of lists
    (list ``i`` is bit ``i``), zeros included.
    """

    lists: tuple[str, ...]
    histories: tuple[tuple[int, int | None], ...]
    list_sizes: tuple[int | None, ...]
    total: int | None
    suppressed: int
    epsilon: float | None

    def published_counts(self) -> list[int]:
        """Every number this table shows."""
        values = [c for _, c in self.histories] + [*self.list_sizes, self.total]
        return [v for v in values if v is not None]


def collapse_rare(counts: Mapping[str, int], *, k: int, keep: int = 8) -> dict[str, int]:
    """Pool categories below ``k`` (and beyond the ``keep`` largest) into ``"other"``.

    Global recoding before suppression: one pooled cell loses less than many suppressed ones.

    Examples
    --------
    >>> collapse_rare({"PHL": 50, "IDN": 30, "THA": 4, "VNM": 3}, k=10)
    {'PHL': 50, 'IDN': 30, 'other': 7}
    """
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = {label: n for label, n in ranked[:keep] if n >= k and label != OTHER}
    pooled = sum(n for label, n in counts.items() if label not in kept)
    if pooled or OTHER in counts:
        kept[OTHER] = pooled
    return kept


def protect_counts(
    name: str, counts: Mapping[str, int], *, policy: DisclosurePolicy, total_is_public: bool = False
) -> PublishedTable:
    """Protect a one-way table of counts and its total.

    Parameters
    ----------
    name
        The table's name (in warnings).
    counts
        ``{category: count}``; the categories must partition the total (include "not recorded").
    policy
        The disclosure policy.
    total_is_public
        The total is published elsewhere (e.g. in the headline), so the attacker knows it.
    """
    labels = tuple(counts)
    values = [int(counts[label]) for label in labels]
    n = len(values)
    result = protect(
        [*values, sum(values)],
        [(n, *range(n))],
        policy=policy,
        fixed=[n] if total_is_public else [],
        name=name,
    )
    return PublishedTable(
        name=name,
        rows=labels,
        columns=("count",),
        cells=tuple((result.published(i),) for i in range(n)),
        row_totals=(),
        column_totals=(),
        total=result.published(n),
        suppressed=int(result.suppressed.sum()),
        epsilon=result.epsilon,
    )


def protect_crosstab(
    name: str, frame: pd.DataFrame, *, policy: DisclosurePolicy, total_is_public: bool = False
) -> PublishedTable:
    """Protect a two-way table of counts with row, column and grand totals.

    ``frame`` holds the counts, indexed by row labels, with one column per column label.
    """
    counts = frame.to_numpy(dtype=np.int64)
    r, c = counts.shape
    cell = np.arange(r * c).reshape(r, c)
    row_total = r * c + np.arange(r)
    col_total = r * c + r + np.arange(c)
    grand = r * c + r + c
    values = [
        *counts.ravel().tolist(),
        *counts.sum(axis=1).tolist(),
        *counts.sum(axis=0).tolist(),
        int(counts.sum()),
    ]
    lines = [(int(row_total[i]), *cell[i].tolist()) for i in range(r)]
    lines += [(int(col_total[j]), *cell[:, j].tolist()) for j in range(c)]
    lines += [(grand, *row_total.tolist()), (grand, *col_total.tolist())]
    result = protect(
        values,
        lines,
        policy=policy,
        fixed=[grand] if total_is_public else [],
        cells=range(r * c),
        name=name,
    )
    return PublishedTable(
        name=name,
        rows=tuple(str(x) for x in frame.index),
        columns=tuple(str(x) for x in frame.columns),
        cells=tuple(tuple(result.published(int(cell[i, j])) for j in range(c)) for i in range(r)),
        row_totals=tuple(result.published(int(i)) for i in row_total),
        column_totals=tuple(result.published(int(j)) for j in col_total),
        total=result.published(grand),
        suppressed=int(result.suppressed.sum()),
        epsilon=result.epsilon,
    )


def protect_histories(
    table: CaptureHistories, *, policy: DisclosurePolicy, total_is_public: bool = True
) -> PublishedOverlap:
    """Protect the capture-history counts, each list's size and the number of people.

    Lines: the total is the sum of all histories; a list's size is the sum of the histories
    that include it. The total is public by default (the headline prints it).
    """
    k = table.n_lists
    cells = table.cell_counts()
    masks = list(range(1, 1 << k))
    n = len(masks)
    sizes = [int(cells[[m for m in masks if m >> j & 1]].sum()) for j in range(k)]
    values = [int(cells[m]) for m in masks] + sizes + [int(cells.sum())]
    total = n + k
    lines = [(total, *range(n))]
    lines += [(n + j, *(i for i, m in enumerate(masks) if m >> j & 1)) for j in range(k)]
    result = protect(
        values,
        lines,
        policy=policy,
        fixed=[total] if total_is_public else [],
        cells=range(n),
        name="list overlap",
    )
    return PublishedOverlap(
        lists=table.lists,
        histories=tuple((m, result.published(i)) for i, m in enumerate(masks)),
        list_sizes=tuple(result.published(n + j) for j in range(k)),
        total=result.published(total),
        suppressed=int(result.suppressed.sum()),
        epsilon=result.epsilon,
    )
