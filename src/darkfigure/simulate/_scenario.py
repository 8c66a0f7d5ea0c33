"""Scenarios: YAML files describing one year's victims, their stories and the organisations.

A scenario is parsed into the typed :class:`Scenario` (pydantic v2). Every problem is reported
at once, each by its YAML path and reason (``organisations.police.base_rate: must be in [0, 1]
(got 1.5)``), as a :class:`~darkfigure.errors.ScenarioError`. ``--set key.path=value``
overrides are applied to the YAML document before validation, so they are checked the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from darkfigure._yaml import parse_yaml
from darkfigure.errors import ScenarioError
from darkfigure.simulate import _codes as codes

__all__ = [
    "EFFECT_FIELDS",
    "SCOPE_FIELDS",
    "Crackdown",
    "Funnel",
    "Group",
    "Organisation",
    "Recording",
    "Scenario",
    "list_scenarios",
    "load_scenario",
]

_TOLERANCE = 1e-6


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be in [0, 1] (got {value})")
    return value


Prob = Annotated[float, AfterValidator(_probability)]


def _check_codes(mapping: Iterable[str], allowed: Iterable[str], what: str) -> None:
    allowed_set = set(allowed)
    unknown = sorted(set(mapping) - allowed_set)
    if unknown:
        raise ValueError(
            f"unknown {what} code(s) {', '.join(map(repr, unknown))}; allowed: "
            f"{', '.join(sorted(allowed_set))}"
        )


def _check_distribution(dist: Mapping[str, float], allowed: Iterable[str], what: str) -> None:
    """A categorical distribution: known codes, probabilities summing to 1."""
    _check_codes(dist, allowed, what)
    if not dist:
        raise ValueError("must name at least one code")
    total = sum(dist.values())
    if abs(total - 1.0) > _TOLERANCE:
        raise ValueError(f"probabilities must sum to 1 (they sum to {total:.6g})")


_AGE_BAND = re.compile(r"^(\d{1,2})-(\d{1,3})$")


def parse_band(band: str) -> tuple[int, int]:
    """``"12-17"`` → ``(12, 17)``, inclusive."""
    match = _AGE_BAND.match(band)
    if not match:
        raise ValueError(f"age band {band!r} is not like '18-24'")
    low, high = int(match.group(1)), int(match.group(2))
    if low > high or high > 100:
        raise ValueError(f"age band {band!r}: the lower age must not exceed the upper (≤ 100)")
    return low, high


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Model):
    """Lognormal duration of the exploitation, in months."""

    median: float = Field(gt=0)
    spread: float = Field(ge=0, description="standard deviation of the log duration")


#: A group's fields that are distributions over a code list: (codes, name in messages, whether
#: the field may be left empty).
_DISTRIBUTIONS: dict[str, tuple[Iterable[str], str, bool]] = {
    "entry_permit": (codes.ENTRY_PERMIT, "entry_permit", False),
    "exploitation_type": (codes.EXPLOITATION_TYPE, "exploitation_type", False),
    "sex_exploitation_type": (codes.SEX_EXPLOITATION_TYPE, "sex_exploitation_type", True),
    "venue": (codes.VENUE, "venue", False),
    "recruitment": (codes.RECRUITMENT, "recruitment", False),
    "recruitment_apps": (codes.RECRUITMENT_APPS, "recruitment_apps", True),
    "movement": (codes.MOVEMENT, "movement", False),
    "destination_country": (codes.COUNTRIES, "destination country", True),
    "organised_crime": (codes.ORGANISED_CRIME, "organised_crime", False),
    "district": (codes.DISTRICTS, "district", True),
}


class Group(_Model):
    """One kind of victim and story; the population is a mixture of groups."""

    share: Prob
    description: str = ""
    origin: dict[str, Prob]
    female: Prob
    age: dict[str, Prob]
    entry_permit: dict[str, Prob]
    exploitation_type: dict[str, Prob]
    sex_exploitation_type: dict[str, Prob] = Field(default_factory=dict)
    venue: dict[str, Prob]
    recruitment: dict[str, Prob]
    recruitment_apps: dict[str, Prob] = Field(default_factory=dict)
    means_of_control: dict[str, Prob]
    movement: dict[str, Prob]
    destination_country: dict[str, Prob] = Field(default_factory=dict)
    organised_crime: dict[str, Prob]
    district: dict[str, Prob] = Field(default_factory=dict)
    duration_months: Duration

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: dict[str, float]) -> dict[str, float]:
        citizens = [c for c, info in codes.COUNTRIES.items() if info.culture]
        _check_distribution(v, citizens, "origin country")
        return v

    @field_validator("age")
    @classmethod
    def _age(cls, v: dict[str, float]) -> dict[str, float]:
        for band in v:
            parse_band(band)
        total = sum(v.values())
        if abs(total - 1.0) > _TOLERANCE:
            raise ValueError(f"probabilities must sum to 1 (they sum to {total:.6g})")
        return v

    @field_validator(*_DISTRIBUTIONS)
    @classmethod
    def _distribution(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        allowed, label, may_be_empty = _DISTRIBUTIONS[str(info.field_name)]
        if v or not may_be_empty:
            _check_distribution(v, allowed, label)
        return v

    @field_validator("means_of_control")
    @classmethod
    def _control(cls, v: dict[str, float]) -> dict[str, float]:
        # Independent probabilities, one per code: they need not sum to 1.
        _check_codes(v, codes.MEANS_OF_CONTROL, "means_of_control")
        return v

    @model_validator(mode="after")
    def _story_is_complete(self) -> Group:
        if self.exploitation_type.get("sexual", 0) > 0 and not self.sex_exploitation_type:
            raise ValueError("sex_exploitation_type: needed when exploitation_type has 'sexual'")
        online = self.recruitment.get("online_social", 0) + self.recruitment.get("online_ad", 0)
        if online > 0 and not self.recruitment_apps:
            raise ValueError(
                "recruitment_apps: needed when recruitment includes online_social or online_ad"
            )
        moving_out = self.movement.get("out_of_hk", 0) + self.movement.get("transit", 0)
        if moving_out > 0 and not self.destination_country:
            raise ValueError("destination_country: needed when movement has out_of_hk or transit")
        return self


#: Record-standard fields a list's scope may restrict (``scope: {citizenship: [PHL]}``).
SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "citizenship": tuple(c for c, info in codes.COUNTRIES.items() if info.culture),
    "sex": codes.SEX,
    "entry_permit": codes.ENTRY_PERMIT,
    "movement": codes.MOVEMENT,
    "exploitation_type": codes.EXPLOITATION_TYPE,
}

#: Person attributes a capture probability may depend on (``effects: {venue=hotel: 0.5}``).
EFFECT_FIELDS: dict[str, tuple[str, ...]] = {
    "citizenship": SCOPE_FIELDS["citizenship"],
    "sex": codes.SEX,
    "child": ("yes",),
    "entry_permit": codes.ENTRY_PERMIT,
    "exploitation_type": codes.EXPLOITATION_TYPE,
    "sex_exploitation_type": codes.SEX_EXPLOITATION_TYPE,
    "venue": codes.VENUE,
    "recruitment": codes.RECRUITMENT,
    "recruiter_relation": codes.RECRUITER_RELATION,
    "means_of_control": codes.MEANS_OF_CONTROL,
    "movement": codes.MOVEMENT,
    "organised_crime": codes.ORGANISED_CRIME,
}


class Crackdown(_Model):
    """A time-limited operation (e.g. Thunderbolt) that adds captures in some venues."""

    name: str
    start: date
    end: date
    rate: Prob = Field(
        description="extra capture probability for people exploited in the venues "
        "during the operation"
    )
    venues: list[str]

    @field_validator("venues")
    @classmethod
    def _venues(cls, v: list[str]) -> list[str]:
        _check_codes(v, codes.VENUE, "venue")
        return v

    @model_validator(mode="after")
    def _dates(self) -> Crackdown:
        if self.end < self.start:
            raise ValueError("end: before start")
        return self


class Funnel(_Model):
    """A two-tier screening funnel: screened → first-tier indicator → debriefing → identified."""

    first_tier: Prob
    debriefing: Prob
    identified: Prob
    record_at: Literal["screened", "first_tier", "debriefed", "identified"] = "screened"


class Recording(_Model):
    """How one organisation writes people down (forms, errors, gaps, duplicates)."""

    id_prefix: str = Field(pattern=r"^[A-Z0-9-]{1,12}$")
    name_style: dict[Literal["document", "heard", "nickname"], Prob] = {"document": 1.0}
    split_names: Prob = 1.0
    characters: Prob = 0.0
    script: Literal["traditional", "simplified"] = "traditional"
    alias: Prob = 0.0
    date_of_birth: dict[Literal["exact", "swapped", "year_only", "age_only", "missing"], Prob] = {
        "exact": 1.0
    }
    date_format: dict[Literal["iso", "dmy"], Prob] = {"iso": 1.0}
    sex_format: dict[Literal["code", "word", "zh", "missing"], Prob] = {"code": 1.0}
    citizenship_format: dict[Literal["code", "name", "demonym", "zh", "missing"], Prob] = {
        "code": 1.0
    }
    citizenship_wrong: Prob = 0.0
    document_number: Prob = 0.0
    phone: Prob = 0.0
    phone_format: dict[Literal["e164", "local", "spaced"], Prob] = {"local": 1.0}
    duplicates: Prob = 0.0
    case_fields: dict[str, Prob] = Field(default_factory=dict)
    code_recall: Prob = 1.0
    trafficking_status: dict[str, Prob] = {"possible": 1.0}
    consent_to_share: Prob = 0.0

    @field_validator(
        "name_style",
        "date_of_birth",
        "date_format",
        "sex_format",
        "citizenship_format",
        "phone_format",
    )
    @classmethod
    def _sums_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if abs(total - 1.0) > _TOLERANCE:
            raise ValueError(f"probabilities must sum to 1 (they sum to {total:.6g})")
        return v

    @field_validator("case_fields")
    @classmethod
    def _case_fields(cls, v: dict[str, float]) -> dict[str, float]:
        _check_codes(v, codes.CASE_FIELDS, "case field")
        return v

    @field_validator("trafficking_status")
    @classmethod
    def _status(cls, v: dict[str, float]) -> dict[str, float]:
        _check_distribution(v, codes.TRAFFICKING_STATUS, "trafficking_status")
        return v


class Organisation(_Model):
    """One list holder: whom it can see, how likely it records each person, and how."""

    label: str
    description: str = ""
    scope: dict[str, list[str]] = Field(default_factory=dict)
    base_rate: Prob
    effects: dict[str, float] = Field(default_factory=dict)
    visibility: float = Field(default=1.0, ge=0)
    referrals: dict[str, Prob] = Field(default_factory=dict)
    crackdowns: list[Crackdown] = Field(default_factory=list)
    funnel: Funnel | None = None
    recording: Recording

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        _check_codes(v, SCOPE_FIELDS, "scope field")
        for name, values in v.items():
            _check_codes(values, SCOPE_FIELDS[name], name)
            if not values:
                raise ValueError(f"{name}: an empty scope would make the list see nobody")
        return v

    @field_validator("effects")
    @classmethod
    def _effects(cls, v: dict[str, float]) -> dict[str, float]:
        for key in v:
            name, sep, code = key.partition("=")
            if not sep:
                raise ValueError(f"effect {key!r} is not 'field=code' (e.g. 'venue=hotel')")
            _check_codes([name], EFFECT_FIELDS, "effect field")
            _check_codes([code], EFFECT_FIELDS[name], name)
        return v


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Scenario(_Model):
    """A fully described simulated year (see ``docs/simulation.md``)."""

    scenario: str
    description: str = ""
    year: int = Field(ge=1990, le=2100)
    persons: int = Field(ge=1, le=50_000_000)
    seed: int | None = Field(default=None, ge=0)
    heterogeneity: bool = True
    dependence: bool = True
    visibility_sd: float = Field(default=1.0, ge=0)
    groups: dict[str, Group]
    organisations: dict[str, Organisation]

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: dict[str, Group]) -> dict[str, Group]:
        if not v:
            raise ValueError("at least one group is needed")
        total = sum(g.share for g in v.values())
        if abs(total - 1.0) > _TOLERANCE:
            raise ValueError(f"group shares must sum to 1 (they sum to {total:.6g})")
        return v

    @field_validator("organisations")
    @classmethod
    def _organisations(cls, v: dict[str, Organisation]) -> dict[str, Organisation]:
        if len(v) < 2:
            raise ValueError("at least two organisations (lists) are needed")
        for name, org in v.items():
            if not _NAME.match(name):
                raise ValueError(f"list name {name!r}: use lower-case letters, digits and '_'")
            for target in org.referrals:
                if target not in v:
                    raise ValueError(f"{name}.referrals: unknown organisation {target!r}")
                if target == name:
                    raise ValueError(f"{name}.referrals: an organisation cannot refer to itself")
        ids = [org.recording.id_prefix for org in v.values()]
        if len(set(ids)) != len(ids):
            raise ValueError("recording.id_prefix must differ between organisations")
        referral_order(v)
        return v

    @model_validator(mode="after")
    def _crackdowns_in_year(self) -> Scenario:
        for name, org in self.organisations.items():
            for i, op in enumerate(org.crackdowns):
                if op.start.year != self.year or op.end.year != self.year:
                    raise ValueError(
                        f"organisations.{name}.crackdowns.{i}: dates must fall in "
                        f"the scenario year {self.year}"
                    )
        return self

    @property
    def lists(self) -> tuple[str, ...]:
        """The list names, in the scenario's order."""
        return tuple(self.organisations)

    def to_yaml(self) -> str:
        """The fully resolved scenario as YAML (every default written out)."""
        return yaml.safe_dump(
            self.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100
        )


def referral_order(orgs: Mapping[str, Organisation]) -> list[str]:
    """Organisations ordered so that every referral goes from an earlier to a later one.

    Raises ``ValueError`` naming the cycle when referrals loop (A refers to B refers to A):
    a person cannot be referred onto a list that must already have been decided.
    """
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " → ".join([*path[path.index(name) :], name])
            raise ValueError(f"referrals form a cycle: {cycle}")
        state[name] = 1
        sources = [src for src, org in orgs.items() if name in org.referrals]
        for src in sources:
            visit(src, [*path, name])
        state[name] = 2
        order.append(name)

    for name in orgs:
        visit(name, [])
    return order


def _format_errors(source: str, error: ValidationError) -> ScenarioError:
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/simulation.md)"
        elif item["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{source}: {path}: {message}")
    return ScenarioError("\n".join(lines))


def _apply_override(document: dict[str, Any], assignment: str) -> None:
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            f"--set {assignment!r}: expected key.path=value "
            "(e.g. organisations.police.base_rate=0.2)"
        )
    parts = key.strip().split(".")
    node: Any = document
    for i, part in enumerate(parts[:-1]):
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(f"--set {key}: {where}: not an index of the list")
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise ScenarioError(f"--set {key}: {where}: is a value, not a section")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ScenarioError(f"--set {key}: the value is not valid YAML") from error
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ScenarioError(f"--set {key}: {last}: not an index of the list")
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"--set {key}: {'.'.join(parts[:-1])}: is a value, not a section")


def _packaged() -> Any:
    return resources.files("darkfigure.simulate").joinpath("scenarios")


def list_scenarios() -> dict[str, str]:
    """The packaged scenarios, name → one-line description."""
    found: dict[str, str] = {}
    for entry in sorted(_packaged().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            document = yaml.safe_load(entry.read_text(encoding="utf-8"))
            found[entry.name.removesuffix(".yaml")] = " ".join(
                str(document.get("description", "")).split()
            )
    return found


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` over ``base``: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(
    scenario: str | os.PathLike[str], seen: tuple[str, ...] = ()
) -> tuple[str, dict[str, Any]]:
    """Read a scenario document (by packaged name or path), resolving ``extends``."""
    source = str(scenario)
    path = Path(scenario)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise ScenarioError(f"{source}: no such scenario file")
        text = path.read_text(encoding="utf-8")
        base_dir: Path | None = path.parent
    else:
        entry = _packaged().joinpath(f"{source}.yaml")
        if not entry.is_file():
            names = ", ".join(list_scenarios())
            raise ScenarioError(
                f"unknown scenario {source!r}; packaged scenarios: {names} "
                "(or give the path of a .yaml file)"
            )
        text = entry.read_text(encoding="utf-8")
        source = f"{source}.yaml"
        base_dir = None
    document = parse_yaml(text, source, ScenarioError)
    if not isinstance(document, dict):
        raise ScenarioError(f"{source}: the scenario must be a YAML mapping")
    parent = document.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{source}: extends: must be a scenario name or a path")
        if source in seen:
            raise ScenarioError(f"{source}: extends: scenarios extend each other in a loop")
        relative = base_dir / parent if base_dir is not None else None
        target = relative if relative is not None and relative.is_file() else parent
        _, base = _read(target, (*seen, source))
        document = _merge(base, document)
    return source, document


def load_scenario(
    scenario: str | os.PathLike[str] | Scenario,
    *,
    overrides: Iterable[str] = (),
    persons: int | None = None,
    seed: int | None = None,
) -> Scenario:
    """Read and validate a scenario, applying overrides.

    Parameters
    ----------
    scenario
        A packaged scenario's name (``"hk-default"``), the path of a YAML file, or a
        :class:`Scenario` (re-validated with the overrides applied).
    overrides
        ``key.path=value`` assignments; values are parsed as YAML (``0.2``, ``false``, ``[PHL]``).
    persons, seed
        Shortcuts for ``persons=N`` and ``seed=S``.

    Raises
    ------
    ScenarioError
        Unknown scenario, invalid YAML, or any invalid key: one line per problem, each with
        the YAML path and the reason.
    """
    if isinstance(scenario, Scenario):
        source, document = scenario.scenario, scenario.model_dump(mode="json")
    else:
        source, document = _read(scenario)
    for assignment in overrides:
        _apply_override(document, assignment)
    if persons is not None:
        document["persons"] = persons
    if seed is not None:
        document["seed"] = seed
    try:
        return Scenario.model_validate(document)
    except ValidationError as error:
        raise _format_errors(source, error) from None
