"""The demo end to end, and the publish stage alone: wall and CPU time.

Command: ``.venv/bin/python -m benchmarks report``. The demo's budget is 3 minutes on 2 cores.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run() -> None:
    import pandas as pd

    from darkfigure.publish import read_estimates, write_report

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        command = [sys.executable, "-m", "darkfigure", "demo", "--out", str(out), "--seed", "1"]
        cpu0, start = _cpu_children(), time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - start, _cpu_children() - cpu0
        print(f"command: {' '.join(command[2:])}")
        print(f"exit {done.returncode}; wall {wall:.1f} s; CPU {cpu:.1f} s (budget: 180 s wall)")
        print(done.stdout)
        if done.returncode != 0:
            print(done.stderr[-2000:])
            return
        records = pd.read_csv(out / "linked" / "records.csv", dtype=str, keep_default_na=False)
        screened = pd.read_csv(out / "screened.csv", dtype=str, keep_default_na=False)
        estimates = read_estimates(out / "estimates.json")
        cpu0, start = time.process_time(), time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = write_report(records, estimates, screened=screened, out=out / "again.html")
        print(
            f"publish alone (write_report, both languages, {len(records):,} records): "
            f"wall {time.perf_counter() - start:.1f} s; CPU {time.process_time() - cpu0:.1f} s; "
            f"{result.suppressed} counts suppressed; "
            f"{(out / 'again.html').stat().st_size / 1e3:.0f} kB"
        )
        print(json.dumps(result.to_dict()["warnings"][:3], ensure_ascii=False))
