"""A message banner above the results: load errors, engine errors, notes. Never a modal storm."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout

_STYLES = {
    "error": ("#FDECEA", "#B71C1C", "#611A15"),
    "warning": ("#FFF4E5", "#E65100", "#663C00"),
    "info": ("#E8F4FD", "#0D47A1", "#0D3C61"),
}


class Banner(QFrame):
    """One message with optional details (a list of problems); the user can close it."""

    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.level = ""
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        col = QVBoxLayout()
        col.setSpacing(2)
        self.headline = QLabel()
        self.headline.setObjectName("bannerHeadline")
        self.headline.setWordWrap(True)
        f = self.headline.font()
        f.setBold(True)
        self.headline.setFont(f)
        self.details = QLabel()
        self.details.setObjectName("bannerDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.headline)
        col.addWidget(self.details)
        lay.addLayout(col, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.dismiss)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, headline: str, details: list[str] | str = (), level: str = "error") -> None:
        bg, border, ink = _STYLES.get(level, _STYLES["info"])
        self.level = level
        self.setStyleSheet(f"QFrame#banner {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
                           f" QFrame#banner QLabel {{ color: {ink}; }}")
        self.headline.setText(headline)
        if isinstance(details, str):
            details = [details] if details else []
        shown = list(details)[:8]
        if len(details) > 8:
            shown.append(f"… and {len(details) - 8} more")
        self.details.setText("\n".join(shown))
        self.details.setVisible(bool(shown))
        self.show()

    def text(self) -> str:
        return "\n".join(t for t in (self.headline.text(), self.details.text()) if t)

    def dismiss(self) -> None:
        self.level = ""
        self.hide()
        self.closed.emit()
