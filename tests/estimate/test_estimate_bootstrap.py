"""The bootstrap wrapper: determinism, BCa arithmetic, refitting clones when not batched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from darkfigure.estimate import Bootstrap, ClosedPopulation, LogLinear, estimate_population
from darkfigure.estimate._bootstrap import bca_limits
from darkfigure.histories import CaptureHistories

TABLE = CaptureHistories.from_frame(
    pd.DataFrame(
        {
            "A": [1, 0, 0, 1, 1, 0, 1],
            "B": [0, 1, 0, 1, 0, 1, 1],
            "C": [0, 0, 1, 0, 1, 1, 1],
            "count": [60, 45, 50, 12, 9, 8, 3],
        }
    )
)


def test_same_seed_same_interval_whatever_the_number_of_processes() -> None:
    one = Bootstrap(LogLinear(selection="stepwise"), n_resamples=300, seed=7, jobs=1).fit(TABLE)
    two = Bootstrap(LogLinear(selection="stepwise"), n_resamples=300, seed=7, jobs=2).fit(TABLE)
    np.testing.assert_array_equal(one.replicates_, two.replicates_)
    assert one.estimate_.to_dict() == two.estimate_.to_dict()
    other = Bootstrap(LogLinear(selection="stepwise"), n_resamples=300, seed=8, jobs=1).fit(TABLE)
    assert other.estimate_.interval != one.estimate_.interval


def test_bca_with_no_bias_or_acceleration_is_the_percentile_interval() -> None:
    reps = np.random.default_rng(0).normal(100.0, 10.0, 4001)
    probs = np.array([0.025, 0.975])
    limits, used = bca_limits(reps, float(np.median(reps)), 0.0, probs)
    np.testing.assert_allclose(used, probs, atol=1e-3)
    np.testing.assert_allclose(limits, np.quantile(reps, probs), rtol=1e-3)


def test_percentile_kind_and_parametric_resampling() -> None:
    est = estimate_population(
        TABLE,
        method="main",
        bootstrap=200,
        bootstrap_kind="percentile",
        resample="parametric",
        seed=1,
    )
    assert est.interval is not None
    assert est.interval.kind == "percentile"
    assert est.interval.lower < est.estimate < est.interval.upper
    assert est.diagnostics["bootstrap"]["resample"] == "parametric"


def test_estimators_without_batch_path_are_refitted_by_clones() -> None:
    boot = Bootstrap(ClosedPopulation(model="m0"), n_resamples=50, seed=3, jobs=1).fit(TABLE)
    assert np.isfinite(boot.replicates_).all()
    assert boot.estimate_.method == "m0"
    assert boot.estimate_.interval is not None
    assert boot.estimate_.interval.kind == "bca"


def test_selection_is_redone_in_replicates() -> None:
    est = estimate_population(TABLE, method="bic", bootstrap=200, seed=2)
    chosen = est.diagnostics["bootstrap"]["models_chosen"]
    assert len(chosen) > 1  # different replicates chose different models
    assert sum(c["share"] for c in chosen) <= 1.0 + 1e-12


def test_bootstrap_needs_replicates() -> None:
    from darkfigure.errors import SettingsError

    with pytest.raises(SettingsError, match="at least 2"):
        Bootstrap(LogLinear(), n_resamples=1).fit(TABLE)


def test_bic_bootstrap_is_the_same_whatever_the_number_of_processes() -> None:
    # 600 replicates make several tasks (and a jackknife task) for the worker processes
    one = Bootstrap(LogLinear(selection="bic"), n_resamples=600, seed=5, jobs=1).fit(TABLE)
    two = Bootstrap(LogLinear(selection="bic"), n_resamples=600, seed=5, jobs=2).fit(TABLE)
    np.testing.assert_array_equal(one.replicates_, two.replicates_)
    assert one.estimate_.to_dict() == two.estimate_.to_dict()


def test_blas_runs_single_threaded_inside_the_fits() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from darkfigure.estimate._threads import single_blas_thread

    def blas_threads() -> set[int]:  # NumPy's BLAS: the one the fits use (SciPy may add its own)
        return {
            i["num_threads"]
            for i in threadpoolctl.threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i["filepath"]
        }

    assert blas_threads(), "NumPy's BLAS should be visible to threadpoolctl"
    assert single_blas_thread(blas_threads)() == {1}
    assert single_blas_thread(blas_threads)() == {1}  # the cached controller still limits
