"""``darkfigure simulate``: synthetic victims and lists with the truth known."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from darkfigure.cli._app import app, err_console, out_console, print_json


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            "-s",
            help="A packaged scenario's name (see --list-scenarios) or a scenario YAML file.",
        ),
    ] = "hk-default",
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            help="Random seed; the same scenario and seed give byte-identical files. "
            "Default: the scenario's seed, else 0.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            file_okay=False,
            help="Directory to write: lists/<list>.csv, truth/, scenario.yaml, lists.yaml. "
            "Must be new or empty unless --force.",
        ),
    ] = None,
    persons: Annotated[
        int | None,
        typer.Option(
            "--persons",
            "-n",
            min=1,
            help="Number of victims (the true total); overrides the scenario's.",
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a scenario key as key.path=value (repeatable), e.g. "
            "--set organisations.police.base_rate=0.1 --set dependence=false.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty --out directory.")
    ] = False,
    show_scenarios: Annotated[
        bool, typer.Option("--list-scenarios", help="List the packaged scenarios and exit.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the truth summary (truth/summary.json) as one JSON object."
        ),
    ] = False,
) -> None:
    """Simulate one year of trafficking victims and the lists organisations would keep.

    Draws the victims from a scenario (who they are, how they were recruited, controlled,
    exploited and moved), decides who comes onto which list (police, immigration screening,
    labour, customs, NGOs, consulates), and writes each list as that organisation would record
    people: different name forms, date errors, gaps, duplicates. The truth (who is who, the true
    total) is written apart, in truth/. Nothing is written unless all of it is.

    Example:

        darkfigure simulate --scenario hk-default --seed 1 --out out/

        darkfigure simulate -s hk-default --seed 1 -o out2/ -n 20000 --set dependence=false
    """
    # Imported here, not at module level, so that `darkfigure --help` stays fast.
    from darkfigure.simulate import list_scenarios, simulate_world

    if show_scenarios:
        found = list_scenarios()
        if as_json:
            print_json({"scenarios": found})
            return
        table = Table("scenario", "description", title="Packaged scenarios", title_justify="left")
        for name, description in found.items():
            table.add_row(name, description)
        out_console.print(table)
        return
    if out is None:
        raise typer.BadParameter("give the directory to write, e.g. --out out/", param_hint="--out")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("simulating", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        world = simulate_world(
            scenario, seed=seed, persons=persons, overrides=overrides or (), progress=report
        )
        target = world.write(out, force=force, progress=report)
    if as_json:
        print_json(world.to_dict())
        return
    out_console.print(world.summary())
    err_console.print(f"wrote {target}/ (lists/, truth/, scenario.yaml, lists.yaml)")
