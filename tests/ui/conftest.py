"""Fixtures for the desktop app's tests (pytest-qt, offscreen).

* QSettings point at a temporary folder: nothing touches the developer's real settings.
* A test that leaves a worker thread or an active timer behind fails.
* Modal dialogs never block: QMessageBox and QFileDialog are replaced for every test; a test
  that expects a prompt sets the answer it wants (see ``answers``).
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from qtcheck import assert_qt_clean, isolate_settings
from uihelpers import DEFAULT


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, qapp):
    """QSettings in a temporary folder, under a test-only organisation name."""
    yield isolate_settings(tmp_path / "settings")


class Answers:
    """What the patched dialogs answer. Each call is recorded in ``asked``."""

    def __init__(self):
        self.warning = QMessageBox.StandardButton.Discard
        self.question = QMessageBox.StandardButton.Yes
        self.open_file = ""
        self.save_file = ""
        self.asked: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    a = Answers()

    def warning(parent, title, text, *args, **kwargs):
        a.asked.append(("warning", text))
        return a.warning

    def question(parent, title, text, *args, **kwargs):
        a.asked.append(("question", text))
        return a.question

    def about(*args, **kwargs):
        a.asked.append(("about", ""))

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(about))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kw: (a.asked.append(("open", "")) or (a.open_file, ""))))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kw: (a.asked.append(("save", "")) or (a.save_file, ""))))
    return a


@pytest.fixture(autouse=True)
def _no_leftovers(qapp):
    """Fail a test that leaves a worker running or an active timer in a live widget."""
    yield
    active = list(LEFTOVER_TIMERS)
    LEFTOVER_TIMERS.clear()
    assert_qt_clean(also_active=active)


LEFTOVER_TIMERS: list[str] = []


def _close_and_check(window) -> None:
    """Close a window as the user would (discarding changes), then look for live timers."""
    QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    window.close()
    QApplication.processEvents()
    for timer in window.findChildren(QTimer):
        if timer.isActive():
            LEFTOVER_TIMERS.append(f"{type(timer.parent()).__name__}.{timer.objectName() or 'QTimer'}")


@pytest.fixture
def make_window(qtbot, tmp_path):
    """``make_window(path=None, wait=True)``: a shown MainWindow with ``path`` opened and its
    full results on screen. Closing it at the end checks that no timer is left running."""
    from ui.main_window import MainWindow

    def make(path: Path | None = DEFAULT, *, wait: bool = True, persist: bool = True, copy: bool = True):
        if path is not None and copy and path.parent == DEFAULT.parent:
            # Work on a copy: a test that saves must never write over a bundled example.
            target = tmp_path / "work" / path.name
            target.parent.mkdir(exist_ok=True)
            shutil.copy(path, target)
            path = target
        window = MainWindow(persist=persist)
        qtbot.addWidget(window, before_close_func=_close_and_check)
        window.resize(1400, 900)
        window.show()
        if path is not None:
            if wait:
                with qtbot.waitSignal(window.fullResultsShown, timeout=60_000):
                    assert window.open_path(path, ask=False)
            else:
                assert window.open_path(path, ask=False)
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()
