"""Citizenship and country names → ISO 3166-1 alpha-3.

The table ``data/countries.csv`` (written for darkfigure) lists every ISO 3166-1 country with its
alpha-2 code, English names, demonyms and traditional Chinese names; simplified Chinese forms
are derived with OpenCC, so ``菲律賓`` and ``菲律宾`` both give ``PHL``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

__all__ = ["COUNTRY_CODES", "country_code", "fold_country"]

_PUNCTUATION = re.compile(r"[.'’()]")
_SEPARATORS = re.compile(r"[\s_\-]+")


def fold_country(text: str) -> str:
    """The lookup key of a country name: NFKC, case-folded, punctuation and ``the`` dropped.

    Examples
    --------
    >>> fold_country("  The Philippines ")
    'philippines'
    >>> fold_country("Côte d'Ivoire")
    'côte divoire'
    """
    key = unicodedata.normalize("NFKC", text).casefold()
    key = _SEPARATORS.sub(" ", _PUNCTUATION.sub("", key)).strip()
    return key.removeprefix("the ")


def _rows() -> list[dict[str, str]]:
    text = resources.files("darkfigure.records").joinpath("data/countries.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _lookup() -> Mapping[str, str]:
    import opencc  # imported here: only needed when a country name (not a code) is looked up

    to_simplified = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for row in _rows():
        code = row["alpha3"]
        keys = [code, row["alpha2"]]
        keys += [n for field in ("names", "demonyms") for n in row[field].split("|") if n]
        for name in filter(None, row["zh"].split("|")):
            keys += [name, to_simplified.convert(name)]
        for key in keys:
            folded = fold_country(key)
            # The table is curated so that no key names two countries; fail loudly if it does.
            if table.setdefault(folded, code) != code:
                raise RuntimeError(f"countries.csv: {key!r} names both {table[folded]} and {code}")
    return MappingProxyType(table)


#: Every ISO 3166-1 alpha-3 code the table knows.
COUNTRY_CODES: frozenset[str] = frozenset(row["alpha3"] for row in _rows())


def country_code(text: str) -> str | None:
    """The alpha-3 code for a code, English name, demonym or Chinese name; None if unknown.

    Examples
    --------
    >>> [country_code(t) for t in ("PHL", "ph", "Filipino", "菲律賓", "菲律宾", "Mainland", "香港")]
    ['PHL', 'PHL', 'PHL', 'PHL', 'PHL', 'CHN', 'HKG']
    >>> country_code("Atlantis") is None
    True
    """
    return _lookup().get(fold_country(text))
