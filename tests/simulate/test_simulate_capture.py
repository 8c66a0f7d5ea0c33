"""Capture: rates, scopes, funnels; heterogeneity and dependence present or absent as configured."""

from __future__ import annotations

import math

import numpy as np

from darkfigure.simulate import World
from darkfigure.simulate._capture import FUNNEL_STAGES


def _col(world: World, name: str) -> np.ndarray:
    return world.captures.seen[:, world.captures.lists.index(name)]


def _log_odds_ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """log odds ratio of two lists' captures and its standard error (Woolf)."""
    n11 = float(np.sum(a & b)) + 0.5
    n10 = float(np.sum(a & ~b)) + 0.5
    n01 = float(np.sum(~a & b)) + 0.5
    n00 = float(np.sum(~a & ~b)) + 0.5
    return math.log(n11 * n00 / (n10 * n01)), math.sqrt(1 / n11 + 1 / n10 + 1 / n01 + 1 / n00)


def test_constant_rates_inside_scopes_when_heterogeneity_is_off(independent_world: World) -> None:
    world = independent_world
    for j, name in enumerate(world.captures.lists):
        org = world.scenario.organisations[name]
        scope = world.captures.in_scope[:, j]
        seen = world.captures.seen[:, j]
        assert not (seen & ~scope).any(), name
        n = int(scope.sum())
        rate = float(seen[scope].mean())
        se = math.sqrt(org.base_rate * (1 - org.base_rate) / n)
        assert abs(rate - org.base_rate) <= 4 * se, (name, rate, org.base_rate)
        # No heterogeneity: the rate does not depend on the latent visibility.
        high = world.population.visibility > 0
        a, b = seen[scope & high], seen[scope & ~high]
        se_diff = math.sqrt(org.base_rate * (1 - org.base_rate) * (1 / len(a) + 1 / len(b)))
        assert abs(a.mean() - b.mean()) <= 4 * se_diff, name


def test_lists_are_independent_when_both_switches_are_off(independent_world: World) -> None:
    lists = ("police", "immigration", "ngo_hotline")
    for i, first in enumerate(lists):
        for second in lists[i + 1 :]:
            lor, se = _log_odds_ratio(
                _col(independent_world, first), _col(independent_world, second)
            )
            assert abs(lor) <= 4 * se, (first, second, lor, se)
    assert not independent_world.captures.referred.any()


def test_scopes_hold_and_are_published(default_world: World) -> None:
    pop = default_world.population
    assert set(np.unique(pop.citizenship[_col(default_world, "consulate_phl")])) == {"PHL"}
    assert set(np.unique(pop.entry_permit[_col(default_world, "labour")])) <= {"fdh", "employment"}
    assert set(np.unique(pop.sex[_col(default_world, "ngo_shelter")])) == {"F"}
    text = default_world.lists_yaml()
    assert "consulate_phl:" in text
    assert "citizenship:\n      - PHL" in text
    assert "police:" in text
    assert "sees: all" in text


def test_heterogeneity_present_when_on(heterogeneous_only_world: World) -> None:
    world = heterogeneous_only_world
    pop = world.population
    police = _col(world, "police")
    # Covariate effects: vice establishments are raided, private homes are not.
    vice = police[pop.venue == "vice_establishment"].mean()
    home = police[pop.venue == "private_home"].mean()
    assert vice > 4 * home
    # The latent visibility raises every list's capture probability.
    for name in ("police", "immigration", "ngo_hotline"):
        seen = _col(world, name)
        high, low = seen[pop.visibility > 0.5].mean(), seen[pop.visibility < -0.5].mean()
        assert high > 2 * low, name
    # No referrals, yet lists are positively dependent through the shared visibility.
    lor, se = _log_odds_ratio(police, _col(world, "immigration"))
    assert lor > 4 * se
    assert not world.captures.referred.any()


def test_dependence_present_when_on(referrals_only_world: World) -> None:
    world = referrals_only_world
    hotline, shelter = _col(world, "ngo_hotline"), _col(world, "ngo_shelter")
    female = world.population.sex == "F"
    lor, se = _log_odds_ratio(hotline[female], shelter[female])
    assert lor > 4 * se
    # The shelter takes 25 % of the hotline's women (plus its own 2 % and other referrals).
    rate = shelter[female & hotline].mean()
    n = int((female & hotline).sum())
    expected_low = 1 - (1 - 0.02) * (1 - 0.25)
    assert rate >= expected_low - 4 * math.sqrt(expected_low * (1 - expected_low) / n)
    assert world.captures.referred.any()
    # Without heterogeneity, people not referred are still caught at the base rate.
    police = (
        _col(world, "police") & ~world.captures.referred[:, world.captures.lists.index("police")]
    )
    base = world.scenario.organisations["police"].base_rate
    assert abs(police.mean() - base) <= 4 * math.sqrt(base * (1 - base) / len(police))


def test_referred_records_come_after_their_source(referrals_only_world: World) -> None:
    world = referrals_only_world
    j = world.captures.lists.index("immigration")
    k = world.captures.lists.index("police")
    both = world.captures.referred[:, j] & world.captures.seen[:, k]
    assert both.any()
    assert (world.captures.date[both, j] >= world.captures.date[both, k]).all()


def test_screening_funnel_rates(default_world: World) -> None:
    world = default_world
    funnel = world.scenario.organisations["immigration"].funnel
    assert funnel is not None
    stage = world.captures.stage["immigration"]
    screened = stage >= 0
    first = stage >= FUNNEL_STAGES.index("first_tier")
    debriefed = stage >= FUNNEL_STAGES.index("debriefed")
    identified = stage >= FUNNEL_STAGES.index("identified")
    for part, whole, p in (
        (first, screened, funnel.first_tier),
        (identified, debriefed, funnel.identified),
    ):
        n = int(whole.sum())
        assert abs(part[whole].mean() - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-9
    assert (debriefed == first).all()  # debriefing = 1: every first-tier positive is debriefed
    assert (_col(world, "immigration") == screened).all()  # the list records from "screened"
    counts = world.to_dict()["funnels"]["immigration"]
    assert counts["screened"] == int(screened.sum())
    assert counts["identified"] == int(identified.sum())


def test_crackdown_adds_captures_during_the_operation(heterogeneous_only_world: World) -> None:
    world = heterogeneous_only_world
    j = world.captures.lists.index("police")
    dates = world.captures.date[:, j]
    seen = world.captures.seen[:, j]
    in_op = seen & (dates >= np.datetime64("2023-06-12")) & (dates <= np.datetime64("2023-09-21"))
    days_in_op = (np.datetime64("2023-09-21") - np.datetime64("2023-06-12")).astype(int) + 1
    share_of_year = days_in_op / 365
    # More than its share of the year's police captures falls inside Thunderbolt.
    assert in_op.sum() / seen.sum() > share_of_year + 0.05


def test_hk_default_is_calibrated_to_the_sourced_ranges() -> None:
    """Dark-figure multiplier 2-9x (domain.md §3.10) and 1-32 victims identified a year (§2.5)."""
    from darkfigure.simulate import simulate_world

    for seed in (1, 2, 3):
        summary = simulate_world("hk-default", seed=seed).to_dict()
        multiplier = summary["true_total"] / summary["observed"]
        assert 2 <= multiplier <= 9, (seed, multiplier)
        assert 1 <= summary["funnels"]["immigration"]["identified"] <= 32, seed
