"""Draw chart specs as inline SVG with matplotlib (no JavaScript, works offline).

Text stays text (``svg.fonttype = 'none'``), so the reader's browser draws Chinese labels with
its own fonts even where no CJK font is installed here; layout widths for CJK text are
therefore approximate. Each chart gets its own hash salt so that the ids matplotlib writes
(clip paths) never collide between charts inlined in one page.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["render_svg"]

_INK = "#1f2937"
_MAIN = "#1f4e79"
_LIGHT = "#9ecae1"
_MUTED = "#9ca3af"
_ALERT = "#b91c1c"

_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": _MUTED,
    "axes.labelcolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def render_svg(spec: dict[str, Any]) -> str:
    """Draw one chart spec and return its ``<svg>`` element (UTF-8 text, no XML prolog)."""
    drawers = {"upset": _upset, "forest": _forest, "strata": _strata, "funnel": _funnel}
    settings = {**_RC, "svg.hashsalt": spec["id"]}
    with mpl.rc_context(settings), warnings.catch_warnings():  # type: ignore[arg-type]
        # DejaVu has no CJK glyphs; the browser draws them, so matplotlib's warning is noise.
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        figure = drawers[spec["kind"]](spec)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    svg = _scope_ids(svg, spec["id"])
    label = html.escape(spec["title"], quote=True)
    return svg.replace(
        "<svg",
        f'<svg id="{spec["id"]}" class="chart" data-chart="{spec["kind"]}" role="img" '
        f'aria-label="{label}"',
        1,
    )


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix matplotlib's ids (``figure_1``, clip paths, ...): charts in a page never share one."""
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)


def _upset(spec: dict[str, Any]) -> Figure:
    bars, lists = spec["bars"], spec["lists"]
    figure = Figure(figsize=(max(6.0, 2.4 + 0.38 * len(bars)), 3.2 + 0.3 * len(lists)))
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 0.3 * len(lists) + 0.4), hspace=0.05)
    top = figure.add_subplot(grid[0])
    matrix = figure.add_subplot(grid[1], sharex=top)
    x = list(range(len(bars)))
    heights = [bar["count"] or 0 for bar in bars]
    colours = [_MUTED if "label" in bar else _MAIN for bar in bars]
    top.bar(x, heights, color=colours, width=0.7)
    peak = max(heights, default=1) or 1
    for xi, bar in zip(x, bars, strict=True):
        if "label" in bar:  # the pooled "other combinations" bar names itself
            top.text(
                xi,
                peak * 0.02,
                bar["label"],
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=8,
                color=_INK,
            )
    for xi, bar in zip(x, bars, strict=True):
        suppressed = bar["count"] is None
        top.text(
            xi,
            (bar["count"] or 0) + peak * 0.02,
            bar["text"],
            ha="center",
            va="bottom",
            fontsize=8,
            rotation=90 if len(bars) > 12 else 0,
            color=_MUTED if suppressed else _INK,
            style="italic" if suppressed else "normal",
        )
    top.set_ylim(0, peak * 1.25)
    top.set_ylabel(spec["count_label"])
    top.tick_params(axis="x", bottom=False, labelbottom=False)
    top.set_title(spec["title"], loc="left", fontsize=11, color=_INK)
    rows = list(range(len(lists)))
    for xi, bar in zip(x, bars, strict=True):
        members = [row for row, inside in zip(rows, bar["members"], strict=True) if inside]
        matrix.scatter([xi] * len(rows), rows, s=36, color="#e5e7eb", zorder=1)
        matrix.scatter([xi] * len(members), members, s=36, color=_INK, zorder=2)
        if len(members) > 1:
            matrix.plot([xi, xi], [min(members), max(members)], color=_INK, lw=1.5, zorder=2)
    # Each list's name with its size (people on the list), instead of a second bar chart.
    names = [
        f"{name} ({item['text']})" for name, item in zip(lists, spec["set_sizes"], strict=True)
    ]
    matrix.set_yticks(rows, names)
    matrix.tick_params(axis="y", left=False)
    matrix.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("left", "bottom"):
        matrix.spines[side].set_visible(False)
    matrix.set_ylim(len(lists) - 0.5, -0.5)
    matrix.set_xlim(-0.6, len(bars) - 0.4)
    matrix.set_ylabel(spec["set_label"], fontsize=8)
    return figure


def _forest(spec: dict[str, Any]) -> Figure:
    rows = spec["rows"]
    figure = Figure(figsize=(7.5, 1.2 + 0.45 * max(len(rows), 1)))
    ax = figure.add_subplot()
    y = list(range(len(rows)))
    for yi, row in zip(y, rows, strict=True):
        color = _MAIN if row["primary"] else _INK
        if row["lower"] is not None and row["upper"] is not None:
            ax.plot(
                [row["lower"], row["upper"]],
                [yi, yi],
                color=color,
                lw=2.5 if row["primary"] else 1.5,
            )
        ax.plot([row["estimate"]], [yi], "o", color=color, ms=8 if row["primary"] else 6)
        open_above = row.get("open_above", False)
        # an open interval's line runs to the right edge, so its text goes above the point
        ax.annotate(
            row["text"],
            (row["estimate"] if open_above else row["upper"] or row["estimate"], yi),
            xytext=(0, 6) if open_above else (6, 0),
            textcoords="offset points",
            ha="center" if open_above else "left",
            va="bottom" if open_above else "center",
            fontsize=8,
            color=_INK,
        )
    for ref in spec["reference"]:
        style = {"observed": (_MUTED, "-"), "truth": (_ALERT, "--"), "headline": (_MAIN, ":")}[
            ref["style"]
        ]
        ax.axvline(ref["value"], color=style[0], ls=style[1], lw=1.2, label=ref["label"])
    ax.set_yticks(y, [row["label"] for row in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    values = [
        v for row in rows for v in (row["lower"], row["upper"], row["estimate"]) if v is not None
    ]
    values += [ref["value"] for ref in spec["reference"]]
    if values:
        low, high = min(values), max(values)
        ax.set_xlim(max(0.0, low - 0.08 * (high - low + 1)), high + 0.3 * (high - low + 1))
    right = ax.get_xlim()[1]
    for yi, row in zip(y, rows, strict=True):
        if row.get("open_above") and row["lower"] is not None:
            # no upper bound: the interval leaves the chart, drawn as an arrow to the edge
            color = _MAIN if row["primary"] else _INK
            ax.plot([row["lower"], right], [yi, yi], color=color, lw=1.5)
            ax.plot([right], [yi], ">", color=color, ms=6, clip_on=False)
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel(spec["axis"])
    ax.set_title(spec["title"], loc="left", fontsize=11, color=_INK)
    if spec["reference"]:
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=8, frameon=False
        )
    return figure


def _strata(spec: dict[str, Any]) -> Figure:
    rows = spec["rows"]
    figure = Figure(figsize=(7.5, 1.3 + 0.42 * max(len(rows), 1)))
    ax = figure.add_subplot()
    y = list(range(len(rows)))
    ax.barh(
        y, [row["observed"] or 0 for row in rows], color=_LIGHT, height=0.6, label=spec["legend"][0]
    )
    drew_estimate = False
    for yi, row in zip(y, rows, strict=True):
        ax.text(
            row["observed"] or 0,
            yi,
            f" {row['observed_text']}",
            va="center",
            fontsize=8,
            color=_MUTED if row["observed"] is None else _INK,
        )
        if row["estimate"] is None:
            continue
        if row["lower"] is not None and row["upper"] is not None:
            ax.plot([row["lower"], row["upper"]], [yi, yi], color=_MAIN, lw=1.8)
        ax.plot(
            [row["estimate"]],
            [yi],
            "D",
            color=_MAIN,
            ms=6,
            label=None if drew_estimate else spec["legend"][1],
        )
        drew_estimate = True
    ax.set_yticks(y, [row["label"] for row in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel(spec["axis"])
    ax.set_title(spec["title"], loc="left", fontsize=11, color=_INK)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=8, frameon=False)
    return figure


def _funnel(spec: dict[str, Any]) -> Figure:
    steps = [*spec["steps"], spec["gap"]]
    figure = Figure(figsize=(7.5, 1.2 + 0.5 * len(steps)))
    ax = figure.add_subplot()
    widest = max((step["count"] or 0 for step in steps), default=1) or 1
    for yi, step in enumerate(steps):
        n = step["count"] or 0
        is_gap = step is spec["gap"]
        ax.barh(yi, n, left=(widest - n) / 2, color=_ALERT if is_gap else _MAIN, height=0.7)
        ax.text(
            widest / 2,
            yi,
            step["text"],
            ha="center",
            va="center",
            fontsize=9,
            color="white" if n > widest * 0.15 else _INK,
            fontweight="bold",
        )
    ax.set_yticks(range(len(steps)), [step["label"] for step in steps])
    ax.set_ylim(len(steps) - 0.4, -0.6)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", left=False)
    ax.set_title(spec["title"], loc="left", fontsize=11, color=_INK)
    return figure
