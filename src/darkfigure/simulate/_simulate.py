"""The facade: :func:`simulate_world` and the :class:`World` it returns."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import yaml

from darkfigure._files import write_atomic, write_text_atomic
from darkfigure._summary import Summary
from darkfigure.errors import InputError
from darkfigure.histories import CaptureHistories
from darkfigure.simulate import _codes as codes
from darkfigure.simulate._capture import FUNNEL_STAGES, Captures, capture
from darkfigure.simulate._names import render
from darkfigure.simulate._recording import ListRecords, record_list
from darkfigure.simulate._scenario import Scenario, load_scenario
from darkfigure.simulate._world import Population, draw_population, mask_to_codes

__all__ = ["World", "simulate_world"]

#: Called with (step description, steps done, steps in all) as the simulation advances.
Progress = Callable[[str, int, int], None]


Columns = dict[str, np.ndarray[Any, Any]]


def _csv(columns: Columns | pd.DataFrame) -> Callable[[Path], None]:
    """A writer of a table as UTF-8 CSV, empty strings as empty cells, no index.

    Arrow's writer is several times faster than pandas' (it matters at a million people); it
    refuses values that would need quoting, and those (rare) tables go through pandas, which
    quotes them. Either way the same table always gives the same bytes.
    """
    if isinstance(columns, pd.DataFrame):
        columns = {str(c): columns[c].to_numpy() for c in columns.columns}

    def write(path: Path) -> None:
        arrays = []
        for values in columns.values():
            array = pa.array(values)
            if pa.types.is_string(array.type):
                array = pa_compute.if_else(pa_compute.equal(array, ""), None, array)
            arrays.append(array)
        table = pa.table(arrays, names=list(columns))
        try:
            with path.open("wb") as handle:
                handle.write((",".join(columns) + "\n").encode())
                options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
                pa_csv.write_csv(table, handle, options)
        except pa.ArrowInvalid:
            pd.DataFrame(columns).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")

    return write


@dataclass(frozen=True, eq=False)
class World:
    """A simulated year: the true population and the lists each organisation holds.

    ``summary()`` and ``to_dict()`` hold only counts; the people and their records are in
    :attr:`lists`, :meth:`persons_frame` and :meth:`records_truth`, and on disk via :meth:`write`.

    Attributes
    ----------
    scenario
        The fully resolved scenario (with ``seed`` and ``persons`` set).
    population
        The true attributes of every person (synthetic).
    captures
        Who is on which list and when.
    lists
        List name → :class:`ListRecords` (the record-standard table and its truth).
    """

    scenario: Scenario
    population: Population
    captures: Captures
    lists: dict[str, ListRecords]

    @property
    def seed(self) -> int:
        """The seed the world was drawn with."""
        assert self.scenario.seed is not None  # set by simulate_world
        return self.scenario.seed

    @cached_property
    def person_ids(self) -> np.ndarray[Any, np.dtype[np.object_]]:
        """``P0000001`` … in population order."""
        width = max(7, len(str(self.population.n)))
        numbers = np.strings.zfill(np.arange(1, self.population.n + 1).astype("U"), width)
        return np.strings.add("P", numbers).astype(object)

    def histories(self) -> CaptureHistories:
        """The true capture-history table (people, not records; duplicates counted once)."""
        seen = self.captures.seen
        weights = 1 << np.arange(seen.shape[1], dtype=np.int64)
        cells = np.bincount(seen.astype(np.int64) @ weights, minlength=1 << seen.shape[1])
        return CaptureHistories.from_cells(self.captures.lists, cells)

    def records_truth(self) -> pd.DataFrame:
        """``list_name, record_id, person_id, name_style``: whom every record is about."""
        frames = [
            pd.DataFrame(
                {
                    "list_name": name,
                    "record_id": rec.frame["record_id"],
                    "person_id": self.person_ids[rec.person],
                    "name_style": rec.style,
                }
            )
            for name, rec in self.lists.items()
        ]
        return pd.concat(frames, ignore_index=True)

    def persons_frame(self) -> pd.DataFrame:
        """The true attributes of every person, names in their document form, and which lists
        saw them (``on_<list>``; ``<list>_stage`` for lists with a funnel)."""
        return pd.DataFrame(self._persons_columns())

    def _persons_columns(self) -> Columns:
        pop = self.population
        names = render(
            pop.names, np.full(pop.n, "document", dtype=object), np.zeros(pop.n), simplified=False
        )
        frame: Columns = {
            "person_id": self.person_ids,
            "group": pop.group,
            "family_name": names.family_name,
            "given_name": names.given_name,
            "full_name": names.full_name,
            "name_zh": names.name_zh,
            "sex": pop.sex,
            "age": pop.age,
            "date_of_birth": np.datetime_as_string(pop.date_of_birth, unit="D"),
            "citizenship": pop.citizenship,
            "document_number": pop.document_number,
            "phone": pop.phone,
            "entry_permit": pop.entry_permit,
            "exploitation_type": pop.exploitation_type,
            "sex_exploitation_type": pop.sex_exploitation_type,
            "recruitment": pop.recruitment,
            "recruitment_apps": pop.recruitment_apps,
            "recruiter_relation": pop.recruiter_relation,
            "means_of_control": mask_to_codes(pop.control, codes.MEANS_OF_CONTROL),
            "movement": pop.movement,
            "origin_country": pop.origin_country,
            "destination_country": pop.destination_country,
            "venue": pop.venue,
            "organised_crime": pop.organised_crime,
            "district": pop.district,
            "duration_months": np.round(pop.duration_months, 1),
            "active_from": np.datetime_as_string(pop.active_from, unit="D"),
            "active_to": np.datetime_as_string(pop.active_to, unit="D"),
            "visibility": np.round(pop.visibility, 4),
        }
        for j, name in enumerate(self.captures.lists):
            frame[f"on_{name}"] = self.captures.seen[:, j].astype(np.int8)
        for name, stage in self.captures.stage.items():
            frame[f"{name}_stage"] = np.array(["", *FUNNEL_STAGES], dtype=object)[stage + 1]
        frame["n_lists"] = self.captures.seen.sum(axis=1)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The truth in aggregate (``truth/summary.json``): totals, per-list counts, the true
        capture-history table and the funnels. JSON-safe; no person-level data."""
        table = self.histories()
        frame = table.to_frame()
        per_list = {}
        for j, name in enumerate(self.captures.lists):
            rec = self.lists[name]
            per_list[name] = {
                "in_scope": int(self.captures.in_scope[:, j].sum()),
                "persons": int(self.captures.seen[:, j].sum()),
                "records": len(rec.frame),
                "duplicate_records": int(rec.duplicate.sum()),
                "referred_only": int(self.captures.referred[:, j].sum()),
            }
        funnels = {
            name: {s: int((stage >= i).sum()) for i, s in enumerate(FUNNEL_STAGES)}
            for name, stage in self.captures.stage.items()
        }
        observed = int(self.captures.seen.any(axis=1).sum())
        return {
            "scenario": self.scenario.scenario,
            "seed": self.seed,
            "year": self.scenario.year,
            "heterogeneity": self.scenario.heterogeneity,
            "dependence": self.scenario.dependence,
            "true_total": self.population.n,
            "observed": observed,
            "unobserved": self.population.n - observed,
            "records": sum(len(r.frame) for r in self.lists.values()),
            "lists": per_list,
            "funnels": funnels,
            "histories": {
                "columns": [*table.lists, "count"],
                "rows": frame.to_numpy(dtype=np.int64).tolist(),
            },
        }

    def summary(self) -> Summary:
        """Counts for people: the true total, each list's size, and the overlaps."""
        data = self.to_dict()
        seen = self.captures.seen
        lists = self.captures.lists
        rows = [
            (
                name,
                info["in_scope"],
                info["persons"],
                info["records"],
                info["duplicate_records"],
                int((seen[:, j] & (seen.sum(axis=1) == 1)).sum()),
            )
            for j, (name, info) in enumerate(data["lists"].items())
        ]
        overlap = seen.T.astype(np.int64) @ seen.astype(np.int64)
        overlap_rows = [
            (a, *(int(overlap[i, k]) for k in range(len(lists)))) for i, a in enumerate(lists)
        ]
        share = data["observed"] / data["true_total"]
        summary = Summary(
            f"Simulated year {data['year']}: scenario {data['scenario']} (seed {data['seed']})",
            header=(
                ("true total (victims)", data["true_total"]),
                ("observed (on at least one list)", data["observed"]),
                ("share observed", f"{share:.1%}"),
                ("records written", data["records"]),
                ("heterogeneity", "on" if data["heterogeneity"] else "off"),
                ("dependence (referrals)", "on" if data["dependence"] else "off"),
            ),
            notes=(
                "Synthetic people only; the truth is in truth/ and must not be given to the "
                "linkage or estimation stages under test.",
            ),
        )
        summary = summary.with_table(
            "Lists",
            ("list", "in scope", "persons", "records", "duplicates", "only on this list"),
            rows,
        )
        summary = summary.with_table(
            "Overlaps (persons on both lists)", ("list", *lists), overlap_rows
        )
        for name, counts in data["funnels"].items():
            summary = summary.with_table(
                f"Screening funnel: {name}", ("stage", "persons"), list(counts.items())
            )
        return summary

    def lists_yaml(self) -> str:
        """``lists.yaml``: whom each list can see, by record-standard fields."""
        doc: dict[str, Any] = {"lists": {}}
        for name, org in self.scenario.organisations.items():
            entry: dict[str, Any] = {"label": org.label}
            if org.description:
                entry["description"] = org.description
            entry["sees"] = {field: list(values) for field, values in org.scope.items()} or "all"
            targets = [t for t, share in org.referrals.items() if share > 0]
            if self.scenario.dependence and targets:
                entry["refers_to"] = targets
            if org.funnel is not None:
                entry["records_from_stage"] = org.funnel.record_at
            doc["lists"][name] = entry
        header = (
            "# Whom each list can see (its scope), by record-standard fields. A person outside a\n"
            "# list's scope can never be on it: such cells are structural zeros for estimation.\n"
            "# `sees: all` means no restriction; `sees: {citizenship: [PHL]}` means only people\n"
            "# whose citizenship is PHL. Conditions on several fields must all hold.\n"
            "# `refers_to` names the lists this list passes people on to (referral pathways,\n"
            "# which the organisations know); estimation models the share referred.\n"
        )
        return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)

    def write(
        self, out: str | os.PathLike[str], *, force: bool = False, progress: Progress | None = None
    ) -> Path:
        """Write the contract to ``out``: ``lists/``, ``truth/``, ``scenario.yaml``, ``lists.yaml``.

        Everything is written into a temporary directory beside ``out`` and renamed onto it at
        the end, so ``out`` never holds half a simulation.

        Raises
        ------
        InputError
            ``out`` exists, is not empty and ``force`` is false (nothing is written).
        """
        target = Path(out)
        if target.exists() and (not target.is_dir() or any(target.iterdir())) and not force:
            raise InputError(
                f"{target}: exists and is not empty; choose another --out or pass "
                "--force to replace it"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        steps = len(self.lists) + 5
        done = 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(what, done, steps)

        try:
            for name, rec in self.lists.items():
                write_atomic(staging / "lists" / f"{name}.csv", _csv(rec.frame))
                step(f"wrote lists/{name}.csv")
            write_atomic(staging / "truth" / "persons.csv", _csv(self._persons_columns()))
            step("wrote truth/persons.csv")
            write_atomic(staging / "truth" / "records.csv", _csv(self.records_truth()))
            write_atomic(staging / "truth" / "histories.csv", _csv(self.histories().to_frame()))
            step("wrote truth/records.csv")
            write_text_atomic(
                staging / "truth" / "summary.json",
                json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n",
            )
            step("wrote truth/summary.json")
            write_text_atomic(staging / "scenario.yaml", self.scenario.to_yaml())
            write_text_atomic(staging / "lists.yaml", self.lists_yaml())
            step("wrote scenario.yaml, lists.yaml")
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
                os.replace(target, old / "previous")
                os.replace(staging, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging, target)
            step(f"moved into {target}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target


def simulate_world(
    scenario: str | os.PathLike[str] | Scenario = "hk-default",
    *,
    seed: int | None = None,
    persons: int | None = None,
    overrides: Iterable[str] = (),
    progress: Progress | None = None,
) -> World:
    """Simulate one year of victims and the lists organisations would hold about them.

    Parameters
    ----------
    scenario
        A packaged scenario's name (see :func:`list_scenarios`), a YAML path, or a
        :class:`Scenario`.
    seed
        The seed (default: the scenario's ``seed``, else 0). The same scenario and seed give
        the same world and byte-identical files.
    persons
        Overrides the scenario's number of victims (the true total).
    overrides
        ``key.path=value`` assignments applied to the scenario before validation.
    progress
        Optional callback ``(step, done, total)``.

    Returns
    -------
    World

    Raises
    ------
    ScenarioError
        The scenario or an override does not validate (each problem by YAML path).

    Examples
    --------
    >>> world = simulate_world("hk-small", seed=1)
    >>> world.to_dict()["true_total"]
    2000
    >>> world.to_dict()["observed"] < 2000
    True
    """
    resolved = load_scenario(scenario, overrides=overrides, persons=persons, seed=seed)
    if resolved.seed is None:
        resolved = resolved.model_copy(update={"seed": 0})
    assert resolved.seed is not None
    s = resolved.seed
    total = len(resolved.organisations) + 2

    def step(what: str, done: int) -> None:
        if progress is not None:
            progress(what, done, total)

    population = draw_population(resolved, s, resolved.persons)
    step("drew the population", 1)
    captures = capture(resolved, population, s)
    step("decided who is on which list", 2)
    lists: dict[str, ListRecords] = {}
    for i, name in enumerate(resolved.lists, start=3):
        lists[name] = record_list(resolved, name, population, captures, s)
        step(f"recorded list {name}", i)
    return World(resolved, population, captures, lists)
