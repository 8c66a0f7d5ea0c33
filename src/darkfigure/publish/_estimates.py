"""The estimates a report publishes: several methods, the headline one, and estimates by group.

The file form (``--estimates EST.json``) is one JSON object::

    {"primary": "bic",
     "estimates": [<estimate --json object>, ...],
     "strata": {"sex": {"F": <estimate --json object>, ...}, ...},
     "sensitivity": [<estimate --json object with diagnostics.sigma>, ...]}

``strata`` and ``sensitivity`` may be absent (files written before ``sensitivity`` existed
still load). A single ``darkfigure estimate --json`` object, or a list of them, is accepted
too (the first one is then the headline).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from darkfigure.errors import InputError
from darkfigure.estimate._result import Estimate

__all__ = ["EstimateSet", "read_estimates"]


@dataclass(frozen=True)
class EstimateSet:
    """Estimates by method (the headline one named by ``primary``) and by stratum.

    Attributes
    ----------
    estimates
        One estimate per method, on the whole population.
    primary
        The method whose estimate is the headline; default: the first estimate's.
    strata
        ``{variable: {value: Estimate}}`` for the groups where an estimate was possible.
    sensitivity
        The estimate at fixed spreads of visibility between people
        (``darkfigure.estimate.visibility_sensitivity``), each with ``diagnostics["sigma"]``;
        empty when not computed.

    Raises
    ------
    InputError
        No estimate; a headline method without an estimate; a sensitivity estimate without a
        spread ``sigma >= 0`` or on other lists than the headline.
    """

    estimates: tuple[Estimate, ...]
    primary: str = ""
    strata: Mapping[str, Mapping[str, Estimate]] = field(default_factory=dict)
    sensitivity: tuple[Estimate, ...] = ()

    def __post_init__(self) -> None:
        if not self.estimates:
            raise InputError("the estimates hold no estimate; run `darkfigure estimate` first")
        if not self.primary:
            object.__setattr__(self, "primary", self.estimates[0].method)
        if self.primary not in {e.method for e in self.estimates}:
            raise InputError(f"the headline method {self.primary!r} has no estimate")
        # visibility_sensitivity returns a list; keep the set immutable whatever is passed
        object.__setattr__(self, "sensitivity", tuple(self.sensitivity))
        lists = set(self.headline.lists)
        for i, e in enumerate(self.sensitivity):
            sigma = e.diagnostics.get("sigma")
            # bool is an int: True would otherwise pass as a spread of 1
            if isinstance(sigma, bool) or not isinstance(sigma, int | float):
                raise InputError(
                    f"sensitivity[{i}]: diagnostics.sigma must be a number (got {sigma!r}); "
                    "write it with "
                    "`darkfigure.estimate.visibility_sensitivity`"
                )
            if not (math.isfinite(sigma) and sigma >= 0):
                raise InputError(f"sensitivity[{i}]: diagnostics.sigma must be >= 0 (got {sigma})")
            if set(e.lists) != lists:
                raise InputError(
                    f"sensitivity[{i}]: estimated on the lists {', '.join(e.lists)}, not on the "
                    f"headline's {', '.join(self.headline.lists)}"
                )

    @property
    def headline(self) -> Estimate:
        """The estimate the report leads with."""
        return next(e for e in self.estimates if e.method == self.primary)

    def to_dict(self) -> dict[str, Any]:
        """The file form (see the module notes)."""
        return {
            "primary": self.primary,
            "estimates": [e.to_dict() for e in self.estimates],
            "strata": {
                variable: {value: e.to_dict() for value, e in groups.items()}
                for variable, groups in self.strata.items()
            },
            "sensitivity": [e.to_dict() for e in self.sensitivity],
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "estimates") -> EstimateSet:
        """Read the file form, a single estimate object or a list of them.

        Raises
        ------
        InputError
            The object is none of these shapes, or breaks a rule of :class:`EstimateSet`
            (the message names the key).
        """
        try:
            if isinstance(data, list):
                return cls(tuple(Estimate.from_dict(d) for d in data))
            if isinstance(data, Mapping) and "estimates" in data:
                strata = {
                    str(variable): {str(v): Estimate.from_dict(e) for v, e in groups.items()}
                    for variable, groups in data.get("strata", {}).items()
                }
                return cls(
                    tuple(Estimate.from_dict(d) for d in data["estimates"]),
                    str(data.get("primary") or ""),
                    strata,
                    _sensitivity(data.get("sensitivity")),
                )
            if isinstance(data, Mapping):
                return cls((Estimate.from_dict(data),))
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"{source}: not an estimate object ({type(error).__name__}: {error}); write it "
                "with `darkfigure estimate --json` or `darkfigure demo`"
            ) from None
        except InputError as error:  # a rule of the set: say which file broke it
            raise InputError(f"{source}: {error}") from None
        raise InputError(f"{source}: expected a JSON object or a list of estimate objects")


def _sensitivity(data: Any) -> tuple[Estimate, ...]:
    """The ``sensitivity`` key of the file form: absent, null or a list of estimate objects.

    Raises
    ------
    InputError
        Not a list, or an item that is not an estimate object (named by its position).
    """
    if data is None:
        return ()
    if not isinstance(data, list):
        raise InputError(
            f"sensitivity: expected a list of estimate objects (got a {type(data).__name__})"
        )
    out = []
    for i, item in enumerate(data):
        try:
            if not isinstance(item, Mapping):
                raise TypeError(f"a {type(item).__name__}")
            out.append(Estimate.from_dict(item))
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"sensitivity[{i}]: not an estimate object ({type(error).__name__}: "
                f"{error}); write it with `darkfigure.estimate.visibility_sensitivity`"
            ) from None
    return tuple(out)


def read_estimates(path: str | os.PathLike[str]) -> EstimateSet:
    """Read an estimates file (see the module notes).

    Raises
    ------
    InputError
        The file is missing, not JSON, or not in one of the accepted shapes.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not JSON ({error.__class__.__name__})") from None
    return EstimateSet.from_dict(data, source=str(path))
