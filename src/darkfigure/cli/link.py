"""``darkfigure link``: who is who across case-record lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from darkfigure.cli._app import app, err_console, out_console, print_json
from darkfigure.errors import InputError

_HELP = (
    "Link case records within and across lists into people, and tabulate capture histories.\n\n"
    "Names are compared syllable by syllable across romanisations and scripts (CHEN Xiaomei = "
    "Chan Siu Mei = 陳小美), with dates of birth (partial, day/month swapped, or implied by an "
    "age), phones, document numbers, sex and citizenship, in a Fellegi–Sunter model trained by "
    "EM (Splink).\n\n"
    "Writes DIR/records.csv (list_name, record_id, person_key, cluster_size, "
    "match_probability), DIR/histories.csv (ready for `darkfigure estimate`), and "
    "DIR/diagnostics/ (trained parameters, match-weight chart, and a review file listing the "
    "uncertain clusters by record id, for the data holder only). With --samples M, "
    "DIR/samples/ holds M capture-history tables drawn from the match probabilities.\n\n"
    "Exit status: 0 done, 1 bad input, 2 usage error.\n\n"
    "Example: [bold]darkfigure link police.csv shelter.csv hotline.csv --out linked/[/]"
)


@app.command(help=_HELP)
def link(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Case-record files in the record standard, one list each (or a list_name column).",
            show_default=False,
            metavar="FILE",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Output directory (created; files in it are replaced). Example: --out linked/",
            file_okay=False,
        ),
    ],
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Match probability at or above which records are linked; groups join "
            "only while their average pairwise probability stays above it. "
            "Example: --threshold 0.8",
        ),
    ] = 0.3,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            help="SQL engine: duckdb (in process) or spark (pyspark "
            "needed). Example: --backend spark",
        ),
    ] = "duckdb",
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="CSV with list_name, record_id, person_id (e.g. "
            "a simulation's truth/records.csv): print precision, recall, F1, cluster "
            "and capture-history errors. Example: --truth sim/truth/records.csv",
            dir_okay=False,
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            "--samples",
            min=0,
            help="Also write this many capture-history tables "
            "drawn from the match probabilities (for `darkfigure estimate "
            "--histories-samples DIR`). Example: --samples 20",
        ),
    ] = 0,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed of the random pair samples that estimate u and of the drawn tables. "
            "Fixed by default, so the same files give the same links; other seeds give the "
            "same or nearly the same links. Example: --seed 7",
        ),
    ] = 0,  # darkfigure.link._model.DEFAULT_SEED (not imported here: `--help` stays fast)
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object (counts only).")
    ] = False,
) -> None:
    """Link case-record files (see ``_HELP``)."""
    # Imported here, not at module level, so that `darkfigure --help` stays fast.
    import pandas as pd

    from darkfigure.link import link_records

    if backend not in ("duckdb", "spark"):
        raise typer.BadParameter("choose duckdb or spark", param_hint="--backend")
    if not 0 < threshold < 1:
        raise typer.BadParameter("must be strictly between 0 and 1", param_hint="--threshold")
    truth_frame = None
    if truth is not None:
        try:
            truth_frame = pd.read_csv(truth, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
            raise InputError(f"{truth}: not a readable CSV file") from None
    with err_console.status("linking", spinner="dots") as status:
        linkage = link_records(
            files,
            threshold=threshold,
            backend=backend,
            samples=samples,
            seed=seed,
            progress=lambda step: status.update(step),
        )
        status.update("writing")
        linkage.write(out)
        evaluation = None
        if truth_frame is not None:
            status.update("evaluating against the truth")
            evaluation = linkage.evaluate(truth_frame)
    if json_output:
        data = linkage.to_dict()
        if evaluation is not None:
            data["evaluation"] = evaluation.to_dict()
        print_json(data)
        return
    out_console.print(linkage.summary())
    if evaluation is not None:
        out_console.print(evaluation.summary())
    err_console.print(f"wrote {out}/records.csv, histories.csv, diagnostics/")
