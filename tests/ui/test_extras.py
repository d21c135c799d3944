"""Exports, the guided set-up and the workshop menu, as a user reaches them from the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QFileDialog

from simulator.model.scenario import load
from uihelpers import bundled_files


def _save_to(monkeypatch, path: Path, filt: str = "") -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), filt))


def _menu_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_menus_offer_exports_guide_and_workshop(window):
    assert "Workshop" in _menu_titles(window)
    texts = {a.text().replace("&", "") for a in window.findChildren(type(window.act_save))}
    for wanted in ("New from guide…", "Report (PDF, HTML, Excel)…", "Chart…", "Simulated data (CSV)…",
                   "Teams side by side…", "Calibration trainer…", "Gut call first", "About investsim"):
        assert wanted in texts, wanted


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx"])
def test_export_report_writes_the_file(window, qtbot, monkeypatch, tmp_path, suffix):
    from ui import extras

    target = tmp_path / f"case{suffix}"
    _save_to(monkeypatch, target)
    extras.export_report(window)
    qtbot.waitUntil(lambda: target.exists() and QThreadPool.globalInstance().activeThreadCount() == 0,
                    timeout=60_000)
    assert target.stat().st_size > 1000
    if suffix == ".pdf":
        from pypdf import PdfReader

        text = " ".join(" ".join(page.extract_text() for page in PdfReader(str(target)).pages[:1]).split())
        assert window.doc.scenario.alternatives[0].name in text


def test_a_failed_export_says_why_and_writes_nothing(window, qtbot, monkeypatch, tmp_path):
    from ui import extras

    target = tmp_path / "missing-folder" / "case.pdf"
    _save_to(monkeypatch, target)
    extras.export_report(window)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=60_000)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=10_000)
    assert not target.exists() and not target.parent.exists()
    assert "failed" in window.banner.text().lower()


def test_export_chart_and_data(window, qtbot, monkeypatch, tmp_path):
    from ui import extras

    window.tabs.setCurrentWidget(window.chart_tabs["value"])
    qtbot.waitUntil(lambda: bool(window.chart_tabs["value"].figure and window.chart_tabs["value"].figure.axes),
                    timeout=30_000)
    png = tmp_path / "value.png"
    _save_to(monkeypatch, png)
    extras.export_chart(window)
    assert png.read_bytes()[:4] == b"\x89PNG"
    csv = tmp_path / "futures.csv"
    _save_to(monkeypatch, csv)
    extras.export_samples(window)
    qtbot.waitUntil(lambda: csv.exists() and QThreadPool.globalInstance().activeThreadCount() == 0,
                    timeout=60_000)
    header = csv.read_text().splitlines()[0]
    assert window.doc.scenario.alternatives[0].name.split()[0] in header


def test_new_from_guide_opens_the_guided_scenario_unsaved(window, qtbot, monkeypatch):
    from ui import extras, wizard

    guided = load(bundled_files()[1])
    monkeypatch.setattr(wizard, "run_new_from_guide", lambda parent=None: guided)
    with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
        extras.new_from_guide(window)
    assert window.doc.scenario == guided and window.doc.path is None


def test_overview_quotes_dominance_worth_finding_out(window):
    text = window.overview.insight.text()
    assert "dominates" in text and "before deciding is worth" in text


def test_run_until_precise_sets_the_iterations_undoably(window, qtbot):
    from ui import extras

    with qtbot.waitSignal(window.fullResultsShown, timeout=120_000):
        extras.run_until_precise(window, share=0.004)
    assert window.doc.scenario.iterations == 63_000   # 1 / 0.004**2 = 62,500, rounded up to thousands
    assert window.controller.latest.iterations == 63_000
    s = window.controller.latest.summary
    assert all(a.npv.se <= 0.004 * a.npv.std for a in s.alternatives)
    window.doc.undo_stack.undo()
    assert window.doc.scenario.iterations == 20_000


def test_break_even_is_shown_in_the_banner(window, qtbot):
    from ui import extras

    extras.find_break_even(window)
    qtbot.waitUntil(lambda: window.banner.isVisible() and "ahead" in window.banner.text(), timeout=120_000)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=10_000)


def test_f5_presents_and_the_what_if_dock_is_one_shortcut_away(window, qtbot):
    from PySide6.QtGui import QKeySequence

    assert window.presentation.action.shortcut() == QKeySequence("F5")
    with qtbot.waitSignal(window.presentation.entered, timeout=10_000):
        window.presentation.action.trigger()
    assert window.presentation.active
    with qtbot.waitSignal(window.presentation.left, timeout=10_000):
        window.presentation.action.trigger()
    assert not window.presentation.active
    toggle = window.whatif_dock.toggleViewAction()
    assert toggle.shortcut() == QKeySequence("Ctrl+Shift+W")
    toggle.trigger()
    assert window.whatif_dock.isVisible()


def test_cards_give_the_standard_error_of_their_figures(window):
    summary = window.controller.latest.summary
    first = summary.alternatives[0]
    card = window.overview.card(first.name)
    from simulator.analysis import formatting as fmt

    assert f"± {fmt.money(first.npv.se, window.doc.scenario.currency)}" in card.npv.toolTip()
    assert "standard error" in card.values["loss"].toolTip()
