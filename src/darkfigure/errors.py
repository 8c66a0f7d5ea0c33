"""One error hierarchy for every stage, mapped to the CLI's exit codes.

Every error a user can cause is a :class:`DarkfigureError`; the CLI prints its message and exits
with its ``exit_code`` (1: the input was bad, 2: usage). Anything else reaching the CLI is a bug.

Messages never quote the value of an identity column (names, dates of birth, document numbers,
phones): they say the file, row and column, and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConvergenceWarning",
    "DarkfigureError",
    "DarkfigureWarning",
    "DisclosureWarning",
    "EstimabilityWarning",
    "InputError",
    "LinkError",
    "MissingDependencyError",
    "NotEstimableError",
    "RecordError",
    "RulesError",
    "ScenarioError",
    "SettingsError",
    "TableError",
]


class DarkfigureError(Exception):
    """Base of every error a user can cause; ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1


class InputError(DarkfigureError):
    """The input (a file, a table, a YAML document) is not what the stage needs."""


class RecordError(InputError):
    """One or more problems in case-record files, each located by file, row and column.

    Parameters
    ----------
    problems
        Human-readable lines, already free of identity values.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class TableError(InputError):
    """A capture-history table that breaks its contract (0/1 lists, counts, at least two lists)."""


class RulesError(InputError):
    """Screening rules that do not validate (unknown codes, missing citation, duplicate ids)."""


class ScenarioError(InputError):
    """A simulation scenario that does not validate; the message names the YAML key."""


class SettingsError(InputError):
    """Linkage or estimation settings that do not validate."""


class NotEstimableError(DarkfigureError):
    """The requested model has no finite, identifiable estimate on these data; says why."""


class LinkError(DarkfigureError):
    """The linkage engine failed; the engine's own text (which may quote values) is not shown."""


class MissingDependencyError(DarkfigureError):
    """An optional dependency is needed for this feature; the message says what to install."""


class DarkfigureWarning(UserWarning):
    """Base of darkfigure's warnings, so that all of them can be filtered at once."""


class ConvergenceWarning(DarkfigureWarning):
    """An iterative fit or a Markov chain did not converge."""


class EstimabilityWarning(DarkfigureWarning):
    """A model was dropped or is at the edge of estimability (sparse cells, boundary MLE)."""


class DisclosureWarning(DarkfigureWarning):
    """A published table needed suppression or rounding to protect small counts."""
