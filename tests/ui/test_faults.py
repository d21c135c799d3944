"""Faults during runs: closing the window, opening another file or editing while a big run is
in flight never crashes, never shows a stale result, and leaves no worker behind."""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import QThreadPool

from simulator.model.scenario import load
from ui.livecanvas import wait_for_renders

from uihelpers import DEFAULT, SCENARIOS


def start_big_run(window, qtbot, iterations: int = 3_000_000) -> None:
    """Ask for a run long enough to still be going, and wait until it is under way."""
    with qtbot.waitSignal(window.controller.progressed, timeout=60_000):
        window.doc.propose(replace(window.doc.scenario, iterations=iterations), "Futures")
    assert window.controller.running


def test_closing_the_window_during_a_run_stops_it_and_leaves_no_thread(make_window, qtbot):
    threads_before = set(threading.enumerate())
    window = make_window()
    window.select_tab("value")               # a chart picture may be in the making too
    start_big_run(window, qtbot)
    window.doc.undo_stack.setClean()         # nothing to ask about
    assert window.close()
    assert QThreadPool.globalInstance().waitForDone(10_000) and wait_for_renders(10_000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                and not isinstance(t, threading._DummyThread)]   # Qt's pool threads, seen from Python
    assert not leftover, f"threads left running: {leftover}"


def test_opening_another_file_during_a_run_shows_only_the_new_file(make_window, qtbot):
    window = make_window()
    start_big_run(window, qtbot)
    window.doc.undo_stack.setClean()
    other = next(p for p in sorted(SCENARIOS.glob("*.toml")) if p != DEFAULT)
    shown = []
    window.controller.resultsReady.connect(lambda r, _preview: shown.append(r.scenario.title))
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        assert window.open_path(other, ask=False)
    title = load(other).title
    assert shown and set(shown) == {title}, "a result of the old file reached the screen"
    assert window.overview.results.scenario.title == title


def test_editing_during_a_run_replaces_it_with_the_edited_scenario(make_window, qtbot):
    window = make_window()
    start_big_run(window, qtbot)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        window.doc.propose(replace(window.doc.scenario, iterations=4_000, seed=7), "Futures")
    results = window.overview.results
    assert results.iterations == 4_000 and results.seed == 7
    assert window.doc.scenario == results.scenario
