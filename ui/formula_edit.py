"""A one-line formula field that marks unknown names and syntax errors where they are."""

from __future__ import annotations

import difflib

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QColor, QInputMethodEvent, QTextCharFormat
from PySide6.QtWidgets import QLineEdit

from simulator.model.expressions import FUNCTIONS, Formula, FormulaError, parse


class FormulaEdit(QLineEdit):
    """Type a formula over the scenario's variables.

    ``problem`` carries a plain-words message after each change ("" when the formula is fine);
    unknown names and the place of a syntax error are underlined in red inside the text.
    """

    problem = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setPlaceholderText("e.g. units * unit_price * 0.3")
        self.setToolTip("A formula over the shared inputs (variables): + - * / ** and parentheses, and the "
                        "functions " + ", ".join(sorted(FUNCTIONS)) + ".")
        self._names: set[str] = set()
        self.formula: Formula | None = None
        self.message = ""
        self.unknown: list[str] = []
        self.textChanged.connect(self._check)

    def set_names(self, names) -> None:
        self._names = set(names)
        self._check(self.text())

    def _check(self, text: str) -> None:
        marks: list[tuple[int, int]] = []
        self.formula = None
        self.unknown = []
        if not text.strip():
            self.message = "Enter a formula."
        else:
            try:
                formula = parse(text)
            except FormulaError as exc:
                self.message = f"{exc.message}" + (f" (at character {exc.position + 1})"
                                                   if exc.position is not None else "")
                if exc.position is not None:
                    marks.append((exc.position, exc.length))
            else:
                self.formula = formula
                unknown = [n for n in dict.fromkeys(name for name, _, _ in formula.name_spans)
                           if n not in self._names]
                self.unknown = unknown
                for name, start, end in formula.name_spans:
                    if name in unknown:
                        marks.append((start, end - start))
                if unknown:
                    parts = []
                    for n in unknown:
                        close = difflib.get_close_matches(n, sorted(self._names), n=1, cutoff=0.6)
                        parts.append(f"'{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
                    self.message = ("Not a variable: " if len(unknown) == 1 else "Not variables: ") \
                        + ", ".join(parts) + ". Add it under Shared inputs or fix the name."
                else:
                    self.message = ""
        self._mark(marks)
        self.problem.emit(self.message)

    def _mark(self, spans: list[tuple[int, int]]) -> None:
        """Underline character ranges (QLineEdit has no rich text: use input-method formats)."""
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor("#C62828"))
        fmt.setForeground(QColor("#C62828"))
        attrs = [QInputMethodEvent.Attribute(QInputMethodEvent.AttributeType.TextFormat,
                                             start - self.cursorPosition(), length, fmt)
                 for start, length in spans]
        QCoreApplication.sendEvent(self, QInputMethodEvent("", attrs))
