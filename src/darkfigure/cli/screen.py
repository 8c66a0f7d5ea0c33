"""``darkfigure screen``: classify case records under Palermo, ILO and Cap. 200 rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from darkfigure._files import write_atomic
from darkfigure.cli._app import app, err_console, out_console, print_json

_HELP = (
    "Screen case records: what the recorded facts amount to under the UN Trafficking (Palermo) "
    "Protocol, ILO forced labour (ICLS 2018), the ILO/EC trafficking indicators (2009) and Hong "
    "Kong's Crimes Ordinance (Cap. 200 s.129-s.138A).\n\n"
    "Every answer is yes, no or insufficient (a field the rule needs was not recorded; missing "
    "never counts as no). The legal gap is: trafficked under the Protocol, yet outside s.129 "
    "(domestic victims, labour trafficking, scam compounds).\n\n"
    "Writes the input columns plus palermo_trafficking, ilo_forced_labour, ilo_ec_trafficking, "
    "cap200_s129, cap200_offences, legal_gap, hk_screening_group, screen_missing and "
    "screen_explanation; prints counts, the legal gap and the fields most often missing.\n\n"
    "A consistent screening aid, not a legal determination (docs/screening.md).\n\n"
    "Example: [bold]darkfigure screen police.csv ngo.csv --out screened.csv[/]\n\n"
    "Exit status: 0 done, 1 bad input or rules, 2 usage error."
)


@app.command(help=_HELP)
def screen(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Case-record files (CSV, XLSX or Parquet) in the record standard.",
            show_default=False,
            metavar="FILE...",
            exists=True,
            dir_okay=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Write the screened records here: .csv or .parquet (written atomically). "
            "Holds identities, as the input does. Example: --out screened.parquet",
            dir_okay=False,
        ),
    ],
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print exactly one JSON object: the counts (no records)."),
    ] = False,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="RECORD_ID",
            help="Also print, for this record_id, every answer with its facts, rule and "
            "citation. Example: --explain P-2024001",
        ),
    ] = None,
    rules: Annotated[
        list[Path] | None,
        typer.Option(
            "--rules",
            help="Use these rule files (YAML) instead of the bundled ones; repeat for several. "
            "Example: --rules my_palermo.yaml --rules my_cap200.yaml",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Screen case records (see ``_HELP``)."""
    # Imported here, not at module level, so that `darkfigure --help` stays fast.
    from darkfigure.screen import load_rules, screen_records

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise typer.BadParameter("--out must end in .csv or .parquet", param_hint="--out")
    rule_set = load_rules(rules) if rules else None
    with err_console.status("Screening records..."):
        result = screen_records(files, rules=rule_set)
    explanation = result.explain(explain) if explain is not None else None
    frame = result.frame
    if suffix == ".csv":
        write_atomic(out, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    else:
        write_atomic(out, lambda tmp: frame.to_parquet(tmp, index=False))
    if json_output:
        data = result.to_dict()
        if explanation is not None:
            data["explanation"] = explanation
        print_json(data)
        return
    out_console.print(result.summary())
    if explanation is not None:
        out_console.print()
        out_console.print(explanation, markup=False, highlight=False)
    err_console.print(f"wrote {len(frame):,} screened records to {out}")
