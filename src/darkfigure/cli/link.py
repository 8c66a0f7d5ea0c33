"""``darkfigure link``: who is who across case-record lists."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from darkfigure.cli._app import app, err_console, out_console, print_json
from darkfigure.errors import DarkfigureWarning, InputError

_HELP = (
    "Link case records within and across lists into people, and tabulate capture histories.\n\n"
    "Names are compared syllable by syllable across romanisations and scripts (CHEN Xiaomei = "
    "Chan Siu Mei = 陳小美), with dates of birth (partial, day/month swapped, or implied by an "
    "age), phones, document numbers, sex and citizenship, in a Fellegi–Sunter model trained by "
    "EM (Splink).\n\n"
    "Writes DIR/records.csv (list_name, record_id, person_key, cluster_size, "
    "match_probability), DIR/histories.csv (ready for `darkfigure estimate`), and "
    "DIR/diagnostics/ (the trained model as model.json, its parameters, a match-weight chart, "
    "and a review file listing the uncertain clusters by record id, for the data holder "
    "only). With --samples M, DIR/samples/ holds M capture-history tables drawn from the "
    "match probabilities.\n\n"
    "A study fixes its options in a YAML file (--settings; see "
    "docs/link-settings.example.yaml); options given on the command line override the file, "
    "which overrides the defaults. --model applies a saved model without training, so that "
    "next year's lists are linked with this year's model.\n\n"
    "Exit status: 0 done, 1 bad input (including invalid settings or model), 2 usage "
    "error.\n\n"
    "Examples:\n\n"
    "[bold]darkfigure link police.csv shelter.csv hotline.csv --out linked/[/]\n\n"
    "[bold]darkfigure link lists2026/*.csv --out linked2026/ --settings link.yaml[/]\n\n"
    "[bold]darkfigure link lists2027/*.csv --out linked2027/ --settings link.yaml "
    "--model linked2026/diagnostics/model.json[/]"
)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` was given (on the command line), not left at its default."""
    source = ctx.get_parameter_source(name)
    # Typer vendors Click privately, so the enum is compared by name rather than imported.
    return source is not None and source.name != "DEFAULT"


@app.command(help=_HELP)
def link(
    ctx: typer.Context,
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
            "only while their average pairwise probability stays above it (overrides the "
            "settings file). Example: --threshold 0.8",
        ),
    ] = 0.3,
    backend: Annotated[
        str,
        typer.Option(
            "--backend",
            help="SQL engine: duckdb (in process) or spark (pyspark "
            "needed; overrides the settings file). Example: --backend spark",
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
            "--histories-samples DIR`; overrides the settings file). Example: --samples 20",
        ),
    ] = 0,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed of the random pair samples that estimate u and of the drawn tables. "
            "Fixed by default, so the same files give the same links; other seeds give the "
            "same or nearly the same links (overrides the settings file). Example: --seed 7",
        ),
    ] = 0,  # darkfigure.link._model.DEFAULT_SEED (not imported here: `--help` stays fast)
    settings: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="YAML file of linkage settings for the study (threshold, backend, seed, "
            "samples, address, case_facts, date_identified, all_pairs_limit, training); "
            "options given here override it. Example: --settings link.yaml",
            dir_okay=False,
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Apply a saved model (DIR/diagnostics/model.json of an earlier run) instead "
            "of training one; warns when it was trained with other settings. "
            "Example: --model linked2026/diagnostics/model.json",
            dir_okay=False,
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print exactly one JSON object (counts, settings hash, the model's "
            "provenance, warnings; no record values).",
        ),
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
    # Only the options given on the command line override the settings file; the others keep
    # the file's values (or the defaults, which are the ones shown above).
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("threshold", threshold),
            ("backend", backend),
            ("samples", samples),
            ("seed", seed),
        )
        if _given(ctx, name)
    }
    truth_frame = None
    if truth is not None:
        try:
            truth_frame = pd.read_csv(truth, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
            raise InputError(f"{truth}: not a readable CSV file") from None
    # The linkage's warnings are part of its result (the summary, or the JSON and stderr);
    # Python's own warning output would print them a second time.
    with warnings.catch_warnings(), err_console.status("linking", spinner="dots") as status:
        warnings.simplefilter("ignore", DarkfigureWarning)
        linkage = link_records(
            files,
            settings=settings,
            model=model,
            progress=lambda step: status.update(step),
            **given,
        )
        status.update("writing")
        linkage.write(out)
        evaluation = None
        if truth_frame is not None:
            status.update("evaluating against the truth")
            evaluation = linkage.evaluate(truth_frame)
    if json_output:
        for message in linkage.warnings:
            err_console.print(f"[bold yellow]warning:[/] {message}", markup=True, highlight=False)
        data = linkage.to_dict()
        if evaluation is not None:
            data["evaluation"] = evaluation.to_dict()
        print_json(data)
        return
    out_console.print(linkage.summary())
    if evaluation is not None:
        out_console.print(evaluation.summary())
    err_console.print(f"wrote {out}/records.csv, histories.csv, diagnostics/")
