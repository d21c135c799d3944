"""The log file: investsim.log in the data folder, rotated; failures land in it with their
tracebacks while the window shows plain words; Help > Open log folder shows it."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import qWarning
from PySide6.QtGui import QDesktopServices

from ui import logs


@pytest.fixture
def log_file(tmp_path):
    """The app's logging, set up in a temporary data folder (undone after the test)."""
    path = logs.setup(tmp_path / "data", hooks=False)
    yield path
    logs.close()


def test_the_log_rotates_at_its_size_and_keeps_three_old_files(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup(tmp_path / "data", hooks=False)
    try:
        assert path == tmp_path / "data" / "investsim.log"
        for i in range(400):
            logging.getLogger("investsim.test").warning("line %d of a long session", i)
    finally:
        logs.close()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["investsim.log", "investsim.log.1", "investsim.log.2", "investsim.log.3"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "line 399 of a long session" in path.read_text(encoding="utf-8")


def test_the_default_log_folder_is_the_data_folder():
    assert logs.log_folder() == logs.data_folder()
    assert "share" in str(logs.data_folder())   # under XDG_DATA_HOME, kept apart by the tests


def test_an_unwritable_data_folder_falls_back_to_the_console(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    try:
        assert logs.setup(blocker / "data", hooks=False) is None
        logging.getLogger("investsim.test").warning("still heard")
    finally:
        logs.close()
    assert "still heard" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


@pytest.mark.qt_no_exception_capture   # the exception is the point: pytest-qt must not count it as a failure
def test_uncaught_exceptions_and_qt_warnings_are_logged_with_traceback(tmp_path, capsys):
    before = sys.excepthook
    path = logs.setup(tmp_path / "data")
    try:
        try:
            raise ValueError("something nobody expected")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        qWarning("a warning from Qt")
    finally:
        logs.close()
    assert sys.excepthook is before
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError: something nobody expected" in text
    assert "Qt: a warning from Qt" in text
    assert "something nobody expected" in capsys.readouterr().err   # the console still shows it


def test_an_engine_failure_is_logged_with_traceback_but_shown_in_words(window, qtbot, log_file, monkeypatch):
    import simulator.sim.engine

    def broken_engine(*args, **kwargs):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(simulator.sim.engine, "run", broken_engine)
    with qtbot.waitSignal(window.runFailed, timeout=60_000) as failed:
        window.rerun()
    shown = failed.args[0]
    assert "internal error" in shown and "Help > Open log folder" in shown and "Traceback" not in shown
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "in broken_engine" in text and "RuntimeError: the engine broke" in text


def test_help_opens_the_log_folder(window, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help")
    action = next(a for a in help_menu.actions() if a.text().replace("&", "") == "Open log folder")
    assert action.toolTip()
    action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(logs.log_folder())]
    assert logs.log_folder().is_dir()


def test_help_says_where_the_log_folder_is_when_it_cannot_open_it(window, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    from ui.extras import open_log_folder

    open_log_folder(window)
    message = window.statusBar().currentMessage()
    assert "Could not open the log folder" in message and str(logs.log_folder()) in message
