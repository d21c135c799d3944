"""The amount editor: a number, a range, a distribution, a chance or a formula, with a live
preview of what it means.

Typing updates the preview and the sentence at once; the amount is *applied* (one undoable
command) when a field is confirmed (Enter, or leaving it) or the kind changes, and only when it
is valid. Problems show in plain words next to the field and are never applied.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMenu, QPushButton, QSizePolicy, QStackedWidget, QTableWidget, QTableWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from simulator.analysis.describe import Sketch, chance_of, describe_amount, format_values, resolve_unit, sketch
from simulator.model.distributions import (Bernoulli, Discrete, DistributionError, LogNormal, Normal, Pert,
                                     Range90, Triangular, Uniform, from_spec)
from simulator.model.expressions import Formula, FormulaError, parse as parse_formula
from simulator.model.scenario import YearlyAmounts

from .numbers import NumberError, format_number, parse_number

#: (key, label in the menu, tooltip)
KINDS: tuple[tuple[str, str, str], ...] = (
    ("none", "Not set", "Leave this out."),
    ("fixed", "Fixed number", "One known number."),
    ("range", "Range — 90% sure it is between", "You are 90% sure the value lies between a low and a high "
     "number (5% chance below, 5% above). The easiest way to say 'I don't know exactly'."),
    ("triangular", "Triangular — lowest, most likely, highest", "Never below the lowest or above the highest; "
     "most often near the most likely value."),
    ("pert", "PERT — lowest, most likely, highest", "Like triangular, but smoother and less weight on the "
     "extremes: a common choice for cost and time estimates."),
    ("normal", "Normal — average and spread", "The familiar bell curve around an average."),
    ("lognormal", "Lognormal — average and spread, skewed", "Never negative, with a long tail to the high side: "
     "good for costs that can overrun and benefits that can surprise."),
    ("uniform", "Uniform — any value between", "Every value between the lowest and the highest equally likely."),
    ("chance", "Chance of happening", "An amount that happens with some chance, otherwise nothing."),
    ("discrete", "List of values", "One of a few possible values, each with its own weight."),
    ("formula", "Formula", "Worked out from the shared inputs (variables), e.g. units * unit_price."),
    ("yearly", "Year by year — one amount per year", "A row of amounts, one for each year from the item's first "
     "year; the item ends with the row. Type them, or paste a row copied from a spreadsheet."),
)
_KIND_LABEL = {k: label for k, label, _ in KINDS}

#: fields of each kind: (name, label, unit override or None)
_FIELDS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "fixed": (("value", "Amount", None),),
    "range": (("low", "Low (5% chance below)", None), ("high", "High (5% chance above)", None)),
    "triangular": (("min", "Lowest", None), ("mode", "Most likely", None), ("max", "Highest", None)),
    "pert": (("min", "Lowest", None), ("mode", "Most likely", None), ("max", "Highest", None)),
    "normal": (("mean", "Average", None), ("sd", "Spread (standard deviation)", None)),
    "lognormal": (("mean", "Average", None), ("sd", "Spread (standard deviation)", None)),
    "uniform": (("min", "Lowest", None), ("max", "Highest", None)),
    "chance": (("p", "Chance it happens", "percent"), ("x", "Amount if it happens", None)),
    "discrete": (("values", "Values (comma-separated)", "list"), ("weights", "Weights (optional)", "list")),
}
_LIMITED = ("range", "triangular", "pert", "normal", "lognormal", "uniform", "discrete")


def kind_of(amount) -> str:
    if amount is None:
        return "none"
    if isinstance(amount, YearlyAmounts):
        return "yearly"
    if isinstance(amount, Formula):
        return "formula"
    if isinstance(amount, (int, float)):
        return "fixed"
    if chance_of(amount) is not None and not isinstance(amount, Bernoulli):
        return "chance"
    return {Range90: "range", Triangular: "triangular", Pert: "pert", Normal: "normal", LogNormal: "lognormal",
            Uniform: "uniform", Discrete: "discrete", Bernoulli: "discrete"}.get(type(amount), "fixed")


def _round3(x: float) -> float:
    """Three significant digits: prefilled fields should look typed by a person."""
    if x == 0 or not math.isfinite(x):
        return 0.0 if not math.isfinite(x) else x
    digits = 2 - int(math.floor(math.log10(abs(x))))
    return float(round(x, digits))


class DistributionPreview(QWidget):
    """A small histogram of an amount with its P5, P50 and P95 marked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("preview")
        self.setMinimumHeight(86)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._sketch: Sketch | None = None
        self._labels: list[str] = []
        self._stale = False
        self._color = QColor("#0072B2")

    def sizeHint(self) -> QSize:
        return QSize(300, 96)

    def set_color(self, color: str) -> None:
        self._color = QColor(color)
        self.update()

    def set_sketch(self, sk: Sketch | None, unit: str, currency: str) -> None:
        self._sketch = sk
        self._stale = False
        self._labels = format_values([sk.p5, sk.p50, sk.p95], unit, currency) if sk is not None else []
        self.setToolTip("" if sk is None else
                        f"P5 {self._labels[0]} · P50 {self._labels[1]} · P95 {self._labels[2]}\n"
                        "5% of draws are below P5, half below P50, 95% below P95.")
        self.update()

    def set_stale(self, stale: bool) -> None:
        self._stale = stale
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        p.fillRect(self.rect(), QColor("#FAFAFA"))
        sk = self._sketch
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = p.fontMetrics()
        if sk is None:
            p.setPen(QColor("#888888"))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "No preview")
            return
        label_h = fm.height() + 2
        plot = QRectF(r.left(), r.top(), r.width(), r.height() - label_h)
        draws = sk.draws
        lo, hi = float(np.quantile(draws, 0.005)), float(np.quantile(draws, 0.995))
        if not hi > lo:
            span = abs(lo) * 0.2 or 1.0
            lo, hi = lo - span, hi + span
        pad = 0.04 * (hi - lo)
        lo, hi = lo - pad, hi + pad

        def x_of(v: float) -> float:
            return plot.left() + (v - lo) / (hi - lo) * plot.width()

        color = QColor(self._color)
        if self._stale:
            color = QColor("#BBBBBB")
        values = np.unique(draws)
        if values.size <= 12:   # a few values: bars
            counts = np.array([(draws == v).sum() for v in values], dtype=float)
            top = counts.max()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            for v, c in zip(values, counts):
                h = (plot.height() - 4) * c / top
                p.drawRect(QRectF(x_of(float(v)) - 3, plot.bottom() - h, 6, h))
        else:
            bins = 40
            counts, edges = np.histogram(np.clip(draws, lo, hi), bins=bins, range=(lo, hi))
            top = max(counts.max(), 1)
            path = QPainterPath(QPointF(plot.left(), plot.bottom()))
            for c, e0, e1 in zip(counts, edges[:-1], edges[1:]):
                y = plot.bottom() - (plot.height() - 4) * c / top
                path.lineTo(QPointF(x_of(e0), y))
                path.lineTo(QPointF(x_of(e1), y))
            path.lineTo(QPointF(plot.right(), plot.bottom()))
            path.closeSubpath()
            fill = QColor(color)
            fill.setAlpha(110)
            p.setPen(QPen(color, 1.2))
            p.setBrush(fill)
            p.drawPath(path)
        p.setPen(QPen(QColor("#999999"), 1))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        # P5 / P50 / P95 ticks and labels
        marks = [("P5", sk.p5), ("P50", sk.p50), ("P95", sk.p95)]
        last_right = -1e9
        for (name, v), text in zip(marks, self._labels):
            x = x_of(v)
            p.setPen(QPen(QColor("#333333"), 1, Qt.PenStyle.DashLine if name != "P50" else Qt.PenStyle.SolidLine))
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            label = f"{name} {text}"
            w = fm.horizontalAdvance(label)
            left = min(max(x - w / 2, r.left()), r.right() - w)
            if left < last_right + 6:
                left = last_right + 6
            p.setPen(QColor("#333333"))
            p.drawText(QPointF(left, r.bottom() - fm.descent()), label)
            last_right = left + w


class _ParamField(QWidget):
    """A line edit with its own error line underneath."""

    def __init__(self, name: str, unit: str, parent=None):
        super().__init__(parent)
        self.name = name
        self.unit = unit
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"param_{name}")
        if unit == "money":
            self.edit.setToolTip("Type 250000, 250k, 1.2M or 2.5e6.")
        elif unit == "percent":
            self.edit.setToolTip("Type 8% or 0.08.")
        elif unit == "list":
            self.edit.setToolTip("Numbers separated by commas, e.g. 1, 2, 3.")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B71C1C;")
        self.error.hide()
        lay.addWidget(self.edit)
        lay.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.edit.setStyleSheet("QLineEdit { border: 1px solid #C62828; }" if message else "")


def parse_row(text: str) -> list[str]:
    """Cells of a row pasted from a spreadsheet (tabs), a column (new lines), or typed with
    commas or semicolons. Empty cells at the ends are dropped."""
    if "\t" in text or "\n" in text.strip():
        parts = [p for line in text.strip().splitlines() for p in line.split("\t")]
    elif ";" in text:
        parts = text.split(";")
    else:
        # "1, 2, 3" is three cells; "12,887" is one number with a thousands separator.
        parts = text.split(",") if ", " in text or ("," in text and not _one_number(text)) else [text]
    parts = [p.strip() for p in parts]
    while parts and not parts[-1]:
        parts.pop()
    while parts and not parts[0]:
        parts.pop(0)
    return parts


def _one_number(text: str) -> bool:
    try:
        parse_number(text, "money")
    except NumberError:
        return False
    return True


class YearTable(QTableWidget):
    """One row of amounts, a column per year from ``first_year``. Paste (Ctrl+V) a row copied
    from a spreadsheet: it fills the cells from the current one on, adding years as needed."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(1, 3, parent)
        self.setObjectName("yearTable")
        self.first_year = 1
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.setMaximumHeight(64)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setToolTip("One amount per year (250k, 1.2M, or a formula). Paste a row from a spreadsheet with Ctrl+V.")
        self._filling = False
        self.cellChanged.connect(self._cell_changed)
        self._headers()

    def _headers(self) -> None:
        self.setHorizontalHeaderLabels([f"Year {self.first_year + c}" for c in range(self.columnCount())])
        for c in range(self.columnCount()):
            self.setColumnWidth(c, 78)

    def set_first_year(self, year: int) -> None:
        self.first_year = year
        self._headers()

    def set_texts(self, texts: list[str]) -> None:
        self._filling = True
        try:
            self.setColumnCount(max(len(texts), 1))
            for c, text in enumerate(texts):
                self.setItem(0, c, QTableWidgetItem(text))
            self._headers()
        finally:
            self._filling = False

    def texts(self) -> list[str]:
        out = []
        for c in range(self.columnCount()):
            item = self.item(0, c)
            out.append(item.text().strip() if item is not None else "")
        while out and not out[-1]:
            out.pop()
        return out

    def paste(self, text: str) -> None:
        cells = parse_row(text)
        if not cells:
            return
        start = max(self.currentColumn(), 0)
        texts = self.texts()
        texts += [""] * max(0, start - len(texts))
        texts[start:start + len(cells)] = cells
        self.set_texts(texts)
        self.changed.emit()

    def add_year(self) -> None:
        texts = self.texts()
        self.set_texts(texts + [texts[-1] if texts else "0"])
        self.changed.emit()

    def remove_year(self) -> None:
        texts = self.texts()
        if len(texts) > 1:
            self.set_texts(texts[:-1])
            self.changed.emit()

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste(QGuiApplication.clipboard().text())
            return
        super().keyPressEvent(event)

    def _cell_changed(self, _row: int, _col: int) -> None:
        if not self._filling:
            self.changed.emit()


class AmountEditor(QWidget):
    """Edit one amount. ``committed(amount)`` fires with a valid new amount to apply."""

    committed = Signal(object)
    #: The in-progress input changed (valid or not): for tests and speed measurements.
    previewed = Signal()

    def __init__(self, unit: str = "money", *, optional: bool = False, allow_formula: bool = True,
                 preview: bool = True, allow_list: bool = False, parent=None):
        super().__init__(parent)
        self.unit = unit                       # money | percent | number | auto
        self.field_unit = "number" if unit == "auto" else unit
        self.optional = optional
        self.currency = "USD"
        self.scenario = None
        self._amount = None                    # the model's amount
        self._candidate = None                 # the last valid amount typed
        self._candidate_ok = False
        self._loading = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        self._kinds = [k for k in KINDS if (optional or k[0] != "none") and (allow_formula or k[0] != "formula")
                       and (allow_list or k[0] != "yearly")]
        for i, (key, label, tip) in enumerate(self._kinds):
            self.kind.addItem(label, key)
            self.kind.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip("How to describe this amount: a number, a range you are 90% sure of, a distribution, "
                             "a chance, or a formula.")
        self.kind.activated.connect(self._kind_chosen)
        lay.addWidget(self.kind)
        self.stack = QStackedWidget()
        self.fields: dict[str, dict[str, _ParamField]] = {}
        self.pages: dict[str, QWidget] = {}
        for key, _label, _tip in self._kinds:
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            self.fields[key] = {}
            if key == "formula":
                self.formula = self._formula_row(form)
            elif key == "yearly":
                self.table = self._table_row(form)
            elif key == "none":
                form.addRow(QLabel("Not used."))
            else:
                for name, label, unit_override in _FIELDS[key]:
                    f = _ParamField(name, unit_override or self.field_unit)
                    f.edit.textEdited.connect(self._typed)
                    f.edit.editingFinished.connect(self._confirm)
                    form.addRow(label, f)
                    self.fields[key][name] = f
                if key == "range":
                    self.skewed = QCheckBox("Skewed to the high side (lognormal)")
                    self.skewed.setObjectName("skewed")
                    self.skewed.setToolTip("Tick when the high side is more stretched than the low side, as with "
                                           "costs that overrun. Needs a low above zero.")
                    self.skewed.toggled.connect(lambda _on: (self._typed(), self._confirm()))
                    form.addRow("", self.skewed)
            self.pages[key] = page
            self.stack.addWidget(page)
        lay.addWidget(self.stack)
        # Limits (floor / cap)
        self.limits = QWidget()
        lim = QHBoxLayout(self.limits)
        lim.setContentsMargins(0, 0, 0, 0)
        self.floor = _ParamField("floor", self.field_unit)
        self.cap = _ParamField("cap", self.field_unit)
        self.floor.edit.setPlaceholderText("no limit")
        self.cap.edit.setPlaceholderText("no limit")
        self.floor.edit.setToolTip("Optional: draws below this are raised to it (e.g. 0 for 'never negative').")
        self.cap.edit.setToolTip("Optional: draws above this are lowered to it.")
        for f in (self.floor, self.cap):
            f.edit.textEdited.connect(self._typed)
            f.edit.editingFinished.connect(self._confirm)
        lim.addWidget(QLabel("Never below"))
        lim.addWidget(self.floor, 1)
        lim.addWidget(QLabel("never above"))
        lim.addWidget(self.cap, 1)
        lay.addWidget(self.limits)
        self.error = QLabel()
        self.error.setObjectName("amountError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B71C1C;")
        self.error.hide()
        lay.addWidget(self.error)
        self.preview = DistributionPreview() if preview else None
        if self.preview is not None:
            lay.addWidget(self.preview)
        self.words = QLabel()
        self.words.setObjectName("words")
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.words)
        self._show_kind("fixed" if not optional else "none")

    def _formula_row(self, form: QFormLayout):
        from .formula_edit import FormulaEdit

        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        edit = FormulaEdit()
        edit.setObjectName("formula")
        edit.textEdited.connect(self._typed)
        edit.editingFinished.connect(self._confirm)
        insert = QToolButton()
        insert.setText("Insert input")
        insert.setToolTip("Insert the name of a shared input (variable) at the cursor.")
        insert.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._insert_menu = QMenu(insert)
        insert.setMenu(self._insert_menu)
        self._insert_menu.aboutToShow.connect(self._fill_insert_menu)
        row.addWidget(edit, 1)
        row.addWidget(insert)
        form.addRow("Formula", box)
        return edit

    def _table_row(self, form: QFormLayout) -> YearTable:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        table = YearTable()
        table.changed.connect(self._confirm)
        col.addWidget(table)
        row = QHBoxLayout()
        for text, tip, slot in (("+ Year", "Add a year at the end (a copy of the last one).", table.add_year),
                                ("− Year", "Remove the last year.", table.remove_year),
                                ("Paste row", "Paste a row copied from a spreadsheet, from the selected year on.",
                                 lambda: table.paste(QGuiApplication.clipboard().text()))):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        col.addLayout(row)
        form.addRow(box)
        return table

    def set_first_year(self, year: int) -> None:
        """The year of the first column of a year-by-year amount (the item's start year)."""
        if hasattr(self, "table"):
            self.table.set_first_year(year)

    def _fill_insert_menu(self) -> None:
        self._insert_menu.clear()
        names = [n for n, _ in self.scenario.variables] if self.scenario is not None else []
        if not names:
            self._insert_menu.addAction("No shared inputs yet").setEnabled(False)
        for name in names:
            self._insert_menu.addAction(name, lambda n=name: self._insert_name(n))

    def _insert_name(self, name: str) -> None:
        self.formula.insert(name)
        self.formula.setFocus()
        self._typed()

    # -- model -> editor -------------------------------------------------------------
    def set_context(self, scenario, currency: str | None = None, color: str | None = None) -> None:
        self.scenario = scenario
        self.currency = currency or (scenario.currency if scenario is not None else "USD")
        if hasattr(self, "formula") and scenario is not None:
            self.formula.set_names(scenario.variable_map)
        if color and self.preview is not None:
            self.preview.set_color(color)

    def set_amount(self, amount) -> None:
        """Show the model's amount (no signal). Input in progress is replaced."""
        self._amount = amount
        if self.unit == "auto":   # a shared input: show fractions as percentages
            self._set_field_unit(self._auto_unit(amount))
        self._loading = True
        try:
            kind = kind_of(amount)
            self._fill(kind, amount)
            self._show_kind(kind)
        finally:
            self._loading = False
        self._typed()

    def amount(self):
        return self._amount

    def _auto_unit(self, amount) -> str:
        if amount is None or isinstance(amount, Formula):
            return "number"
        sk = sketch(amount, self.scenario, n=400)
        if sk is None:
            return "number"
        values = [sk.p5, sk.p50, sk.p95] + ([float(amount)] if isinstance(amount, (int, float)) else [])
        return "percent" if resolve_unit("auto", values) == "percent" else "number"

    def _set_field_unit(self, unit: str) -> None:
        self.field_unit = unit
        for kind, fields in self.fields.items():
            for name, f in fields.items():
                override = dict((n, u) for n, _l, u in _FIELDS.get(kind, ()))[name]
                if override is None:
                    f.unit = unit
        self.floor.unit = unit
        self.cap.unit = unit

    def _set_text(self, kind: str, name: str, value, unit: str | None = None) -> None:
        f = self.fields[kind][name]
        u = unit or f.unit
        if u == "list":
            text = ", ".join(format_number(v, "number") for v in value) if value is not None else ""
        else:
            text = format_number(value, u) if value is not None else ""
        _set_text(f.edit, text)
        f.set_error(None)

    def _fill(self, kind: str, amount) -> None:
        """Put ``amount`` into the fields of ``kind`` (the amount's own kind)."""
        if kind == "none":
            return
        if kind == "formula":
            _set_text(self.formula, amount.text)
            return
        if kind == "yearly":
            self._entries = {_entry_text(a): a for a in amount.values}   # kept as they are when unchanged
            self.table.set_texts([_entry_text(a) for a in amount.values])
            return
        if kind == "fixed":
            self._set_text("fixed", "value", float(amount))
            return
        if kind == "chance":
            p, x = chance_of(amount)
            self._set_text("chance", "p", p)
            self._set_text("chance", "x", x)
            return
        d = amount.describe()
        if kind == "range":
            self._set_text("range", "low", d["low"])
            self._set_text("range", "high", d["high"])
            self._set_skewed(d.get("dist") == "lognormal")
        elif kind == "discrete":
            if isinstance(amount, Bernoulli):
                self._set_text("discrete", "values", [0.0, 1.0])
                self._set_text("discrete", "weights", [1 - amount.p, amount.p])
            else:
                self._set_text("discrete", "values", d["values"])
                self._set_text("discrete", "weights", d.get("weights"))
        else:
            for name in self.fields[kind]:
                self._set_text(kind, name, d[name])
        _set_text(self.floor.edit, format_number(d.get("floor"), self.field_unit) if d.get("floor") is not None else "")
        _set_text(self.cap.edit, format_number(d.get("cap"), self.field_unit) if d.get("cap") is not None else "")

    def _set_skewed(self, on: bool) -> None:
        self.skewed.blockSignals(True)
        self.skewed.setChecked(on)
        self.skewed.blockSignals(False)

    def _prefill(self, kind: str) -> None:
        """Fill ``kind``'s fields from the current amount, so switching kinds keeps the size."""
        current = self._candidate if self._candidate_ok else self._amount
        sk = sketch(current, self.scenario) if current is not None else None
        if sk is None:
            base = 0.1 if self.field_unit == "percent" else 1000.0
            p5, mid, p95, mean = 0.8 * base, base, 1.2 * base, base
        else:
            p5, mid, p95, mean = sk.p5, (sk.mode if sk.mode is not None else sk.p50), sk.p95, sk.mean
            if not p95 > p5:
                width = abs(mid) * 0.2 or (0.01 if self.field_unit == "percent" else 1.0)
                p5, p95 = mid - width, mid + width
        r = _round3
        if kind == "fixed":
            self._set_text(kind, "value", r(mean))
        elif kind == "range":
            self._set_text(kind, "low", r(p5))
            self._set_text(kind, "high", r(p95))
            self._set_skewed(False)
        elif kind in ("triangular", "pert"):
            self._set_text(kind, "min", r(p5))
            self._set_text(kind, "mode", r(min(max(mid, p5), p95)))
            self._set_text(kind, "max", r(p95))
        elif kind == "uniform":
            self._set_text(kind, "min", r(p5))
            self._set_text(kind, "max", r(p95))
        elif kind in ("normal", "lognormal"):
            self._set_text(kind, "mean", r(mean if kind == "normal" or mean > 0 else abs(mean) or 1.0))
            self._set_text(kind, "sd", r((p95 - p5) / 3.29))
        elif kind == "chance":
            self._set_text(kind, "p", 0.25)
            self._set_text(kind, "x", r(mean if mean else p95))
        elif kind == "discrete":
            self._set_text(kind, "values", [r(p5), r(mid), r(p95)])
            self._set_text(kind, "weights", [1.0, 2.0, 1.0])
        elif kind == "formula":
            self.formula.setText(format_number(r(mean), "number").replace(",", "_"))
        elif kind == "yearly":
            self.table.set_texts([format_number(r(mean), self.field_unit)] * 3)
        self.floor.edit.clear()
        self.cap.edit.clear()

    def _show_kind(self, kind: str) -> None:
        idx = self.kind.findData(kind)
        if idx < 0:
            idx = 0
            kind = self.kind.itemData(0)
        self.kind.setCurrentIndex(idx)
        self.stack.setCurrentWidget(self.pages[kind])
        self.limits.setVisible(kind in _LIMITED)
        if self.preview is not None:
            self.preview.setVisible(kind not in ("none", "yearly"))

    def current_kind(self) -> str:
        return self.kind.currentData()

    # -- editor -> amount ------------------------------------------------------------
    def _number(self, f: _ParamField, *, optional: bool = False):
        text = f.edit.text()
        if f.unit == "list":
            if not text.strip():
                if optional:
                    return None
                raise _FieldError(f, "enter at least one value")
            out = []
            for part in text.replace(";", ",").split(","):
                if part.strip():
                    try:
                        out.append(parse_number(part, "number"))
                    except NumberError as exc:
                        raise _FieldError(f, str(exc)) from None
            return out
        if optional and not text.strip():
            return None
        try:
            return parse_number(text, f.unit)
        except NumberError as exc:
            raise _FieldError(f, str(exc)) from None

    def build(self):
        """The amount the fields describe; raises _FieldError / _AmountError."""
        kind = self.current_kind()
        if kind == "none":
            return None
        if kind == "formula":
            edit = self.formula
            if edit.formula is None or edit.unknown:
                raise _AmountError(edit.message or "Enter a formula.")
            return edit.formula
        if kind == "yearly":
            return self._yearly()
        fields = self.fields[kind]
        if kind == "fixed":
            return self._number(fields["value"])
        if kind == "chance":
            p = self._number(fields["p"])
            x = self._number(fields["x"])
            if not 0 < p < 1:
                raise _FieldError(fields["p"], "a chance is between 0% and 100% (use Fixed number for a sure thing)")
            return from_spec({"dist": "discrete", "values": [0.0, x], "weights": [1.0 - p, p]})
        spec: dict = {}
        if kind == "range":
            spec = {"low": self._number(fields["low"]), "high": self._number(fields["high"])}
            if self.skewed.isChecked():
                spec["dist"] = "lognormal"
        elif kind == "discrete":
            spec = {"dist": "discrete", "values": self._number(fields["values"])}
            weights = self._number(fields["weights"], optional=True)
            if weights is not None:
                spec["weights"] = weights
        else:
            spec = {"dist": kind, **{name: self._number(f) for name, f in fields.items()}}
        floor = self._number(self.floor, optional=True)
        cap = self._number(self.cap, optional=True)
        if floor is not None:
            spec["floor"] = floor
        if cap is not None:
            spec["cap"] = cap
        try:
            return from_spec(spec)
        except DistributionError as exc:
            target = {"floor": self.floor, "cap": self.cap}.get(exc.field) or fields.get(exc.field)
            if kind == "range" and exc.field == "dist":
                target = fields["low"]
            message = _friendly(exc.message, kind)
            if target is not None:
                raise _FieldError(target, message) from None
            raise _AmountError(message) from None

    def _yearly(self) -> YearlyAmounts:
        texts = self.table.texts()
        if not texts:
            raise _AmountError("Enter at least one year's amount.")
        known = set(self.scenario.variable_map) if self.scenario is not None else set()
        known.add("year")
        values = []
        for c, text in enumerate(texts):
            where = f"Year {self.table.first_year + c}"
            if not text:
                raise _AmountError(f"{where} is empty: enter an amount (0 for nothing).")
            if text in getattr(self, "_entries", {}):
                values.append(self._entries[text])
                continue
            try:
                values.append(parse_number(text, self.field_unit))
                continue
            except NumberError:
                pass
            try:
                formula = parse_formula(text)
            except FormulaError as exc:
                raise _AmountError(f"{where}: '{text}' is neither a number nor a formula ({exc}).") from None
            unknown = sorted(formula.names - known)
            if unknown:
                raise _AmountError(f"{where}: the formula uses '{unknown[0]}', which is not a shared input.")
            values.append(formula)
        return YearlyAmounts(tuple(values))

    def _clear_errors(self) -> None:
        for fields in self.fields.values():
            for f in fields.values():
                f.set_error(None)
        self.floor.set_error(None)
        self.cap.set_error(None)
        self.error.hide()

    def _typed(self, *_args) -> None:
        """Input changed: check it, update the preview and the words (nothing is applied)."""
        self._clear_errors()
        try:
            candidate = self.build()
        except _FieldError as exc:
            exc.field.set_error(exc.message)
            self._candidate_ok = False
        except _AmountError as exc:
            self.error.setText(exc.message)
            self.error.show()
            self._candidate_ok = False
        else:
            self._candidate = candidate
            self._candidate_ok = True
        self._update_preview()
        self.previewed.emit()

    def _update_preview(self) -> None:
        amount = self._candidate if self._candidate_ok else self._amount
        if not self._candidate_ok and self.current_kind() != kind_of(self._amount):
            amount = None
        words_unit = self.unit
        if amount is None and self.current_kind() == "none":
            self.words.setText("Not used.")
            if self.preview is not None:
                self.preview.set_sketch(None, self.field_unit, self.currency)
            return
        sk = sketch(amount, self.scenario) if amount is not None else None
        if self.preview is not None:
            if sk is not None:
                unit = self.unit if self.unit != "auto" else "auto"
                self.preview.set_sketch(sk, unit, self.currency)
            self.preview.set_stale(not self._candidate_ok)
        if amount is not None:
            text = describe_amount(amount, unit=words_unit, currency=self.currency, scenario=self.scenario)
            if not self._candidate_ok:
                text = "Still applied: " + text
            self.words.setText(text)
        else:
            self.words.setText("")

    def _kind_chosen(self, _index: int) -> None:
        kind = self.current_kind()
        if kind != kind_of(self._amount):
            self._prefill(kind)
        else:
            self._fill(kind, self._amount)
        self._show_kind(kind)
        self._typed()
        self._confirm()

    def _confirm(self) -> None:
        """A field was confirmed: apply the amount if it is valid and new."""
        if self._loading:
            return
        self._typed()
        if self._candidate_ok and not _same(self._candidate, self._amount):
            self.committed.emit(self._candidate)

    def set_error(self, message: str | None) -> None:
        """A problem found when applying (e.g. a check across fields): shown, not applied."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))


def _entry_text(amount) -> str:
    """A list entry as its cell shows it: a number, a formula's text, or a distribution's spec."""
    if isinstance(amount, Formula):
        return amount.text
    if isinstance(amount, (int, float)):
        return format_number(float(amount), "money")
    return str(amount.describe())


def _set_text(edit: QLineEdit, text: str) -> None:
    """Set a field's text only when it differs: refreshing after an edit must not drop the
    selection or cursor of the field the user just moved to."""
    if edit.text() != text:
        edit.setText(text)
        if not edit.hasFocus():
            edit.setCursorPosition(0)


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b
    return a == b


def _friendly(message: str, kind: str) -> str:
    """Parameter names as the fields say them."""
    names = {"min": "lowest", "max": "highest", "mode": "most likely", "sd": "spread", "mean": "average",
             "low": "low", "high": "high"}
    if kind in ("triangular", "pert", "uniform", "normal", "lognormal"):
        for k, v in names.items():
            message = message.replace(f"{k} (", f"{v} (")
    return message[:1].upper() + message[1:]


class _FieldError(Exception):
    def __init__(self, field: _ParamField, message: str):
        super().__init__(message)
        self.field = field
        self.message = message[:1].upper() + message[1:]


class _AmountError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def demo(path: str | None = None) -> AmountEditor:
    """The amount editor on the first item of a bundled (or given) scenario; applying prints
    the new amount and shows it back, as the inspector would."""
    from ._demo import demo_scenario

    scenario = demo_scenario(path)
    editor = AmountEditor("money")
    editor.set_context(scenario)
    editor.set_amount(scenario.alternatives[0].items[0].amount)
    editor.committed.connect(lambda a: print("apply:", a))
    editor.committed.connect(editor.set_amount)
    editor.resize(420, 320)
    return editor


if __name__ == "__main__":  # a quick look: python -m ui.amount_editor [FILE]
    from ._demo import run_demo

    run_demo(demo)
