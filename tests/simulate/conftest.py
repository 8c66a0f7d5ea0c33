"""Shared simulated worlds (module-independent, built once per session)."""

from __future__ import annotations

import pytest

from darkfigure.simulate import World, simulate_world

#: Large enough that 4-standard-error tolerances are tight, small enough to build in seconds.
N = 40_000


@pytest.fixture(scope="session")
def default_world() -> World:
    return simulate_world("hk-default", seed=11, persons=N)


@pytest.fixture(scope="session")
def independent_world() -> World:
    return simulate_world("hk-independent", seed=12, persons=N)


@pytest.fixture(scope="session")
def heterogeneous_only_world() -> World:
    """Heterogeneity on, referrals off."""
    return simulate_world("hk-default", seed=13, persons=N, overrides=["dependence=false"])


@pytest.fixture(scope="session")
def referrals_only_world() -> World:
    """Heterogeneity off, referrals on."""
    return simulate_world("hk-default", seed=14, persons=N, overrides=["heterogeneity=false"])
