"""The Typer application, the consoles, and the one error boundary every command runs inside.

stdout carries only results (one JSON object under ``--json``); messages, warnings and progress
go to the stderr console. A :class:`~darkfigure.errors.DarkfigureError` becomes its message and
exit code; any other exception is a bug and prints one line (the traceback only with
``--debug``, never local variables, which could hold a victim's record).
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from darkfigure import __version__
from darkfigure.errors import DarkfigureError

__all__ = ["COMMAND_ORDER", "EXIT_INTERNAL", "app", "err_console", "out_console", "print_json"]

#: Exit code for a bug in darkfigure (BSD ``EX_SOFTWARE``), distinct from bad input (1) and
#: usage (2).
EXIT_INTERNAL = 70

#: The order `--help` lists the commands in: the data path, then the simulator and the demo.
COMMAND_ORDER = ("validate", "screen", "link", "estimate", "report", "simulate", "demo")

# emoji=False: model terms such as "LA:NG:PF" must not turn into emoji (":NG:" is an emoji code).
out_console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, emoji=False)


class _GuardedGroup(TyperGroup):
    """Runs every command inside the error boundary, also under ``CliRunner``."""

    def list_commands(self, ctx: Any) -> list[str]:
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(super().list_commands(ctx), key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`darkfigure ... | head`): not an error of ours or the user's.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except DarkfigureError as error:
            err_console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
            raise typer.Exit(error.exit_code) from None
        except Exception as error:
            debug = bool(ctx.obj and ctx.obj.get("debug"))
            if debug:
                traceback.print_exc(file=sys.stderr)
            err_console.print(
                f"[bold red]internal error[/] ({type(error).__name__}): this is a bug in "
                "darkfigure. Run again with --debug for the traceback and report it "
                "(without your data).",
                markup=True,
                highlight=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None


app = typer.Typer(
    cls=_GuardedGroup,
    name="darkfigure",
    help=(
        "Measure hidden human trafficking from the lists organisations already keep.\n\n"
        "The stages, in the order data flows: validate → screen → link → estimate → report. "
        "`simulate` makes realistic synthetic lists with the truth known; `demo` runs everything."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        out_console.print(f"darkfigure {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of internal errors (never local variables)."
    ),
) -> None:
    ctx.obj = {"debug": debug}


def print_json(data: Any) -> None:
    """Print exactly one JSON object on stdout (no Rich markup, no wrapping)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")
    sys.stdout.flush()
