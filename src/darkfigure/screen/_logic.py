"""Three-valued (Kleene) logic over whole columns, and the facts the rules read from records.

A truth value is one ``int8`` per record: ``NO`` (0) < ``INSUFFICIENT`` (1) < ``YES`` (2). With
this order strong Kleene logic is arithmetic: *and* is the minimum, *or* the maximum and *not* is
``2 - x``; so every rule is evaluated for all records at once, without a Python loop over rows.

Facts come from the record standard's columns (all read as text):

- a ``;``-codes column gives, for each code, YES when the code is listed, NO when the cell lists
  other codes only (an answered field is taken as complete, as CTDC does), and INSUFFICIENT when
  the cell is empty or says ``unknown``. The code ``none`` ("asked, and none") makes every other
  code NO.
- age thresholds ("under 18") come from ``age`` or from ``date_of_birth`` against
  ``date_identified``. A partial date (``YYYY`` or ``YYYY-MM``) gives a range of possible ages;
  the answer is INSUFFICIENT when the threshold falls inside that range.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "INSUFFICIENT",
    "LABELS",
    "NO",
    "YES",
    "Truth",
    "age_bounds",
    "age_under",
    "all_of",
    "any_of",
    "code_sets",
    "codes_present",
    "field_known",
    "graded_element",
    "labels",
    "negate",
    "select_by",
]

Truth = npt.NDArray[np.int8]

NO = np.int8(0)
INSUFFICIENT = np.int8(1)
YES = np.int8(2)

#: The words written in output columns, indexed by truth value.
LABELS: tuple[str, str, str] = ("no", "insufficient", "yes")

#: Cell values that mean "not recorded" in a single-code column (the standard's ``unknown``).
_UNKNOWN = "unknown"


def labels(values: Truth) -> pd.Categorical[str]:
    """Truth values as a categorical of ``no`` / ``insufficient`` / ``yes``.

    Examples
    --------
    >>> list(labels(np.array([2, 0, 1], dtype=np.int8)))
    ['yes', 'no', 'insufficient']
    """
    return pd.Categorical.from_codes(values.astype(np.int8), categories=pd.Index(list(LABELS)))


def all_of(parts: Iterable[Truth], size: int) -> Truth:
    """Kleene conjunction (YES for an empty list, as in logic)."""
    out = np.full(size, YES, dtype=np.int8)
    for part in parts:
        np.minimum(out, part, out=out)
    return out


def any_of(parts: Iterable[Truth], size: int) -> Truth:
    """Kleene disjunction (NO for an empty list)."""
    out = np.full(size, NO, dtype=np.int8)
    for part in parts:
        np.maximum(out, part, out=out)
    return out


def negate(value: Truth) -> Truth:
    """Kleene negation: YES ↔ NO, INSUFFICIENT stays."""
    return (YES - value).astype(np.int8)


def select_by(switch: Truth, when_yes: Truth, when_no: Truth) -> Truth:
    """``when_yes`` where ``switch`` is YES, ``when_no`` where NO; where the switch is unknown,
    the common answer if both branches agree, else INSUFFICIENT.

    Kleene's ``(s and a) or (not s and b)`` would call an unknown switch INSUFFICIENT even when
    both branches say YES; a person of unknown age who is a victim under both the adult and the
    child rule is a victim.

    Examples
    --------
    >>> s = np.array([2, 0, 1, 1], dtype=np.int8)
    >>> select_by(s, np.array([2, 2, 2, 2], np.int8), np.array([0, 0, 2, 0], np.int8)).tolist()
    [2, 0, 2, 1]
    """
    agree = np.where(when_yes == when_no, when_yes, INSUFFICIENT)
    return np.where(switch == YES, when_yes, np.where(switch == NO, when_no, agree)).astype(np.int8)


def code_sets(column: pd.Series) -> pd.Series:
    """Normalise a ``;``-codes column to ``;code;code;`` strings ('' when not recorded).

    Codes are compared in lower case without spaces; ``unknown`` alone counts as not recorded.
    """
    text = column.astype("string").fillna("").str.lower().str.replace(r"\s+", "", regex=True)
    text = text.str.strip(";")
    text = text.mask(text == _UNKNOWN, "")
    return (";" + text + ";").where(text != "", "").astype(object)


def field_known(sets: pd.Series) -> npt.NDArray[np.bool_]:
    """True where the (normalised) field holds an answer."""
    return np.asarray(sets != "", dtype=bool)


def codes_present(sets: pd.Series, codes: Iterable[str]) -> npt.NDArray[np.bool_]:
    """True where the normalised field lists at least one of ``codes``."""
    present = np.zeros(len(sets), dtype=bool)
    for code in codes:
        present |= np.asarray(sets.str.contains(f";{code.lower()};", regex=False), dtype=bool)
    return present


def _date_parts(column: pd.Series, *, latest: bool) -> npt.NDArray[np.float64]:
    """Dates as ``year*10000 + month*100 + day`` (NaN when unreadable).

    For a partial date the earliest (``latest=False``) or latest possible day is used, so that a
    ``YYYY`` birth date spans the whole year. ``DD/MM/YYYY`` (Hong Kong usage) is read too.
    """
    codes, uniques = pd.factorize(column.astype("string").fillna("").str.strip())
    text = pd.Series(uniques, dtype="string")  # parse each distinct date once
    iso = text.str.extract(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
    dmy = text.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    year = pd.to_numeric(iso[0].fillna(dmy[2]), errors="coerce")
    month = pd.to_numeric(iso[1].fillna(dmy[1]), errors="coerce")
    day = pd.to_numeric(iso[2].fillna(dmy[0]), errors="coerce")
    month = month.fillna(12 if latest else 1)
    day = day.fillna(31 if latest else 1)  # 31 orders after every real day of any month
    bad = (month < 1) | (month > 12) | (day < 1) | (day > 31)
    value = np.asarray((year * 10000 + month * 100 + day).mask(bad), dtype=np.float64)
    return np.append(value, np.nan)[codes]  # code -1 (missing) picks the NaN


def age_bounds(
    age: pd.Series, date_of_birth: pd.Series, date_identified: pd.Series
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The least and greatest age each person can have had at identification (NaN: unknown).

    The date of birth wins over ``age`` when both it and ``date_identified`` are readable
    (``age`` is meant for records without a date of birth).

    Examples
    --------
    >>> s = lambda *v: pd.Series(list(v), dtype=object)
    >>> lo, hi = age_bounds(s("", "30", ""), s("2006", "", "2006-03-15"),
    ...                     s("2023-06-01", "", "2024-03-15"))
    >>> lo.tolist(), hi.tolist()
    ([16.0, 30.0, 18.0], [17.0, 30.0, 18.0])
    """
    # Whole years between two yyyymmdd numbers: (later - earlier) // 10000 is exact because
    # month*100 + day always stays below 10000.
    earliest_birth = _date_parts(date_of_birth, latest=False)
    latest_birth = _date_parts(date_of_birth, latest=True)
    earliest_seen = _date_parts(date_identified, latest=False)
    latest_seen = _date_parts(date_identified, latest=True)
    with np.errstate(invalid="ignore"):
        low = np.floor((earliest_seen - latest_birth) / 10000)
        high = np.floor((latest_seen - earliest_birth) / 10000)
    stated = pd.to_numeric(age.astype("string").fillna("").str.strip(), errors="coerce")
    stated_age = np.asarray(stated.where((stated >= 0) & (stated <= 120)), dtype=np.float64)
    from_dates = ~np.isnan(low) & ~np.isnan(high)
    return np.where(from_dates, low, stated_age), np.where(from_dates, high, stated_age)


def age_under(low: npt.NDArray[np.float64], high: npt.NDArray[np.float64], years: int) -> Truth:
    """YES when every possible age is under ``years``, NO when none is, else INSUFFICIENT."""
    out = np.full(len(low), INSUFFICIENT, dtype=np.int8)
    out[high < years] = YES
    out[low >= years] = NO
    return out


def graded_element(
    strong: list[Truth],
    medium: list[Truth],
    weak: list[Truth],
    size: int,
    unknown: tuple[int, int, int] = (0, 0, 0),
) -> Truth:
    """One element of the ILO/EC (2009) operational indicators, from its graded indicators.

    An element is present with at least two strong indicators; or one strong and one medium or
    weak; or three medium; or two medium and one weak. The answer is YES when the indicators
    known to be present meet that rule, NO when even every unknown indicator being present would
    not, and INSUFFICIENT in between (the rule is monotone, so the two bounds decide it).
    ``unknown`` adds (strong, medium, weak) indicators that are unknown for every record.

    Examples
    --------
    >>> t = lambda *v: np.array(v, dtype=np.int8)
    >>> graded_element([t(2, 2, 1)], [t(2, 0, 2)], [], 3).tolist()
    [2, 0, 1]
    >>> graded_element([t(2, 0)], [], [], 2, unknown=(0, 1, 0)).tolist()
    [1, 0]
    """

    def count(parts: list[Truth], at_least: np.int8, extra: int) -> npt.NDArray[np.int64]:
        total = np.full(size, extra, dtype=np.int64)
        for part in parts:
            total += part >= at_least
        return total

    def meets(
        s: npt.NDArray[np.int64], m: npt.NDArray[np.int64], w: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        return (s >= 2) | ((s >= 1) & (m + w >= 1)) | (m >= 3) | ((m >= 2) & (w >= 1))

    surely = meets(count(strong, YES, 0), count(medium, YES, 0), count(weak, YES, 0))
    possibly = meets(
        count(strong, INSUFFICIENT, unknown[0]),
        count(medium, INSUFFICIENT, unknown[1]),
        count(weak, INSUFFICIENT, unknown[2]),
    )
    return np.where(surely, YES, np.where(possibly, INSUFFICIENT, NO)).astype(np.int8)
