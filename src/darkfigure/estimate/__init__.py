"""Multiple systems estimation: how many people are on none of the lists.

The facade is :func:`estimate_population` (a table or its CSV in, an
:class:`Estimate` out) and :func:`estimate_strata` (linked records by a column). Methods are
estimators (``LogLinear``, ``ClosedPopulation``, wrapped by ``Bootstrap``), named for the CLI in
``METHODS``. See ``docs/estimation.md``.

Names are imported on first use (module ``__getattr__``), so that ``darkfigure --help`` and
other commands do not pay for NumPy, SciPy and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from darkfigure.estimate._bootstrap import Bootstrap
    from darkfigure.estimate._closed import ClosedPopulation
    from darkfigure.estimate._compare import ModelComparison, compare_models
    from darkfigure.estimate._facade import StrataEstimates, estimate_population, estimate_strata
    from darkfigure.estimate._lcmcr_strata import StratifiedLatentClass
    from darkfigure.estimate._logitnormal import LogitNormal, visibility_sensitivity
    from darkfigure.estimate._loglinear import LogLinear
    from darkfigure.estimate._methods import METHODS, Method, MethodOptions
    from darkfigure.estimate._result import Estimate, Interval

__all__ = [
    "METHODS",
    "Bootstrap",
    "ClosedPopulation",
    "Estimate",
    "Interval",
    "LogLinear",
    "LogitNormal",
    "Method",
    "MethodOptions",
    "ModelComparison",
    "StrataEstimates",
    "StratifiedLatentClass",
    "compare_models",
    "estimate_population",
    "estimate_strata",
    "visibility_sensitivity",
]

_HOME = {
    "METHODS": "_methods",
    "Bootstrap": "_bootstrap",
    "ClosedPopulation": "_closed",
    "Estimate": "_result",
    "Interval": "_result",
    "LogLinear": "_loglinear",
    "LogitNormal": "_logitnormal",
    "ModelComparison": "_compare",
    "StratifiedLatentClass": "_lcmcr_strata",
    "compare_models": "_compare",
    "visibility_sensitivity": "_logitnormal",
    "Method": "_methods",
    "MethodOptions": "_methods",
    "StrataEstimates": "_facade",
    "estimate_population": "_facade",
    "estimate_strata": "_facade",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'darkfigure.estimate' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"darkfigure.estimate.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
