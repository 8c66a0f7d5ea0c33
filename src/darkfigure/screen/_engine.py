"""Applying validated rules to records: values, the fields that left cases undecided, and why.

Records are first reduced to their *fact patterns*: the normalised code fields the rules read,
plus the age answers (under 16, 18, 21, ...). Thousands of records share a pattern, so rules
are evaluated once per pattern, vectorised over patterns with the Kleene arithmetic of
:mod:`._logic`, and the answers are mapped back to every record. Explanations are written per
pattern too, so they never contain a record's identity values: only codes and rule ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from darkfigure.records import COLUMNS_BY_NAME
from darkfigure.screen._logic import (
    INSUFFICIENT,
    LABELS,
    NO,
    YES,
    Truth,
    age_bounds,
    age_under,
    all_of,
    any_of,
    code_sets,
    codes_present,
    graded_element,
    negate,
    select_by,
)
from darkfigure.screen._rules import (
    AgeUnder,
    AllOf,
    AnyCondition,
    AnyOf,
    ByAge,
    Graded,
    NotOf,
    Ref,
    Rule,
    RuleSet,
    walk,
)

__all__ = ["AGE", "NOT_IN_STANDARD", "Evaluation", "evaluate", "factorize_keys"]

#: Pseudo-field named when an age was needed and neither ``age`` nor dates gave it.
AGE = "age or date_of_birth + date_identified"
#: Pseudo-field named when an ILO/EC element was left open by indicators no field records.
NOT_IN_STANDARD = "ILO/EC indicators not in the record standard"

#: Age at which Palermo and the ILO/EC lists switch from the child to the adult rule.
_CHILD_AGE = 18

#: ``sex_exploitation_type`` details ``exploitation_type: sexual`` (record standard): a listed
#: form of sexual exploitation implies ``sexual``, and a recorded exploitation type without
#: ``sexual`` means no form of sexual exploitation is recorded.
_DETAIL, _PARENT, _PARENT_CODE = "sex_exploitation_type", "exploitation_type", "sexual"

_STRENGTHS = ("strong", "medium", "weak")
_LETTER = {"strong": "S", "medium": "M", "weak": "W"}


@dataclass
class _Node:
    value: Truth
    missing: npt.NDArray[np.int64]  # bitmask of the fields whose absence left it undecided


@dataclass
class Evaluation:
    """Rule answers per fact pattern, and the record → pattern map.

    Attributes
    ----------
    rules
        The rule set that was applied.
    pattern
        For each record, the index of its fact pattern.
    patterns
        Number of distinct fact patterns.
    sets
        Per code field, the normalised ``;code;`` strings of each pattern.
    ages
        Per age threshold, the Kleene answer "under N" of each pattern.
    fields
        The names behind each bit of a ``missing`` mask.
    warnings
        Notes about the input (absent columns, codes outside the standard, unreadable ages).
    """

    rules: RuleSet
    pattern: npt.NDArray[np.int64]
    patterns: int
    sets: dict[str, npt.NDArray[np.object_]]
    ages: dict[int, Truth]
    fields: list[str]
    warnings: list[str] = field(default_factory=list)
    nodes: dict[int, _Node] = field(default_factory=dict)
    results: dict[str, _Node] = field(default_factory=dict)
    texts: dict[int, tuple[npt.NDArray[np.int64], list[str]]] = field(default_factory=dict)
    set_tables: dict[str, tuple[npt.NDArray[np.int64], pd.Series]] = field(default_factory=dict)

    # -- evaluation ---------------------------------------------------------------------------

    def _bit(self, name: str) -> int:
        return 1 << self.fields.index(name)

    def node(self, cond: Any) -> _Node:
        """The value of a condition for every pattern (memoised per condition object)."""
        key = id(cond)
        if key not in self.nodes:
            self.nodes[key] = self._compute(cond)
        return self.nodes[key]

    def _compute(self, cond: Any) -> _Node:
        n = self.patterns
        none = np.zeros(n, dtype=np.int64)
        if isinstance(cond, AnyOf):
            test = cond.any_of
            codes, distinct = self._set_table(test.field)  # test each distinct cell once
            known = distinct.to_numpy() != ""
            present = codes_present(distinct, test.codes)
            doubtful = codes_present(distinct, test.uncertain) if test.uncertain else ~known
            value = np.where(present, YES, np.where(~known | doubtful, INSUFFICIENT, NO))
            value = value.astype(np.int8)[codes]
            return _Node(value, np.where(value == INSUFFICIENT, self._bit(test.field), 0))
        if isinstance(cond, AgeUnder):
            value = self.ages[cond.age_under]
            return _Node(value, np.where(value == INSUFFICIENT, self._bit(AGE), 0))
        if isinstance(cond, Ref):
            return self.results[cond.rule]
        if isinstance(cond, NotOf):
            inner = self.node(cond.not_)
            return _Node(negate(inner.value), inner.missing)
        if isinstance(cond, AllOf | AnyCondition):
            parts = [self.node(c) for c in (cond.all if isinstance(cond, AllOf) else cond.any)]
            combine = all_of if isinstance(cond, AllOf) else any_of
            value = combine((p.value for p in parts), n)
            return _Node(value, self._open(value, parts, none))
        if isinstance(cond, ByAge):
            child = self.ages[_CHILD_AGE]
            young, old = self.node(cond.by_age.child), self.node(cond.by_age.adult)
            value = select_by(child, young.value, old.value)
            missing = np.where(
                child == YES, young.missing,
                np.where(child == NO, old.missing,
                         young.missing | old.missing | self._bit(AGE)),
            )  # fmt: skip
            return _Node(value, np.where(value == INSUFFICIENT, missing, 0))
        if isinstance(cond, Graded):
            return self._graded(cond, none)
        raise TypeError(f"unknown condition {type(cond).__name__}")  # the model forbids this

    @staticmethod
    def _open(
        value: Truth, parts: list[_Node], none: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The missing fields of the undecided parts, where the whole is undecided."""
        missing = none.copy()
        for part in parts:
            missing |= np.where(part.value == INSUFFICIENT, part.missing, 0)
        return np.where(value == INSUFFICIENT, missing, 0)

    def _graded(self, cond: Graded, none: npt.NDArray[np.int64]) -> _Node:
        spec = cond.graded
        parts = [self.node(ind.when) for ind in spec.indicators]
        by_age: dict[str, Truth] = {}
        for age_group in ("adult", "child"):
            grouped: dict[str, list[Truth]] = {s: [] for s in _STRENGTHS}
            for ind, part in zip(spec.indicators, parts, strict=True):
                grouped[getattr(ind.strength, age_group)].append(part.value)
            counts = getattr(spec.unrecorded, age_group)
            by_age[age_group] = graded_element(
                grouped["strong"], grouped["medium"], grouped["weak"], self.patterns,
                unknown=(counts.strong, counts.medium, counts.weak),
            )  # fmt: skip
        child = self.ages[_CHILD_AGE]
        value = select_by(child, by_age["child"], by_age["adult"])
        missing = self._open(value, parts, none)
        unrecorded = spec.unrecorded.adult.model_dump() | spec.unrecorded.child.model_dump()
        if any(unrecorded.values()):
            missing |= np.where(value == INSUFFICIENT, self._bit(NOT_IN_STANDARD), 0)
        differs = (child == INSUFFICIENT) & (by_age["child"] != by_age["adult"])
        missing |= np.where(differs, self._bit(AGE), 0)
        return _Node(value, missing)

    # -- explanations -------------------------------------------------------------------------

    def explain(self, cond: Any, i: int) -> str:
        """Which facts gave condition ``cond`` its value for pattern ``i`` (codes only)."""
        codes, strings = self.explanations(cond)
        return strings[int(codes[i])]

    def explanations(self, cond: Any) -> tuple[npt.NDArray[np.int64], list[str]]:
        """Explanations of ``cond`` for every pattern, as (code per pattern, distinct texts).

        Patterns whose explanation depends on the same facts share one text, which is written
        once from a representative pattern: far fewer texts than patterns.
        """
        key = id(cond)
        if key not in self.texts:
            codes, first = factorize_keys(self._explanation_key(cond), self.patterns)
            self.texts[key] = (codes, [self._describe(cond, int(i)) for i in first])
        return self.texts[key]

    def _explanation_key(self, cond: Any) -> list[npt.NDArray[np.int64]]:
        """The per-pattern facts that an explanation of ``cond`` depends on."""
        value = self.node(cond).value.astype(np.int64)
        if isinstance(cond, AnyOf):
            return [value, self._set_codes(cond.any_of.field)]
        if isinstance(cond, AgeUnder):
            return [value]
        if isinstance(cond, Ref):
            rule = self.rules.rules[cond.rule]
            return [value] if rule.output else [value, self.explanations(rule.when)[0]]
        if isinstance(cond, NotOf):
            return [self.explanations(cond.not_)[0]]
        if isinstance(cond, AllOf | AnyCondition):
            parts = cond.all if isinstance(cond, AllOf) else cond.any
            # only the parts that share the whole's value are explained
            return [value] + [
                np.where(self.node(c).value == self.node(cond).value, self.explanations(c)[0], -1)
                for c in parts
            ]
        if isinstance(cond, ByAge):
            return [value, self.ages[_CHILD_AGE].astype(np.int64),
                    self.explanations(cond.by_age.child)[0],
                    self.explanations(cond.by_age.adult)[0]]  # fmt: skip
        if isinstance(cond, Graded):
            return [value, self.ages[_CHILD_AGE].astype(np.int64)] + [
                self.node(ind.when).value.astype(np.int64) for ind in cond.graded.indicators
            ]
        raise TypeError(f"unknown condition {type(cond).__name__}")

    def _set_table(self, name: str) -> tuple[npt.NDArray[np.int64], pd.Series]:
        """The field's code per pattern, and its distinct normalised cells."""
        if name not in self.set_tables:
            codes, distinct = pd.factorize(self.sets[name])
            self.set_tables[name] = (codes.astype(np.int64), pd.Series(distinct, dtype=object))
        return self.set_tables[name]

    def _set_codes(self, name: str) -> npt.NDArray[np.int64]:
        return self._set_table(name)[0]

    def _describe(self, cond: Any, i: int) -> str:
        """The explanation of ``cond`` for one representative pattern ``i``."""
        node = self.node(cond)
        value = int(node.value[i])
        if isinstance(cond, AnyOf):
            test = cond.any_of
            recorded = [c for c in str(self.sets[test.field][i]).split(";") if c]
            if value == YES:
                wanted = {c.lower() for c in test.codes}
                return f"{test.field}={','.join(c for c in recorded if c in wanted)}"
            if not recorded:
                return f"{test.field} not recorded"
            return f"{test.field}={','.join(recorded)}"
        if isinstance(cond, AgeUnder):
            years = cond.age_under
            if value == YES:
                return f"under {years}"
            return f"{years} or over" if value == NO else "age unknown"
        if isinstance(cond, Ref):
            rule = self.rules.rules[cond.rule]
            if rule.output:  # explained in its own column; name it only
                return f"{rule.id}={LABELS[value]}"
            return f"{rule.id}={LABELS[value]}({self.explain(rule.when, i)})"
        if isinstance(cond, NotOf):
            return f"not {self.explain(cond.not_, i)}"
        if isinstance(cond, AllOf | AnyCondition):
            parts = cond.all if isinstance(cond, AllOf) else cond.any
            chosen = [c for c in parts if int(self.node(c).value[i]) == value]
            return "; ".join(self.explain(c, i) for c in chosen)
        if isinstance(cond, ByAge):
            child = int(self.ages[_CHILD_AGE][i])
            if child == YES:
                return f"child: {self.explain(cond.by_age.child, i)}"
            if child == NO:
                return f"adult: {self.explain(cond.by_age.adult, i)}"
            return (f"age unknown; as a child: {self.explain(cond.by_age.child, i)}; "
                    f"as an adult: {self.explain(cond.by_age.adult, i)}")  # fmt: skip
        if isinstance(cond, Graded):
            return self._explain_graded(cond, i, value)
        raise TypeError(f"unknown condition {type(cond).__name__}")

    def _explain_graded(self, cond: Graded, i: int, value: int) -> str:
        child = int(self.ages[_CHILD_AGE][i])
        group = "child" if child == YES else "adult"
        shown = []
        for ind in cond.graded.indicators:
            if int(self.node(ind.when).value[i]) == YES:
                shown.append(f"{ind.id}({_LETTER[getattr(ind.strength, group)]})")
        found = ", ".join(shown) if shown else "none recorded"
        if value == YES:
            return found
        if value == NO:
            return f"{found}; short of the rule"
        return f"{found}; open (indicators not recorded)"

    def missing_names(self, mask: int) -> list[str]:
        """Field names of a missing-fields bitmask."""
        return [name for bit, name in enumerate(self.fields) if mask >> bit & 1]


def _code_fields(rules: RuleSet) -> tuple[list[str], set[int]]:
    """The code fields the rules read, and the age thresholds they use."""
    fields: list[str] = []
    years: set[int] = {_CHILD_AGE}
    for rule in rules.rules.values():
        for _, cond in walk(rule.when):
            if isinstance(cond, AnyOf) and cond.any_of.field not in fields:
                fields.append(cond.any_of.field)
            elif isinstance(cond, AgeUnder):
                years.add(cond.age_under)
    for name in (_DETAIL, _PARENT):
        if name not in fields:
            fields.append(name)
    return fields, years


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series("", index=frame.index, dtype=object)


def _outside_standard(
    name: str, normalised: pd.Series, counts: npt.NDArray[np.int64]
) -> str | None:
    """A warning naming codes outside the standard in one column (codes are not identities)."""
    allowed = {c.lower() for c in COLUMNS_BY_NAME[name].codes} | {"unknown"}
    strange: dict[str, int] = {}
    for text, count in zip(normalised, counts, strict=True):
        for code in str(text).split(";"):
            if code and code not in allowed:
                strange[code] = strange.get(code, 0) + int(count)
    if not strange:
        return None
    shown = ", ".join(sorted(strange)[:5]) + (", ..." if len(strange) > 5 else "")
    return (
        f"column `{name}`: {sum(strange.values())} record(s) hold codes outside the record "
        f"standard ({shown}); they were ignored. Run `darkfigure validate` on the lists."
    )


def _patterns(frame: pd.DataFrame, rules: RuleSet) -> Evaluation:
    """Reduce records to fact patterns (vectorised: factorise, never loop over rows)."""
    fields, years = _code_fields(rules)
    warnings: list[str] = []
    keys: list[npt.NDArray[np.int64]] = []
    per_field: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.object_]]] = []
    for name in fields:
        if name not in frame.columns:
            warnings.append(f"column `{name}` is absent: it is taken as not recorded.")
        raw_codes, raw_uniques = pd.factorize(_column(frame, name).astype("string").fillna(""))
        normalised = code_sets(pd.Series(raw_uniques, dtype=object))
        norm_codes, norm_uniques = pd.factorize(normalised)
        record_codes = norm_codes[raw_codes]
        counts = np.bincount(record_codes, minlength=len(norm_uniques))
        note = _outside_standard(name, pd.Series(norm_uniques), counts)
        if note:
            warnings.append(note)
        keys.append(record_codes.astype(np.int64))
        per_field.append((name, record_codes, np.asarray(norm_uniques, dtype=object)))
    low, high = age_bounds(_column(frame, "age"), _column(frame, "date_of_birth"),
                           _column(frame, "date_identified"))  # fmt: skip
    given = sum((_column(frame, c).astype("string").fillna("").str.strip() != "").to_numpy()
                for c in ("age", "date_of_birth"))  # fmt: skip
    unreadable = int(np.sum((given > 0) & np.isnan(low)))
    if unreadable:
        warnings.append(f"{unreadable} record(s) have an age or date of birth from which no age "
                        "at identification could be read (unreadable, or no date_identified); "
                        "their age is taken as unknown.")  # fmt: skip
    record_ages = {y: age_under(low, high, y) for y in sorted(years)}
    keys += [v.astype(np.int64) for v in record_ages.values()]
    pattern, first = factorize_keys(keys, len(frame))
    sets = {name: uniques[codes[first]] for name, codes, uniques in per_field}
    contradicts = _refine(sets)
    if contradicts.any():
        count = int(np.bincount(pattern, minlength=len(first))[contradicts].sum())
        warnings.append(f"{count} record(s) list a form of sexual exploitation but an "
                        "exploitation type without `sexual`; they were screened as sexual "
                        "exploitation. Check the lists.")  # fmt: skip
    ages = {y: v[first] for y, v in record_ages.items()}
    return Evaluation(
        rules=rules, pattern=pattern, patterns=len(first), sets=sets, ages=ages,
        fields=[*fields, AGE, NOT_IN_STANDARD], warnings=warnings,
    )  # fmt: skip


def factorize_keys(
    keys: list[npt.NDArray[np.int64]], size: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pattern index per record and the first record of each pattern, from integer key columns."""
    combined = np.zeros(size, dtype=np.int64)
    for key in keys:
        # mixed radix, re-compacted each step so the number never overflows
        combined = combined * (int(key.max(initial=-1)) + 2) + (key + 1)
        combined, _ = pd.factorize(combined)
        combined = combined.astype(np.int64)
    _, first = np.unique(combined, return_index=True)
    return combined, first.astype(np.int64)


def _refine(sets: dict[str, npt.NDArray[np.object_]]) -> npt.NDArray[np.bool_]:
    """Apply the standard's detail relation between sex_exploitation_type and its parent.

    Returns, per pattern, whether the two contradicted each other (a form of sexual
    exploitation with an exploitation type recorded without ``sexual``); the form wins.
    """
    detail = pd.Series(sets[_DETAIL], dtype=object)
    parent = pd.Series(sets[_PARENT], dtype=object)
    has_detail = ~np.isin(detail.to_numpy(), ["", ";none;"])
    parent_known = parent.to_numpy() != ""
    parent_sexual = codes_present(parent, [_PARENT_CODE])
    contradicts = has_detail & parent_known & ~parent_sexual
    add_parent = has_detail & ~parent_sexual
    parent = parent.where(~add_parent, np.where(parent_known, parent + f"{_PARENT_CODE};",
                                                f";{_PARENT_CODE};"))  # fmt: skip
    no_detail = parent_known & ~parent_sexual & ~has_detail
    detail = detail.where(~no_detail, ";none;")
    sets[_DETAIL] = detail.to_numpy(dtype=object)
    sets[_PARENT] = parent.to_numpy(dtype=object)
    return np.asarray(contradicts, dtype=bool)


def evaluate(frame: pd.DataFrame, rules: RuleSet) -> Evaluation:
    """Evaluate every rule for every fact pattern of ``frame``."""
    evaluation = _patterns(frame, rules)
    for rule_id, rule in rules.rules.items():
        evaluation.results[rule_id] = evaluation.node(rule.when)
    return evaluation


def iter_outputs(evaluation: Evaluation) -> Iterator[tuple[Rule, _Node]]:
    """Output rules with their per-pattern results, in order."""
    for rule in evaluation.rules.outputs:
        yield rule, evaluation.results[rule.id]
