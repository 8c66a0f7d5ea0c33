"""Screening rules as validated data: the YAML model, the loader and its checks.

A rules file (``screen/rules/*.yaml``) names its framework, version and source, and lists rules.
Each rule has an ``id``, a ``version``, a ``citation`` and a condition (``when``) built only from
the operators below; there is no Python in YAML and nothing is evaluated as code.

Operators (one key per condition):

``any_of: {field, codes, uncertain}``
    The ``;``-codes field lists one of ``codes``. Codes in ``uncertain`` (e.g. ``other``) make
    the answer INSUFFICIENT rather than NO.
``all: [conditions]`` / ``any: [conditions]`` / ``not: condition``
    Kleene *and*, *or*, *not*.
``rule: id``
    The value of another rule (rules may build on rules in any file; cycles are an error).
``age_under: years``
    Under ``years`` at identification (from ``age`` or ``date_of_birth`` + ``date_identified``).
``by_age: {child: condition, adult: condition}``
    The child branch for people under 18, the adult branch otherwise; for unknown ages the
    common answer if both agree, else INSUFFICIENT.
``graded: {indicators: [{id, strength: {adult, child}, when}], unrecorded: {adult, child}}``
    An ILO/EC (2009) element: graded indicators combined by the element rule (see
    :func:`~darkfigure.screen._logic.graded_element`); ``unrecorded`` counts, by strength, the
    element's indicators that no record field captures (always unknown, never "no").

A rule with ``output: column`` becomes an output column; ``collect: {column, label}`` adds its
label to a ``;``-list column when YES (and to ``<column>_insufficient`` when undecided).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
)

from darkfigure.errors import RulesError
from darkfigure.records import COLUMNS_BY_NAME

__all__ = [
    "AgeUnder",
    "AllOf",
    "AnyOf",
    "ByAge",
    "CodeTest",
    "Condition",
    "Graded",
    "Indicator",
    "NotOf",
    "Ref",
    "Rule",
    "RuleFile",
    "RuleSet",
    "load_rules",
    "rules_schema",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")]
Strength = Literal["strong", "medium", "weak"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CodeTest(_Model):
    """Codes looked for in one ``;``-codes (or code) column of the record standard."""

    field: Text
    codes: tuple[Text, ...] = Field(min_length=1)
    uncertain: tuple[Text, ...] = ()


class AnyOf(_Model):
    any_of: CodeTest


class AllOf(_Model):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyCondition(_Model):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(_Model):
    not_: Condition = Field(alias="not")


class Ref(_Model):
    rule: RuleId


class AgeUnder(_Model):
    age_under: int = Field(ge=1, le=120)


class AgeBranches(_Model):
    child: Condition
    adult: Condition


class ByAge(_Model):
    by_age: AgeBranches


class StrengthByAge(_Model):
    adult: Strength
    child: Strength


class Indicator(_Model):
    """One graded indicator of an ILO/EC element, and the recorded facts that show it."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
    strength: StrengthByAge
    when: Condition
    note: str = ""


class StrengthCounts(_Model):
    strong: int = Field(default=0, ge=0)
    medium: int = Field(default=0, ge=0)
    weak: int = Field(default=0, ge=0)


class UnrecordedByAge(_Model):
    adult: StrengthCounts
    child: StrengthCounts


class GradedSpec(_Model):
    """The indicators of one element that records can show, and how many they cannot."""

    indicators: tuple[Indicator, ...] = Field(min_length=1)
    #: Indicators of the element that no record-standard field captures: always unknown.
    unrecorded: UnrecordedByAge


class Graded(_Model):
    graded: GradedSpec


_KEYS = ("any_of", "all", "any", "not", "rule", "age_under", "by_age", "graded")


def _condition_key(value: Any) -> str | None:
    if isinstance(value, Mapping):
        keys = [k for k in value if k in _KEYS]
        return keys[0] if len(keys) == 1 and len(value) == 1 else None
    if isinstance(value, BaseModel):
        for key, cls in _TAGS.items():
            if isinstance(value, cls):
                return key
    return None


Condition = Annotated[
    Annotated[AnyOf, Tag("any_of")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Ref, Tag("rule")]
    | Annotated[AgeUnder, Tag("age_under")]
    | Annotated[ByAge, Tag("by_age")]
    | Annotated[Graded, Tag("graded")],
    Discriminator(
        _condition_key,
        custom_error_type="condition",
        custom_error_message=f"a condition must have exactly one key of: {', '.join(_KEYS)}",
    ),
]

_TAGS: dict[str, type[BaseModel]] = {
    "any_of": AnyOf, "all": AllOf, "any": AnyCondition, "not": NotOf, "rule": Ref,
    "age_under": AgeUnder, "by_age": ByAge, "graded": Graded,
}  # fmt: skip

for _cls in (AllOf, AnyCondition, NotOf, AgeBranches, Indicator, GradedSpec):
    _cls.model_rebuild()


class Collect(_Model):
    column: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
    label: Text


class Rule(_Model):
    """One screening rule: what it decides, from which facts, on whose authority."""

    id: RuleId
    version: Text
    title: Text
    citation: Text
    #: Verification of the source text, as in ``domain.md``: V seen, P partly, U unverified.
    verified: Literal["V", "P", "U"]
    when: Condition
    output: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")] | None = None
    collect: Collect | None = None
    note: str = ""


class RuleFile(_Model):
    """One YAML file: a framework, its version and source, and its rules."""

    framework: Text
    version: Text
    citation: Text
    rules: tuple[Rule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class RuleSet:
    """Validated rules from one or more files, in an order where every rule follows its inputs.

    Attributes
    ----------
    files
        ``(name, RuleFile)`` pairs as loaded.
    rules
        Every rule by id, in dependency order.
    """

    files: tuple[tuple[str, RuleFile], ...]
    rules: Mapping[str, Rule]

    @property
    def outputs(self) -> tuple[Rule, ...]:
        """Rules that write an output column, in load order."""
        return tuple(r for r in self._load_order() if r.output)

    @property
    def collected(self) -> tuple[Rule, ...]:
        """Rules that add a label to a list column, in load order."""
        return tuple(r for r in self._load_order() if r.collect)

    def versions(self) -> dict[str, str]:
        """Framework name → version, for reports and ``to_dict``."""
        return {f.framework: f.version for _, f in self.files}

    def _load_order(self) -> Iterator[Rule]:
        for _, rule_file in self.files:
            yield from rule_file.rules


def _children(cond: Any) -> Iterator[tuple[str, Any]]:
    """(yaml path suffix, child condition) pairs of a condition."""
    if isinstance(cond, AllOf):
        yield from ((f".all[{i}]", c) for i, c in enumerate(cond.all))
    elif isinstance(cond, AnyCondition):
        yield from ((f".any[{i}]", c) for i, c in enumerate(cond.any))
    elif isinstance(cond, NotOf):
        yield ".not", cond.not_
    elif isinstance(cond, ByAge):
        yield ".by_age.child", cond.by_age.child
        yield ".by_age.adult", cond.by_age.adult
    elif isinstance(cond, Graded):
        yield from (
            (f".graded.indicators[{i}].when", ind.when)
            for i, ind in enumerate(cond.graded.indicators)
        )


def walk(cond: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every condition in a tree with its YAML path, parents first."""
    yield path, cond
    for suffix, child in _children(cond):
        yield from walk(child, path + suffix)


def _check_codes(test: CodeTest, where: str) -> list[str]:
    column = COLUMNS_BY_NAME.get(test.field)
    if column is None:
        return [f"{where}.field: `{test.field}` is not a column of the record standard"]
    if column.kind not in ("code", "codes", "sex"):
        return [f"{where}.field: `{test.field}` is not a code column ({column.kind})"]
    allowed = {c.lower() for c in column.codes}
    return [
        f"{where}.codes: `{code}` is not a code of `{test.field}` "
        f"(allowed: {', '.join(column.codes)})"
        for code in (*test.codes, *test.uncertain)
        if code.lower() not in allowed
    ]


def _yaml_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS or part in ("function-after", "function-plain"):
            continue  # union tags repeat the key already in the path
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse(name: str, text: str) -> tuple[RuleFile | None, list[str]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return None, [f"{name}{where}: not valid YAML"]
    try:
        return RuleFile.model_validate(data), []
    except ValidationError as error:
        errors = error.errors()
        locs = [tuple(e["loc"]) for e in errors]
        # a list whose items failed is also reported as too short: keep only the items' errors
        return None, [
            f"{name}: {_yaml_path(e['loc']) or '(top)'}: {e['msg']}"
            for e, loc in zip(errors, locs, strict=True)
            if not any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs)
        ]


def _order(rules: Mapping[str, tuple[str, str, Rule]]) -> tuple[list[str], list[str]]:
    """Dependency order of rule ids, and problems (unknown references, cycles)."""
    problems: list[str] = []
    order: list[str] = []
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(rule_id: str, trail: tuple[str, ...], where: str) -> None:
        if state.get(rule_id) == 2:
            return
        if state.get(rule_id) == 1:
            problems.append(f"{where}: rules refer to each other in a cycle: {' → '.join(trail)}")
            return
        state[rule_id] = 1
        name, base, rule = rules[rule_id]
        for path, cond in walk(rule.when, f"{base}.when"):
            if isinstance(cond, Ref):
                if cond.rule in rules:
                    visit(cond.rule, (*trail, cond.rule), f"{name}: {path}.rule")
                else:
                    problems.append(f"{name}: {path}.rule: no rule has id `{cond.rule}`")
        state[rule_id] = 2
        order.append(rule_id)

    for rule_id, (name, base, _) in rules.items():
        visit(rule_id, (rule_id,), f"{name}: {base}")
    return order, problems


#: Bundled files in output-column order; any other bundled YAML follows, sorted by name.
_BUNDLED_ORDER = ("palermo.yaml", "ilo_forced_labour_2018.yaml", "ilo_ec_2009.yaml", "cap200.yaml")


def _bundled() -> list[tuple[str, str]]:
    folder = resources.files("darkfigure.screen") / "rules"
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".yaml"))
    names.sort(key=lambda n: _BUNDLED_ORDER.index(n) if n in _BUNDLED_ORDER else len(names))
    return [(f"rules/{n}", (folder / n).read_text(encoding="utf-8")) for n in names]


def rules_schema() -> dict[str, Any]:
    """The JSON Schema of a rules file, for editors and for checking user rules elsewhere.

    Examples
    --------
    >>> sorted(rules_schema()["properties"])
    ['citation', 'framework', 'rules', 'version']
    """
    return RuleFile.model_json_schema()


def load_rules(paths: Sequence[str | os.PathLike[str]] | None = None) -> RuleSet:
    """Load and validate screening rules: the bundled ones, or the YAML files given.

    Parameters
    ----------
    paths
        YAML files; ``None`` (default) loads the rules shipped in ``darkfigure/screen/rules``.

    Returns
    -------
    RuleSet

    Raises
    ------
    RulesError
        Listing every problem with its file and YAML path: invalid YAML, unknown operators,
        fields or codes not in the record standard, a rule without a citation, duplicate ids or
        output columns, references to unknown rules, cycles.

    Examples
    --------
    >>> rules = load_rules()
    >>> [r.output for r in rules.outputs][:2]
    ['palermo_trafficking', 'ilo_forced_labour']
    """
    if paths is None:
        sources = _bundled()
    else:
        sources = []
        for path in paths:
            try:
                sources.append((str(path), Path(path).read_text(encoding="utf-8")))
            except OSError as error:
                raise RulesError(f"{path}: cannot read the rules file ({error.strerror})") from None
    problems: list[str] = []
    files: list[tuple[str, RuleFile]] = []
    located: dict[str, tuple[str, str, Rule]] = {}
    outputs: dict[str, str] = {}
    for name, text in sources:
        rule_file, file_problems = _parse(name, text)
        problems += file_problems
        if rule_file is None:
            continue
        files.append((name, rule_file))
        for i, rule in enumerate(rule_file.rules):
            base = f"rules[{i}]"
            if rule.id in located:
                problems.append(f"{name}: {base}.id: `{rule.id}` is also defined in "
                                f"{located[rule.id][0]}")  # fmt: skip
                continue
            located[rule.id] = (name, base, rule)
            if rule.output:
                if rule.output in outputs:
                    problems.append(f"{name}: {base}.output: column `{rule.output}` is also "
                                    f"written by `{outputs[rule.output]}`")  # fmt: skip
                outputs[rule.output] = rule.id
            for path, cond in walk(rule.when, f"{base}.when"):
                if isinstance(cond, AnyOf):
                    found = _check_codes(cond.any_of, f"{path}.any_of")
                    problems += [f"{name}: {p}" for p in found]
    order, order_problems = _order(located)
    problems += order_problems
    if problems:
        raise RulesError("the screening rules do not validate:\n  " + "\n  ".join(problems))
    return RuleSet(files=tuple(files), rules={rule_id: located[rule_id][2] for rule_id in order})
