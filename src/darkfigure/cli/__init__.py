"""Command-line interface: a thin shell over the stage APIs (parse options, call, print)."""

from __future__ import annotations

from darkfigure.cli._app import app

# Each command module registers its command on `app` when imported; keep this list in the
# order of the data path, which is the order `--help` shows.
# (commands are added here as `from darkfigure.cli import <name> as _<name>  # noqa: F401`)
from darkfigure.cli import validate as _validate  # noqa: F401
from darkfigure.cli import screen as _screen  # noqa: F401
from darkfigure.cli import link as _link  # noqa: F401
from darkfigure.cli import estimate as _estimate  # noqa: F401
from darkfigure.cli import report as _report  # noqa: F401
from darkfigure.cli import simulate as _simulate  # noqa: F401
from darkfigure.cli import demo as _demo  # noqa: F401

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``darkfigure`` console script."""
    app()
