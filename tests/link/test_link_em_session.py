"""EM sessions survive an m probability that underflows (seen on real simulated lists)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from darkfigure.link import _model


@dataclasses.dataclass(frozen=True)
class _Training:
    max_iterations: int = 25


class _FakeLinker:
    """Splink's surface as `_em_session` uses it: EM fails above `fails_above` iterations."""

    def __init__(self, fails_above: int) -> None:
        self.fails_above = fails_above
        self.sessions: list[int] = []
        self.held = 0
        self._settings_obj = type("S", (), {"training_settings": _Training()})()
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
