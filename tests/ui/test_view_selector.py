"""Every results view reachable at a projector's size: the view selector shows every view's
whole name at 1024x768, 1280x720 and 1400x900, and a view is chosen by mouse and by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

SIZES = [(1024, 768), (1280, 720), (1400, 900)]


def _settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.tabs.selector.isVisible(), timeout=10_000)
    qtbot.wait(50)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_name_is_shown_whole_at_each_size(make_window, qtbot, size):
    window = make_window(None, persist=False)
    window.sync_chart_tabs()
    window.resize(*size)
    _settle(qtbot, window)
    selector = window.tabs.selector
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert selector.titles() == titles and len(titles) >= 9
    assert "Where value comes from" in titles
    for button in selector.buttons:
        assert button.isVisible()
        geo = button.geometry()
        assert geo.left() >= 0 and geo.right() < selector.width() and geo.bottom() < selector.height()
        text_px = QFontMetrics(button.font()).horizontalAdvance(button.text())
        assert geo.width() >= text_px, f"{button.text()!r} is cut"
    assert selector.rows() <= 3
    # the chart keeps most of the window: the selector takes at most three rows
    assert selector.height() < 0.15 * size[1]


def test_each_view_is_chosen_by_mouse(make_window, qtbot):
    window = make_window(None, persist=False)
    window.sync_chart_tabs()
    window.resize(1024, 768)
    _settle(qtbot, window)
    for i, button in enumerate(window.tabs.selector.buttons):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert window.tabs.currentIndex() == i
        assert button.isChecked()
        assert sum(b.isChecked() for b in window.tabs.selector.buttons) == 1


def test_each_view_is_chosen_by_keyboard(make_window, qtbot):
    window = make_window(None, persist=False)
    window.sync_chart_tabs()
    window.activateWindow()
    _settle(qtbot, window)
    count = window.tabs.count()
    for i in range(min(count, 9)):      # Ctrl+1 ... Ctrl+9 (the View menu)
        QTest.keyClick(window, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == i
    window.tabs.setCurrentIndex(0)
    seen = []
    for _ in range(count):              # Ctrl+PgDown walks through every view and wraps around
        QTest.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        seen.append(window.tabs.currentIndex())
    assert sorted(seen) == list(range(count)) and seen[-1] == 0
    QTest.keyClick(window, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == count - 1
    assert window.tabs.selector.buttons[count - 1].isChecked()


def test_the_tab_option_still_selects_a_view_and_the_selector_follows(make_window, qtbot):
    window = make_window(None, persist=False)
    window.sync_chart_tabs()
    assert window.select_tab("value_sources")
    index = window.tabs.currentIndex()
    assert window.tabs.tabText(index) == "Where value comes from"
    assert window.tabs.selector.buttons[index].isChecked()
    assert window.select_tab("Where value comes from")
