"""Kleene logic, the ILO/EC element rule, age bounds and code normalisation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from darkfigure.screen._logic import (
    INSUFFICIENT,
    NO,
    YES,
    age_bounds,
    age_under,
    all_of,
    any_of,
    code_sets,
    codes_present,
    graded_element,
    negate,
    select_by,
)

VALUES = (NO, INSUFFICIENT, YES)


def _kleene_and(a: int, b: int) -> int:
    # the definition, by cases: false wins, then unknown
    if NO in (a, b):
        return int(NO)
    return int(INSUFFICIENT) if INSUFFICIENT in (a, b) else int(YES)


def _kleene_or(a: int, b: int) -> int:
    if YES in (a, b):
        return int(YES)
    return int(INSUFFICIENT) if INSUFFICIENT in (a, b) else int(NO)


def test_truth_tables_are_strong_kleene() -> None:
    pairs = list(itertools.product(VALUES, repeat=2))
    a = np.array([p[0] for p in pairs], dtype=np.int8)
    b = np.array([p[1] for p in pairs], dtype=np.int8)
    assert all_of([a, b], len(a)).tolist() == [_kleene_and(x, y) for x, y in pairs]
    assert any_of([a, b], len(a)).tolist() == [_kleene_or(x, y) for x, y in pairs]
    assert negate(np.array(VALUES, dtype=np.int8)).tolist() == [2, 1, 0]
    assert all_of([], 2).tolist() == [2, 2]
    assert any_of([], 2).tolist() == [0, 0]


def test_select_by_agrees_when_the_switch_is_unknown() -> None:
    triples = list(itertools.product(VALUES, repeat=3))
    s, y, n = (np.array([t[i] for t in triples], dtype=np.int8) for i in range(3))
    got = select_by(s, y, n).tolist()
    for (sw, when_yes, when_no), value in zip(triples, got, strict=True):
        if sw == YES:
            assert value == when_yes
        elif sw == NO:
            assert value == when_no
        else:
            assert value == (when_yes if when_yes == when_no else INSUFFICIENT)


def _element_present(strong: int, medium: int, weak: int) -> bool:
    # ILO/EC 2009: >=2 strong; 1 strong + 1 medium or weak; 3 medium; 2 medium + 1 weak
    return (
        strong >= 2
        or (strong >= 1 and medium + weak >= 1)
        or medium >= 3
        or (medium >= 2 and weak >= 1)
    )


@pytest.mark.parametrize("unknown", [(0, 0, 0), (0, 2, 1), (1, 0, 0)])
def test_graded_element_matches_brute_force(unknown: tuple[int, int, int]) -> None:
    # two strong, three medium and two weak indicators, each no / unknown / yes: every case
    slots = ("s", "s", "m", "m", "m", "w", "w")
    cases = list(itertools.product(VALUES, repeat=len(slots)))
    columns = [np.array([c[i] for c in cases], dtype=np.int8) for i in range(len(slots))]
    got = graded_element(columns[:2], columns[2:5], columns[5:], len(cases), unknown=unknown)
    for case, value in zip(cases, got.tolist(), strict=True):
        # every completion of the unknown indicators, and of the always-unknown ones
        open_slots = [i for i, v in enumerate(case) if v == INSUFFICIENT]
        outcomes = set()
        for fill in itertools.product((0, 1), repeat=len(open_slots)):
            present = [v == YES for v in case]
            for i, f in zip(open_slots, fill, strict=True):
                present[i] = bool(f)
            counts = [sum(p for p, kind in zip(present, slots, strict=True) if kind == k)
                      for k in "smw"]  # fmt: skip
            for extra in itertools.product(*(range(u + 1) for u in unknown)):
                outcomes.add(_element_present(*(c + e for c, e in zip(counts, extra, strict=True))))
        expected = YES if outcomes == {True} else NO if outcomes == {False} else INSUFFICIENT
        assert value == expected, case


def _series(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_age_bounds_from_age_and_dates() -> None:
    low, high = age_bounds(
        _series("", "30", "", "", "", "17", "abc", ""),
        _series("2006", "", "2006-03", "01/02/2010", "2008-07-01", "", "", "2000-01-01"),
        _series("2024-05-01", "", "2024-03-15", "2024-03-01", "2024-07-01", "", "", ""),
    )
    # 2006 at 2024-05-01: 17 or 18; March 2006 at 2024-03-15: 17 or 18 (the day decides);
    # DD/MM/YYYY read; born 2008-07-01, seen 2024-07-01: 16 that very day
    assert low[:6].tolist() == [17, 30, 17, 14, 16, 17]
    assert high[:6].tolist() == [18, 30, 18, 14, 16, 17]
    assert np.isnan(low[6])
    assert np.isnan(low[7])


def test_age_under_is_undecided_only_across_the_threshold() -> None:
    low = np.array([15, 17, 18, np.nan])
    high = np.array([15, 18, 18, np.nan])
    assert age_under(low, high, 18).tolist() == [YES, INSUFFICIENT, NO, INSUFFICIENT]


def test_code_sets_normalise_and_treat_unknown_as_missing() -> None:
    sets = code_sets(_series("Debt_Bondage; false_promises", "", "unknown", "none", None))
    assert sets.tolist() == [";debt_bondage;false_promises;", "", "", ";none;", ""]
    assert codes_present(sets, ["false_promises"]).tolist() == [True, False, False, False, False]
