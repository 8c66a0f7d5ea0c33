"""``darkfigure estimate``: multiple systems estimation on a capture-history table."""

from __future__ import annotations

import warnings
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from darkfigure.cli._app import app, err_console, out_console, print_json
from darkfigure.estimate._methods import DEFAULT_METHOD, METHODS

_METHOD_LINES = "\n\n".join(f"  [bold]{m.name}[/]: {m.help}" for m in METHODS.values())

_HELP = (
    "Estimate how many people are on none of the lists (the dark figure) from the overlaps "
    "of the lists: multiple systems estimation.\n\n"
    "Input: a capture-history table (one 0/1 column per list, then [bold]count[/]), or linked "
    "records with [bold]--records[/] (one row per record with list_name and person_key), "
    "optionally per stratum with [bold]--by[/].\n\n"
    f"Methods (--method):\n\n{_METHOD_LINES}\n\n"
    f"Without --method: [bold]{DEFAULT_METHOD}[/], chosen by the coverage study on simulated "
    "Hong Kong lists (docs/estimation.md, 'Choosing the default'). Give [bold]--records[/] "
    "with [bold]--lists lists.yaml[/] so that it knows whom each list can see (a consulate "
    "only its nationals), and [bold]--compare[/] to see every model's answer and how far the "
    "answer moves with the strongest assumption.\n\n"
    "Without --bootstrap the interval is the profile likelihood of the chosen model (it ignores "
    "model-selection uncertainty); --bootstrap N redoes the selection in every replicate.\n\n"
    "Exit status: 0 estimated, 1 bad input or the model cannot be estimated (the reason is "
    "printed, never a number), 2 usage error.\n\n"
    "Examples: [bold]darkfigure estimate --records linked/records.csv --lists sim/lists.yaml "
    "--compare[/]; [bold]darkfigure estimate histories.csv --method bic --bootstrap 1000 "
    "--seed 1[/]"
)


#: Said with every estimate made without --method (the issue asks the default to say why).
_DEFAULT_REASON = (
    f"{DEFAULT_METHOD}, the default: in the coverage study on simulated Hong Kong lists, given "
    "the lists' scopes and referral pathways, its 95% intervals held the truth in 93-98% of "
    "replicates in every scenario (people who differ in visibility, lists that see part of the "
    "population, organisations that refer people to each other, all at once), at median "
    "errors of +1% to +12%, and 94-97% with darkfigure's own linkage; it shows how much the "
    "answer depends on the spread of visibility "
    "(--compare). See docs/estimation.md, 'Choosing the default'."
)


def _default_reason(data: Any) -> str:
    """Why the default, and what this run gave it of what the study's figures assume."""
    from darkfigure.stratified_histories import StratifiedHistories

    if not isinstance(data, StratifiedHistories):
        return (
            f"{_DEFAULT_REASON} Here it had no lists description: it treats every list as able "
            "to see everyone and assumes no referrals (give --records with --lists lists.yaml)."
        )
    if not data.referrals:
        return (
            f"{_DEFAULT_REASON} The lists description declares no referral pathways "
            "(refers_to): if organisations pass people on to each other, declare them, or the "
            "estimate is too low, as every method's is."
        )
    return f"{_DEFAULT_REASON} Here it used the lists' scopes and {len(data.referrals)} " + (
        "referral pathway." if len(data.referrals) == 1 else "referral pathways."
    )


@app.command(help=_HELP)
def estimate(
    table: Annotated[
        Path | None,
        typer.Argument(
            help="Capture-history CSV (list columns 0/1 and count).",
            show_default=False,
            metavar="TABLE",
            dir_okay=False,
        ),
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="Linked records CSV (list_name, person_key) instead of "
            "a table, e.g. the records.csv written by `darkfigure link`.",
            dir_okay=False,
            metavar="LINKED.csv",
        ),
    ] = None,
    histories_samples: Annotated[
        Path | None,
        typer.Option(
            "--histories-samples",
            help="Instead of a TABLE: the capture-history "
            "tables drawn by `darkfigure link --samples M` (DIR or DIR/samples). Each "
            "is estimated and the results combined by Rubin's rules, so the interval "
            "also carries the linkage error.",
            file_okay=False,
            metavar="DIR",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="With --records: estimate per value of this column too "
            "(e.g. --by sex); strata too sparse to estimate are listed, not hidden.",
            metavar="COLUMN",
        ),
    ] = None,
    lists_description: Annotated[
        Path | None,
        typer.Option(
            "--lists",
            help="With --records: the lists description (lists.yaml: whom each list can "
            "see, e.g. a consulate only its nationals), as `darkfigure simulate` writes it. "
            "Cells a list cannot reach become structural zeros for --method lcmcr-strata; "
            "other methods pool and say so. Example: --lists sim/lists.yaml",
            dir_okay=False,
            metavar="LISTS.yaml",
        ),
    ] = None,
    covariates: Annotated[
        str | None,
        typer.Option(
            "--covariates",
            help="With --lists: further record fields to stratify on, comma-separated "
            "(e.g. entry_permit); missing values are imputed by the model.",
            metavar="FIELDS",
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            "-m",
            help=f"Estimation method (see above; default {DEFAULT_METHOD}).",
            metavar="METHOD",
            show_default=False,
        ),
    ] = None,
    terms: Annotated[
        str | None,
        typer.Option(
            "--terms",
            help="With --method fixed: interactions, comma-separated, e.g. "
            "A:B,C:D (sub-terms of A:B:C are added).",
            metavar="TERMS",
        ),
    ] = None,
    max_order: Annotated[
        int,
        typer.Option(
            "--max-order", help="Highest interaction order aic/bic search (2..K-1).", min=1
        ),
    ] = 2,
    p: Annotated[
        float,
        typer.Option("--p", help="p-value threshold of stepwise.", min=0.0, max=1.0),
    ] = 0.02,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", help="Bootstrap replicates (0: none; 1000 is usual).", min=0),
    ] = 0,
    bootstrap_kind: Annotated[
        str,
        typer.Option("--bootstrap-kind", help="bca (default) or percentile."),
    ] = "bca",
    resample: Annotated[
        str,
        typer.Option(
            "--resample",
            help="multinomial (resample the observed people; "
            "default) or parametric (from the fitted model).",
        ),
    ] = "multinomial",
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Random seed: same seed, same result."),
    ] = None,
    level: Annotated[
        float,
        typer.Option("--level", help="Interval level.", min=0.5, max=0.999),
    ] = 0.95,
    classes: Annotated[
        int,
        typer.Option("--classes", help="lcmcr: truncation of the latent classes.", min=2),
    ] = 10,
    chains: Annotated[
        int,
        typer.Option("--chains", help="lcmcr: independent MCMC chains.", min=1),
    ] = 4,
    burn_in: Annotated[
        int,
        typer.Option("--burn-in", help="lcmcr: burn-in iterations per chain.", min=0),
    ] = 10_000,
    draws: Annotated[
        int,
        typer.Option("--draws", help="lcmcr: kept draws per chain.", min=10),
    ] = 1_000,
    thin: Annotated[
        int,
        typer.Option("--thin", help="lcmcr: keep every THIN-th iteration.", min=1),
    ] = 100,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            help="Processes for the bootstrap (default: all "
            "cores; the result does not depend on it).",
            min=1,
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also fit a panel of methods with different assumptions and show how much "
            "the estimate depends on how unequal people's visibility is (model uncertainty in "
            "the open; in --json as models, range and sensitivity).",
        ),
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object (the estimate).")
    ] = False,
) -> None:
    """Estimate the population (see ``_HELP``)."""
    from darkfigure.errors import DarkfigureWarning, TableError

    if sum(x is not None for x in (table, records, histories_samples)) != 1:
        raise typer.BadParameter(
            "give exactly one of: a TABLE, --records LINKED.csv, --histories-samples DIR"
        )
    if by is not None and records is None:
        raise typer.BadParameter("--by needs --records (strata come from the linked records)")
    if lists_description is not None and (records is None or by is not None):
        raise typer.BadParameter(
            "--lists needs --records (each person's strata come from the linked records) and "
            "replaces --by (lcmcr-strata estimates every stratum)"
        )
    if covariates is not None and lists_description is None:
        raise typer.BadParameter("--covariates needs --lists")
    if compare and (by is not None or histories_samples is not None):
        raise typer.BadParameter("--compare works on one table: drop --by / --histories-samples")
    chosen = method is None
    method = DEFAULT_METHOD if method is None else method
    options: dict[str, Any] = {
        "method": method,
        "bootstrap": bootstrap,
        "bootstrap_kind": bootstrap_kind,
        "resample": resample,
        "seed": seed,
        "level": level,
        "max_order": max_order,
        "terms": tuple(t.strip() for t in terms.split(",") if t.strip()) if terms else (),
        "p": p,
        "jobs": jobs,
    }
    if method in ("lcmcr", "lcmcr-strata"):
        options.update(classes=classes, chains=chains, burn_in=burn_in, draws=draws, thin=thin)
    # Warnings of our own (convergence, estimability) are part of the result and printed with
    # it; Python's warning output would print them a second time, so it is muted for them.
    with (
        warnings.catch_warnings(),
        _Progress(bootstrap, quiet=False) as progress,
        _status(method, chains),
    ):
        warnings.simplefilter("ignore", DarkfigureWarning)
        options["progress"] = progress
        data: Any = None  # the table estimated from, when there is one
        if records is not None:
            import pandas as pd

            from darkfigure.estimate import estimate_population, estimate_strata
            from darkfigure.histories import build_histories

            try:
                frame = pd.read_csv(records, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except FileNotFoundError:
                raise TableError(f"{records}: no such file") from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
                raise TableError(f"{records}: not a readable CSV file") from None
            if lists_description is not None:
                from darkfigure.eligibility import read_lists
                from darkfigure.stratified_histories import stratify_histories

                fields = [c.strip() for c in (covariates or "").split(",") if c.strip()]
                stratified = stratify_histories(
                    frame, read_lists(lists_description), covariates=fields
                )
                data = stratified
                result: Any = estimate_population(stratified, **options)
            elif by is not None:
                result = estimate_strata(frame, by=by, **options)
            else:
                data = build_histories(frame)
                result = estimate_population(data, **options)
        elif histories_samples is not None:
            from darkfigure.estimate import estimate_population
            from darkfigure.link import estimate_from_samples

            result = estimate_from_samples(
                histories_samples, lambda t: estimate_population(t, **options), level=level
            )
        else:
            from darkfigure.estimate import estimate_population
            from darkfigure.histories import read_histories

            assert table is not None
            data = read_histories(table)
            result = estimate_population(data, **options)
        comparison = None
        if compare:
            from darkfigure.estimate import compare_models

            with err_console.status("comparing models…"):
                comparison = compare_models(data, level=level, seed=seed)
    why = _default_reason(data) if chosen else None
    if json_output:
        extra = {"method_reason": why} if why else {}
        print_json({**result.to_dict(), **extra, **(comparison.to_dict() if comparison else {})})
    else:
        out_console.print(result.summary())
        if why:
            out_console.print(f"[bold]Method:[/] {why}")
        if comparison is not None:
            out_console.print(comparison.summary())


def _status(method: str, chains: int) -> AbstractContextManager[Any]:
    """A Rich status (spinner) on stderr while a method that takes seconds works."""
    if method in ("lcmcr", "lcmcr-strata"):
        return err_console.status(f"{method}: sampling {chains} chain{'s' if chains > 1 else ''}…")
    if method == "dga":
        return err_console.status("dga: averaging over the decomposable graphs…")
    if method == "logit-normal":
        return err_console.status("logit-normal: fitting, then profiling the likelihood of N…")
    return nullcontext()


class _Progress:
    """A Rich progress bar on stderr for bootstraps long enough to wait for."""

    def __init__(self, replicates: int, *, quiet: bool) -> None:
        self.enabled = replicates >= 200 and not quiet
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import Progress

        self.bar = Progress(console=err_console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task("bootstrap", total=None)

        def update(done: int, total: int) -> None:
            self.bar.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
