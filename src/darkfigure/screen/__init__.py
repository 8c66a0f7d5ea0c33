"""Screening: what the recorded facts amount to under each legal and statistical framework.

Rules are data (``screen/rules/*.yaml``: the Palermo Protocol, ILO forced labour, the ILO/EC
operational indicators and Hong Kong's Crimes Ordinance), each with its citation, validated on
load. Every answer is ``yes``, ``no`` or ``insufficient``; missing information never counts as
``no``. See ``docs/screening.md``.
"""

from darkfigure.screen._rules import RuleSet, load_rules, rules_schema
from darkfigure.screen._screening import Screening, screen_records

__all__ = ["RuleSet", "Screening", "load_rules", "rules_schema", "screen_records"]
