"""The results' view selector: every view's name visible at once, in as many rows as the width
needs (a projector at 1024x768 shows two rows), instead of a tab bar that scrolls views away.

:class:`ViewTabs` is a ``QTabWidget`` (so the window's code keeps adding, naming and choosing
views through the usual calls) whose own tab bar is hidden; its :attr:`ViewTabs.selector`, a
:class:`ViewSelector` of checkable buttons, is placed above it by :meth:`ViewTabs.with_selector`.
Keyboard: Ctrl+1...9 (the View menu), Ctrl+PgDown / Ctrl+PgUp for the next and previous view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QSizePolicy, QTabWidget, QToolButton, QVBoxLayout, QWidget


class ViewSelector(QWidget):
    """A row (or rows) of toggle buttons, one per view; flows onto a new row when the width
    runs out, so no name is ever cut or scrolled away."""

    chosen = Signal(int)

    H_GAP = 2
    V_GAP = 2

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("viewSelector")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self.chosen)
        self.buttons: list[QToolButton] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._height = 0

    def set_views(self, titles: list[str], tips: list[str], current: int) -> None:
        """One button per view. Buttons are kept and renamed (the window renames and retips its
        views one by one while it starts): only new views get a new button."""
        while len(self.buttons) > len(titles):
            b = self.buttons.pop()
            self.group.removeButton(b)
            b.deleteLater()
        changed = False
        for i, (title, tip) in enumerate(zip(titles, tips)):
            if i == len(self.buttons):
                self.buttons.append(self._button(i))
                changed = True
            b = self.buttons[i]
            text = title.replace("&", "&&")
            if b.text() != text:
                b.setText(text)
                changed = True
            shortcut = f" (Ctrl+{i + 1})" if i < 9 else ""
            b.setToolTip(f"{tip}{shortcut}" if tip else shortcut.strip(" ()"))
        self.set_current(current)
        if changed:
            self._relayout(self.width())

    def _button(self, i: int) -> QToolButton:
        b = QToolButton(self)
        b.setObjectName(f"view_{i}")
        b.setCheckable(True)
        b.setAutoRaise(True)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setStyleSheet("QToolButton { padding: 2px 6px; border: 1px solid transparent; border-radius: 3px; }"
                        "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text); }"
                        "QToolButton:hover:!checked { border-color: palette(mid); }")
        self.group.addButton(b, i)
        b.show()
        return b

    def set_current(self, index: int) -> None:
        if 0 <= index < len(self.buttons):
            self.buttons[index].setChecked(True)

    def titles(self) -> list[str]:
        return [b.text().replace("&&", "&") for b in self.buttons]

    def _relayout(self, width: int) -> int:
        """Place the buttons in rows of ``width``; returns the height they take."""
        x = y = 0
        row_h = 0
        width = max(width, 1)
        for b in self.buttons:
            hint = b.sizeHint()
            if x > 0 and x + hint.width() > width:
                x = 0
                y += row_h + self.V_GAP
                row_h = 0
            b.setGeometry(x, y, hint.width(), hint.height())
            x += hint.width() + self.H_GAP
            row_h = max(row_h, hint.height())
        height = y + row_h
        if height != self._height:
            self._height = height
            self.setFixedHeight(height)
        return height

    def rows(self) -> int:
        return len({b.y() for b in self.buttons})

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout(event.size().width())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._relayout(self.width())


class ViewTabs(QTabWidget):
    """A tab widget whose views are chosen with a :class:`ViewSelector` (kept in step with the
    tabs added, removed, renamed and chosen) instead of its tab bar."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.selector = ViewSelector()
        self.tabBar().hide()
        self.selector.chosen.connect(self.setCurrentIndex)
        self.currentChanged.connect(self.selector.set_current)
        self._container: QWidget | None = None

    def with_selector(self) -> QWidget:
        """A widget with the selector above these views (put it where the tabs would go), with
        Ctrl+PgDown / Ctrl+PgUp for the next / previous view."""
        if self._container is None:
            box = QWidget()
            box.setObjectName("resultViews")
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(4)
            lay.addWidget(self.selector)
            lay.addWidget(self, 1)
            for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
                sc = QShortcut(QKeySequence(keys), box)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(lambda s=step: self.step(s))
            self._container = box
        return self._container

    def step(self, by: int) -> None:
        """Show the next (``by`` 1) or previous (-1) view, wrapping around."""
        if self.count():
            self.setCurrentIndex((self.currentIndex() + by) % self.count())

    def _sync(self) -> None:
        self.selector.set_views([self.tabText(i) for i in range(self.count())],
                                [self.tabToolTip(i) for i in range(self.count())], self.currentIndex())

    def tabInserted(self, index: int) -> None:  # noqa: N802 (Qt override)
        super().tabInserted(index)
        self._sync()

    def tabRemoved(self, index: int) -> None:  # noqa: N802 (Qt override)
        super().tabRemoved(index)
        self._sync()

    def setTabText(self, index: int, text: str) -> None:  # noqa: N802 (Qt override)
        super().setTabText(index, text)
        self._sync()

    def setTabToolTip(self, index: int, tip: str) -> None:  # noqa: N802 (Qt override)
        super().setTabToolTip(index, tip)
        self._sync()
