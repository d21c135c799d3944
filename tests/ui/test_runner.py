"""The simulation worker: preview then full run, latest request wins, cancel, errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QThreadPool

from simulator.model.errors import ScenarioError
from simulator.model.scenario import load
from ui.runner import SimulationController

from uihelpers import DEFAULT


@pytest.fixture
def controller(qtbot):
    c = SimulationController(debounce_ms=250)
    yield c
    c.shutdown()
    QThreadPool.globalInstance().waitForDone(30_000)
    qtbot.wait(10)   # deliver the workers' last queued signals
    c.deleteLater()


def test_preview_then_full_run(controller, qtbot):
    scenario = load(DEFAULT)
    seen = []
    controller.resultsReady.connect(lambda r, preview: seen.append((r.iterations, preview)))
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.request(scenario)
    assert seen == [(2_000, True), (scenario.iterations, False)]
    assert controller.latest.scenario == scenario and not controller.latest_is_preview


def test_small_runs_skip_the_preview(controller, qtbot):
    scenario = replace(load(DEFAULT), iterations=3_000)
    seen = []
    controller.resultsReady.connect(lambda r, preview: seen.append((r.iterations, preview)))
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.request(scenario)
    assert seen == [(3_000, False)]


def test_latest_request_wins(controller, qtbot):
    base = load(DEFAULT)
    slow = replace(base, iterations=400_000)
    fast = replace(base, seed=7, iterations=5_000)
    delivered = []
    controller.resultsReady.connect(lambda r, preview: delivered.append(r))
    controller.request(slow, immediate=True)
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.request(fast, immediate=True)
    QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(50)
    assert delivered, "the newest request delivered nothing"
    assert all(r.scenario == fast for r in delivered), "a superseded run's result was shown"
    assert controller.latest.scenario == fast


def test_edits_in_a_burst_are_debounced(controller, qtbot):
    base = load(DEFAULT)
    started = []
    controller.started.connect(lambda n, preview: started.append(n))
    for seed in range(10, 20):          # ten quick edits
        controller.request(replace(base, seed=seed, iterations=1_000))
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: controller.latest is not None and controller.latest.seed == 19, timeout=60_000)
    assert len(started) == 2          # the first at once, the last after the pause


def test_cancel_stops_between_chunks(controller, qtbot):
    big = replace(load(DEFAULT), iterations=2_000_000)
    with qtbot.waitSignal(controller.progressed, timeout=60_000):
        controller.request(big, immediate=True)
    with qtbot.waitSignal(controller.cancelled, timeout=30_000):
        controller.cancel()
    assert controller.latest is None or controller.latest.iterations != 2_000_000


def test_a_scenario_that_cannot_run_reports_a_scenario_error(controller, qtbot):
    from simulator.model.scenario import loads

    bad = loads("""
format = 1
title = "x"
horizon_years = 2
discount_rate = 0.1
iterations = 100
[variables]
zero = 0
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "B"
kind = "benefit"
amount = "1 / zero"
""")
    with qtbot.waitSignal(controller.failed, timeout=30_000) as blocker:
        controller.request(bad)
    exc, _details = blocker.args
    assert isinstance(exc, ScenarioError)
    assert exc.problems[0].path == "alternatives[0].items[0].amount"


def test_the_full_run_waits_for_the_preview_to_be_on_screen(controller, qtbot, monkeypatch):
    """On two cores the full run would slow the drawing of the preview: it starts when the
    window says the preview is shown (or after a bounded wait, here made long)."""
    import simulator.sim.engine as engine
    import ui.runner as runner

    monkeypatch.setattr(runner, "PREVIEW_HOLD_S", 60.0)
    calls = []
    real_run = engine.run
    monkeypatch.setattr(engine, "run", lambda sc, n, *a, **k: calls.append(n) or real_run(sc, n, *a, **k))
    scenario = load(DEFAULT)
    seen = []
    controller.resultsReady.connect(lambda r, preview: seen.append(preview))
    with qtbot.waitSignal(controller.resultsReady, timeout=60_000):
        controller.request(scenario)
    qtbot.wait(300)
    assert seen == [True] and calls == [2_000], "the full run started before the preview was shown"
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.release_full_run()
    assert seen == [True, False] and calls == [2_000, scenario.iterations]


def test_without_word_from_the_window_the_full_run_starts_anyway(controller, qtbot, monkeypatch):
    import ui.runner as runner

    monkeypatch.setattr(runner, "PREVIEW_HOLD_S", 0.05)
    seen = []
    controller.resultsReady.connect(lambda r, preview: seen.append(preview))
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.request(load(DEFAULT))
    assert seen == [True, False]
