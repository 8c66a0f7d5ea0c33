"""Capture histories with each person's possible strata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darkfigure.eligibility import ListsDescription
from darkfigure.errors import SettingsError, TableError
from darkfigure.histories import build_histories
from darkfigure.stratified_histories import stratify_histories

LISTS = ListsDescription.from_mapping(
    {
        "lists": {
            "hotline": {"sees": "all"},
            "police": {"sees": "all"},
            "phl": {"sees": {"citizenship": ["PHL"]}},
            "idn": {"sees": {"citizenship": ["IDN"]}},
        }
    }
)


def _records(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["list_name", "person_key", "citizenship"])


def _possible(table, person_lists: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    bits = np.array([name in person_lists for name in table.lists])
    row = int(np.flatnonzero((table.patterns == bits).all(axis=1))[0])
    return {s.label for s, ok in zip(table.strata, table.compatible[row], strict=True) if ok}


def test_recorded_values_and_lists_settle_or_leave_open_the_stratum() -> None:
    table = stratify_histories(
        _records(
            [
                ("hotline", "a", "PHL"),  # recorded: PHL
                ("police", "b", ""),  # nothing recorded: any stratum
                ("phl", "c", ""),  # the consulate settles it
                ("hotline", "d", "PHL"),  # two records that disagree: PHL or IDN
                ("police", "d", "IDN"),
            ]
        ),
        LISTS,
    )
    assert table.observed == 4
    assert table.notes == ()
    assert _possible(table, {"hotline"}) == {"citizenship=PHL"}
    assert _possible(table, {"police"}) == {
        "citizenship=IDN", "citizenship=PHL", "citizenship=other"
    }  # fmt: skip
    assert _possible(table, {"phl"}) == {"citizenship=PHL"}
    assert _possible(table, {"hotline", "police"}) == {"citizenship=IDN", "citizenship=PHL"}
    assert table.observed_by_stratum().tolist() == [0, 2, 0]


def test_conflicts_are_resolved_by_the_lists_and_counted_in_notes() -> None:
    table = stratify_histories(
        _records(
            [
                ("phl", "a", "VNM"),  # the consulate is believed over the record
                ("phl", "b", "PHL"),  # on both consulates: no stratum sees both
                ("idn", "b", "PHL"),
            ]
        ),
        LISTS,
    )
    assert len(table.notes) == 2
    assert table.notes[0].startswith("1 people's recorded citizenship disagree")
    assert table.notes[1].startswith("1 people are on lists that no one can be on together")
    assert _possible(table, {"phl"}) == {"citizenship=PHL"}
    assert _possible(table, {"phl", "idn"}) == {"citizenship=PHL"}  # recorded PHL breaks the tie


def test_pooled_equals_the_plain_table() -> None:
    rng = np.random.default_rng(4)
    rows = [
        (str(rng.choice(["hotline", "police"])), f"p{rng.integers(60)}", "") for _ in range(150)
    ]
    records = _records(rows)
    stratified = stratify_histories(records, LISTS, lists=["hotline", "idn", "phl", "police"])
    plain = build_histories(records, lists=["hotline", "idn", "phl", "police"])
    assert stratified.pooled().cell_counts().tolist() == plain.cell_counts().tolist()  # type: ignore[union-attr]


def test_missing_field_column_is_an_error_that_says_what_to_give() -> None:
    with pytest.raises(TableError, match=r"lack column.*citizenship"):
        stratify_histories(pd.DataFrame({"list_name": ["phl"], "person_key": ["a"]}), LISTS)


def test_covariate_levels_are_the_codes_recorded() -> None:
    records = _records([("hotline", "a", "PHL"), ("police", "b", "")]).assign(sex=["F", ""])
    table = stratify_histories(records, LISTS, covariates=["sex"])
    assert table.fields == ("citizenship", "sex")
    assert len(table.strata) == 3  # sex has one recorded level: F


@pytest.mark.parametrize("field", ["age", "family_name", "date_of_birth", "nonsense"])
def test_only_coded_fields_can_be_covariates(field: str) -> None:
    records = _records([("hotline", "a", "PHL")]).assign(**{field: "x"})
    with pytest.raises(SettingsError, match=f"cannot stratify on {field}"):
        stratify_histories(records, LISTS, covariates=[field])


def test_age_band_is_derived_when_the_records_do_not_carry_it() -> None:
    records = pd.DataFrame(
        {
            "list_name": ["A", "B", "A", "C"],
            "person_key": ["p1", "p1", "p2", "p3"],
            "age": [15, None, None, None],
            "date_of_birth": [None, None, "1990-02-01", None],
            "date_identified": ["2023-03-01"] * 4,
        }
    )
    lists = ListsDescription.from_mapping(
        {"lists": {name: {"sees": "all"} for name in ("A", "B", "C")}}
    )
    table = stratify_histories(records, lists, covariates=["age_band"])
    assert [s.label for s in table.strata] == ["age_band=0-17", "age_band=25-34"]
    # p3 (no age, no date of birth) stays open between the bands.
    assert sorted(table.compatible.sum(axis=1).tolist()) == [1, 1, 2]
    with pytest.raises(TableError, match="lack age_band"):
        stratify_histories(records.drop(columns=["age", "date_of_birth"]), lists,
                           covariates=["age_band"])  # fmt: skip
