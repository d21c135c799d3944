"""The Qt checks behind tests/conftest.py's fixtures, also called by tests that want a check
of their own (a plain module: tests/ is on sys.path): settings kept in a temporary folder, and
at the end no worker left running, no active timer, every window closed."""

from __future__ import annotations

from pathlib import Path
import sys


def isolate_settings(folder: Path) -> Path:
    """QSettings in ``folder``, under a test-only organisation name: nothing touches the
    developer's real settings."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("investsim-tests")
    QCoreApplication.setApplicationName("investsim-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    return folder


def assert_qt_clean(*, timeout_ms: int = 30_000, visible_only: bool = False, also_active: list[str] = ()) -> None:
    """Wait for the workers (the global pool and the chart render pool), then fail if one is
    still running or a top-level window (``visible_only``: a visible one) has an active timer;
    ``also_active`` adds timers found earlier. Every top-level window is closed either way."""
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    pool = QThreadPool.globalInstance()
    finished = pool.waitForDone(timeout_ms)
    livecanvas = sys.modules.get("ui.livecanvas")     # chart pictures being made
    if livecanvas is not None:
        finished = livecanvas.wait_for_renders(timeout_ms) and finished
    QApplication.processEvents()
    assert finished and pool.activeThreadCount() == 0, "a worker thread is still running after the test"
    active = list(also_active)
    active += [f"{type(w).__name__}/{t.objectName() or 'QTimer'}"
               for w in QApplication.topLevelWidgets() if w.isVisible() or not visible_only
               for t in w.findChildren(QTimer) if t.isActive()]
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()
    assert not active, f"timers still running after the test: {active}"
