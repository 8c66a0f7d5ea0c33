"""The report's message catalogues (``i18n/<lang>.yaml``) and number formatting.

Every word the report prints comes from a catalogue, so English and Traditional Chinese say
the same thing; a test checks that both catalogues have the same keys.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from darkfigure.errors import SettingsError

__all__ = ["LANGS", "Messages", "languages", "round_estimate"]

#: The languages with a catalogue, in the order the report shows them.
LANGS: Final = ("en", "zh-Hant")

#: Stratum variables whose codes have their own section in the catalogue.
_CODE_SECTIONS: Final = {
    "citizenship": "country",
    "sex": "sex",
    "age_band": "age_band",
    "exploitation_type": "exploitation_type",
}


def languages(choice: str) -> tuple[str, ...]:
    """The languages for ``--lang`` (``en``, ``zh-Hant`` or ``both``).

    Raises
    ------
    SettingsError
        Any other value.
    """
    if choice == "both":
        return LANGS
    if choice in LANGS:
        return (choice,)
    raise SettingsError(f"--lang must be en, zh-Hant or both (got {choice!r})")


@cache
def _catalogue(lang: str) -> dict[str, Any]:
    text = resources.files("darkfigure.publish").joinpath("i18n", f"{lang}.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def round_estimate(value: float) -> int:
    """Round an estimate to two significant figures (its uncertainty makes more digits noise).

    Examples
    --------
    >>> round_estimate(4321.7), round_estimate(87.4), round_estimate(125_001)
    (4300, 87, 130000)
    """
    if value == 0:
        return 0
    if not math.isfinite(value):
        raise ValueError("only finite estimates are published")
    digits = 2 - math.floor(math.log10(abs(value))) - 1
    # round half up, not to even: 125 000 reads as 130 000 in every language
    scale = 10.0**digits
    return round(math.floor(value * scale + 0.5) / scale)


class Messages:
    """The messages of one language.

    Examples
    --------
    >>> m = Messages("en")
    >>> m("headline.observed", observed=m.number(1234), n_lists=4)
    '1,234 people appear on at least one of the 4 lists.'
    >>> Messages("zh-Hant").code("citizenship", "PHL")
    '菲律賓'
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._data = _catalogue(languages(lang)[0])

    def __call__(self, key: str, **values: Any) -> str:
        node: Any = self._data
        for part in key.split("."):
            node = node[part]
        return str(node).format(**values) if values else str(node)

    def has(self, key: str) -> bool:
        """Whether the catalogue has ``key``."""
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def code(self, variable: str, code: str) -> str:
        """The readable name of a stratum value (the code itself when the catalogue has none)."""
        if code in ("", "not_recorded"):
            return self("label.not_recorded")
        if code in ("other", "multiple"):
            return self(f"label.{code}")
        section = _CODE_SECTIONS.get(variable)
        if section is not None and self.has(f"{section}.{code}"):
            return self(f"{section}.{code}")
        return code

    def method(self, name: str) -> str:
        """The readable name of an estimation method."""
        return self(f"method.{name}") if self.has(f"method.{name}") else name

    def number(self, value: int | float) -> str:
        """A count or rounded estimate with thousands separators."""
        return f"{round(value):,}"

    def level(self, level: float) -> str:
        """An interval level as a percentage (``95%``)."""
        return f"{level * 100:g}%"

    def count(self, value: int | None, k: int) -> str:
        """A published count, or ``< k`` when it was suppressed."""
        return self("report.suppressed", k=k) if value is None else self.number(value)
