"""Command-line interface: a thin shell over the stage APIs (parse options, call, print).

Each command lives in its own module and registers itself on ``app`` when imported; `--help`
lists them in the order of the data path (``_app.COMMAND_ORDER``), not in import order.
"""

from __future__ import annotations

from darkfigure.cli import (  # noqa: F401  (imported to register their commands)
    demo,
    estimate,
    link,
    report,
    screen,
    simulate,
    validate,
)
from darkfigure.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``darkfigure`` console script."""
    app()
