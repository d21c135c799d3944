"""Does every text of a window fit at a projector size? (a plain module in tests/, which is on
sys.path). Used by the calibration, what-if and wizard layout tests."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractScrollArea, QApplication, QComboBox, QLabel, QLineEdit, QWidget,
)

#: The projector sizes of issue 18.
PROJECTOR_SIZES = ((1280, 720), (1024, 768))


def _in_scroll_area(widget: QWidget, top: QWidget) -> QAbstractScrollArea | None:
    w = widget.parentWidget()
    while w is not None and w is not top:
        if isinstance(w, QAbstractScrollArea):
            return w
        w = w.parentWidget()
    return None


def clipped_texts(top: QWidget) -> list[str]:
    """Every visible text of ``top`` that does not fit: a label, button or field whose text
    needs more room than it has, or that lies outside the window (or, inside a scroll area,
    wider than the area: horizontal scrolling on a projector hides it). Empty when all fit."""
    QApplication.processEvents()
    problems: list[str] = []
    frame = QRect(QPoint(0, 0), top.size())
    for w in top.findChildren(QWidget):
        if not w.isVisibleTo(top) or not isinstance(w, (QLabel, QAbstractButton, QLineEdit, QComboBox)):
            continue
        text = w.currentText() if isinstance(w, QComboBox) else w.text() if hasattr(w, "text") else ""
        if not text or w.width() <= 1:
            continue
        name = f"{type(w).__name__} {text[:40]!r}"
        rect = QRect(w.mapTo(top, QPoint(0, 0)), w.size())
        area = _in_scroll_area(w, top)
        if area is None:
            if not frame.contains(rect):
                problems.append(f"{name} lies outside the window ({rect} in {frame})")
        else:
            view = area.viewport()
            left = w.mapTo(view, QPoint(0, 0)).x()
            if left < 0 or left + w.width() > view.width() + 1:
                problems.append(f"{name} is wider than its scroll area")
        if isinstance(w, QLabel) and w.wordWrap():
            if w.heightForWidth(w.width()) > w.height() + 2:
                problems.append(f"{name} needs {w.heightForWidth(w.width())} px of height, has {w.height()}")
        elif isinstance(w, (QLabel, QAbstractButton)):
            if w.sizeHint().width() > w.width() + 2 and w.minimumSizeHint().width() > w.width() + 2:
                problems.append(f"{name} needs {w.sizeHint().width()} px, has {w.width()}")
    return problems


def show_at(qtbot, window: QWidget, width: int, height: int) -> None:
    """Show ``window`` at exactly ``width`` x ``height`` (a projector's screen) and check it
    did not insist on more."""
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    assert window.width() <= width and window.height() <= height, (
        f"{type(window).__name__} asks for {window.width()}x{window.height()} on a {width}x{height} screen")
