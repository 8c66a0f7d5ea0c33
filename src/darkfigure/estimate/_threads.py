"""Keep BLAS single-threaded inside the fitting loops.

The fits are many small matrix products; OpenBLAS's own threads gain nothing on them and, when
the cores are busy (several processes, or our own bootstrap workers), their spin-waiting makes a
bootstrap 10–15× slower (measured: 16 s instead of 1.1 s for the UK stepwise bootstrap).
Parallelism comes from worker processes instead. Uses ``threadpoolctl`` when it is installed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ParamSpec, TypeVar

__all__ = ["single_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found once per process.

    Building it scans the process's shared libraries (about 1 ms); a bootstrap enters the
    limit a dozen times, so the scan is not repeated. NumPy's BLAS and SciPy's own (its wheels
    bundle a second OpenBLAS, which L-BFGS-B calls: unlimited, its spinning threads made a
    logit-normal fit 20x slower on a busy machine) are loaded first so that both are found.
    ``None`` without threadpoolctl.
    """
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:  # optional: without it BLAS keeps its default threads
        return None
    import numpy  # noqa: F401  (loads the BLAS libraries, which must be there to be found)
    import scipy.optimize  # noqa: F401

    return ThreadpoolController()


def _limit() -> AbstractContextManager[Any]:
    controller = _controller()
    if controller is None:
        return nullcontext()
    limiter: AbstractContextManager[Any] = controller.limit(limits=1, user_api="blas")
    return limiter


def single_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with BLAS limited to one thread."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _limit():
            return func(*args, **kwargs)

    return wrapper
