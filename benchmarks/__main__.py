"""Run every benchmark, or those named: ``python -m benchmarks [NAME ...]`` (e.g. ``estimate``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def main(argv: list[str]) -> int:
    available = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(benchmarks.__path__)
        if m.name.startswith("bench_")
    )
    chosen = argv or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in chosen:
        print(f"== benchmark {name} ==", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"benchmarks.bench_{name}").run()
        print(f"== {name} done in {time.perf_counter() - start:.1f} s ==\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
