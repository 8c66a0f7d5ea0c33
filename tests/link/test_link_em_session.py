"""EM sessions survive an m probability that underflows (seen on real simulated lists)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from darkfigure.link import _model, read_records
from darkfigure.link._features import derive_features


@dataclasses.dataclass(frozen=True)
class _Training:
    max_iterations: int = 25


class _Model:
    def copy(self) -> _Model:
        return _Model()


class _FakeLinker:
    """Splink's surface as `_em_session` uses it: EM fails above `fails_above` iterations."""

    def __init__(self, fails_above: int) -> None:
        self.fails_above = fails_above
        self.sessions: list[int] = []
        self.held = 0
        self._settings_obj = type(
            "S", (), {"training_settings": _Training(), "core_model_settings": _Model()}
        )()
        self.training = self

    def estimate_parameters_using_expectation_maximisation(self, rule: Any, **_: Any) -> None:
        iterations = self._settings_obj.training_settings.max_iterations
        self.sessions.append(iterations)
        if iterations > self.fails_above and self.held == 0:
            raise ValueError("m_probability value 1e-305 is below the minimum allowed value")


def test_underflow_is_held_and_the_full_session_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    linker = _FakeLinker(fails_above=6)

    def hold(fake: _FakeLinker) -> None:
        fake.held += 1

    monkeypatch.setattr(_model, "_hold_vanishing_m", hold)
    _model._em_session(linker, "rule")
    # 25 fails, 12 fails, 6 succeeds; vanishing m held; the full session runs again.
    assert linker.sessions == [25, 12, 6, 25]
    assert linker.held == 1
    assert linker._settings_obj.training_settings.max_iterations == 25  # restored


def test_a_session_that_never_trains_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    linker = _FakeLinker(fails_above=0)
    monkeypatch.setattr(_model, "_hold_vanishing_m", lambda fake: None)
    with pytest.raises(ValueError, match="underflows"):
        _model._em_session(linker, "rule")
    assert linker._settings_obj.training_settings.max_iterations == 25


def _features(world: Path) -> pd.DataFrame:
    files = sorted((world / "lists").glob("*.csv"))
    return derive_features(read_records(files).reset_index(drop=True))


def test_a_failed_session_leaves_every_comparison_in_the_model(
    small_world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Splink's EM session drops the comparisons its blocking rule uses from the linker's own
    settings and puts them back only on success; the name comparison then left the model for
    good and linkage ran without names (F1 0.93 instead of 0.96 on hk-default seed 1)."""
    from splink import Linker
    from splink.internals.em_training_session import EMTrainingSession

    from darkfigure.link._engine import make_db_api, quiet_splink

    def underflow(self: Any) -> None:
        raise ValueError("m_probability value 1e-305 is below the minimum allowed value")

    monkeypatch.setattr(EMTrainingSession, "_train", underflow)
    rule = "l.nm_sig = r.nm_sig AND l.nm_len >= 2"
    with quiet_splink():
        table = make_db_api("duckdb").register(_features(small_world))
        linker = Linker(
            table, _model._settings(address=False, case_facts=False, scope="rules"), log_level=None
        )
        names = [c.output_column_name for c in linker._settings_obj.comparisons]
        assert "name" in names
        prior = linker._settings_obj._probability_two_random_records_match
        with pytest.raises(ValueError, match="below the minimum"):
            _model._train_em(linker, rule)
        assert [c.output_column_name for c in linker._settings_obj.comparisons] == names
        assert linker._settings_obj._probability_two_random_records_match == prior
        # Splink unguarded (why _train_em exists): the name comparison is gone.
        with pytest.raises(ValueError, match="below the minimum"):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        assert "name" not in [c.output_column_name for c in linker._settings_obj.comparisons]
