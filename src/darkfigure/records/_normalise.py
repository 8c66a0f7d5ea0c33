"""Normalisers: pure functions on one value, and column versions that share their logic.

Every scalar normaliser takes the text of one cell and returns a :class:`Normalised` pair
``(value, reason)``: the normalised value (None for an empty cell), or the reason it could not be
normalised. Reasons never contain the value, so they are safe to show for identity columns.

The column versions (:func:`normalise_column`) work on a pyarrow string array: they run the
scalar function once per *distinct* value and map the results back (a million rows hold far
fewer distinct dates, sexes or countries), and names and phones take vectorised fast paths
that are tested to agree with the scalar functions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from darkfigure.records._countries import country_code
from darkfigure.records._standard import DISTRICTS, Column

__all__ = [
    "Issue",
    "Normalised",
    "normalise_age",
    "normalise_code",
    "normalise_codes",
    "normalise_column",
    "normalise_countries",
    "normalise_country",
    "normalise_date",
    "normalise_district",
    "normalise_name",
    "normalise_names",
    "normalise_phone",
    "normalise_sex",
]


class Normalised(NamedTuple):
    """A normalised value (None when the cell is empty or fails) and the reason it failed."""

    value: Any
    reason: str | None = None


_EMPTY = Normalised(None)

# ---------------------------------------------------------------------------------------------
# Names and other text: Unicode NFC, whitespace runs → one space, trimmed. Nothing else changes:
# no case folding, no transliteration, so what was written is kept.

# Exactly the characters for which str.isspace() is true, as code point ranges; both the Python
# and the RE2 (Arrow) patterns are built from this one table.
_SPACE_RANGES = (
    (0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_PY_SPACES = re.compile(
    "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _SPACE_RANGES) + "]+"
)


def _re2_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "[" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges) + "]"


_RE2_SPACE = _re2_class(_SPACE_RANGES)
_RE2_OTHER_SPACE = _re2_class(
    tuple(
        r
        for lo, hi in _SPACE_RANGES
        for r in ((lo, min(hi, 0x1F)), (max(lo, 0x21), hi))
        if r[0] <= r[1]
    )
)
# A value needs rewriting only if it has a run of spaces, a leading or trailing one, or a
# space other than U+0020; testing for that is cheaper than rewriting every value.
_RE2_NEEDS_SPACING = f"{_RE2_SPACE}{{2}}|^{_RE2_SPACE}|{_RE2_SPACE}$|{_RE2_OTHER_SPACE}"


def normalise_name(text: str) -> Normalised:
    """A name (or any text) kept as written: NFC, whitespace collapsed and trimmed.

    Examples
    --------
    >>> normalise_name("  Chan\u3000 Siu  Mei ")
    Normalised(value='Chan Siu Mei', reason=None)
    >>> normalise_name("   ")
    Normalised(value=None, reason=None)
    """
    value = _PY_SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")
    return Normalised(value or None)


def _names_array(arr: pa.Array) -> pa.Array:
    """Vectorised :func:`normalise_name` (Arrow kernels; empty → null)."""
    out = pc.utf8_normalize(arr, form="NFC")
    needs = pc.match_substring_regex(out, _RE2_NEEDS_SPACING)
    if pc.any(needs).as_py():
        fixed = pc.replace_substring_regex(out.filter(needs), f"{_RE2_SPACE}+", " ")
        out = pc.replace_with_mask(out, needs, pc.utf8_trim(fixed, characters=" "))
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def _split(text: str) -> list[str]:
    """The non-empty parts of a ``;``-separated cell (full-width ``；`` accepted)."""
    return [p for p in unicodedata.normalize("NFKC", text).split(";") if p.strip()]


def normalise_names(text: str) -> Normalised:
    """``;``-separated names (aliases): each normalised as :func:`normalise_name`.

    Examples
    --------
    >>> normalise_names("Ah Mei ; ; Mandy")
    Normalised(value='Ah Mei;Mandy', reason=None)
    """
    parts = [normalise_name(p).value for p in text.split(";")]
    return Normalised(";".join(p for p in parts if p) or None)


# ---------------------------------------------------------------------------------------------
# Dates.

_TIME = r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME)
_ISO_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_YEAR = re.compile(r"(\d{4})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME)
_MY = re.compile(r"(\d{1,2})[-/.](\d{4})")
_ZH = re.compile(r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日號号])?)?")
_SERIAL = re.compile(r"(\d{5})(?:\.0*)?")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2}")
_D_MON_Y = re.compile(r"(\d{1,2})\s*([a-z]{3,})\.?,?\s*(\d{4})")
_MON_D_Y = re.compile(r"([a-z]{3,})\.?\s*(\d{1,2}),?\s*(\d{4})")
_MON_Y = re.compile(r"([a-z]{3,})\.?,?\s*(\d{4})")
_MONTHS: Mapping[str, int] = MappingProxyType(
    {name.casefold(): i for i in range(1, 13)
     for name in (calendar.month_name[i], calendar.month_abbr[i])}
    | {"sept": 9}
)  # fmt: skip
#: Excel's 1900 date system: serial 1 is 1900-01-01, and Excel counts a 29 February 1900 that
#: never existed, so serials after it are days since 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_DATE_HELP = (
    "not a date: use YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY; fix the cell or leave it empty"
)


def _ymd(year: int, month: int | None = None, day: int | None = None) -> Normalised:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return Normalised(None, f"year outside {_MIN_YEAR}-{_MAX_YEAR}")
    if month is None:
        return Normalised(f"{year:04d}")
    if not 1 <= month <= 12:
        return Normalised(None, "impossible date: the month is not 1-12 (dates are DD/MM/YYYY)")
    if day is None:
        return Normalised(f"{year:04d}-{month:02d}")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return Normalised(None, "impossible date: that month has no such day")
    return Normalised(f"{year:04d}-{month:02d}-{day:02d}")


def normalise_date(text: str) -> Normalised:
    """A full or partial date → ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    Accepted: ISO (``1990-03-04``, ``1990/03/04``, with or without a time), ``YYYY-MM``,
    ``YYYY``; day first as in Hong Kong (``04/03/1990``, ``4.3.1990``, ``03/1990``);
    ``2025年3月4日`` (and ``2025年3月``, ``2025年``); ``4 Mar 1990``, ``March 4, 1990``,
    ``Mar 1990``; an Excel serial day number of five digits (``32936``). Impossible dates
    (31/02) and two-digit years are errors.

    Examples
    --------
    >>> [normalise_date(t).value for t in ("04/03/1990", "1990-3", "2025年3月4日", "32936")]
    ['1990-03-04', '1990-03', '2025-03-04', '1990-03-04']
    >>> normalise_date("31/02/1990").reason
    'impossible date: that month has no such day'
    """
    s = unicodedata.normalize("NFKC", text).strip().casefold()
    if not s:
        return _EMPTY
    if m := _ISO_DAY.fullmatch(s):
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    if m := _ISO_MONTH.fullmatch(s):
        return _ymd(int(m[1]), int(m[2]))
    if m := _YEAR.fullmatch(s):
        return _ymd(int(m[1]))
    if m := _DMY.fullmatch(s):
        return _ymd(int(m[3]), int(m[2]), int(m[1]))
    if m := _MY.fullmatch(s):
        return _ymd(int(m[2]), int(m[1]))
    if m := _ZH.fullmatch(s):
        return _ymd(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    if m := _SERIAL.fullmatch(s):
        day = _EXCEL_EPOCH + dt.timedelta(days=int(m[1]))
        return _ymd(day.year, day.month, day.day)
    if (m := _D_MON_Y.fullmatch(s)) and m[2] in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[2]], int(m[1]))
    if (m := _MON_D_Y.fullmatch(s)) and m[1] in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[1]], int(m[2]))
    if (m := _MON_Y.fullmatch(s)) and m[1] in _MONTHS:
        return _ymd(int(m[2]), _MONTHS[m[1]])
    if _TWO_DIGIT_YEAR.fullmatch(s):
        return Normalised(None, "two-digit year: write the year in full (DD/MM/YYYY)")
    return Normalised(None, _DATE_HELP)


# ---------------------------------------------------------------------------------------------
# Sex, age, codes, countries, districts.

_SEX: Mapping[str, str | None] = MappingProxyType({
    **dict.fromkeys(("f", "female", "woman", "w", "girl", "feminine", "女", "女性", "女士"), "F"),
    **dict.fromkeys(("m", "male", "man", "boy", "masculine", "男", "男性", "男士"), "M"),
    **dict.fromkeys(("x", "other", "non-binary", "nonbinary", "non binary", "non-conforming",
                     "transgender", "trans", "其他"), "X"),
    # "Not recorded" spelled out: the standard writes it as an empty cell.
    **dict.fromkeys(("u", "unknown", "not specified", "not recorded", "n/a", "na", "未知"), None),
})  # fmt: skip


def normalise_sex(text: str) -> Normalised:
    """``F``, ``M``, ``X`` from English or Chinese words; "unknown" → empty.

    Examples
    --------
    >>> [normalise_sex(t).value for t in ("女", "Female", "m", "X", "unknown")]
    ['F', 'F', 'M', 'X', None]
    """
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    if not key:
        return _EMPTY
    if key in _SEX:
        return Normalised(_SEX[key])
    return Normalised(
        None, "not a sex code: use F, M or X (or female, male, 女, 男); or leave empty"
    )


_AGE = re.compile(r"(\d{1,3})(?:\.0*)?\s*(?:歲|岁|years?|yrs?|y)?")
_MAX_AGE = 120


def normalise_age(text: str) -> Normalised:
    """A whole number of years 0-120 (``35``, ``35.0``, ``35歲``, ``35 years``).

    Examples
    --------
    >>> normalise_age(" 35 "), normalise_age("35.0").value, normalise_age("130").reason
    (Normalised(value=35, reason=None), 35, 'age outside 0-120')
    """
    s = unicodedata.normalize("NFKC", text).strip().casefold()
    if not s:
        return _EMPTY
    if not (m := _AGE.fullmatch(s)):
        return Normalised(None, "not a whole number of years")
    age = int(m[1])
    return Normalised(age) if age <= _MAX_AGE else Normalised(None, f"age outside 0-{_MAX_AGE}")


def _fold_code(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


def normalise_codes(text: str, codes: tuple[str, ...]) -> Normalised:
    """``;``-separated codes from ``codes``; case and ``-`` or space for ``_`` are forgiven.

    Examples
    --------
    >>> normalise_codes("Sexual; forced labour", ("sexual", "forced_labour"))
    Normalised(value='sexual;forced_labour', reason=None)
    >>> normalise_codes("sexual;organ", ("sexual", "forced_labour")).reason
    "unknown code 'organ'; allowed: sexual, forced_labour"
    """
    parts = [_fold_code(p) for p in _split(text)]
    if not parts:
        return _EMPTY
    unknown = [p for p in parts if p not in codes]
    if unknown:
        listed = ", ".join(repr(u) for u in dict.fromkeys(unknown))
        hint = " (separate codes with ';')" if any("," in u for u in unknown) else ""
        plural = "s" if len(unknown) > 1 else ""
        return Normalised(None, f"unknown code{plural} {listed}{hint}; allowed: {', '.join(codes)}")
    return Normalised(";".join(dict.fromkeys(parts)))


def normalise_code(text: str, codes: tuple[str, ...]) -> Normalised:
    """Exactly one code from ``codes``; ``consent_to_share`` also takes y/n, true/false, 是/否.

    Examples
    --------
    >>> normalise_code("Triad", ("triad", "none")).value
    'triad'
    >>> normalise_code("Y", ("yes", "no")).value
    'yes'
    """
    if codes == ("yes", "no"):
        text = _YES_NO.get(_fold_code(unicodedata.normalize("NFKC", text)), text)
    result = normalise_codes(text, codes)
    if result.value is not None and ";" in result.value:
        return Normalised(None, "one code only in this column")
    return result


_YES_NO: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("y", "true", "1", "是", "同意"), "yes"),
    **dict.fromkeys(("n", "false", "0", "否", "不同意"), "no"),
})  # fmt: skip


def normalise_countries(text: str) -> Normalised:
    """``;``-separated countries (codes, English names, demonyms, Chinese) → alpha-3 codes.

    Examples
    --------
    >>> normalise_countries("Filipino; 香港").value
    'PHL;HKG'
    >>> normalise_countries("Narnia").reason
    "unknown country 'Narnia': use an ISO 3166-1 alpha-3 code such as PHL, or an English name"
    """
    parts = _split(text)
    if not parts:
        return _EMPTY
    found = [country_code(p) for p in parts]
    unknown = [p.strip() for p, code in zip(parts, found, strict=True) if code is None]
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        return Normalised(
            None,
            f"unknown country {listed}: use an ISO 3166-1 alpha-3 code such as PHL, "
            "or an English name",
        )
    return Normalised(";".join(dict.fromkeys(c for c in found if c)))


def normalise_country(text: str) -> Normalised:
    """One country → alpha-3 (see :func:`normalise_countries`).

    Examples
    --------
    >>> normalise_country("Cambodia").value
    'KHM'
    """
    result = normalise_countries(text)
    if result.value is not None and ";" in result.value:
        return Normalised(None, "one country only in this column")
    return result


_DISTRICT_ZH = (
    "中西區", "灣仔區", "東區", "南區", "油尖旺區", "深水埗區", "九龍城區", "黃大仙區", "觀塘區",
    "葵青區", "荃灣區", "屯門區", "元朗區", "北區", "大埔區", "沙田區", "西貢區", "離島區",
)  # fmt: skip


def _fold_district(text: str) -> str:
    key = unicodedata.normalize("NFKC", text).casefold().replace("&", "and")
    key = re.sub(r"[\s\-]+", " ", key).strip()
    return key.removesuffix(" district").replace(" ", "")


_DISTRICT_KEYS: Mapping[str, str] = MappingProxyType({
    **{_fold_district(e): e for e in DISTRICTS},
    **{_fold_district(z): e for z, e in zip(_DISTRICT_ZH, DISTRICTS, strict=True)},
    **{_fold_district(z.removesuffix("區")): e for z, e in zip(_DISTRICT_ZH, DISTRICTS, strict=True)
       if len(z) > 2},  # "灣仔" for "灣仔區"; not "東"/"南"/"北" alone
})  # fmt: skip


def normalise_district(text: str) -> Normalised:
    """One of Hong Kong's 18 districts, by English or Chinese name → the English name.

    Examples
    --------
    >>> [normalise_district(t).value for t in ("wan chai", "深水埗區", "Central & Western")]
    ['Wan Chai', 'Sham Shui Po', 'Central and Western']
    """
    if not text.strip():
        return _EMPTY
    found = _DISTRICT_KEYS.get(_fold_district(text))
    if found is None:
        return Normalised(None, "not one of Hong Kong's 18 districts (kept as written)")
    return Normalised(found)


# ---------------------------------------------------------------------------------------------
# Phones: E.164 with Hong Kong (+852) as the default region, by the phonenumbers library.

_REGION = "HK"
_HK_META: Any = phonenumbers.PhoneMetadata.metadata_for_region(_REGION)
_FORMATTING = "[\\s\\-().]"
# An eight-digit Hong Kong number, bare or after +852/00852, in any of the usual punctuation.
_HK_SHAPE = r"^(?:\+852|00852)?(\d{8})$"


def _hk_valid_pattern() -> tuple[str, str]:
    """phonenumbers' own validity rule for an eight-digit HK national number, as one regex.

    ``is_valid_number`` accepts a national number that matches the general pattern and one
    number type's pattern with that length; the vectorised fast path applies the same patterns.
    """
    descs = [
        getattr(_HK_META, name)
        for name in ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                     "pager", "uan", "voicemail", "fixed_line", "mobile")
    ]  # fmt: skip
    types = [
        d.national_number_pattern
        for d in descs
        if d is not None and d.national_number_pattern and 8 in (d.possible_length or (8,))
    ]
    general = _HK_META.general_desc.national_number_pattern
    return f"^(?:{general})$", f"^(?:{'|'.join(types)})$"


_HK_GENERAL, _HK_TYPES = _hk_valid_pattern()
_PY_HK = (re.compile(_HK_GENERAL), re.compile(_HK_TYPES))


def _phonenumbers_e164(text: str) -> Normalised:
    try:
        number = phonenumbers.parse(text, _REGION)
    except phonenumbers.NumberParseException:
        return Normalised(None, "not a phone number (kept as written)")
    if not phonenumbers.is_valid_number(number):
        return Normalised(None, "not a valid phone number (kept as written)")
    return Normalised(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_phone(text: str) -> Normalised:
    """A phone number in any format → E.164; numbers without a country code are Hong Kong's.

    The ``phonenumbers`` library decides, except that ``00852`` followed by eight digits is read
    as Hong Kong's country code (the library reads ``008`` as an international prefix).

    Examples
    --------
    >>> [normalise_phone(t).value for t in ("9123 4567", "+63 917 123 4567", "(852) 2345-6789")]
    ['+85291234567', '+639171234567', '+85223456789']
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return _EMPTY
    if (m := re.fullmatch(_HK_SHAPE, re.sub(_FORMATTING, "", s))) and all(
        p.fullmatch(m[1]) for p in _PY_HK
    ):
        return Normalised("+852" + m[1])
    return _phonenumbers_e164(s)


def _phones_array(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The fast path of :func:`normalise_phone` on a whole array: (E.164 or null, handled mask)."""
    bare = pc.replace_substring_regex(pc.utf8_normalize(arr, form="NFKC"), _FORMATTING, "")
    digits = pc.extract_regex(bare, _HK_SHAPE.replace("(\\d", "(?P<n>\\d"))
    national = pc.struct_field(digits, "n")
    ok = pc.and_(
        pc.match_substring_regex(national, _HK_GENERAL),
        pc.match_substring_regex(national, _HK_TYPES),
    )
    ok = pc.fill_null(ok, False)
    return pc.if_else(ok, pc.binary_join_element_wise("+852", national, ""), None), ok


# ---------------------------------------------------------------------------------------------
# Columns.


@dataclass(frozen=True)
class Issue:
    """Rows of one column that share a problem.

    Attributes
    ----------
    positions
        0-based positions in the array.
    reason
        Why (never quotes an identity value).
    severity
        ``"error"`` or ``"warning"``.
    value
        The offending value, only for non-identity columns; else None.
    """

    positions: np.ndarray[Any, np.dtype[np.int64]]
    reason: str
    severity: str
    value: str | None


#: Problems that do not stop the data being used: the value is kept as written.
_WARNING_KINDS = frozenset({"phone", "district"})

_SCALAR: Mapping[str, Callable[[Column], Callable[[str], Normalised]]] = MappingProxyType({
    "sex": lambda c: normalise_sex,
    "date": lambda c: normalise_date,
    "age": lambda c: normalise_age,
    "country": lambda c: normalise_country,
    "countries": lambda c: normalise_countries,
    "code": lambda c: lambda t: normalise_code(t, c.codes),
    "codes": lambda c: lambda t: normalise_codes(t, c.codes),
    "district": lambda c: normalise_district,
    "names": lambda c: normalise_names,
    "phone": lambda c: normalise_phone,
})  # fmt: skip


@functools.cache
def _cached(column: Column) -> Callable[[str], Normalised]:
    """The column's scalar normaliser, remembering results across chunks (they are pure)."""
    return functools.lru_cache(maxsize=1 << 17)(_SCALAR[column.kind](column))


def normalise_column(column: Column, arr: pa.Array) -> tuple[pa.Array, list[Issue]]:
    """Normalise one column of a chunk (strings; empty = not recorded).

    Returns the normalised array (``int16`` for ages, strings otherwise; empty cells → null)
    and the issues found. A value that fails is reported; text columns keep it as written
    (trimmed), an age that fails becomes null.
    """
    arr = pc.fill_null(arr.cast(pa.string()), "")
    if column.kind in ("id", "name"):
        return _names_array(arr), []
    fn = _cached(column)
    fallback = arr
    done: pa.Array | None = None
    if column.kind == "phone":
        done, handled = _phones_array(arr)
        if pc.all(handled).as_py():
            return done, []
        fallback = pc.if_else(handled, "", arr)  # only the rest go through phonenumbers
    encoded = pc.dictionary_encode(fallback)
    uniques = encoded.dictionary.to_pylist()
    results = [fn(u) for u in uniques]
    kept = _names_array(encoded.dictionary) if column.kind != "age" else None
    values: list[Any] = [
        r.value if r.reason is None or kept is None else kept[i].as_py()
        for i, r in enumerate(results)
    ]
    out_type = pa.int16() if column.kind == "age" else pa.string()
    indices = encoded.indices
    out = pc.take(pa.array(values, out_type), indices)
    if done is not None:
        out = pc.coalesce(done, out)
    return out, _issues(column, results, uniques, indices.to_numpy(zero_copy_only=False))


def _issues(
    column: Column,
    results: list[Normalised],
    uniques: list[str],
    indices: np.ndarray[Any, np.dtype[Any]],
) -> list[Issue]:
    bad = np.array([r.reason is not None for r in results], dtype=bool)
    if not bad.any():
        return []
    severity = "warning" if column.kind in _WARNING_KINDS else "error"
    # Group failing rows by distinct value (shown) or, for identity columns, by reason only.
    labels = [
        (r.reason or "", None if column.identity else uniques[i].strip())
        for i, r in enumerate(results)
    ]
    group_of = {label: g for g, label in enumerate(dict.fromkeys(
        lab for lab, b in zip(labels, bad, strict=True) if b))}  # fmt: skip
    unique_group = np.array([group_of.get(lab, -1) for lab in labels], dtype=np.int64)
    row_group = unique_group[indices]
    positions = np.flatnonzero(row_group >= 0)
    order = np.argsort(row_group[positions], kind="stable")
    positions, groups = positions[order], row_group[positions][order]
    splits = np.flatnonzero(np.diff(groups)) + 1
    label_of = list(group_of)
    out = []
    for part in np.split(positions, splits):
        reason, value = label_of[int(row_group[part[0]])]
        out.append(Issue(part.astype(np.int64), reason, severity, value))
    return out
