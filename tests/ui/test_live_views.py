"""Charts as live views: a figure is built once per structure and redrawn in place for a new
result of the same shape; the picture is the one a fresh draw gives; another structure or size
builds afresh; the canvas uses public matplotlib API only."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.bundled import default_scenario
from simulator.model.scenario import load
from simulator.sim.engine import run
from ui.chart_tab import ChartTab
from ui.charts import ALL_CHARTS, chart_rc, colors_for
from ui.livecanvas import wait_for_renders

KEYS = [c.key for c in ALL_CHARTS]


@pytest.fixture(scope="module")
def two_runs():
    """The default scenario run twice (another seed: the same structure, other numbers), and a
    variant with one alternative fewer (another structure)."""
    scenario = load(default_scenario())
    a = run(scenario, iterations=2000)
    b = run(replace(scenario, seed=scenario.seed + 1), iterations=2000)
    fewer = run(replace(scenario, alternatives=scenario.alternatives[:1]), iterations=2000)
    return a, b, fewer


def _tab(qtbot, key: str) -> ChartTab:
    tab = ChartTab(key, key)
    qtbot.addWidget(tab)
    tab.resize(900, 620)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def _show(qtbot, tab: ChartTab, results) -> None:
    with qtbot.waitSignal(tab.drawn, timeout=60_000):
        tab.set_results(results, colors_for(results.names))
    wait_for_renders()


def _pixels(canvas) -> np.ndarray:
    return np.asarray(canvas.get_renderer().buffer_rgba()).copy()


def _fresh(spec, results, size_px, dpi, **options) -> np.ndarray:
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    with chart_rc():
        spec.draw(fig, results, colors_for(results.names), **options)
        canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("key", KEYS)
def test_a_new_result_of_the_same_shape_redraws_the_figure_in_place(qtbot, two_runs, key):
    a, b, _ = two_runs
    tab = _tab(qtbot, key)
    _show(qtbot, tab, a)
    _show(qtbot, tab, b)          # the spare figure (none yet): built
    first = tab.canvas.figure
    _show(qtbot, tab, a)          # now the figure replaced by b's is redrawn in place
    builds, updates = tab.canvas.builds, tab.canvas.updates
    assert updates >= 1, (builds, updates)
    _show(qtbot, tab, b)
    assert tab.canvas.updates == updates + 1 and tab.canvas.builds == builds
    assert tab.canvas.figure is first      # b's figure again, redrawn in place
    # ... and the picture is the one a fresh figure gives (same pixels, a little tolerance).
    spec = next(c for c in ALL_CHARTS if c.key == key)
    w, h = tab.canvas.get_width_height(physical=True)
    options = {"target": tab.target_box.currentData()} if tab.target_box is not None else {}
    fresh = _fresh(spec, b, (w, h), tab.canvas.figure.dpi, **options)
    shown = _pixels(tab.canvas)
    assert shown.shape == fresh.shape
    differ = np.mean(np.any(np.abs(shown.astype(int) - fresh.astype(int)) > 8, axis=-1))
    assert differ < 0.002, f"{differ:.2%} of the pixels differ from a fresh draw"
    assert tab.finding == spec.draw(Figure(figsize=(w / 100, h / 100)), b, colors_for(b.names), **options)


def test_another_structure_or_size_builds_a_new_figure(qtbot, two_runs):
    a, b, fewer = two_runs
    tab = _tab(qtbot, "value")
    for r in (a, b, a):
        _show(qtbot, tab, r)
    builds = tab.canvas.builds
    _show(qtbot, tab, fewer)                  # an alternative fewer: another structure
    assert tab.canvas.builds == builds + 1
    updates = tab.canvas.updates
    _show(qtbot, tab, a)                      # back: the spare (replaced by fewer's) is redrawn
    assert (tab.canvas.builds, tab.canvas.updates) == (builds + 1, updates + 1)
    _show(qtbot, tab, b)                      # the spare is fewer's now: built again
    assert tab.canvas.builds == builds + 2
    updates = tab.canvas.updates
    tab.resize(760, 560)                      # another size: built for it
    qtbot.waitUntil(lambda: not tab.canvas.busy, timeout=60_000)
    wait_for_renders()
    qtbot.waitUntil(lambda: not tab.canvas.busy, timeout=60_000)
    w, h = tab.canvas.get_width_height(physical=True)
    assert tuple(round(v) for v in tab.canvas.figure.bbox.size) == (w, h)
    assert tab.canvas.updates == updates      # never redrawn in place at another size


def test_listeners_follow_each_new_figure_once(qtbot, two_runs):
    a, b, _ = two_runs
    tab = _tab(qtbot, "value")
    _show(qtbot, tab, a)
    clicks = []
    cid = tab.canvas.mpl_connect("button_press_event", lambda e: clicks.append(e))
    for r in (b, a, b):
        _show(qtbot, tab, r)
    event = MouseEvent("button_press_event", tab.canvas, 10, 10, button=1)
    tab.canvas.callbacks.process("button_press_event", event)
    assert len(clicks) == 1               # moved to the figure on screen, not doubled
    tab.canvas.mpl_disconnect(cid)
    _show(qtbot, tab, a)
    tab.canvas.callbacks.process("button_press_event", MouseEvent("button_press_event", tab.canvas, 10, 10, button=1))
    assert len(clicks) == 1


def test_the_live_canvas_uses_no_private_matplotlib_api():
    source = (Path(__file__).resolve().parents[2] / "ui" / "livecanvas.py").read_text(encoding="utf-8")
    for name in ("_canvas_callbacks", "_button_pick_id", "_scroll_pick_id", "_set_dpi", "_process()",
                 "_get_renderer", "_nav_stack", "_lastKey", "_connect_picklable", "_original_dpi"):
        assert name not in source, name
    # attributes with a leading underscore are only read on the canvas itself (ours), never on
    # a figure, an axes, a toolbar or an event
    for owner in ("fig", "old", "figure", "toolbar", "ax", "agg", "event", "pic", "own", "callbacks"):
        assert not re.search(rf"\b{owner}\._[a-z]", source), owner
