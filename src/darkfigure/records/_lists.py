"""The records facade: read case-record files, normalise them, and validate them, in chunks."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from darkfigure._files import atomic_path
from darkfigure._summary import Summary
from darkfigure.errors import InputError
from darkfigure.records._normalise import normalise_column
from darkfigure.records._readers import (
    DEFAULT_CHUNK_BYTES,
    Source,
    UnreadableFileError,
    canonical_encoding,
    open_source,
)
from darkfigure.records._report import ProblemLog, ValidationReport
from darkfigure.records._standard import COLUMNS, COLUMNS_BY_NAME

__all__ = ["RecordSet", "read_lists", "sample_paths", "validate_lists"]

PathLike = str | os.PathLike[str]
#: ``progress(bytes_done, bytes_total)``, called after every chunk.
Progress = Callable[[int, int], None]
#: A list that recorded nobody is a fact, not a fault (a consulate that met no victim this
#: year): a warning, so that its other lists can still be linked; it adds no capture column.
_NO_RECORDS = (
    "the file has a header but no records: the list adds no one (if it should have records, "
    "check the export)"
)


@dataclass(frozen=True)
class RecordSet:
    """Normalised case records from one or more lists, with the report on them.

    Attributes
    ----------
    frame
        One row per record: ``list_name``, ``record_id``, the standard's columns present in the
        files (normalised; ``age`` as a nullable integer, the rest as strings, empty = missing),
        then every other column as read. Holds identities: never print it.
    report
        The :class:`ValidationReport`; call ``report.raise_if_invalid()`` before using
        ``frame`` downstream.
    """

    frame: pd.DataFrame = field(repr=False)
    report: ValidationReport

    def summary(self) -> Summary:
        """The report's summary (counts only)."""
        return self.report.summary()

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data (no record values)."""
        return self.report.to_dict()


def sample_paths() -> list[Path]:
    """The synthetic sample lists shipped with darkfigure (fictitious people only).

    Examples
    --------
    >>> [p.name for p in sample_paths()]
    ['hotline.csv', 'ngo_shelter.csv', 'police.csv']
    """
    folder = resources.files("darkfigure.records").joinpath("samples")
    return sorted(
        Path(str(folder.joinpath(p.name))) for p in folder.iterdir() if p.name.endswith(".csv")
    )


def read_lists(
    paths: PathLike | Iterable[PathLike],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> RecordSet:
    """Read, normalise and validate case-record files into one table.

    Parameters
    ----------
    paths
        CSV, XLSX or Parquet files in the record standard (one list each, or a ``list_name``
        column; without it the list is the file's stem).
    encoding
        Force a CSV encoding (``utf-8``, ``big5hkscs``, ``gb18030``, ...); default: detected.
    sheet
        The XLSX sheet to read; default: the first.
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each chunk.
    chunk_bytes
        How much of a file to read at a time.

    Returns
    -------
    RecordSet
        ``frame`` and ``report``; problems are in the report, not raised.

    Raises
    ------
    InputError
        Only for an unknown ``encoding``.

    Examples
    --------
    >>> records = read_lists(sample_paths())
    >>> records.report.valid, records.frame.shape[0]
    (True, 60)
    """
    tables: list[pa.Table] = []
    report, schema = _run(_as_paths(paths), encoding, sheet, progress, chunk_bytes, tables.append)
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    frame = table.to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow"), pa.int16(): pd.Int16Dtype()}.get
    )
    return RecordSet(frame, report)


def validate_lists(
    paths: PathLike | Iterable[PathLike],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    out: PathLike | None = None,
    progress: Progress | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> ValidationReport:
    """Validate case-record files in bounded memory; optionally write the normalised records.

    Parameters are as for :func:`read_lists`, plus ``out``: a Parquet file for the normalised
    records, written atomically and only when there is no error. Inputs are never modified.

    Raises
    ------
    InputError
        For an unknown ``encoding`` or an ``out`` that is one of the inputs.
    """
    files = _as_paths(paths)
    if out is None:
        return _run(files, encoding, sheet, progress, chunk_bytes, None)[0]
    target = Path(out)
    if any(target.resolve() == f.resolve() for f in files):
        raise InputError(f"--out {target} is one of the inputs; inputs are never overwritten")
    with contextlib.suppress(_NotWrittenError), atomic_path(target) as tmp:
        sink = _ParquetSink(tmp)
        try:
            report, schema = _run(files, encoding, sheet, progress, chunk_bytes, sink)
        finally:
            sink.close()
        if sink.writer is None:  # no records: still a table, with the columns
            pq.write_table(schema.empty_table(), tmp)
        if not report.valid:
            raise _NotWrittenError  # atomic_path then removes the temporary file
    return report


class _NotWrittenError(Exception):
    """Abandons an output: nothing is written when there are errors."""


class _ParquetSink:
    """Writes normalised chunks to one Parquet file as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def __call__(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _as_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _arrow_type(column: str) -> pa.DataType:
    spec = COLUMNS_BY_NAME.get(column)
    return pa.int16() if spec is not None and spec.kind == "age" else pa.string()


def _fold_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", name).strip().casefold())


@dataclass
class _Opened:
    source: Source
    display: str
    names: list[str | None]  # output name per column; None: a repeated name; "": unnamed
    list_name: str | None  # the stem, when the file has no list_name column


def _open_all(
    files: list[Path],
    encoding: str | None,
    sheet: str | None,
    chunk_bytes: int,
    log: ProblemLog,
    notes: list[str],
) -> list[_Opened]:
    opened, seen = [], set()
    for path in files:
        display = str(path)
        if path.resolve() in seen:
            log.add(display, [None], None, "the same file is given twice; give it once")
            continue
        seen.add(path.resolve())

        def problem(row: int | None, column: str | None, reason: str, _d: str = display) -> None:
            log.add(_d, [row], column, reason)

        try:
            source = open_source(
                path, problem=problem, encoding=encoding, sheet=sheet, chunk_bytes=chunk_bytes
            )
        except UnreadableFileError as failure:
            log.add(display, [failure.row], failure.column, failure.reason)
            continue
        names = _map_header(source, display, log, notes)
        if "record_id" not in names:
            log.add(display, [1], None, "no record_id column: every record needs an identifier")
            continue
        stem = None if "list_name" in names else path.stem
        opened.append(_Opened(source, display, names, stem))
    return opened


def _map_header(
    source: Source, display: str, log: ProblemLog, notes: list[str]
) -> list[str | None]:
    names: list[str | None] = []
    unknown = []
    for raw in source.columns:
        name = unicodedata.normalize("NFC", raw).strip()
        folded = _fold_header(name)
        if not name:
            names.append("")  # unnamed: its cells must be empty (checked row by row)
            continue
        if folded in COLUMNS_BY_NAME:
            if name != folded:
                notes.append(f"{display}: column {name!r} read as {folded}")
            name = folded
        else:
            unknown.append(name)
        if name in names:
            log.add(display, [1], name, "the header names this column twice; rename one")
            names.append(None)
            continue
        names.append(name)
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        notes.append(f"{display}: columns not in the record standard, kept as read: {listed}")
    return names


def _output_columns(opened: list[_Opened]) -> list[str]:
    present = {n for o in opened for n in o.names if n}
    head = ["list_name", "record_id"]
    standard = head + [c.name for c in COLUMNS if c.name in present and c.name not in head]
    extra = list(dict.fromkeys(n for o in opened for n in o.names if n and n not in standard))
    return standard + extra


def _run(
    files: list[Path],
    encoding: str | None,
    sheet: str | None,
    progress: Progress | None,
    chunk_bytes: int,
    sink: Callable[[pa.Table], None] | None,
) -> tuple[ValidationReport, pa.Schema]:
    if encoding is not None:
        try:
            encoding = canonical_encoding(encoding)
        except ValueError as error:
            raise InputError(str(error)) from None
    log, notes = ProblemLog(), list[str]()
    opened = _open_all(files, encoding, sheet, chunk_bytes, log, notes)
    columns = _output_columns(opened)
    schema = pa.schema([(c, _arrow_type(c)) for c in columns])
    total = sum(o.source.size for o in opened)
    done_before = 0
    ids = _IdIndex()
    file_stats = []
    list_counts: dict[str, int] = {}
    today = dt.date.today().isoformat()
    for index, item in enumerate(opened):
        records, lists_here = 0, set()
        try:
            for chunk in item.source.chunks():
                raw, rows = _drop_blank_rows(chunk.table, chunk.rows)
                table = _normalise_chunk(raw, rows, item, log, today)
                ids.add(index, table["list_name"], table["record_id"], rows)
                names = table["list_name"].to_pandas().value_counts()
                for name, n in names.items():
                    list_counts[str(name)] = list_counts.get(str(name), 0) + int(n)
                    lists_here.add(str(name))
                records += table.num_rows
                if sink is not None:
                    sink(_conform(table, schema))
                if progress is not None:
                    progress(done_before + item.source.bytes_done, total)
            if records == 0:
                log.add(item.display, [None], None, _NO_RECORDS, severity="warning")
        except UnreadableFileError as failure:
            log.add(item.display, [failure.row], failure.column, failure.reason)
        done_before += item.source.size
        if progress is not None:
            progress(done_before, total)
        file_stats.append({
            "file": item.display,
            "format": item.source.format,
            "encoding": item.source.encoding,
            "encoding_detected": item.source.encoding_detected,
            "records": records,
            "lists": sorted(lists_here),
        })  # fmt: skip
    ids.report_duplicates([o.display for o in opened], log)
    report = log.report(
        notes=notes, files=file_stats, lists=list_counts, file_order=[str(f) for f in files]
    )
    return report, schema


def _drop_blank_rows(
    table: pa.Table, rows: np.ndarray[Any, Any]
) -> tuple[pa.Table, np.ndarray[Any, Any]]:
    """Rows whose every cell is empty (or blank) are not records."""
    blank = None
    for column in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return table, rows
    keep = pc.invert(blank)
    return table.filter(keep), rows[keep.to_numpy()]


def _normalise_chunk(
    raw: pa.Table, rows: np.ndarray[Any, Any], item: _Opened, log: ProblemLog, today: str
) -> pa.Table:
    out: dict[str, pa.Array] = {}
    for position, name in enumerate(item.names):
        if name is None:
            continue
        arr = raw.column(position).combine_chunks()
        if not name:  # a column with no name: fine while empty (spreadsheets export those)
            filled = pc.not_equal(pc.utf8_trim_whitespace(arr), "").to_numpy(zero_copy_only=False)
            if filled.any():
                reason = "a value in a column with no name in the header; name the column"
                log.add(item.display, rows[filled].tolist(), f"column {position + 1}", reason)
            continue
        spec = COLUMNS_BY_NAME.get(name)
        if spec is None:
            out[name] = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
            continue
        values, issues = normalise_column(spec, arr)
        for issue in issues:
            log.add(item.display, rows[issue.positions].tolist(), name, issue.reason,
                    "warning" if issue.severity == "warning" else "error", issue.value)  # fmt: skip
        if spec.name == "date_of_birth":
            # Only normalised dates: a value that failed is kept as written, and already reported.
            iso = pc.match_substring_regex(values, r"^\d{4}(-\d{2}){0,2}$")
            future = pc.fill_null(pc.and_(iso, pc.greater(values, today)), False)
            future = future.to_numpy(zero_copy_only=False)
            if future.any():
                log.add(item.display, rows[future].tolist(), name, "date of birth in the future")
        out[name] = values
    if item.list_name is not None:
        out["list_name"] = pa.array(
            np.full(raw.num_rows, item.list_name, dtype=object), pa.string()
        )
    for required in ("list_name", "record_id"):
        missing = pc.is_null(out[required]).to_numpy(zero_copy_only=False)
        if missing.any():
            log.add(item.display, rows[missing].tolist(), required,
                    f"empty {required}: every record needs one")  # fmt: skip
    return pa.table(out)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The chunk with every output column (missing ones null), in the output order."""
    n = table.num_rows
    arrays = [
        table.column(f.name) if f.name in table.column_names else pa.nulls(n, f.type)
        for f in schema
    ]
    return pa.table(arrays, schema=schema)


class _IdIndex:
    """Finds repeated ``record_id`` within a list across chunks and files, in bounded memory.

    It keeps a 64-bit hash of (list_name, record_id) per record, not the identifiers.
    """

    def __init__(self) -> None:
        self._hashes: list[np.ndarray[Any, Any]] = []
        self._files: list[np.ndarray[Any, Any]] = []
        self._rows: list[np.ndarray[Any, Any]] = []
        self._lists: list[np.ndarray[Any, Any]] = []
        self._list_names: dict[str, int] = {}

    def add(
        self, file: int, lists: pa.ChunkedArray, ids: pa.ChunkedArray, rows: np.ndarray[Any, Any]
    ) -> None:
        """Remember the records of one chunk (those with both a list name and a record_id)."""
        keys = pc.binary_join_element_wise(lists, ids, "\x1f")
        present = pc.is_valid(keys).to_numpy(zero_copy_only=False)
        keys = keys.filter(present)
        hashes = pd.util.hash_array(np.asarray(keys.to_numpy(zero_copy_only=False), dtype=object))
        # List names as small integers: a per-row string would cost ~50 bytes a record.
        encoded = pc.dictionary_encode(lists.filter(present)).combine_chunks()
        codes = np.array(
            [self._list_names.setdefault(n, len(self._list_names))
             for n in encoded.dictionary.to_pylist()], dtype=np.int32,
        )  # fmt: skip
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        self._hashes.append(hashes)
        self._rows.append(rows[present].astype(np.uint32))
        self._files.append(np.full(len(hashes), file, dtype=np.int32))
        self._lists.append(codes[indices] if len(codes) else np.zeros(0, dtype=np.int32))

    def report_duplicates(self, displays: Sequence[str], log: ProblemLog) -> None:
        """Report every record whose (list, record_id) appeared before, in file and row order."""
        if not self._hashes:
            return
        # Sort a copy of the hashes only (8 bytes a record) to find the values that repeat;
        # then look at just the records holding those values.
        everything = np.concatenate(self._hashes)
        everything.sort()
        repeated = np.unique(everything[1:][everything[1:] == everything[:-1]])
        del everything
        if not len(repeated):
            return
        picked = [np.isin(h, repeated) for h in self._hashes]
        hashes, files, rows, lists = (
            np.concatenate([part[m] for part, m in zip(parts, picked, strict=True)])
            for parts in (self._hashes, self._files, self._rows, self._lists)
        )
        names = list(self._list_names)
        order = np.argsort(hashes, kind="stable")  # stable: the first occurrence comes first
        sorted_hashes = hashes[order]
        starts = np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]]
        first_of = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
        repeats, firsts = order[~starts], first_of[~starts]
        by_position = np.argsort(repeats, kind="stable")  # positions are in file and row order
        repeats, firsts = repeats[by_position], firsts[by_position]
        suffix = "; every record_id must be unique within its list"
        for k, first in zip(repeats[: log.per_kind], firsts[: log.per_kind], strict=True):
            log.add(displays[files[k]], [int(rows[k])], "record_id",
                    f"duplicate record_id in list {names[lists[k]]!r} (first on row "
                    f"{rows[first]} of {displays[files[first]]}){suffix}")  # fmt: skip
        rest = repeats[log.per_kind :]
        for file, code in np.unique(np.stack([files[rest], lists[rest]], axis=1), axis=0):
            mine = rest[(files[rest] == file) & (lists[rest] == code)]
            log.add(displays[file], rows[mine].tolist(), "record_id",
                    f"duplicate record_id in list {names[code]!r}{suffix}")  # fmt: skip
