"""Readers: CSV (UTF-8, Big5-HKSCS, GB18030), XLSX and Parquet, streamed in chunks of strings.

Every reader yields :class:`Chunk` objects: a pyarrow table whose columns are the file's header,
all strings (an empty cell is ``""``), and the spreadsheet row number of each record (the
header is row 1, the first record row 2). Problems that spoil one row or cell (a ragged row, a
merged cell, a formula) go to the ``problem`` callback; problems that make the rest of a file
unreadable raise :class:`UnreadableFileError`. Messages never quote a cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from darkfigure.records._hanzi import frequent_hanzi

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "Chunk",
    "ProblemSink",
    "Source",
    "UnreadableFileError",
    "canonical_encoding",
    "detect_encoding",
    "open_source",
]

#: CSV is parsed in blocks of this many bytes, so memory stays bounded whatever the file size.
DEFAULT_CHUNK_BYTES = 16 << 20
_SAMPLE_BYTES = 1 << 20
_CANDIDATES = ("utf-8", "big5hkscs", "gb18030")

#: ``problem(row, column, reason)``: report a problem in one row (and column, when known).
ProblemSink = Callable[[int | None, str | None, str], None]


class UnreadableFileError(Exception):
    """The rest of a file cannot be read; ``row``/``column`` locate it when known."""

    def __init__(self, reason: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.row, self.column = reason, row, column


@dataclass(frozen=True)
class Chunk:
    """Some records of one file: string columns named by the header, and their row numbers."""

    table: pa.Table
    rows: np.ndarray[Any, np.dtype[np.int64]]


@dataclass
class Source:
    """An opened input file: its format, encoding, header, and a way to stream its records.

    Attributes
    ----------
    path
        The file.
    format
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    encoding
        The text encoding used (CSV only), e.g. ``"big5hkscs"``; None otherwise.
    encoding_detected
        True when the encoding was detected rather than given.
    columns
        The header, as written.
    size
        The file size in bytes.
    bytes_done
        How much of the file has been read so far (for progress bars).
    """

    path: Path
    format: str
    encoding: str | None
    encoding_detected: bool
    columns: tuple[str, ...]
    size: int
    chunks: Callable[[], Iterator[Chunk]] = field(repr=False)
    bytes_done: int = 0


def canonical_encoding(name: str) -> str:
    """Python's name for an encoding (``Big5-HKSCS`` → ``big5hkscs``); ValueError if unknown.

    Examples
    --------
    >>> canonical_encoding("UTF8"), canonical_encoding("Big5-HKSCS"), canonical_encoding("GB18030")
    ('utf-8', 'big5hkscs', 'gb18030')
    """
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}; use utf-8, big5hkscs or gb18030") from None


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """The most frequent Chinese characters: Big5 level 1 and GB2312 level 1, as code points."""
    chars: set[str] = set()
    for codec, leads, trails in (
        ("big5hkscs", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
        ("gb18030", range(0xB0, 0xD8), range(0xA1, 0xFF)),
    ):
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    continue
    return frozenset(chars)


#: Share of the characters of real Chinese text that are frequent (:func:`frequent_hanzi`),
#: other first-level characters of Big5 or GB2312 (:func:`_common_hanzi`), or anything else:
#: the three tiers of the unigram model that tells the two encodings apart. The exact shares
#: hardly matter; what matters is that each tier is far likelier per character than the next.
_TIER_SHARES = (0.6, 0.3, 0.1)

#: How many characters the last tier spreads over (about the CJK Unified Ideographs block).
_RARE_CHARACTERS = 20_000


@functools.cache
def _tier_log_probabilities() -> tuple[float, float, float]:
    frequent, common = frequent_hanzi(), _common_hanzi()
    sizes = (len(frequent), len(common - frequent), _RARE_CHARACTERS)
    frequent_log, common_log, rare_log = (
        math.log(share / size) for share, size in zip(_TIER_SHARES, sizes, strict=True)
    )
    return frequent_log, common_log, rare_log


@functools.cache
def _other_script(encoding: str) -> Callable[[str], bool]:
    """Whether a character belongs only to the script that ``encoding`` is not used for:
    traditional-only read as GB18030 (Mainland text is simplified), simplified-only as Big5."""
    import opencc  # imported here: only needed when a file's bytes fit both encodings

    converter = opencc.OpenCC("t2s" if encoding == "gb18030" else "s2t")
    return functools.cache(lambda c: converter.convert(c) != c)


def _log_likelihood(text: str, encoding: str) -> float:
    """Log-probability of ``text``'s non-ASCII characters as Chinese text in ``encoding``.

    A unigram model of three tiers (:data:`_TIER_SHARES`); a character of the other script
    counts as rare. A private-use or unassigned code point gives minus infinity: those come
    only from a misreading (Big5 bytes read as GB18030 fall into its user-defined areas,
    何 → U+E796).
    """
    frequent, common = frequent_hanzi(), _common_hanzi()
    log_frequent, log_common, log_rare = _tier_log_probabilities()
    other_script = _other_script(encoding)
    total = 0.0
    for c in text:
        if ord(c) <= 0x7F:
            continue
        if unicodedata.category(c) in ("Co", "Cn"):
            return -math.inf
        if other_script(c):
            total += log_rare
        elif c in frequent:
            total += log_frequent
        elif c in common:
            total += log_common
        else:
            total += log_rare
    return total


def detect_encoding(sample: bytes) -> str | None:
    """The encoding of a CSV sample: UTF-8 (with BOM: ``utf-8-sig``), Big5-HKSCS or GB18030.

    UTF-8 is tried strictly first. Big5-HKSCS and GB18030 can often both decode the same bytes;
    decoded with the wrong one, text turns into rare characters, characters of the other
    script, kana or private-use code points. The reading that is likelier as Chinese text wins
    (:func:`_log_likelihood`), Big5-HKSCS (Hong Kong's) on a tie.
    None when no candidate decodes the sample.

    Examples
    --------
    >>> detect_encoding("陳小美,女".encode("big5hkscs"))
    'big5hkscs'
    >>> detect_encoding("陈小美,女".encode("gb18030"))
    'gb18030'
    >>> detect_encoding(codecs.BOM_UTF8 + b"record_id")
    'utf-8-sig'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoded: dict[str, str] = {}
    for name in _CANDIDATES:
        try:
            decoded[name] = codecs.getincrementaldecoder(name)("strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if name == "utf-8":
            return name
    if len(decoded) == 2:
        scores = {name: _log_likelihood(text, name) for name, text in decoded.items()}
        return "big5hkscs" if scores["big5hkscs"] >= scores["gb18030"] else "gb18030"
    return next(iter(decoded), None)


def _bad_bytes(encoding: str, line: int) -> str:
    return (
        f"bytes that are not valid {encoding} near line {line} (the header is line 1); if the "
        "file uses another encoding, give it with --encoding"
    )


class _Utf8Blocks:
    """A file read strictly in ``encoding``, served as UTF-8 pieces that end at a row's end.

    Pieces are about ``block`` bytes and end after a newline that is outside quotes (the number
    of ``"`` before it is even: CSV escapes a quote by doubling it), so each can be parsed on
    its own and memory stays bounded. A byte that does not decode is reported with its line.
    """

    def __init__(self, path: Path, encoding: str, block: int) -> None:
        self.path, self.encoding, self.block = path, encoding, block
        self.bytes_done = 0
        self._lines = 0

    def _decoded(self) -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        passthrough = self.encoding in ("utf-8", "utf-8-sig")
        with self.path.open("rb") as raw:
            while True:
                data = raw.read(self.block)
                self.bytes_done += len(data)
                try:
                    text = decoder.decode(data, final=not data)
                except UnicodeDecodeError as error:
                    if not data:
                        reason = "the file ends in the middle of a character: it may be truncated"
                    else:
                        line = self._lines + data[: max(error.start, 0)].count(b"\n") + 1
                        reason = _bad_bytes(self.encoding, line)
                    raise UnreadableFileError(reason) from None
                if not data:
                    return
                self._lines += data.count(b"\n")
                out = data if passthrough else text.encode("utf-8")
                if self.bytes_done == len(data):  # the first block: drop a byte-order mark
                    out = out.removeprefix(codecs.BOM_UTF8)
                yield out

    def pieces(self) -> Iterator[bytes]:
        """The file after its header row, in pieces that each end at the end of a row."""
        carry, header_done = b"", False
        for data in self._decoded():
            buffer = carry + data
            if not header_done:
                end = _row_end(buffer, first=True)
                if end < 0:
                    carry = buffer
                    continue
                buffer, header_done = buffer[end:], True
            end = _row_end(buffer, first=False)
            if end < 0:
                carry = buffer
                continue
            carry = buffer[end:]
            yield buffer[:end]
        if not header_done:  # a header row and nothing else, perhaps without a newline
            end = _row_end(carry + b"\n", first=True)
            if end < 0:
                raise UnreadableFileError("the header row never ends (a quote left open?)", row=1)
            carry = carry[end:]
        if carry.count(b'"') % 2:
            raise UnreadableFileError(
                "the file ends inside a quoted value (a truncated file, or a stray '\"')"
            )
        if carry.strip():
            yield carry


def _row_end(buffer: bytes, *, first: bool) -> int:
    """The index just after the first (or last) newline outside quotes; -1 if there is none."""
    position = -1 if first else len(buffer)
    while True:
        position = buffer.find(b"\n", position + 1) if first else buffer.rfind(b"\n", 0, position)
        if position < 0:
            return -1
        if buffer.count(b'"', 0, position) % 2 == 0:
            return position + 1


def _sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError("an old Excel .xls file: save it as .xlsx or CSV (UTF-8)")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raise UnreadableFileError("not a readable XLSX file (damaged or truncated?)")
    if suffix == ".parquet":
        raise UnreadableFileError("not a readable Parquet file (damaged or truncated?)")
    if b"\x00" in head:
        raise UnreadableFileError("a binary file, not a CSV: give a CSV, XLSX or Parquet file")
    return "csv"


def open_source(
    path: Path,
    *,
    problem: ProblemSink,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Source:
    """Open one file: detect its format (and encoding), read its header, ready to stream.

    Raises
    ------
    UnreadableFileError
        When the file cannot be read at all (missing, empty, binary, undecodable header, ...).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise UnreadableFileError("no such file") from None
    except IsADirectoryError:
        raise UnreadableFileError("a directory, not a file") from None
    except OSError as error:
        raise UnreadableFileError(f"cannot be read ({error.strerror})") from None
    if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise UnreadableFileError("the file is empty: it needs a header row and one row per record")
    kind = _sniff_format(path, head)
    if kind == "xlsx":
        return _open_xlsx(path, size, sheet, problem, chunk_bytes)
    if kind == "parquet":
        return _open_parquet(path, size, chunk_bytes)
    return _open_csv(path, size, head, encoding, problem, chunk_bytes)


# ---------------------------------------------------------------------------------------------
# CSV


def _open_csv(
    path: Path,
    size: int,
    head: bytes,
    encoding: str | None,
    problem: ProblemSink,
    chunk_bytes: int,
) -> Source:
    detected = encoding is None
    if encoding is None:
        encoding = detect_encoding(head)
        if encoding is None:
            raise UnreadableFileError(
                "not text in UTF-8, Big5-HKSCS or GB18030 (a binary file?); if it is text in "
                "another encoding, give it with --encoding"
            )
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            _bad_bytes(encoding, head[: error.start].count(b"\n") + 1)
        ) from None
    header = _csv_header(text.removeprefix("\ufeff"))
    source = Source(path, "csv", encoding, detected, header, size, chunks=lambda: iter(()))
    source.chunks = lambda: _csv_chunks(source, problem, chunk_bytes)
    return source


def _csv_header(text: str) -> tuple[str, ...]:
    first = text.split("\n", 1)[0].removesuffix("\r")
    header = next(csv.reader([first]), [])
    if len(header) <= 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if len(first.split(delimiter)) > 1:
                raise UnreadableFileError(
                    f"the columns are separated by {name}, not commas: save the file as "
                    "comma-separated CSV",
                    row=1,
                )
    if not any(h.strip() for h in header):
        raise UnreadableFileError("row 1 (the header) is empty: it must name the columns", row=1)
    return tuple(header)


def _csv_chunks(source: Source, problem: ProblemSink, chunk_bytes: int) -> Iterator[Chunk]:
    width = len(source.columns)
    names = [f"c{i}" for i in range(width)]  # positional: header names may repeat or be blank
    assert source.encoding is not None
    blocks = _Utf8Blocks(source.path, source.encoding, chunk_bytes)
    next_row = 2  # the spreadsheet row of the next record
    for piece in blocks.pieces():
        skipped: list[int] = []  # rows of this piece not read as records, counted from 1

        def on_invalid(row: Any, skipped: list[int] = skipped, start: int = next_row) -> str:
            skipped.append(row.number)
            if row.actual_columns > 1 or row.text.strip():  # a blank line is not a record
                problem(
                    start + row.number - 1,
                    None,
                    f"{row.actual_columns} cells where the header has {width} (a ragged row: a "
                    "missing or extra comma, or a truncated file); fix the row",
                )
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(piece),
                read_options=pacsv.ReadOptions(
                    use_threads=False, block_size=len(piece) + 1, column_names=names
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,  # serial reading: it knows the row numbers
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:
            raise UnreadableFileError(
                f"cannot be parsed as CSV after row {next_row - 1}; check the quotes and the "
                "delimiter",
                row=next_row,
            ) from None
        rows, next_row = _number_rows(table.num_rows, next_row, skipped)
        source.bytes_done = blocks.bytes_done
        yield Chunk(table.rename_columns(list(source.columns)), rows)
    source.bytes_done = source.size


def _number_rows(n: int, first: int, skipped: list[int]) -> tuple[np.ndarray[Any, Any], int]:
    """Spreadsheet rows of ``n`` records read from a piece starting at row ``first``.

    ``skipped`` holds the piece's rows (counted from 1) that were not read as records.
    """
    if not skipped:
        return np.arange(first, first + n, dtype=np.int64), first + n
    rows = np.arange(1, n + len(skipped) + 1, dtype=np.int64)
    rows = rows[~np.isin(rows, skipped)]
    return rows + first - 1, first + n + len(skipped)


# ---------------------------------------------------------------------------------------------
# XLSX


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _open_xlsx(
    path: Path, size: int, sheet: str | None, problem: ProblemSink, chunk_bytes: int
) -> Source:
    import zipfile

    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        # Not read-only: merged ranges are only known to the full worksheet model.
        book = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableFileError("not a readable XLSX file (damaged or truncated?)") from None
    if sheet is None:
        ws = book.worksheets[0]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        raise UnreadableFileError(
            f"no sheet {sheet!r}; the sheets are: {', '.join(book.sheetnames)}"
        )
    rows = ws.iter_rows()
    first = next(rows, ())
    header = [_cell_text(c.value).strip() for c in first]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise UnreadableFileError("row 1 (the header) is empty: it must name the columns", row=1)
    width = len(header)

    def letter_name(col: int) -> str:
        return header[col - 1] if col <= width and header[col - 1] else get_column_letter(col)

    for merged in ws.merged_cells.ranges:
        problem(
            merged.min_row,
            letter_name(merged.min_col),
            f"merged cells ({merged.coord}): unmerge them and fill in every cell",
        )

    def chunks() -> Iterator[Chunk]:
        per_chunk = max(1, chunk_bytes // 200)  # ~200 bytes per record
        total = max(ws.max_row - 1, 1)
        buffer: list[list[str]] = []
        numbers: list[int] = []
        for cells in rows:
            row_number = cells[0].row if cells else 0
            values = []
            for i, cell in enumerate(cells):
                if cell.data_type == "f":
                    problem(
                        cell.row,
                        letter_name(i + 1),
                        "the cell holds a formula: replace formulas with their values "
                        "(copy, paste values) and save again",
                    )
                    values.append("")
                    continue
                text = _cell_text(cell.value)
                if i >= width and text.strip():
                    problem(
                        cell.row, get_column_letter(i + 1), "a value in a column with no header"
                    )
                values.append(text)
            values = (values + [""] * width)[:width]
            if not any(v.strip() for v in values):
                continue  # an empty spreadsheet row is not a record
            buffer.append(values)
            numbers.append(row_number)
            if len(buffer) >= per_chunk:
                yield _rows_chunk(header, buffer, numbers)
                source.bytes_done = size * (row_number - 1) // total
                buffer, numbers = [], []
        if buffer:
            yield _rows_chunk(header, buffer, numbers)
        source.bytes_done = size

    source = Source(path, "xlsx", None, False, tuple(header), size, chunks=chunks)
    return source


def _rows_chunk(header: list[str], rows: list[list[str]], numbers: list[int]) -> Chunk:
    columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(len(header))]
    table = pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(header))])
    return Chunk(table.rename_columns(header), np.array(numbers, dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# Parquet


def _open_parquet(path: Path, size: int, chunk_bytes: int) -> Source:
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise UnreadableFileError("not a readable Parquet file (damaged or truncated?)") from None
    columns = tuple(file.schema_arrow.names)
    for name, type_ in zip(columns, file.schema_arrow.types, strict=True):
        if pa.types.is_nested(type_):
            raise UnreadableFileError("a nested column (list or struct): flatten it", column=name)

    def chunks() -> Iterator[Chunk]:
        total = max(file.metadata.num_rows, 1)
        done = 0
        per_chunk = max(1, chunk_bytes // 200)
        try:
            for batch in file.iter_batches(batch_size=per_chunk):
                strings = [pc.fill_null(col.cast(pa.string()), "") for col in batch.columns]
                table = pa.Table.from_arrays(strings, names=[f"c{i}" for i in range(len(columns))])
                rows = np.arange(done + 2, done + 2 + batch.num_rows, dtype=np.int64)
                done += batch.num_rows
                source.bytes_done = size * done // total
                yield Chunk(table.rename_columns(list(columns)), rows)
        except (pa.ArrowException, OSError):
            raise UnreadableFileError(
                f"the Parquet file is damaged after row {done + 1} (truncated?)"
            ) from None

    source = Source(path, "parquet", None, False, columns, size, chunks=chunks)
    return source
