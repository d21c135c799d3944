"""The one conftest: fixtures for every layer. The tests are organised by layer:

* ``tests/`` (this folder): the engine (``simulator``): no Qt is imported;
* ``tests/charts``: the figure builders (matplotlib, no Qt);
* ``tests/report``: the report writers (Qt's PDF writer, no app window);
* ``tests/ui``, ``tests/workshop``, ``tests/wizard``: the desktop app (pytest-qt, offscreen);
* ``tests/packaging``: the packaged app's spec, files and About box.

Every test runs with a temporary HOME (nothing touches the developer's real config and data
folders). A test that uses Qt (asks, directly or through another fixture, for ``qapp`` or
``qtbot``), and every test of ``tests/ui`` and ``tests/report``, also gets:

* QSettings in a temporary folder, under a test-only organisation name;
* modal dialogs that never block: QMessageBox and QFileDialog answer what ``answers`` says;
* a failure if it leaves a worker thread running or an active timer in a live window (and
  every top-level window is closed after it).

Qt is imported only inside those fixtures, so the engine's tests never import it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
import shutil
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"
#: "Today" for the guided set-up's tests.
TODAY = dt.date(2025, 3, 14)
#: Fixtures that mean "this test uses Qt".
_QT = frozenset({"qapp", "qtbot"})
#: Folders whose every test runs with the QApplication: the app's window tests, and the
#: reports (Qt's PDF writer; a bare QGuiApplication left behind would abort the next widget test).
_QT_FOLDERS = (ROOT / "tests" / "ui", ROOT / "tests" / "report")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep every test away from the user's real config and data folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    yield


def _item_uses_qt(item) -> bool:
    if _QT.intersection(getattr(item, "fixturenames", ())):
        return True
    path = Path(str(item.fspath))
    return any(folder in path.parents for folder in _QT_FOLDERS)


def uses_qt(request) -> bool:
    return _item_uses_qt(request.node)


def _wait_without_connections(self, ms: int) -> None:
    """``qtbot.wait`` (and so ``waitUntil``'s polling) without a Python timer and signal
    connection made and dropped every 10 ms: a worker thread building the report's PDF creates
    Qt objects (each QTextDocument connects its layout) while holding the GIL, and the GUI
    thread's disconnect of a Python object's signal waits for the GIL while holding a Qt
    signal lock: a hang seen once in a full run. Here the GUI thread processes events in C++
    and sleeps (without the GIL) between rounds."""
    import time

    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + ms / 1000
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, max(1, ms))
        if time.monotonic() >= end:
            return
        time.sleep(0.001)


@pytest.fixture(autouse=True)
def _figures_in_en_us():
    """Every test starts and ends with figures in en_US and no variable labels: the app sets
    them process-wide for the scenario it shows (ui.main_window.show_figures_for)."""
    from simulator.analysis import formatting
    from simulator.model.keys import set_default_labels

    formatting.set_default_locale(None)
    set_default_labels({})
    yield
    formatting.set_default_locale(None)
    set_default_labels({})


@pytest.fixture(scope="session", autouse=True)
def _qt_application_first(request):
    """When the session has Qt tests, pytest-qt's QApplication is made before any
    session-wide fixture: the report fixtures write PDFs with Qt, and a bare QGuiApplication
    made there would abort the next widget test. A session of engine tests imports no Qt."""
    if any(_item_uses_qt(item) for item in request.session.items):
        request.getfixturevalue("qapp")
        from pytestqt.qtbot import QtBot

        QtBot.wait = _wait_without_connections   # see there
    yield


# ---------------------------------------------------------------------------------------
# Qt: settings, dialogs, and nothing left running
# ---------------------------------------------------------------------------------------

class Answers:
    """What the patched dialogs answer. Each call is recorded in ``asked``."""

    def __init__(self, message_box):
        self.warning = message_box.StandardButton.Discard
        self.question = message_box.StandardButton.Yes
        self.open_file = ""
        self.save_file = ""
        self.asked: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def _isolated_settings(request, tmp_path):
    """Qt tests: QSettings in a temporary folder, under a test-only organisation name."""
    if not uses_qt(request):
        yield None
        return
    request.getfixturevalue("qapp")
    from PySide6.QtCore import QStandardPaths

    from qtcheck import isolate_settings

    folder = isolate_settings(tmp_path / "settings")
    yield folder
    QStandardPaths.setTestModeEnabled(False)   # a test that turned it on leaves it off again


@pytest.fixture(autouse=True)
def answers(request, monkeypatch):
    """Qt tests: QMessageBox and QFileDialog never block; they answer what this says."""
    if not uses_qt(request):
        yield None
        return
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    a = Answers(QMessageBox)

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
    yield a


LEFTOVER_TIMERS: list[str] = []


@pytest.fixture(autouse=True)
def _no_leftovers(request):
    """Qt tests: fail one that leaves a worker running or an active timer in a live widget."""
    if not uses_qt(request):
        yield
        return
    request.getfixturevalue("qapp")
    from qtcheck import assert_qt_clean

    yield
    active = list(LEFTOVER_TIMERS)
    LEFTOVER_TIMERS.clear()
    assert_qt_clean(also_active=active)


@pytest.fixture
def no_leftovers(qapp):
    """Besides the checks every Qt test gets: no Python thread started by the test is left."""
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    from qtcheck import assert_qt_clean

    assert_qt_clean()
    extra = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert not extra, f"threads still running after the test: {extra}"


# ---------------------------------------------------------------------------------------
# The app's windows
# ---------------------------------------------------------------------------------------

def _close_and_check(window) -> None:
    """Close a window as the user would (discarding changes), then look for live timers."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

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


@pytest.fixture
def wizard(qtbot, no_leftovers):
    """A shown guided set-up with the bundled templates; today is 14 March 2025."""
    from ui.wizard import NewFromGuideWizard

    w = NewFromGuideWizard(today=TODAY)
    qtbot.addWidget(w)
    w.show()
    return w
