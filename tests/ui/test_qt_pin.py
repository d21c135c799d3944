"""The guard against PySide6 6.12's reference-count bug on Python 3.11 (see ui/qtfix.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from uihelpers import ROOT

_STRESS = """
import sys
import ui   # the guard comes with the package
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
class A(QObject):
    ping = Signal(object)
a = A()
a.ping.connect(lambda x: None)
label = QLabel()
for i in range(100_000):       # far more than the ~3,000 that crashed before the guard
    a.ping.emit(None)
    label.setText("x")
print("survived", ui.qtfix.applied)
"""


def test_many_signals_and_void_calls_do_not_crash_the_interpreter():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _STRESS], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "survived" in proc.stdout


def test_the_guard_is_on_wherever_the_ui_package_is_imported():
    import ui.qtfix as qtfix

    assert qtfix.applied == (sys.version_info < (3, 12) and not hasattr(sys, "gettotalrefcount"))


def test_importing_the_charts_does_not_import_qt():
    code = "import sys, ui.charts; print([m for m in sys.modules if m.startswith('PySide6')])"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="agg")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"
