"""Allow ``python -m darkfigure``."""

from darkfigure.cli import main

main()
