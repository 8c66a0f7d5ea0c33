"""Multiple systems estimation: how many people are on none of the lists.

The facade is :func:`estimate_population` (a table or its CSV in, an
:class:`Estimate` out) and :func:`estimate_strata` (linked records by a column). Methods are
estimators (``LogLinear``, ``ClosedPopulation``, wrapped by ``Bootstrap``), named for the CLI in
``METHODS``. See ``docs/estimation.md``.
"""

from darkfigure.estimate._bootstrap import Bootstrap
from darkfigure.estimate._closed import ClosedPopulation
from darkfigure.estimate._facade import StrataEstimates, estimate_population, estimate_strata
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
    "Method",
    "MethodOptions",
    "StrataEstimates",
    "estimate_population",
    "estimate_strata",
]
