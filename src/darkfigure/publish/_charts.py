"""Chart specifications: plain dicts of already-protected data plus the words to draw.

A builder takes published objects (counts that passed disclosure control, estimates already
rounded) and the language's messages, and returns a dict that ``_render.render_svg`` draws and
tests inspect without drawing (the arviz-plots "none" backend idea). No builder sees a record.

Every spec has ``kind``, ``id`` (unique in the report, per language), ``title`` and the data
its kind needs; ``None`` as a count means "suppressed" and is drawn as a label, never a bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from darkfigure.publish._i18n import Messages
from darkfigure.publish._tables import PublishedOverlap

__all__ = [
    "EstimateRow",
    "forest_chart",
    "funnel_chart",
    "sensitivity_chart",
    "strata_chart",
    "upset_chart",
]

Spec = dict[str, Any]


@dataclass(frozen=True)
class EstimateRow:
    """One rounded estimate as charts and tables show it (``open_above``: no upper bound)."""

    key: str
    label: str
    estimate: int | None
    lower: int | None
    upper: int | None
    primary: bool = False
    open_above: bool = False


def upset_chart(overlap: PublishedOverlap, m: Messages, *, k: int, max_bars: int = 24) -> Spec:
    """UpSet-style overlap: a bar per combination of lists, dots marking its lists.

    Combinations with no one are left out; suppressed ones are kept (as ``< k`` labels) so the
    reader sees that they exist. Bars are sorted by size, suppressed last. With more than
    ``max_bars`` combinations (nine lists have 511), the largest published ones are drawn and the
    rest pooled into one bar, whose count (total minus the bars drawn) anyone could already
    work out from the page; it is still shown as ``< k`` when small.
    """
    n_lists = len(overlap.lists)
    bars: list[dict[str, Any]] = [
        {
            "members": [bool(mask >> j & 1) for j in range(n_lists)],
            "count": count,
            "text": m.count(count, k),
        }
        for mask, count in overlap.histories
        if count != 0
    ]
    bars.sort(key=lambda bar: (bar["count"] is None, -int(bar["count"] or 0), str(bar["members"])))
    if len(bars) > max_bars and overlap.total is not None:
        shown = [bar for bar in bars[: max_bars - 1] if bar["count"] is not None]
        rest = overlap.total - sum(int(bar["count"]) for bar in shown)
        pooled = None if 0 < rest < k else rest
        bars = [
            *shown,
            {
                "members": [False] * n_lists,
                "count": pooled,
                "text": m.count(pooled, k),
                "label": m("overlap.other_combinations", n=len(bars) - len(shown)),
            },
        ]
    return {
        "kind": "upset",
        "id": f"chart-overlap-{m.lang}",
        "title": m("overlap.chart_title"),
        "count_label": m("overlap.axis_count"),
        "set_label": m("overlap.set_size"),
        "lists": list(overlap.lists),
        "set_sizes": [
            {"list": name, "count": size, "text": m.count(size, k)}
            for name, size in zip(overlap.lists, overlap.list_sizes, strict=True)
        ],
        "bars": bars,
    }


def forest_chart(
    rows: Sequence[EstimateRow],
    m: Messages,
    *,
    level: float,
    observed: int | None,
    truth: int | None = None,
) -> Spec:
    """Forest plot: each method's estimate and interval, with the number on the lists."""
    reference = []
    if observed is not None:
        reference.append(
            {"label": m("methods.observed_line"), "value": observed, "style": "observed"}
        )
        if truth is not None:
            reference.append({"label": m("methods.truth_line"), "value": truth, "style": "truth"})
    title = m("methods.chart_title", level=m.level(level))
    return _forest(f"chart-methods-{m.lang}", title, rows, m, reference)


def sensitivity_chart(
    rows: Sequence[EstimateRow],
    m: Messages,
    *,
    level: float,
    headline: int | None,
    truth: int | None = None,
) -> Spec:
    """Forest plot of the estimate at each spread of visibility, beside the headline estimate."""
    reference = []
    if headline is not None:
        reference.append(
            {"label": m("sensitivity.headline_line"), "value": headline, "style": "headline"}
        )
    if truth is not None:
        reference.append({"label": m("methods.truth_line"), "value": truth, "style": "truth"})
    title = m("sensitivity.chart_title", level=m.level(level))
    return _forest(f"chart-sensitivity-{m.lang}", title, rows, m, reference)


def _forest(
    chart_id: str,
    title: str,
    rows: Sequence[EstimateRow],
    m: Messages,
    reference: list[dict[str, Any]],
) -> Spec:
    """The forest spec both forest charts share; ``reference`` are the vertical lines."""
    return {
        "kind": "forest",
        "id": chart_id,
        "title": title,
        "axis": m("methods.axis"),
        "rows": [
            {
                "label": r.label,
                "estimate": r.estimate,
                "lower": r.lower,
                "upper": r.upper,
                "open_above": r.open_above,
                "primary": r.primary,
                "text": _estimate_text(r, m),
            }
            for r in rows
            if r.estimate is not None
        ],
        "reference": reference,
    }


def strata_chart(
    variable: str,
    groups: Sequence[tuple[str, int | None, EstimateRow | None]],
    m: Messages,
    *,
    k: int,
    level: float,
) -> Spec:
    """People on the lists per group, with the estimated total where there is one."""
    name = m(f"variable.{variable}")
    return {
        "kind": "strata",
        "id": f"chart-strata-{variable}-{m.lang}",
        "title": m("strata.chart_title", variable=name),
        "axis": m("strata.axis"),
        "legend": [m("strata.legend_observed"), m("strata.legend_estimate", level=m.level(level))],
        "rows": [
            {
                "label": label,
                "observed": observed,
                "observed_text": m.count(observed, k),
                "estimate": None if row is None else row.estimate,
                "lower": None if row is None else row.lower,
                "upper": None if row is None else row.upper,
            }
            for label, observed, row in groups
        ],
    }


def funnel_chart(
    steps: Sequence[tuple[str, int | None]],
    gap: tuple[str, int | None],
    m: Messages,
    *,
    k: int,
) -> Spec:
    """Screening funnel (screened → indicators → trafficking → covered by law) and the gap."""
    return {
        "kind": "funnel",
        "id": f"chart-screening-{m.lang}",
        "title": m("screening.chart_title"),
        "steps": [{"label": label, "count": n, "text": m.count(n, k)} for label, n in steps],
        "gap": {"label": gap[0], "count": gap[1], "text": m.count(gap[1], k)},
    }


def _estimate_text(row: EstimateRow, m: Messages) -> str:
    assert row.estimate is not None
    text = m.number(row.estimate)
    if row.lower is not None and row.upper is not None:
        text += f" ({m.number(row.lower)}–{m.number(row.upper)})"
    elif row.lower is not None and row.open_above:
        text += f" ({m('report.open_interval', lower=m.number(row.lower))})"
    return text
