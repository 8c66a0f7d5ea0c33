"""Validation speed and memory: ``darkfigure validate`` on 1,000,000 synthetic records, and on a
2 GB file (streamed in chunks: memory must not grow with the file).

Each run is the real CLI in a child process; its peak memory is the child's maximum resident set
size (``resource.getrusage(RUSAGE_CHILDREN)`` read by a fresh wrapper process, so runs do not
mix). Targets: 1M rows in < 20 s and < 2 GB peak on 2 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROWS = 1_000_000
BIG_BYTES = 2 << 30

_FAMILY = ["CHAN", "Chan", "WONG", "Lee", "Santos", "Reyes", "García López", "Nguyen", "Sari"]
_GIVEN = ["Siu Mei", "Siu-mei", "Xiaomei", "Ma. Cristina", "Ana", "Lan", "Dewi", "Mandy Siu Mei"]
_ZH = ["陳小美", "陈小美", "黃嘉欣", "李美玲", ""]
_SEX = ["F", "female", "女", "M", "male", "男", "", "F"]
_CITIZENSHIP = ["PHL", "Philippines", "Filipino", "菲律賓", "IDN", "Indonesian", "印尼", "Mainland",
                "CHN", "HK", "香港", "THA", "Vietnam", "越南", "COL", ""]  # fmt: skip
_EXPLOITATION = ["sexual", "forced_labour", "domestic_servitude;forced_labour",
                 "forced_criminality"]  # fmt: skip
_CONTROL = ["debt_bondage;withholds_documents", "none", "threats_law_enforcement", "", "threats"]
_DISTRICTS = ["Yau Tsim Mong", "Sham Shui Po", "深水埗區", "Wan Chai", "kowloon city", ""]


def _pick(rng: np.random.Generator, pool: list[str], n: int) -> pa.Array:
    return pa.array(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], pa.string())


def _digits(rng: np.random.Generator, n: int, low: int, high: int, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(rng.integers(low, high, n).astype(str)), width=width, padding="0")


def make_records(n: int, seed: int, id_prefix: str = "R") -> pa.Table:
    """``n`` synthetic records in the standard, with the mixed spellings real lists have."""
    rng = np.random.default_rng(seed)
    day, month = _digits(rng, n, 1, 29, 2), _digits(rng, n, 1, 13, 2)
    year = pa.array(rng.integers(1960, 2008, n).astype(str))
    dob_dmy = pc.binary_join_element_wise(day, month, year, "/")
    dob_iso = pc.binary_join_element_wise(year, month, day, "-")
    dob = pc.if_else(pa.array(rng.random(n) < 0.5), dob_dmy, dob_iso)
    dob = pc.if_else(pa.array(rng.random(n) < 0.1), year, dob)  # year only
    # Valid Hong Kong mobile prefixes, and 2 % typed with a digit missing (to the slow path).
    phone8 = _digits(rng, n, 0, 1_000_000, 6)
    phone8 = pc.binary_join_element_wise(_pick(rng, ["94", "96", "97", "63", "64", "61"], n),
                                         phone8, "")  # fmt: skip
    phone8 = pc.if_else(pa.array(rng.random(n) < 0.02), pc.utf8_slice_codeunits(phone8, 0, 7),
                        phone8)  # fmt: skip
    spaced = pc.binary_join_element_wise(pc.utf8_slice_codeunits(phone8, 0, 4),
                                         pc.utf8_slice_codeunits(phone8, 4, 8), " ")  # fmt: skip
    phone = pc.if_else(pa.array(rng.random(n) < 0.5), spaced, phone8)
    phone = pc.if_else(pa.array(rng.random(n) < 0.3), "", phone)
    ids = pc.binary_join_element_wise(id_prefix, pa.array(np.arange(n).astype(str)), "")
    return pa.table({
        "record_id": ids,
        "family_name": _pick(rng, _FAMILY, n),
        "given_name": _pick(rng, _GIVEN, n),
        "name_zh": _pick(rng, _ZH, n),
        "sex": _pick(rng, _SEX, n),
        "date_of_birth": dob,
        "age": pa.array(rng.integers(14, 60, n).astype(str)),
        "citizenship": _pick(rng, _CITIZENSHIP, n),
        "document_number": pc.binary_join_element_wise("K", _digits(rng, n, 0, 10**7, 7), ""),
        "phone": phone,
        "date_identified": pc.binary_join_element_wise("2024", month, day, "-"),
        "district": _pick(rng, _DISTRICTS, n),
        "exploitation_type": _pick(rng, _EXPLOITATION, n),
        "means_of_control": _pick(rng, _CONTROL, n),
        "entry_permit": _pick(rng, ["visitor", "fdh", "two_way_permit", "resident", ""], n),
    })  # fmt: skip


def _write_csv(table: pa.Table, path: Path, header: bool = True) -> None:
    options = pacsv.WriteOptions(include_header=header, quoting_style="needed")
    with path.open("ab") as f:
        pacsv.write_csv(table, f, write_options=options)


def _measure(command: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB, exit code) of ``command`` in a fresh child.

    CPU time (user + system) is reported beside wall time because the machine is shared: when
    other jobs compete for the 2 cores, wall time grows but CPU time does not.
    """
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)"
        ".returncode\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss, rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True
    )
    seconds, cpu, rss_kib, rc = result.stdout.split()
    return float(seconds), float(cpu), int(rss_kib) / 1024, int(rc)


def run() -> None:
    """Time and measure ``darkfigure validate`` on 1M records and on a 2 GB file."""
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        folder = Path(tmp)
        one_m = folder / "police.csv"
        _write_csv(make_records(ROWS, seed=1), one_m)
        size_mb = one_m.stat().st_size / 2**20
        cli = str(Path(sys.executable).with_name("darkfigure"))
        print(f"cores: {os.cpu_count()}; input: {ROWS:,} records, {size_mb:.0f} MiB CSV")
        for label, extra in (("validate", []), ("validate --out", ["--out", str(folder / "o.pq")])):
            seconds, cpu, rss, rc = _measure([cli, "validate", str(one_m), *extra])
            print(f"{label:>16}: 1M rows {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak RSS "
                  f"{rss:6.0f} MiB, exit {rc}  (target < 20 s, < 2048 MiB)")  # fmt: skip
        api = f"from darkfigure.records import read_lists; read_lists({str(one_m)!r})"
        seconds, cpu, rss, rc = _measure([sys.executable, "-c", api])
        print(f"{'read_lists()':>16}: 1M rows {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak RSS "
              f"{rss:6.0f} MiB (the whole normalised table in memory)")  # fmt: skip
        big = folder / "big.csv"
        start, part = time.perf_counter(), 0
        while not big.exists() or big.stat().st_size < BIG_BYTES:
            _write_csv(make_records(ROWS, seed=part, id_prefix=f"B{part}-"), big, header=part == 0)
            part += 1
        print(f"2 GB file: {big.stat().st_size / 2**30:.2f} GiB, {part * ROWS:,} records "
              f"(made in {time.perf_counter() - start:.0f} s)")  # fmt: skip
        seconds, cpu, rss, rc = _measure([cli, "validate", str(big)])
        print(f"{'validate':>16}: 2 GB {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak RSS "
              f"{rss:6.0f} MiB, exit {rc}")  # fmt: skip
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} (2 cores)")
    print("command: .venv/bin/python -m benchmarks validate")
