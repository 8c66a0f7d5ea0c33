"""Simulation speed: ``darkfigure simulate`` with 1,000,000 victims, simulated and written.

Runs the real CLI in a child process (so the figure includes start-up, imports and writing every
file of the contract) and reads the child's CPU time and peak resident memory. Target: < 60 s on
2 cores. The machine is shared: the load average is printed, and the CPU time (user + system) is
the figure that does not depend on what else is running.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERSONS = 1_000_000
TARGET_SECONDS = 60.0


def _darkfigure() -> str:
    return str(Path(sys.executable).with_name("darkfigure"))


def run() -> None:
    """Simulate and write 1,000,000 victims of hk-default; print time, memory and sizes."""
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        out = Path(tmp) / "out"
        command = [_darkfigure(), "simulate", "--scenario", "hk-default", "--seed", "1",
                   "--persons", str(PERSONS), "--out", str(out), "--json"]  # fmt: skip
        print("command:", " ".join(command[:-3]), "--out OUT --json", flush=True)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kib = usage.ru_maxrss
        cpu = usage.ru_utime + usage.ru_stime
        summary = json.loads(done.stdout)
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        verdict = "PASS" if seconds < TARGET_SECONDS else "over"
        print(f"victims: {summary['true_total']:,}; observed: {summary['observed']:,}; "
              f"records written: {summary['records']:,}")  # fmt: skip
        print(f"wall time: {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s: {verdict}); "
              f"CPU time (user + system): {cpu:.1f} s; peak memory: {peak_kib / 1024:,.0f} MiB; "
              f"output: {size / 2**20:,.0f} MiB; cores: {os.cpu_count()}; "
              f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")  # fmt: skip
