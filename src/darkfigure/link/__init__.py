"""Record linkage: the same person across lists (and twice on one list), in any spelling.

:func:`link_records` reads case records, derives name keys that survive Hong Kong's many
romanisations (:mod:`._hknames`) and other naming cultures (:mod:`._names_other`), trains a
Fellegi–Sunter model by EM on Splink (DuckDB, or Spark for lists that outgrow one machine),
clusters, and returns a :class:`Linkage` with ``person_key`` per record and the
capture-history table. ``Linkage.evaluate(truth)`` scores it against a known truth, and
``samples=M`` draws tables that carry linkage uncertainty into estimation
(:func:`estimate_from_samples`).

A study fixes its options in a YAML file (:func:`read_link_settings` → :class:`LinkSettings`);
the trained model is saved with the settings' hash (:class:`SavedModel`,
``diagnostics/model.json``) and can link later lists without training
(``link_records(..., model=path)``).
"""

from __future__ import annotations

from darkfigure.link._evaluate import Evaluation, evaluate_linkage, febrl_records
from darkfigure.link._linkage import REVIEW_FILE, Linkage, link_records, read_records
from darkfigure.link._samples import combine_estimates, estimate_from_samples, read_samples
from darkfigure.link._settings import (
    LinkSettings,
    SavedModel,
    TrainingSettings,
    read_link_settings,
    read_model,
)

__all__ = [
    "REVIEW_FILE",
    "Evaluation",
    "LinkSettings",
    "Linkage",
    "SavedModel",
    "TrainingSettings",
    "combine_estimates",
    "estimate_from_samples",
    "evaluate_linkage",
    "febrl_records",
    "link_records",
    "read_link_settings",
    "read_model",
    "read_records",
    "read_samples",
]
