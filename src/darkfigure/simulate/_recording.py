"""How each organisation writes people down: one record-standard table per list.

Values are written in the raw forms real lists use, which the records reader normalises:
dates as ``YYYY-MM-DD`` or ``DD/MM/YYYY``; sex as ``F``, ``female`` or ``女``; citizenship as a
code (``PHL``), a name (``Philippines``; ``Hong Kong``), a demonym (``Filipino``; ``Mainland``,
``HK``) or in Chinese (``菲律賓``); phones in E.164, local or spaced forms. Errors are drawn per
record: day and month swapped, year only, age instead of a date, wrong or missing
citizenship, missing fields, and a second record of the same person on the same list.
Case fields are copied from the person's story, each with the organisation's completeness,
and each means of control with the organisation's recall (asked and nothing kept: ``none``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from darkfigure.simulate import _codes as codes
from darkfigure.simulate._capture import FUNNEL_STAGES, Captures
from darkfigure.simulate._names import render
from darkfigure.simulate._scenario import Organisation, Scenario
from darkfigure.simulate._world import DAYS_PER_YEAR, Population, mask_to_codes, stream

__all__ = ["ListRecords", "record_list"]

StrArray = npt.NDArray[np.object_]
#: Mean delay, in days, before an organisation records the same person a second time.
_DUPLICATE_DELAY_DAYS = 30.0
_FAMILY_FIRST = ("hongkong", "mainland", "vietnamese")


@dataclass(frozen=True, eq=False)
class ListRecords:
    """One list's records and, kept apart, whom each record is about."""

    name: str
    frame: pd.DataFrame
    person: npt.NDArray[np.int64]
    style: StrArray
    duplicate: npt.NDArray[np.bool_]


def _choose(rng: np.random.Generator, dist: Mapping[Any, float], n: int) -> StrArray:
    values = np.array(list(dist), dtype=object)
    cdf = np.cumsum(np.fromiter(dist.values(), dtype=float))
    cdf /= cdf[-1]
    return values[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(values) - 1)]


def _iso(days: npt.NDArray[np.datetime64]) -> StrArray:
    return np.datetime_as_string(days, unit="D").astype(object)


def _dmy(iso: StrArray) -> StrArray:
    s = pd.Series(iso, dtype=object)
    return (s.str[8:10] + "/" + s.str[5:7] + "/" + s.str[0:4]).to_numpy(dtype=object)


def _dates(iso: StrArray, dmy: npt.NDArray[np.bool_]) -> StrArray:
    out = iso.copy()
    if dmy.any():
        out[dmy] = _dmy(iso[dmy])
    return out


def _date_of_birth(
    rng: np.random.Generator,
    org: Organisation,
    dob: npt.NDArray[np.datetime64],
    identified: npt.NDArray[np.datetime64],
    dmy: npt.NDArray[np.bool_],
) -> tuple[StrArray, StrArray]:
    """The recorded date of birth and age (age only when no date of birth is written)."""
    n = len(dob)
    kind = _choose(rng, org.recording.date_of_birth, n)
    iso = _iso(dob)
    s = pd.Series(iso, dtype=object)
    day, month = s.str[8:10].to_numpy(dtype=object), s.str[5:7].to_numpy(dtype=object)
    # A swap is only an error someone could make when the result is a real date (day ≤ 12).
    swappable = (kind == "swapped") & (day.astype("U2") <= "12") & (day != month)
    iso[swappable] = (s.str[0:5] + s.str[8:10] + "-" + s.str[5:7]).to_numpy(dtype=object)[swappable]
    written = _dates(iso, dmy)
    year_only = kind == "year_only"
    written[year_only] = s.str[0:4].to_numpy(dtype=object)[year_only]
    written[np.isin(kind, ["age_only", "missing"])] = ""
    age = np.floor((identified - dob).astype(np.int64) / DAYS_PER_YEAR).astype(np.int64)
    age_text = np.full(n, "", dtype=object)
    age_only = kind == "age_only"
    age_text[age_only] = age[age_only].astype(str)
    return written, age_text


def _citizenship(
    rng: np.random.Generator, org: Organisation, true: StrArray, origins: list[str]
) -> StrArray:
    n = len(true)
    code = true.copy()
    wrong = rng.random(n) < org.recording.citizenship_wrong
    if wrong.any() and len(origins) > 1:
        pool = np.array(origins, dtype=object)
        pick = pool[rng.integers(0, len(pool), n)]
        # Never "wrong" by accident: re-pick the next country when the draw is the true one.
        same = pick == true
        pick[same] = pool[(np.searchsorted(pool, pick[same]) + 1) % len(pool)]
        code[wrong] = pick[wrong]
    form = _choose(rng, org.recording.citizenship_format, n)
    out = code.copy()
    for style, attr in (("name", "name"), ("demonym", "demonym"), ("zh", "zh")):
        chosen = form == style
        if chosen.any():
            out[chosen] = [getattr(codes.COUNTRIES[c], attr) for c in code[chosen]]
    out[form == "missing"] = ""
    return out


_PREFIXES = sorted({c.phone_prefix for c in codes.COUNTRIES.values()}, key=len, reverse=True)


def _phone(rng: np.random.Generator, org: Organisation, phone: StrArray) -> StrArray:
    """Kept with the organisation's probability, in one of its formats: ``e164``
    (``+85261234567``), ``local`` (``61234567``; ``(+63) 9171234567``) or ``spaced``
    (``6123 4567``; ``+63 9171234567``)."""
    n = len(phone)
    form = _choose(rng, org.recording.phone_format, n)
    out = np.full(n, "", dtype=object)
    kept = rng.random(n) < org.recording.phone
    for i in np.flatnonzero(kept):
        number: str = phone[i]
        if form[i] == "e164":
            out[i] = number
        elif number.startswith("+852"):
            out[i] = number[4:] if form[i] == "local" else f"{number[4:8]} {number[8:]}"
        else:
            cc = next(p for p in _PREFIXES if number.startswith(p, 1))
            national = number[1 + len(cc) :]
            out[i] = f"(+{cc}) {national}" if form[i] == "local" else f"+{cc} {national}"
    return out


def _case_field(
    rng: np.random.Generator, org: Organisation, field: str, truth: StrArray
) -> StrArray:
    n = len(truth)
    completeness = org.recording.case_fields.get(field, 0.0)
    out = np.full(n, "", dtype=object)
    kept = rng.random(n) < completeness
    out[kept] = truth[kept]
    return out


def _means_of_control(
    rng: np.random.Generator, org: Organisation, mask: npt.NDArray[np.int64]
) -> StrArray:
    n = len(mask)
    asked = rng.random(n) < org.recording.case_fields.get("means_of_control", 0.0)
    bits = 1 << np.arange(len(codes.MEANS_OF_CONTROL), dtype=np.int64)
    recalled = (rng.random((n, len(bits))) < org.recording.code_recall) @ bits
    kept = mask & recalled
    text = mask_to_codes(kept, codes.MEANS_OF_CONTROL)
    text[kept == 0] = "none"
    text[~asked] = ""
    return text


def _status(
    rng: np.random.Generator, org: Organisation, stage: npt.NDArray[np.int64] | None, n: int
) -> StrArray:
    """The organisation's conclusion: from the funnel stage where there is one (identified:
    actual; first tier met but no debriefing: possible; screened out or not identified after
    debriefing: not_victim), otherwise the organisation's usual label."""
    if stage is None:
        return _choose(rng, org.recording.trafficking_status, n)
    out = np.full(n, "not_victim", dtype=object)
    out[stage == FUNNEL_STAGES.index("first_tier")] = "possible"
    out[stage == FUNNEL_STAGES.index("identified")] = "actual"
    return out


def record_list(
    scenario: Scenario, name: str, pop: Population, captures: Captures, seed: int
) -> ListRecords:
    """Write down the people on one list, as that organisation would.

    Records are ordered by ``date_identified`` and numbered ``<id_prefix>-<year>-000001`` …,
    so a record id says nothing about the person.
    """
    org = scenario.organisations[name]
    rec = org.recording
    rng = stream(seed, f"record:{name}")
    j = captures.lists.index(name)
    people = np.flatnonzero(captures.seen[:, j])
    first = captures.date[people, j]
    year_end = np.datetime64(f"{scenario.year}-12-31", "D")
    again = rng.random(len(people)) < rec.duplicates
    delay = np.ceil(rng.exponential(_DUPLICATE_DELAY_DAYS, int(again.sum()))).astype(
        "timedelta64[D]"
    )
    person = np.concatenate([people, people[again]])
    identified = np.concatenate([first, np.minimum(first[again] + delay, year_end)])
    duplicate = np.concatenate([np.zeros(len(people), bool), np.ones(int(again.sum()), bool)])
    order = np.lexsort((rng.random(len(person)), identified))
    person, identified, duplicate = person[order], identified[order], duplicate[order]
    n = len(person)

    style = _choose(rng, rec.name_style, n)
    parts = pop.names.take(person)
    names = render(parts, style, rng.random(n), simplified=rec.script == "simplified")
    family, given, full = names.family_name, names.given_name, names.full_name
    # Some recorders do not split names: family and given go into full_name together.
    unsplit = (rng.random(n) >= rec.split_names) & (full == "")
    if unsplit.any():
        family_first = np.isin(parts.culture, _FAMILY_FIRST)
        joined_ff = np.where(given != "", family + " " + given, family)
        joined_gf = np.where(family != "", given + " " + family, given)
        full[unsplit] = np.where(family_first, joined_ff, joined_gf)[unsplit]
        family[unsplit] = ""
        given[unsplit] = ""
    name_zh = np.where(rng.random(n) < rec.characters, names.name_zh, "").astype(object)
    nickname = render(parts, np.full(n, "nickname", dtype=object), rng.random(n), simplified=False)
    alias = np.where(rng.random(n) < rec.alias, nickname.full_name, names.alias).astype(object)
    alias[alias == full] = ""

    dmy = _choose(rng, rec.date_format, n) == "dmy"
    dob, age = _date_of_birth(rng, org, pop.date_of_birth[person], identified, dmy)
    sex_form = _choose(rng, rec.sex_format, n)
    true_sex = pop.sex[person]
    sex = true_sex.copy()
    words = {"F": "female", "M": "male", "X": "other"}
    chinese = {"F": "女", "M": "男", "X": "其他"}
    for form, spelled in (("word", words), ("zh", chinese)):
        chosen = sex_form == form
        sex[chosen] = [spelled[s] for s in true_sex[chosen]]
    sex[sex_form == "missing"] = ""
    origins = sorted({c for g in scenario.groups.values() for c in g.origin})
    citizenship = _citizenship(rng, org, pop.citizenship[person], origins)
    document = np.where(rng.random(n) < rec.document_number, pop.document_number[person], "")

    columns: dict[str, StrArray] = {
        "record_id": np.array(
            [f"{rec.id_prefix}-{scenario.year}-{i:06d}" for i in range(1, n + 1)], dtype=object
        ),
        "list_name": np.full(n, name, dtype=object),
        "family_name": family,
        "given_name": given,
        "full_name": full,
        "name_zh": name_zh,
        "alias": alias,
        "sex": sex,
        "date_of_birth": dob,
        "age": age,
        "citizenship": citizenship,
        "document_number": document.astype(object),
        "phone": _phone(rng, org, pop.phone[person]),
        "date_identified": _dates(_iso(identified), dmy),
    }
    for field in codes.CASE_FIELDS:
        if field == "means_of_control":
            columns[field] = _means_of_control(rng, org, pop.control[person])
        else:
            columns[field] = _case_field(rng, org, field, getattr(pop, field)[person])
    stage = captures.stage.get(name)
    columns["trafficking_status"] = _status(rng, org, None if stage is None else stage[person], n)
    columns["consent_to_share"] = np.where(
        rng.random(n) < rec.consent_to_share, "yes", "no"
    ).astype(object)
    table = pd.DataFrame({col: columns[col] for col in codes.RECORD_COLUMNS})
    return ListRecords(name, table, person, style, duplicate)
