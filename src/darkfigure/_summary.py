"""One summary object for every stage's result: read by people, rendered anywhere.

A :class:`Summary` is a title, (label, value) header pairs, zero or more tables and notes
(warnings first). It renders to Rich (``__rich__``), plain text (``str``), HTML
(``_repr_html_``, reused by the report) and CSV (its tables). Stages build one from aggregates
only, never from records about people.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

__all__ = ["Summary", "SummaryTable"]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


@dataclass(frozen=True)
class SummaryTable:
    """A titled table of already-aggregated values."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_csv(self) -> str:
        """The table as CSV text (raw values, not formatted)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buf.getvalue()


@dataclass(frozen=True)
class Summary:
    """A result for people: header pairs, tables, warnings and notes.

    Examples
    --------
    >>> s = Summary("Estimate", header=(("observed", 2744),), notes=("closed population",))
    >>> print(s)
    Estimate
      observed: 2,744
    Note: closed population
    """

    title: str
    header: tuple[tuple[str, Any], ...] = ()
    tables: tuple[SummaryTable, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def with_table(
        self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> Summary:
        """A copy with one more table."""
        table = SummaryTable(title, tuple(columns), tuple(tuple(r) for r in rows))
        return Summary(self.title, self.header, (*self.tables, table), self.warnings, self.notes)

    def __str__(self) -> str:
        lines = [self.title]
        lines += [f"  {label}: {_cell(value)}" for label, value in self.header]
        for table in self.tables:
            widths = [len(c) for c in table.columns]
            cells = [[_cell(v) for v in row] for row in table.rows]
            for row in cells:
                widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
            lines.append("")
            lines.append(table.title)
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True))
            )
            for row in cells:
                lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        lines += [f"Warning: {w}" for w in self.warnings]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = [Text(self.title, style="bold")]
        if self.header:
            grid = RichTable.grid(padding=(0, 2))
            grid.add_column(style="dim")
            grid.add_column()
            for label, value in self.header:
                grid.add_row(Text(label), Text(_cell(value)))
            parts.append(grid)
        for table in self.tables:
            rich_table = RichTable(title=Text(table.title), title_justify="left")
            for column in table.columns:
                rich_table.add_column(Text(column))
            for row in table.rows:
                # Text, not str: values such as list names are data, never Rich markup.
                rich_table.add_row(*(Text(_cell(v)) for v in row))
            parts.append(rich_table)
        parts += [Text(f"Warning: {w}", style="yellow") for w in self.warnings]
        parts += [Text(f"Note: {n}", style="dim") for n in self.notes]
        return Group(*parts)

    def _repr_html_(self) -> str:
        esc = html.escape
        out = [f'<section class="summary"><h3>{esc(self.title)}</h3>']
        if self.header:
            out.append("<dl>")
            out += [f"<dt>{esc(k)}</dt><dd>{esc(_cell(v))}</dd>" for k, v in self.header]
            out.append("</dl>")
        for table in self.tables:
            out.append(f"<table><caption>{esc(table.title)}</caption><thead><tr>")
            out += [f"<th>{esc(c)}</th>" for c in table.columns]
            out.append("</tr></thead><tbody>")
            for row in table.rows:
                out.append("<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>")
            out.append("</tbody></table>")
        out += [f'<p class="warning">{esc(w)}</p>' for w in self.warnings]
        out += [f'<p class="note">{esc(n)}</p>' for n in self.notes]
        out.append("</section>")
        return "".join(out)

    def to_csv(self) -> str:
        """All tables as CSV blocks, each preceded by a ``# title`` line."""
        return "\n".join(f"# {t.title}\n{t.to_csv()}" for t in self.tables)

    def render_text(self, width: int = 100) -> str:
        """The Rich rendering captured as plain text (for tests and logs)."""
        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(self)
        return console.export_text()
