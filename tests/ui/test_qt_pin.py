"""The PySide6 pin instead of a patch: 6.12.0's abi3 wheels dropped a reference to
None/True/False on every void call and signal emit under Python 3.11 (the interpreter aborted
after some thousands). pyproject.toml pins PySide6 below 6.12, so the app patches nothing at
import; this checks that the PySide6 installed keeps the counts, so loosening the pin onto a
faulty release fails here and not in a user's session."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Pinger(QObject):
    ping = Signal(object)


def test_many_signals_and_void_calls_do_not_crash_the_interpreter(qtbot):
    pinger = _Pinger()
    pinger.ping.connect(lambda _x: None)
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5_000):          # the faulty wheels lose 5,000 references of each here
        pinger.ping.emit(None)
        label.setText("x")
        pinger.blockSignals(False)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(b - a < 500 for a, b in zip(after, before, strict=True)), f"reference counts ran down: {before} -> {after}"


def test_the_pin_excludes_the_faulty_release():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    (spec,) = [d for d in data["project"]["dependencies"] if d.lower().startswith("pyside6")]
    assert "<6.12" in spec.replace(" ", ""), spec
