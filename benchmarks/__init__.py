"""Speed, memory and accuracy benchmarks: ``make bench`` or ``python -m benchmarks [NAME ...]``.

Each ``bench_<name>.py`` module defines ``run() -> None``, which measures and prints its figures
(and the command that reproduces them) for ``docs/benchmarks.md``.
"""
