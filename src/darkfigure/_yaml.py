"""Parsing the YAML files users give (lists description, linkage settings, scenarios)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

__all__ = ["parse_yaml"]


def parse_yaml(text: str, source: str, error: Callable[[str], Exception]) -> Any:
    """``text`` parsed, or ``error("SOURCE: not valid YAML (line N)")`` raised.

    The parser's own message is not shown: it can quote the file's content.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise error(f"{source}: not valid YAML{where}") from None
