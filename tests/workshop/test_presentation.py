"""Presentation mode, driven with the keys a facilitator and a presenter clicker use (pytest-qt,
offscreen): F5 in, arrows and PageUp/PageDown through the views, each view's finding as the
headline, live edits and undo while presenting, the docked what-if sliders, Esc out."""

from __future__ import annotations

from dataclasses import replace
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from qtcheck import assert_qt_clean

from simulator.workshop import whatif as wi
from simulator.model.keys import variable as V
from simulator.model.scenario import load

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"


@pytest.fixture
def clean_qt(qapp):
    """At the end no worker may be running and no timer active; every window is closed."""
    yield qapp
    assert_qt_clean(visible_only=True)


class Host:
    """What the main window gives presentation mode: its document, its controller, a window."""

    def __init__(self, qtbot):
        from PySide6.QtWidgets import QLabel

        from ui.document import Document
        from ui.runner import SimulationController
        from ui.workshop.presentation import PresentationMode

        scenario = replace(load(DEFAULT), iterations=5_000)
        self.widget = QLabel("main window")
        qtbot.addWidget(self.widget)
        self.doc = Document(scenario, DEFAULT, self.widget)
        self.controller = SimulationController(self.widget, debounce_ms=50)
        self.doc.changed.connect(lambda s, _key: self.controller.request(s))   # as the main window does
        self.mode = PresentationMode(self.doc, self.controller, self.widget)
        self.widget.addAction(self.mode.action)                                  # the wiring: one line
        self.widget.resize(800, 600)
        self.widget.show()
        qtbot.waitExposed(self.widget)
        with qtbot.waitSignal(self.controller.resultsReady, timeout=60_000,
                              check_params_cb=lambda _r, preview: not preview):
            self.controller.request(self.doc.scenario, immediate=True)
        self.widget.activateWindow()
        qtbot.waitUntil(self.widget.isActiveWindow, timeout=5_000)

    def close(self, qtbot) -> None:
        self.mode.leave()
        self.controller.shutdown()
        qtbot.wait(20)


@pytest.fixture
def host(qtbot, clean_qt):
    h = Host(qtbot)
    yield h
    h.close(qtbot)


def enter(qtbot, host):
    qtbot.waitUntil(host.widget.isActiveWindow, timeout=5_000)   # leaving gives the main window back
    qtbot.keyClick(host.widget, Qt.Key.Key_F5)
    window = host.mode.window
    assert window is not None, "F5 did not enter presentation mode"
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    return window


def expected_finding(window, key: str) -> str:
    """The finding the app's own chart builder gives for the results on screen."""
    from matplotlib.figure import Figure

    from ui.charts import chart, colors_for

    results = window.results
    if key == "overview":
        return results.summary.verdict
    return chart(key).draw(Figure(), results, colors_for(results.names))


def wait_for_full_results(qtbot, window, scenario):
    """Until the full results of ``scenario`` are on screen (chart pictures included)."""
    qtbot.waitUntil(lambda: window.results is not None and window.results.scenario == scenario
                    and not window.preview and not window.live and not window.chart_view.busy, timeout=60_000)


def test_f5_enters_and_esc_leaves(qtbot, host):
    window = enter(qtbot, host)
    assert window.isFullScreen() and host.mode.active and host.mode.action.isChecked()
    assert window.view_key == "overview"
    assert window.headline.text() == host.controller.latest.summary.verdict
    assert window.status.text().startswith("5,000 simulated futures")
    with qtbot.waitSignal(host.mode.left, timeout=5_000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible() and not host.mode.active and not host.mode.action.isChecked()


def test_f5_in_the_window_leaves_too(qtbot, host):
    window = enter(qtbot, host)
    with qtbot.waitSignal(host.mode.left, timeout=5_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not host.mode.active
    window = enter(qtbot, host)          # and F5 on the main window enters again
    assert window.isVisible()


def test_arrow_keys_and_clicker_keys_step_through_the_views(qtbot, host):
    window = enter(qtbot, host)
    keys = [k for k, _ in window.views]
    assert keys[0] == "overview" and {"value", "risk", "cash", "head_to_head"} <= set(keys)
    for i, key in enumerate(keys[1:], start=1):
        with qtbot.waitSignal(window.viewChanged, timeout=10_000):
            qtbot.keyClick(window, Qt.Key.Key_Right)
        assert window.view_key == key and window.index == i
        assert window.headline.text() == expected_finding(window, key), key
        assert window.stack.currentWidget() is window.chart_view
    qtbot.keyClick(window, Qt.Key.Key_Right)              # the last view stays
    assert window.view_key == keys[-1]
    qtbot.keyClick(window, Qt.Key.Key_PageUp)             # what a presenter clicker sends
    assert window.view_key == keys[-2]
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.view_key == keys[-3]
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.view_key == keys[-2]
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.view_key == "overview" and window.headline.text() == window.results.summary.verdict
    assert window.stack.currentWidget() is window.verdict_view
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.view_key == keys[-1]


def test_an_edit_while_presenting_re_simulates_and_undo_brings_it_back(qtbot, host):
    window = enter(qtbot, host)
    with qtbot.waitSignal(window.viewChanged, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Right)          # the Value chart
    original, before = host.doc.scenario, window.headline.text()
    host.doc.propose(wi.shift_input(original, V("line_units"), 0.5), "What-if: Line units +50%")
    wait_for_full_results(qtbot, window, host.doc.scenario)
    assert window.headline.text() != before
    assert window.headline.text() == expected_finding(window, "value")
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # undo, in the window
    assert host.doc.scenario == original
    wait_for_full_results(qtbot, window, original)
    assert window.headline.text() == before               # same scenario, same seed: same finding
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)   # redo
    assert host.doc.scenario != original


def test_the_docked_what_if_sliders_move_the_view_live(qtbot, host):
    window = enter(qtbot, host)
    assert not window.dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_W)
    assert window.dock.isVisible() and window.whatif_toggle.isChecked()
    panel = window.whatif
    qtbot.waitUntil(lambda: V("line_units") in panel.labels(), timeout=60_000)
    slider = panel.slider(V("line_units"))
    assert slider.focusPolicy() == Qt.FocusPolicy.NoFocus     # the arrow keys stay with the views
    before = window.headline.text()
    slider.setSliderDown(True)
    with qtbot.waitSignal(window.updated, timeout=30_000):
        slider.setSliderPosition(50)
    qtbot.waitUntil(lambda: not panel.runner.busy, timeout=30_000)
    assert window.live and window.results.iterations == wi.preview_size(host.doc.scenario)   # as many as the full run
    assert wi.get_amount(window.results.scenario, V("line_units")) == wi.shift_amount(
        wi.get_amount(host.doc.scenario, V("line_units")), 0.5)
    assert window.status.text().startswith("What-if preview")
    assert window.headline.text() != before
    count = host.doc.undo_stack.count()
    slider.setSliderDown(False)                               # let go: one undoable change
    assert host.doc.undo_stack.count() == count + 1
    wait_for_full_results(qtbot, window, host.doc.scenario)
    qtbot.keyClick(window, Qt.Key.Key_Right)                  # keys still step the views
    assert window.view_key == "value"
    qtbot.keyClick(window, Qt.Key.Key_W)
    assert not window.dock.isVisible()


def test_the_charts_are_dark_with_legible_text(qtbot, host):
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    from ui.workshop.presentation import BG, TEXT_CONTRAST, contrast

    window = enter(qtbot, host)
    default_px = window.font().pixelSize() if window.font().pixelSize() > 0 else \
        window.font().pointSizeF() * window.logicalDpiY() / 72
    assert window.headline.font().pixelSize() >= 1.5 * default_px
    for key in ("value", "head_to_head", "drivers_of_uncertainty"):
        window.go_to(key)
        window.chart_view.render_now()
        fig = window.chart_view.figure
        assert to_rgba(fig.get_facecolor()) == to_rgba(BG)
        assert all(to_rgba(ax.get_facecolor()) == to_rgba(BG) for ax in fig.axes)
        on_cells = {id(t) for ax in fig.axes if ax.get_images() for t in ax.texts}
        for text in fig.findobj(Text):
            if text.get_visible() and text.get_text().strip() and id(text) not in on_cells:
                assert contrast(to_rgba(text.get_color())) >= TEXT_CONTRAST - 1e-6, (key, text.get_text())
        canvas = window.chart_view.canvas            # bigger type on bigger screens
        assert fig.dpi == pytest.approx(window.chart_view.dpi_for(canvas.width(), canvas.height()))
    assert window.chart_view.dpi_for(1850, 830) == pytest.approx(129.7, abs=0.1)   # a 1080-line projector


def test_enter_presentation_from_the_main_window_parts(qtbot, host):
    from ui.workshop.presentation import PresentationWindow, enter_presentation

    host.widget.doc, host.widget.controller = host.doc, host.controller    # what MainWindow has
    window = enter_presentation(host.widget, fullscreen=False)
    assert isinstance(window, PresentationWindow) and window.parent() is host.widget
    qtbot.waitExposed(window)
    assert window.headline.text() == host.controller.latest.summary.verdict
    window.close()
    window.deleteLater()


@pytest.mark.skipif(not os.environ.get("INVESTSIM_MEASURE"),
                    reason="a speed measurement for make bench (INVESTSIM_MEASURE=1), not a test")
def test_chart_update_rate_while_a_slider_moves(qtbot, host):
    """Chart redraws and previews per second in presentation mode (Value chart) while a
    slider is dragged without pause. Printed for the benchmark notes; no timing assertion."""
    from ui.bench import Drag

    window = enter(qtbot, host)
    window.set_whatif_visible(True)
    panel = window.whatif
    qtbot.waitUntil(lambda: V("line_units") in panel.labels(), timeout=60_000)
    slider = panel.slider(V("line_units"))
    lines = []
    for key in ("overview", "value"):
        window.go_to(key)
        qtbot.wait(200)
        renders = len(window.chart_view.render_times)
        drag = Drag(slider)
        start = drag.start
        qtbot.wait(3_000)
        elapsed = drag.stop()
        slider.setSliderDown(False)
        drawn = (len(window.chart_view.render_times) - renders) / elapsed
        lines.append(f"presentation {key}: {drag.moves / elapsed:.0f} slider moves/s -> "
                     f"{panel.updates_per_second(start):.1f} previews shown/s, {drawn:.1f} chart renders/s")
        wait_for_full_results(qtbot, window, host.doc.scenario)
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("\n" + "\n".join(lines) + f"\n(window {window.width()}x{window.height()}, load average {load1:.1f})")
    assert panel.updates_per_second() > 0
