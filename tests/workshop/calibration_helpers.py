"""Helpers for the calibration trainer tests (a plain module: tests/workshop is on sys.path).

Fixtures defined here are imported by the test modules that need them, so this folder needs no
conftest of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest

from qtcheck import assert_qt_clean
from simulator.workshop.calibration import Question

ROOT = Path(__file__).resolve().parents[2]


def make_questions(n: int = 12, *, years: int = 0) -> tuple[Question, ...]:
    """``n`` questions whose answers are 100, 200, ... (the last ``years`` are dates 1900, 1910...)."""
    out = []
    for i in range(1, n + 1):
        if i > n - years:
            out.append(Question(f"y{i}", f"Year question {i}?", 1900.0 + 10 * i, "year", f"Source {i}", "history"))
        else:
            out.append(Question(f"q{i}", f"Question {i}?", 100.0 * i, "units", f"Source {i}", "test"))
    return tuple(out)


def ranges_with_hits(questions, hits: int, *, width: float = 0.1) -> list[tuple[float, float]]:
    """Ranges around each answer (``width`` of it on each side); the first ``hits`` contain the
    answer, the others sit just above it."""
    out = []
    for i, q in enumerate(questions):
        half = abs(q.answer) * width or 1.0
        if i < hits:
            out.append((q.answer - half, q.answer + half))
        else:
            out.append((q.answer + half, q.answer + 3 * half))
    return out


def imported_modules(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter and list the Qt and matplotlib modules it loaded."""
    probe = code + "; import sys; print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('PySide6', 'matplotlib'))}))"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return eval(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def calib_qt(qapp):
    """Qt for a calibration dialog test: QStandardPaths in test mode (never the user's real data
    folder), and at the end no worker thread or active timer may be left behind."""
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    yield qapp
    assert_qt_clean()
