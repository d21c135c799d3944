"""Calibration trainer: rounds of questions answered with 90% ranges, for one person or a room.

A thin view over :class:`simulator.workshop.calibration.Workshop` (the model: participants, the round,
who submitted, the scores) and :class:`~simulator.workshop.calibration.CalibrationHistory` (every round,
saved as JSON in the user's data folder). Three tabs:

* **Exercise** - enter the participants, answer a round (a Low and a High field per question,
  one participant at a time), then the reveal: each true answer with its source, inside or
  outside each range, the score and what it means.
* **Leaderboard** - ranked by calibration (how close each person's hit rate is to 90%), not by
  knowledge.
* **Progress** - hit rate per round for each person, with the 90% target (matplotlib, imported
  the first time the tab is shown).

Made to be projected: large fonts (Ctrl++ / Ctrl+- make them larger or smaller), Tab moves
between fields, Enter does the main thing of the page (start, submit, next round). Numbers may
be typed as 1,200, 1.2k, 3M or 2.5B.

``open_calibration(parent)`` is what the main window's menu calls.
"""

from __future__ import annotations

import math
from pathlib import Path
import re
import sys
from typing import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QFrame, QGridLayout, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea, QSizePolicy, QSpinBox,
    QStackedWidget, QTabWidget, QTableView, QVBoxLayout, QWidget,
)

from simulator.workshop import calibration as cal
from simulator.workshop.calibration import (
    CalibrationError, CalibrationHistory, EstimateError, HistoryError, Question, RoundScore,
    Workshop,
)
from simulator.sim.sampling import make_rng

from ..banner import Banner
from ..numbers import NumberError, parse_number
from ..palette import OKABE_ITO

#: Base font size in points (projected rooms need it large); Ctrl++ / Ctrl+- change it.
BASE_POINTS = 15
MIN_POINTS, MAX_POINTS = 10, 30

_GOOD_BG, _GOOD_INK = "#E6F4EA", "#1E6B34"
_BAD_BG, _BAD_INK = "#FDECEA", "#B71C1C"
_MUTED = "#555555"

_VERDICT_INK = {
    cal.TOO_NARROW: _BAD_INK, cal.TOO_WIDE: "#8A4B00", cal.POSSIBLY_WIDE: "#8A4B00",
    cal.SLIGHTLY_NARROW: _GOOD_INK, cal.ABOUT_RIGHT: _GOOD_INK, cal.NO_ANSWERS: _MUTED,
}

INTRO = ("For each question, give a <b>low</b> and a <b>high</b> value so that you are "
         "<b>90% sure</b> the true answer lies between them. Not a guess of the answer: a range "
         "honest enough that you would expect to miss only 1 question in 10. A well-calibrated "
         "person gets about 9 of 10 inside.")

LOW_TIP = ("The lowest value you find plausible: you should be 95% sure the answer is not below "
           "it.\nType 1,200 or 1.2k; 3M for 3 million, 2B for 2 billion.")
HIGH_TIP = ("The highest value you find plausible: you should be 95% sure the answer is not above "
            "it.\nType 1,200 or 1.2k; 3M for 3 million, 2B for 2 billion.")


def default_history_path() -> Path | None:
    """The history file in the user's data folder (QStandardPaths.AppDataLocation), or None
    when the platform offers no writable data folder (the history then lives in memory)."""
    from ..logs import data_folder   # the app's one user data folder (logs, autosaves, this)

    folder = data_folder()
    return folder / cal.HISTORY_FILE if folder else None


def parse_value(text: str, unit: str = "") -> float | None:
    """A typed value (``1,200``, ``1.2k``, ``3M``, ``-196``) or None for an empty field.
    Raises NumberError with a plain message. For a unit of ``%``, ``22%`` means 22."""
    text = (text or "").strip()
    if not text:
        return None
    if unit.strip() == "%":
        text = text.rstrip().removesuffix("%")
    return parse_number(text, "number")


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _label(text: str = "", role: str = "", *, wrap: bool = False, rich: bool = False) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def _button(text: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setAutoDefault(False)   # Enter is handled by the dialog: it does the page's main action
    b.setDefault(False)
    return b


def _flowing(label: QLabel, min_chars: int = 14) -> QLabel:
    """Let a word-wrapped label take the width its column has instead of asking for its
    one-line width (which would push the fields beside it out of view)."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(label.fontMetrics().horizontalAdvance("m") * min_chars)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- Leaderboard table model -------------------------------------------------------------------

class LeaderboardModel(QAbstractTableModel):
    """Rows of :class:`simulator.workshop.calibration.LeaderboardRow`, read-only."""

    COLUMNS = ("Rank", "Name", "Rounds", "Answers", "Inside", "Hit rate", "Gap to 90%", "Verdict",
               "By round (%)")
    TIPS = (
        "Ranked by calibration: the closer the hit rate is to 90%, the better.",
        "",
        "Rounds played.",
        "Questions answered over all rounds.",
        "Answers that fell inside the person's range.",
        "Share of answers inside the ranges, over all rounds. A calibrated person gets about 90%.",
        "How far the hit rate is from 90%, in percentage points. Smaller is better.",
        "Too narrow = overconfident; too wide = underconfident.",
        "Hit rate of each round, oldest first (the last five).",
    )

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[cal.LeaderboardRow] = []

    def set_rows(self, rows: Sequence[cal.LeaderboardRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return None

    def text(self, row: cal.LeaderboardRow, column: int) -> str:
        if column == 0:
            return str(row.rank) if row.answers else "–"
        if column == 1:
            return row.name
        if column == 2:
            return str(row.rounds)
        if column == 3:
            return str(row.answers)
        if column == 4:
            return str(row.hits)
        if column == 5:
            return _pct(row.hit_rate)
        if column == 6:
            return "n/a" if not row.answers else f"{row.gap_points:.0f} pts"
        if column == 7:
            return cal.short_advice(row.verdict)
        if column == 8:
            shown = " ".join(f"{100 * r:.0f}" for r in row.rates[-5:])
            return ("… " if len(row.rates) > 5 else "") + shown
        return ""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (1, 7, 8):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == 7:
            return QColor(_VERDICT_INK.get(row.verdict, "#000000"))
        if role == Qt.ItemDataRole.FontRole and col in (0, 1) and row.rank == 1 and row.answers:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.answers:
                width = cal.width_text(row.median_width, row.median_year_span)
                return (f"{row.name}: {cal.score_headline(row.hits, row.answers)} over {row.rounds} "
                        f"round{'s' if row.rounds != 1 else ''}. {cal.usual_text(row.answers)}. {width}")
            return f"{row.name} has not finished a round yet."
        return None


# --- Progress chart ----------------------------------------------------------------------------

def draw_progress(fig, series: dict[str, list[float]], round_size: int, size: float = 11.0) -> dict[str, list[float]]:
    """Fill ``fig`` with the hit rate per round of each person (``series``: fractions, oldest
    first), the 90% target and the band where a calibrated person usually lands. Plain
    matplotlib (any thread). Returns the plotted percentages per person.

    A live view: drawn on the axes :func:`ui.charts._live.begin_axes` hands out, so
    :func:`update_progress` redraws a figure in place for the same :func:`progress_structure`."""
    from ui.charts import _live

    (ax,) = _live.begin_axes(fig, lambda f: [f.add_subplot()])
    lo, hi = cal.plausible_hits(round_size)
    # x in axes coordinates (full width), y in data: the band of plausible hit rates.
    ax.axhspan(100 * lo / round_size, 100 * hi / round_size, color="#2E7D32", alpha=0.12, lw=0,
               label=f"usual for a calibrated\nperson ({round_size} questions)")
    ax.axhline(90, color="#2E7D32", ls="--", lw=2, label="90% target")
    ax.set_ylim(0, 105)
    ax.set_ylabel("answers inside the range (%)", fontsize=size)
    ax.set_xlabel("round", fontsize=size)
    ax.tick_params(labelsize=size * 0.9)
    ax.grid(True, axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    plotted: dict[str, list[float]] = {}
    k = len(series)
    for i, (name, rates) in enumerate(series.items()):
        # Rounds of 10 give few distinct rates: nudge each person sideways so equal scores do
        # not hide each other.
        dodge = 0.0 if k == 1 else (i - (k - 1) / 2) * min(0.08, 0.5 / k)
        ys = [100 * r for r in rates]
        ax.plot([x + dodge for x in range(1, len(rates) + 1)], ys, marker="o", lw=2.5, ms=8, label=name,
                color=OKABE_ITO[i % len(OKABE_ITO)])
        plotted[name] = ys
    longest = max((len(r) for r in series.values()), default=0)
    ax.set_xlim(0.7, max(longest, 2) + 0.3)
    ax.set_xticks(range(1, max(longest, 2) + 1))
    if longest == 0:
        ax.text(0.5, 0.5, "Finish a round to see progress here.", transform=ax.transAxes, ha="center",
                va="center", color=_MUTED, fontsize=size)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=size * 0.85, frameon=False, borderaxespad=0)
    _live.constrained_layout(fig)
    return plotted


def progress_structure(series: dict[str, list[float]], round_size: int) -> tuple:
    """What :func:`draw_progress` draws: the people (one line each), the size of a round (the
    band's label) and whether any round is finished."""
    return ("progress", tuple(series), round_size, any(series.values()))


def update_progress(fig, series: dict[str, list[float]], round_size: int, size: float = 11.0):
    """:func:`draw_progress` in place on a figure it drew (its artists change: a live view)."""
    from ui.charts._live import updater

    return updater(lambda f, _data, _colors: draw_progress(f, series, round_size, size))(fig, None)


class ProgressChart:
    """Hit rate per round for each person (:func:`draw_progress`), drawn in the render thread
    (:class:`ui.livecanvas.LiveCanvas`): the dialog never waits for matplotlib."""

    def __init__(self, parent: QWidget):
        import PySide6.QtWidgets  # noqa: F401  (Qt first, so matplotlib picks PySide6)
        from ..livecanvas import LiveCanvas

        self.canvas = LiveCanvas()
        self.canvas.setParent(parent)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setToolTip("Each line is one person: the share of their answers inside their "
                               "ranges, round by round. Aim for the dashed 90% line.")
        self.series: dict[str, list[float]] = {}
        self.round_size = cal.DEFAULT_ROUND
        self._size = 11.0

    def set_font_points(self, points: float) -> None:
        """Match the dialog's text size (Qt points at 96 dpi, the figure at its own dpi)."""
        self._size = max(8.0, points * 96.0 / self.canvas.figure.dpi)

    def update(self, series: dict[str, list[float]], round_size: int) -> None:
        """``series``: hit rates (fractions) per round for each person, oldest first."""
        self.series = {k: list(v) for k, v in series.items()}
        self.round_size = round_size
        data, size = dict(self.series), self._size
        # A live view: the same people and round size change the kept figure in place.
        self.canvas.render_async(lambda fig: draw_progress(fig, data, round_size, size),
                                 progress_structure(data, round_size),
                                 lambda fig: update_progress(fig, data, round_size, size))


# --- The dialog --------------------------------------------------------------------------------

class CalibrationDialog(QDialog):
    """The calibration trainer. ``history_path``: the JSON file (default: the user's data
    folder; tests pass a temporary file). ``questions``: the question list (default: the
    bundled file). ``seed``: makes the rounds reproducible."""

    roundStarted = Signal(int)        # the number of questions
    submitted = Signal(str)           # a participant's ranges were accepted
    revealed = Signal()               # scores are on screen

    SETUP, ROUND, REVEAL = 0, 1, 2

    def __init__(self, parent: QWidget | None = None, *, history_path: str | Path | None = None,
                 questions: Sequence[Question] | None = None, seed=None):
        super().__init__(parent)
        self.setObjectName("calibrationDialog")
        self.setWindowTitle("Calibration trainer: 90% ranges")
        self.setSizeGripEnabled(True)
        self._seed = seed
        self._points = float(BASE_POINTS)
        self._drafts: dict[str, list[list[str]]] = {}
        self._current: str = ""
        self.low_edits: list[QLineEdit] = []
        self.high_edits: list[QLineEdit] = []
        self.progress_chart: ProgressChart | None = None

        self.banner = Banner(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_setup())
        self.stack.addWidget(self._build_round())
        self.stack.addWidget(self._build_reveal())
        self.tabs.addTab(self.stack, "Exercise")
        self.tabs.setTabToolTip(0, "Answer a round of questions with 90% ranges and see how you did.")
        self.tabs.addTab(self._build_leaderboard(), "Leaderboard")
        self.tabs.setTabToolTip(1, "Everyone ranked by calibration: closeness to 90%, not knowledge.")
        self.progress_tab = QWidget()
        QVBoxLayout(self.progress_tab)
        self.tabs.addTab(self.progress_tab, "Progress")
        self.tabs.setTabToolTip(2, "How each person's hit rate changes from round to round.")
        self.tabs.currentChanged.connect(self._tab_changed)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)

        for keys, step in (("Ctrl++", 1), ("Ctrl+=", 1), ("Ctrl+-", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda s=step: self.zoom(s))

        # The model.
        if questions is None:
            try:
                questions = cal.load_questions()
            except CalibrationError as exc:
                questions = ()
                self.banner.show_message("The calibration questions could not be loaded.", str(exc))
        if history_path is None:
            history_path = default_history_path()
        # Two histories: the archive (every round ever played on this computer, kept in the
        # user's data folder, read only when the facilitator loads it) and this session's
        # (what the leaderboard, the progress chart and the names show). A new workshop starts
        # with no names and no scores from earlier workshops.
        self.archive = CalibrationHistory.open(history_path) if history_path is not None else CalibrationHistory()
        if self.archive.warning:
            self.banner.show_message("Earlier results could not be read.", self.archive.warning, level="warning")
        self.earlier_loaded = False
        self.workshop = Workshop(history=CalibrationHistory(), questions=tuple(questions), archive=self.archive)
        self._update_known()

        self._apply_fonts()
        self._fit_to_screen(1180, 820)
        self.show_page(self.SETUP)
        self._refresh_all()

    def _fit_to_screen(self, width: int, height: int) -> None:
        """Open at ``width`` x ``height``, or smaller on a smaller screen (a projector at
        1024x768 or 1280x720): every page scrolls or wraps rather than asking for more."""
        screen = self.screen() if self.parent() is None else self.parent().screen()
        if screen is not None:
            area = screen.availableGeometry()
            width, height = min(width, area.width()), min(height, area.height())
        self.resize(width, height)

    # ----- building
    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(8, 12, 8, 8)
        lay.setSpacing(12)
        return page, lay

    def _build_setup(self) -> QWidget:
        page, lay = self._page()
        lay.addWidget(_label("Calibration training", "headline"))
        intro = _label(INTRO, wrap=True, rich=True)
        lay.addWidget(intro)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        who = _label("Who is taking part?")
        self.names_edit = QLineEdit()
        self.names_edit.setObjectName("namesEdit")
        self.names_edit.setPlaceholderText("Your name, or several names separated by commas")
        self.names_edit.setToolTip("One name to train on your own; several names, separated by "
                                   "commas, for a room. Each person answers the same questions.")
        who.setBuddy(self.names_edit)
        grid.addWidget(who, 0, 0)
        grid.addWidget(self.names_edit, 0, 1)
        self.private_box = QCheckBox("Private entry: mask each person's ranges while they type")
        self.private_box.setObjectName("privateEntry")
        self.private_box.setChecked(True)
        self.private_box.setToolTip(
            "On the shared screen, every typed range shows as dots, so nobody sees another "
            "person's range (or anchors on it) before the reveal. 'Hold to check' shows the "
            "ranges of the person typing while the button is held down.")
        grid.addWidget(self.private_box, 2, 0, 1, 2)
        size_label = _label("Questions per round:")
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("roundSize")
        self.size_spin.setRange(cal.MIN_ROUND, 30)
        self.size_spin.setValue(cal.DEFAULT_ROUND)
        self.size_spin.setToolTip("At least 10: with fewer, luck hides how calibrated you are.")
        size_label.setBuddy(self.size_spin)
        grid.addWidget(size_label, 1, 0)
        grid.addWidget(self.size_spin, 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        self.known_label = _label("", "small", wrap=True)
        lay.addWidget(self.known_label)
        self.setup_error = _label("", "error", wrap=True)
        lay.addWidget(self.setup_error)
        row = QHBoxLayout()
        self.start_button = _button("Start round", "Draw the questions for this round (Enter).")
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self.start_round)
        row.addWidget(self.start_button)
        row.addStretch(1)
        lay.addLayout(row)
        tips = _label(
            "<b>Tips that help:</b> think of the range as a bet. If you would rather bet on a "
            "wheel that wins 9 times out of 10 than on your range, widen it. Start with an "
            "absurdly wide range, then bring each end in until you start to feel uneasy.",
            "small", wrap=True, rich=True)
        lay.addWidget(tips)
        lay.addStretch(1)
        return page

    def _build_round(self) -> QWidget:
        page, lay = self._page()
        top = QHBoxLayout()
        self.round_title = _label("", "headline")
        top.addWidget(self.round_title, 1)
        self.who_label = _label("Answering:")
        self.who_box = QComboBox()
        self.who_box.setObjectName("whoBox")
        self.who_box.setToolTip("Whose ranges are being typed in. Each person submits their own.")
        self.who_box.currentIndexChanged.connect(self._who_changed)
        self.who_label.setBuddy(self.who_box)
        top.addWidget(self.who_label)
        top.addWidget(self.who_box)
        lay.addLayout(top)
        self.round_hint = _label("", "small", wrap=True, rich=True)
        lay.addWidget(self.round_hint)
        self.round_scroll = QScrollArea()
        self.round_scroll.setWidgetResizable(True)
        self.round_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Always there: a scroll bar that appears later would not shrink the rows and would
        # hide the units at the right edge.
        self.round_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        lay.addWidget(self.round_scroll, 1)
        self.round_error = _label("", "error", wrap=True)
        self.round_error.setObjectName("roundError")
        lay.addWidget(self.round_error)
        row = QHBoxLayout()
        self.submit_button = _button("Submit", "Check the ranges and hand them in (Enter).")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self.submit_current)
        self.reveal_now_button = _button(
            "Reveal now", "Show the answers now; people who have not submitted sit this round out.")
        self.reveal_now_button.clicked.connect(self.reveal)
        self.cancel_round_button = _button("Cancel round", "Leave this round without scoring it.")
        self.cancel_round_button.clicked.connect(self.cancel_round)
        self.peek_button = _button("Hold to check", "Shows the ranges of the person typing while "
                                   "held down (private entry masks them).")
        self.peek_button.setObjectName("peekButton")
        self.peek_button.pressed.connect(lambda: self._set_masked(False))
        self.peek_button.released.connect(lambda: self._set_masked(self.private))
        row.addWidget(self.submit_button)
        row.addWidget(self.reveal_now_button)
        row.addWidget(self.peek_button)
        row.addStretch(1)
        row.addWidget(self.cancel_round_button)
        lay.addLayout(row)
        return page

    def _build_reveal(self) -> QWidget:
        page, lay = self._page()
        self.score_label = _label("", "headline", wrap=True)
        self.score_label.setObjectName("scoreLabel")
        lay.addWidget(self.score_label)
        self.feedback_label = _label("", wrap=True, rich=True)
        self.feedback_label.setObjectName("feedbackLabel")
        lay.addWidget(self.feedback_label)
        self.reveal_scroll = QScrollArea()
        self.reveal_scroll.setWidgetResizable(True)
        self.reveal_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.reveal_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        lay.addWidget(self.reveal_scroll, 1)
        row = QHBoxLayout()
        self.next_button = _button("Next round", "Another round with new questions, same people (Enter).")
        self.next_button.setObjectName("nextButton")
        self.next_button.clicked.connect(self.start_round)
        self.people_button = _button("Change people", "Go back and change who is taking part.")
        self.people_button.clicked.connect(lambda: self.show_page(self.SETUP))
        self.board_button = _button("Leaderboard", "See everyone ranked by calibration.")
        self.board_button.clicked.connect(lambda: self.tabs.setCurrentIndex(1))
        row.addWidget(self.next_button)
        row.addWidget(self.people_button)
        row.addStretch(1)
        row.addWidget(self.board_button)
        lay.addLayout(row)
        return page

    def _build_leaderboard(self) -> QWidget:
        page, lay = self._page()
        lay.addWidget(_label("Leaderboard of calibration", "headline"))
        lay.addWidget(_label(
            "Ranked by how close each person's share of answers inside their ranges is to 90%, "
            "over all their rounds. Knowing the answers does not win: someone who is always right "
            "because their ranges are absurdly wide is 10 points away from 90%, like someone at 80%.",
            "small", wrap=True))
        self.board_model = LeaderboardModel(self)
        self.board_view = QTableView()
        self.board_view.setObjectName("leaderboard")
        self.board_view.setModel(self.board_model)
        self.board_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.board_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.board_view.verticalHeader().setVisible(False)
        self.board_view.setAlternatingRowColors(True)
        self.board_view.setWordWrap(False)
        header = self.board_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The verdict takes the width that is left (shortened with "…" on a narrow projector,
        # the full words in its tooltip): the table never needs sideways scrolling.
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.board_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.board_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.board_view, 1)
        row = QHBoxLayout()
        self.everyone_box = QCheckBox("Show everyone in this session")
        self.everyone_box.setToolTip("Off: only the people taking part now. On: everyone who has "
                                     "played in this session (and in earlier ones, once loaded).")
        self.everyone_box.toggled.connect(self._everyone_toggled)
        row.addWidget(self.everyone_box)
        row.addStretch(1)
        self.load_earlier_button = _button(
            "Load earlier results", "Add the rounds played in earlier sessions on this computer "
            "(they are kept apart: a new session starts with none).")
        self.load_earlier_button.setObjectName("loadEarlier")
        self.load_earlier_button.clicked.connect(self.load_earlier)
        row.addWidget(self.load_earlier_button)
        self.clear_button = _button("Start a fresh leaderboard…",
                                    "Forget this session's rounds (the record of earlier sessions on "
                                    "this computer is kept).")
        self.clear_button.clicked.connect(self.clear_history)
        row.addWidget(self.clear_button)
        lay.addLayout(row)
        return page

    # ----- fonts and keys
    def _apply_fonts(self) -> None:
        """Sizes come from one style sheet (so widgets built later get them too): the base
        size, headlines 1.45x and bold, notes 0.85x and grey."""
        p = self._points
        self.setStyleSheet(
            f"QWidget {{ font-size: {p:.1f}pt; }}"
            f'QLabel[role="headline"] {{ font-size: {p * 1.45:.1f}pt; font-weight: bold; }}'
            f'QLabel[role="small"] {{ font-size: {max(MIN_POINTS, p * 0.85):.1f}pt; color: {_MUTED}; }}'
            'QLabel[role="answer"] { font-weight: bold; }'
            f'QLabel[role="error"] {{ color: {_BAD_INK}; font-weight: bold; }}'
            f'QLineEdit[invalid="true"] {{ border: 2px solid {_BAD_INK}; background: {_BAD_BG}; }}'
            "QLineEdit, QSpinBox, QComboBox { padding: 4px; }"
            "QPushButton { padding: 6px 16px; }")
        field_width = QFontMetrics(self._base_font()).horizontalAdvance("0" * 12) + 20
        for edit in self.low_edits + self.high_edits:
            edit.setFixedWidth(field_width)
        if self.progress_chart is not None:
            self.progress_chart.set_font_points(p)
            self.refresh_progress()

    def _base_font(self) -> QFont:
        f = QFont(self.font())
        f.setPointSizeF(self._points)
        return f

    def zoom(self, step: int) -> None:
        """Make every text larger (step > 0) or smaller, for the room and the projector."""
        self._points = float(min(MAX_POINTS, max(MIN_POINTS, self._points + step)))
        self._apply_fonts()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.tabs.currentIndex() == 0:
            page = self.stack.currentIndex()
            if page == self.SETUP:
                self.start_round()
            elif page == self.ROUND:
                self.submit_current()
            elif page == self.REVEAL:
                self.start_round()
            event.accept()
            return
        super().keyPressEvent(event)

    # ----- pages
    def show_page(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        self.tabs.setCurrentIndex(0)
        if page == self.SETUP:
            self.setup_error.clear()
            if self.workshop.participants:
                self.names_edit.setText(", ".join(self.workshop.participants))
            self._update_known()
            self.names_edit.setFocus()
            self.names_edit.selectAll()

    def _update_known(self) -> None:
        w = self.workshop
        known = w.history.participants()
        total = len(w.questions)
        parts = [f"{total} questions available."]
        if known:
            parts.append(f"This session: {len(w.history.rounds)} round{'s' if len(w.history.rounds) != 1 else ''}"
                         f" by {', '.join(known[:12])}" + (f" and {len(known) - 12} more" if len(known) > 12 else "") + ".")
        earlier = len(w.earlier_rounds())
        if earlier and not w.earlier_loaded:
            parts.append(f"Earlier sessions on this computer: {earlier} round{'s' if earlier != 1 else ''}, "
                         "kept apart (Leaderboard › Load earlier results adds them).")
        parts.append("New rounds avoid questions a person has already seen while there are unseen ones.")
        self.known_label.setText(" ".join(parts))

    # ----- the round
    def start_round(self) -> bool:
        """Take the names, draw a round and show it. False (with a message) if it cannot."""
        if self.stack.currentIndex() == self.SETUP:
            try:
                self.workshop.set_participants(self.names_edit.text())
            except CalibrationError as exc:
                self.setup_error.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
                self.names_edit.setFocus()
                return False
            n = self.size_spin.value()
        else:
            n = self.workshop.round_size
        try:
            self.workshop.start_round(n, seed=self._seed if self.workshop.rng is None else None)
        except CalibrationError as exc:
            self.show_page(self.SETUP)
            self.setup_error.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        self._drafts = {name: [["", ""] for _ in self.workshop.round] for name in self.workshop.participants}
        self._build_question_rows()
        self.who_box.blockSignals(True)
        self.who_box.clear()
        self.who_box.addItems(self.workshop.participants)
        self.who_box.blockSignals(False)
        several = len(self.workshop.participants) > 1
        self.who_label.setVisible(several)
        self.who_box.setVisible(several)
        self.reveal_now_button.setVisible(several)
        self.peek_button.setVisible(self.private)
        self._show_participant(self.workshop.participants[0])
        self.stack.setCurrentIndex(self.ROUND)
        self.tabs.setCurrentIndex(0)
        self._focus_field(0, low=True)
        self.roundStarted.emit(len(self.workshop.round))
        return True

    def _build_question_rows(self) -> None:
        self.low_edits, self.high_edits = [], []
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 12, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(14)
        heads = ("", "Question", "Low", "", "High", "")
        for col, text in enumerate(heads):
            if text:
                grid.addWidget(_label(text, "small"), 0, col)
        middle = Qt.AlignmentFlag.AlignVCenter
        for i, q in enumerate(self.workshop.round, start=1):
            grid.addWidget(_label(f"{i}.", "answer"), i, 0, middle)
            text = _flowing(_label(q.text, wrap=True))
            text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            text.setToolTip(f"Category: {q.category}. Answer in {q.unit}.")
            grid.addWidget(text, i, 1)
            low, high = QLineEdit(), QLineEdit()
            for edit, which, tip in ((low, "low", LOW_TIP), (high, "high", HIGH_TIP)):
                edit.setObjectName(f"{which}{i}")
                edit.setEchoMode(QLineEdit.EchoMode.Password if self.private else QLineEdit.EchoMode.Normal)
                edit.setPlaceholderText(which)
                edit.setToolTip(tip)
                edit.setAlignment(Qt.AlignmentFlag.AlignRight)
                edit.textEdited.connect(lambda text, row=i - 1, col=0 if which == "low" else 1:
                                        self._edited(row, col, text))
            grid.addWidget(low, i, 2, middle)
            grid.addWidget(_label("to"), i, 3, middle)
            grid.addWidget(high, i, 4, middle)
            grid.addWidget(_label(q.unit, "small"), i, 5, middle)
            self.low_edits.append(low)
            self.high_edits.append(high)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(self.workshop.round) + 1, 1)
        old = self.round_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.round_scroll.setWidget(body)
        # Tab order: low, high, next low...
        edits = [e for pair in zip(self.low_edits, self.high_edits) for e in pair]
        for a, b in zip(edits, edits[1:]):
            QWidget.setTabOrder(a, b)
        self._apply_fonts()

    @property
    def private(self) -> bool:
        """Private entry: typed ranges show as dots on the shared screen until the reveal."""
        return self.private_box.isChecked()

    def _set_masked(self, masked: bool) -> None:
        mode = QLineEdit.EchoMode.Password if masked else QLineEdit.EchoMode.Normal
        for edit in self.low_edits + self.high_edits:
            edit.setEchoMode(mode)

    def _edited(self, row: int, col: int, text: str) -> None:
        if self._current in self._drafts:
            self._drafts[self._current][row][col] = text
        edit = (self.low_edits if col == 0 else self.high_edits)[row]
        if edit.property("invalid"):
            self._mark(edit, False)

    def _mark(self, edit: QLineEdit, invalid: bool, message: str = "") -> None:
        edit.setProperty("invalid", invalid)
        edit.setToolTip(message if invalid else (LOW_TIP if edit in self.low_edits else HIGH_TIP))
        edit.style().unpolish(edit)
        edit.style().polish(edit)

    def _show_participant(self, name: str) -> None:
        self._current = name
        self._set_masked(self.private)
        idx = self.workshop.participants.index(name)
        if self.who_box.currentIndex() != idx:
            self.who_box.blockSignals(True)
            self.who_box.setCurrentIndex(idx)
            self.who_box.blockSignals(False)
        for (low_text, high_text), low, high in zip(self._drafts[name], self.low_edits, self.high_edits):
            low.setText(low_text)
            high.setText(high_text)
            self._mark(low, False)
            self._mark(high, False)
        self.round_error.clear()
        self._update_round_header()

    def _update_round_header(self) -> None:
        w = self.workshop
        number = len(w.history.scores_of(self._current)) + 1 if self._current else 1
        people = w.participants
        if len(people) == 1:
            self.round_title.setText(f"Round {number}: {len(w.round)} questions")
            self.round_hint.setText("Give each range so that you are 90% sure the answer is inside. "
                                    "Tab moves to the next field; Enter submits.")
        else:
            done = [n for n in people if n in w.submitted]
            self.round_title.setText(f"{self._current}'s ranges ({people.index(self._current) + 1} of {len(people)})")
            status = ", ".join(f"{n} ✓" if n in w.submitted else n for n in people)
            self.round_hint.setText(f"Everyone answers the same {len(w.round)} questions, 90% sure each "
                                    f"time. Submitted: {len(done)} of {len(people)} ({_escape(status)}). "
                                    "Enter submits and moves to the next person.")
            for i, n in enumerate(people):
                self.who_box.setItemText(i, f"{n} ✓" if n in w.submitted else n)
        self.submit_button.setText("Submit and reveal" if self._last_to_submit() else "Submit")
        self.reveal_now_button.setEnabled(bool(w.submitted))

    def _last_to_submit(self) -> bool:
        return self.workshop.pending() in ([self._current], [])

    def _who_changed(self, index: int) -> None:
        if 0 <= index < len(self.workshop.participants):
            self._show_participant(self.workshop.participants[index])
            self._focus_field(0, low=True)

    def _focus_field(self, row: int, low: bool) -> None:
        edits = self.low_edits if low else self.high_edits
        if 0 <= row < len(edits):
            edits[row].setFocus()
            edits[row].selectAll()
            self.round_scroll.ensureWidgetVisible(edits[row])

    def read_ranges(self, name: str | None = None) -> tuple[list[tuple[float | None, float | None]], dict[int, str]]:
        """The typed ranges of ``name`` (default: the person answering) as numbers (None where
        empty or not a number), and a message per question whose fields cannot be read or do
        not make a range (missing value, low above high). Questions are counted from 0."""
        name = name or self._current
        pairs, problems = [], {}
        for i, ((low_text, high_text), q) in enumerate(zip(self._drafts[name], self.workshop.round)):
            values, wrong = [], []
            for which, text in (("low", low_text), ("high", high_text)):
                try:
                    values.append(parse_value(text, q.unit))
                except NumberError as exc:
                    values.append(None)
                    wrong.append(f"the {which} value is not understood: type a number such as 250000, "
                                 "1.5M or 250k" if self.private else
                                 f"the {which} value ({text.strip()}) is not understood: {exc}")
            if not wrong:
                try:
                    cal.check_estimate(*values)
                except CalibrationError as exc:
                    wrong.append(str(exc))
            if wrong:
                message = "; ".join(wrong)
                # Private entry: the message on the shared screen must not show the range either.
                problems[i] = re.sub(r" value \([^)]*\)", " value", message) if self.private else message
            pairs.append(tuple(values))
        return pairs, problems

    def submit_current(self) -> bool:
        """Check and hand in the ranges of the person answering. On a problem, say which
        questions need fixing (all of them at once), mark their fields and put the cursor in
        the first."""
        if not self.workshop.answering:
            return False
        name = self._current
        pairs, problems = self.read_ranges(name)
        try:
            if problems:
                raise EstimateError(problems, name)
            self.workshop.submit(name, pairs)
        except EstimateError as exc:
            self._show_problems(exc)
            return False
        self.round_error.clear()
        self.submitted.emit(name)
        pending = self.workshop.pending()
        if not pending:
            self.reveal()
        else:
            nxt = next((p for p in self.workshop.participants[self.workshop.participants.index(name) + 1:]
                        if p in pending), pending[0])
            self._show_participant(nxt)
            self.round_hint.setText(f"<b>{_escape(name)}'s ranges are in.</b> Now {_escape(nxt)}. "
                                    + self.round_hint.text())
            self._focus_field(0, low=True)
        return True

    def _show_problems(self, exc: EstimateError) -> None:
        first = None
        for i, msg in sorted(exc.problems.items()):
            # Messages name the field at fault ("enter a high value", "the low value: ...");
            # a swapped range names both.
            low_bad = "low value" in msg or "a low " in msg
            high_bad = "high value" in msg or "a high " in msg
            self._mark(self.low_edits[i], low_bad, msg)
            self._mark(self.high_edits[i], high_bad, msg)
            if first is None:
                first = (i, low_bad or not high_bad)
        lines = [f"Question {i + 1}: {msg}" for i, msg in sorted(exc.problems.items())]
        shown = lines[:4] + ([f"… and {len(lines) - 4} more"] if len(lines) > 4 else [])
        self.round_error.setText("Please fix before submitting. " + "  ".join(
            s if s.endswith(".") else s + "." for s in shown))
        if first is not None:
            self._focus_field(first[0], low=first[1])

    def cancel_round(self) -> None:
        self.workshop.round = ()
        self.workshop.submitted = {}
        self.show_page(self.SETUP)

    def reveal(self) -> bool:
        """Score everyone who submitted, save, and show the answers."""
        try:
            scores = self.workshop.reveal()
        except HistoryError as exc:
            scores = self.workshop.scores
            self.banner.show_message("The results of this round could not be saved.", str(exc), level="warning")
        except CalibrationError as exc:
            self.round_error.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        self._show_reveal(scores)
        self._refresh_all()
        self.stack.setCurrentIndex(self.REVEAL)
        self.tabs.setCurrentIndex(0)
        self.next_button.setFocus()
        self.revealed.emit()
        return True

    def _show_reveal(self, scores: dict[str, RoundScore]) -> None:
        names = list(scores)
        n = len(self.workshop.round)
        alone = len(self.workshop.participants) == 1
        if alone:
            s = scores[names[0]]
            self.score_label.setText(s.headline)
            advice = _escape(s.advice)
            width = _escape(s.width_text)
            ink = _VERDICT_INK.get(s.verdict, "#000")
            self.feedback_label.setText(f'<span style="color:{ink}">{advice}</span>'
                                        + (f'<br><span style="color:{_MUTED}">{width}</span>' if width else ""))
        else:
            self.score_label.setText(f"Round results: {cal.usual_text(n)}.")
            rows = []
            for name in names:
                s = scores[name]
                ink = _VERDICT_INK.get(s.verdict, "#000")
                rows.append(f"<tr><td><b>{_escape(name)}</b>&nbsp;&nbsp;</td>"
                            f"<td>{s.hits} of {s.n} ({_pct(s.hit_rate)})&nbsp;&nbsp;</td>"
                            f'<td style="color:{ink}">{_escape(cal.short_advice(s.verdict))}</td></tr>')
            skipped = [p for p in self.workshop.participants if p not in scores]
            extra = (f'<p style="color:{_MUTED}">Sat this round out: {_escape(", ".join(skipped))}.</p>'
                     if skipped else "")
            self.feedback_label.setText("<table>" + "".join(rows) + "</table>" + extra)
        self.score_label.setToolTip(scores[names[0]].feedback if alone else "")

        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 12, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(12)
        heads = ["", "Question", "True answer"] + (["Your range"] if alone else names)
        for col, text in enumerate(heads):
            if text:
                grid.addWidget(_label(text, "small"), 0, col)
        for i, q in enumerate(self.workshop.round, start=1):
            grid.addWidget(_label(f"{i}.", "answer"), i, 0, Qt.AlignmentFlag.AlignTop)
            qtext = _label(f"{_escape(q.text)}<br><span style='color:{_MUTED}'>Source: "
                           f"{_escape(q.source)}</span>", wrap=True, rich=True)
            qtext.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            _flowing(qtext, 10)
            grid.addWidget(qtext, i, 1)
            unit = "" if q.is_year else f"<br><span style='color:{_MUTED}'>{_escape(q.unit)}</span>"
            answer = _label(f"<b>{_escape(cal.format_value(q.answer, q.unit))}</b>{unit}", rich=True)
            answer.setObjectName(f"answer_{i}")
            answer.setAlignment(Qt.AlignmentFlag.AlignRight)
            # a long unit ("payment cards", "USD per troy ounce") wraps instead of widening the table
            answer.setWordWrap(True)
            answer.setMaximumWidth(QFontMetrics(self._base_font()).horizontalAdvance("0" * 13))
            answer.setToolTip(f"Source: {q.source}")
            grid.addWidget(answer, i, 2, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            for col, name in enumerate(names, start=3):
                r = scores[name].results[i - 1]
                low, high = cal.format_range(r.low, r.high, q.unit)
                rng = f"{low} – {high}"
                mark = "✓ inside" if r.inside else "✗ outside"
                # A room has several columns: the range on two lines keeps them narrow.
                cell = _label(f"{mark}\n{rng}" if alone else f"{mark}\n{low}\nto {high}", "result")
                cell.setObjectName(f"result_{i}_{col - 2}")
                bg, ink = (_GOOD_BG, _GOOD_INK) if r.inside else (_BAD_BG, _BAD_INK)
                cell.setStyleSheet(f"background: {bg}; color: {ink}; padding: 4px 8px; border-radius: 4px;")
                cell.setToolTip(f"{name}: {rng}. The answer {cal.format_value(q.answer, q.unit)} is "
                                + ("inside the range." if r.inside else
                                   ("below the range." if q.answer < r.low else "above the range.")))
                grid.addWidget(cell, i, col, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        # Word-wrapped questions would otherwise be squeezed to a few words a line.
        em = QFontMetrics(self._base_font()).horizontalAdvance("m")
        grid.setColumnMinimumWidth(1, int(em * max(10, 34 - 7 * len(names))))
        grid.setRowStretch(len(self.workshop.round) + 1, 1)
        old = self.reveal_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.reveal_scroll.setWidget(body)
        self._apply_fonts()

    # ----- leaderboard and progress
    def _shown_names(self) -> list[str] | None:
        if self.everyone_box.isChecked() or not self.workshop.participants:
            return None
        return list(self.workshop.participants)

    def refresh_leaderboard(self) -> None:
        self.board_model.set_rows(self.workshop.history.leaderboard(self._shown_names()))

    def refresh_progress(self) -> None:
        if self.progress_chart is None:
            return
        names = self._shown_names() or self.workshop.history.participants()
        series = {n: self.workshop.history.progress(n) for n in names}
        self.progress_chart.update(series, self.workshop.round_size)

    def _everyone_toggled(self, _checked: bool) -> None:
        self.refresh_leaderboard()
        self.refresh_progress()

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.refresh_leaderboard()
        elif index == 2:
            if self.progress_chart is None:
                lay = self.progress_tab.layout()
                lay.addWidget(_label("Hit rate per round", "headline"))
                lay.addWidget(_label("The share of each person's answers inside their ranges, round "
                                     "by round. The shaded band is where a calibrated person usually "
                                     "lands by chance; aim for the dashed 90% line.", "small", wrap=True))
                self.progress_chart = ProgressChart(self.progress_tab)
                lay.addWidget(self.progress_chart.canvas, 1)
                self._apply_fonts()
            self.refresh_progress()

    def clear_history(self) -> None:
        answer = QMessageBox.question(
            self, "Start a fresh leaderboard",
            "Forget this session's rounds and start a fresh leaderboard? (The record of earlier "
            "sessions on this computer is kept.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.workshop.history.clear()
        self.workshop.earlier_loaded = False
        self._refresh_all()

    def _refresh_all(self) -> None:
        self.refresh_leaderboard()
        self.refresh_progress()
        self._update_known()
        self.load_earlier_button.setEnabled(bool(self.workshop.earlier_rounds()) and not self.workshop.earlier_loaded)

    def load_earlier(self) -> int:
        """Add the rounds of earlier sessions to this session's leaderboard and progress."""
        added = self.workshop.load_earlier()
        self.everyone_box.setChecked(True)
        self._refresh_all()
        return added

    # ----- the session, for the facilitator's "Save session" / "New workshop"
    def session_state(self) -> dict:
        """This session as JSON-able data (people, revealed rounds with each person's ranges,
        scores); the ranges of a round still being answered stay private and are left out."""
        return self.workshop.session_state()

    def restore_session_state(self, state: dict) -> None:
        """Put back a session from :meth:`session_state` (``{}``: a new, empty session). On a
        damaged state the banner says so and the current session stays."""
        try:
            self.workshop.restore_session_state(state)
        except CalibrationError as exc:
            self.banner.show_message("The calibration session could not be restored.", str(exc), level="warning")
            return
        self._drafts, self._current = {}, ""
        self.names_edit.setText(", ".join(self.workshop.participants))
        self.size_spin.setValue(self.workshop.round_size)
        self.everyone_box.setChecked(False)
        self.show_page(self.SETUP)
        self._refresh_all()


def open_calibration(parent: QWidget | None = None, *, history_path: str | Path | None = None) -> CalibrationDialog:
    """Show the calibration trainer (non-modal) and return it. With a ``parent``, a trainer
    already open for it is raised instead of opening a second one. The history is kept in the
    user's data folder unless ``history_path`` says otherwise."""
    if parent is not None:
        for existing in parent.findChildren(CalibrationDialog):
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
    dialog = CalibrationDialog(parent, history_path=history_path)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


# --- On its own --------------------------------------------------------------------------------

def sample_history(path: str | Path, seed: int = 7) -> CalibrationHistory:
    """A history of three people over three rounds, written to ``path``: one overconfident who
    improves, one about calibrated, one with absurdly wide ranges. For demos and screenshots."""
    questions = cal.load_questions()
    history = CalibrationHistory(path)
    rng = make_rng(seed)
    styles = {"Ana": (0.05, 0.35, 0.9), "Ben": (0.6, 0.6, 0.6), "Chloé": (5.0, 5.0, 5.0)}
    seen: set[str] = set()
    for rnd in range(3):
        round_qs = cal.draw_round(questions, 10, rng, seen)
        seen.update(q.id for q in round_qs)
        estimates = {}
        for name, widths in styles.items():
            w = widths[rnd]
            pairs = []
            for q in round_qs:
                centre = q.answer * (1 + rng.normal(0, 0.25)) if not q.is_year else q.answer + rng.normal(0, 25)
                half = (abs(q.answer) * w) if not q.is_year else 120 * w
                pairs.append((round(centre - half, 2), round(centre + half, 2)))
            estimates[name] = pairs
        history.record_round(round_qs, estimates)
    history.save()
    return history


def demo(history_path: str | None = None) -> CalibrationDialog:
    """The trainer on its own. Without a path, a sample history in a temporary folder."""
    tmp = None
    if history_path is None:
        import tempfile
        tmp = tempfile.TemporaryDirectory(prefix="investsim-calibration-")
        history_path = str(Path(tmp.name) / cal.HISTORY_FILE)
        sample_history(history_path)
    dialog = CalibrationDialog(history_path=history_path)
    dialog.load_earlier()    # the sample rounds on the leaderboard and the progress chart
    dialog._demo_tmp = tmp   # kept alive with the dialog
    return dialog


if __name__ == "__main__":
    from .._demo import run_demo

    sys.exit(run_demo(lambda: demo(sys.argv[1] if len(sys.argv) > 1 else None)))
