"""Capture-history tables: how many people were seen by exactly each combination of lists.

This module owns the table contract (``shared/design/architecture.md``): one 0/1 column per list
(named for the list) and a ``count`` column; a row per observed history; no all-zero row; at least
two lists. Duplicate histories are summed. It also turns linked records (one row per record, with
``list_name`` and ``person_key``) into a table, optionally per stratum.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from darkfigure.errors import TableError

if TYPE_CHECKING:  # pandas is imported only where frames are handled: it costs ~0.3 s to load
    import pandas as pd

__all__ = ["CaptureHistories", "build_histories", "read_histories"]

COUNT = "count"


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """A capture-history table: aggregated counts, never records about people.

    Attributes
    ----------
    lists
        List names, in column order.
    patterns
        ``(n_histories, n_lists)`` array of 0/1, one row per distinct observed history.
    counts
        ``(n_histories,)`` non-negative integer counts.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 3, 2]})
    >>> t = CaptureHistories.from_frame(frame)
    >>> t.observed, t.lists
    (10, ('A', 'B'))
    >>> t.cell_counts().tolist()   # index = bitmask of lists (A=1, B=2)
    [0, 5, 3, 2]
    """

    lists: tuple[str, ...]
    patterns: npt.NDArray[np.int8]
    counts: npt.NDArray[np.int64]

    @property
    def n_lists(self) -> int:
        """Number of lists (K)."""
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct people seen by at least one list."""
        return int(self.counts.sum())

    def cell_counts(self) -> npt.NDArray[np.int64]:
        """Counts of all 2^K histories indexed by bitmask (list ``i`` is bit ``i``); cell 0 is 0."""
        cells = np.zeros(1 << self.n_lists, dtype=np.int64)
        np.add.at(cells, self.masks(), self.counts)
        return cells

    def masks(self) -> npt.NDArray[np.int64]:
        """The bitmask of each row's history."""
        weights = 1 << np.arange(self.n_lists, dtype=np.int64)
        return self.patterns.astype(np.int64) @ weights

    @classmethod
    def from_cells(cls, lists: Sequence[str], cells: npt.ArrayLike) -> CaptureHistories:
        """A table from the 2^K counts indexed by bitmask (cell 0 ignored, zero cells dropped)."""
        cells = np.asarray(cells, dtype=np.int64)
        k = len(lists)
        if cells.shape != (1 << k,):
            raise TableError(f"expected {1 << k} cells for {k} lists, got {cells.shape[0]}")
        masks = np.nonzero(cells[1:])[0] + 1
        patterns = ((masks[:, None] >> np.arange(k)) & 1).astype(np.int8)
        return cls(tuple(lists), patterns, cells[masks])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "table") -> CaptureHistories:
        """Validate a table in the contract's form and sum duplicate histories.

        Raises
        ------
        TableError
            No ``count`` column, fewer than two lists, list values other than 0/1, counts that
            are negative, fractional or missing, or an all-zero history row. The message names
            ``source``, the row (1-based, header excluded) and the column.
        """
        import pandas as pd

        lists = [str(c) for c in frame.columns if c != COUNT]
        _check_header(source, [str(c) for c in frame.columns])
        if frame.empty:
            raise TableError(f"{source}: no rows")
        columns = [
            pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
            for c in frame.columns
            if c != COUNT
        ]
        counts = pd.to_numeric(frame[COUNT], errors="coerce").to_numpy(dtype=float)

        def raw(column: str, row: int) -> object:
            return frame[column].iloc[row - 1]

        return cls._checked(source, lists, columns, counts, raw)

    @classmethod
    def _checked(
        cls,
        source: str,
        lists: list[str],
        columns: list[npt.NDArray[np.float64]],
        counts: npt.NDArray[np.float64],
        raw: Callable[[str, int], object],
    ) -> CaptureHistories:
        """Validate parsed list columns and counts (NaN = not a number); sum duplicates.

        ``raw(column, row)`` gives the cell as read, quoted in the error message.
        """
        patterns = np.empty((counts.size, len(lists)), dtype=np.int8)
        for j, (name, values) in enumerate(zip(lists, columns, strict=True)):
            bad = (values != 0) & (values != 1)
            if bad.any():
                row = int(np.argmax(bad)) + 1
                raise TableError(
                    f"{source}: row {row}, column '{name}': list columns must be 0 or 1 "
                    f"(got {raw(name, row)!r})"
                )
            patterns[:, j] = values.astype(np.int8)
        bad_count = ~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts))
        if bad_count.any():
            row = int(np.argmax(bad_count)) + 1
            raise TableError(
                f"{source}: row {row}, column '{COUNT}': counts must be whole numbers "
                f">= 0 (got {raw(COUNT, row)!r})"
            )
        zero_rows = patterns.sum(axis=1) == 0
        if zero_rows.any():
            row = int(np.argmax(zero_rows)) + 1
            raise TableError(
                f"{source}: row {row}: all list columns are 0; people on no list cannot "
                "be counted (that is what estimation is for): remove the row"
            )
        table = cls(tuple(lists), patterns, counts.astype(np.int64))
        return cls.from_cells(table.lists, table.cell_counts())

    def to_frame(self) -> pd.DataFrame:
        """The table in the contract's form (one 0/1 column per list, then ``count``)."""
        import pandas as pd

        frame = pd.DataFrame(self.patterns.astype(np.int64), columns=list(self.lists))
        frame[COUNT] = self.counts
        return frame

    def merge_lists(self, groups: Mapping[str, Sequence[str]]) -> CaptureHistories:
        """A table in which each group of lists becomes one list (seen by any of its members).

        ``groups`` maps a new list name to the existing lists it merges; lists not named keep
        their own column. Used to pool small lists, as Silverman (2020) does for the UK data.
        """
        merged_into = {old: new for new, olds in groups.items() for old in olds}
        unknown = set(merged_into) - set(self.lists)
        if unknown:
            raise TableError(f"cannot merge unknown list(s): {', '.join(sorted(unknown))}")
        names: list[str] = []
        for name in self.lists:
            target = merged_into.get(name, name)
            if target not in names:
                names.append(target)
        patterns = np.zeros((len(self.counts), len(names)), dtype=np.int8)
        for j, name in enumerate(self.lists):
            column = names.index(merged_into.get(name, name))
            patterns[:, column] |= self.patterns[:, j]
        table = CaptureHistories(tuple(names), patterns, self.counts)
        return CaptureHistories.from_cells(table.lists, table.cell_counts())


def _check_header(source: str, header: list[str]) -> None:
    if COUNT not in header:
        raise TableError(
            f"{source}: no '{COUNT}' column; a capture-history table has one "
            "0/1 column per list and a 'count' column"
        )
    lists = [c for c in header if c != COUNT]
    if len(lists) < 2:
        raise TableError(
            f"{source}: {len(lists)} list column(s); estimation needs at least 2 lists"
        )
    if len(set(lists)) != len(lists):
        raise TableError(f"{source}: duplicate list column names")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def read_histories(path: str | os.PathLike[str]) -> CaptureHistories:
    """Read and validate a capture-history CSV.

    The table is small, so it is read with the standard library (loading pandas would cost
    more than the estimation of a simple model).

    Raises
    ------
    TableError
        The file is missing, unreadable, or breaks the table contract.
    """
    path = Path(path)

    def unreadable(kind: str) -> TableError:
        return TableError(
            f"{path}: not a readable CSV table ({kind}); "
            "expected one 0/1 column per list and a 'count' column"
        )

    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = [row for row in csv.reader(f) if row]  # blank lines are skipped
    except FileNotFoundError:
        raise TableError(f"{path}: no such file") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise unreadable(type(error).__name__) from None
    if not rows:
        raise unreadable("no header")
    header, body = rows[0], rows[1:]
    if any(len(row) > len(header) for row in body):
        raise unreadable("a row has more fields than the header")
    _check_header(str(path), header)
    if not body:
        raise TableError(f"{path}: no rows")
    # Short rows are padded with empty cells, which then fail validation with their location.
    cells = [row + [""] * (len(header) - len(row)) for row in body]
    columns = {name: [row[j] for row in cells] for j, name in enumerate(header)}
    lists = [c for c in header if c != COUNT]
    parsed = [np.array([_number(v) for v in columns[c]]) for c in lists]
    counts = np.array([_number(v) for v in columns[COUNT]])

    def raw(column: str, row: int) -> object:
        return columns[column][row - 1]

    return CaptureHistories._checked(str(path), lists, parsed, counts, raw)


def _table_of(records: pd.DataFrame, lists: Sequence[str]) -> CaptureHistories:
    import pandas as pd

    seen = records[["person_key", "list_name"]].drop_duplicates()
    position = {name: i for i, name in enumerate(lists)}
    bits = seen["list_name"].map(lambda name: 1 << position[name]).to_numpy(dtype=np.int64)
    masks = pd.Series(bits).groupby(seen["person_key"].to_numpy()).sum().to_numpy()
    cells = np.bincount(masks, minlength=1 << len(lists)).astype(np.int64)
    return CaptureHistories.from_cells(lists, cells)


def build_histories(
    records: pd.DataFrame, *, by: str | None = None, lists: Sequence[str] | None = None
) -> CaptureHistories | dict[str, CaptureHistories]:
    """Turn linked records into a capture-history table (or one per stratum with ``by``).

    Parameters
    ----------
    records
        One row per record with ``list_name`` and ``person_key`` (the output of ``link``).
    by
        A column to stratify on. A person's stratum is the most frequent non-empty value across
        their records (ties broken by sort order); people with no value form the stratum ``""``.
    lists
        List order (default: sorted list names). Every stratum gets every list, so tables align.

    Raises
    ------
    TableError
        A required column is missing, a key is empty, or fewer than two lists.
    """
    missing = {"list_name", "person_key"} - set(records.columns)
    if by is not None and by not in records.columns:
        missing.add(by)
    if missing:
        raise TableError(f"linked records lack column(s): {', '.join(sorted(missing))}")
    keys = records["person_key"].astype("string")
    if keys.isna().any() or (keys.str.len() == 0).any():
        row = int(np.argmax((keys.isna() | (keys.str.len() == 0)).to_numpy())) + 1
        raise TableError(f"linked records: row {row}, column 'person_key': empty")
    names = list(lists) if lists is not None else sorted(records["list_name"].astype(str).unique())
    if len(names) < 2:
        raise TableError(f"linked records name {len(names)} list(s); estimation needs at least 2")
    frame = records.assign(person_key=keys, list_name=records["list_name"].astype(str))
    if by is None:
        return _table_of(frame, names)
    values = frame[by].fillna("").astype(str)
    stratum = (
        frame.assign(_value=values)
        .loc[values != "", ["person_key", "_value"]]
        .value_counts()
        .reset_index()
        .sort_values(["person_key", "count", "_value"], ascending=[True, False, True])
        .drop_duplicates("person_key")
        .set_index("person_key")["_value"]
    )
    person_stratum = frame["person_key"].map(stratum).fillna("")
    return {
        str(value): _table_of(group, names)
        for value, group in frame.groupby(person_stratum.to_numpy(), sort=True)
    }
