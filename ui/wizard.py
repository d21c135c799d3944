"""File -> New from guide: a wizard that asks business questions and writes a scenario.

Pages: 1) the decision and the company; 2) which alternatives (from templates); 3) which
business drivers each serves; 4) one page per alternative: for each cost and benefit "what is
the least it could be, the most, and how sure are you?"; 5) a summary. ``Create scenario``
builds the :class:`~simulator.model.scenario.Scenario` with :func:`simulator.workshop.templates.build_scenario`.

The answers live in a plain :class:`simulator.workshop.templates.Answers` (the model); the pages show
and edit it and never keep values of their own. Everything here is quick, so nothing runs
off the GUI thread and no timer is used.

``run_new_from_guide(parent)`` runs the wizard modally and returns the scenario, or None when
the person cancels. ``python -m ui.wizard`` runs it on its own and prints the file.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QScrollArea, QSpinBox, QTextBrowser, QVBoxLayout,
                               QWidget, QWizard, QWizardPage)

from simulator.model.errors import Problem
from simulator.model.scenario import DRIVERS, MAX_HORIZON, Scenario
from simulator.workshop.templates import (CONFIDENCE_LEVELS, DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON, AlternativeAnswer,
                                 AnswerError, Answers, ItemAnswer, Template, alternative_answer, build_scenario,
                                 describe_answer, fits_horizon, left_out, range_problems, read_templates, say_money,
                                 say_percent, set_count)
from simulator.workshop.templates import MAX_COUNT

from .numbers import NumberError, format_number, parse_number

#: Inflation offered when amounts are in today's prices (a common central-bank target).
DEFAULT_INFLATION = 0.02

ERROR_COLOR = "#B71C1C"
HELP_COLOR = "#555555"
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "INR", "CNY")
KIND_WORDS = {"investment": "one-off cost", "running_cost": "cost every year", "benefit": "benefit every year",
              "risk": "risk"}

PAGE_DECISION, PAGE_ALTERNATIVES, PAGE_DRIVERS, PAGE_SUMMARY = 0, 1, 2, 3
PAGE_ITEMS = 100  # one page per alternative: PAGE_ITEMS + its index
SHORT = 160      # width of a field for a number
FIELD = 140      # width of Least / Most on the items pages
INVALID = f"QLineEdit {{ border: 1px solid {ERROR_COLOR}; }}"


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

def money_text(value: float) -> str:
    """Text for a money field that reads well and parses back exactly: ``1.4M``, ``350k``."""
    if value and math.isfinite(value):
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= scale:
                scaled = value / scale
                if abs(scaled - round(scaled, 3)) < 1e-9:
                    return f"{round(scaled, 3):g}{suffix}"
                break
    return format_number(value, "money")


def parse_money(text: str) -> float:
    """Money typed by a person (``1.5M``, ``250k``, ``$3,500``), cleaned of float dust."""
    value = parse_number(text, "money")
    return float(f"{value:.10g}")


def parse_percent(text: str) -> float:
    return float(f"{parse_number(text, 'percent'):.10g}")


def _sentence(message: str) -> str:
    """"'x' is not a number" -> "'X' is not a number." (first letter up, the rest as written)."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def percent_text(value: float | None) -> str:
    return "" if value is None else format_number(value, "percent")


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.hide()
    return label


def help_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {HELP_COLOR};")
    return label


def show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


class _Checked:
    """A text field with its own parser and error line. ``value`` is None while invalid."""

    def __init__(self, editor: QLineEdit, parse: Callable[[str], float], check: Callable[[float], str | None],
                 on_change: Callable[[], None], *, required_message: str):
        self.editor = editor
        self.error = error_label()
        self.parse = parse
        self.check = check
        self.required_message = required_message
        self.value: float | None = None
        self.message: str | None = None
        self._on_change = on_change
        editor.textChanged.connect(lambda _t: self.validate(show_empty=False))
        editor.editingFinished.connect(lambda: self.validate(show_empty=True))

    def validate(self, *, show_empty: bool) -> None:
        text = self.editor.text()
        self.value, self.message = None, None
        if not text.strip():
            self.message = self.required_message
        else:
            try:
                value = self.parse(text)
            except NumberError as exc:
                self.message = _sentence(str(exc))
            else:
                self.message = self.check(value)
                if self.message is None:
                    self.value = value
        visible = self.message if (text.strip() or show_empty) else None
        show_error(self.error, visible)
        self._on_change()

    @property
    def ok(self) -> bool:
        return self.value is not None


# ---------------------------------------------------------------------------------------
# Page 1: the decision and the company
# ---------------------------------------------------------------------------------------

class DecisionPage(QWizardPage):
    def __init__(self, wizard: "NewFromGuideWizard"):
        super().__init__()
        self.guide = wizard
        self.setTitle("What are you deciding?")
        self.setSubTitle("A few facts about the decision and the company today. investsim uses them to size "
                         "the first guesses and to show the effect on the operating margin.")
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(1, 1)
        self._grid.setVerticalSpacing(3)
        self._row = 0

        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("e.g. ERP vs. new production line")
        self.title_error = error_label()
        self.title_edit.textChanged.connect(self._title_changed)
        self.title_edit.editingFinished.connect(lambda: self._title_changed(self.title_edit.text(), True))
        self._add("The decision:", self.title_edit, self.title_error)

        self.revenue_edit = QLineEdit()
        self.revenue_edit.setPlaceholderText("e.g. 120M")
        self.revenue = _Checked(self.revenue_edit, parse_money,
                                lambda v: None if v >= 1 else "Revenue must be more than 0.",
                                self._changed, required_message="Enter the yearly revenue, e.g. 120M.")
        self._add("Yearly revenue today:", self.revenue_edit, self.revenue.error,
                  "Sizes the first guesses: an ERP for a 50M company costs "
                  "less than one for a 500M company. Type 120M, 85,000,000 or 2.5B.", width=SHORT)

        self.margin_edit = QLineEdit()
        self.margin_edit.setPlaceholderText("e.g. 11%")
        self.margin = _Checked(self.margin_edit, parse_percent,
                               lambda v: None if -1 < v < 1 else "Enter a margin between -100% and 100%.",
                               self._changed, required_message="Enter the operating margin, e.g. 11%.")
        self._add("Operating margin today:", self.margin_edit, self.margin.error,
                  "Operating profit as a share of revenue.", width=SHORT)

        self.currency_combo = QComboBox()
        self.currency_combo.setEditable(True)
        self.currency_combo.addItems(CURRENCIES)
        self.currency_error = error_label()
        self.currency_combo.currentTextChanged.connect(self._currency_changed)
        self._add("Currency:", self.currency_combo, self.currency_error, width=SHORT)

        self.horizon_spin = QSpinBox()
        self.horizon_spin.setRange(1, MAX_HORIZON)
        self.horizon_spin.setValue(DEFAULT_HORIZON)
        self.horizon_spin.setSuffix(" years")
        self.horizon_spin.valueChanged.connect(self._horizon_changed)
        self._add("Years to look ahead:", self.horizon_spin, None,
                  "The period the board uses for this kind of project, often 5 to 7 years. Nothing after it is "
                  "counted.", width=SHORT)

        self.rate_edit = QLineEdit(format_number(DEFAULT_DISCOUNT_RATE, "percent"))
        self.rate = _Checked(self.rate_edit, parse_percent,
                             lambda v: None if -1 < v <= 1 else "Enter a return between -100% and 100%.",
                             self._changed, required_message="Enter the return the company expects, e.g. 8%.")
        self._add(
            "Return expected on money:", self.rate_edit, self.rate.error,
            "The return the company expects from its money (its cost of capital or hurdle rate). Money in a "
            "year's time is worth that much less than money today, so later benefits count for less. "
            "Finance knows the figure; 8% to 10% is common.", width=SHORT)

        self.tax_edit = QLineEdit()
        self.tax_edit.setObjectName("taxRate")
        self.tax_edit.setPlaceholderText("blank: before tax")
        self.tax = _Checked(self.tax_edit, parse_percent,
                            lambda v: None if 0 <= v < 1 else "Enter a tax rate from 0% to 99%, e.g. 25%.",
                            self._changed, required_message="")
        self._add("Tax rate on profits:", self.tax_edit, self.tax.error,
                  "Leave blank for figures before tax. With a rate (e.g. 25%), every result is after tax: savings "
                  "and extra profit are taxed, and investments lower the tax bill as they are written off.",
                  width=SHORT)

        self.today_prices = QCheckBox("My amounts are in today's prices")
        self.today_prices.setObjectName("todaysPrices")
        self.today_prices.toggled.connect(self._prices_toggled)
        self.inflation_edit = QLineEdit(format_number(DEFAULT_INFLATION, "percent"))
        self.inflation_edit.setObjectName("inflation")
        self.inflation_edit.setEnabled(False)
        self.inflation = _Checked(self.inflation_edit, parse_percent,
                                  lambda v: None if -0.5 <= v <= 1 else "Enter an inflation between -50% and 100%.",
                                  self._changed, required_message="Enter the inflation a year, e.g. 2%.")
        self._add("Prices:", self.today_prices, None)
        self._add("Inflation a year:", self.inflation_edit, self.inflation.error,
                  "Tick when you will give every amount at today's prices: investsim then raises them by this "
                  "inflation each year, and the return above is a nominal one. Leave unticked when your figures "
                  "already include price rises.", width=SHORT)
        self._grid.setRowStretch(self._row, 1)
        self.inflation.validate(show_empty=False)
        self.rate.validate(show_empty=False)

    def _add(self, label: str, editor: QWidget, error: QLabel | None, help_text: str = "", *,
             width: int | None = None) -> None:
        """A labelled field, its error line and its explanation, one grid row each."""
        grid, r = self._grid, self._row
        grid.addWidget(QLabel(label), r, 0)
        if width is not None:
            editor.setFixedWidth(width)
            grid.addWidget(editor, r, 1, Qt.AlignmentFlag.AlignLeft)
        else:
            grid.addWidget(editor, r, 1)
        r += 1
        if error is not None:
            grid.addWidget(error, r, 1)
            r += 1
        if help_text:
            grid.addWidget(help_label(help_text), r, 1)
            r += 1
        grid.setRowMinimumHeight(r, 8)
        self._row = r + 1

    # -- edits write into the model -------------------------------------------------
    def _title_changed(self, text: str, show_empty: bool = False) -> None:
        self.guide.answers.title = text.strip()
        show_error(self.title_error, "Say what you are deciding." if show_empty and not text.strip() else None)
        self.completeChanged.emit()

    def _currency_changed(self, text: str) -> None:
        code = text.strip()
        self.guide.answers.currency = code
        show_error(self.currency_error, None if code else "Enter a currency, e.g. USD.")
        self.completeChanged.emit()

    def _horizon_changed(self, value: int) -> None:
        self.guide.answers.horizon_years = int(value)

    def _prices_toggled(self, on: bool) -> None:
        self.inflation_edit.setEnabled(on)
        self._changed()

    def _changed(self) -> None:
        a = self.guide.answers
        a.tax_rate = self.tax.value if self.tax.ok and self.tax_edit.text().strip() else 0.0
        a.inflation = self.inflation.value if self.today_prices.isChecked() and self.inflation.ok else 0.0
        if self.revenue.ok and self.revenue.value != a.revenue:
            self.guide.set_revenue(self.revenue.value)
        if self.margin.ok:
            a.operating_margin = self.margin.value
        if self.rate.ok:
            a.discount_rate = self.rate.value
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        a = self.guide.answers
        return (bool(a.title) and bool(a.currency) and self.revenue.ok and self.margin.ok and self.rate.ok
                and (self.tax.ok or not self.tax_edit.text().strip())
                and (self.inflation.ok or not self.today_prices.isChecked()))


# ---------------------------------------------------------------------------------------
# Page 2: which alternatives
# ---------------------------------------------------------------------------------------

class _AlternativeRow:
    def __init__(self, template: Template):
        self.template = template
        self.check = QCheckBox(template.name)
        font = self.check.font()
        font.setBold(True)
        self.check.setFont(font)
        self.category = QLabel(template.category or "")
        self.category.setStyleSheet(f"color: {HELP_COLOR};")
        self.name_edit = QLineEdit(template.alternative_name)
        self.name_edit.setPlaceholderText("Name in the scenario")
        self.name_edit.setToolTip("The name shown in charts and reports. Change it to your words.")
        self.name_edit.setEnabled(False)
        self.description = help_label(template.description)
        self.error = error_label()


class AlternativesPage(QWizardPage):
    def __init__(self, wizard: "NewFromGuideWizard"):
        super().__init__()
        self.guide = wizard
        self.setTitle("Which alternatives do you want to compare?")
        self.setSubTitle("Tick the options on the table, usually two: IT and non-IT side by side. "
                         "Each starts from a template you fill in on the next pages. Rename them as you like.")
        outer = QVBoxLayout(self)
        if wizard.template_problems:
            warning = error_label()
            show_error(warning, "Some templates could not be read and are not offered:\n"
                       + "\n".join(p.line(f) for f, p in wizard.template_problems))
            outer.addWidget(warning)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        grid.addWidget(help_label("Alternative"), 0, 0)
        grid.addWidget(help_label("Name in the scenario"), 0, 2)
        self.rows: list[_AlternativeRow] = []
        r = 1
        for template in wizard.templates:
            row = _AlternativeRow(template)
            self.rows.append(row)
            grid.addWidget(row.check, r, 0)
            grid.addWidget(row.category, r, 1)
            grid.addWidget(row.name_edit, r, 2)
            grid.addWidget(row.description, r + 1, 0, 1, 3)
            grid.addWidget(row.error, r + 2, 2)
            grid.setRowMinimumHeight(r + 3, 6)
            row.check.toggled.connect(lambda on, row=row: self._toggled(row, on))
            row.name_edit.textChanged.connect(lambda text, row=row: self._renamed(row, text))
            r += 4
        grid.setRowStretch(r, 1)
        outer.addWidget(scrolled(inner), 1)
        self.do_nothing_box = QCheckBox("Also compare with “Do nothing” (keep things as they are: "
                                        "nothing spent, nothing gained)")
        self.do_nothing_box.setObjectName("doNothing")
        self.do_nothing_box.setChecked(wizard.answers.do_nothing)
        self.do_nothing_box.setToolTip("A board asks “compared with what?”: the reference point every "
                                       "alternative must beat.")
        self.do_nothing_box.toggled.connect(self._do_nothing)
        outer.addWidget(self.do_nothing_box)
        self.status = QLabel()
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self._refresh()

    def row(self, key: str) -> _AlternativeRow:
        return next(r for r in self.rows if r.template.key == key)

    def choose(self, key: str, name: str | None = None) -> None:
        """Tick the template ``key`` (and rename it), as a person would."""
        row = self.row(key)
        row.check.setChecked(True)
        if name is not None:
            row.name_edit.setText(name)

    def _toggled(self, row: _AlternativeRow, on: bool) -> None:
        row.name_edit.setEnabled(on)
        self.guide.set_chosen(row.template, on, row.name_edit.text())
        self._refresh()

    def _do_nothing(self, on: bool) -> None:
        self.guide.answers.do_nothing = on
        self._refresh()

    def _renamed(self, row: _AlternativeRow, text: str) -> None:
        self.guide.rename(row.template, text)
        self._refresh()

    def problems(self) -> dict[str, str]:
        """Template key -> what is wrong with its name (for the ticked rows)."""
        out: dict[str, str] = {}
        seen: dict[str, str] = {}
        for row in self.rows:
            if not row.check.isChecked():
                continue
            name = row.name_edit.text().strip()
            if not name:
                out[row.template.key] = "Give this alternative a name."
            elif name.casefold() in seen:
                out[row.template.key] = f"Another alternative is already called \u201c{name}\u201d."
            seen.setdefault(name.casefold(), row.template.key)
        return out

    def _refresh(self) -> None:
        problems = self.problems()
        for row in self.rows:
            show_error(row.error, problems.get(row.template.key))
        n = len(self.guide.answers.alternatives)
        if n == 0:
            text = "Tick at least one alternative."
        elif n == 1 and not self.guide.answers.do_nothing:
            text = ("One alternative is fine, but a decision is clearer with two: tick another, or compare with "
                    "\u201cDo nothing\u201d below.")
        else:
            extra = " and \u201cDo nothing\u201d" if self.guide.answers.do_nothing else ""
            text = f"{n} alternative{'s' if n != 1 else ''}{extra} to compare."
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR if n == 0 else HELP_COLOR};")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.guide.answers.alternatives) and not self.problems()

    def validatePage(self) -> bool:
        self.guide.sync_item_pages()
        return True


# ---------------------------------------------------------------------------------------
# Page 3: business drivers
# ---------------------------------------------------------------------------------------

class DriversPage(QWizardPage):
    def __init__(self, wizard: "NewFromGuideWizard"):
        super().__init__()
        self.guide = wizard
        self.setTitle("What is each alternative for?")
        self.setSubTitle("Tick the business drivers each alternative serves. The usual ones for its kind are "
                         "ticked already. Results and reports are told in these terms.")
        self._layout = QVBoxLayout(self)
        self._content: QWidget | None = None
        self.boxes: list[tuple[AlternativeAnswer, dict[str, QCheckBox], QLineEdit]] = []

    def initializePage(self) -> None:
        if self._content is not None:
            self._layout.removeWidget(self._content)
            self._content.deleteLater()
        inner = QWidget()
        lay = QVBoxLayout(inner)
        self.boxes = []
        for alt in self.guide.answers.alternatives:
            box = QGroupBox(f"{alt.name}" + (f"  ({alt.template.category})" if alt.template.category else ""))
            grid = QGridLayout(box)
            checks: dict[str, QCheckBox] = {}
            for k, driver in enumerate(DRIVERS):
                check = QCheckBox(driver[0].upper() + driver[1:])
                check.setChecked(driver in alt.drivers)
                check.toggled.connect(lambda _on, alt=alt: self._update(alt))
                checks[driver] = check
                grid.addWidget(check, k // 2, k % 2)
            other = QLineEdit(", ".join(d for d in alt.drivers if d not in DRIVERS))
            other.setPlaceholderText("e.g. customer experience, compliance (separate with commas)")
            other.textChanged.connect(lambda _t, alt=alt: self._update(alt))
            row = QHBoxLayout()
            row.addWidget(QLabel("Other, in your own words:"))
            row.addWidget(other, 1)
            grid.addLayout(row, (len(DRIVERS) + 1) // 2, 0, 1, 2)
            lay.addWidget(box)
            self.boxes.append((alt, checks, other))
        lay.addStretch(1)
        self._content = scrolled(inner)
        self._layout.addWidget(self._content)

    def _update(self, alt: AlternativeAnswer) -> None:
        for a, checks, other in self.boxes:
            if a is alt:
                chosen = [d for d in DRIVERS if checks[d].isChecked()]
                extra = [w.strip() for w in other.text().split(",") if w.strip()]
                alt.drivers = chosen + [w for w in extra if w not in chosen]

    def set_drivers(self, index: int, drivers: list[str]) -> None:
        """Tick exactly ``drivers`` for alternative ``index`` (for tests and scripts)."""
        alt, checks, other = self.boxes[index]
        for d, check in checks.items():
            check.setChecked(d in drivers)
        other.setText(", ".join(d for d in drivers if d not in DRIVERS))


# ---------------------------------------------------------------------------------------
# Page 4: least / most / how sure, one page per alternative
# ---------------------------------------------------------------------------------------

class ItemRow(QGroupBox):
    """One cost or benefit: the question, Least / Most / How sure, and the answer in words."""

    def __init__(self, page: "ItemsPage", answer: ItemAnswer):
        t = answer.template
        super().__init__(f"{t.name}  \u2013  {KIND_WORDS[t.kind]}")
        self.page = page
        self.answer = answer
        self.setCheckable(True)
        self.setChecked(answer.include)
        self.setToolTip("Untick if this line does not apply; it is then left out of the scenario.")
        self.toggled.connect(self._included)
        lay = QVBoxLayout(self)
        question = QLabel(t.question)
        question.setWordWrap(True)
        lay.addWidget(question)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(1)
        self.least_edit = QLineEdit(money_text(answer.least))
        self.most_edit = QLineEdit(money_text(answer.most))
        for edit in (self.least_edit, self.most_edit):
            edit.setFixedWidth(FIELD)
            edit.setPlaceholderText("e.g. 250k")
        self.least_error, self.most_error = error_label(), error_label()
        for error in (self.least_error, self.most_error):
            error.setFixedWidth(FIELD)
        self.confidence_combo = QComboBox()
        for level, words in CONFIDENCE_LEVELS.items():
            self.confidence_combo.addItem(f"{say_percent(level)} \u2013 {words}", level)
        self.confidence_combo.setCurrentIndex(max(0, self.confidence_combo.findData(answer.confidence)))
        self.confidence_combo.setToolTip("How sure are you that the truth lies between your least and most? "
                                         "A calibrated estimator is right about as often as they say.")
        columns = [("Least", self.least_edit, self.least_error), ("Most", self.most_edit, self.most_error),
                   ("How sure", self.confidence_combo, None)]
        self.probability_edit = self.margin_edit = None
        self.probability_error = self.margin_error = None
        if answer.probability is not None or t.kind == "risk":
            self.probability_edit = QLineEdit(percent_text(answer.probability))
            self.probability_edit.setFixedWidth(100)
            self.probability_edit.setToolTip("The chance, in any one year, that it happens.")
            self.probability_error = error_label()
            self.probability_error.setFixedWidth(100)
            columns.append(("Chance a year", self.probability_edit, self.probability_error))
        if t.is_revenue:
            self.margin_edit = QLineEdit(percent_text(answer.contribution_margin))
            self.margin_edit.setFixedWidth(100)
            self.margin_edit.setToolTip("Of each extra dollar of sales, how much is left after materials, "
                                        "commissions and other costs that grow with sales (contribution margin).")
            self.margin_error = error_label()
            self.margin_error.setFixedWidth(100)
            columns.append(("Kept as profit", self.margin_edit, self.margin_error))
        for c, (label, editor, error) in enumerate(columns):
            grid.addWidget(help_label(label), 0, c)
            grid.addWidget(editor, 1, c)
            if error is not None:
                grid.addWidget(error, 2, c)
        grid.setColumnStretch(len(columns), 1)
        lay.addLayout(grid)
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setStyleSheet("font-style: italic;")
        lay.addWidget(self.words)

        self.least_edit.textChanged.connect(self._edited)
        self.most_edit.textChanged.connect(self._edited)
        self.confidence_combo.currentIndexChanged.connect(self._edited)
        for edit in (self.probability_edit, self.margin_edit):
            if edit is not None:
                edit.textChanged.connect(self._edited)
        self.errors: list[str] = []
        self._validate()

    # -- the person's edits ---------------------------------------------------------
    def set_answer(self, least: str, most: str, confidence: float | None = None) -> None:
        """Type ``least`` and ``most`` and pick ``confidence``, as a person would."""
        self.least_edit.setText(least)
        self.most_edit.setText(most)
        if confidence is not None:
            self.confidence_combo.setCurrentIndex(self.confidence_combo.findData(confidence))

    def _included(self, on: bool) -> None:
        self.answer.include = on
        self._validate()

    def _edited(self, *_args) -> None:
        if getattr(self, "_syncing", False):
            return
        self.page.guide.touched.add(id(self.answer))
        self._validate()

    def refresh_from_model(self) -> None:
        """Show the model's least and most again (a new count sized the first guesses); this is
        not an edit of the person's."""
        self._syncing = True
        try:
            self.least_edit.setText(money_text(self.answer.least))
            self.most_edit.setText(money_text(self.answer.most))
        finally:
            self._syncing = False
        self._validate()

    def _validate(self) -> None:
        a = self.answer
        errors: dict[str, str | None] = {}
        values: dict[str, float | None] = {}
        for key, edit in (("least", self.least_edit), ("most", self.most_edit)):
            values[key] = None
            if not edit.text().strip():
                errors[key] = "Enter an amount."
                continue
            try:
                values[key] = parse_money(edit.text())
            except NumberError as exc:
                errors[key] = _sentence(str(exc))
        least_msg, most_msg = range_problems(values["least"], values["most"])
        errors["least"] = errors.get("least") or least_msg
        errors["most"] = errors.get("most") or most_msg
        for key, edit in (("probability", self.probability_edit), ("margin", self.margin_edit)):
            if edit is None:
                continue
            values[key] = None
            try:
                v = parse_percent(edit.text())
            except NumberError as exc:
                errors[key] = "Enter a percentage." if not edit.text().strip() else _sentence(str(exc))
            else:
                if 0 <= v <= 1:
                    values[key] = v
                else:
                    errors[key] = "Enter 0% to 100%."
        # Valid values go into the model at once; an invalid one leaves the last good value.
        if not errors["least"] and not errors["most"]:
            a.least, a.most = values["least"], values["most"]
        a.confidence = self.confidence_combo.currentData()
        if values.get("probability") is not None:
            a.probability = values["probability"]
        if values.get("margin") is not None:
            a.contribution_margin = values["margin"]
        for key, edit, label in (("least", self.least_edit, self.least_error),
                                 ("most", self.most_edit, self.most_error),
                                 ("probability", self.probability_edit, self.probability_error),
                                 ("margin", self.margin_edit, self.margin_error)):
            if edit is not None:
                message = errors.get(key) if a.include else None
                show_error(label, message)
                edit.setStyleSheet(INVALID if message else "")
        self.errors = [m for m in errors.values() if m] if a.include else []
        horizon = self.page.guide.answers.horizon_years
        if not a.include:
            self.words.setText("Left out: this line is not part of the scenario.")
        elif not fits_horizon(a.template, horizon):
            self.words.setText(f"Starts in year {a.template.first_year}, after your {horizon}-year horizon: "
                               "it will be left out.")
        elif self.errors:
            self.words.setText("")
        else:
            self.words.setText(describe_answer(a, self.page.guide.answers.currency))
        self.page.completeChanged.emit()


class ItemsPage(QWizardPage):
    def __init__(self, wizard: "NewFromGuideWizard", alternative: AlternativeAnswer):
        super().__init__()
        self.guide = wizard
        self.alternative = alternative
        self._layout = QVBoxLayout(self)
        self._content: QWidget | None = None
        self.rows: list[ItemRow] = []

    def initializePage(self) -> None:
        alt = self.alternative
        self.setTitle(f"{alt.name}: what could it cost and bring?")
        self.setSubTitle("For each line: what is the least it could be, the most, and how sure are you? The first "
                         "guesses are sized to your revenue: replace them with what you believe. Untick lines that "
                         "do not apply.")
        if self._content is not None:
            self._layout.removeWidget(self._content)
            self._content.deleteLater()
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setSpacing(10)
        self.count_spin = None
        count = alt.template.count
        if count is not None:
            box = QHBoxLayout()
            label = QLabel(count.question)
            label.setWordWrap(True)
            self.count_spin = QSpinBox()
            self.count_spin.setObjectName("countSpin")
            self.count_spin.setRange(1, MAX_COUNT)
            self.count_spin.setValue(alt.count or count.default)
            self.count_spin.setSuffix(f" {count.name}")
            self.count_spin.setToolTip(f"The first guesses of the lines marked “per {count.name[:-1] if count.name.endswith('s') else count.name}” "
                                       f"follow this count (unless you typed your own figures).")
            label.setBuddy(self.count_spin)
            box.addWidget(label, 1)
            box.addWidget(self.count_spin)
            lay.addLayout(box)
            scaled = [it.name for it in alt.items if it.template.per_count]
            lay.addWidget(help_label(f"Sized to the count: {', '.join(scaled)}. The other lines do not depend "
                                     "on it."))
            self.count_spin.valueChanged.connect(self._count_changed)
        self.rows = [ItemRow(self, answer) for answer in alt.items]
        for row in self.rows:
            lay.addWidget(row)
        if not self.rows:
            lay.addWidget(help_label("This alternative has no lines to fill in."))
        lay.addStretch(1)
        self._content = scrolled(inner)
        self._layout.addWidget(self._content)
        self.completeChanged.emit()

    def row(self, name: str) -> ItemRow:
        return next(r for r in self.rows if r.answer.name == name)

    def _count_changed(self, n: int) -> None:
        alt = self.alternative
        keep = [it for it in alt.items if id(it) in self.guide.touched]
        set_count(alt, n, self.guide._revenue_for_guesses(), keep)
        for row in self.rows:
            if row.answer.template.per_count and id(row.answer) not in self.guide.touched:
                row.refresh_from_model()

    def isComplete(self) -> bool:
        return all(not r.errors for r in self.rows)


# ---------------------------------------------------------------------------------------
# Page 5: summary
# ---------------------------------------------------------------------------------------

class SummaryPage(QWizardPage):
    def __init__(self, wizard: "NewFromGuideWizard"):
        super().__init__()
        self.guide = wizard
        self.setTitle("Your scenario")
        self.setSubTitle("Check the answers. \u201cCreate scenario\u201d opens it in investsim, not yet saved: "
                         "look at the results, change anything, then save it.")
        lay = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        lay.addWidget(self.text)
        self.error = error_label()
        lay.addWidget(self.error)
        self.problems: list[Problem] = []

    def initializePage(self) -> None:
        try:
            build_scenario(self.guide.answers)
        except AnswerError as exc:
            self.problems = list(exc.problems)
        else:
            self.problems = []
        show_error(self.error, "\n".join(p.line() for p in self.problems) or None)
        self.text.setHtml(summary_html(self.guide.answers))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.problems

    def validatePage(self) -> bool:
        try:
            self.guide.result_scenario = build_scenario(self.guide.answers)
        except AnswerError as exc:
            self.problems = list(exc.problems)
            show_error(self.error, "\n".join(p.line() for p in self.problems))
            self.completeChanged.emit()
            return False
        return True


def summary_html(answers: Answers) -> str:
    """The answers as a short report."""
    e = html.escape
    cur = answers.currency
    parts = [f"<h3>{e(answers.title)}</h3>",
             f"<p>Company today: revenue {e(say_money(answers.revenue, cur))} a year, operating margin "
             f"{e(say_percent(answers.operating_margin))}. Looking {answers.horizon_years} years ahead; the "
             f"company expects {e(say_percent(answers.discount_rate))} a year from its money."
             + (f" Results after tax at {e(say_percent(answers.tax_rate))}." if answers.tax_rate else
                " Results before tax.")
             + (f" Amounts in today's prices, rising {e(say_percent(answers.inflation))} a year with inflation."
                if answers.inflation else "") + "</p>"]
    skipped = set(left_out(answers))
    for alt in answers.alternatives:
        category = f" <span style='color:{HELP_COLOR}'>({e(alt.template.category)})</span>" \
            if alt.template.category else ""
        drivers = ", ".join(alt.drivers) if alt.drivers else "none ticked"
        counted = (f" Sized for {alt.count} {e(alt.template.count.name)}."
                   if alt.template.count is not None and alt.count is not None else "")
        parts.append(f"<h4>{e(alt.name)}{category}</h4><p>Serves: {e(drivers)}.{counted}</p><ul>")
        included = [it for it in alt.items if it.include]
        for it in included:
            if (alt.name, it.name) in skipped:
                parts.append(f"<li><b>{e(it.name)}</b>: left out, it starts after the horizon.</li>")
            else:
                parts.append(f"<li><b>{e(it.name)}</b> ({e(KIND_WORDS[it.template.kind])}): "
                             f"{e(describe_answer(it, cur))}</li>")
        if not included:
            parts.append("<li>No lines: a reference with nothing spent and nothing gained.</li>")
        parts.append("</ul>")
    if answers.do_nothing:
        parts.append("<h4>Do nothing</h4><p>Keep things as they are: nothing spent, nothing gained. The reference "
                     "every alternative must beat.</p>")
    parts.append("<p style='color:#555555'>Each answer becomes a 90% range in the file (5% chance below, 5% above), "
                 "widened or narrowed from how sure you said you are, and keeps your words and today's date in its "
                 "note.</p>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# The wizard
# ---------------------------------------------------------------------------------------

class NewFromGuideWizard(QWizard):
    """The guided set-up. ``answers`` is the model the pages edit; after ``Create scenario``,
    :meth:`scenario` is the result."""

    def __init__(self, parent: QWidget | None = None, *, templates: list[Template] | None = None,
                 today: _dt.date | None = None):
        super().__init__(parent)
        if templates is None:
            templates, self.template_problems = read_templates()
        else:
            self.template_problems = []
        self.templates = list(templates)
        self.answers = Answers(title="", revenue=math.nan, operating_margin=math.nan, alternatives=[],
                               horizon_years=DEFAULT_HORIZON, discount_rate=DEFAULT_DISCOUNT_RATE, currency="USD",
                               date=today, do_nothing=True)
        self.drafts: dict[str, AlternativeAnswer] = {}
        self.touched: set[int] = set()
        self.result_scenario: Scenario | None = None

        self.setWindowTitle("New from guide")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Create scenario")
        self.setPage(PAGE_DECISION, DecisionPage(self))
        self.setPage(PAGE_ALTERNATIVES, AlternativesPage(self))
        self.setPage(PAGE_DRIVERS, DriversPage(self))
        self.setPage(PAGE_SUMMARY, SummaryPage(self))
        self.setStartId(PAGE_DECISION)
        self.fit_to_screen()

    def fit_to_screen(self, width: int = 860, height: int = 700, area=None) -> None:
        """Open at ``width`` x ``height`` or, on a smaller screen (a 720-line projector), at what
        the screen offers (``area``: its available QRect, default the screen's), centred; the
        pages scroll where they need more."""
        if area is None:
            screen = self.screen() if self.parentWidget() is None else self.parentWidget().screen()
            if screen is None:
                self.resize(width, height)
                return
            area = screen.availableGeometry()
        frame = 40          # the window's title bar and borders
        w, h = min(width, area.width()), min(height, area.height() - frame)
        self.resize(w, h)
        self.move(area.x() + (area.width() - w) // 2, area.y() + max(0, (area.height() - frame - h) // 2))

    # -- the model ------------------------------------------------------------------
    def set_revenue(self, revenue: float) -> None:
        """New revenue: first guesses the person has not changed are sized to it again."""
        self.answers.revenue = revenue
        for draft in self.drafts.values():
            for it in draft.items:
                if id(it) not in self.touched:
                    it.least, it.most = it.template.suggested(revenue, draft.count_factor)

    def _revenue_for_guesses(self) -> float:
        r = self.answers.revenue
        return r if isinstance(r, float) and math.isfinite(r) and r >= 1 else 1.0

    def set_chosen(self, template: Template, on: bool, name: str) -> None:
        if on and template.key not in self.drafts:
            self.drafts[template.key] = alternative_answer(template, self._revenue_for_guesses(), name=name)
        elif on:
            self.drafts[template.key].name = name
        chosen = {a.template.key for a in self.answers.alternatives}
        chosen.add(template.key) if on else chosen.discard(template.key)
        self.answers.alternatives = [self.drafts[t.key] for t in self.templates if t.key in chosen]

    def rename(self, template: Template, name: str) -> None:
        if template.key in self.drafts:
            self.drafts[template.key].name = name

    # -- pages ----------------------------------------------------------------------
    def item_pages(self) -> list[ItemsPage]:
        return [self.page(i) for i in sorted(self.pageIds()) if i >= PAGE_ITEMS]

    def sync_item_pages(self) -> None:
        """One items page per chosen alternative, in order (called on leaving page 2)."""
        for page_id in [i for i in self.pageIds() if i >= PAGE_ITEMS]:
            page = self.page(page_id)
            self.removePage(page_id)
            page.deleteLater()
        for k, alt in enumerate(self.answers.alternatives):
            self.setPage(PAGE_ITEMS + k, ItemsPage(self, alt))

    def nextId(self) -> int:
        current = self.currentId()
        ids = set(self.pageIds())
        if current == PAGE_DECISION:
            return PAGE_ALTERNATIVES
        if current == PAGE_ALTERNATIVES:
            return PAGE_DRIVERS
        if current == PAGE_DRIVERS:
            return PAGE_ITEMS if PAGE_ITEMS in ids else PAGE_SUMMARY
        if current >= PAGE_ITEMS:
            return current + 1 if current + 1 in ids else PAGE_SUMMARY
        return -1

    def scenario(self) -> Scenario | None:
        """The scenario made on ``Create scenario``; None before that."""
        return self.result_scenario


def run_new_from_guide(parent: QWidget | None = None) -> Scenario | None:
    """Run the guided set-up modally. Returns the new (unsaved) scenario, or None if cancelled."""
    wizard = NewFromGuideWizard(parent)
    try:
        if wizard.exec() == QDialog.DialogCode.Accepted:
            return wizard.scenario()
        return None
    finally:
        wizard.deleteLater()


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m ui.wizard
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.model.scenario import dumps

    app = QApplication.instance() or QApplication(sys.argv[:1])
    result = run_new_from_guide()
    print(dumps(result) if result is not None else "cancelled")
