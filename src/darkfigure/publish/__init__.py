"""Publish: disclosure control, charts and the bilingual report (English / 繁體中文).

The facade is :func:`write_report`; everything it shows passes through :func:`protect`
(threshold, complementary suppression checked by an attacker's integer programs, optional
rounding and differential privacy) before a chart or a table sees it.
"""

from darkfigure.publish._disclosure import DisclosurePolicy, attacker_intervals, protect
from darkfigure.publish._estimates import EstimateSet, read_estimates
from darkfigure.publish._report import Report, write_report
from darkfigure.publish._tables import (
    PublishedOverlap,
    PublishedTable,
    protect_counts,
    protect_crosstab,
    protect_histories,
)

__all__ = [
    "DisclosurePolicy",
    "EstimateSet",
    "PublishedOverlap",
    "PublishedTable",
    "Report",
    "attacker_intervals",
    "protect",
    "protect_counts",
    "protect_crosstab",
    "protect_histories",
    "read_estimates",
    "write_report",
]
