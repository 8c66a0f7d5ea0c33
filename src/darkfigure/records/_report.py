"""The validation report: each problem located by file, row and column, never quoting identities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from darkfigure._summary import Summary
from darkfigure.errors import RecordError
from darkfigure.records._standard import IDENTITY_COLUMNS

__all__ = ["Problem", "ValidationReport"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in one place.

    Attributes
    ----------
    file
        The file, as given.
    row
        The spreadsheet row (header = row 1, first record = row 2); None for the whole file.
    column
        The column; None for a whole row or file.
    reason
        Why, and what to do.
    severity
        ``"error"`` (the data cannot be used as is) or ``"warning"`` (kept as written).
    value
        The offending value, only outside the identity columns; else None.

    Examples
    --------
    >>> print(Problem("a.csv", 7, "sex", "not a sex code", "error", "?"))
    a.csv, row 7, column sex: not a sex code (value '?')
    """

    file: str
    row: int | None
    column: str | None
    reason: str
    severity: Severity = "error"
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and self.column in IDENTITY_COLUMNS:
            raise ValueError("a Problem must not carry the value of an identity column")

    def __str__(self) -> str:
        place = [self.file]
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column is not None:
            place.append(f"column {self.column}")
        text = f"{', '.join(place)}: {self.reason}"
        if self.value is not None and repr(self.value) not in self.reason:
            text += f" (value {self.value!r})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "severity": self.severity,
            "value": self.value,
        }


@dataclass(frozen=True)
class ValidationReport:
    """What validating some case-record files found: problems, counts and notes.

    Attributes
    ----------
    errors, warnings
        The problems, in file and row order (at most ``shown_per_kind`` rows of each kind of
        problem per file and column; ``omitted`` counts the rest).
    notes
        Things worth knowing that are not problems (the encoding used, unknown columns kept).
    files
        Per file: ``file``, ``format``, ``encoding``, ``encoding_detected``, ``records``,
        ``lists``.
    lists
        Records per list name.
    error_count, warning_count
        All problems, including those not listed.
    omitted
        ``(file, column, severity, reason, count)`` for rows not listed one by one.
    """

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    files: tuple[Mapping[str, Any], ...] = ()
    lists: Mapping[str, int] = field(default_factory=dict)
    error_count: int = 0
    warning_count: int = 0
    omitted: tuple[tuple[str, str | None, str, str, int], ...] = ()

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.error_count == 0

    @property
    def records(self) -> int:
        """The number of records read."""
        return sum(self.lists.values())

    def raise_if_invalid(self) -> None:
        """Raise :class:`~darkfigure.errors.RecordError` listing the errors, if there are any."""
        if not self.valid:
            lines = [str(p) for p in self.errors]
            lines += [
                f"{file}, column {column}: {count:,} more rows: {reason}"
                for file, column, severity, reason, count in self.omitted
                if severity == "error"
            ]
            raise RecordError(lines)

    def problem_lines(self) -> list[str]:
        """One line per problem (errors, then warnings), then one per group not listed."""
        lines = [f"error: {p}" for p in self.errors] + [f"warning: {p}" for p in self.warnings]
        lines += [
            f"{severity}: {file}{f', column {column}' if column else ''}: {count:,} more rows: "
            f"{reason}"
            for file, column, severity, reason, count in self.omitted
        ]
        return lines

    def summary(self) -> Summary:
        """Counts, files and lists for people (no record values)."""
        verdict = "valid" if self.valid else "NOT valid"
        summary = Summary(
            f"Validation of case records: {verdict}",
            header=(
                ("files", len(self.files)),
                ("lists", len(self.lists)),
                ("records", self.records),
                ("errors", self.error_count),
                ("warnings", self.warning_count),
            ),
            notes=self.notes,
        )
        if self.files:
            summary = summary.with_table(
                "Files",
                ("file", "format", "encoding", "lists", "records"),
                [
                    (
                        f["file"],
                        f["format"],
                        (f["encoding"] or "—") + (" (detected)" if f["encoding_detected"] else ""),
                        ", ".join(f["lists"]),
                        f["records"],
                    )
                    for f in self.files
                ],
            )
        if self.lists:
            summary = summary.with_table("Lists", ("list", "records"), sorted(self.lists.items()))
        return summary

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: ``valid``, counts, ``files``, ``lists``, ``errors``, ``warnings``, ..."""
        return {
            "valid": self.valid,
            "records": self.records,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "files": [dict(f) for f in self.files],
            "lists": dict(self.lists),
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "omitted": [
                {"file": f, "column": c, "severity": s, "reason": r, "count": n}
                for f, c, s, r, n in self.omitted
            ],
            "notes": list(self.notes),
        }


class ProblemLog:
    """Collects problems, keeping at most ``per_kind`` rows of each (file, column, reason)."""

    def __init__(self, per_kind: int = 20) -> None:
        self.per_kind = per_kind
        self._kept: list[Problem] = []
        self._counts: dict[tuple[str, str | None, str, str], int] = {}

    def add(
        self,
        file: str,
        rows: Sequence[int | None],
        column: str | None,
        reason: str,
        severity: Severity = "error",
        value: str | None = None,
    ) -> None:
        """Record the same problem on some rows."""
        key = (file, column, severity, reason)
        seen = self._counts.get(key, 0)
        self._counts[key] = seen + len(rows)
        room = max(self.per_kind - seen, 0)
        shown = value if column not in IDENTITY_COLUMNS else None
        self._kept += [Problem(file, r, column, reason, severity, shown) for r in rows[:room]]

    def count(self, severity: Severity) -> int:
        """All problems of a severity so far."""
        return sum(n for (_, _, s, _), n in self._counts.items() if s == severity)

    def report(
        self,
        *,
        notes: Sequence[str],
        files: Sequence[Mapping[str, Any]],
        lists: Mapping[str, int],
        file_order: Sequence[str],
    ) -> ValidationReport:
        """The final report, problems sorted by file (in the order given) and row."""
        rank = {f: i for i, f in enumerate(file_order)}

        def key(p: Problem) -> tuple[int, int]:
            # Stable sort: within a row, problems stay in the order of the file's columns.
            return (rank.get(p.file, len(rank)), p.row or 0)

        kept = sorted(self._kept, key=key)
        omitted = tuple(
            (f, c, s, r, n - self.per_kind)
            for (f, c, s, r), n in self._counts.items()
            if n > self.per_kind
        )
        return ValidationReport(
            errors=tuple(p for p in kept if p.severity == "error"),
            warnings=tuple(p for p in kept if p.severity == "warning"),
            notes=tuple(notes),
            files=tuple(files),
            lists=dict(lists),
            error_count=self.count("error"),
            warning_count=self.count("warning"),
            omitted=omitted,
        )
