"""The population: realised marginals match the scenario within sampling error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkfigure.simulate import World, load_scenario
from darkfigure.simulate._codes import MEANS_OF_CONTROL
from darkfigure.simulate._scenario import parse_band


def _within(observed: float, expected: float, n: int) -> bool:
    """|observed − expected| within 4 binomial standard errors (plus a float epsilon)."""
    se = math.sqrt(max(expected * (1 - expected), 1e-12) / n)
    return abs(observed - expected) <= 4 * se + 1e-9


def _expected(field: str, code: str) -> float:
    """The share of ``field == code`` implied by the scenario's mixture of groups."""
    scenario = load_scenario("hk-default")
    return sum(g.share * getattr(g, field).get(code, 0.0) for g in scenario.groups.values())


def test_group_origin_and_permit_marginals(default_world: World) -> None:
    pop = default_world.population
    n = pop.n
    scenario = default_world.scenario
    for name, group in scenario.groups.items():
        assert _within(float(np.mean(pop.group == name)), group.share, n), name
    for code in ("PHL", "IDN", "CHN", "HKG", "THA", "VNM", "RUS", "COL"):
        assert _within(float(np.mean(pop.citizenship == code)), _expected("origin", code), n), code
    for code in ("fdh", "two_way_permit", "visitor", "resident"):
        expected = _expected("entry_permit", code)
        assert _within(float(np.mean(pop.entry_permit == code)), expected, n), code
    for code in ("vice_establishment", "one_woman_flat", "online", "private_home", "business"):
        assert _within(float(np.mean(pop.venue == code)), _expected("venue", code), n), code
    for code in ("into_hk", "out_of_hk", "domestic", "transit"):
        assert _within(float(np.mean(pop.movement == code)), _expected("movement", code), n), code


def test_sex_age_and_children(default_world: World) -> None:
    pop = default_world.population
    n = pop.n
    groups = default_world.scenario.groups.values()
    female = sum(g.share * g.female for g in groups)
    assert _within(float(np.mean(pop.sex == "F")), female, n)
    children = sum(
        g.share * p for g in groups for band, p in g.age.items() if parse_band(band)[1] < 18
    )
    assert children > 0
    assert _within(float(np.mean(pop.age < 18)), children, n)
    for g_name, g in default_world.scenario.groups.items():
        ages = pop.age[pop.group == g_name]
        low = min(parse_band(b)[0] for b in g.age)
        high = max(parse_band(b)[1] for b in g.age)
        assert ages.min() >= low
        assert ages.max() <= high


def test_means_of_control_are_independent_draws_at_their_rates(default_world: World) -> None:
    pop = default_world.population
    n = pop.n
    for bit, code in enumerate(MEANS_OF_CONTROL):
        expected = _expected("means_of_control", code)
        observed = float(np.mean((pop.control >> bit) & 1))
        assert _within(observed, expected, n), code
    # Within a group, two codes co-occur as independent draws would.
    fdh = pop.group == "fdh_labour"
    debt = (pop.control[fdh] >> MEANS_OF_CONTROL.index("debt_bondage")) & 1
    docs = (pop.control[fdh] >> MEANS_OF_CONTROL.index("withholds_documents")) & 1
    assert _within(float(np.mean(debt & docs)), 0.6 * 0.4, int(fdh.sum()))


def test_story_is_coherent(default_world: World) -> None:
    pop = default_world.population
    sexual = pop.exploitation_type == "sexual"
    assert (pop.sex_exploitation_type[sexual] != "").all()
    assert (pop.sex_exploitation_type[~sexual] == "").all()
    online = np.isin(pop.recruitment, ["online_social", "online_ad"])
    assert (pop.recruitment_apps[online] != "").all()
    assert (pop.recruitment_apps[~online] == "").all()
    out = pop.movement == "out_of_hk"
    assert (pop.origin_country[out] == "HKG").all()
    assert set(np.unique(pop.destination_country[out])) <= {
        "KHM",
        "MMR",
        "LAO",
        "USA",
        "CAN",
        "GBR",
    }
    assert (pop.recruiter_relation[pop.recruitment == "employment_agency"] == "agency").all()
    assert (pop.active_from <= pop.active_to).all()
    assert (pop.active_from >= np.datetime64("2023-01-01")).all()
    assert (pop.active_to <= np.datetime64("2023-12-31")).all()
    # Age and date of birth agree on 1 July.
    age_mid_year = (np.datetime64("2023-07-01") - pop.date_of_birth).astype(int) / 365.2425
    assert np.all(np.floor(age_mid_year) == pop.age)


@pytest.mark.parametrize("seed", [1, 2])
def test_same_seed_same_world_other_seed_other_world(seed: int) -> None:
    from darkfigure.simulate import simulate_world

    a = simulate_world("hk-small", seed=seed)
    b = simulate_world("hk-small", seed=seed)
    c = simulate_world("hk-small", seed=seed + 10)
    assert a.to_dict() == b.to_dict()
    assert a.lists["police"].frame.equals(b.lists["police"].frame)
    assert a.to_dict()["histories"] != c.to_dict()["histories"]
