"""How each victim comes onto each organisation's list.

For organisation *j* and a person *i* in its scope, the probability of a direct capture is

    logit p_ij = logit(base_rate_j) + Σ_k effect_jk · x_ik + visibility_j · z_i

with ``x_ik`` the person's attributes named in ``effects`` (``venue=vice_establishment``, …)
and ``z_i ~ N(0, visibility_sd²)`` a latent visibility shared by all lists (heterogeneity).
Crackdowns add captures of people exploited in their venues during the operation. Referrals
(list dependence) put a share of each list's people onto other lists, in an order where every
referral goes forward. A funnel (the Immigration Department's two tiers) keeps only the people
who reach the stage the list records.

``heterogeneity: false`` makes ``p_ij = base_rate_j`` for everyone in scope (no effects, no
visibility, no crackdowns); ``dependence: false`` removes referrals. With both off, lists are
independent with constant probabilities inside their scopes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkfigure.simulate import _codes as codes
from darkfigure.simulate._scenario import Organisation, Scenario, referral_order
from darkfigure.simulate._world import Population, stream

__all__ = ["FUNNEL_STAGES", "Captures", "capture", "in_scope"]

#: Funnel stages, in order; a list with a funnel records people from ``record_at`` onwards.
FUNNEL_STAGES = ("screened", "first_tier", "debriefed", "identified")
#: Mean delay, in days, between a referral's source record and the receiving list's record
#: (an assumption).
_REFERRAL_DELAY_DAYS = 14.0

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Captures:
    """Who is on which list, when, and how they got there.

    Attributes
    ----------
    lists
        List names, in the scenario's order (columns of the arrays).
    seen
        ``(n, K)`` bool: the person is on the list.
    date
        ``(n, K)`` ``datetime64[D]``: the list's first record of the person (NaT if not seen).
    referred
        ``(n, K)`` bool: on the list only because another list referred them.
    stage
        For lists with a funnel: the furthest stage reached (index into :data:`FUNNEL_STAGES`;
        -1: not screened).
    in_scope
        ``(n, K)`` bool: the list could see the person at all.
    """

    lists: tuple[str, ...]
    seen: BoolArray
    date: npt.NDArray[np.datetime64]
    referred: BoolArray
    stage: dict[str, npt.NDArray[np.int64]]
    in_scope: BoolArray


def _attribute(pop: Population, field: str) -> npt.NDArray[np.object_]:
    return getattr(pop, field)  # type: ignore[no-any-return]


def _indicator(pop: Population, field: str, code: str) -> BoolArray:
    """Whether each person has ``field=code`` (an effect's or a scope's condition)."""
    if field == "child":
        return np.asarray(pop.age < 18, dtype=bool)
    if field == "means_of_control":
        return np.asarray((pop.control >> codes.MEANS_OF_CONTROL.index(code)) & 1 == 1, dtype=bool)
    return np.asarray(_attribute(pop, field) == code, dtype=bool)


def in_scope(org: Organisation, pop: Population) -> BoolArray:
    """Whether the organisation can see each person (all conditions of its scope hold)."""
    keep = np.ones(pop.n, dtype=bool)
    for field, allowed in org.scope.items():
        keep &= np.isin(_attribute(pop, field), allowed)
    return keep


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def _random_day(
    rng: np.random.Generator, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.datetime64]:
    """A uniform day in ``[start, end]`` (inclusive), per person."""
    length = (end - start).astype(np.int64) + 1
    day: npt.NDArray[np.datetime64] = start + (rng.random(len(start)) * length).astype(
        "timedelta64[D]"
    )
    return day


def capture(scenario: Scenario, pop: Population, seed: int) -> Captures:
    """Decide, for every person and organisation, whether and when the person is recorded."""
    lists = scenario.lists
    column = {name: j for j, name in enumerate(lists)}
    n, k = pop.n, len(lists)
    seen = np.zeros((n, k), dtype=bool)
    referred_only = np.zeros((n, k), dtype=bool)
    dates = np.full((n, k), np.datetime64("NaT"), dtype="datetime64[D]")
    scope = np.zeros((n, k), dtype=bool)
    stages: dict[str, npt.NDArray[np.int64]] = {}
    year_end = np.datetime64(f"{scenario.year}-12-31", "D")
    for name in referral_order(scenario.organisations):
        org = scenario.organisations[name]
        j = column[name]
        rng = stream(seed, f"capture:{name}")
        eligible = in_scope(org, pop)
        scope[:, j] = eligible
        eta = np.full(n, _logit(org.base_rate))
        if scenario.heterogeneity:
            for key, effect in org.effects.items():
                field, _, code = key.partition("=")
                eta += effect * _indicator(pop, field, code)
            eta += org.visibility * pop.visibility
        direct = eligible & (rng.random(n) < 1 / (1 + np.exp(-eta)))
        when = np.where(
            direct, _random_day(rng, pop.active_from, pop.active_to), np.datetime64("NaT")
        )
        if scenario.heterogeneity:
            for op in org.crackdowns:
                start = np.maximum(pop.active_from, np.datetime64(op.start, "D"))
                end = np.minimum(pop.active_to, np.datetime64(op.end, "D"))
                caught = (
                    eligible
                    & np.isin(pop.venue, op.venues)
                    & (start <= end)
                    & (rng.random(n) < op.rate)
                )
                day = np.where(
                    caught, _random_day(rng, start, np.maximum(start, end)), np.datetime64("NaT")
                )
                when = np.fmin(when, day)
                direct |= caught
        via_referral = np.zeros(n, dtype=bool)
        if scenario.dependence:
            for source, src_org in scenario.organisations.items():
                share = src_org.referrals.get(name, 0.0)
                if share <= 0:
                    continue
                s = column[source]
                moved = seen[:, s] & eligible & (rng.random(n) < share)
                delay = np.ceil(rng.exponential(_REFERRAL_DELAY_DAYS, n)).astype("timedelta64[D]")
                day = np.where(
                    moved, np.minimum(dates[:, s] + delay, year_end), np.datetime64("NaT")
                )
                when = np.fmin(when, day)
                via_referral |= moved
        on_list = direct | via_referral
        if org.funnel is not None:
            f = org.funnel
            stage = np.where(on_list, 0, -1)
            u = rng.random((3, n))
            stage[(stage == 0) & (u[0] < f.first_tier)] = 1
            stage[(stage == 1) & (u[1] < f.debriefing)] = 2
            stage[(stage == 2) & (u[2] < f.identified)] = 3
            stages[name] = stage
            on_list = stage >= FUNNEL_STAGES.index(f.record_at)
        seen[:, j] = on_list
        referred_only[:, j] = on_list & via_referral & ~direct
        dates[:, j] = np.where(on_list, when, np.datetime64("NaT"))
    return Captures(lists, seen, dates, referred_only, stages, scope)
