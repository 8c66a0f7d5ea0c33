"""Names that are not Chinese: Filipino, Indonesian, Vietnamese, Spanish, Cyrillic.

Each normaliser turns a recorded spelling into the spelling every list would agree on, so that
the syllable/token comparison in :mod:`._hknames` can treat all names alike:

- Filipino: ``Ma.`` is Maria (``Ma. Cristina``); middle names and initials (``Reyes``, ``C.``)
  may be missing on another list, which the subset levels of the comparison absorb; single
  letters are dropped.
- Indonesian: a single name may sit in ``given_name`` or ``family_name``; tokens are compared
  as a bag, so where it sits does not matter.
- Vietnamese: family name first on documents, last in English-language files; diacritics
  (``Nguyễn Thị``) folded, ``đ`` -> ``d``.
- Spanish: double surnames (``García López``) match on either; particles (de, del, y) dropped,
  also when written joined (``DelaCruz`` is ``Cruz``).
- Cyrillic transliterations: Russian and Ukrainian, passport (ICAO) and English conventions
  (``Olga``/``Olha``, ``Yulia``/``Iuliia``/``Julia``/``Yuliya``, ``Khrystyna``/``Kristina``) are
  reduced to one phonetic skeleton by :func:`canonical_token` (our rule table).
"""

from __future__ import annotations

import re

__all__ = ["CHINESE_CITIZENSHIPS", "canonical_token", "clean_parts"]

#: Citizenships whose romanised names may be pinyin or Cantonese.
CHINESE_CITIZENSHIPS = frozenset({"CHN", "HKG", "MAC", "TWN"})

_PARTICLES = frozenset(
    {
        "de",
        "del",
        "dela",
        "delos",
        "la",
        "las",
        "los",
        "y",
        "da",
        "dos",
        "das",
        "do",
        "van",
        "von",
        "bin",
        "binti",
        "bte",
        "bt",
        "jr",
        "sr",
        "iii",
        "mr",
        "mrs",
        "ms",
        "miss",
    }
)
_MARIA = re.compile(r"\bma\.\s*", re.IGNORECASE)

# Ordered rewrite rules for Cyrillic transliterations and Thai spellings (harmless elsewhere,
# as both sides of a comparison go through them). Ukrainian h is Russian g (Olha/Olga,
# Halyna/Galina); ICAO writes ю/я/є as iu/ia/ie, English usage yu/ya/ye or ju/ja/je; -iy/-ii/
# -yi/-y endings vary. Thai th/ph/kh are t/p/k (Thongchai/Tongchai, Siriphon/Siriporn), oo/ee
# are u/i (Boonmee/Bunmi), and r before a consonant is silent (Siriporn/Siripon).
_CYRILLIC_RULES: tuple[tuple[str, str], ...] = (
    (r"^(dela|delos|del|de)(?=[a-z]{4})", ""),
    (r"tch", "ch"),
    (r"(?<=[tpk])h", ""),
    (r"ck", "k"),
    (r"w", "v"),
    (r"x", "ks"),
    (r"g", "h"),
    (r"zh", "j"),
    (r"^j", "y"),
    (r"(?<=[aeiou])j", "y"),
    (r"ts", "c"),
    (r"tz", "c"),
    (r"shch", "sh"),
    (r"ii(?=[aeou])", "i"),
    (r"iy(?=[aeou])", "i"),
    (r"^i(?=[aeou])", "y"),
    (r"(?<=[^aeiouy])i(?=[aeou])", "y"),
    (r"(?<=[^aeiouy])y(?=[aeou])", "y"),
    (r"yy", "y"),
    (r"(ii|iy|yi|ij|y)$", "i"),
    (r"ie", "ye"),
    (r"(?<=[^aeiouy])y", "i"),
    (r"oo", "u"),
    (r"ee", "i"),
    (r"(.)\1", r"\1"),
    (r"c(?=[aou])", "k"),
    (r"q", "k"),
    (r"r(?=[^aeiouy])", ""),
    (r"oe", "e"),
    (r"ei$", "i"),
)
_COMPILED = tuple((re.compile(pattern), repl) for pattern, repl in _CYRILLIC_RULES)


def canonical_token(token: str) -> str:
    """One spelling for a non-Chinese name token (lower-case ASCII in, lower-case ASCII out).

    Examples
    --------
    >>> canonical_token("olga") == canonical_token("olha")
    True
    >>> len({canonical_token(t) for t in ("yulia", "iuliia", "julia", "yuliya")})
    1
    >>> canonical_token("natalia") == canonical_token("nataliya") == canonical_token("natalya")
    True
    >>> canonical_token("maria") == canonical_token("cristina")
    False
    """
    if token in ("ma", "maria"):
        return "maria"
    for pattern, repl in _COMPILED:
        token = pattern.sub(repl, token)
    return token


def clean_parts(parts: list[str]) -> list[str]:
    """Expand ``Ma.`` to Maria and drop particles, titles and single-letter initials.

    Examples
    --------
    >>> clean_parts(["Ma. Cristina R.", "de la Cruz"])
    ['Maria Cristina', 'Cruz']
    """
    out: list[str] = []
    for part in parts:
        part = _MARIA.sub("Maria ", part)
        words = [w for w in re.split(r"[\s,]+", part.replace(".", " ")) if w]
        words = [w for w in words if len(w) > 1 and w.lower() not in _PARTICLES]
        if words:
            out.append(" ".join(words))
    return out
