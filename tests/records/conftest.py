"""Helpers for the records tests: synthetic people only (names like ``SAMPLECHAN`` are invented)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

WriteCsv = Callable[..., Path]


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write rows (header first) as a CSV file in ``encoding``; returns its path."""

    def write(
        name: str, rows: Sequence[Sequence[str]], encoding: str = "utf-8", delimiter: str = ","
    ) -> Path:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(buf.getvalue().encode(encoding))
        return path

    return write
