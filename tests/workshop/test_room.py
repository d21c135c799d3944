"""The workshop in a real room (issue #18), driven as a facilitator does (pytest-qt, offscreen):

* nothing shows a result before the reveal: the result tabs, the status line, presentation
  mode (every view), the what-if panel (told through its ``set_results_hidden``), the Teams
  window, Export › Report / Chart / Simulated data, the break-even and the session export;
* the reveal in big type in presentation mode;
* the keys: Gut call, Reveal, Teams, B (blank), zoom, the timer, PageUp/PageDown, in every window;
* the session on file: save, New workshop, open again (round trip), a bad file named;
* the workshop windows at 1024x768 and 1280x720: no label clipped or on top of another, no
  window wider than the screen, presentation text at least 18 px.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget

from dataclasses import replace
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QWidget

from qtcheck import assert_qt_clean

from simulator.model.scenario import load
from simulator.workshop import session as session_file
from ui.workshop.teams import example_team_files

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "erp-vs-production-line.toml"
ERP, LINE = "ERP system", "New production line"
SIZES = [(1280, 720), (1024, 768)]


@pytest.fixture(autouse=True)
def room_qt(qapp):
    yield qapp
    assert_qt_clean(timeout_ms=60_000)


@pytest.fixture
def window(qtbot, monkeypatch):
    """The main window on the bundled scenario (4,000 futures), its full run on screen; no
    file dialog may open (an export that is refused must not ask for a file)."""
    from ui.main_window import MainWindow

    def no_dialog(*_args, **_kwargs):
        raise AssertionError("a file dialog was opened")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", no_dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", no_dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", no_dialog)
    w = MainWindow(persist=False)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.fullResultsShown, timeout=120_000):
        w.set_document(replace(load(SCENARIO), iterations=4000), SCENARIO)
    yield w
    w.room_actions.timer.stop()
    for tool in list(w.tool_windows.values()):
        try:
            tool.close()
        except RuntimeError:
            pass
    if w.presentation.active:
        w.presentation.leave()


def settle(qtbot, ms: int = 50) -> None:
    qtbot.wait(ms)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def visible_texts(root: QWidget) -> list[str]:
    return [label.text() for label in root.findChildren(QLabel) if label.isVisibleTo(root) and label.text()]


def record_three_calls(w) -> None:
    w.start_gut_call()
    w.gut_panel.record("Finance", ERP, 0.8)
    w.gut_panel.record("Sales", LINE, 0.95)
    w.gut_panel.record("IT", ERP, 0.6)


# --- Nothing leaks before the reveal -----------------------------------------------------

def test_while_hidden_no_surface_shows_a_result(window, qtbot):
    w = window
    verdict = w.controller.latest.summary.verdict
    told = []
    w.whatif.set_results_hidden = told.append          # the what-if panel's contract (workshop-content)
    w.banner.show_message("Break-even", ["The line wins above 24k units."], "info")   # found before the round
    record_three_calls(w)
    assert w.banner.isHidden()
    assert w.reveal_state.hidden and told == [True]
    # The result tabs are behind the curtain; the status line names no result.
    curtain = w.findChild(QStackedWidget, "resultsCurtain")
    assert not w.tabs.isVisible() and not w.tabs.selector.isVisible()    # the views and their names
    assert curtain.currentWidget().objectName() == "curtainNote"
    assert "$" not in w.run_label.text() and "%" not in w.run_label.text()
    # Presentation mode (F5): every view is the "hidden" page, no verdict, no figure.
    pres = w.presentation.enter(fullscreen=False)
    pres.resize(1280, 720)
    settle(qtbot, 200)
    for index in range(len(pres.views)):
        pres.go(index)
        settle(qtbot)
        assert pres.stack.currentWidget() is pres.hidden_page, pres.view_key
        assert pres.headline.text() == "The results are hidden until the reveal."
        shown = " ".join(visible_texts(pres))
        assert verdict not in shown and "$" not in shown, (pres.view_key, shown)
        assert not pres.chart_view.busy      # no chart picture is even made
    # Exports, the chart export and the break-even are held back, and say why.
    from ui import extras

    for action, name in ((extras.export_report, "Export report"), (extras.export_samples, "Export simulated data"),
                         (extras.export_chart, "Export chart"), (extras.find_break_even, "Find the break-even")):
        w.banner.dismiss()
        action(w)
        assert w.banner.headline.text().startswith(f"{name}: not while the results are hidden"), name
        assert not w.exports.busy
    # The Teams window hides its teams' results too.
    teams = w.room_actions.teams()
    teams.iterations, teams.seed = 2000, 42
    with qtbot.waitSignal(teams.comparisonShown, timeout=120_000):
        teams.add_paths(example_team_files()[:2])
    assert teams.curtain.currentWidget() is teams.curtain.note
    assert teams.headline.text() == "The teams' results are hidden until the reveal."
    teams.set_presentation(True)
    assert "ahead" not in " ".join(visible_texts(teams.presentation))
    # The session's summary leaves the answer out.
    summary = session_file.summary(w.room_actions.collect())
    assert "Not revealed yet" in summary and "best in" not in summary and "Too close" not in summary

    # The reveal (its key) shows them all, and presentation mode shows the calls in big type.
    w.room_keys.actions["reveal"].trigger()
    settle(qtbot, 100)
    assert not w.reveal_state.hidden and told == [True, False]
    assert pres.view_key == "reveal" and pres.stack.currentWidget() is pres.reveal_view
    assert pres.headline.text().startswith("Too close to call: New production line is best in")
    body = pres.reveal_view.body.text()
    assert "Finance" in body and "too close to call" in body and "✘" not in body
    assert teams.curtain.currentWidget() is not teams.curtain.note
    assert teams.headline.text().startswith("The disagreement that matters is")
    teams.close()


def test_the_gut_call_key_hides_the_results_from_any_window(window, qtbot):
    w = window
    assert not w.reveal_state.hidden
    teams = w.room_actions.teams()
    teams.room.actions["gutCall"].trigger()               # Ctrl+Shift+G in the Teams window
    assert w.reveal_state.hidden and w.gut_dock.isVisible()
    assert teams.room.actions["gutCall"].shortcut() == QKeySequence("Ctrl+Shift+G")
    teams.close()


# --- Keys in every window ----------------------------------------------------------------

ROOM_KEYS = {"gutCall": "Ctrl+Shift+G", "reveal": "Ctrl+Shift+R", "teams": "Ctrl+Shift+T", "timer": "Ctrl+Shift+K",
             "blank": "B", "zoomIn": "Ctrl+=", "zoomOut": "Ctrl+-", "zoomReset": "Ctrl+0"}


def _press(qtbot, target: QWidget, keys: str) -> None:
    seq = QKeySequence(keys)[0]
    qtbot.keyClick(target, seq.key(), seq.keyboardModifiers())


def test_every_workshop_window_has_the_room_keys_and_they_reach_their_actions(window, qtbot):
    w = window
    teams = w.room_actions.teams()
    pres = w.presentation.enter(fullscreen=False)
    for win, keys in ((w, w.room_keys), (teams, teams.room), (pres, pres.room)):
        for name, key in ROOM_KEYS.items():
            action = keys.actions[name]
            assert QKeySequence(key) in action.shortcuts(), (type(win).__name__, name)
            assert action in win.actions()
    # Real key presses, each window active in turn.
    for win, keys in ((w, w.room_keys), (teams, teams.room), (pres, pres.room)):
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5000)
        target = win.focusWidget() or win
        target.clearFocus() if hasattr(target, "clearFocus") and target is not win else None
        _press(qtbot, win, "B")
        assert keys.blanker.blank
        _press(qtbot, keys.blanker, "B")                 # any key (B too) brings it back
        assert not keys.blanker.blank
        before = keys.zoom
        _press(qtbot, win, "Ctrl+=")
        assert keys.zoom > before
        _press(qtbot, win, "Ctrl+0")
        assert keys.zoom == 1.0
    # Zoom scales the type: the Teams window's font, presentation mode's unit.
    size = teams.font().pointSizeF()
    teams.room.zoom_in()
    assert teams.font().pointSizeF() > size
    px = pres.headline.font().pixelSize()
    pres.room.zoom_in()
    pres.room.zoom_in()
    assert pres.headline.font().pixelSize() > px
    # The clicker: PageDown/PageUp step the main window's result tabs.
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    w.tabs.setCurrentIndex(0)
    w.act_next_view.trigger()
    assert w.tabs.currentIndex() == 1
    w.act_previous_view.trigger()
    assert w.tabs.currentIndex() == 0
    assert QKeySequence("PgDown") in w.act_next_view.shortcuts()
    w.presentation.leave()
    teams.close()


def test_the_countdown_over_each_window(qtbot):
    from ui.workshop.session import TimerOverlay, WorkshopTimer, clock_text

    now = [1000.0]
    timer = WorkshopTimer(clock=lambda: now[0])
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(800, 600)
    host.show()
    overlay = TimerOverlay(host, timer)
    assert not overlay.isVisible()
    timer.start(90)
    assert overlay.isVisible() and overlay.text() == "1:30"
    now[0] += 30.2
    timer.tick()
    assert overlay.text() == "1:00"
    timer.pause()
    now[0] += 100
    timer.tick()
    assert overlay.text().startswith("1:00") and "❚❚" in overlay.text()      # paused: time stands still
    timer.resume()
    now[0] += 61
    with qtbot.waitSignal(timer.finished, timeout=1000):
        timer.tick()
    assert overlay.text() == "Time" and not timer.running
    timer.stop()
    assert not overlay.isVisible()
    assert clock_text(3723) == "1:02:03" and clock_text(0) == "0:00"


# --- The session on file -----------------------------------------------------------------

class FakeCalibration(QWidget):
    """The calibration window's side of the contract (workshop-content builds the real one)."""

    def __init__(self, state):
        super().__init__()
        self.state = state
        self.restored = []

    def session_state(self):
        return self.state

    def restore_session_state(self, state):
        self.restored.append(state)
        self.state = state


def test_a_session_survives_save_new_workshop_and_open(window, qtbot, tmp_path, monkeypatch):
    w = window
    record_three_calls(w)
    w.room_actions.reveal()
    teams = w.room_actions.teams()
    teams.iterations, teams.seed = 2000, 42
    files = example_team_files()[:2]
    with qtbot.waitSignal(teams.comparisonShown, timeout=120_000):
        teams.add_paths(files)
    calibration = FakeCalibration({"scores": {"Ana": "9 of 10 inside", "Ben": "6 of 10 inside"}})
    qtbot.addWidget(calibration)
    calibration.show()
    w.keep_tool("calibration", calibration)

    path = w.room_actions.save_session(tmp_path / "morning.investsim-session.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "investsim-workshop-session" and data["version"] == 1
    assert [c["team"] for c in data["gut_calls"]["calls"]] == ["Finance", "Sales", "IT"]
    assert data["gut_calls"]["revealed"] and data["gut_calls"]["reveal"]["too_close"]
    assert data["teams"]["files"] == [str(f) for f in files]
    assert data["calibration"] == {"scores": {"Ana": "9 of 10 inside", "Ben": "6 of 10 inside"}}

    # New workshop: the previous one's calls, teams and scores are gone.
    w.room_actions.new_workshop(ask=False)
    settle(qtbot)
    assert w.gut_panel.calls == [] and not w.reveal_state.hidden
    assert "teams" not in w.tool_windows and "calibration" not in w.tool_windows
    assert calibration.restored == [{}]                  # the contract: an empty session
    assert w.room_actions.collect()["gut_calls"]["calls"] == []

    # Open the saved session: the same calls, the same teams, the scores handed back.
    fresh = FakeCalibration({})
    qtbot.addWidget(fresh)
    from ui import extras

    monkeypatch.setattr(extras, "open_calibration", lambda _window: (fresh.show(), fresh)[1])
    assert w.room_actions.open_session(path)
    restored = w.tool_windows["teams"]
    qtbot.waitUntil(lambda: restored.comparison is not None and not restored.running, timeout=120_000)
    assert [(c.team, c.choice, c.confidence) for c in w.gut_panel.calls] == [
        ("Finance", ERP, 0.8), ("Sales", LINE, 0.95), ("IT", ERP, 0.6)]
    assert [str(p) for _, p, _ in restored.files] == [str(f) for f in files]
    assert fresh.restored == [data["calibration"]]
    summary = (w.room_actions.export_session(tmp_path / "summary.md")).read_text(encoding="utf-8")
    assert "| Finance | ERP system | 80% |" in summary and "Ana" in summary
    restored.close()


def test_a_bad_session_file_is_named_and_changes_nothing(window, tmp_path):
    w = window
    record_three_calls(w)
    bad = tmp_path / "notes.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    assert not w.room_actions.open_session(bad)
    assert "notes.json" in w.banner.text() and "format" in w.banner.text()
    assert len(w.gut_panel.calls) == 3
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format": session_file.FORMAT, "version": 99}), encoding="utf-8")
    with pytest.raises(session_file.SessionError, match="newer investsim"):
        session_file.load(newer)
    with pytest.raises(session_file.SessionError, match=r"gut_calls.calls\[0\]"):
        session_file.loads(json.dumps({"format": session_file.FORMAT, "version": 1,
                                       "gut_calls": {"calls": [{"team": "A"}]}}))


# --- Layout at projector sizes -----------------------------------------------------------

def _rect_in(win: QWidget, w: QWidget) -> QRect:
    return QRect(w.mapTo(win, QPoint(0, 0)), w.size())


def layout_problems(win: QWidget, *, least_px: int | None = None) -> list[str]:
    """Visible labels that are cut (text wider or taller than the label), outside the window,
    on top of one another, or (``least_px``) smaller than that many pixels."""
    labels = [lab for lab in win.findChildren(QLabel) if lab.isVisibleTo(win) and lab.text().strip()
              and lab.objectName() != "qt_scrollarea_viewport"]
    out = []
    frame = win.rect()
    for lab in labels:
        r = _rect_in(win, lab)
        if not frame.adjusted(-1, -1, 1, 1).contains(r) and not _in_scroll(lab):
            out.append(f"outside: {lab.objectName() or lab.text()[:30]} {r}")
        fm = lab.fontMetrics()
        if lab.wordWrap():
            need = lab.heightForWidth(lab.width())
            if need > lab.height() + 2 and not _in_scroll(lab):
                out.append(f"cut: {lab.objectName() or lab.text()[:30]} needs {need} px, has {lab.height()}")
        elif lab.textFormat() != Qt.TextFormat.RichText and "\n" not in lab.text():
            if fm.horizontalAdvance(lab.text()) > lab.width() + 2:
                out.append(f"cut: {lab.objectName() or lab.text()[:30]}")
        if least_px is not None:
            px = lab.font().pixelSize() if lab.font().pixelSize() > 0 else round(lab.font().pointSizeF() * 96 / 72)
            if px < least_px:
                out.append(f"small: {lab.objectName() or lab.text()[:30]} {px} px")
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a) or a.window() is not b.window():
                continue
            inter = _rect_in(win, a).intersected(_rect_in(win, b))
            if inter.width() > 2 and inter.height() > 2 and not (_in_scroll(a) or _in_scroll(b)):
                out.append(f"overlap: {a.objectName() or a.text()[:20]} / {b.objectName() or b.text()[:20]}")
    return out


def _in_scroll(w: QWidget) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_pages_fit_and_read_from_the_back_of_the_room(window, qtbot, size):
    w = window
    W, H = size
    record_three_calls(w)
    pres = w.presentation.enter(fullscreen=False)
    pres.resize(W, H)
    settle(qtbot, 200)
    assert not layout_problems(pres, least_px=18), layout_problems(pres, least_px=18)      # hidden page
    w.room_actions.reveal()
    settle(qtbot, 200)
    assert pres.view_key == "reveal"
    assert not layout_problems(pres, least_px=18), layout_problems(pres, least_px=18)
    pres.go(0)                                                                               # the verdict
    settle(qtbot, 200)
    assert not layout_problems(pres, least_px=18), layout_problems(pres, least_px=18)
    assert pres.headline.font().pixelSize() >= 28
    strip = pres.verdict_view.strip
    assert strip.text_px() >= 18                                                           # range labels, ticks
    # The what-if dock must not widen the window beyond the screen.
    pres.set_whatif_visible(True)
    settle(qtbot, 300)
    assert pres.width() <= W, pres.width()
    # A chart view: at least 100 DPI on a canvas 820 px or wider, so 13-pt ticks are 18 px.
    pres.set_whatif_visible(False)
    settle(qtbot, 200)
    canvas = pres.chart_view.canvas
    if canvas.width() >= 820:
        assert pres.chart_view.dpi_for(canvas.width(), canvas.height()) >= 100
    w.presentation.leave()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_teams_window_fits_projector_sizes(window, qtbot, size):
    from matplotlib.text import Text

    from ui.charts._style import hidden_tick_labels

    W, H = size
    teams = window.room_actions.teams()
    teams.iterations, teams.seed = 2000, 42
    teams.resize(W, H)
    with qtbot.waitSignal(teams.comparisonShown, timeout=120_000):
        teams.add_paths(example_team_files())
    with qtbot.waitSignal(teams.comparisonShown, timeout=120_000):
        teams.add_open_scenario()                      # the scenario open in the main window, as a team
    assert len(teams.comparison.teams) == 4 and teams.team_names()[-1] == "Erp vs production line"
    settle(qtbot, 200)
    assert teams.width() <= W and teams.height() <= H, (teams.width(), teams.height())
    teams.draw_all_now()
    for fig in (teams.value_figure, teams.matters_figure):
        assert fig.bbox.height >= 350, fig.bbox.height           # not squashed (was about 60 px)
        skip = hidden_tick_labels(fig)
        texts = [t for t in fig.findobj(Text) if id(t) not in skip and t.get_visible() and t.get_text().strip()]
        Wf, Hf = fig.bbox.width, fig.bbox.height
        boxes = [(t.get_text(), t.get_window_extent()) for t in texts]
        outside = [s for s, b in boxes if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > Wf + 0.5 or b.y1 > Hf + 0.5]
        assert not outside, outside
        overlaps = [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
                    if min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > 2 and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > 2]
        assert not overlaps, overlaps
    # The headline says whose figure for which input.
    assert "figure for line units," in teams.headline.text() or "figures for line units," in teams.headline.text()
    teams.set_presentation(True)
    settle(qtbot, 100)
    problems = layout_problems(teams.presentation, least_px=18)
    assert not problems, problems
    assert "with all of its figures" in teams.presentation.body.text()
    teams.close()
