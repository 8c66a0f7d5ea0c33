"""Print the HTML report to PDF with headless Chromium, when it is installed.

Chromium renders exactly what a reader's browser shows (inline SVG, CSS print rules). For
Chinese text the machine needs a CJK font (Debian: ``fonts-noto-cjk``), else glyphs print as
boxes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from darkfigure._files import atomic_path
from darkfigure.errors import MissingDependencyError

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "print_pdf"]

#: Flags for a quiet, isolated, offline headless run (no sandbox: CI runs as root).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome executable, or None."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path, *, timeout: float = 120.0) -> Path:
    """Print ``html`` to ``pdf`` (atomically) and return ``pdf``.

    Raises
    ------
    MissingDependencyError
        No Chromium on the PATH, or it failed.
    """
    browser = find_chromium()
    if browser is None:
        raise MissingDependencyError(
            "--pdf needs Chromium or Chrome on the PATH (Debian/Ubuntu: `apt-get install "
            "chromium fonts-noto-cjk`); the HTML report was written and prints from any browser"
        )
    with (
        tempfile.TemporaryDirectory(prefix="darkfigure-chromium-") as profile,
        atomic_path(pdf) as tmp,
    ):
        command = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise MissingDependencyError(
                f"Chromium did not print the PDF within {timeout:.0f} s"
            ) from None
        if done.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise MissingDependencyError(
                f"Chromium ({browser}) failed to print the PDF (exit {done.returncode})"
            )
    return pdf
