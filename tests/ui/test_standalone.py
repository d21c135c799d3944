"""Every window runs on its own for quick looks (``python -m ui.<module>``), and the boundary
between the engine and the screen holds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from uihelpers import DEFAULT, ROOT


@pytest.mark.parametrize("module", ["overview", "chart_tab", "amount_editor", "inspector", "main_window"])
def test_demo_widgets_build_and_show(qtbot, module):
    import importlib

    mod = importlib.import_module(f"ui.{module}")
    widget = mod.demo(str(DEFAULT))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    if module == "main_window":
        with qtbot.waitSignal(widget.fullResultsShown, timeout=60_000):
            pass
        widget.doc.undo_stack.setClean()
        widget.close()


def test_chart_tabs_known_up_front_match_the_chart_builders():
    from ui.chart_tab import CHART_TABS
    from ui.charts import CHARTS

    known = {key: title for key, title, _ in CHART_TABS}
    for spec in CHARTS:
        if spec.key in known:
            assert known[spec.key] == spec.title


def test_the_window_picks_up_every_chart(window, qtbot):
    from ui.chart_tab import chart_specs

    specs = list(chart_specs().values())
    window.sync_chart_tabs()
    assert [window.tabs.widget(i).key for i in range(1, window.tabs.count())] == [s.key for s in specs]
    assert [window.tabs.tabText(i) for i in range(1, window.tabs.count())] == [s.title for s in specs]
    assert len(window._view_actions) == window.tabs.count()
    # every chart draws for these results, and charts with a target offer a choice
    for spec in specs:
        tab = window.chart_tabs[spec.key]
        with qtbot.waitSignal(tab.drawn, timeout=60_000):
            window.tabs.setCurrentWidget(tab)
        assert tab.error is None, tab.error
        assert tab.finding
        if getattr(spec, "targets", None) is not None:
            choices = [tab.target_box.itemData(i) for i in range(tab.target_box.count())]
            assert choices == list(spec.targets(window.overview.results))
            if len(choices) > 1:
                other = choices[-1]
                with qtbot.waitSignal(tab.drawn, timeout=60_000):
                    tab.target_box.setCurrentIndex(len(choices) - 1)
                    tab.target_box.activated.emit(len(choices) - 1)
                assert tab.target == other and tab.error is None


def test_engine_and_describe_import_no_qt_and_no_matplotlib():
    code = ("import sys, simulator.sim.engine, simulator.analysis.describe, simulator.analysis.summary, simulator.workshop.edits, ui.numbers;"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'matplotlib'))]; print(bad)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_first_window_does_not_wait_for_matplotlib():
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from ui.main_window import MainWindow; w = MainWindow(persist=False); w.show();"
            "print([m for m in sys.modules if m.startswith('matplotlib')])")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
