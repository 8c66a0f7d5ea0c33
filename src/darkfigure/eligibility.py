"""Whom each list can see: the lists description (``lists.yaml``) and the strata it implies.

A consulate sees only its own nationals, the Labour Department only workers on a domestic-helper
or employment visa, a women's shelter only women. A person outside a list's scope can never be
on it, so the empty cells of that list are *structural* zeros: they say nothing about how well
the list catches the people it can see. Estimation must know this (issue 9), or it mistakes a
consulate's scope for a low capture rate and the lists' overlaps for dependence.

The description is YAML, written by ``darkfigure simulate`` and by hand for real lists::

    lists:
      consulate_phl:
        label: Consulate General of the Philippines   # optional
        sees: {citizenship: [PHL]}                    # conditions on several fields all hold
      labour:
        sees: {entry_permit: [fdh, employment]}
      ngo_hotline:
        sees: all
        refers_to: [ngo_shelter, labour]              # optional: referral pathways
      police:
        sees: all

Fields are record-standard columns of the case or person (``sex``, ``citizenship``,
``entry_permit``, ``movement``, ``exploitation_type``, ...), values their codes.

The scopes partition each field's values into *levels*: the values that every list treats alike.
With the description above, ``citizenship`` has the levels ``PHL`` and ``other``, and
``entry_permit`` the levels ``fdh|employment`` and ``other``. The cross of the levels of every
field a scope uses gives the eligibility strata; within a stratum each list either sees everyone
or no one.

``refers_to`` declares the lists a list passes people on to (a hotline's callers referred to a
shelter). Referrals make two lists' overlap larger than their capture rates imply, which every
independence-based estimate reads as "few people unseen"; the logit-normal model estimates the
share referred along each declared pathway instead (:mod:`darkfigure.estimate`). Pathways must
not form a cycle.
"""

from __future__ import annotations

import graphlib
import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from darkfigure._yaml import parse_yaml
from darkfigure.errors import SettingsError
from darkfigure.records._countries import COUNTRY_CODES
from darkfigure.records._standard import COLUMNS_BY_NAME, Column

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AGE_BANDS",
    "OTHER",
    "ListScope",
    "ListsDescription",
    "Stratum",
    "age_bands",
    "coded_field",
    "coded_fields",
    "read_lists",
]

#: The level of a field that holds every value no scope names.
OTHER = "other"
#: Keys a list's entry may have (``description`` and ``records_from_stage`` are for people).
_ENTRY_KEYS = ("label", "description", "sees", "refers_to", "records_from_stage")
#: Record-standard kinds whose values are codes a scope can name.
_CODED_KINDS = frozenset({"sex", "code", "codes", "country", "countries"})


@dataclass(frozen=True)
class ListScope:
    """One list: its name, label, the values it can see per field (empty: sees everyone) and the
    lists it refers people to."""

    name: str
    label: str
    sees: Mapping[str, frozenset[str]]
    refers_to: frozenset[str] = frozenset()

    def sees_level(self, field: str, level: str) -> bool:
        """Whether the list sees people whose ``field`` is in ``level`` (a level of the field)."""
        allowed = self.sees.get(field)
        return allowed is None or (level != OTHER and set(level.split("|")) <= allowed)


@dataclass(frozen=True)
class Stratum:
    """One eligibility stratum: a level for each field, and which lists can see it."""

    levels: tuple[tuple[str, str], ...]
    eligible: tuple[bool, ...]

    @property
    def label(self) -> str:
        """``citizenship=PHL, entry_permit=fdh|employment`` (``all`` when there are no fields)."""
        return ", ".join(f"{field}={level}" for field, level in self.levels) or "all"


@dataclass(frozen=True)
class ListsDescription:
    """The lists and whom each can see, as read from ``lists.yaml``.

    Examples
    --------
    >>> lists = ListsDescription.from_mapping(
    ...     {"lists": {"police": {"sees": "all"},
    ...                "consulate_phl": {"sees": {"citizenship": ["PHL"]}}}}
    ... )
    >>> lists.levels("citizenship")
    ('PHL', 'other')
    >>> lists.level_of("citizenship", "IDN"), lists.level_of("citizenship", "PHL")
    ('other', 'PHL')
    >>> [(s.label, s.eligible) for s in lists.strata(("police", "consulate_phl"))]
    [('citizenship=PHL', (True, True)), ('citizenship=other', (True, False))]
    """

    lists: Mapping[str, ListScope]
    source: str = "lists description"

    @classmethod
    def from_mapping(cls, doc: Any, *, source: str = "lists description") -> ListsDescription:
        """Validate a parsed YAML document; errors name the YAML path and what is allowed."""

        def fail(where: str, reason: str) -> SettingsError:
            return SettingsError(f"{source}: {where}: {reason}")

        if not isinstance(doc, Mapping) or not isinstance(doc.get("lists"), Mapping):
            raise fail("top level", "expected a mapping with a 'lists' mapping inside")
        if not doc["lists"]:
            raise fail("lists", "names no list")
        scopes: dict[str, ListScope] = {}
        for name, entry in doc["lists"].items():
            where = f"lists.{name}"
            if not isinstance(entry, Mapping):
                raise fail(where, "expected a mapping with 'sees'")
            unknown = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
            if unknown:
                raise fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: "
                           f"{', '.join(_ENTRY_KEYS)}")  # fmt: skip
            if "sees" not in entry:
                raise fail(where, "has no 'sees' (write 'sees: all' for a list that sees everyone)")
            raw = entry["sees"]
            sees: dict[str, frozenset[str]] = {}
            if raw != "all":
                if not isinstance(raw, Mapping) or not raw:
                    raise fail(f"{where}.sees", "expected 'all' or a mapping of field: [codes]")
                for field, values in raw.items():
                    sees[str(field)] = _checked_values(fail, f"{where}.sees.{field}", field, values)
            label = entry.get("label", name)
            targets = entry.get("refers_to", [])
            if isinstance(targets, str) or not isinstance(targets, Sequence):
                raise fail(f"{where}.refers_to", "expected a list of list names, e.g. [shelter]")
            refers_to = frozenset(str(t) for t in targets)
            scopes[str(name)] = ListScope(str(name), str(label), sees, refers_to)
        for name, scope in scopes.items():
            where = f"lists.{name}.refers_to"
            strangers = sorted(scope.refers_to - set(scopes))
            if strangers:
                raise fail(where, f"{', '.join(strangers)} not described under 'lists'")
            if name in scope.refers_to:
                raise fail(where, "a list cannot refer people to itself")
        graph = {name: scope.refers_to for name, scope in scopes.items()}
        try:
            tuple(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as exc:
            cycle = " → ".join(reversed(exc.args[1]))
            raise fail("refers_to", f"referral pathways form a cycle ({cycle}); the model "
                       "needs every referral to go one way") from None  # fmt: skip
        return cls(scopes, source)

    def referrals(self, order: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """The declared pathways ``(source, target)`` between lists in ``order``, in that order."""
        present = set(order)
        return tuple(
            (source, target)
            for source in order
            if source in self.lists
            for target in order
            if target in self.lists[source].refers_to and target in present
        )

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields some scope restricts, in order of first use."""
        return tuple(dict.fromkeys(f for scope in self.lists.values() for f in scope.sees))

    def levels(self, field: str) -> tuple[str, ...]:
        """The field's levels: values every list treats alike, joined by ``|``; ``other`` last.

        ``other`` (values no scope names) is always a level, since records can hold any code.
        """
        groups: dict[tuple[bool, ...], list[str]] = {}
        named = sorted({v for scope in self.lists.values() for v in scope.sees.get(field, ())})
        for value in named:
            key = tuple(value in s.sees[field] for s in self.lists.values() if field in s.sees)
            groups.setdefault(key, []).append(value)
        return (*("|".join(values) for values in groups.values()), OTHER)

    def level_of(self, field: str, value: str) -> str:
        """The level a recorded value belongs to."""
        for level in self.levels(field)[:-1]:
            if value in level.split("|"):
                return level
        return OTHER

    def strata(
        self, order: Sequence[str], covariates: Mapping[str, Sequence[str]] | None = None
    ) -> list[Stratum]:
        """Every combination of the fields' levels, with which of the lists in ``order`` see it.

        ``covariates`` adds fields to stratify on, with their levels (single codes); a scope's
        field given here is split into those codes instead of its scope levels.

        Raises
        ------
        SettingsError
            A list in ``order`` is not described.
        """
        missing = [name for name in order if name not in self.lists]
        if missing:
            raise SettingsError(
                f"{self.source}: no entry for list(s) {', '.join(missing)}; describe every list "
                "(use 'sees: all' for a list that can see everyone)"
            )
        extra = dict(covariates or {})
        fields = (*self.fields, *(f for f in extra if f not in self.fields))
        levels = [extra[f] if f in extra else self.levels(f) for f in fields]
        out = []
        for combo in itertools.product(*levels):
            pairs = tuple(zip(fields, combo, strict=True))
            eligible = tuple(
                all(self.lists[name].sees_level(f, level) for f, level in pairs) for name in order
            )
            out.append(Stratum(pairs, eligible))
        return out


#: Age bands a stratum (``--covariates age_band``) or a scope can use: children apart (under
#: the Protocol a child needs no means of coercion to be a victim), then the ages the seed
#: documents single out (young women recruited with false job offers).
AGE_BANDS = ("0-17", "18-24", "25-34", "35+")
#: ``age_band`` is derived, not recorded: from ``age``, or from the date of birth at
#: ``date_identified`` (whole years; a year-only date of birth gives the age reached that year).
AGE_BAND = Column(
    "age_band", "code", False, "Age band at date_identified (derived).", codes=AGE_BANDS
)


def age_bands(records: pd.DataFrame) -> pd.Series:
    """Each record's :data:`AGE_BANDS` entry (``<NA>`` where neither age nor birth is known).

    Reads ``age`` first, then ``date_of_birth`` (ISO, possibly year or year-month only) against
    ``date_identified``. Linkage calls it before identity fields are dropped, so that the band,
    which identifies no one, can travel with the links (``records.csv``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [None, 16, None], "date_identified": ["2023-06-01"] * 3,
    ...                       "date_of_birth": ["1990-07-04", None, "2001"]})
    >>> age_bands(frame).tolist()
    ['25-34', '0-17', '18-24']
    """
    import numpy as np
    import pandas as pd

    age = pd.to_numeric(records["age"], errors="coerce") if "age" in records else None
    years = pd.Series(np.nan, index=records.index) if age is None else age.astype("float64")
    if {"date_of_birth", "date_identified"} <= set(records.columns):
        born = records["date_of_birth"].astype("string")
        seen = pd.to_datetime(records["date_identified"], errors="coerce", format="ISO8601")
        birth = pd.to_datetime(born.where(born.str.len() == 10), errors="coerce", format="%Y-%m-%d")
        exact = (seen.dt.year - birth.dt.year) - (
            (seen.dt.month < birth.dt.month)
            | ((seen.dt.month == birth.dt.month) & (seen.dt.day < birth.dt.day))
        )
        reached = seen.dt.year - pd.to_numeric(born.str.slice(0, 4), errors="coerce")
        years = years.fillna(exact.astype("float64")).fillna(reached.astype("float64"))
    bands = pd.cut(years, [-1, 17, 24, 34, 200], labels=list(AGE_BANDS))
    return bands.astype("string")


def coded_field(name: str) -> Column | None:
    """The record-standard column ``name`` if it holds codes a scope or a stratum can use
    (not an identity field, not free text, dates or ages; the derived ``age_band`` is one),
    else ``None``."""
    if name == AGE_BAND.name:
        return AGE_BAND
    column = COLUMNS_BY_NAME.get(name)
    if column is None or column.identity or column.kind not in _CODED_KINDS:
        return None
    return column


def coded_fields() -> list[str]:
    """Every field :func:`coded_field` accepts, for messages."""
    names = [c.name for c in COLUMNS_BY_NAME.values() if coded_field(c.name) is not None]
    return sorted([*names, AGE_BAND.name])


def _checked_values(fail: Any, where: str, field: Any, values: Any) -> frozenset[str]:
    column = coded_field(str(field))
    if column is None:
        raise fail(where, f"not a field a scope can use; use one of {', '.join(coded_fields())}")
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise fail(where, "expected a non-empty list of codes, e.g. [PHL]")
    allowed = COUNTRY_CODES if column.kind in ("country", "countries") else frozenset(column.codes)
    unknown = sorted(str(v) for v in values if str(v) not in allowed)
    if unknown:
        hint = "ISO 3166-1 alpha-3 codes" if allowed is COUNTRY_CODES else ", ".join(column.codes)
        raise fail(where, f"unknown code(s) {', '.join(unknown)}; allowed: {hint}")
    return frozenset(str(v) for v in values)


def read_lists(path: str | os.PathLike[str]) -> ListsDescription:
    """Read and validate a lists description (``lists.yaml``).

    Raises
    ------
    SettingsError
        The file is missing, not YAML, or describes a scope with an unknown field or code.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{source}: cannot read the lists description ({exc})") from None
    doc = parse_yaml(text, str(source), SettingsError)
    return ListsDescription.from_mapping(doc, source=str(source))
