"""The report: protected aggregates → charts and words per language → one self-contained HTML file.

:func:`write_report` is the publish stage's facade. The page has no external resource (CSS
inline, charts inline SVG, no script), so it opens offline and prints to PDF as it shows.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from darkfigure import __version__
from darkfigure._files import write_text_atomic
from darkfigure._summary import Summary
from darkfigure.estimate._result import Estimate
from darkfigure.publish._charts import (
    EstimateRow,
    forest_chart,
    funnel_chart,
    sensitivity_chart,
    strata_chart,
    upset_chart,
)
from darkfigure.publish._disclosure import DisclosurePolicy
from darkfigure.publish._estimates import EstimateSet
from darkfigure.publish._i18n import Messages, languages, round_estimate
from darkfigure.publish._pdf import print_pdf
from darkfigure.publish._publish import Aggregates, Rounded, publish_aggregates
from darkfigure.publish._render import render_svg

__all__ = ["Report", "render_html", "write_report"]

_REFERENCES = (
    "Bales, K., Hesketh, O., Silverman, B. (2015). Modern slavery in the UK: how many victims? "
    "Significance 12(3), 16–21.",
    "Silverman, B. W. (2020). Multiple-systems analysis for the quantification of modern slavery: "
    "classical and Bayesian approaches. J. R. Stat. Soc. A 183(3), 691–736.",
    "Chan, L., Silverman, B. W., Vincent, K. (2021). Multiple systems estimation for sparse "
    "capture data: inferential challenges when there are nonoverlapping lists. JASA 116, "
    "1297–1306.",
    "Fienberg, S. E. (1972). The multiple recapture census for closed populations and incomplete "
    "2^k contingency tables. Biometrika 59(3), 591–603.",
    "Chao, A. (1987). Estimating the population size for capture–recapture data with unequal "
    "catchability. Biometrics 43(4), 783–791.",
    "Manrique-Vallier, D. (2016). Bayesian population size estimation using Dirichlet process "
    "mixtures. Biometrics 72(4), 1246–1254.",
    "UNODC (2003). Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially "
    "Women and Children (Palermo Protocol), art. 3.",
    "ILO (2012). Hard to see, harder to count: survey guidelines to estimate forced labour of "
    "adults and children. Geneva.",
    "Crimes Ordinance (Cap. 200), Laws of Hong Kong, Part XII, s.129.",
    "Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley.",
    "Dwork, C., Roth, A. (2014). The algorithmic foundations of differential privacy. "
    "Found. Trends Theor. Comput. Sci. 9(3–4), 211–407.",
    "CTDC (2017). Codebook v6: k-anonymised global dataset (k = 11).",
)


@dataclass(frozen=True)
class Report:
    """What :func:`write_report` wrote, with the published headline (aggregates only).

    Attributes
    ----------
    path, pdf
        The HTML file and the PDF (or None).
    languages
        The languages in the report.
    observed, estimate, lower, upper
        The headline as published (rounded; None when suppressed or absent).
    suppressed
        How many counts the report hides.
    epsilon
        The total privacy loss of the tables, or None without differential privacy.
    warnings
        Disclosure-control messages (no values).
    """

    path: Path
    pdf: Path | None
    languages: tuple[str, ...]
    observed: int | None
    estimate: int | None
    lower: int | None
    upper: int | None
    suppressed: int
    epsilon: float | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (what ``darkfigure report --json`` prints)."""
        return {
            "path": str(self.path),
            "pdf": None if self.pdf is None else str(self.pdf),
            "languages": list(self.languages),
            "observed": self.observed,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "suppressed": self.suppressed,
            "epsilon": self.epsilon,
            "warnings": list(self.warnings),
        }

    def summary(self) -> Summary:
        """The report for people: where it is and what it says."""
        interval = "—" if self.lower is None else f"{self.lower:,} – {self.upper:,}"
        header: list[tuple[str, Any]] = [
            ("report", str(self.path)),
            *([("pdf", str(self.pdf))] if self.pdf is not None else []),
            ("languages", ", ".join(self.languages)),
            ("people on the lists", self.observed),
            ("estimated total", self.estimate),
            ("interval", interval),
            ("counts suppressed", self.suppressed),
        ]
        if self.epsilon is not None:
            header.append(("privacy loss ε (total)", self.epsilon))
        return Summary("Report", header=tuple(header), warnings=self.warnings)


def _row(r: Rounded, m: Messages, primary: str, *, label: str | None = None) -> EstimateRow:
    return EstimateRow(
        r.method,
        m.method(r.method) if label is None else label,
        r.estimate,
        r.lower,
        r.upper,
        primary=r.method == primary,
        open_above=r.open_above,
    )


def _model_text(model: tuple[str, ...], m: Messages, *, longest: int = 6) -> str:
    """A model's terms, or for a long log-linear model how many lists and interactions it has."""
    if len(model) <= longest:
        return " + ".join(model) or "—"
    interactions = sum(":" in term for term in model)
    return m("methods.model_short", lists=len(model) - interactions, interactions=interactions)


def _interval_text(r: Rounded, m: Messages) -> str:
    if r.lower is not None and r.open_above:
        return m("report.open_interval", lower=m.number(r.lower))
    if r.lower is None or r.upper is None:
        return m("methods.no_interval")
    return f"{m.number(r.lower)} – {m.number(r.upper)}"


def _range_text(estimates: Sequence[int], m: Messages, key: str) -> str:
    """``key`` (lowest to highest estimate) or ``key_same``; empty for fewer than two."""
    if len(estimates) < 2:
        return ""
    low, high = min(estimates), max(estimates)
    if low == high:
        return m(f"{key}_same", estimate=m.number(low))
    return m(key, low=m.number(low), high=m.number(high))


def _sigma_text(sigma: float) -> str:
    """A spread as the report prints it: one decimal unless it needs more.

    Examples
    --------
    >>> _sigma_text(1.0), _sigma_text(0.5), _sigma_text(0.25)
    ('1.0', '0.5', '0.25')
    """
    text = f"{sigma:.1f}"
    return text if float(text) == sigma else f"{sigma:g}"


def _headline(agg: Aggregates, m: Messages) -> list[str]:
    k = agg.policy.k
    n_lists = len(agg.lists)
    if agg.observed is None:
        return [m("headline.observed_suppressed", k=k)]
    observed = m("headline.observed", observed=m.number(agg.observed), n_lists=n_lists)
    if agg.headline is None:
        return [observed, m("headline.no_estimate")]
    h = agg.headline
    out = [observed, m("headline.estimate", estimate=m.number(h.estimate))]
    dark = round_estimate(max(h.estimate - agg.observed, 0))
    if h.lower is not None and h.upper is not None and h.level is not None:
        out.append(
            m(
                "headline.interval",
                level=m.level(h.level),
                lower=m.number(h.lower),
                upper=m.number(h.upper),
            )
        )
        out.append(
            m(
                "headline.dark",
                dark=m.number(dark),
                dark_lower=m.number(round_estimate(max(h.lower - agg.observed, 0))),
                dark_upper=m.number(round_estimate(max(h.upper - agg.observed, 0))),
            )
        )
    else:
        out.append(m("headline.dark_no_interval", dark=m.number(dark)))
        out.append(m("headline.no_interval"))
    if agg.truth is not None:
        text = m("headline.truth", truth=m.number(agg.truth))
        if h.lower is not None and h.upper is not None:
            covered = h.lower <= agg.truth <= h.upper
            text += m("meta.sentence_sep")
            text += m("headline.truth_covered" if covered else "headline.truth_missed")
        out.append(text)
    return out


def _language_view(agg: Aggregates, m: Messages, date: str) -> dict[str, Any]:
    """Every string and chart of one language."""
    k = agg.policy.k
    primary = agg.headline.method if agg.headline else ""
    level = agg.headline.level if agg.headline and agg.headline.level else 0.95
    view: dict[str, Any] = {
        "m": m,
        "lang": m.lang,
        "k": k,
        "subtitle": m("report.subtitle", n_lists=len(agg.lists), date=date, version=__version__),
        "headline": _headline(agg, m),
        "basis": None,
    }
    if agg.headline is not None:
        model = _model_text(agg.headline.model, m)
        view["basis"] = m("headline.basis", method=m.method(agg.headline.method), model=model)
    overlap = agg.overlap
    view["overlap_svg"] = Markup(render_svg(upset_chart(overlap, m, k=k)))
    view["overlap_rows"] = [
        (
            m("meta.list_sep").join(name for j, name in enumerate(overlap.lists) if mask >> j & 1),
            m.count(count, k),
        )
        for mask, count in overlap.histories
        if count != 0
    ]
    view["methods_svg"] = None
    if agg.methods:
        chart_rows = [_row(r, m, primary) for r in agg.methods]
        view["methods_svg"] = Markup(
            render_svg(
                forest_chart(chart_rows, m, level=level, observed=agg.observed, truth=agg.truth)
            )
        )
        view["methods_rows"] = [
            (
                m.method(r.method),
                _model_text(r.model, m),
                m.number(r.estimate),
                _interval_text(r, m),
                "; ".join(r.warnings),
            )
            for r in agg.methods
        ]
        h = agg.headline
        view["chosen"] = ""
        if h is not None:
            why_key = f"why.{h.method}" if m.has(f"why.{h.method}") else "why.other"
            chosen = [m("methods.chosen", method=m.method(h.method)), m(why_key)]
            if h.candidates:
                chosen.append(m("methods.candidates", n=h.candidates))
            view["chosen"] = m("meta.sentence_sep").join(chosen)
        view["methods_range"] = _range_text([r.estimate for r in agg.methods], m, "methods.range")
    view["sensitivity"] = _sensitivity_view(agg, m, level)
    view["strata"] = []
    for variable, (table, estimates) in agg.strata.items():
        groups = []
        rows = []
        for value, count in table.column().items():
            r = estimates.get(value)
            label = m.code(variable, value)
            groups.append((label, count, None if r is None else _row(r, m, "")))
            rows.append(
                (
                    label,
                    m.count(count, k),
                    m("strata.not_estimated") if r is None else m.number(r.estimate),
                    "" if r is None else _interval_text(r, m),
                )
            )
        svg = render_svg(strata_chart(variable, groups, m, k=k, level=level))
        view["strata"].append(
            {"title": m(f"variable.{variable}"), "svg": Markup(svg), "rows": rows}
        )
    view["screening"] = _screening_view(agg, m)
    view["quality"] = _quality_view(agg, m)
    view["disclosure"] = _disclosure_view(agg, m)
    return view


def _sensitivity_view(agg: Aggregates, m: Messages, level: float) -> dict[str, Any] | None:
    """The estimate at each spread of visibility sigma: words, chart and table (None if none).

    A spread sigma on the logit scale multiplies a person's odds of being on each list by
    ``exp(sigma)`` per standard deviation of visibility; the labels say so in those words.
    """
    if not agg.sensitivity:
        return None
    ordered = sorted(agg.sensitivity, key=lambda pair: pair[0])
    chart_rows = []
    rows = []
    for sigma, r in ordered:
        sigma_text, odds = _sigma_text(sigma), f"{math.exp(sigma):.1f}"
        label = (
            m("sensitivity.row_label_zero", sigma=sigma_text)
            if sigma == 0
            else m("sensitivity.row_label", sigma=sigma_text, odds=odds)
        )
        chart_rows.append(_row(r, m, "", label=label))
        rows.append(
            (
                sigma_text,
                m("sensitivity.odds", odds=odds),
                m.number(r.estimate),
                _interval_text(r, m),
            )
        )
    levels = [r.level for _, r in ordered if r.level is not None]
    spec = sensitivity_chart(
        chart_rows,
        m,
        level=levels[0] if levels else level,
        headline=None if agg.headline is None else agg.headline.estimate,
        truth=agg.truth,
    )
    paragraphs = [m("sensitivity.intro"), m("sensitivity.how")]
    after = [_range_text([r.estimate for _, r in ordered], m, "sensitivity.range")]
    if any(r.open_above for _, r in ordered):
        after.append(m("sensitivity.open_note"))
    return {
        "paragraphs": paragraphs,
        "svg": Markup(render_svg(spec)),
        "rows": rows,
        "after": [text for text in after if text],
    }


def _screening_view(agg: Aggregates, m: Messages) -> dict[str, Any] | None:
    table = agg.screening
    if table is None:
        return None
    k = agg.policy.k
    cells = dict(zip(table.rows, table.cells, strict=True))
    law = dict(zip(table.columns, cells["yes"], strict=True))
    palermo_yes = table.row_totals[table.rows.index("yes")]
    steps = [(m("screening.step_screened"), table.total)]
    if agg.screening_ilo is not None:
        steps.append((m("screening.step_indicators"), agg.screening_ilo.column().get("yes")))
    steps += [(m("screening.step_palermo"), palermo_yes), (m("screening.step_law"), law["yes"])]
    gap = law["no"]
    svg = render_svg(funnel_chart(steps, (m("screening.gap_label"), gap), m, k=k))
    unit = m(
        "screening.unit_persons" if agg.screening_unit == "persons" else "screening.unit_records"
    )
    noun = m("report.people" if agg.screening_unit == "persons" else "report.records")
    paragraphs = [m("screening.intro", unit=unit)]
    paragraphs.append(
        m("screening.gap_suppressed", k=k)
        if gap is None
        else m("screening.gap", gap=f"{m.number(gap)} {noun}")
    )
    undecided = table.row_totals[table.rows.index("insufficient")]
    if undecided:
        paragraphs.append(m("screening.undecided", n=f"{m.number(undecided)} {noun}"))
    header = [m(f"label.{c}") for c in table.columns]
    rows = [
        (m(f"label.{r}"), *(m.count(v, k) for v in cells[r]), m.count(t, k))
        for r, t in zip(table.rows, table.row_totals, strict=True)
    ]
    rows.append(("Σ", *(m.count(v, k) for v in table.column_totals), m.count(table.total, k)))
    return {"svg": Markup(svg), "paragraphs": paragraphs, "header": header, "rows": rows}


def _quality_view(agg: Aggregates, m: Messages) -> dict[str, Any]:
    k = agg.policy.k
    out: dict[str, Any] = {}
    if agg.validation_clean is None:
        out["validation_text"] = m("quality.validation_none")
    elif agg.validation_clean:
        out["validation_text"] = m("quality.validation_clean")
    else:
        assert agg.validation is not None
        out["validation_rows"] = [
            (_problem_text(label, m), m.count(n, k)) for label, n in agg.validation.column().items()
        ]
    sizes = dict(zip(agg.overlap.lists, agg.overlap.list_sizes, strict=True))
    if agg.records_by_list is not None:
        out["linkage_rows"] = [
            (name, m.count(n, k), m.count(sizes.get(name), k))
            for name, n in agg.records_by_list.column().items()
        ]
        out["linkage_total"] = (m.count(agg.records_by_list.total, k), m.count(agg.observed, k))
    if agg.match_bands is not None:
        out["match_rows"] = [
            (label, m.count(n, k)) for label, n in agg.match_bands.column().items()
        ]
    return out


def _problem_text(label: str, m: Messages) -> str:
    """``severity|column`` as words (a problem with no column concerns the whole file)."""
    severity, _, column = label.partition("|")
    if severity not in ("error", "warning"):
        return label
    return m(f"quality.{severity}", column=column or m("quality.whole_file"))


def _disclosure_view(agg: Aggregates, m: Messages) -> list[str]:
    p = agg.policy
    out = [
        m("disclosure.rule", k=p.k),
        m("disclosure.zeros_protected" if p.protect_zeros else "disclosure.zeros"),
    ]
    if p.rounding != "none":
        out.append(
            m(
                "disclosure.rounding",
                kind=m(f"disclosure.rounding_{p.rounding}"),
                base=p.rounding_base,
            )
        )
    if agg.epsilon_total is not None and p.epsilon is not None:
        out.append(
            m(
                "disclosure.dp",
                epsilon=f"{p.epsilon:g}",
                total=f"{agg.epsilon_total:g}",
                tables=len(agg.tables()),
            )
        )
    out.append(m("disclosure.suppressed_count", n=agg.suppressed))
    out.append(m("disclosure.identity"))
    return out


def _join_screening(
    records: pd.DataFrame, screened: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Give linked records the screened records' case columns, and screened records the people.

    ``darkfigure link`` writes only keys (``list_name``, ``record_id``, ``person_key``, ...);
    joining the screened records on ``(list_name, record_id)`` brings back the columns that
    groups and screening need, and lets screening count people rather than records.
    """
    keys = ["list_name", "record_id"]
    if screened is None or not set(keys) <= set(records.columns) & set(screened.columns):
        return records, screened
    extra = [c for c in screened.columns if c not in records.columns]
    if not extra:
        return records, records
    right = screened[[*keys, *extra]].astype(dict.fromkeys(keys, "string"))
    joined = records.astype(dict.fromkeys(keys, "string")).merge(right, on=keys, how="left")
    return joined, joined


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("darkfigure.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(agg: Aggregates, *, lang: str = "both", date: str | None = None) -> str:
    """The report page for protected aggregates (``lang``: ``en``, ``zh-Hant`` or ``both``)."""
    chosen = languages(lang)
    date = date or dt.date.today().isoformat()
    views = [_language_view(agg, Messages(code), date) for code in chosen]
    template = _environment().get_template("report.html.j2")
    return template.render(views=views, agg=agg, references=_REFERENCES, simulated=agg.simulated)


def write_report(
    records: pd.DataFrame,
    estimates: EstimateSet | Estimate | list[Estimate],
    *,
    out: str | os.PathLike[str],
    screened: pd.DataFrame | None = None,
    validation: Mapping[str, Any] | None = None,
    truth: int | None = None,
    simulated: bool = False,
    policy: DisclosurePolicy | None = None,
    lang: str = "both",
    pdf: bool = False,
) -> Report:
    """Write the self-contained HTML report (and optionally a PDF beside it).

    Parameters
    ----------
    records
        Linked records: ``list_name``, ``person_key`` and the case columns used for groups
        (``citizenship``, ``sex``, ``age`` or ``date_of_birth`` + ``date_identified``,
        ``exploitation_type``). Identity columns are ignored, never printed.
    estimates
        An :class:`EstimateSet` (methods, headline, strata), one estimate or a list.
    out
        The HTML file to write (atomically).
    screened
        Screened records, for the screening funnel and the legal gap.
    validation
        ``ValidationReport.to_dict()`` of the lists, for the data-quality section.
    truth
        The true total when the data are simulated (shown beside the estimate).
    simulated
        Mark the report as made from simulated data.
    policy
        Disclosure control; default ``DisclosurePolicy()`` (k = 10).
    lang : {"en", "zh-Hant", "both"}
        Languages; ``both`` adds a switch (and a side-by-side view) that needs no script.
    pdf
        Also print the page to ``<out>.pdf`` with headless Chromium.

    Returns
    -------
    Report

    Raises
    ------
    InputError
        Records or screened records without the columns needed.
    SettingsError
        An unknown ``lang`` or an invalid policy.
    MissingDependencyError
        ``pdf=True`` and no Chromium is installed.
    """
    policy = policy or DisclosurePolicy()
    languages(lang)  # fail before any work on a bad value
    if isinstance(estimates, Estimate):
        estimates = EstimateSet((estimates,))
    elif not isinstance(estimates, EstimateSet):
        estimates = EstimateSet(tuple(estimates))
    records, screened = _join_screening(records, screened)
    agg = publish_aggregates(
        records,
        estimates,
        policy=policy,
        screened=screened,
        validation=validation,
        truth=truth,
        simulated=simulated,
    )
    html = render_html(agg, lang=lang)
    path = Path(out)
    write_text_atomic(path, html)
    pdf_path = print_pdf(path, path.with_suffix(".pdf")) if pdf else None
    h = agg.headline
    return Report(
        path=path,
        pdf=pdf_path,
        languages=languages(lang),
        observed=agg.observed,
        estimate=None if h is None else h.estimate,
        lower=None if h is None else h.lower,
        upper=None if h is None else h.upper,
        suppressed=agg.suppressed,
        epsilon=agg.epsilon_total,
        warnings=agg.warnings,
    )
