"""The inspector: edits whatever is selected in the outline.

Every confirmed change becomes one undoable command through :meth:`Document.propose`. A value
that breaks a rule of the scenario file is not applied; the problem shows in plain words
under the field that caused it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from simulator.analysis.describe import describe_amount
from simulator.model.distributions import Distribution
from simulator.model.scenario import DRIVERS, MAX_HORIZON, MAX_ITERATIONS, MIN_ITERATIONS, Scenario

from simulator.model.locales import LOCALES
from simulator.workshop import edits
from .amount_editor import AmountEditor
from .document import Document
from .edit_actions import ITEM_KINDS, EditActions
from simulator.workshop.edits import EditError, Key
from .fields import CheckField, ChoiceField, DepreciationField, IntField, LongTextField, NumberField, TextField
from .palette import colors_for

CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "INR", "CNY")
KIND_CHOICES = tuple((k, label) for k, label, _ in ITEM_KINDS)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setPointSizeF(f.pointSizeF() * 1.25)
    f.setBold(True)
    label.setFont(f)
    label.setWordWrap(True)
    return label


def _explain(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555555;")
    return label



def _action_button(action) -> QPushButton:
    """A push button that shows and triggers ``action`` (its text and tooltip)."""
    button = QPushButton(action.text())
    button.setToolTip(action.toolTip())
    button.clicked.connect(action.trigger)
    return button


def _action_row(*actions) -> QHBoxLayout:
    """A left-aligned row of buttons for ``actions``."""
    row = QHBoxLayout()
    for action in actions:
        row.addWidget(_action_button(action))
    row.addStretch(1)
    return row

class Page(QWidget):
    """One inspector page, for the thing at ``key``."""

    def __init__(self, doc: Document, actions: EditActions, key: Key, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.actions = actions
        self.key = key
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(12, 10, 12, 10)
        self.outer.setSpacing(8)
        self.title = _heading("")
        self.outer.addWidget(self.title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.outer.addLayout(self.form)
        self.problem = QLabel()
        self.problem.setObjectName("pageProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #B71C1C;")
        self.problem.hide()
        self.outer.addWidget(self.problem)
        self.fields: dict[str, QWidget] = {}
        self._labels: dict[str, str] = {}

    def finish(self) -> None:
        self.outer.addStretch(1)

    def bind(self, name: str, label: str, field: QWidget, *, merge: bool = False) -> QWidget:
        """Add a row whose confirmed changes set ``name`` of the thing at ``self.key``."""
        self.form.addRow(label, field)
        self.fields[name] = field
        self._labels[name] = label.rstrip(":")
        field.committed.connect(lambda value, n=name, f=field, m=merge: self.apply(n, value, f, merge=m))
        return field

    def set_row_visible(self, name: str, visible: bool) -> None:
        self.form.setRowVisible(self.fields[name], visible)

    def apply(self, name: str, value, field, *, merge: bool = False) -> bool:
        scenario = self.doc.scenario
        try:
            new = edits.set_field(scenario, self.key, name, value)
        except EditError as exc:
            field.set_error(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        select = self.key
        if self.key[0] == "variable" and name == "name":
            select = ("variable", value)
        label = self._labels.get(name, name).lower()
        problems = self.doc.propose(new, f"Change {label}", select=select, select_before=self.key,
                                    merge_key=f"{self.key}:{name}" if merge else None)
        if not problems:
            field.set_error(None)
            self.problem.hide()
            return True
        prefix = edits.path_of(self.key)
        path = f"{prefix}.{name}" if prefix else name
        mine = edits.problems_under(problems, path) or edits.problems_under(problems, prefix)
        shown = mine or problems
        text = " ".join(_sentence(p.message) for p in shown[:2])
        if not mine:
            text += f" (in {edits.describe_path(self.doc.scenario, shown[0].path)})"
        field.set_error(text + " Not applied.")
        return False

    def refresh(self, scenario: Scenario) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


#: Field names in the engine's messages, as the inspector labels them.
FIELD_WORDS = {
    "start_year": "'From year'", "end_year": "'Until year'", "ramp_years": "'Ramp-up'",
    "life_years": "'Written off over'", "contribution_margin": "'Contribution margin'",
    "horizon_years": "'Planning horizon'", "discount_rate": "'Discount rate'", "operating_margin":
    "'Operating margin'", "revenue_growth": "'Revenue growth'", "probability": "'Chance per year'",
    "tax_rate": "'Tax rate'", "inflation": "'Inflation'", "terminal_growth": "'Growth after the horizon'",
    "residual_value": "'Resale value at the end'", "frequency": "'Events per year'",
    "depreciation": "'Depreciation for tax'",
}


def plain_words(message: str) -> str:
    """The engine's message with field names as the labels on screen."""
    for name, words in FIELD_WORDS.items():
        message = re.sub(rf"\b{name}\b", words, message)
    return message


def _sentence(message: str) -> str:
    message = plain_words(message.strip())
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------

class SettingsPage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("Settings")
        self.bind("title", "Title", TextField("The name of this comparison, shown on every chart and report."))
        self.bind("description", "Description", LongTextField("What is being decided, for whom, and why."))
        self.bind("currency", "Currency", ChoiceField([(c, c) for c in CURRENCIES],
                                                       "The currency of every amount (a code such as USD or EUR).",
                                                       editable=True))
        self.bind("horizon_years", "Planning horizon",
                  IntField(1, MAX_HORIZON, "How many years ahead the comparison looks.", suffix=" years"),
                  merge=True)
        self.bind("discount_rate", "Discount rate",
                  NumberField("percent", "What money a year from now is worth less than money today, per year: "
                              "usually the company's cost of capital or hurdle rate (e.g. 8%).",
                              lo=-0.99, hi=1.0))
        self.bind("iterations", "Simulated futures",
                  IntField(MIN_ITERATIONS, MAX_ITERATIONS, "How many possible futures to simulate. More is "
                           "smoother and slower; 10,000-20,000 is plenty for a decision."), merge=True)
        self.fields["iterations"].editor.setSingleStep(1000)
        self.bind("seed", "Random seed", NumberField("integer", "The starting point of the random numbers: the same "
                                                     "seed gives the same results. Change it to see the noise.",
                                                     lo=0, hi=2 ** 63 - 1))
        self.bind("sampling", "Sampling", ChoiceField([("lhs", "Latin hypercube (smoother)"),
                                                       ("random", "Plain random")],
                                                      "Latin hypercube spreads the draws evenly, so fewer futures "
                                                      "give steadier results."))
        self.bind("tax_rate", "Tax rate",
                  NumberField("percent", "The tax on each year's profit effect (e.g. 25%). Blank or 0: every figure "
                              "is before tax. Above 0: NPV, IRR, payback and cash are after tax.", optional=True,
                              lo=0.0, hi=0.99, placeholder="0% (before tax)"))
        self.bind("inflation", "Inflation",
                  NumberField("percent", "Yearly inflation (e.g. 2%). Amounts are in today's prices and rise with "
                              "it; the discount rate is then a nominal rate. Blank or 0: no inflation.",
                              optional=True, lo=-0.5, hi=1.0, placeholder="0% (today's prices)"))
        self.bind("locale", "Number style",
                  ChoiceField([("", "This computer's")] + [(code, code) for code in sorted(LOCALES)],
                              "How figures are written for the readers: separators and where the currency "
                              "symbol goes (de_DE: 1.234.567,89 €). This computer's: the system's for the app, "
                              "en_US in reports and the command line."))
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        for name in ("tax_rate", "inflation"):
            self.fields[name].set_value(getattr(scenario, name) or None)
        for name in ("title", "description", "currency", "horizon_years", "discount_rate", "iterations", "seed",
                     "sampling", "locale"):
            self.fields[name].set_value(getattr(scenario, name))


class BaselinePage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("The business today")
        self.outer.insertWidget(1, _explain("Today's revenue and operating margin. With them, each alternative "
                                            "shows how it moves the company's operating margin, year by year."))
        self.bind("enabled", "", CheckField("Show the effect on the operating margin",
                                            "Untick to leave the margin view out."))
        self.bind("revenue", "Revenue per year", NumberField("money", "This year's revenue (e.g. 120M).",
                                                             lo=0.01))
        self.bind("operating_margin", "Operating margin", NumberField("percent", "Operating profit as a share of "
                                                                     "revenue (e.g. 11%).", lo=-0.99, hi=0.99))
        self.bind("revenue_growth", "Revenue growth per year",
                  NumberField("percent", "How fast revenue grows without any of the alternatives (e.g. 3%).",
                              lo=-0.99, hi=10))
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        base = scenario.baseline
        self.fields["enabled"].set_value(base is not None)
        for name in ("revenue", "operating_margin", "revenue_growth"):
            self.set_row_visible(name, base is not None)
            if base is not None:
                self.fields[name].set_value(getattr(base, name))


class ListPage(Page):
    """The group rows: what they are, what is in them, and how to add one."""

    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        kind = key[0]
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        if kind == "variables":
            self.title.setText("Shared inputs")
            self.outer.insertWidget(1, _explain(
                "Inputs that several items use, such as units sold, a price or a share of time saved. Give "
                "each a number, a range or a distribution; formulas in items refer to them by name."))
            buttons.addWidget(_action_button(actions.add_variable))
        elif kind == "alternatives":
            self.title.setText("Alternatives")
            self.outer.insertWidget(1, _explain(
                "The investments being compared, IT or not, on one scale. Each is a list of items: "
                "one-off investments, running costs, benefits and risks."))
            buttons.addWidget(_action_button(actions.add_alternative))
            buttons.addWidget(_action_button(actions.add_do_nothing))
        else:
            self.title.setText("Correlations")
            self.outer.insertWidget(1, _explain(
                "Uncertain shared inputs that tend to move together: a rank correlation of +0.5 means "
                "when one is high the other tends to be high too; -0.5 the opposite."))
            buttons.addWidget(_action_button(actions.add_correlation))
        buttons.addStretch(1)
        self.outer.addLayout(buttons)
        self.outer.addWidget(self.body)
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        kind = self.key[0]
        cur = scenario.currency
        rows = []
        if kind == "variables":
            for name, amount in scenario.variables:
                rows.append(f"<b>{name}</b>: {_esc(describe_amount(amount, unit='auto', currency=cur, scenario=scenario))}")
        elif kind == "alternatives":
            for alt in scenario.alternatives:
                rows.append(f"<b>{_esc(alt.name)}</b> {('(' + _esc(alt.category) + ')') if alt.category else ''}: "
                            f"{len(alt.items)} item{'s' if len(alt.items) != 1 else ''}")
        else:
            for c in scenario.correlations:
                rows.append(f"<b>{c.between[0]}</b> and <b>{c.between[1]}</b>: {c.rank:+.2f}")
        self.body.setText("<br>".join(rows) if rows else "<i>None yet.</i>")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class VariablePage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("Shared input")
        self.bind("name", "Name", TextField("The name formulas use: letters, digits and _, e.g. unit_price. "
                                            "Renaming updates every formula that uses it."))
        self.bind("label", "Label", TextField(required=False, tooltip="The input in plain words, shown instead of its name on every chart, "
                                              "in the report and the workbook, e.g. Line units a year. "
                                              "Blank: the name, with spaces for _."))
        self.bind("unit", "Unit", TextField(required=False, tooltip="What the value counts, e.g. units a year, $ a licence, FTE. "
                                            "Shown beside it in the report's assumptions."))
        self.amount = AmountEditor("auto")
        self.amount.setObjectName("amountEditor")
        self.bind("amount", "Value", self.amount)
        self.used = QLabel()
        self.used.setWordWrap(True)
        self.used.setStyleSheet("color: #555555;")
        self.form.addRow("Used by", self.used)
        self.outer.addLayout(_action_row(actions.duplicate, actions.remove))
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        name = self.key[1]
        self.fields["name"].set_value(name)
        info = dict(scenario.variable_info).get(name)
        self.fields["label"].set_value(info.label if info else "")
        self.fields["unit"].set_value(info.unit if info else "")
        self.amount.set_context(scenario)
        self.amount.set_amount(scenario.variable_map[name])
        uses = edits.uses_of(scenario, name)
        self.used.setText("\n".join(uses) if uses else "Nothing yet.")


class AlternativePage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("Alternative")
        self.bind("name", "Name", TextField("A short name, shown on every chart."))
        self.bind("category", "Category", ChoiceField([("IT", "IT"), ("non-IT", "non-IT"),
                                                       ("reference", "reference")],
                                                      "IT or non-IT: both are judged on the same scale.",
                                                      editable=True))
        self.bind("description", "Description", LongTextField("What this alternative is, in a sentence or two."))
        self.drivers = _DriverList()
        self.bind("drivers", "Business drivers", self.drivers)
        self.bind("terminal_growth", "Growth after the horizon",
                  NumberField("percent", "Optional: adds the value of the years after the horizon, as the last "
                              "year's cash growing at this rate for ever (below the discount rate). Shown on "
                              "its own line: it is not a forecast.", optional=True, lo=-0.99, hi=0.99,
                              placeholder="none: nothing after the horizon"))
        self._pilot_rows(key)
        add = QGridLayout()
        for n, kind in enumerate(("investment", "running_cost", "benefit", "risk", "working_capital")):
            action = actions.add_items[kind]
            b = QPushButton(action.text().replace("Add ", "+ "))
            b.setToolTip(action.toolTip())
            b.clicked.connect(action.trigger)
            add.addWidget(b, n // 2, n % 2)
        add.setColumnStretch(2, 1)
        self.outer.addLayout(add)
        self.outer.addLayout(_action_row(actions.duplicate, actions.remove, actions.move_up, actions.move_down))
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        alt = scenario.alternatives[self.key[1]]
        color = colors_for([a.name for a in scenario.alternatives]).get(alt.name, "#888888")
        self.title.setText(f"<span style='color:{color}'>■</span> Alternative")
        for name in ("name", "category", "description", "drivers", "terminal_growth"):
            self.fields[name].set_value(getattr(alt, name))
        self._refresh_pilot(scenario, alt, color)

    # -- a staged alternative's pilot ("test first, then decide") ------------------------
    def _pilot_rows(self, key) -> None:
        self.pilot_note = QLabel()
        self.pilot_note.setObjectName("pilotNote")
        self.pilot_note.setWordWrap(True)
        self.pilot_note.setStyleSheet("color: #555555;")
        self.form.addRow("Tests first", self.pilot_note)
        self.pilot_cost = AmountEditor("money", allow_formula=False, preview=False)
        self.pilot_cost.setObjectName("pilotCost")
        self.bind("pilot_cost", "Cost of the test", self.pilot_cost)
        self.pilot_error = AmountEditor("auto", optional=True, allow_formula=False, preview=False)
        self.pilot_error.setObjectName("pilotError")
        self.bind("pilot_error", "Reading off by", self.pilot_error)
        self.bind("pilot_reveals", "Measures", TextField("The shared inputs the test measures, by name, separated by "
                                                         "commas, e.g. line_units."))
        self.bind("pilot_years", "Takes", IntField(0, 50, "How long the test takes: the project starts that many "
                                                   "years later (keeping its full length).", suffix=" years"),
                  merge=True)

    def _refresh_pilot(self, scenario: Scenario, alt, color: str) -> None:
        staged = alt.pilot is not None
        self.form.setRowVisible(self.pilot_note, staged)
        for name in edits.PILOT_EDIT_FIELDS:
            self.set_row_visible(name, staged)
        if not staged:
            return
        self.pilot_note.setText(f"{_esc(alt.stage_of or '')}: it goes ahead only in the futures where the test's "
                                "reading says its expected NPV is above zero. The test's cost is paid in year 0.")
        for editor in (self.pilot_cost, self.pilot_error):
            editor.set_context(scenario, color=color)
        self.pilot_cost.set_amount(alt.pilot.cost)
        self.pilot_error.set_amount(alt.pilot.error)
        self.fields["pilot_reveals"].set_value(", ".join(alt.pilot.reveals))
        self.fields["pilot_years"].set_value(alt.pilot.years)


class _DriverList(QWidget):
    """Tick the business drivers an alternative serves."""

    committed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setToolTip("What the business gets from it: the same drivers for IT and non-IT investments.")
        self.list.setMaximumHeight(150)
        lay.addWidget(self.list)
        self.error = QLabel()
        self.error.setStyleSheet("color: #B71C1C;")
        self.error.hide()
        lay.addWidget(self.error)
        self._value: tuple[str, ...] = ()
        self._loading = False
        self.list.itemChanged.connect(self._changed)

    def set_value(self, drivers) -> None:
        self._value = tuple(drivers)
        self._loading = True
        try:
            self.list.clear()
            for d in list(DRIVERS) + [d for d in drivers if d not in DRIVERS]:
                item = QListWidgetItem(d)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if d in drivers else Qt.CheckState.Unchecked)
                self.list.addItem(item)
        finally:
            self._loading = False

    def _changed(self, _item) -> None:
        if self._loading:
            return
        ticked = [self.list.item(i).text() for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked]
        order = {d: k for k, d in enumerate(self._value)}
        ticked.sort(key=lambda d: (order.get(d, 99), d))
        if tuple(ticked) != self._value:
            self.committed.emit(tuple(ticked))

    def set_error(self, message) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))


class ItemPage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("Item")
        self.bind("name", "Name", TextField("What this line is, in a few words."))
        self.bind("kind", "Kind", ChoiceField(KIND_CHOICES, "One-off investment, yearly running cost, yearly "
                                                            "benefit, or a risk that may happen."))
        self.amount = AmountEditor("money", allow_list=True)
        self.amount.setObjectName("amountEditor")
        self.bind("amount", "Amount", self.amount)
        h = 50
        self.bind("year", "Paid in year", IntField(0, h, "0 is today; 1 is the end of the first year."), merge=True)
        self.bind("life_years", "Written off over",
                  IntField(1, 100, "Years over which the investment is depreciated in the margin view.",
                           none_text="the planning horizon", suffix=" years"), merge=True)
        self.bind("depreciation", "Depreciation for tax",
                  DepreciationField("How the price is written off for tax: 'straight line' over the years above, "
                                    "or a schedule of yearly percentages of the price from the year after payment "
                                    "(a MACRS table, say), adding up to 100%."))
        self.residual = AmountEditor("money", optional=True, preview=False)
        self.bind("residual_value", "Resale value at the end", self.residual)
        self.bind("start_year", "From year", IntField(0, h, "The first year it happens (0: today, expensed "
                                                      "this year)."), merge=True)
        self.bind("end_year", "Until year", IntField(0, h, "The last year it happens.",
                                                     none_text="the end of the plan"), merge=True)
        self.bind("ramp_years", "Ramp-up", IntField(0, 100, "Years to build up to the full amount (0: full from "
                                                    "the start).", suffix=" years"), merge=True)
        self.growth = AmountEditor("percent", optional=True, preview=False)
        self.bind("growth", "Growth per year", self.growth)
        self.probability = AmountEditor("percent", optional=True, preview=False)
        self.bind("probability", "Chance per year", self.probability)
        self.frequency = AmountEditor("number", optional=True, preview=False)
        self.bind("frequency", "Events per year", self.frequency)
        self.bind("indexed", "", CheckField("Rises with inflation",
                                            "Untick for a fixed-price contract: the amounts stay as written."))
        self.bind("vary", "Uncertainty", ChoiceField([("once", "Same draw every year"),
                                                      ("yearly", "New draw every year")],
                                                     "Whether an uncertain amount is drawn once per future (a "
                                                     "level that holds) or again every year (ups and downs)."))
        self.bind("effect", "Effect", ChoiceField([("cost_saving", "Saves cost"), ("revenue", "Adds revenue")],
                                                  "A cost saving adds to profit in full; extra revenue adds only "
                                                  "its contribution margin."))
        self.margin = AmountEditor("percent", preview=False)
        self.bind("contribution_margin", "Contribution margin", self.margin)
        self.bind("driver", "Business driver", ChoiceField([(None, "—")] + [(d, d) for d in DRIVERS],
                                                           "The business driver this benefit serves.",
                                                           editable=True))
        self.bind("note", "Source / note", LongTextField("Where the number comes from: a quote, last year's "
                                                         "actuals, a benchmark."))
        self.outer.addLayout(_action_row(actions.duplicate, actions.remove, actions.move_up, actions.move_down))
        self.finish()

    def refresh(self, scenario: Scenario) -> None:
        i, j = self.key[1], self.key[2]
        alt = scenario.alternatives[i]
        item = alt.items[j]
        color = colors_for([a.name for a in scenario.alternatives]).get(alt.name, "#888888")
        self.title.setText(f"<span style='color:{color}'>■</span> {_esc(alt.name)} / item")
        h = scenario.horizon_years
        # Up to the horizon, or the year the file says when it is later (a caution says so):
        # a spin box must never change a value it only shows.
        self.fields["year"].editor.setMaximum(max(h, item.year))
        self.fields["start_year"].editor.setMaximum(max(h, item.start_year))
        self.fields["end_year"].editor.setMaximum(max(h, item.end_year or 0))
        for name in ("name", "kind", "year", "life_years", "start_year", "end_year", "ramp_years", "vary", "effect",
                     "driver", "note", "depreciation", "indexed"):
            self.fields[name].set_value(getattr(item, name))
        for editor in (self.amount, self.growth, self.probability, self.margin, self.residual, self.frequency):
            editor.set_context(scenario, color=color)
        self.amount.set_first_year(item.start_year)
        self.amount.set_amount(item.amount)
        self.residual.set_amount(item.residual_value)
        self.frequency.set_amount(item.frequency)
        self.growth.set_amount(item.growth)
        self.probability.set_amount(item.probability)
        self.margin.set_amount(item.contribution_margin)
        investment = item.kind == "investment"
        annual = not investment
        benefit = item.kind == "benefit"
        self.form.labelForField(self.amount).setText(
            {"investment": "Amount", "risk": "Loss if it happens", "working_capital": "Level tied up"}
            .get(item.kind, "Amount per year"))
        for name in ("year", "life_years", "depreciation", "residual_value"):
            self.set_row_visible(name, investment)
        for name in ("start_year", "end_year", "ramp_years", "growth", "probability", "vary"):
            self.set_row_visible(name, annual)
        self.set_row_visible("probability", item.is_annual)
        self.set_row_visible("frequency", item.is_annual)
        self.set_row_visible("indexed", bool(scenario.inflation) or not item.indexed)
        if item.is_list:   # the list gives the years and each year's amount
            for name in ("end_year", "ramp_years", "growth", "vary"):
                self.set_row_visible(name, False)
        for name in ("effect", "driver"):
            self.set_row_visible(name, benefit)
        self.set_row_visible("contribution_margin", benefit and item.effect == "revenue")
        self.form.labelForField(self.probability).setText(
            "Chance per year" if item.kind == "risk" else "Chance per year (optional)")


class CorrelationPage(Page):
    def __init__(self, doc, actions, key, parent=None):
        super().__init__(doc, actions, key, parent)
        self.title.setText("Correlation")
        self.outer.insertWidget(1, _explain("Two uncertain shared inputs that tend to move together (+) or in "
                                            "opposite directions (−). Rank correlation, between −1 and +1."))
        self.first = ChoiceField([], "The first shared input (it needs a range or a distribution).")
        self.second = ChoiceField([], "The second shared input.")
        self.form.addRow("Between", self.first)
        self.form.addRow("and", self.second)
        self.first.committed.connect(lambda v: self._pair(0, v, self.first))
        self.second.committed.connect(lambda v: self._pair(1, v, self.second))
        self.bind("rank", "Rank correlation", NumberField("number", "+1: always move together; 0: unrelated; "
                                                          "−1: always opposite.", lo=-0.99, hi=0.99))
        self.outer.addLayout(_action_row(actions.remove))
        self.finish()
        self._labels["between"] = "correlated inputs"

    def _pair(self, index: int, value, field) -> None:
        corr = self.doc.scenario.correlations[self.key[1]]
        between = list(corr.between)
        between[index] = value
        self.apply("between", tuple(between), field)

    def refresh(self, scenario: Scenario) -> None:
        corr = scenario.correlations[self.key[1]]
        names = [n for n, a in scenario.variables if isinstance(a, Distribution)]
        for combo, value in ((self.first, corr.between[0]), (self.second, corr.between[1])):
            box = combo.editor
            box.blockSignals(True)
            box.clear()
            for n in names + ([value] if value not in names else []):
                box.addItem(n, n)
            box.blockSignals(False)
            combo.set_value(value)
        self.fields["rank"].set_value(corr.rank)


_PAGES = {
    "settings": SettingsPage,
    "baseline": BaselinePage,
    "variables": ListPage,
    "alternatives": ListPage,
    "correlations": ListPage,
    "variable": VariablePage,
    "alternative": AlternativePage,
    "item": ItemPage,
    "correlation": CorrelationPage,
}


class Inspector(QScrollArea):
    """Shows the page for the selected key and keeps it in step with the document."""

    def __init__(self, doc: Document, actions: EditActions, parent=None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.doc = doc
        self.actions = actions
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page: Page | None = None
        self.key: Key | None = None

    def show_key(self, key: Key) -> None:
        scenario = self.doc.scenario
        key = edits.nearest_key(scenario, key)
        if self.page is not None and key == self.key:
            self.page.refresh(scenario)
            return
        cls = _PAGES[key[0]]
        page = cls(self.doc, self.actions, key)
        for child in page.findChildren(QWidget):
            child.setAcceptDrops(False)   # a dropped scenario file goes to the window and opens
        page.refresh(scenario)
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(page)
        self.page = page
        self.key = key

    def refresh(self) -> None:
        if self.key is not None:
            self.show_key(self.key)


def demo(path: str | None = None, key: Key = ("item", 0, 0)) -> Inspector:
    """The inspector on one part of a bundled (or given) scenario, with its own document and
    undo stack (Ctrl+Z works)."""
    from PySide6.QtGui import QKeySequence, QShortcut

    from ._demo import demo_scenario

    doc = Document(demo_scenario(path))
    inspector = Inspector(doc, None)
    actions = EditActions(doc, lambda: inspector.key, inspector)
    inspector.actions = actions
    inspector.show_key(key)
    doc.changed.connect(lambda _s, k: inspector.show_key(k or inspector.key))
    QShortcut(QKeySequence.StandardKey.Undo, inspector, doc.undo_stack.undo)
    inspector.resize(460, 760)
    inspector.doc_ = doc
    return inspector


if __name__ == "__main__":  # a quick look: python -m ui.inspector [FILE]
    from ._demo import run_demo

    run_demo(demo)
