"""The screening facade: records in, classification columns and their reasons out."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from darkfigure._summary import Summary
from darkfigure.errors import InputError
from darkfigure.records import RecordSet, read_lists
from darkfigure.screen._engine import Evaluation, evaluate, factorize_keys
from darkfigure.screen._logic import INSUFFICIENT, LABELS, YES, labels
from darkfigure.screen._rules import Rule, RuleSet, load_rules

__all__ = ["EXPLANATION", "MISSING", "Screening", "screen_records"]

#: Output column with the reasons, and with the fields that left answers undecided.
EXPLANATION = "screen_explanation"
MISSING = "screen_missing"

PathLike = str | os.PathLike[str]

_NOTES = (
    "A consistent screening aid, not a legal determination: the answers say what the recorded "
    "facts would amount to under each framework; an offence also needs proof about an offender.",
    "'insufficient' means a field the rule needs was not recorded; it never counts as 'no'.",
    "ILO/EC 2009 needs indicators the record standard does not hold, so from case records it "
    "answers 'yes' or 'insufficient', never 'no'.",
)


@dataclass(frozen=True, eq=False)
class Screening:
    """Screened records and what they add up to.

    Attributes
    ----------
    frame
        The input columns plus one column per classification (``yes``/``no``/``insufficient``),
        ``cap200_offences`` (``;``-list of sections engaged), ``cap200_offences_insufficient``,
        ``screen_missing`` (fields whose absence left an answer undecided) and
        ``screen_explanation`` (which facts satisfied which rule; codes and rule ids only).
    rules
        The rules applied.
    warnings
        Notes about the input (absent columns, codes outside the standard, unreadable ages).
    missing
        Per classification column, per field: records left ``insufficient`` for lack of it.
    """

    frame: pd.DataFrame
    rules: RuleSet
    warnings: tuple[str, ...] = ()
    missing: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def outputs(self) -> tuple[str, ...]:
        """The classification columns, in order."""
        return tuple(r.output for r in self.rules.outputs if r.output)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{column: {"yes": n, "no": n, "insufficient": n}}`` for every classification."""
        out = {}
        for column in self.outputs:
            values = self.frame[column].astype(str).value_counts()
            out[column] = {
                label: int(values.get(label, 0)) for label in ("yes", "no", "insufficient")
            }
        return out

    def offences(self) -> dict[str, dict[str, int]]:
        """Per collected label (e.g. ``s.129``): records where it is engaged or undecided."""
        out: dict[str, dict[str, int]] = {}
        for rule in self.rules.collected:
            assert rule.collect is not None  # collected rules have it
            column, label = rule.collect.column, rule.collect.label
            out[label] = {
                "engaged": _count_label(self.frame[column], label),
                "undecided": _count_label(self.frame[f"{column}_insufficient"], label),
            }
        return out

    def missing_fields(self) -> list[tuple[str, int]]:
        """Fields whose absence left records undecided (any classification), most frequent first."""
        counts: dict[str, int] = {}
        for value, n in self.frame[MISSING].astype(str).value_counts().items():
            for name in str(value).split(";"):
                if name:
                    counts[name] = counts.get(name, 0) + int(n)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def _left_open(self, name: str) -> dict[str, int]:
        return {c: self.missing.get(c, {}).get(name, 0) for c in self.outputs}

    def summary(self) -> Summary:
        """Counts per classification, the legal gap, offences and the fields most often missing."""
        counts = self.counts()
        gap = counts.get("legal_gap", {"yes": 0, "no": 0, "insufficient": 0})
        lists = self.frame["list_name"].nunique() if "list_name" in self.frame else 0
        header: tuple[tuple[str, Any], ...] = (
            ("records", len(self.frame)),
            ("lists", int(lists)),
            ("legal gap: trafficked under Palermo, outside s.129", gap["yes"]),
            ("legal gap undecided (insufficient)", gap["insufficient"]),
            *((f"rules: {name}", version) for name, version in self.rules.versions().items()),
        )
        summary = Summary("Screening", header=header, warnings=self.warnings, notes=_NOTES)
        summary = summary.with_table(
            "Classifications", ("column", "yes", "no", "insufficient"),
            [(c, v["yes"], v["no"], v["insufficient"]) for c, v in counts.items()],
        )  # fmt: skip
        summary = summary.with_table(
            "Cap. 200 offences the facts may engage", ("section", "engaged", "undecided"),
            [(s, v["engaged"], v["undecided"]) for s, v in self.offences().items()],
        )  # fmt: skip
        rows = [
            (name, total, ", ".join(f"{c} {n:,}" for c, n in self._left_open(name).items() if n))
            for name, total in self.missing_fields()
        ]
        return summary.with_table(
            "Fields whose absence left records undecided (record them to decide more cases)",
            ("field", "records", "answers left insufficient"), rows,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Aggregates as JSON-safe data (the ``screen --json`` object); never records."""
        return {
            "records": len(self.frame),
            "classifications": self.counts(),
            "legal_gap": self.counts().get("legal_gap", {}),
            "offences": self.offences(),
            "missing_fields": [
                {"field": name, "records": total, "by_column": self._left_open(name)}
                for name, total in self.missing_fields()
            ],
            "rules": self.rules.versions(),
            "warnings": list(self.warnings),
        }

    def explain(self, record_id: str, *, list_name: str | None = None) -> str:
        """Every output for one record: value, the facts behind it, the rule and its citation.

        Raises
        ------
        InputError
            No record has that id (in that list).
        """
        rows = self.frame["record_id"].astype(str) == str(record_id)
        if list_name is not None and "list_name" in self.frame:
            rows &= self.frame["list_name"].astype(str) == list_name
        chosen = self.frame[rows]
        if chosen.empty:
            where = f" in list `{list_name}`" if list_name else ""
            raise InputError(f"no record has record_id `{record_id}`{where}")
        evaluation = evaluate(chosen.reset_index(drop=True), self.rules)
        blocks = []
        for i in range(len(chosen)):
            p = int(evaluation.pattern[i])
            name = chosen.iloc[i].get("list_name", "")
            lines = [f"record {name}/{record_id}" if name else f"record {record_id}"]
            for rule in self.rules.outputs:
                result = evaluation.results[rule.id]
                lines.append(f"  {rule.output}: {LABELS[int(result.value[p])]} — {rule.title}")
                lines.append(f"    facts: {evaluation.explain(rule.when, p)}")
                if result.value[p] == INSUFFICIENT:
                    missing = evaluation.missing_names(int(result.missing[p]))
                    lines.append(f"    undecided for lack of: {', '.join(missing)}")
                lines.append(f"    rule {rule.id} v{rule.version} [{rule.verified}]: "
                             f"{rule.citation}")  # fmt: skip
            for rule in self.rules.collected:
                value = int(evaluation.results[rule.id].value[p])
                if value != 0 and rule.collect is not None:
                    lines.append(f"  {rule.collect.label} ({rule.title}): {LABELS[value]} — "
                                 f"{evaluation.explain(rule.when, p)}")  # fmt: skip
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def _count_label(column: pd.Series, label: str) -> int:
    padded = ";" + column.astype(str) + ";"
    return int(padded.str.contains(f";{label};", regex=False).sum())


def _per_pattern(
    keys: list[npt.NDArray[np.int64]], n: int, text: Callable[[int], str]
) -> npt.NDArray[np.object_]:
    """A text per pattern, written once per distinct key (``text`` gets a representative)."""
    codes, first = factorize_keys(keys, n)
    return np.array([text(int(i)) for i in first], dtype=object)[codes]


def _labels_where(
    names: list[str], values: list[npt.NDArray[np.int8]], wanted: np.int8
) -> Callable[[int], str]:
    """For a pattern, the ``;``-list of the names whose value is ``wanted``."""

    def text(p: int) -> str:
        return ";".join(name for name, v in zip(names, values, strict=True) if v[p] == wanted)

    return text


def _apply(
    frame: pd.DataFrame, evaluation: Evaluation
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """The output columns per pattern, mapped back onto every record; missing-field counts."""
    rules = evaluation.rules
    n = evaluation.patterns
    out = frame.copy()
    pattern = evaluation.pattern
    weight = np.bincount(pattern, minlength=n)
    missing = np.zeros(n, dtype=np.int64)
    by_output: dict[str, dict[str, int]] = {}
    texts: list[tuple[str, Rule, npt.NDArray[np.int64], list[str]]] = []
    for rule in rules.outputs:
        assert rule.output is not None  # output rules have it
        result = evaluation.results[rule.id]
        out[rule.output] = labels(result.value)[pattern]
        left_open = np.where(result.value == INSUFFICIENT, result.missing, 0)
        missing |= left_open
        by_output[rule.output] = {
            name: int(weight[(left_open >> bit & 1).astype(bool)].sum())
            for bit, name in enumerate(evaluation.fields)
            if np.any(left_open >> bit & 1)
        }
        texts.append((rule.output, rule, *evaluation.explanations(rule.when)))

    def explanation(p: int) -> str:
        return " | ".join(
            f"{column}={LABELS[int(evaluation.results[rule.id].value[p])]}: {strings[codes[p]]}"
            for column, rule, codes, strings in texts
        )

    keys = [codes for _, _, codes, _ in texts]
    keys += [evaluation.results[rule.id].value.astype(np.int64) for rule in rules.outputs]
    out[EXPLANATION] = _per_pattern(keys, n, explanation)[pattern]
    out[MISSING] = _per_pattern(
        [missing], n, lambda p: ";".join(evaluation.missing_names(int(missing[p])))
    )[pattern]
    columns: dict[str, list[Rule]] = {}
    for rule in rules.collected:
        assert rule.collect is not None  # collected rules have it
        columns.setdefault(rule.collect.column, []).append(rule)
    for column, members in columns.items():
        values = [evaluation.results[r.id].value for r in members]
        keys = [v.astype(np.int64) for v in values]
        names = [r.collect.label for r in members if r.collect is not None]
        for suffix, wanted in (("", YES), ("_insufficient", INSUFFICIENT)):
            text = _labels_where(names, values, wanted)
            out[column + suffix] = _per_pattern(keys, n, text)[pattern]
    return out, by_output


def screen_records(
    records: pd.DataFrame | RecordSet | PathLike | Sequence[PathLike],
    *,
    rules: RuleSet | Sequence[PathLike] | None = None,
) -> Screening:
    """Classify every record under the Palermo Protocol, the ILO frameworks and Cap. 200.

    Parameters
    ----------
    records
        A frame in the record standard, a :class:`~darkfigure.records.RecordSet`, or list files
        (read and validated with :func:`~darkfigure.records.read_lists`).
    rules
        A loaded :class:`RuleSet`, YAML files to load, or ``None`` for the bundled rules.

    Returns
    -------
    Screening

    Raises
    ------
    RecordError
        The list files do not validate (the message lists file, row, column and reason).
    RulesError
        The rules do not validate.

    Examples
    --------
    >>> frame = pd.DataFrame({"record_id": ["1"], "age": ["24"], "recruitment": ["job_offer"],
    ...     "movement": ["domestic"], "means_of_control": ["false_promises;debt_bondage"],
    ...     "exploitation_type": ["sexual"], "sex_exploitation_type": ["prostitution"]})
    >>> row = screen_records(frame).frame.iloc[0]
    >>> row["palermo_trafficking"], row["cap200_s129"], row["legal_gap"]
    ('yes', 'no', 'yes')
    """
    if isinstance(records, pd.DataFrame):
        frame = records.reset_index(drop=True)
    else:
        if not isinstance(records, RecordSet):
            records = read_lists(records)
        records.report.raise_if_invalid()
        frame = records.frame
    rule_set = rules if isinstance(rules, RuleSet) else load_rules(rules)
    evaluation = evaluate(frame, rule_set)
    screened, missing = _apply(frame, evaluation)
    return Screening(frame=screened, rules=rule_set, warnings=tuple(evaluation.warnings),
                     missing=missing)  # fmt: skip
