"""Records -> the columns Splink compares (name key sets, birth parts, phone, document, ...).

Work is done once per distinct value (names, dates, phones repeat a lot across lists), so a
million records cost a few hundred thousand name parses, not a million.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from itertools import combinations, product
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from darkfigure.link._hknames import foreign_words, looks_chinese, name_keys, name_tokens
from darkfigure.link._names_other import CHINESE_CITIZENSHIPS, canonical_token, clean_parts
from darkfigure.records import (
    COLUMNS_BY_NAME,
    normalise_countries,
    normalise_date,
    normalise_district,
    normalise_phone,
    normalise_sex,
)

__all__ = ["CASE_FACTS", "FEATURE_COLUMNS", "case_fact_columns", "derive_features"]

#: Columns of the feature table, beside ``unique_id``, ``source_dataset`` and ``record_id``.
FEATURE_COLUMNS = (
    "nm_keys",
    "nm_flat",
    "nm_long",
    "nm_len",
    "nm_pairs",
    "nm_aka",
    "nm_sig",
    "nm_triples",
    "nm_prefix",
    "nm_tok",
    "dob",
    "dob_y",
    "dob_m",
    "dob_d",
    "dob_digits",
    "by_lo",
    "by_hi",
    "sex",
    "citizenship",
    "phone",
    "document",
)

_IDENTITY = (
    "family_name",
    "given_name",
    "full_name",
    "name_zh",
    "alias",
    "sex",
    "date_of_birth",
    "age",
    "citizenship",
    "document_number",
    "phone",
    "date_identified",
)

_DATE = re.compile(
    r"^\s*(?:(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?)?"
    r"|(?P<d2>\d{1,2})[-/.](?P<m2>\d{1,2})[-/.](?P<y2>\d{4})"
    r"|(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2}))\s*$"
)
_AGE = re.compile(r"(\d{1,3})")
_EPOCH = date(1970, 1, 1)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def _unique_map(values: pd.Series, fn: Callable[[Any], object]) -> pd.Series:
    """Apply ``fn`` once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = [fn(u) for u in uniques]
    out = np.empty(len(mapped), dtype=object)
    out[:] = mapped
    return pd.Series(out[codes], index=values.index)


@lru_cache(maxsize=4096)
def _date_written(text: str) -> tuple[str | None, str | None, str | None]:
    """Year, month and day as written (ISO, ``DD/MM/YYYY`` or ``YYYYMMDD``), unvalidated."""
    normalised = normalise_date(text).value if text else None
    match = _DATE.match(str(normalised) if normalised else text)
    if not match:
        return None, None, None
    g = match.groupdict()
    return g["y"] or g["y2"] or g["y3"], g["m"] or g["m2"] or g["m3"], g["d"] or g["d2"] or g["d3"]


def _date_parts(text: str) -> tuple[int | None, int | None, int | None]:
    year, month, day = _date_written(text)
    y = int(year) if year else None
    m = int(month) if month and 1 <= int(month) <= 12 else None
    d = int(day) if day and m and 1 <= int(day) <= 31 else None
    return y, m, d


def _day_number(parts: tuple[int | None, int | None, int | None]) -> int | None:
    """Days since 1970-01-01 of a full date from :func:`_date_parts` (``None``: partial,
    missing or not a date)."""
    year, month, day = parts
    if year is None or month is None or day is None:
        return None
    try:
        return (date(year, month, day) - _EPOCH).days
    except ValueError:  # 31 February: the records stage flags it; the API takes frames as given
        return None


def _date_digits(text: str) -> str | None:
    """``YYYYMMDD`` as written, even when not a valid date (a typed digit: ``19105412``)."""
    year, month, day = _date_written(text)
    return f"{year}{int(month):02d}{int(day):02d}" if year and month and day else None


def _phone(text: str) -> str | None:
    normalised = normalise_phone(text).value
    if normalised:
        return str(normalised)
    digits = re.sub(r"[^\d+]", "", text)
    if not digits:
        return None
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if len(digits) == 8:  # a Hong Kong number without its country code
        return "+852" + digits
    if digits.startswith("852") and len(digits) == 11:
        return "+" + digits
    if digits.startswith("86") and len(digits) == 13:
        return "+" + digits
    return "+" + digits if len(digits) > 8 else None


def _document(text: str) -> str | None:
    value = _NOT_ALNUM.sub("", text.upper())
    return value if len(value) >= 5 else None


def _sex(text: str) -> str | None:
    normalised = normalise_sex(text).value if text else None
    if normalised:
        return str(normalised)
    t = text.strip().lower()
    if not t:
        return None
    if t[0] in "fw" or t in ("女", "女性"):
        return "F"
    if t[0] == "m" or t in ("男", "男性"):
        return "M"
    return "X" if t[0] == "x" else None


def _citizenship(text: str) -> str | None:
    normalised = normalise_countries(text).value if text else None
    if normalised:
        return str(normalised).split(";")[0]
    first = text.split(";")[0].strip().upper()
    return first or None


def _name_features(row: tuple[str, str, str, str, str, str]) -> tuple[object, ...]:
    family, given, full, zh, alias, citizenship = row
    parts = [p for p in (family, given) if p] or ([full] if full else [])
    # Without citizenship or characters a name is read as Chinese too, unless two or more of
    # its words are not Chinese syllables (``Ma. Luisa S. Bautista``): read as syllables, such a
    # name's words split (luisa -> lui + sa) and it no longer agrees with itself elsewhere.
    chinese = (
        bool(zh)
        or citizenship in CHINESE_CITIZENSHIPS
        or (not citizenship and foreign_words(clean_parts(parts)) < 2)
    )
    # A name that reads as Chinese on a record that gives another citizenship (a citizenship
    # recorded wrongly, or a person of Chinese descent with another passport) is read both
    # ways, so that it meets the same name on the lists that read it as Chinese.
    foreign_chinese = not chinese and looks_chinese(clean_parts(parts))
    chinese = chinese or foreign_chinese
    parts = clean_parts(parts) if chinese else clean_parts([p.replace("-", "") for p in parts])
    # Chinese or not is uncertain (no citizenship, or one that contradicts a Chinese-looking
    # name): the syllables' readings and the whole spellings are both keys.
    ambiguous = not zh and (not citizenship or foreign_chinese)
    keys = name_keys(parts, zh, chinese=chinese, canonical=canonical_token, ambiguous=ambiguous)
    nested = [sorted(k) for k in keys]
    flat = sorted({k for ks in keys for k in ks})
    long = sorted({k for ks in keys if len(ks) == 1 for k in ks if len(k) >= 4})
    # Blocking keys: every key of one syllable joined with every key of another (order-free),
    # so two names sharing two syllables in any spelling share a blocking key.
    pairs: set[str] = set()
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            for a in keys[i]:
                for b in keys[j]:
                    pairs.add(f"{a}|{b}" if a <= b else f"{b}|{a}")
    # Also-known-as keys: the aliases, and a one-word name (a nickname or working name), so
    # that a hotline's "Ploy" meets the police file that noted the alias "Ploy". An alias on a
    # record that gives no citizenship keeps its whole spelling too ("Wati", not only wa + ti),
    # or it would never meet the same working name on a record that says Indonesia.
    aka = {
        k
        for a in alias.split(";")
        if a.strip()
        for ks in name_keys(
            clean_parts([a]), chinese=chinese, canonical=canonical_token, ambiguous=ambiguous
        )
        for k in ks
    }
    if len(keys) == 1:
        aka |= keys[0]
    # A plain (non-array) signature for EM training blocks: same spelling system, same name.
    signature = "|".join(sorted(min(k) for k in keys)) or None
    # Three syllables agreeing: the blocking key used instead of pairs on large inputs.
    triples = {
        "|".join(sorted(t))
        for i, j, k in combinations(range(len(keys)), 3)
        for t in product(keys[i], keys[j], keys[k])
    }
    # First three letters of long tokens: with an address, a blocking key that survives a typo
    # later in the name (Bianca / Biana).
    prefix = sorted({t[:3] for t in long})
    # The words as written, for typo-tolerant comparison (a transposition, a dropped letter or
    # a truncation breaks every syllable key of the word: Jessica / Jesscia / Jess).
    words = sorted(set(name_tokens(parts)))
    return (
        nested or None,
        flat or None,
        long,
        len(keys),
        sorted(pairs),
        sorted(aka) or None,
        signature,
        sorted(triples),
        prefix,
        words or None,
    )


#: Case facts compared when the records have them: what happened to the person, which two
#: records of one person tell alike. ``means_of_control`` is compared on its own
#: (:data:`CONTROL`): a long list each organisation recalls in part, so its agreement is a
#: share of codes, not a value. Left out: the outcome fields (``trafficking_status`` is each
#: organisation's own conclusion).
CASE_FACTS = (
    "district",
    "venue",
    "exploitation_type",
    "sex_exploitation_type",
    "recruitment",
    "recruitment_apps",
    "recruiter_relation",
    "origin_country",
    "destination_country",
    "entry_permit",
    "organised_crime",
    "movement",
)

#: Codes that record that nothing is known: not a fact, so never an agreement or a difference.
_NOT_KNOWN = frozenset({"unknown", "other"})

#: Pseudo-count of the smoothing of a value's share within a citizenship group (a group of a
#: few records borrows its shares from all records).
_SMOOTHING = 10.0


#: The feature column of the means of control (codes as a sorted list), compared with the
#: case facts.
CONTROL = "control"


def case_fact_columns() -> list[str]:
    """The feature columns of the case facts: the codes (a sorted list) and their bits, and
    the means of control."""
    return [*(c for fact in CASE_FACTS for c in (f"cf_{fact}", f"cfb_{fact}")), CONTROL]


def _fold(text: str) -> str:
    """A code as the record standard writes it: lower case, ``_`` for spaces and dashes."""
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


def _fact_codes(fact: str, text: str) -> tuple[str, ...] | None:
    """The codes of one case fact, normalised and sorted (``None``: blank or not known).

    Values the records stage did not normalise (the benchmark and the API take frames as
    they are) are normalised here the same way: districts by name, countries to alpha-3,
    codes folded; a value it does not know is kept folded, so the same text still agrees.
    """
    if not text.strip():
        return None
    kind = COLUMNS_BY_NAME[fact].kind
    if kind == "district":
        value = normalise_district(text).value
        parts = [str(value) if value else _fold(text)]
    elif kind == "country":
        value = normalise_countries(text).value
        parts = str(value).split(";") if value else [text.strip().upper()]
    else:
        parts = [_fold(p) for p in re.split(r"[;,/]", text)]
    codes = sorted({p for p in parts if p and p not in _NOT_KNOWN})
    return tuple(codes) or None


def _bits(values: pd.Series, group: pd.Series) -> pd.Series:
    """-log2 of the share of each record's value among the records of its citizenship.

    How much an agreement on this value says: two Filipino domestic workers agree on
    ``private_home`` by the way of their work, on ``Islands`` district by chance only. Shares
    are taken within the citizenship group because candidate pairs mostly share a
    citizenship (that agreement is already counted by the citizenship comparison).
    """
    given = values.notna()
    overall = values[given].value_counts(normalize=True)
    frame = pd.DataFrame({"v": values[given], "g": group[given]})
    counts = frame.groupby(["g", "v"], dropna=False).size()
    sizes = frame.groupby("g", dropna=False).size()
    keys = pd.MultiIndex.from_frame(frame[["g", "v"]])
    n_gv = counts.reindex(keys).to_numpy(dtype=float)
    n_g = sizes.reindex(frame["g"]).to_numpy(dtype=float)
    p_v = overall.reindex(frame["v"]).to_numpy(dtype=float)
    share = (n_gv + _SMOOTHING * p_v) / (n_g + _SMOOTHING)
    out = pd.Series(np.nan, index=values.index)
    out[given] = -np.log2(share)
    return out


def _codes(records: pd.DataFrame, fact: str) -> pd.Series:
    """The codes of one case fact per record (a sorted tuple, ``None``: not recorded)."""
    text = records[fact] if fact in records.columns else pd.Series("", index=records.index)
    text = text.astype("string").fillna("").astype(object).reset_index(drop=True)
    return _unique_map(text, partial(_fact_codes, fact))


def _case_facts(records: pd.DataFrame, citizenship: pd.Series) -> dict[str, npt.NDArray[Any]]:
    """The case-fact feature columns: codes as sorted lists, and the bits of each value; the
    means of control as a sorted list."""
    group = citizenship.fillna("").reset_index(drop=True)
    columns: dict[str, npt.NDArray[Any]] = {}
    for fact in CASE_FACTS:
        codes = _codes(records, fact)
        key = codes.map(lambda c: ";".join(c) if c else None)
        columns[f"cf_{fact}"] = codes.map(lambda c: list(c) if c else None).to_numpy()
        columns[f"cfb_{fact}"] = _bits(key, group).to_numpy()
    control = _codes(records, "means_of_control")
    columns[CONTROL] = control.map(lambda c: list(c) if c else None).to_numpy()
    return columns


def derive_features(records: pd.DataFrame) -> pd.DataFrame:
    """The feature table Splink links: one row per record, ``unique_id`` = row position.

    Parameters
    ----------
    records
        Records in the record standard (strings; empty or missing = not recorded), with
        ``list_name`` and ``record_id``.
    """
    frame = records.reindex(columns=["list_name", "record_id", *_IDENTITY])
    frame = frame.astype("string").fillna("").astype(object).apply(lambda s: s.str.strip())
    out = pd.DataFrame(
        {
            "unique_id": np.arange(len(frame), dtype=np.int64),
            "source_dataset": frame["list_name"].to_numpy(),
            "record_id": frame["record_id"].to_numpy(),
        }
    )
    citizenship = _unique_map(frame["citizenship"], _citizenship)
    name_rows = pd.Series(
        list(
            zip(
                frame["family_name"],
                frame["given_name"],
                frame["full_name"],
                frame["name_zh"],
                frame["alias"],
                citizenship.fillna(""),
                strict=True,
            )
        )
    )
    names = _unique_map(name_rows, _name_features)
    for i, column in enumerate(FEATURE_COLUMNS[:10]):
        out[column] = names.map(lambda row, i=i: row[i]).to_numpy()
    out["nm_len"] = out["nm_len"].astype(np.int64)

    dob = _unique_map(frame["date_of_birth"], _date_parts)
    out["dob_y"] = pd.array([p[0] for p in dob], dtype="Int64")
    out["dob_m"] = pd.array([p[1] for p in dob], dtype="Int64")
    out["dob_d"] = pd.array([p[2] for p in dob], dtype="Int64")
    full = out["dob_y"].notna() & out["dob_m"].notna() & out["dob_d"].notna()
    text = (
        out["dob_y"].astype(str)
        + "-"
        + out["dob_m"].astype(str).str.zfill(2)
        + "-"
        + out["dob_d"].astype(str).str.zfill(2)
    )
    out["dob"] = text.astype(object).where(full, None)
    out["dob_digits"] = _unique_map(
        frame["date_of_birth"], lambda t: _date_digits(t) if t else None
    ).to_numpy()
    identified = _unique_map(frame["date_identified"], _date_parts)
    ident_year = pd.array([p[0] for p in identified], dtype="Int64")
    out["ident_day"] = pd.array([_day_number(p) for p in identified], dtype="Int64")
    age = pd.to_numeric(frame["age"].str.extract(_AGE, expand=False), errors="coerce")
    age_lo = pd.Series(ident_year, dtype="Int64") - pd.Series(age).astype("Int64") - 1
    age_hi = age_lo + 1
    out["by_lo"] = out["dob_y"].fillna(age_lo).astype("Int64")
    out["by_hi"] = out["dob_y"].fillna(age_hi).astype("Int64")
    out["sex"] = _unique_map(frame["sex"], _sex).to_numpy()
    out["citizenship"] = citizenship.to_numpy()
    out["phone"] = _unique_map(frame["phone"], lambda t: _phone(t) if t else None).to_numpy()
    out["document"] = _unique_map(
        frame["document_number"], lambda t: _document(t) if t else None
    ).to_numpy()
    # Case facts only where the records have any: records without them link exactly as before.
    if any(fact in records.columns for fact in (*CASE_FACTS, "means_of_control")):
        for column, values in _case_facts(records, citizenship).items():
            out[column] = values
    if "address" in records.columns:
        address = records["address"].fillna("").astype(str).str.lower()
        address = address.str.replace(r"[^0-9a-z\u3400-\u9fff]+", " ", regex=True).str.strip()
        out["addr"] = address.where(address != "", None).to_numpy()
        out["addr_tokens"] = _unique_map(
            address, lambda t: sorted(set(t.split())) or None
        ).to_numpy()
        # Any three address tokens together (number, street, suburb, postcode ...): a blocking
        # key that survives typos in the other tokens and in the name.
        out["addr_triples"] = _unique_map(
            address, lambda t: ["|".join(c) for c in combinations(sorted(set(t.split())), 3)]
        ).to_numpy()
    return out
