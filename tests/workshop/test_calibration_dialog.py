"""The calibration trainer dialog, driven the way a facilitator and a room use it (pytest-qt,
offscreen). Histories live in temporary folders; nothing touches the user's data folder."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QMessageBox

from calibration_helpers import calib_qt, imported_modules, make_questions, ranges_with_hits  # noqa: F401 (calib_qt: a fixture)
from simulator.workshop import calibration as cal
from ui.workshop.calibration import CalibrationDialog, open_calibration, parse_value

pytestmark = pytest.mark.usefixtures("calib_qt")


@pytest.fixture
def history_path(tmp_path):
    return tmp_path / "appdata" / cal.HISTORY_FILE


@pytest.fixture
def make_dialog(qtbot, history_path):
    def make(questions=None, path=history_path, seed=11):
        dialog = CalibrationDialog(history_path=path, questions=questions or make_questions(12), seed=seed)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        return dialog
    return make


def start(qtbot, dialog, names: str) -> None:
    dialog.names_edit.clear()
    qtbot.keyClicks(dialog.names_edit, names)
    with qtbot.waitSignal(dialog.roundStarted, timeout=2000):
        qtbot.keyClick(dialog.names_edit, Qt.Key.Key_Return)


def typed(value: float, style: int) -> str:
    """The value as a person might type it: plain, with separators, or with k / M."""
    if style == 1:
        return f"{value:,.0f}"
    if style == 2 and value >= 1000:
        return f"{value / 1000:g}k"
    if style == 3 and value >= 1_000_000:
        return f"{value / 1e6:g}M"
    return f"{value:g}"


def type_ranges(qtbot, dialog, hits: int) -> None:
    """Type a range for every question, with Tab between the fields: the first ``hits`` around
    the answer, the others above it."""
    for i, q in enumerate(dialog.workshop.round):
        low, high = (q.answer * 0.9, q.answer * 1.1) if i < hits else (q.answer * 1.5, q.answer * 2)
        dialog.low_edits[i].setFocus()
        qtbot.keyClicks(dialog.low_edits[i], typed(low, i % 4))
        qtbot.keyClick(dialog.low_edits[i], Qt.Key.Key_Tab)
        assert dialog.focusWidget() is dialog.high_edits[i]
        qtbot.keyClicks(dialog.high_edits[i], typed(high, i % 4))


def test_typed_numbers_are_read_like_people_write_them():
    assert parse_value("1,200") == 1200
    assert parse_value("1.2k") == 1200
    assert parse_value("3M") == 3_000_000
    assert parse_value(" -196 ") == -196
    assert parse_value("22%", "%") == 22
    assert parse_value("") is None
    from ui.numbers import NumberError
    with pytest.raises(NumberError):
        parse_value("soon")


def test_one_person_answers_a_round_and_sees_the_score(qtbot, make_dialog, history_path):
    dialog = make_dialog()
    start(qtbot, dialog, "Dana")
    assert dialog.stack.currentIndex() == dialog.ROUND
    assert len(dialog.low_edits) == 10 and not dialog.who_box.isVisible()
    assert dialog.focusWidget() is dialog.low_edits[0]
    type_ranges(qtbot, dialog, hits=7)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        qtbot.keyClick(dialog.high_edits[-1], Qt.Key.Key_Return)      # Enter submits
    assert dialog.stack.currentIndex() == dialog.REVEAL
    assert dialog.score_label.text() == "7 of 10 inside your ranges (70%)"
    assert "too narrow: you are overconfident" in dialog.feedback_label.text()
    assert "Typical range: quantities 20% of the true value wide" in dialog.feedback_label.text()
    # the reveal: each answer with inside / outside
    marks = [dialog.findChild(type(dialog.score_label), f"result_{i}_1").text().split("\n")[0] for i in range(1, 11)]
    assert marks == ["✓ inside"] * 7 + ["✗ outside"] * 3
    first = dialog.workshop.round[0]
    assert dialog.findChild(type(dialog.score_label), "answer_1").text().startswith(
        f"<b>{cal.format_value(first.answer)}</b>")
    # saved in the data folder the dialog was given
    data = json.loads(history_path.read_text(encoding="utf-8"))
    assert len(data["rounds"]) == 1 and list(data["rounds"][0]["answers"]) == ["Dana"]
    # Enter again: the next round, new questions
    old = {q.id for q in dialog.workshop.round}
    with qtbot.waitSignal(dialog.roundStarted, timeout=2000):
        qtbot.keyClick(dialog.next_button, Qt.Key.Key_Return)
    assert dialog.stack.currentIndex() == dialog.ROUND
    assert len(old & {q.id for q in dialog.workshop.round}) == 8        # only 2 unseen were left
    assert dialog.round_title.text() == "Round 2: 10 questions"


@pytest.mark.parametrize("private", [False, True])
def test_invalid_ranges_are_refused_and_pointed_at(qtbot, make_dialog, history_path, private):
    dialog = make_dialog()
    dialog.private_box.setChecked(private)
    start(qtbot, dialog, "Dana")
    type_ranges(qtbot, dialog, hits=10)
    for edit in (dialog.low_edits[2], dialog.high_edits[2], dialog.high_edits[4], dialog.low_edits[6]):
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(dialog.low_edits[2], "900")
    qtbot.keyClicks(dialog.high_edits[2], "100")                          # low above high
    qtbot.keyClicks(dialog.low_edits[6], "lots")                           # not a number
    qtbot.keyClick(dialog.low_edits[0], Qt.Key.Key_Return)
    assert dialog.stack.currentIndex() == dialog.ROUND                     # not submitted
    error = dialog.round_error.text()
    if private:    # the message on the shared screen does not give the range away either
        assert "Question 3: the low value is above the high value: swap them" in error
        assert "Question 7: the low value is not understood" in error
        assert "900" not in error and "lots" not in error and "900" not in dialog.low_edits[2].toolTip()
    else:
        assert "Question 3: the low value (900) is above the high value (100): swap them" in error
        assert "Question 7: the low value (lots) is not understood" in error
    assert "Question 5: enter a high value" in error
    assert dialog.low_edits[2].property("invalid") and dialog.high_edits[2].property("invalid")
    assert dialog.high_edits[4].property("invalid") and not dialog.low_edits[4].property("invalid")
    assert dialog.low_edits[6].property("invalid")
    assert dialog.focusWidget() is dialog.low_edits[2]               # the first to fix
    assert not history_path.exists()
    # fixing one field clears its mark
    qtbot.keyClicks(dialog.high_edits[4], "1k")
    assert not dialog.high_edits[4].property("invalid")


def test_a_room_answers_in_turn_and_sees_everyone(qtbot, make_dialog):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana, Ben")
    assert dialog.who_box.isVisible() and dialog.round_title.text() == "Ana's ranges (1 of 2)"
    type_ranges(qtbot, dialog, hits=9)
    with qtbot.waitSignal(dialog.submitted, timeout=2000):
        qtbot.keyClick(dialog.high_edits[-1], Qt.Key.Key_Return)
    assert dialog.round_title.text() == "Ben's ranges (2 of 2)"
    assert all(e.text() == "" for e in dialog.low_edits)                   # Ben starts with empty fields
    assert dialog.submit_button.text() == "Submit and reveal"
    type_ranges(qtbot, dialog, hits=5)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    text = dialog.feedback_label.text()
    assert "9 of 10 (90%)" in text and "5 of 10 (50%)" in text and "too narrow" in text
    # the leaderboard: Ana (90%) above Ben (50%)
    dialog.tabs.setCurrentIndex(1)
    model = dialog.board_model
    assert [model.data(model.index(r, 1)) for r in range(model.rowCount())] == ["Ana", "Ben"]
    assert model.data(model.index(0, 6)) == "0 pts" and model.data(model.index(1, 5)) == "50%"


def test_reveal_now_leaves_out_who_did_not_submit(qtbot, make_dialog):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana, Ben, Cy")
    assert not dialog.reveal_now_button.isEnabled()
    type_ranges(qtbot, dialog, hits=9)
    dialog.submit_current()
    assert dialog.reveal_now_button.isEnabled()
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        qtbot.mouseClick(dialog.reveal_now_button, Qt.MouseButton.LeftButton)
    assert "Sat this round out: Ben, Cy" in dialog.feedback_label.text()
    assert dialog.workshop.history.participants() == ["Ana"]


def test_switching_people_keeps_what_each_typed(qtbot, make_dialog):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana, Ben")
    qtbot.keyClicks(dialog.low_edits[0], "123")
    dialog.who_box.setCurrentIndex(1)
    assert dialog.low_edits[0].text() == ""
    qtbot.keyClicks(dialog.low_edits[0], "456")
    dialog.who_box.setCurrentIndex(0)
    assert dialog.low_edits[0].text() == "123"
    dialog.who_box.setCurrentIndex(1)
    assert dialog.low_edits[0].text() == "456"


def test_no_names_no_round(qtbot, make_dialog):
    dialog = make_dialog()
    dialog.names_edit.clear()
    qtbot.keyClick(dialog.names_edit, Qt.Key.Key_Return)
    assert dialog.stack.currentIndex() == dialog.SETUP
    assert "participant name" in dialog.setup_error.text()


def _wait_for_progress(qtbot, dialog):
    """The progress chart is drawn in the render thread: wait for the picture, return what it
    plotted (percentages per person)."""
    chart = dialog.progress_chart
    with qtbot.waitSignal(chart.canvas.rendered, timeout=10_000) as blocker:
        pass
    value, error = blocker.args
    assert error is None
    return value


def test_earlier_sessions_are_kept_apart_until_the_facilitator_loads_them(qtbot, make_dialog, history_path):
    qs = make_questions(30)
    history = cal.CalibrationHistory(history_path)
    for r, (a, b) in enumerate(((5, 10), (8, 10), (9, 10))):
        batch = qs[10 * r: 10 * r + 10]
        history.record_round(batch, {"Ana": ranges_with_hits(batch, a), "Wide Will": ranges_with_hits(batch, b, width=100)})
    history.save()
    dialog = make_dialog(questions=qs)
    # a new workshop: no names typed in for the room, no scores from earlier workshops
    assert dialog.names_edit.text() == ""
    dialog.everyone_box.setChecked(True)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.board_model.rowCount() == 0
    assert "Earlier sessions on this computer: 3 rounds, kept apart" in dialog.known_label.text()
    assert "Ana" not in dialog.known_label.text()
    # the facilitator chooses to load them
    assert dialog.load_earlier_button.isEnabled()
    qtbot.mouseClick(dialog.load_earlier_button, Qt.MouseButton.LeftButton)
    assert not dialog.load_earlier_button.isEnabled()
    model = dialog.board_model
    # Ana: 22 of 30 = 73%, gap 17; Will: 30 of 30 = 100%, gap 10 -> Will is closer to 90% here
    assert [model.data(model.index(r, 1)) for r in range(2)] == ["Wide Will", "Ana"]
    assert model.data(model.index(1, 8)) == "50 80 90"
    assert dialog.progress_chart is None                                  # built when first shown
    dialog.tabs.setCurrentIndex(2)
    plotted = _wait_for_progress(qtbot, dialog)
    assert plotted == {"Ana": [50, 80, 90], "Wide Will": [100, 100, 100]}
    ax = dialog.progress_chart.canvas.figure.axes[0]
    assert any(list(line.get_ydata()) == [90, 90] for line in ax.get_lines())   # the 90% target


def test_this_sessions_rounds_are_archived_but_the_next_session_starts_empty(qtbot, make_dialog, history_path):
    first = make_dialog()
    start(qtbot, first, "Dana")
    type_ranges(qtbot, first, hits=9)
    with qtbot.waitSignal(first.revealed, timeout=2000):
        first.submit_current()
    assert len(json.loads(history_path.read_text(encoding="utf-8"))["rounds"]) == 1   # kept on disk
    first.close()
    second = make_dialog()
    assert second.names_edit.text() == "" and second.workshop.history.rounds == []
    second.everyone_box.setChecked(True)
    assert second.board_model.rowCount() == 0
    # Dana comes back: her earlier questions are still avoided
    start(qtbot, second, "Dana")
    seen = {q for r in second.archive.rounds for q, _, _ in r.questions}
    assert len(seen & {q.id for q in second.workshop.round}) == 8          # only 2 unseen were left
    assert second.round_title.text() == "Round 1: 10 questions"             # round 1 of this session


def test_a_fresh_leaderboard_after_confirmation(qtbot, make_dialog, history_path, monkeypatch):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana")
    type_ranges(qtbot, dialog, hits=9)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        dialog.submit_current()
    dialog.everyone_box.setChecked(True)
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: next(answers)))
    dialog.clear_history()
    assert dialog.board_model.rowCount() == 1
    dialog.clear_history()
    assert dialog.board_model.rowCount() == 0
    # the session is forgotten, the computer's record of it is not
    assert len(json.loads(history_path.read_text(encoding="utf-8"))["rounds"]) == 1


def test_private_entry_masks_every_range_until_the_reveal(qtbot, make_dialog):
    from PySide6.QtWidgets import QLineEdit

    dialog = make_dialog()
    assert dialog.private_box.isChecked()                                  # on by default
    start(qtbot, dialog, "Ana, Ben")
    type_ranges(qtbot, dialog, hits=9)
    masked = QLineEdit.EchoMode.Password
    assert all(e.echoMode() == masked for e in dialog.low_edits + dialog.high_edits)
    # what the projector shows is dots, never the digits Ana typed
    typed_text = dialog.low_edits[0].text()
    assert typed_text and dialog.low_edits[0].displayText() != typed_text
    assert not any(ch.isdigit() for e in dialog.low_edits + dialog.high_edits for ch in e.displayText())
    # Ana checks her own ranges by holding the button down; they are masked again on release
    assert dialog.peek_button.isVisible()
    dialog.peek_button.pressed.emit()
    assert dialog.low_edits[0].displayText() == typed_text
    dialog.peek_button.released.emit()
    assert dialog.low_edits[0].displayText() != typed_text
    dialog.submit_current()
    # Ben's turn: empty fields; going back to Ana shows only dots
    assert all(e.text() == "" for e in dialog.low_edits)
    dialog.who_box.setCurrentIndex(0)
    assert dialog.low_edits[0].text() == typed_text and dialog.low_edits[0].displayText() != typed_text
    dialog.who_box.setCurrentIndex(1)
    type_ranges(qtbot, dialog, hits=5)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        dialog.submit_current()
    # the reveal shows every range, in plain digits
    cell = dialog.findChild(type(dialog.score_label), "result_1_1")
    assert any(ch.isdigit() for ch in cell.text())


def test_without_private_entry_the_ranges_show(qtbot, make_dialog):
    from PySide6.QtWidgets import QLineEdit

    dialog = make_dialog()
    dialog.private_box.setChecked(False)
    start(qtbot, dialog, "Dana")
    qtbot.keyClicks(dialog.low_edits[0], "123")
    assert dialog.low_edits[0].echoMode() == QLineEdit.EchoMode.Normal
    assert dialog.low_edits[0].displayText() == "123" and not dialog.peek_button.isVisible()


def test_the_session_round_trips_through_json(qtbot, make_dialog, tmp_path):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana, Ben")
    type_ranges(qtbot, dialog, hits=9)
    dialog.submit_current()
    type_ranges(qtbot, dialog, hits=6)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        dialog.submit_current()
    state = dialog.session_state()
    text = json.dumps(state)                                              # JSON-able
    assert state["participants"] == ["Ana", "Ben"] and len(state["rounds"]) == 1
    assert state["scores"]["Ana"]["hits"] == 9 and state["scores"]["Ben"]["hits"] == 6
    assert state["scores"]["Ben"]["verdict"] == cal.TOO_NARROW
    # a new workshop: everything gone
    dialog.restore_session_state({})
    assert dialog.names_edit.text() == "" and dialog.board_model.rowCount() == 0
    assert dialog.session_state()["rounds"] == [] and dialog.session_state()["participants"] == []
    # loaded again, in another window: the same people, rounds and leaderboard
    other = make_dialog(path=tmp_path / "other" / cal.HISTORY_FILE)
    other.restore_session_state(json.loads(text))
    assert other.session_state() == state
    assert other.names_edit.text() == "Ana, Ben"
    model = other.board_model
    assert [model.data(model.index(r, 1)) for r in range(model.rowCount())] == ["Ana", "Ben"]
    # and the next round goes on from there (Round 2 for Ana)
    start(qtbot, other, "Ana")
    assert other.round_title.text() == "Round 2: 10 questions"


def test_a_round_being_answered_is_not_in_the_saved_session(qtbot, make_dialog):
    dialog = make_dialog()
    start(qtbot, dialog, "Ana, Ben")
    type_ranges(qtbot, dialog, hits=9)
    dialog.submit_current()
    state = dialog.session_state()
    assert state["rounds"] == [] and "submitted" not in json.dumps(state)


def test_a_damaged_session_is_refused_in_words(qtbot, make_dialog):
    dialog = make_dialog()
    dialog.restore_session_state({"format": 99})
    assert dialog.banner.isVisible() and "unknown format 99" in dialog.banner.text()
    dialog.restore_session_state({"format": 1, "rounds": [{"number": 1}]})
    assert "damaged rounds" in dialog.banner.text()


def test_a_history_that_cannot_be_saved_is_reported_not_fatal(qtbot, make_dialog, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    dialog = make_dialog(path=blocker / "sub" / cal.HISTORY_FILE)
    start(qtbot, dialog, "Dana")
    type_ranges(qtbot, dialog, hits=9)
    with qtbot.waitSignal(dialog.revealed, timeout=2000):
        dialog.submit_current()
    assert dialog.score_label.text() == "9 of 10 inside your ranges (90%)"
    assert dialog.banner.isVisible() and "could not be saved" in dialog.banner.text()


def test_a_damaged_history_is_reported_and_set_aside(qtbot, make_dialog, history_path):
    history_path.parent.mkdir(parents=True)
    history_path.write_text("garbage", encoding="utf-8")
    dialog = make_dialog()
    assert dialog.banner.isVisible() and "could not be read" in dialog.banner.text()
    assert dialog.workshop.history.rounds == []


def test_text_grows_for_the_projector(qtbot, make_dialog):
    dialog = make_dialog()
    start(qtbot, dialog, "Dana")
    before = dialog.low_edits[0].width()
    shortcuts = {s.key().toString(): s for s in dialog.findChildren(QShortcut)}
    assert {"Ctrl++", "Ctrl+=", "Ctrl+-"} <= set(shortcuts)
    for _ in range(3):
        shortcuts["Ctrl+="].activated.emit()
    assert "font-size: 18.0pt" in dialog.styleSheet()
    assert dialog.low_edits[0].width() > before
    for _ in range(40):
        dialog.zoom(-1)
    assert "font-size: 10.0pt" in dialog.styleSheet()


def test_open_calibration_reuses_the_open_trainer(qtbot, tmp_path):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    first = open_calibration(parent, history_path=tmp_path / "h.json")
    assert isinstance(first, CalibrationDialog) and first.isVisible()
    assert open_calibration(parent, history_path=tmp_path / "h.json") is first
    assert len(first.workshop.questions) >= 60                            # the bundled questions
    first.close()


def test_the_default_history_lives_in_the_app_data_folder_not_the_real_one():
    from PySide6.QtCore import QStandardPaths
    from ui.workshop.calibration import default_history_path

    assert QStandardPaths.isTestModeEnabled()
    path = default_history_path()
    assert path is not None and path.name == cal.HISTORY_FILE


def test_opening_the_trainer_does_not_wait_for_matplotlib(tmp_path):
    code = ("from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from ui.workshop.calibration import CalibrationDialog;"
            f"d = CalibrationDialog(history_path={str(tmp_path / 'h.json')!r}); d.show()")
    assert imported_modules(code) == ["PySide6"]


def test_the_sample_window_runs_on_its_own(qtbot):
    from ui.workshop.calibration import demo

    dialog = demo()
    qtbot.addWidget(dialog)
    dialog.show()
    assert [r.name for r in dialog.workshop.history.leaderboard()] != []
    dialog.tabs.setCurrentIndex(2)
    assert set(_wait_for_progress(qtbot, dialog)) == {"Ana", "Ben", "Chloé"}


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_every_page_fits_a_projector(qtbot, make_dialog, size):
    """At 1280x720 and 1024x768, with the bundled questions and three people, no text of any
    page is cut or pushed off the window (setup, a round, the reveal, leaderboard, progress)."""
    from text_fit import clipped_texts, show_at

    dialog = CalibrationDialog(history_path=None, questions=cal.load_questions(), seed=5)
    qtbot.addWidget(dialog)
    show_at(qtbot, dialog, *size)
    assert clipped_texts(dialog) == []
    start(qtbot, dialog, "Ana, Ben, Cleo")
    assert clipped_texts(dialog) == []
    for _ in range(3):
        type_ranges(qtbot, dialog, hits=8)
        dialog.submit_current()
    assert dialog.stack.currentIndex() == dialog.REVEAL
    assert clipped_texts(dialog) == []
    dialog.tabs.setCurrentIndex(1)
    assert clipped_texts(dialog) == []
    view = dialog.board_view          # every column of the leaderboard in view, no sideways scrolling
    assert view.horizontalHeader().length() <= view.viewport().width() + 1
    dialog.tabs.setCurrentIndex(2)
    _wait_for_progress(qtbot, dialog)
    assert clipped_texts(dialog) == []
