"""What every estimation method is: an estimator with keyword hyperparameters and ``fit``.

The contract is scikit-learn's (``shared/design/style.md`` §3): ``__init__`` only stores keyword
hyperparameters, ``fit(table)`` validates, fits and returns ``self``, learned values end in ``_``
(``estimate_`` is the :class:`~darkfigure.estimate.Estimate`), and ``get_params`` returns what
``__init__`` took so that :func:`clone` (used by the bootstrap) can make a fresh copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

import numpy as np

if TYPE_CHECKING:  # types only: importing the table module would load pandas
    from darkfigure.estimate._result import Estimate
    from darkfigure.histories import CaptureHistories
    from darkfigure.stratified_histories import StratifiedHistories

__all__ = ["Estimator", "Seed", "StrataEstimator", "clone", "make_rng"]

#: Where randomness comes from: an int seed, a Generator, or ``None`` (fresh entropy).
Seed = int | np.random.Generator | None


class Estimator(Protocol):
    """Anything ``--method`` can name."""

    estimate_: Estimate

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        ...

    def fit(self, table: CaptureHistories) -> Self:
        """Fit to a capture-history table; sets ``estimate_``."""
        ...


class StrataEstimator(Protocol):
    """A method that needs each person's possible strata (the lists' scopes, covariates)."""

    estimate_: Estimate

    def get_params(self) -> dict[str, Any]:
        """The keyword hyperparameters given to ``__init__``."""
        ...

    def fit(self, table: StratifiedHistories) -> Self:
        """Fit to capture histories with strata; sets ``estimate_``."""
        ...


E = TypeVar("E", bound=Estimator)


def clone(estimator: E, **changes: Any) -> E:
    """A new, unfitted estimator with the same hyperparameters (and ``changes`` applied)."""
    return type(estimator)(**{**estimator.get_params(), **changes})


def make_rng(seed: Seed) -> np.random.Generator:
    """The one place a seed becomes a Generator (a Generator is used as given)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
