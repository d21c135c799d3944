"""Gut call first: each team commits to a choice and a confidence before the results are shown.

Three pieces, all thin views over :mod:`simulator.workshop.teams` (``GutCall``, ``judge_calls``):

* :class:`RevealState` - whether the results are hidden. One per main window; whatever shows
  results (the result tabs, presentation mode) consults ``state.hidden`` and follows
  ``state.changed``.
* :class:`ResultsCurtain` - wraps the widget that shows the results (the main window's tab
  widget) and puts a "hidden until the reveal" page in front of it while the state says so.
  Hidden result tabs are not drawn at all, so nothing leaks through a half-drawn chart.
* :class:`GutCallPanel` - the facilitator's panel: record each team's choice and confidence
  (50-100%), hide the results, reveal. The reveal shows a small table and one sentence per
  team beside the simulated answer ("Team Finance chose ERP system at 80% confidence; the
  simulation gives ERP system the edge in 58% of futures"), with a calibration note for a
  team that was very sure and wrong.

How the main window uses them::

    self.reveal_state = RevealState(self)
    self.gut_panel = GutCallPanel(self.reveal_state)
    rl.addWidget(ResultsCurtain(self.tabs, self.reveal_state), 1)   # instead of rl.addWidget(self.tabs, 1)
    self.controller.resultsReady.connect(self.gut_panel.set_results)  # (results, preview); previews ignored
    self.doc.reset.connect(lambda s: self.gut_panel.new_scenario([a.name for a in s.alternatives]))
    self.doc.changed.connect(lambda s, _sel: self.gut_panel.set_alternatives([a.name for a in s.alternatives]))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSizePolicy, QSpinBox, QStackedWidget, QTableView, QVBoxLayout, QWidget,
)

from simulator.analysis import formatting as fmt
from simulator.workshop.teams import GutCall, Reveal, judge_calls

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

_MUTED = "#5A5A5A"
_RIGHT_INK, _RIGHT_BG = "#1E6B34", "#E6F4EA"
_WRONG_INK, _WRONG_BG = "#B71C1C", "#FDECEA"
_NOTE_INK = "#8A4B00"
_CLOSE_INK, _CLOSE_BG = "#3B4A5A", "#E8EEF4"

INTRO = ("Before the results are shown, each team says which alternative it would choose and how sure it "
         "is: 50% is a coin toss, 100% is certain. Then reveal the simulation beside the calls.")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------
# The state the main window consults
# ---------------------------------------------------------------------------------------

class RevealState(QObject):
    """Whether the results are hidden until the reveal.

    ``hidden`` is the truth; ``changed(hidden)`` fires only when it changes. Anything that
    shows results - the result tabs (through :class:`ResultsCurtain`), presentation mode,
    a report export - checks ``hidden`` first and follows ``changed``.
    """

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, hidden: bool = False):
        super().__init__(parent)
        self._hidden = bool(hidden)

    @property
    def hidden(self) -> bool:
        return self._hidden

    def set_hidden(self, hidden: bool) -> None:
        hidden = bool(hidden)
        if hidden != self._hidden:
            self._hidden = hidden
            self.changed.emit(hidden)

    def hide_results(self) -> None:
        self.set_hidden(True)

    def reveal(self) -> None:
        self.set_hidden(False)


class ResultsCurtain(QStackedWidget):
    """``results`` (e.g. the main window's tab widget) behind a curtain page while
    ``state.hidden``. Put the curtain where the results widget was in the layout."""

    def __init__(self, results: QWidget, state: RevealState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("resultsCurtain")
        self.state = state
        self.results_widget = results
        self.note = QLabel("The results are hidden until the reveal.\n\n"
                           "Each team records its gut call first (Workshop › Gut call first);\n"
                           "then Workshop › Reveal (Ctrl+Shift+R).")
        self.note.setObjectName("curtainNote")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        f = self.note.font()
        f.setPointSizeF(f.pointSizeF() * 1.6)
        self.note.setFont(f)
        self.note.setStyleSheet(f"color: {_MUTED}; background: #F4F4F4;")
        self.addWidget(results)
        self.addWidget(self.note)
        state.changed.connect(self._follow)
        self._follow(state.hidden)

    def _follow(self, hidden: bool) -> None:
        self.setCurrentWidget(self.note if hidden else self.results_widget)


# ---------------------------------------------------------------------------------------
# The table of calls

def verdict_words(outcome) -> str:
    """"right", "right, but overconfident", "wrong and very sure"... for the table."""
    if outcome.calibration == "not simulated":
        return "not simulated"
    if outcome.calibration == "too close to call":
        return "too close to call"
    if outcome.calibration == "wrong and very sure":
        return "wrong and very sure"
    word = "right" if outcome.right else "wrong"
    if outcome.calibration == "overconfident":
        return f"{word}, but overconfident" if outcome.right else f"{word}, overconfident"
    if outcome.calibration == "underconfident":
        return f"{word}, underconfident"
    return word


def outcome_mark(outcome) -> tuple[str, str]:
    """(ink, mark) of an outcome: a green tick, a red cross, or "≈" for a coin toss."""
    if outcome.calibration == "too close to call":
        return _CLOSE_INK, "≈"
    return (_RIGHT_INK, "✔") if outcome.right else (_WRONG_INK, "✘")


# ---------------------------------------------------------------------------------------

class GutCallModel(QAbstractTableModel):
    """The gut calls, read-only; after the reveal also the simulation's view of each."""

    BEFORE = ("Team", "Choice", "Sure")
    AFTER = ("Team", "Choice", "Sure", "Simulation", "Verdict")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.calls: list[GutCall] = []
        self.reveal: Reveal | None = None

    def set_calls(self, calls: Sequence[GutCall], reveal: Reveal | None = None) -> None:
        self.beginResetModel()
        self.calls = list(calls)
        self.reveal = reveal
        self.endResetModel()

    def _columns(self) -> tuple[str, ...]:
        return self.AFTER if self.reveal is not None else self.BEFORE

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.calls)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._columns())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            cols = self._columns()
            return cols[section] if 0 <= section < len(cols) else None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {2: "How sure the team was that its choice is the better one.",
                    3: "The share of simulated futures in which the team's choice has the highest NPV of all.",
                    4: "Right: the choice has the highest expected value. Over- or underconfident: the team's "
                       "confidence is far from the simulation's share."}.get(section)
        return None

    def _outcome(self, row: int):
        if self.reveal is None:
            return None
        team = self.calls[row].team
        return next((o for o in self.reveal.outcomes if o.call.team == team), None)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.calls):
            return None
        call = self.calls[index.row()]
        col = index.column()
        outcome = self._outcome(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return call.team
            if col == 1:
                return call.choice
            if col == 2:
                return fmt.percent(call.confidence)
            if outcome is None:
                return None
            if col == 3:
                return "n/a" if math.isnan(outcome.chance) else f"best in {fmt.percent(outcome.chance)}"
            if col == 4:
                return verdict_words(outcome)
        if role == Qt.ItemDataRole.BackgroundRole and outcome is not None and col == 4:
            if outcome.calibration == "too close to call":
                return QColor(_CLOSE_BG)
            return QColor(_RIGHT_BG if outcome.right else _WRONG_BG)
        if role == Qt.ItemDataRole.ForegroundRole and outcome is not None and col == 4:
            if outcome.calibration == "too close to call":
                return QColor(_CLOSE_INK)
            return QColor(_RIGHT_INK if outcome.right else _WRONG_INK)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# ---------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------

class GutCallPanel(QWidget):
    """Record gut calls, hide the results, reveal (see the module doc).

    The calls (a list of :class:`~simulator.workshop.teams.GutCall`, one per team, in the order first
    recorded) and the latest full results are the panel's model; the form only proposes
    calls. A team that records again replaces its call. After the reveal, new results (an
    edit) update the reveal at once.
    """

    #: The facilitator asked for the reveal (emitted before the results are shown).
    revealRequested = Signal()
    #: The reveal is on screen: a :class:`simulator.workshop.teams.Reveal`.
    revealed = Signal(object)
    #: A call was recorded, replaced or removed, or a new round started.
    callsChanged = Signal()

    def __init__(self, state: RevealState | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gutCallPanel")
        self.state = state if state is not None else RevealState(self)
        self.calls: list[GutCall] = []
        self.results: "Results | None" = None
        self.reveal_result: Reveal | None = None
        self.alternatives: list[str] = []

        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(8)
        title = QLabel("Gut call first")
        tf = title.font()
        tf.setPointSizeF(tf.pointSizeF() * 1.4)
        tf.setBold(True)
        title.setFont(tf)
        lay.addWidget(title)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {_MUTED};")
        lay.addWidget(intro)

        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.addWidget(QLabel("Team"), 0, 0)
        self.team_edit = QLineEdit()
        self.team_edit.setObjectName("team")
        self.team_edit.setPlaceholderText("e.g. Finance")
        self.team_edit.returnPressed.connect(self.record_from_form)
        form.addWidget(self.team_edit, 0, 1)
        form.addWidget(QLabel("Choice"), 1, 0)
        self.choice_box = QComboBox()
        self.choice_box.setObjectName("choice")
        self.choice_box.setToolTip("The alternative the team would choose, before seeing any result.")
        form.addWidget(self.choice_box, 1, 1)
        form.addWidget(QLabel("How sure"), 2, 0)
        self.confidence = QSpinBox()
        self.confidence.setObjectName("confidence")
        self.confidence.setRange(50, 100)
        self.confidence.setSingleStep(5)
        self.confidence.setValue(70)
        self.confidence.setSuffix("%")
        self.confidence.setToolTip("How sure the team is that its choice is the better one: 50% is a coin toss, "
                                   "100% is certain.")
        form.addWidget(self.confidence, 2, 1)
        self.record_button = QPushButton("Record the call")
        self.record_button.setObjectName("record")
        self.record_button.clicked.connect(self.record_from_form)
        form.addWidget(self.record_button, 3, 1)
        form.setColumnStretch(1, 1)
        lay.addLayout(form)
        self.form_error = QLabel()
        self.form_error.setStyleSheet(f"color: {_WRONG_INK};")
        self.form_error.hide()
        lay.addWidget(self.form_error)

        self.model = GutCallModel(self)
        self.table = QTableView()
        self.table.setObjectName("calls")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(120)
        lay.addWidget(self.table)

        buttons = QHBoxLayout()
        self.hide_box = QCheckBox("Hide the results until the reveal")
        self.hide_box.setObjectName("hideResults")
        self.hide_box.setChecked(self.state.hidden)
        self.hide_box.toggled.connect(self.state.set_hidden)
        self.state.changed.connect(self._state_changed)
        buttons.addWidget(self.hide_box)
        buttons.addStretch(1)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected team's call.")
        self.remove_button.clicked.connect(self._remove_selected)
        buttons.addWidget(self.remove_button)
        self.new_round_button = QPushButton("New round")
        self.new_round_button.setObjectName("newRound")
        self.new_round_button.setToolTip("Forget the calls and hide the results again.")
        self.new_round_button.clicked.connect(lambda: self.new_round())
        buttons.addWidget(self.new_round_button)
        self.reveal_button = QPushButton("Reveal the simulation")
        self.reveal_button.setObjectName("reveal")
        self.reveal_button.clicked.connect(self._reveal_clicked)
        buttons.addWidget(self.reveal_button)
        lay.addLayout(buttons)

        self.reveal_frame = QFrame()
        self.reveal_frame.setObjectName("revealFrame")
        self.reveal_frame.setFrameShape(QFrame.Shape.StyledPanel)
        rl = QVBoxLayout(self.reveal_frame)
        rl.setContentsMargins(12, 10, 12, 10)
        rl.setSpacing(8)
        self.reveal_headline = QLabel()
        self.reveal_headline.setObjectName("revealHeadline")
        self.reveal_headline.setWordWrap(True)
        hf = self.reveal_headline.font()
        hf.setPointSizeF(hf.pointSizeF() * 1.2)
        hf.setBold(True)
        self.reveal_headline.setFont(hf)
        rl.addWidget(self.reveal_headline)
        self.sentences = QLabel()
        self.sentences.setObjectName("revealSentences")
        self.sentences.setWordWrap(True)
        self.sentences.setTextFormat(Qt.TextFormat.RichText)
        self.sentences.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentences.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        sf = self.sentences.font()
        sf.setPointSizeF(sf.pointSizeF() * 1.1)
        self.sentences.setFont(sf)
        rl.addWidget(self.sentences)
        self.reveal_frame.hide()
        lay.addWidget(self.reveal_frame)
        lay.addStretch(1)
        self._update_enabled()

    # -- inputs from the main window ---------------------------------------------------
    def set_alternatives(self, names: Sequence[str]) -> None:
        """The alternatives a team can choose (the scenario's, in order)."""
        names = list(names)
        if names == self.alternatives:
            return
        self.alternatives = names
        current = self.choice_box.currentText()
        self.choice_box.clear()
        self.choice_box.addItems(names)
        if current in names:
            self.choice_box.setCurrentText(current)
        self._update_enabled()

    def set_results(self, results: "Results", preview: bool = False) -> None:
        """The latest results of the simulation (a preview run is ignored: the reveal uses
        full runs only). After the reveal, the reveal follows the new results at once."""
        if preview:
            return
        self.results = results
        if not self.alternatives:
            self.set_alternatives(results.names)
        if self.reveal_result is not None:
            self._show_reveal()
        self._update_enabled()

    # -- calls -------------------------------------------------------------------------
    def record(self, team: str, choice: str, confidence: float) -> GutCall:
        """Record (or replace) ``team``'s call. ``confidence`` as a fraction (0.5-1.0) or a
        percentage (50-100). Raises ValueError with a plain message."""
        confidence = float(confidence)
        if confidence > 1.0:
            confidence /= 100.0
        team = team.strip()
        if self.alternatives and choice not in self.alternatives:
            raise ValueError(f"'{choice}' is not one of the alternatives")
        call = GutCall(team, choice, confidence)
        for i, old in enumerate(self.calls):
            if old.team.casefold() == team.casefold():
                self.calls[i] = call
                break
        else:
            self.calls.append(call)
        self._calls_changed()
        return call

    def record_from_form(self) -> GutCall | None:
        try:
            call = self.record(self.team_edit.text(), self.choice_box.currentText(), self.confidence.value())
        except ValueError as exc:
            self.form_error.setText(str(exc)[0].upper() + str(exc)[1:] + ".")
            self.form_error.show()
            return None
        self.form_error.hide()
        self.team_edit.clear()
        self.team_edit.setFocus()
        return call

    def remove(self, team: str) -> None:
        self.calls = [c for c in self.calls if c.team != team]
        self._calls_changed()

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            if 0 <= row < len(self.calls):
                self.remove(self.calls[row].team)

    def new_round(self, alternatives: Sequence[str] | None = None) -> None:
        """Forget the calls and the reveal; hide the results again if the box says so (it does
        by default after a reveal). ``alternatives``: a new scenario's alternatives."""
        if alternatives is not None:
            self.set_alternatives(alternatives)
            self.results = None
        self.calls = []
        self.reveal_result = None
        self.reveal_frame.hide()
        self.hide_box.setChecked(True)
        self.state.hide_results()
        self._calls_changed()

    def new_scenario(self, alternatives: Sequence[str]) -> None:
        """Another scenario was opened: the calls, the reveal and the results of the old one
        are forgotten; whether the results are hidden stays as it is."""
        self.results = None
        self.set_alternatives(alternatives)
        self.calls = []
        self.reveal_result = None
        self.reveal_frame.hide()
        self._calls_changed()

    def _calls_changed(self) -> None:
        if self.reveal_result is not None and self.results is not None:
            self.reveal_result = judge_calls(self.calls, self.results)
            self._show_reveal()
        else:
            self.model.set_calls(self.calls)
        self._update_enabled()
        self.callsChanged.emit()

    # -- the reveal --------------------------------------------------------------------
    def _reveal_clicked(self) -> None:
        self.revealRequested.emit()
        self.reveal()

    def reveal(self) -> Reveal | None:
        """Show the simulated answer beside the calls and the results themselves. None (and
        nothing revealed) while there are no full results yet."""
        if self.results is None:
            return None
        self._show_reveal()
        self.state.reveal()
        self.revealed.emit(self.reveal_result)
        return self.reveal_result

    def _show_reveal(self) -> None:
        reveal = judge_calls(self.calls, self.results)
        self.reveal_result = reveal
        self.model.set_calls(self.calls, reveal)
        self.reveal_headline.setText(reveal.headline)
        parts = []
        for o in reveal.outcomes:
            ink, mark = outcome_mark(o)
            html = f"<p style='margin:0 0 6px 0'><span style='color:{ink}; font-weight:bold'>{mark}</span> " \
                   f"{_esc(o.sentence)}"
            if o.note and not (o.right and o.calibration == "well judged"):
                html += f"<br><span style='color:{_NOTE_INK}'>{_esc(o.note)}</span>"
            parts.append(html + "</p>")
        if not parts:
            parts.append(f"<p style='color:{_MUTED}'>No team recorded a call this round.</p>")
        self.sentences.setText("".join(parts))
        self.reveal_frame.show()
        self._update_enabled()

    def sentences_text(self) -> list[str]:
        """The reveal's sentence for each team (plain text), in the order the calls were made."""
        if self.reveal_result is None:
            return []
        return [o.sentence for o in self.reveal_result.outcomes]

    # -- a workshop session ------------------------------------------------------------
    def session_state(self) -> dict:
        """The calls (and, once revealed, the simulated answer and each team's sentence) as
        plain JSON-able data, for Workshop › Save session."""
        state: dict = {"calls": [{"team": c.team, "choice": c.choice, "confidence": c.confidence}
                                 for c in self.calls],
                       "revealed": self.reveal_result is not None}
        if self.reveal_result is not None:
            r = self.reveal_result
            state["reveal"] = {"answer": r.answer, "answer_chance": r.answer_chance, "headline": r.headline,
                               "too_close": r.too_close,
                               "outcomes": [{"team": o.call.team, "verdict": verdict_words(o),
                                             "chance": None if math.isnan(o.chance) else o.chance,
                                             "sentence": o.sentence, "note": o.note} for o in r.outcomes]}
        return state

    def restore_session_state(self, state: dict) -> None:
        """Put back the calls of :meth:`session_state` (the reveal is made again from the
        results on screen when the facilitator reveals)."""
        calls = []
        for c in state.get("calls", []):
            try:
                calls.append(GutCall(str(c["team"]), str(c["choice"]), float(c["confidence"])))
            except (KeyError, TypeError, ValueError):
                continue
        self.calls = calls
        self.reveal_result = None
        self.reveal_frame.hide()
        if state.get("revealed") and self.results is not None:
            self._show_reveal()          # revealed when saved: shown beside today's results again
        self._calls_changed()

    # -- state -------------------------------------------------------------------------
    def _state_changed(self, hidden: bool) -> None:
        self.hide_box.blockSignals(True)
        self.hide_box.setChecked(hidden)
        self.hide_box.blockSignals(False)

    def _update_enabled(self) -> None:
        has_alts = bool(self.alternatives)
        self.record_button.setEnabled(has_alts)
        self.reveal_button.setEnabled(self.results is not None)
        self.reveal_button.setToolTip("Show the simulated answer beside the calls, and the results." if self.results
                                      else "Waiting for the simulation to finish…")
        self.remove_button.setEnabled(bool(self.calls))


def demo(path: str | None = None) -> GutCallPanel:
    """The panel on its own with the bundled scenario's results and three calls, revealed."""
    from .._demo import demo_results

    results = demo_results(path, 20_000)
    panel = GutCallPanel()
    panel.set_results(results)
    names = results.names
    panel.record("Sales", names[-1], 0.9)
    panel.record("Finance", names[0], 0.8)
    panel.record("IT", names[0], 0.6)
    panel.reveal()
    panel.resize(640, 760)
    return panel


if __name__ == "__main__":  # a quick look: python -m ui.workshop.gutcall [FILE]
    from .._demo import run_demo

    run_demo(demo)
