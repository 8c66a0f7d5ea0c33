"""``darkfigure demo``: every stage on simulated lists, ending with the report and the truth.

The demo only orchestrates the stage facades (simulate → records → screen → link → estimate →
publish); it computes nothing of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from darkfigure._files import write_atomic, write_text_atomic
from darkfigure._summary import Summary
from darkfigure.cli._app import app, err_console, out_console
from darkfigure.errors import DarkfigureError, NotEstimableError

if TYPE_CHECKING:
    import pandas as pd

_HELP = (
    "Run the whole pipeline on simulated Hong Kong lists and write the report.\n\n"
    "Simulates a scenario (the true total is known), validates the lists, screens every record, "
    "links records into people, estimates the total with several methods (and by group), and "
    "writes a bilingual, disclosure-controlled report. Prints the headline: people on the "
    "lists, the estimated total with its interval and, because the data are simulated, the "
    "true total.\n\n"
    "Writes into --out: simulation/ (lists/ and truth/), screened.csv, linked/, estimates.json "
    "and report.html. Re-make the report with other settings from these files: "
    "darkfigure report --records OUT/linked/records.csv --screened OUT/screened.csv "
    "--estimates OUT/estimates.json --out OUT/report.html\n\n"
    "Example: [bold]darkfigure demo --out demo --seed 7[/]\n\n"
    "Exit status: 0 done, 1 a stage failed (the message says which), 2 usage error."
)

#: Methods the demo compares after the headline (the default method, see `darkfigure estimate
#: --help`): independence, SparseMSE's stepwise selection and Rcapture's heterogeneity models,
#: so that the forest plot shows how much the answer depends on the model. All of them pool the
#: lists' scopes except the default, which knows them (lists.yaml).
DEMO_METHODS = ("stepwise", "main", "chao", "darroch", "gamma")
#: Smallest group the demo tries to estimate on its own.
MIN_STRATUM = 60


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as progress:
        yield progress


def _estimate_all(
    linked: pd.DataFrame, lists: tuple[str, ...], scopes: Path, seed: int, progress: Progress
) -> Any:
    from darkfigure.eligibility import read_lists as read_scopes
    from darkfigure.estimate import estimate_population, visibility_sensitivity
    from darkfigure.estimate._methods import DEFAULT_METHOD
    from darkfigure.histories import CaptureHistories, build_histories
    from darkfigure.publish import EstimateSet
    from darkfigure.publish._strata import STRATA, stratum_column, stratum_columns
    from darkfigure.stratified_histories import stratify_histories

    table = build_histories(linked, lists=lists)
    assert isinstance(table, CaptureHistories)  # no `by`: one table
    stratified = stratify_histories(linked, read_scopes(scopes), lists=lists)
    task = progress.add_task("estimate: methods", total=len(DEMO_METHODS) + 2)
    estimates = []
    for method in (DEFAULT_METHOD, *DEMO_METHODS):
        try:
            data = stratified if method == DEFAULT_METHOD else table
            estimates.append(estimate_population(data, method=method, seed=seed))
        except DarkfigureError as error:
            err_console.print(f"[yellow]note:[/] method {method} gave no estimate: {error}")
        progress.advance(task)
    if not estimates:
        raise NotEstimableError("no estimation method gave an estimate on these lists")
    sensitivity = tuple(visibility_sensitivity(stratified))
    progress.advance(task)
    with_strata = stratum_columns(linked)
    strata: dict[str, dict[str, Any]] = {}
    task = progress.add_task("estimate: groups", total=len(STRATA))
    for variable in STRATA:
        tables = build_histories(with_strata, by=stratum_column(variable), lists=lists)
        assert isinstance(tables, dict)
        for value, group in tables.items():
            if value in ("", "multiple") or group.observed < MIN_STRATUM:
                continue
            try:
                strata.setdefault(variable, {})[value] = estimate_population(
                    group, method=estimates[0].method, seed=seed
                )
            except DarkfigureError:
                continue  # not estimable in this group: the report says "not estimated"
        progress.advance(task)
    return EstimateSet(tuple(estimates), estimates[0].method, strata, sensitivity)


@app.command(help=_HELP)
def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for the simulation, estimates and report (replaced "
            "if it holds an earlier demo). Example: --out demo",
            file_okay=False,
        ),
    ] = Path("demo-out"),
    seed: Annotated[
        int,
        typer.Option("--seed", help="Seed of the simulation and the estimates. Example: --seed 7"),
    ] = 1,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario to simulate. Example: --scenario hk-small")
    ] = "hk-default",
    lang: Annotated[
        str, typer.Option("--lang", help="Report language: en, zh-Hant or both.")
    ] = "both",
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest count published.")] = 10,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print the report to PDF (Chromium).")
    ] = False,
) -> None:
    """Run the demo (see ``_HELP``)."""
    if lang not in ("en", "zh-Hant", "both"):
        raise typer.BadParameter("must be en, zh-Hant or both", param_hint="--lang")
    # The stages are imported here, not at module level, so that `darkfigure --help` stays fast.
    from darkfigure.link import link_records
    from darkfigure.publish import DisclosurePolicy, write_report
    from darkfigure.records import read_lists
    from darkfigure.screen import screen_records
    from darkfigure.simulate import simulate_world

    with _progress() as progress:
        task = progress.add_task(f"simulate: {scenario}", total=None)
        world = simulate_world(scenario, seed=seed)
        world.write(out / "simulation", force=True)
        truth = int(world.to_dict()["true_total"])
        progress.update(task, total=1, completed=1)

        task = progress.add_task("records: read and validate", total=None)
        record_set = read_lists(sorted((out / "simulation" / "lists").glob("*.csv")))
        if not record_set.report.valid:
            # Shown in the report's data-quality section; the demo goes on, as an analyst would
            # after reading them, rather than stopping on a simulated list's quirks.
            err_console.print(
                f"[yellow]note:[/] validation found {record_set.report.error_count} "
                "problem(s); see the report's data-quality section"
            )
        progress.update(task, total=1, completed=1)

        task = progress.add_task("screen: Palermo, ILO, Cap. 200", total=None)
        screened = screen_records(record_set.frame).frame
        progress.update(task, total=1, completed=1)

        task = progress.add_task("link: records → people", total=None)
        linkage = link_records(screened, seed=seed)
        linkage.write(out / "linked")
        write_atomic(out / "screened.csv", lambda tmp: screened.to_csv(tmp, index=False))
        linked = linkage.records
        progress.update(task, total=1, completed=1)

        lists = tuple(sorted(linked["list_name"].astype(str).unique()))
        estimates = _estimate_all(linked, lists, out / "simulation" / "lists.yaml", seed, progress)
        write_text_atomic(
            out / "estimates.json",
            json.dumps(estimates.to_dict(), indent=2, ensure_ascii=False) + "\n",
        )

        task = progress.add_task("report: disclosure control, charts, HTML", total=None)
        result = write_report(
            linked,
            estimates,
            out=out / "report.html",
            screened=linked,
            validation=record_set.report.to_dict(),
            truth=truth,
            simulated=True,
            policy=DisclosurePolicy(k=k, seed=seed),
            lang=lang,
            pdf=pdf,
        )
        progress.update(task, total=1, completed=1)

    upper = "no upper bound" if result.upper is None else f"{result.upper:,}"
    interval = "none computed" if result.lower is None else f"{result.lower:,} – {upper}"
    # The truth is known only because the data are simulated: say plainly when the interval
    # misses it, as the report does, instead of letting the headline stand unqualified.
    missed = result.lower is not None and (
        truth < result.lower or (result.upper is not None and truth > result.upper)
    )
    warnings = (
        (
            "the interval does not contain the true total: an estimate can miss when its "
            "assumptions fail (here, organisations that refer people to each other, on top of "
            "people who differ in how visible they are; the report's sensitivity section shows "
            "how far the answer moves; see docs/estimation.md)",
        )
        if missed
        else ()
    )
    out_console.print(
        Summary(
            "darkfigure demo (simulated data)",
            header=(
                ("people on the lists", result.observed),
                ("estimated total", result.estimate),
                ("95% interval", interval),
                ("true total (simulation)", truth),
                ("report", str(result.path)),
                *((("pdf", str(result.pdf)),) if result.pdf else ()),
            ),
            warnings=warnings,
        )
    )
