"""The sensitivity estimates (visibility spread sigma): file form, validation, chart, privacy."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from darkfigure.errors import InputError
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.publish import EstimateSet, read_estimates, write_report
from darkfigure.publish._charts import EstimateRow, sensitivity_chart
from darkfigure.publish._i18n import Messages

LISTS = ("police", "ngo", "shelter")


def _estimate(
    sigma: float | None, total: float, upper: float, lists: tuple[str, ...] = LISTS
) -> Estimate:
    return Estimate(
        lists,
        400,
        "logit-normal",
        (f"logit-normal visibility, sigma={sigma}, 1 strata",),
        total,
        total - 400,
        Interval(0.95, total * 0.8, upper, "profile"),
        diagnostics={} if sigma is None else {"sigma": sigma},
    )


def _set(sensitivity: tuple[Estimate, ...] | list[Estimate] = ()) -> EstimateSet:
    headline = Estimate(
        LISTS, 400, "bic", LISTS, 900.0, 500.0, Interval(0.95, 700.0, 1200.0, "profile")
    )
    return EstimateSet((headline,), "bic", {}, tuple(sensitivity))


SENSITIVITY = (
    _estimate(0.0, 900.0, 1100.0),
    _estimate(1.0, 1500.0, 2400.0),
    _estimate(2.0, 4000.0, math.inf),
)


def test_file_form_round_trips_with_sensitivity(tmp_path: Path) -> None:
    es = _set(SENSITIVITY)
    path = tmp_path / "est.json"
    path.write_text(json.dumps(es.to_dict()), encoding="utf-8")
    back = read_estimates(path)
    assert back == es
    assert [e.diagnostics["sigma"] for e in back.sensitivity] == [0.0, 1.0, 2.0]
    assert back.sensitivity[2].interval is not None
    assert back.sensitivity[2].interval.upper == math.inf  # no upper bound survives the file


def test_file_form_round_trips_without_sensitivity_and_old_files_load(tmp_path: Path) -> None:
    es = _set()
    data = es.to_dict()
    assert data["sensitivity"] == []
    assert EstimateSet.from_dict(json.loads(json.dumps(data))) == es
    del data["sensitivity"]  # a file written before the key existed
    del data["strata"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    old = read_estimates(path)
    assert old.sensitivity == ()
    assert old.headline.estimate == 900.0


def test_a_list_from_visibility_sensitivity_is_kept_as_a_tuple() -> None:
    es = _set(list(SENSITIVITY))
    assert es.sensitivity == SENSITIVITY


@pytest.mark.parametrize(
    ("sensitivity", "message"),
    [
        ({"sigma": 1.0}, r"sensitivity: expected a list of estimate objects \(got a dict\)"),
        ([SENSITIVITY[0].to_dict(), 3], r"sensitivity\[1\]: not an estimate object"),
        ([{"lists": ["police"]}], r"sensitivity\[0\]: not an estimate object \(KeyError"),
        (
            [_estimate(None, 900.0, 1100.0).to_dict()],
            r"sensitivity\[0\]: diagnostics\.sigma must be a number \(got None\)",
        ),
        (
            [_estimate(-0.5, 900.0, 1100.0).to_dict()],
            r"sensitivity\[0\]: diagnostics\.sigma must be >= 0",
        ),
        (
            [{**SENSITIVITY[0].to_dict(), "diagnostics": {"sigma": True}}],
            r"sensitivity\[0\]: diagnostics\.sigma must be a number",
        ),
        (
            [SENSITIVITY[0].to_dict(), _estimate(1.0, 900.0, 1100.0, ("police", "ngo")).to_dict()],
            r"sensitivity\[1\]: estimated on the lists police, ngo, not on the headline's",
        ),
    ],
    ids=[
        "not-a-list",
        "not-an-object",
        "missing-key",
        "no-sigma",
        "negative-sigma",
        "bool-sigma",
        "other-lists",
    ],
)
def test_bad_sensitivity_is_an_input_error_naming_the_key(
    tmp_path: Path, sensitivity: Any, message: str
) -> None:
    data = {**_set().to_dict(), "sensitivity": sensitivity}
    path = tmp_path / "est.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_estimates(path)
    assert str(caught.value).startswith(f"{path}: ")  # and which file


def test_chart_spec_has_the_headline_and_truth_lines_and_open_rows() -> None:
    m = Messages("en")
    rows = [
        EstimateRow("logit-normal", "σ = 1.0", 1500, 1200, 2400),
        EstimateRow("logit-normal", "σ = 2.0", 4000, 3200, None, open_above=True),
    ]
    spec = sensitivity_chart(rows, m, level=0.95, headline=900, truth=1000)
    assert spec["id"] == "chart-sensitivity-en"
    assert spec["kind"] == "forest"
    assert [(r["style"], r["value"]) for r in spec["reference"]] == [
        ("headline", 900),
        ("truth", 1000),
    ]
    assert [r["text"] for r in spec["rows"]] == [
        "1,500 (1,200–2,400)",
        "4,000 (3,200 – no upper bound)",
    ]
    assert [r["open_above"] for r in spec["rows"]] == [False, True]
    without_truth = sensitivity_chart(rows, m, level=0.95, headline=900)
    assert [r["style"] for r in without_truth["reference"]] == ["headline"]


def test_no_sensitivity_is_published_when_the_people_on_the_lists_are_fewer_than_k(
    tmp_path: Path,
) -> None:
    records = pd.DataFrame(
        {
            "list_name": ["police", "ngo", "shelter", "police", "ngo", "police"],
            "person_key": ["P1", "P1", "P2", "P3", "P4", "P5"],
        }
    )
    out = tmp_path / "r.html"
    result = write_report(records, _set(SENSITIVITY), out=out, lang="en")
    html = out.read_text(encoding="utf-8")
    assert result.observed is None
    assert 'id="sensitivity-en"' not in html
    assert "chart-sensitivity" not in html
    assert "1,500" not in html
    assert "4,000" not in html
