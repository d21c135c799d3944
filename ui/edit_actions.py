"""The structural edits (add, duplicate, remove, reorder) as QActions with shortcuts.

Each action builds the next scenario with :mod:`simulator.workshop.edits` and pushes it on the document's
undo stack, selecting what it made. Shared by the menu bar, the outline's toolbar and context
menu, and the inspector's buttons.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from simulator.workshop import edits
from .document import Document
from simulator.workshop.edits import EditError, Key

ITEM_KINDS = (
    ("investment", "One-off investment", "Money spent once, e.g. purchase, implementation, building works."),
    ("running_cost", "Running cost", "A cost every year, e.g. licences, staff, maintenance."),
    ("benefit", "Benefit", "Money saved or earned every year, e.g. lower stock, more sales."),
    ("risk", "Risk", "A loss that may happen in a year, with a chance per year."),
    ("working_capital", "Working capital", "Money tied up while it runs (stock, receivables); it comes back the "
     "year after it ends."),
)


class EditActions(QObject):
    """Add / duplicate / remove / move, acting on the selection given by ``current``."""

    #: A message for the status bar when an action cannot be done ("a scenario needs...").
    message = Signal(str)

    def __init__(self, doc: Document, current: Callable[[], Key | None], parent: QObject | None = None):
        super().__init__(parent)
        self.doc = doc
        self.current = current
        self.add_alternative = self._action("Add alternative", "Add a new alternative to compare.",
                                            self.do_add_alternative, "Ctrl+Shift+A")
        self.add_do_nothing = self._action('Add "Do nothing"', "Add the reference alternative: no spending, "
                                           "no change (its value is zero).", self.do_add_do_nothing)
        self.add_items = {}
        for kind, label, tip in ITEM_KINDS:
            self.add_items[kind] = self._action(f"Add {label.lower()}", tip + " Added to the selected alternative.",
                                                lambda _c=False, k=kind: self.do_add_item(k))
        self.add_items["benefit"].setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.add_items["running_cost"].setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.add_items["investment"].setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.add_items["risk"].setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.add_variable = self._action("Add shared input", "A shared input (variable) that formulas can use, "
                                         "e.g. units sold or a price.", self.do_add_variable)
        self.add_correlation = self._action("Add correlation", "Say that two uncertain shared inputs tend to move "
                                            "together (or in opposite directions).", self.do_add_correlation)
        self.duplicate = self._action("Duplicate", "Copy the selected alternative, item or shared input.",
                                      self.do_duplicate, "Ctrl+D")
        self.remove = self._action("Remove", "Remove the selected alternative, item, shared input or correlation.",
                                   self.do_remove, QKeySequence.StandardKey.Delete)
        self.remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.move_up = self._action("Move up", "Move the selection up the list.",
                                    lambda: self.do_move(-1), "Alt+Up")
        self.move_down = self._action("Move down", "Move the selection down the list.",
                                      lambda: self.do_move(1), "Alt+Down")

    def _action(self, text: str, tip: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- helpers ---------------------------------------------------------------------
    def _push(self, result: tuple, text: str) -> bool:
        new, select = result
        problems = self.doc.propose(new, text, select=select, select_before=self.current())
        if problems:
            self.message.emit(f"{text}: {problems[0].message}")
            return False
        return True

    def _alternative_index(self) -> int | None:
        key = self.current() or ()
        if key and key[0] in ("alternative", "item"):
            return key[1]
        if len(self.doc.scenario.alternatives) == 1:
            return 0
        return None

    # -- the actions -----------------------------------------------------------------
    def do_add_alternative(self) -> bool:
        return self._push(edits.add_alternative(self.doc.scenario), "Add alternative")

    def do_add_do_nothing(self) -> bool:
        return self._push(edits.add_do_nothing(self.doc.scenario), 'Add "Do nothing"')

    def do_add_item(self, kind: str) -> bool:
        i = self._alternative_index()
        if i is None:
            self.message.emit("Select an alternative first: the new item is added to it.")
            return False
        label = dict((k, lab) for k, lab, _ in ITEM_KINDS)[kind].lower()
        return self._push(edits.add_item(self.doc.scenario, i, kind), f"Add {label}")

    def do_add_pilot(self, name: str, target: str) -> bool:
        """Add "find out ``name`` first, then decide on ``target``" (undoable); its cost and error
        are placeholders to fill in, so the inspector shows the new alternative."""
        try:
            result = edits.add_pilot(self.doc.scenario, name, target)
        except EditError as exc:
            self.message.emit(str(exc))
            return False
        if self._push(result, f"Add a pilot to find out {name.replace('_', ' ')}"):
            self.message.emit("Pilot added: fill in its cost and how far off its reading may be, in the inspector.")
            return True
        return False

    def do_add_variable(self) -> bool:
        return self._push(edits.add_variable(self.doc.scenario), "Add shared input")

    def do_add_correlation(self) -> bool:
        try:
            result = edits.add_correlation(self.doc.scenario)
        except EditError as exc:
            self.message.emit(f"Cannot add a correlation: {exc}.")
            return False
        return self._push(result, "Add correlation")

    def do_duplicate(self) -> bool:
        key = self.current()
        try:
            result = edits.duplicate(self.doc.scenario, key or ("settings",))
        except EditError as exc:
            self.message.emit(f"Cannot duplicate: {exc}.")
            return False
        return self._push(result, "Duplicate")

    def do_remove(self) -> bool:
        key = self.current()
        try:
            result = edits.remove(self.doc.scenario, key or ("settings",))
        except EditError as exc:
            self.message.emit(f"Cannot remove: {exc}.")
            return False
        return self._push(result, "Remove")

    def do_move(self, delta: int) -> bool:
        key = self.current()
        try:
            result = edits.move(self.doc.scenario, key or ("settings",), delta)
        except EditError as exc:
            self.message.emit(f"Cannot move: {exc}.")
            return False
        return self._push(result, "Move up" if delta < 0 else "Move down")

    def update_enabled(self, key: Key | None) -> None:
        kind = key[0] if key else ""
        self.duplicate.setEnabled(kind in ("alternative", "item", "variable"))
        self.remove.setEnabled(kind in ("alternative", "item", "variable", "correlation"))
        self.move_up.setEnabled(kind in ("alternative", "item", "variable", "correlation"))
        self.move_down.setEnabled(kind in ("alternative", "item", "variable", "correlation"))
