"""The report: valid HTML, both languages, every chart, no identity, no count below k."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from darkfigure.cli import app
from darkfigure.errors import MissingDependencyError
from darkfigure.estimate._result import Estimate, Interval
from darkfigure.publish import EstimateSet, read_estimates, write_report
from darkfigure.publish._pdf import CHROMIUM_FLAGS

K = 10
LISTS = ("police", "ngo", "hotline", "shelter")
FAKE_NAMES = ("Qwertina", "Zyxwvuts", "Blorptin")
FAKE_PHONE = "+85299887766"
FAKE_DOB = "1987-03-14"
FAKE_DOC = "ZZ998877(3)"
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area", "base"}


def _records(seed: int = 0, people: int = 500) -> pd.DataFrame:
    """Synthetic linked and screened records with known fake identities in every row."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(people):
        on = [name for name in LISTS if rng.random() < 0.35] or [LISTS[p % 4]]
        sex = rng.choice(["F", "M", ""], p=[0.7, 0.28, 0.02])
        citizenship = rng.choice(["PHL", "IDN", "CHN", "THA", "VNM"], p=[0.4, 0.3, 0.2, 0.06, 0.04])
        for name in on:
            rows.append(
                {
                    "list_name": name,
                    "record_id": f"REC-{name}-{p:05d}",
                    "person_key": f"PK{p:05d}",
                    "family_name": FAKE_NAMES[p % 3],
                    "given_name": FAKE_NAMES[(p + 1) % 3],
                    "phone": FAKE_PHONE,
                    "date_of_birth": FAKE_DOB,
                    "document_number": FAKE_DOC,
                    "sex": sex,
                    "citizenship": citizenship,
                    "age": str(int(rng.integers(15, 60))),
                    "exploitation_type": rng.choice(
                        ["sexual", "forced_labour", "sexual;forced_labour"]
                    ),
                    "palermo_trafficking": rng.choice(
                        ["yes", "no", "insufficient"], p=[0.6, 0.3, 0.1]
                    ),
                    "cap200_s129": rng.choice(["yes", "no", "insufficient"], p=[0.3, 0.6, 0.1]),
                    "ilo_forced_labour": rng.choice(["yes", "no"]),
                }
            )
    return pd.DataFrame(rows)


def _estimates(observed: int) -> EstimateSet:
    bic = Estimate(
        LISTS,
        observed,
        "bic",
        ("police", "ngo", "police:ngo"),
        1234.5,
        1234.5 - observed,
        Interval(0.95, 1001.0, 1602.0, "profile"),
        diagnostics={"candidates": ["a", "b", "c"]},
    )
    chao = Estimate(
        LISTS,
        observed,
        "chao",
        ("Mh Chao",),
        1100.0,
        1100.0 - observed,
        Interval(0.95, 950.0, 1400.0, "profile"),
    )
    female = Estimate(
        LISTS, 300, "bic", ("police", "ngo"), 820.0, 520.0, Interval(0.95, 640.0, 1050.0, "profile")
    )
    return EstimateSet((bic, chao), "bic", {"sex": {"F": female}}, _sensitivity(observed))


#: (sigma, estimate, lower, upper) of a logit-normal sensitivity run; the two widest spreads
#: leave the interval open above, as the profile likelihood does when it stays flat.
SENSITIVITY = (
    (0.0, 1180.0, 1010.0, 1390.0),
    (0.5, 1340.0, 1100.0, 1700.0),
    (1.0, 1720.0, 1300.0, 2600.0),
    (1.5, 2460.0, 1600.0, math.inf),
    (2.0, 3900.0, 2100.0, math.inf),
)
#: The table the report must print: sigma, odds ratio exp(sigma), rounded estimate, interval.
SENSITIVITY_ROWS = (
    ("0.0", "× 1.0", "1,200", "1,000 – 1,400"),
    ("0.5", "× 1.6", "1,300", "1,100 – 1,700"),
    ("1.0", "× 2.7", "1,700", "1,300 – 2,600"),
    ("1.5", "× 4.5", "2,500", "1,600 – {open}"),
    ("2.0", "× 7.4", "3,900", "2,100 – {open}"),
)


def _sensitivity(observed: int) -> tuple[Estimate, ...]:
    """The estimates at fixed spreads, in reverse order (the report sorts them by sigma)."""
    return tuple(
        Estimate(
            LISTS,
            observed,
            "logit-normal",
            (f"logit-normal visibility, sigma={sigma}, 1 strata",),
            estimate,
            estimate - observed,
            Interval(0.95, lower, upper, "profile"),
            warnings=() if math.isfinite(upper) else ("the profile interval has no upper bound",),
            diagnostics={"sigma": sigma},
        )
        for sigma, estimate, lower, upper in reversed(SENSITIVITY)
    )


class _Checker(HTMLParser):
    """Tag balance, unique ids and the document's shape."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.errors: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, pd.DataFrame]:
    records = _records()
    out = tmp_path_factory.mktemp("report") / "report.html"
    problem = {
        "file": "a.csv",
        "row": 3,
        "column": "citizenship",
        "severity": "error",
        "reason": "unknown country",
        "value": "SECRETVAL",
    }
    validation = {"errors": [problem] * 12, "warnings": [{**problem, "column": "sex"}] * 3}
    result = write_report(
        records,
        _estimates(records["person_key"].nunique()),
        out=out,
        screened=records,
        validation=validation,
        truth=1250,
        simulated=True,
        lang="both",
    )
    assert result.path == out
    assert result.estimate == 1200
    return out, out.read_text(encoding="utf-8"), records


def test_report_is_well_formed_html(report: tuple[Path, str, pd.DataFrame]) -> None:
    _, html, _ = report
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.doctype
    assert checker.errors == []
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ET.fromstring(svg)  # every chart is well-formed XML
    assert not re.search(
        r"<(script|link|img)\b|https?://(?!www\.w3\.org)",
        html.split("</style>")[1].split("<svg")[0],
    ), "the page must not load anything"


def test_headline_and_every_chart_in_both_languages(report: tuple[Path, str, pd.DataFrame]) -> None:
    _, html, records = report
    observed = records["person_key"].nunique()
    assert f"{observed:,} people appear on at least one of the 4 lists." in html
    assert "about 1,200" in html
    assert "between 1,000 and 1,600" in html
    assert f"共有 {observed:,} 人至少出現在其中一份名單上" in html
    assert "介乎 1,000 至 1,600 人之間" in html
    assert "1,250" in html  # the true total of the simulation
    for lang in ("en", "zh-Hant"):
        for chart in ("overlap", "methods", "sensitivity", "screening"):
            assert f'id="chart-{chart}-{lang}"' in html
        assert f'id="chart-strata-sex-{lang}"' in html
    assert html.count('data-chart="upset"') == 2
    assert html.count('data-chart="forest"') == 4  # methods and sensitivity, per language


def _section(html: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}">(.*?)</section>', html, flags=re.S)
    assert found, section_id
    return found.group(1)


def _sensitivity_rows(section: str) -> list[tuple[str, ...]]:
    cells = r"<td class=\"n param\">([^<]*)</td><td class=\"n param\">([^<]*)</td>"
    cells += r"<td class=\"n\">([^<]*)</td><td class=\"n\">([^<]*)</td>"
    return [tuple(unescape(c) for c in row) for row in re.findall(cells, section)]


@pytest.mark.parametrize(
    ("lang", "no_upper", "label", "spread_range"),
    [
        (
            "en",
            "no upper bound",
            "σ = 1.0 (odds × 2.7 per s.d.)",
            "Across these spreads, the estimate ranges from 1,200 to 3,900.",
        ),
        (
            "zh-Hant",
            "無上限",
            "σ = 1.0（每個標準差，勝算 × 2.7）",
            "估算介乎 1,200 至 3,900 人之間。",
        ),
    ],
    ids=["en", "zh-Hant"],
)
def test_sensitivity_section_shows_each_spread(
    report: tuple[Path, str, pd.DataFrame], lang: str, no_upper: str, label: str, spread_range: str
) -> None:
    _, html, _ = report
    order = [html.index(f'<section id="{s}-{lang}"') for s in ("methods", "sensitivity", "strata")]
    assert order == sorted(order), "the section comes right after the methods"
    section = unescape(_section(html, f"sensitivity-{lang}"))
    expected = [(*row[:3], row[3].format(open=no_upper)) for row in SENSITIVITY_ROWS]
    assert _sensitivity_rows(_section(html, f"sensitivity-{lang}")) == expected
    assert label in section  # the chart's row label
    assert spread_range in section
    heading = {"en": "How much the answer depends", "zh-Hant": "答案有多依賴最強的假設"}[lang]
    assert heading in section
    # the reference lines: the headline estimate and the simulation's truth
    assert {"en": "headline estimate", "zh-Hant": "重點估算"}[lang] in section
    assert {"en": "true total (simulation)", "zh-Hant": "真實總數（模擬）"}[lang] in section
    # the open intervals are explained, and their text in the chart says so too
    assert f"2,500 (1,600 – {no_upper})" in section
    assert not re.search(r"\b(inf|nan|Infinity)\b", section, flags=re.IGNORECASE)


def test_methods_section_gives_the_range_of_the_estimates(
    report: tuple[Path, str, pd.DataFrame],
) -> None:
    _, html, _ = report
    assert "The methods' estimates range from 1,100 to 1,200." in unescape(
        _section(html, "methods-en")
    )
    assert "各方法的估算介乎 1,100 至 1,200 人之間。" in _section(html, "methods-zh-Hant")


def test_no_identity_value_anywhere(report: tuple[Path, str, pd.DataFrame]) -> None:
    _, html, records = report
    assert "error in column citizenship" in html
    assert "citizenship 欄的錯誤" in html
    for value in (*FAKE_NAMES, FAKE_PHONE, FAKE_DOB, FAKE_DOC, "REC-", "PK0", "SECRETVAL"):
        assert value not in html, value
    for key in records["person_key"].unique()[:50]:
        assert key not in html


def test_no_published_count_below_k(report: tuple[Path, str, pd.DataFrame]) -> None:
    _, html, _ = report
    numeric_cells = re.findall(r'<td class="n">([^<]*)</td>', html)
    assert numeric_cells
    for cell in numeric_cells:
        for number in re.findall(r"(?<![\w.])\d[\d,]*", cell):
            value = int(number.replace(",", ""))
            assert value == 0 or value >= K, cell
    assert "&lt; 10" in html  # the sample has small cells, shown suppressed


def test_catalogues_have_the_same_keys() -> None:
    root = Path(__file__).parents[2] / "src" / "darkfigure" / "publish" / "i18n"

    def keys(node: dict[str, object], prefix: str = "") -> set[str]:
        out: set[str] = set()
        for key, value in node.items():
            out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return out

    en = yaml.safe_load((root / "en.yaml").read_text(encoding="utf-8"))
    zh = yaml.safe_load((root / "zh-Hant.yaml").read_text(encoding="utf-8"))
    assert keys(en) == keys(zh)


def test_estimate_set_round_trips(tmp_path: Path) -> None:
    es = _estimates(400)
    path = tmp_path / "est.json"
    path.write_text(json.dumps(es.to_dict()), encoding="utf-8")
    back = read_estimates(path)
    assert back.to_dict() == es.to_dict()
    path.write_text(json.dumps(es.estimates[1].to_dict()), encoding="utf-8")
    assert read_estimates(path).headline.method == "chao"


def test_cli_report_writes_one_language_and_json(tmp_path: Path) -> None:
    records = _records(seed=1, people=300)
    records.to_csv(tmp_path / "records.csv", index=False)
    est = tmp_path / "est.json"
    est.write_text(
        json.dumps(_estimates(records["person_key"].nunique()).to_dict()), encoding="utf-8"
    )
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--records",
            str(tmp_path / "records.csv"),
            "--estimates",
            str(est),
            "--out",
            str(out),
            "--lang",
            "zh-Hant",
            "--k",
            "11",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["languages"] == ["zh-Hant"]
    assert data["estimate"] == 1200
    html = out.read_text(encoding="utf-8")
    assert 'lang="zh-Hant-HK"' in html
    # the sensitivity estimates survive the file form, open upper ends included
    assert _sensitivity_rows(_section(html, "sensitivity-zh-Hant"))[-1] == (
        "2.0",
        "× 7.4",
        "3,900",
        "2,100 – 無上限",
    )
    assert "The headline" not in html
    assert FAKE_NAMES[0] not in result.output + html


def test_cli_report_bad_input_exits_1_without_output(tmp_path: Path) -> None:
    (tmp_path / "records.csv").write_text("list_name,record_id\na,1\n", encoding="utf-8")
    est = tmp_path / "est.json"
    est.write_text(json.dumps(_estimates(10).to_dict()), encoding="utf-8")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--records",
            str(tmp_path / "records.csv"),
            "--estimates",
            str(est),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "person_key" in result.output
    assert not out.exists()


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (CI installs it: apt-get install chromium)"
)
def test_headless_chromium_renders_headline_and_charts(
    report: tuple[Path, str, pd.DataFrame],
) -> None:
    path, _, _ = report
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-500:]
    dom = done.stdout
    assert 'id="headline-en"' in dom
    assert 'id="headline-zh-Hant"' in dom
    assert "We estimate that the total number of people is about 1,200." in dom
    for kind in ("upset", "forest", "strata", "funnel"):
        assert f'data-chart="{kind}"' in dom, kind
    assert dom.count("<svg") >= 8


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_pdf_is_printed_with_chromium(tmp_path: Path) -> None:
    records = _records(seed=2, people=200)
    result = write_report(
        records,
        _estimates(records["person_key"].nunique()),
        out=tmp_path / "r.html",
        lang="en",
        pdf=True,
    )
    assert result.pdf == tmp_path / "r.pdf"
    assert result.pdf.read_bytes()[:5] == b"%PDF-"


def test_pdf_without_chromium_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    records = _records(seed=2, people=100)
    with pytest.raises(MissingDependencyError, match="apt-get install chromium"):
        write_report(
            records,
            _estimates(records["person_key"].nunique()),
            out=tmp_path / "r.html",
            lang="en",
            pdf=True,
        )


def test_demo_rejects_a_bad_language_as_usage_error() -> None:
    result = CliRunner().invoke(app, ["demo", "--lang", "fr"])
    assert result.exit_code == 2


def test_an_estimate_without_a_number_or_an_upper_bound_is_not_invented(tmp_path: Path) -> None:
    records = _records(seed=3, people=150)
    observed = records["person_key"].nunique()
    none = Estimate(LISTS, observed, "bic", ("police",), float("nan"), float("nan"), None)
    open_ended = Estimate(
        LISTS,
        observed,
        "chao",
        ("Mh Chao",),
        900.0,
        900.0 - observed,
        Interval(0.95, 700.0, float("inf"), "profile"),
    )
    result = write_report(
        records, EstimateSet((none, open_ended), "bic"), out=tmp_path / "r.html", lang="en"
    )
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert result.estimate is None
    assert "could not estimate the total" in html
    assert "900" in html
    assert "700 – no upper bound" in html  # the open interval of the methods table
    assert 'id="sensitivity-en"' not in html
    assert "chart-sensitivity" not in html
    assert not re.search(r"\b(inf|nan|Infinity)\b", html, flags=re.IGNORECASE)
