"""``darkfigure report``: the bilingual, disclosure-controlled HTML (and PDF) report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, cast

import typer

from darkfigure.cli._app import app, err_console, out_console, print_json
from darkfigure.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

Rounding = Literal["none", "conventional", "random"]

_HELP = (
    "Write the report an NGO director, a legislator or a journalist reads: the headline "
    "(people on the lists, the estimated total with its interval, the dark figure), how the "
    "lists overlap, the estimate by method, estimates by group, screening and the legal gap, "
    "data quality, methods and assumptions; in English and Traditional Chinese.\n\n"
    "One self-contained HTML file (no script, opens offline); --pdf prints it with headless "
    "Chromium. No count below --k is published (suppressed, with complementary suppression "
    "checked by solving the attacker's equations); no name, date of birth, document, phone "
    "or record id appears anywhere.\n\n"
    "Example: [bold]darkfigure report --records linked/records.csv --estimates est.json "
    "--screened screened.csv --out report.html --lang both[/]\n\n"
    "Exit status: 0 written, 1 bad input, 2 usage error."
)


def _read_frame(path: Path, what: str) -> pd.DataFrame:
    import pandas as pd

    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file ({what})") from None
    except (ValueError, UnicodeDecodeError, OSError) as error:
        raise InputError(f"{path}: not a readable {what} table ({type(error).__name__})") from None


@app.command(help=_HELP)
def report(
    records: Annotated[
        Path,
        typer.Option(
            "--records",
            help="Linked records (records.csv from `darkfigure link`, or "
            ".parquet). Example: --records linked/records.csv",
            dir_okay=False,
            show_default=False,
        ),
    ],
    estimates: Annotated[
        Path,
        typer.Option(
            "--estimates",
            help="Estimates: `darkfigure estimate --json` output, a list "
            "of them, or the estimates.json `darkfigure demo` writes (methods, headline, "
            "strata). Example: --estimates est.json",
            dir_okay=False,
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="The HTML file to write (atomically). Example: --out report.html",
            dir_okay=False,
            show_default=False,
        ),
    ],
    screened: Annotated[
        Path | None,
        typer.Option(
            "--screened",
            help="Screened records (from `darkfigure screen`), for the "
            "screening funnel and the legal gap. Example: --screened screened.csv",
            dir_okay=False,
        ),
    ] = None,
    validation: Annotated[
        Path | None,
        typer.Option(
            "--validation",
            help="`darkfigure validate --json` output, for the "
            "data-quality section. Example: --validation validation.json",
            dir_okay=False,
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write <out>.pdf (needs Chromium).")
    ] = False,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="en, zh-Hant, or both (a switch and a side-by-side view, "
            "no script needed). Example: --lang zh-Hant",
        ),
    ] = "both",
    k: Annotated[
        int,
        typer.Option("--k", min=2, help="Smallest count published (CTDC used 11). Example: --k 11"),
    ] = 10,
    rounding: Annotated[
        str,
        typer.Option(
            "--rounding",
            help="Round published counts: none, conventional or random "
            "(unbiased). Example: --rounding random",
        ),
    ] = "none",
    rounding_base: Annotated[
        int, typer.Option("--rounding-base", min=2, help="Base of --rounding. Example: 5")
    ] = 5,
    epsilon: Annotated[
        float | None,
        typer.Option(
            "--epsilon",
            help="Differential privacy: ε spent per published table "
            "(discrete Laplace noise); the report states the total. Example: --epsilon 1",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of random rounding and noise. Example: 7")
    ] = None,
    truth: Annotated[
        int | None,
        typer.Option(
            "--truth",
            help="The true total, for simulated data (shown beside the "
            "estimate; marks the report as simulated). Example: --truth 2400",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object (paths and headline).")
    ] = False,
) -> None:
    """Write the report (see ``_HELP``)."""
    from darkfigure.publish import DisclosurePolicy, read_estimates, write_report

    if rounding not in ("none", "conventional", "random"):
        raise typer.BadParameter("must be none, conventional or random", param_hint="--rounding")
    if lang not in ("en", "zh-Hant", "both"):
        raise typer.BadParameter("must be en, zh-Hant or both", param_hint="--lang")
    policy = DisclosurePolicy(
        k=k,
        rounding=cast(Rounding, rounding),
        rounding_base=rounding_base,
        epsilon=epsilon,
        seed=seed,
    )
    linked = _read_frame(records, "linked records")
    screened_frame = _read_frame(screened, "screened records") if screened else None
    validation_data = None
    if validation is not None:
        try:
            validation_data = json.loads(validation.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise InputError(
                f"{validation}: not a readable JSON file ({type(error).__name__})"
            ) from None
    with err_console.status("Writing the report..."):
        result = write_report(
            linked,
            read_estimates(estimates),
            out=out,
            screened=screened_frame,
            validation=validation_data,
            truth=truth,
            simulated=truth is not None,
            policy=policy,
            lang=lang,
            pdf=pdf,
        )
    if json_output:
        print_json(result.to_dict())
    else:
        out_console.print(result.summary())
