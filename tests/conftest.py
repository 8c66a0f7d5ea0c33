"""Settings shared by every test module."""

from __future__ import annotations

import os

from hypothesis import settings

# In CI (a fresh clone, no example database) property tests draw the same examples every run,
# so a submission's result never depends on luck; locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
