"""The match-weight chart as a Vega-Lite specification (a dict: testable, no plotting library)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["match_weights_chart"]


def match_weights_chart(parameters: pd.DataFrame) -> dict[str, Any]:
    """A horizontal bar per comparison level: its match weight (log2 of m/u).

    Examples
    --------
    >>> p = pd.DataFrame({"comparison": ["name"], "level": ["same"], "m": [0.9], "u": [0.01],
    ...                   "bayes_factor": [90.0], "match_weight": [6.49]})
    >>> match_weights_chart(p)["data"]["values"][0]["match_weight"]
    6.49
    """
    rows: list[dict[Any, Any]] = parameters.to_dict("records")
    values = [
        {
            "comparison": str(r["comparison"]),
            "level": str(r["level"]),
            "match_weight": float(r["match_weight"]),
            "m": float(r["m"]),
            "u": float(r["u"]),
        }
        for r in rows
        if math.isfinite(float(r["match_weight"]))
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Match weights by comparison level (log2 m/u)",
        "data": {"values": values},
        "facet": {"row": {"field": "comparison", "type": "nominal", "title": None}},
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "mark": "bar",
            "width": 400,
            "encoding": {
                "y": {"field": "level", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "match_weight", "type": "quantitative", "title": "match weight"},
                "color": {
                    "condition": {"test": "datum.match_weight < 0", "value": "#d62728"},
                    "value": "#1f77b4",
                },
                "tooltip": [
                    {"field": "m", "format": ".4f"},
                    {"field": "u", "format": ".6f"},
                    {"field": "match_weight", "format": ".2f"},
                ],
            },
        },
    }
