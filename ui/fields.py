"""Small input fields for the inspector, each with its own error line.

A field shows a value from the model (``set_value``, no signal) and emits ``committed(value)``
when the user confirms a change (Enter, leaving the field, picking from a list). It never
keeps data of its own: the inspector decides whether the value is applied.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QVBoxLayout,
                               QWidget)

from .numbers import NumberError, format_number, parse_number


class Field(QWidget):
    committed = Signal(object)

    def __init__(self, editor: QWidget, tooltip: str = "", parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        self.editor = editor
        if tooltip:
            editor.setToolTip(tooltip)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B71C1C;")
        self.error.hide()
        lay.addWidget(editor)
        lay.addWidget(self.error)
        self._value = None

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def value(self):
        return self._value


class TextField(Field):
    def __init__(self, tooltip: str = "", *, required: bool = True, placeholder: str = "", parent=None):
        super().__init__(QLineEdit(), tooltip, parent)
        self.required = required
        self.editor.setPlaceholderText(placeholder)
        self.editor.editingFinished.connect(self._done)
        self.editor.textEdited.connect(lambda _t: self.set_error(None))

    def set_value(self, value: str) -> None:
        self._value = value
        if self.editor.text() != (value or ""):
            self.editor.setText(value or "")
            self.editor.setCursorPosition(0)
        self.set_error(None)

    def _done(self) -> None:
        text = self.editor.text().strip()
        if text == (self._value or "").strip():
            return
        if self.required and not text:
            self.set_error("This cannot be empty.")
            return
        self.committed.emit(text)


class LongTextField(Field):
    """Several lines; applied when the field loses focus."""

    def __init__(self, tooltip: str = "", parent=None):
        edit = _FocusOutText()
        super().__init__(edit, tooltip, parent)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(64)
        edit.focusLost.connect(self._done)

    def set_value(self, value: str) -> None:
        self._value = value or ""
        if self.editor.toPlainText() != self._value:
            self.editor.setPlainText(self._value)

    def _done(self) -> None:
        text = self.editor.toPlainText().strip()
        if text != self._value.strip():
            self.committed.emit(text)


class _FocusOutText(QPlainTextEdit):
    focusLost = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.focusLost.emit()


class NumberField(Field):
    """A number typed as people do (1.2M, 250k, 8%). Blank means "not set" when optional."""

    def __init__(self, unit: str = "number", tooltip: str = "", *, optional: bool = False,
                 lo: float | None = None, hi: float | None = None, placeholder: str = "", parent=None):
        super().__init__(QLineEdit(), tooltip, parent)
        self.unit = unit
        self.optional = optional
        self.lo, self.hi = lo, hi
        self.editor.setPlaceholderText(placeholder)
        self.editor.editingFinished.connect(self._done)
        self.editor.textEdited.connect(self._typed)

    def set_value(self, value) -> None:
        self._value = value
        text = format_number(value, self.unit) if value is not None else ""
        if self.editor.text() != text:
            self.editor.setText(text)
        self.set_error(None)

    def _parse(self):
        text = self.editor.text()
        if not text.strip():
            if self.optional:
                return None
            raise NumberError("enter a number")
        value = parse_number(text, self.unit)
        shown = (lambda v: format_number(v, self.unit))
        if self.lo is not None and value < self.lo:
            raise NumberError(f"must be at least {shown(self.lo)}")
        if self.hi is not None and value > self.hi:
            raise NumberError(f"must be at most {shown(self.hi)}")
        return value

    def _typed(self, _text: str) -> None:
        try:
            self._parse()
        except NumberError as exc:
            self.set_error(str(exc)[:1].upper() + str(exc)[1:])
        else:
            self.set_error(None)

    def _done(self) -> None:
        try:
            value = self._parse()
        except NumberError as exc:
            self.set_error(str(exc)[:1].upper() + str(exc)[1:])
            return
        if value == self._value:
            return
        self.committed.emit(value)


class IntField(Field):
    """A whole number with arrows; ``none_text`` makes the lowest value mean "not set"."""

    def __init__(self, lo: int, hi: int, tooltip: str = "", *, none_text: str = "", suffix: str = "", parent=None):
        spin = QSpinBox()
        super().__init__(spin, tooltip, parent)
        self.none_text = none_text
        spin.setKeyboardTracking(False)
        spin.setGroupSeparatorShown(True)
        spin.setRange(lo - 1 if none_text else lo, hi)
        if none_text:
            spin.setSpecialValueText(none_text)
        if suffix:
            spin.setSuffix(suffix)
        spin.valueChanged.connect(self._changed)
        self._loading = False

    def set_value(self, value) -> None:
        self._value = value
        self._loading = True
        try:
            spin = self.editor
            target = spin.minimum() if value is None else int(value)
            if spin.value() != target:
                spin.setValue(target)
        finally:
            self._loading = False
        self.set_error(None)

    def _changed(self, v: int) -> None:
        if self._loading:
            return
        value = None if (self.none_text and v == self.editor.minimum()) else v
        if value != self._value:
            self.committed.emit(value)


class ChoiceField(Field):
    """Pick one of (value, label) pairs; ``editable`` lets people type their own."""

    def __init__(self, choices, tooltip: str = "", *, editable: bool = False, parent=None):
        combo = QComboBox()
        super().__init__(combo, tooltip, parent)
        combo.setEditable(editable)
        for value, label in choices:
            combo.addItem(label, value)
        combo.activated.connect(self._picked)
        if editable:
            combo.lineEdit().editingFinished.connect(self._typed)
        self._loading = False

    def set_value(self, value) -> None:
        self._value = value
        combo = self.editor
        self._loading = True
        try:
            idx = combo.findData(value)
            if idx < 0 and combo.isEditable():
                combo.setEditText("" if value is None else str(value))
            elif idx >= 0:
                combo.setCurrentIndex(idx)
        finally:
            self._loading = False
        self.set_error(None)

    def _picked(self, index: int) -> None:
        value = self.editor.itemData(index)
        if value != self._value:
            self.committed.emit(value)

    def _typed(self) -> None:
        text = self.editor.currentText().strip()
        idx = self.editor.findText(text, Qt.MatchFlag.MatchFixedString)
        value = self.editor.itemData(idx) if idx >= 0 else text
        if value != self._value:
            self.committed.emit(value)


class CheckField(Field):
    def __init__(self, text: str, tooltip: str = "", parent=None):
        super().__init__(QCheckBox(text), tooltip, parent)
        self.editor.toggled.connect(self._toggled)
        self._loading = False

    def set_value(self, value: bool) -> None:
        self._value = bool(value)
        self._loading = True
        try:
            self.editor.setChecked(bool(value))
        finally:
            self._loading = False

    def _toggled(self, on: bool) -> None:
        if not self._loading and on != self._value:
            self.committed.emit(on)


class DepreciationField(Field):
    """How an investment is written off for tax: "straight line" (over its life) or a schedule
    of yearly percentages of the price, typed or pasted: "20%, 32%, 19.2%, 11.52%, 11.52%, 5.76%"."""

    STRAIGHT = "straight line"

    def __init__(self, tooltip: str = "", parent=None):
        super().__init__(QLineEdit(), tooltip, parent)
        self.editor.setPlaceholderText("straight line, or 33.33%, 44.45%, 14.81%, 7.41%")
        self.editor.editingFinished.connect(self._done)
        self.editor.textEdited.connect(lambda _t: self.set_error(None))

    @staticmethod
    def text_of(value) -> str:
        if value is None or isinstance(value, str):
            return DepreciationField.STRAIGHT
        return ", ".join(format_number(v, "percent") for v in value)

    def set_value(self, value) -> None:
        self._value = value
        text = self.text_of(value)
        if self.editor.text() != text:
            self.editor.setText(text)
            self.editor.setCursorPosition(0)
        self.set_error(None)

    def parse(self, text: str):
        text = text.strip()
        if not text or text.lower().replace("_", " ") == self.STRAIGHT:
            return "straight_line"
        parts = [p for p in text.replace("\t", ",").replace(";", ",").replace("\n", ",").split(",") if p.strip()]
        try:
            values = tuple(parse_number(p, "percent") for p in parts)
        except NumberError as exc:
            raise NumberError(f"{exc}; write 'straight line' or percentages such as 20%, 32%, 48%") from None
        total = sum(values)
        if abs(total - 1.0) > 0.0005:
            raise NumberError(f"the percentages add up to {total * 100:.4g}%; they must add up to 100% of the price")
        return values

    def _done(self) -> None:
        try:
            value = self.parse(self.editor.text())
        except NumberError as exc:
            self.set_error(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return
        if value == self._value or (value == "straight_line" and self._value in (None, "straight_line")):
            return
        self.committed.emit(value)
