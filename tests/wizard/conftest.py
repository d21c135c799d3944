"""Fixtures for the guided set-up's tests.

The template tests never import Qt. The wizard tests ask for ``wizard`` (or ``no_leftovers``),
which runs Qt offscreen, keeps QSettings in a temporary folder, and fails a test that leaves a
worker thread or an active timer behind.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

from qtcheck import assert_qt_clean, isolate_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TODAY = dt.date(2025, 3, 14)


@pytest.fixture
def no_leftovers(qapp, tmp_path):
    isolate_settings(tmp_path / "settings")
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    assert_qt_clean()
    extra = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert not extra, f"threads still running after the test: {extra}"


@pytest.fixture
def wizard(qtbot, no_leftovers):
    """A shown guided set-up with the bundled templates; today is 14 March 2025."""
    from ui.wizard import NewFromGuideWizard

    w = NewFromGuideWizard(today=TODAY)
    qtbot.addWidget(w)
    w.show()
    return w
