"""The victims of one year and their stories, generated in vectorised NumPy.

Each attribute is drawn per group (the scenario's mixture components) from the group's
distribution; means of control are independent Bernoulli draws, kept as a bitmask. Every
random draw comes from a named stream derived from the seed (:func:`stream`), so one part of
the model can change without shifting the draws of the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from darkfigure.simulate import _codes as codes
from darkfigure.simulate._names import NameParts, draw_parts
from darkfigure.simulate._scenario import Group, Scenario, parse_band

__all__ = ["DAYS_PER_YEAR", "Population", "draw_population", "mask_to_codes", "stream"]

StrArray = npt.NDArray[np.object_]
DAYS_PER_YEAR = 365.2425
_MONTH_DAYS = DAYS_PER_YEAR / 12


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one named part of the model (stable across versions)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),))
    )


def mask_to_codes(masks: npt.NDArray[np.int64], names: tuple[str, ...]) -> StrArray:
    """Bitmasks → ``;``-joined codes (bit ``i`` is ``names[i]``), once per distinct mask."""
    unique, inverse = np.unique(masks, return_inverse=True)
    text = np.array(
        [";".join(n for i, n in enumerate(names) if (int(m) >> i) & 1) for m in unique],
        dtype=object,
    )
    return text[inverse.reshape(masks.shape)]


@dataclass(frozen=True, eq=False)
class Population:
    """The true attributes of every victim (synthetic), one array entry per person.

    Dates are ``datetime64[D]``; ``control`` is a bitmask over
    :data:`~darkfigure.simulate._codes.MEANS_OF_CONTROL`; ``""`` means "not part of the story".
    ``active_from``/``active_to`` bound the days of the scenario year during which the person
    is exploited (and can be recorded).
    """

    group: StrArray
    citizenship: StrArray
    sex: StrArray
    age: npt.NDArray[np.int64]
    date_of_birth: npt.NDArray[np.datetime64]
    entry_permit: StrArray
    exploitation_type: StrArray
    sex_exploitation_type: StrArray
    venue: StrArray
    recruitment: StrArray
    recruitment_apps: StrArray
    recruiter_relation: StrArray
    control: npt.NDArray[np.int64]
    movement: StrArray
    origin_country: StrArray
    destination_country: StrArray
    organised_crime: StrArray
    district: StrArray
    duration_months: npt.NDArray[np.float64]
    active_from: npt.NDArray[np.datetime64]
    active_to: npt.NDArray[np.datetime64]
    visibility: npt.NDArray[np.float64]
    names: NameParts
    document_number: StrArray
    phone: StrArray

    @property
    def n(self) -> int:
        """Number of people."""
        return int(self.group.shape[0])


def _categorical(
    rng: np.random.Generator, member: npt.NDArray[np.bool_], dist: dict[str, float], out: StrArray
) -> None:
    """Fill ``out[member]`` with codes drawn from ``dist`` (inverse CDF, one uniform each)."""
    count = int(member.sum())
    if count == 0 or not dist:
        return
    values = np.array(list(dist), dtype=object)
    cdf = np.cumsum(np.fromiter(dist.values(), dtype=float))
    cdf /= cdf[-1]
    index = np.minimum(np.searchsorted(cdf, rng.random(count), side="right"), len(values) - 1)
    out[member] = values[index]


def _recruiter_relation(rng: np.random.Generator, recruitment: StrArray) -> StrArray:
    """Who recruited, derived from how: kin, friends and partners are themselves; agencies are
    agencies; job offers and online contacts come from acquaintances or strangers (an
    assumption: half and half, 40/60 online)."""
    relation = np.full(recruitment.shape[0], "unknown", dtype=object)
    fixed = {
        "family": "family",
        "friend": "friend",
        "intimate_partner": "intimate_partner",
        "employment_agency": "agency",
        "abduction": "stranger",
        "online_ad": "stranger",
    }
    for how, who in fixed.items():
        relation[recruitment == how] = who
    u = rng.random(recruitment.shape[0])
    for how, acquaintance in (("job_offer", 0.5), ("online_social", 0.4)):
        chosen = recruitment == how
        relation[chosen & (u < acquaintance)] = "acquaintance"
        relation[chosen & (u >= acquaintance)] = "stranger"
    return relation


def _hkid(rng: np.random.Generator, n: int) -> StrArray:
    """Synthetic Hong Kong identity card numbers ``A123456(7)`` with a valid check digit."""
    letters = rng.integers(0, 26, n)
    digits = rng.integers(0, 10, (n, 6))
    total = 9 * 36 + 8 * (letters + 10) + digits @ np.arange(7, 1, -1)
    check = (11 - total % 11) % 11
    check_char = np.where(check == 10, "A", check.astype(str))
    body = digits @ (10 ** np.arange(5, -1, -1))
    return np.array(
        [
            f"{chr(65 + int(a))}{int(b):06d}({c})"
            for a, b, c in zip(letters, body, check_char, strict=True)
        ],
        dtype=object,
    )


def _documents(rng: np.random.Generator, citizenship: StrArray) -> StrArray:
    """Identity-card numbers for residents, permit numbers for Mainland visitors, else passports."""
    n = len(citizenship)
    out = np.empty(n, dtype=object)
    resident = citizenship == "HKG"
    out[resident] = _hkid(rng, int(resident.sum()))
    mainland = (citizenship == "CHN") & ~resident
    numbers = rng.integers(0, 100_000_000, n)
    letters = rng.integers(0, 26, n)
    rest = ~resident
    out[rest] = [
        (f"C{int(x):08d}" if m else f"{chr(65 + int(a))}{int(x) % 10_000_000:07d}")
        for x, a, m in zip(numbers[rest], letters[rest], mainland[rest], strict=True)
    ]
    return out


def _phones(rng: np.random.Generator, citizenship: StrArray) -> StrArray:
    """E.164 mobile numbers: a Hong Kong number for residents and for most others (a local SIM;
    an assumption: 60 %), otherwise a mobile number of the home country."""
    n = len(citizenship)
    home = np.where(rng.random(n) < 0.6, "HKG", citizenship).astype(object)
    home[citizenship == "HKG"] = "HKG"
    digits: npt.NDArray[np.int64] = rng.integers(0, 10**9, n) * 10**9 + rng.integers(0, 10**9, n)
    out = np.empty(n, dtype=object)
    for code in np.unique(home):
        info = codes.COUNTRIES[code]
        start, length = info.mobile
        width = length - len(start)
        chosen = home == code
        if code == "HKG":
            # Hong Kong mobile blocks that are allocated in full (so every number is valid).
            first = np.array(["61", "63", "64", "65", "97"], dtype=object)[digits[chosen] % 5]
            rest = (digits[chosen] // 5) % 10**6
            out[chosen] = [f"+852{f}{r:06d}" for f, r in zip(first, rest.tolist(), strict=True)]
        else:
            rest = digits[chosen] % 10**width
            out[chosen] = [f"+{info.phone_prefix}{start}{r:0{width}d}" for r in rest.tolist()]
    return out


def draw_population(scenario: Scenario, seed: int, persons: int) -> Population:
    """Draw ``persons`` victims of the scenario's year.

    Parameters
    ----------
    scenario
        The validated scenario.
    seed
        The seed; the same seed and scenario give the same people.
    persons
        How many victims to draw (the true total).
    """
    rng = stream(seed, "population")
    n = persons
    group_names = list(scenario.groups)
    shares = np.array([g.share for g in scenario.groups.values()])
    group_index = np.minimum(
        np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(n), side="right"),
        len(group_names) - 1,
    )
    group = np.array(group_names, dtype=object)[group_index]

    def blank() -> StrArray:
        return np.full(n, "", dtype=object)

    fields = (
        "citizenship",
        "entry_permit",
        "exploitation_type",
        "sex_exploitation_type",
        "venue",
        "recruitment",
        "recruitment_apps",
        "movement",
        "destination_country",
        "organised_crime",
        "district",
        "age_band",
    )
    out: dict[str, StrArray] = {name: blank() for name in fields}
    sex = np.full(n, "M", dtype=object)
    control = np.zeros(n, dtype=np.int64)
    log_median = np.zeros(n)
    spread = np.zeros(n)
    for gi, (gname, g) in enumerate(scenario.groups.items()):
        member = group_index == gi
        size = int(member.sum())
        if size == 0:
            continue
        g_rng = stream(seed, f"group:{gname}")
        index = np.flatnonzero(member)
        sex[index[g_rng.random(size) < g.female]] = "F"
        _draw_story(g_rng, g, member, out)
        for bit, code in enumerate(codes.MEANS_OF_CONTROL):
            p = g.means_of_control.get(code, 0.0)
            if p > 0:
                control[index[g_rng.random(size) < p]] |= 1 << bit
        log_median[member] = np.log(g.duration_months.median)
        spread[member] = g.duration_months.spread

    # Only sexual exploitation has a sex-exploitation type; only online recruitment an app.
    out["sex_exploitation_type"][out["exploitation_type"] != "sexual"] = ""
    online = (out["recruitment"] == "online_social") | (out["recruitment"] == "online_ad")
    out["recruitment_apps"][~online] = ""

    # Age uniform within the band; date of birth consistent with the age on 1 July.
    bands = {band: parse_band(band) for band in np.unique(out["age_band"])}
    low = np.array([bands[b][0] for b in bands], dtype=np.int64)
    high = np.array([bands[b][1] for b in bands], dtype=np.int64)
    which = np.searchsorted(np.array(list(bands), dtype=object), out["age_band"])
    age = low[which] + (rng.random(n) * (high[which] - low[which] + 1)).astype(np.int64)
    reference = np.datetime64(date(scenario.year, 7, 1), "D")
    # (whole days, so that floor(days / DAYS_PER_YEAR) is exactly the age).
    days_old = np.ceil(age * DAYS_PER_YEAR) + np.floor(rng.random(n) * (DAYS_PER_YEAR - 1))
    days_old = days_old.astype(np.int64)
    date_of_birth = reference - days_old.astype("timedelta64[D]")

    movement = out["movement"]
    origin_country = np.where(
        np.isin(movement, ["out_of_hk", "domestic"]), "HKG", out["citizenship"]
    ).astype(object)
    destination = np.where(
        np.isin(movement, ["out_of_hk", "transit"]), out["destination_country"], "HKG"
    ).astype(object)

    # The exploitation spans D months starting at S; S is uniform over the starts that overlap
    # the year, and the person can be recorded only while exploited within the year.
    duration = np.exp(log_median + spread * rng.standard_normal(n))
    year_days = (date(scenario.year + 1, 1, 1) - date(scenario.year, 1, 1)).days
    span = duration * _MONTH_DAYS
    start = year_days - rng.random(n) * (year_days + span)
    first_day = np.datetime64(date(scenario.year, 1, 1), "D")
    active_from = first_day + np.clip(np.floor(start), 0, year_days - 1).astype("timedelta64[D]")
    active_to = first_day + np.clip(np.floor(start + span), 0, year_days - 1).astype(
        "timedelta64[D]"
    )

    culture = np.array([codes.COUNTRIES[c].culture for c in codes.COUNTRIES], dtype=object)
    where = {c: i for i, c in enumerate(codes.COUNTRIES)}
    person_culture = culture[np.fromiter((where[c] for c in out["citizenship"]), np.int64, n)]
    names = draw_parts(stream(seed, "names"), person_culture, sex)
    id_rng = stream(seed, "identifiers")
    return Population(
        group=group,
        citizenship=out["citizenship"],
        sex=sex,
        age=age,
        date_of_birth=date_of_birth,
        entry_permit=out["entry_permit"],
        exploitation_type=out["exploitation_type"],
        sex_exploitation_type=out["sex_exploitation_type"],
        venue=out["venue"],
        recruitment=out["recruitment"],
        recruitment_apps=out["recruitment_apps"],
        recruiter_relation=_recruiter_relation(rng, out["recruitment"]),
        control=control,
        movement=movement,
        origin_country=origin_country,
        destination_country=destination,
        organised_crime=out["organised_crime"],
        district=out["district"],
        duration_months=duration,
        active_from=active_from,
        active_to=active_to,
        visibility=rng.standard_normal(n) * scenario.visibility_sd,
        names=names,
        document_number=_documents(id_rng, out["citizenship"]),
        phone=_phones(id_rng, out["citizenship"]),
    )


def _draw_story(
    rng: np.random.Generator, g: Group, member: npt.NDArray[np.bool_], out: dict[str, StrArray]
) -> None:
    """Draw the categorical parts of one group's people (in a fixed order of fields)."""
    district = g.district or dict.fromkeys(codes.DISTRICTS, 1 / len(codes.DISTRICTS))
    for name, dist in (
        ("citizenship", g.origin),
        ("age_band", g.age),
        ("entry_permit", g.entry_permit),
        ("exploitation_type", g.exploitation_type),
        ("sex_exploitation_type", g.sex_exploitation_type),
        ("venue", g.venue),
        ("recruitment", g.recruitment),
        ("recruitment_apps", g.recruitment_apps),
        ("movement", g.movement),
        ("destination_country", g.destination_country),
        ("organised_crime", g.organised_crime),
        ("district", district),
    ):
        _categorical(rng, member, dist, out[name])
