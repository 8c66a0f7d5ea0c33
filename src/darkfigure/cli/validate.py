"""``darkfigure validate``: read, normalise and check case-record files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from darkfigure.cli._app import app, err_console, out_console, print_json

#: Below this much input, validating takes about a second: no progress bar.
_PROGRESS_BYTES = 8 << 20


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    from darkfigure.records import canonical_encoding

    try:
        return canonical_encoding(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


_HELP = (
    "Read, normalise and check case-record files against the record standard.\n\n"
    "Prints a summary, then one line per problem: file, row (the header is row 1), column and "
    "reason. Values of identity columns (names, dates of birth, document numbers, phones) are "
    "never printed. Input files are never modified.\n\n"
    "Exit status: 0 valid (warnings allowed), 1 errors found, 2 usage error.\n\n"
    "Example: [bold]darkfigure validate police.csv shelter.xlsx --out records.parquet[/]\n\n"
    "Try it on the shipped synthetic lists: [bold]darkfigure validate --sample[/]"
)


@app.command(help=_HELP)
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Case-record files: CSV, XLSX or Parquet, one list each (or a list_name column).",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Read CSV files in this encoding (utf-8, big5hkscs, gb18030) instead of "
            "detecting it.",
            callback=_encoding,
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The XLSX sheet to read (default: the first).")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object (the report).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the normalised records to this Parquet file (only when there is no error).",
            dir_okay=False,
        ),
    ] = None,
    sample: Annotated[
        bool,
        typer.Option(
            "--sample", help="Validate the synthetic sample lists shipped with darkfigure."
        ),
    ] = False,
) -> None:
    """Validate case-record files (see ``_HELP``)."""
    # Imported here, not at module level, so that `darkfigure --help` stays fast.
    from darkfigure.records import sample_paths, validate_lists

    paths = list(files or [])
    if sample:
        paths += sample_paths()
    if not paths:
        raise typer.BadParameter("give at least one FILE (or --sample)", param_hint="FILES")
    total = sum(p.stat().st_size for p in paths if p.is_file())
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=total < _PROGRESS_BYTES,
    ) as bar:
        task = bar.add_task("validating", total=total)
        report = validate_lists(
            paths,
            encoding=encoding,
            sheet=sheet,
            out=out,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    if json_output:
        print_json(report.to_dict())
    else:
        out_console.print(report.summary())
        for line in report.problem_lines():
            out_console.print(line, markup=False, highlight=False)
    if out is not None:
        if report.valid:
            err_console.print(f"wrote the normalised records to {out}", markup=False)
        else:
            err_console.print(f"{out} not written: fix the errors first", markup=False)
    if not report.valid:
        raise typer.Exit(1)
