"""Simulate one year of trafficking victims in Hong Kong and the lists organisations keep.

No real victim's data may enter darkfigure, yet every stage needs realistic data with the truth
known. :func:`simulate_world` draws the victims of one year from a scenario (YAML, validated),
decides who comes onto which organisation's list (heterogeneity and list dependence can each be
switched off), and writes each list as its organisation would, in the record standard, with
the truth kept apart. See ``docs/simulation.md``.
"""

from __future__ import annotations

from darkfigure.simulate._scenario import Scenario, list_scenarios, load_scenario
from darkfigure.simulate._simulate import World, simulate_world

__all__ = ["Scenario", "World", "list_scenarios", "load_scenario", "simulate_world"]
