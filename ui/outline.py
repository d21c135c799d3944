"""The outline: settings, the business today, shared inputs, each alternative with its items,
and correlations. A view of the document's scenario, rebuilt when it changes, keeping the
selection and what is expanded."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QMenu, QToolBar, QTreeView, QVBoxLayout, QWidget

from simulator.analysis.describe import format_values
from simulator.model.distributions import Distribution
from simulator.model.expressions import Formula
from simulator.model.scenario import Scenario, YearlyAmounts

from simulator.workshop.edits import Key

KEY_ROLE = Qt.ItemDataRole.UserRole + 1

KIND_WORDS = {"investment": "investment", "running_cost": "running cost", "benefit": "benefit", "risk": "risk",
              "working_capital": "working capital"}


def short_amount(amount, unit: str, currency: str) -> str:
    """A few characters for the outline: ``$2.0M``, ``$0.4M–$1.1M``, ``= a * b``."""
    if amount is None:
        return ""
    if isinstance(amount, Formula):
        text = amount.text.strip()
        return "= " + (text if len(text) <= 28 else text[:27] + "…")
    if isinstance(amount, Distribution):
        lo, hi = amount.quantile(0.05), amount.quantile(0.95)
        a, b = format_values([lo, hi], unit, currency)
        return a if a == b else f"{a} – {b}"
    if isinstance(amount, YearlyAmounts):
        first = short_amount(amount.values[0], unit, currency) if amount.values else ""
        return f"{len(amount)} yearly amounts from {first}"
    return format_values([float(amount)], unit, currency)[0]


def _swatch(color: str) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(1, 1, 12, 12, 3, 3)
    p.end()
    return QIcon(pix)


class Outline(QWidget):
    """The scenario as a tree. ``selected(key)`` when the user picks something."""

    selected = Signal(object)

    def __init__(self, actions=None, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.toolbar = QToolBar()
        self.toolbar.setIconSize(QSize(16, 16))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        lay.addWidget(self.toolbar)
        self.tree = QTreeView()
        self.tree.setObjectName("outline")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.setToolTip("The parts of the scenario. Select one to edit it on the right.")
        self.model = QStandardItemModel(self)
        self.tree.setModel(self.model)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        lay.addWidget(self.tree)
        self._items: dict[Key, QStandardItem] = {}
        self._expanded: set[Key] = set()
        self._collapsed: set[Key] = set()
        self._current: Key | None = ("settings",)
        self._building = False
        self.actions = actions
        if actions is not None:
            self._install_actions(actions)

    def _install_actions(self, actions) -> None:
        tb = self.toolbar
        add_menu = QMenu("Add", self)
        add_menu.addAction(actions.add_alternative)
        add_menu.addAction(actions.add_do_nothing)
        add_menu.addSeparator()
        for action in actions.add_items.values():
            add_menu.addAction(action)
        add_menu.addSeparator()
        add_menu.addAction(actions.add_variable)
        add_menu.addAction(actions.add_correlation)
        self.add_menu = add_menu
        add = tb.addAction("Add ▾")
        add.setToolTip("Add an alternative, an item, a shared input or a correlation.")
        add.triggered.connect(lambda: add_menu.exec(self.toolbar.mapToGlobal(
            self.toolbar.actionGeometry(add).bottomLeft())))
        tb.addAction(actions.duplicate)
        tb.addAction(actions.remove)
        tb.addAction(actions.move_up)
        tb.addAction(actions.move_down)
        # Delete / Ctrl+D / Alt+Up work while the tree has focus.
        for a in (actions.remove, actions.duplicate, actions.move_up, actions.move_down):
            self.tree.addAction(a)

    def _context_menu(self, pos) -> None:
        if self.actions is None:
            return
        menu = QMenu(self)
        a = self.actions
        key = self.current_key() or ()
        if key and key[0] in ("alternative", "item"):
            for action in a.add_items.values():
                menu.addAction(action)
            menu.addSeparator()
        menu.addAction(a.add_alternative)
        menu.addAction(a.add_do_nothing)
        menu.addAction(a.add_variable)
        menu.addSeparator()
        for action in (a.duplicate, a.remove, a.move_up, a.move_down):
            menu.addAction(action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    # -- building --------------------------------------------------------------------
    def set_scenario(self, scenario: Scenario, colors: dict[str, str], select: Key | None = None) -> None:
        """Show ``scenario``; select ``select`` (or keep the current selection, or the nearest
        thing that still exists). Emits nothing: the caller reads :meth:`current_key`."""
        for key, item in self._items.items():
            if item.hasChildren():
                if self.tree.isExpanded(item.index()):
                    self._expanded.add(key)
                    self._collapsed.discard(key)
                else:
                    self._expanded.discard(key)
                    self._collapsed.add(key)
        self._building = True
        try:
            self.model.clear()
            self._items = {}
            root = self.model.invisibleRootItem()
            cur = scenario.currency
            self._add(root, ("settings",), "Settings", "",
                      "Title, currency, planning horizon, discount rate, number of simulated futures.")
            base = scenario.baseline
            self._add(root, ("baseline",), "Business today" + ("" if base is not None else " (not set)"), "",
                      "Today's revenue and operating margin, used to show the effect on the margin.")
            var_root = self._add(root, ("variables",), "Shared inputs",
                                 f"{len(scenario.variables)}",
                                 "Inputs that formulas can use, e.g. units sold, a price, a share of time saved.")
            for name, amount in scenario.variables:
                self._add(var_root, ("variable", name), name, short_amount(amount, "auto", cur),
                          "A shared input. Formulas refer to it by this name.")
            alt_root = self._add(root, ("alternatives",), "Alternatives", f"{len(scenario.alternatives)}",
                                 "The investments to compare.")
            for i, alt in enumerate(scenario.alternatives):
                node = self._add(alt_root, ("alternative", i), alt.name, alt.category,
                                 alt.description or "An alternative to compare.")
                node.setIcon(_swatch(colors.get(alt.name, "#888888")))
                for j, item in enumerate(alt.items):
                    detail = f"{KIND_WORDS.get(item.kind, item.kind)} · {short_amount(item.amount, 'money', cur)}"
                    self._add(node, ("item", i, j), item.name, detail, item.note or item.name)
            corr_root = self._add(root, ("correlations",), "Correlations", f"{len(scenario.correlations)}",
                                  "Shared inputs that tend to move together.")
            for k, c in enumerate(scenario.correlations):
                self._add(corr_root, ("correlation", k), f"{c.between[0]} ~ {c.between[1]}", f"{c.rank:+.2f}",
                          "Rank correlation between two uncertain shared inputs.")
            for key, item in self._items.items():   # groups and alternatives start expanded
                if item.hasChildren() and (key in self._expanded or (
                        key not in self._collapsed and key[0] in ("alternatives", "alternative"))):
                    self.tree.setExpanded(item.index(), True)
        finally:
            self._building = False
        target = select or self._current
        if target not in self._items:
            from simulator.workshop.edits import nearest_key

            target = nearest_key(scenario, target)
        self.select_key(target, emit=False)

    def _add(self, parent: QStandardItem, key: Key, text: str, detail: str, tip: str) -> QStandardItem:
        """A row: leaves show "name — detail", groups "name (count)"."""
        if detail and key[0] in ("item", "variable", "correlation"):
            label = f"{text}  —  {detail}"
        elif detail and key[0] in ("variables", "alternatives", "correlations"):
            label = f"{text} ({detail})"
        elif detail and key[0] == "alternative":
            label = f"{text}  ·  {detail}"
        else:
            label = text
        item = QStandardItem(label)
        item.setData(key, KEY_ROLE)
        item.setToolTip(tip if not detail else f"{text}\n{tip}")
        item.setEditable(False)
        parent.appendRow(item)
        self._items[key] = item
        return item

    # -- selection -------------------------------------------------------------------
    def current_key(self) -> Key | None:
        return self._current

    def select_key(self, key: Key, *, emit: bool = True) -> None:
        item = self._items.get(key)
        if item is None:
            return
        self._building = True
        try:
            idx = item.index()
            parent = idx.parent()
            while parent.isValid():
                self.tree.setExpanded(parent, True)
                parent = parent.parent()
            self.tree.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.tree.scrollTo(idx)
        finally:
            self._building = False
        self._current = key
        if emit:
            self.selected.emit(key)

    def _current_changed(self, current, _previous) -> None:
        if self._building or not current.isValid():
            return
        key = current.data(KEY_ROLE)
        if key is not None and key != self._current:
            self._current = key
            self.selected.emit(key)
