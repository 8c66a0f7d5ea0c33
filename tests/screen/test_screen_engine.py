"""The engine: pattern reduction, the meaning of 'insufficient', explanations and privacy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from darkfigure.errors import InputError
from darkfigure.screen import load_rules, screen_records
from darkfigure.screen._screening import EXPLANATION, MISSING

OUTPUTS = [r.output for r in load_rules().outputs]


def test_screening_in_bulk_equals_one_record_at_a_time(records: pd.DataFrame) -> None:
    bulk = screen_records(records).frame
    sample = records.sample(10, random_state=1)
    for index, row in sample.iterrows():
        alone = screen_records(row.to_frame().T).frame.iloc[0]
        for column in [*OUTPUTS, "cap200_offences", MISSING, EXPLANATION]:
            assert str(alone[column]) == str(bulk.loc[index, column]), (index, column)


def test_order_of_records_does_not_matter(records: pd.DataFrame) -> None:
    shuffled = records.sample(frac=1, random_state=3)
    a = screen_records(records).frame.set_index("record_id")[OUTPUTS].astype(str)
    b = screen_records(shuffled).frame.set_index("record_id")[OUTPUTS].astype(str)
    pd.testing.assert_frame_equal(a, b.loc[a.index])


def test_recording_a_missing_field_never_reverses_an_answer(
    records: pd.DataFrame, code_columns: tuple[str, ...]
) -> None:
    # "insufficient" must mean "the answer depends on what is missing": filling an empty field
    # may decide an insufficient answer, but can never turn a yes into no or a no into yes.
    before = screen_records(records).frame
    rng = np.random.default_rng(11)
    for column in code_columns:
        empty = records[column].astype(str) == ""
        assert empty.any()
        filled = records.copy()
        donors = records.loc[~empty, column].to_numpy()
        filled.loc[empty, column] = rng.choice(donors, size=int(empty.sum()))
        after = screen_records(filled).frame
        # a filled record that contradicts itself (a form of sexual exploitation, yet an
        # exploitation type without `sexual`) is not a completion of the original: skip it
        kind, form = filled["exploitation_type"].astype(str), filled["sex_exploitation_type"]
        consistent = (kind == "") | kind.str.contains("sexual") | (form.astype(str) == "")
        for output in OUTPUTS:
            old, new = before[output].astype(str), after[output].astype(str)
            decided = (old != "insufficient") & consistent
            assert (old[decided] == new[decided]).all(), (column, output)


def test_the_missing_field_is_named(records: pd.DataFrame) -> None:
    frame = screen_records(records).frame
    undecided = frame["palermo_trafficking"].astype(str) == "insufficient"
    assert undecided.any()
    assert (frame.loc[undecided, MISSING].astype(str) != "").all()
    decided_all = (frame[OUTPUTS].astype(str) != "insufficient").all(axis=1)
    assert (frame.loc[decided_all, MISSING].astype(str) == "").all()


def test_outputs_never_show_identity_values(records: pd.DataFrame) -> None:
    screening = screen_records(records)
    text = " ".join([
        " ".join(screening.frame[EXPLANATION].astype(str)),
        " ".join(screening.frame[MISSING].astype(str)),
        str(screening.summary()), str(screening.to_dict()),
        screening.explain("R1"), screening.summary().render_text(),
    ])  # fmt: skip
    for secret in ("SAMPLECHAN", "Fictio", "SAMPLE123456", "+85290000000"):
        assert secret not in text
    for dob in records["date_of_birth"]:
        if len(dob) == 10:  # a full date of birth is never quoted
            assert dob not in text


def test_summary_and_dict_agree(records: pd.DataFrame) -> None:
    screening = screen_records(records)
    data = screening.to_dict()
    assert data["records"] == len(records)
    for output in OUTPUTS:
        counts = data["classifications"][output]
        assert sum(counts.values()) == len(records)
        assert counts["yes"] == int((screening.frame[output].astype(str) == "yes").sum())
    gap = screening.frame["legal_gap"].astype(str)
    assert data["legal_gap"]["yes"] == int((gap == "yes").sum())
    assert data["offences"]["s.129"]["engaged"] == data["classifications"]["cap200_s129"]["yes"]
    assert "Classifications" in screening.summary().render_text()


def test_warnings_for_absent_columns_and_foreign_codes() -> None:
    frame = pd.DataFrame({"record_id": ["1", "2"], "means_of_control": ["debt_bondage;bribes", ""]})
    screening = screen_records(frame)
    text = " ".join(screening.warnings)
    assert "column `movement` is absent" in text
    assert "bribes" in text
    assert "1 record(s)" in text
    assert screening.frame["palermo_trafficking"].astype(str).tolist() == ["insufficient"] * 2


def test_explain_unknown_record_is_an_input_error(records: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="no record has record_id `nope`"):
        screen_records(records.head(3)).explain("nope")


def test_user_rules_replace_the_bundled_ones(tmp_path: Path) -> None:
    path = tmp_path / "only.yaml"
    path.write_text(
        'framework: t\nversion: "1"\ncitation: c\nrules:\n  - id: t.child\n    version: "1"\n'
        "    title: child\n    citation: Palermo art. 3(d)\n    verified: V\n    output: child\n"
        "    when: {age_under: 18}\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame({"record_id": ["a", "b", "c"], "age": ["12", "40", ""]})
    screening = screen_records(frame, rules=[path])
    assert screening.frame["child"].astype(str).tolist() == ["yes", "no", "insufficient"]
    assert "palermo_trafficking" not in screening.frame
