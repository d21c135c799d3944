"""The what-if panel: sliders that shift the inputs that matter most, with live previews.

Each slider moves one input's whole range up or down (:mod:`simulator.workshop.whatif` says exactly
how). While a slider moves, a :class:`PreviewRunner` re-simulates a *copy* of the scenario at
preview size in a worker thread, with the scenario's own seed: every input has its own random
stream, so the other inputs keep their draws and the results move because of the input, not
because of noise. At most one preview runs at a time and the newest slider position wins, so
the previews come as fast as the views can take them and never queue up. Views show them through
:attr:`WhatIfPanel.previewReady`.

Letting go of the slider (or a pause after keyboard steps) pushes ONE undoable command on the
document; the document's own run (preview, then full) follows as for any edit. Reset puts
back the values of the file as it was opened or last saved, also as one undoable step.

The panel holds no scenario data of its own: slider positions are read back from the
document (undo, redo and edits elsewhere move the sliders), compared with the file's values.
"""

from __future__ import annotations

from functools import partial
import sys
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QSlider, QToolButton, QVBoxLayout, QWidget)

from simulator.workshop import edits
from simulator.workshop import whatif as wi
from simulator.model.errors import ScenarioError
from simulator.model.keys import InputKey
from simulator.model.scenario import Scenario

from ..document import Document
from ..worker import LatestWins, Worker

#: Futures in a what-if preview when the panel is given a fixed number (tests, benchmarks).
#: By default a preview has :func:`simulator.workshop.whatif.preview_size` futures: as many as
#: the scenario's own run (up to 20,000), so the document's full run after letting go shows
#: exactly what the slider showed, and an alternative whose inputs did not move shows exactly
#: the same figures in the previews as in the full results (common random numbers).
PREVIEW_FUTURES = 2_000
#: Longest wait for the views to show one preview before the next position is simulated.
VIEW_WAIT_MS = 500
#: How many of the most influential inputs get a slider.
TOP_INPUTS = 6
#: Quiet time after keyboard or wheel steps before they become one undoable change.
KEY_COMMIT_MS = 600
#: Slider units per 100% of shift (the slider moves in whole percents).
STEPS = 100
#: The discount-rate slider counts tenths of a percent (0 to 30.0%).
DISCOUNT_STEPS = (round(wi.DISCOUNT_RATE_RANGE[0] * 1000), round(wi.DISCOUNT_RATE_RANGE[1] * 1000))
#: Height of the before/after picture (pixels).
GHOST_HEIGHT = 170
#: While a slider is held, the before/after picture waits until the hand pauses this long
#: (milliseconds): the charts' pictures come first (one render thread makes them all); the
#: words above it follow every preview.
GHOST_DRAG_PAUSE_MS = 200
#: The settings with a slider of their own.
SETTINGS = ("discount_rate", "horizon_years")

SLIDER_TIP = (
    "Shifts the whole range of this input up or down, by a share of its typical value (median).\n"
    "+20% makes the median 20% higher. A positive input is multiplied: every value 20% higher, so it\n"
    "never turns negative and the uncertainty stays the same relative to the value. An input that can\n"
    "be negative moves up by 20% of its median instead, keeping its spread. Floors and caps stay.\n"
    "The charts follow while you drag (a quick preview with the same random numbers); let go to keep\n"
    "the change. Ctrl+Z undoes it; Reset puts back the file's values.")


# ---------------------------------------------------------------------------------------
# The preview worker
# ---------------------------------------------------------------------------------------

def _preview(scenario: Scenario, iterations: int | None, reference: list, worker: Worker):
    """The job (a pool thread; never touches a widget): simulate and summarise. ``iterations``
    None: :func:`simulator.workshop.whatif.preview_size` of the scenario. ``reference[0]``:
    the newest Results of the same futures, whose alternatives the change does not reach are
    taken as they are (:func:`simulator.workshop.whatif.rerun`: the same figures as a
    run of the whole scenario, in a fraction of the time while one input moves)."""
    n = wi.preview_size(scenario) if iterations is None else min(iterations, scenario.iterations)
    results = wi.rerun(scenario, n, reference[0], cancel=worker.is_cancelled, workers=1)
    _ = results.summary   # here, not in the GUI thread
    return results


class PreviewRunner(QObject):
    """Quick runs of scenarios that are not (yet) the document's: one at a time, newest wins.

    A :class:`~ui.worker.LatestWins` controller with a queue: :meth:`request` starts at once
    when idle; otherwise the scenario waits and replaces any older waiting one. The next job
    starts as soon as the views have taken a result, so the newest position is simulated next
    and previews never queue up. Views that make their pictures in the background
    (:mod:`ui.livecanvas`) register with :meth:`wait_for`: the next job then also waits until
    they have shown the last result (at most :data:`VIEW_WAIT_MS`), because on two cores a run
    beside a chart being made only slows both. A result of a job started before :meth:`cancel`
    is never delivered.
    """

    #: A preview's Results (``iterations`` futures, the scenario's seed).
    resultsReady = Signal(object)
    #: The previewed scenario cannot run (message in plain words).
    failed = Signal(str)

    def __init__(self, iterations: int | None = None, *, pool: QThreadPool | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        #: Futures per preview; None: as many as the scenario's own run (up to 20,000).
        self.iterations = None if iterations is None else int(iterations)
        self.jobs = LatestWins(self, pool=pool, queue=True, hold_ms=VIEW_WAIT_MS, name="previewViewWait")
        self.pool = self.jobs.pool
        self.jobs.result.connect(self._on_result)
        self.jobs.error.connect(self._on_failed)
        self.delivered = 0
        self._reference: list = [None]   # the newest results of the same futures (read by the job)

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def wait_for(self, view_busy) -> None:
        """Start no new preview while ``view_busy()`` is true (a view is still making the
        picture of the last one); call :meth:`view_done` when its picture is on screen."""
        self.jobs.hold_while(view_busy)

    def view_done(self, *_args) -> None:
        """A view put its picture on screen: the newest waiting position may run now."""
        self.jobs.resume()

    def request(self, scenario: Scenario) -> None:
        self.jobs.request(partial(_preview, scenario, self.iterations, self._reference))

    def offer(self, results) -> None:
        """Results of the document or of another preview, with the same futures as the
        previews: an alternative a later position does not reach is taken from them as it is."""
        if results is not None:
            self._reference[0] = results

    def cancel(self) -> None:
        """Forget the waiting request and drop whatever is running."""
        self.jobs.cancel()

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel and wait for the worker (at exit). True if it stopped."""
        return self.jobs.shutdown(timeout_s)

    @Slot(object)
    def _on_result(self, results) -> None:
        self.delivered += 1
        self._reference[0] = results
        self.resultsReady.emit(results)

    @Slot(object, str)
    def _on_failed(self, exc, details: str) -> None:
        if isinstance(exc, ScenarioError):
            self.failed.emit("; ".join(p.message for p in exc.problems[:2]))
        else:   # an engine bug must not take the app down
            print(details, file=sys.stderr, end="")
            self.failed.emit(f"{type(exc).__name__}: {exc}")


def _rank(results, n: int, _worker: Worker):
    return wi.top_inputs(results, n)


# ---------------------------------------------------------------------------------------
# One slider
# ---------------------------------------------------------------------------------------

class _SliderSentence:
    """A slider with its sentence above it ("Line units: 27,000 a year (was 25,000)"): the
    input's name in bold, and its value too once it has moved."""

    slider: QSlider
    text: QLabel
    sentence: str

    def show_value(self, position: int, sentence: str, moved: bool) -> None:
        """Slider at ``position`` (signals blocked) and the sentence, the name in bold."""
        if self.slider.value() != position and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        self.set_sentence(sentence, moved)

    def set_sentence(self, sentence: str, moved: bool) -> None:
        name, _, rest = sentence.partition(": ")
        value, sep, tail = rest.partition(" (")
        value_html = f"<b>{_esc(value)}</b>" if moved else _esc(value)
        self.text.setText(f"<b>{_esc(name)}</b>: {value_html}{_esc(sep + tail)}")
        self.sentence = sentence


class WhatIfRow(_SliderSentence, QFrame):
    """One input: its value in words, a slider from -50% to +50%, and (if pinned) an unpin button."""

    unpin = Signal(object)   # the InputKey of the row

    def __init__(self, label: InputKey, *, pinned: bool, keyboard: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = label
        self.setObjectName("whatIfRow")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 6)
        lay.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(4)
        self.text = QLabel()
        self.text.setObjectName("whatIfText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setToolTip(f"{wi.display_name(label)}\n\n{SLIDER_TIP}")
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(120)
        top.addWidget(self.text, 1)
        self.unpin_button = QToolButton()
        self.unpin_button.setObjectName("unpin")
        self.unpin_button.setText("×")
        self.unpin_button.setAutoRaise(True)
        self.unpin_button.setToolTip("Remove this slider (the input keeps its value).")
        self.unpin_button.clicked.connect(lambda: self.unpin.emit(self.label))
        self.unpin_button.setVisible(pinned)
        if not keyboard:
            self.unpin_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.unpin_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("whatIfSlider")
        limit = round(wi.SHIFT_LIMIT * STEPS)
        self.slider.setRange(-limit, limit)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(10)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(10)
        self.slider.setToolTip(SLIDER_TIP)
        self.slider.setAccessibleName(f"What if: {wi.display_name(label)}")
        if not keyboard:   # presentation mode: arrow keys and clickers step the views
            self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.slider)
        self.pinned = pinned

    def set_pinned(self, pinned: bool) -> None:
        self.pinned = pinned
        self.unpin_button.setVisible(pinned)



class SettingRow(_SliderSentence, QFrame):
    """A scenario setting (discount rate, horizon) with a slider of its own values."""

    def __init__(self, key: str, name: str, tip: str, lo: int, hi: int, step: int, page: int, *,
                 keyboard: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setObjectName("whatIfSetting")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 6)
        lay.setSpacing(2)
        self.text = QLabel(name)
        self.text.setObjectName("whatIfText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setToolTip(tip)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(120)
        lay.addWidget(self.text)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("whatIfSettingSlider")
        self.slider.setRange(lo, hi)
        self.slider.setSingleStep(step)
        self.slider.setPageStep(page)
        self.slider.setToolTip(tip)
        self.slider.setAccessibleName(f"What if: {name}")
        if not keyboard:
            self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.slider)
        self.sentence = name



def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def draw_before_after(fig, changes: list, currency: str, font_size: float = 9.0) -> int:
    """Each alternative's expected NPV and middle 80% (P10 to P90): the file's values as a
    grey ghost, the position now in blue, on one money axis. Plain matplotlib (any thread).
    Returns the number of alternatives drawn."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from simulator.analysis.formatting import money

    ax = fig.add_subplot()
    n = len(changes)
    for i, c in enumerate(changes):
        y = n - 1 - i
        if c.was == c.was:    # not NaN: it existed before
            ax.plot([c.was_p10, c.was_p90], [y - 0.02] * 2, color="#B0B0B0", lw=5, solid_capstyle="butt",
                    label="was" if i == 0 else None)
            ax.plot([c.was], [y - 0.02], "o", color="#808080", ms=6)
        ax.plot([c.now_p10, c.now_p90], [y - 0.32] * 2, color="#0072B2", lw=5, alpha=0.55,
                solid_capstyle="butt", label="now" if i == 0 else None)
        ax.plot([c.now], [y - 0.32], "o", color="#0072B2", ms=6)
        # the name above its two bars, so the money axis keeps the whole width
        ax.text(0.0, y + 0.14, c.name, transform=ax.get_yaxis_transform(), fontsize=font_size * 0.9,
                va="bottom", ha="left", clip_on=False)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks([])
    ax.set_ylim(-0.55, n - 0.15 + 0.35)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: money(x, currency)))
    ax.tick_params(axis="x", labelsize=font_size * 0.85)
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.spines[["top", "right", "left"]].set_visible(False)
    if n:
        ax.legend(loc="lower right", fontsize=font_size * 0.85, frameon=False, ncols=2,
                  bbox_to_anchor=(1.0, 1.0), borderaxespad=0.1)
    fig.set_layout_engine("constrained")
    return n


# ---------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------

class WhatIfPanel(QWidget):
    """Sliders for the inputs that matter most; the user may pin others.

    ``doc`` is the document (every change goes through its undo stack). ``controller`` (a
    :class:`ui.runner.SimulationController`, optional) supplies the full results the ranking
    is made from, and is asked to stop a run in flight when a drag starts, so an older run
    cannot overwrite the previews. ``keyboard=False`` keeps the sliders out of the focus chain
    (presentation mode, where arrow keys and clickers step through the views).
    """

    #: A what-if preview (Results of a scenario that is not the document's yet), for views.
    previewReady = Signal(object)
    #: A slider change or a reset became an undoable command (its text).
    changeCommitted = Signal(str)
    #: The sliders shown changed (after ranking, pinning or a new document).
    slidersChanged = Signal()

    def __init__(self, doc: Document, controller=None, *, top: int = TOP_INPUTS, keyboard: bool = True,
                 preview_futures: int | None = None, pool: QThreadPool | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("whatIfPanel")
        self.doc = doc
        self.controller = controller
        self.top = top
        self.keyboard = keyboard
        self.pool = pool or QThreadPool.globalInstance()
        self.runner = PreviewRunner(preview_futures, pool=self.pool, parent=self)
        self.runner.resultsReady.connect(self._on_preview)
        self.runner.failed.connect(self._on_preview_failed)
        # The starting result (the file's values), simulated like the previews when the
        # document's own full run cannot stand in for it.
        self.base_runner = PreviewRunner(preview_futures, pool=self.pool, parent=self)
        self.base_runner.resultsReady.connect(self._on_base_results)
        self.before = None        # Results of the file's values (the ghost)
        self.after = None         # Results of the position now
        self.changes: list[wi.Change] = []
        self._hidden = False
        self.rows: dict[str, WhatIfRow] = {}
        self._ranked: list[InputKey] = []
        self._pinned: list[InputKey] = []
        self._base: Scenario = doc.scenario
        self._fallback: dict[str, object] = {}   # starting amounts of inputs the file lacks
        self._need_rank = True
        self.ranker = LatestWins(self, pool=self.pool, name="whatIfRank")
        self.ranker.result.connect(self._on_ranked)
        self.ranker.error.connect(self._on_rank_failed)
        self._dragging: InputKey | None = None
        self._key_label: InputKey | None = None
        self._shut = False
        self.preview_times: list[float] = []     # when each preview was shown (for the benchmark)
        self.last_preview = None
        self._inputs_seen: tuple[str, ...] = ()

        self._commit_timer = QTimer(self)
        self._commit_timer.setObjectName("whatIfKeyCommit")
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(KEY_COMMIT_MS)
        self._commit_timer.timeout.connect(self._commit_keyboard)
        self._ghost_build = None                 # the newest picture held back while dragging
        self._ghost_timer = QTimer(self)
        self._ghost_timer.setObjectName("whatIfGhostDelay")
        self._ghost_timer.setSingleShot(True)
        self._ghost_timer.timeout.connect(self._draw_ghost)

        self._build()
        self._rebase()
        self._sync_settings()
        doc.changed.connect(self._on_doc_changed)
        doc.reset.connect(self._on_doc_reset)
        doc.saved.connect(self._on_saved)
        if controller is not None:
            controller.resultsReady.connect(self._on_results)
            latest = getattr(controller, "latest", None)
            if latest is not None and not getattr(controller, "latest_is_preview", True):
                self._on_results(latest, False)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._refresh_pin_choices()
        self._update_empty()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel("What if…")
        title.setObjectName("whatIfTitle")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.25)
        f.setBold(True)
        title.setFont(f)
        head.addWidget(title, 1)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("whatIfReset")
        self.reset_button.setToolTip("Put every input with a slider back to its value in the file (one step you "
                                     "can undo).")
        self.reset_button.clicked.connect(self.reset)
        if not self.keyboard:
            self.reset_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        head.addWidget(self.reset_button)
        outer.addLayout(head)
        self.intro = QLabel("Shift the inputs that matter most and watch the results follow. Let go to keep a "
                            "change; Ctrl+Z undoes it.")
        self.intro.setObjectName("whatIfIntro")
        self.intro.setWordWrap(True)
        outer.addWidget(self.intro)

        self.body = QWidget()
        self.body.setObjectName("whatIfBody")
        self.rows_layout = QVBoxLayout(self.body)
        self.rows_layout.setContentsMargins(0, 0, 4, 0)
        self.rows_layout.setSpacing(2)
        self.empty = QLabel("The sliders appear after the first results.")
        self.empty.setObjectName("whatIfEmpty")
        self.empty.setWordWrap(True)
        self.rows_layout.addWidget(self.empty)
        self.settings = {}
        for key, text, tip, (lo, hi), step, page in (
                ("discount_rate", "Discount rate", "The yearly rate future money is discounted at (the cost of "
                 "capital). Higher makes later benefits worth less today.", DISCOUNT_STEPS, 5, 10),
                ("horizon_years", "Horizon", "How many years ahead the case looks. Longer lets benefits that come "
                 "late count.", wi.HORIZON_RANGE, 1, 5)):
            row = SettingRow(key, text, tip, lo, hi, step, page, keyboard=self.keyboard)
            row.slider.valueChanged.connect(lambda v, k=key: self._setting_moved(k, v))
            row.slider.sliderPressed.connect(lambda k=key: self._drag_started(k))
            row.slider.sliderReleased.connect(lambda k=key: self._drag_ended(k))
            self.settings[key] = row
            self.rows_layout.addWidget(row)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("whatIfScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        if not self.keyboard:
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(scroll, 1)

        self.pin_box = QComboBox()
        self.pin_box.setObjectName("whatIfPin")
        self.pin_box.setToolTip("Add a slider for another input (it stays until you remove it).")
        self.pin_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pin_box.setMinimumContentsLength(12)
        self.pin_box.activated.connect(self._pin_chosen)
        if not self.keyboard:
            self.pin_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.pin_box)
        self.live = QLabel("")
        self.live.setObjectName("whatIfLive")
        self.live.setWordWrap(True)
        # Its text changes with every preview: it must not change the panel's width (the
        # charts beside it would be resized, and redrawn, while a slider moves).
        self.live.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.live.setMinimumWidth(120)
        self.live.setToolTip("The verdict of the latest what-if preview.")
        outer.addWidget(self.live)

        # Before and after: the file's values stay visible as a ghost beside the position now.
        self.change_label = QLabel("")
        self.change_label.setObjectName("whatIfChange")
        self.change_label.setWordWrap(True)
        self.change_label.setTextFormat(Qt.TextFormat.RichText)
        self.change_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.change_label.setMinimumWidth(120)
        self.change_label.setToolTip("Expected value of each alternative with the file's values (was) and "
                                     "with the sliders as they are (now), from the same simulated futures: "
                                     "an alternative whose inputs did not move shows the same figures.")
        outer.addWidget(self.change_label)
        self._outer = outer
        #: The before/after picture (a LiveCanvas), made when first needed: the window's first
        #: paint does not wait for matplotlib.
        self.ghost = None

    def _ensure_ghost(self):
        if self.ghost is None:
            from ..livecanvas import LiveCanvas

            self.ghost = LiveCanvas()
            self.ghost.setObjectName("whatIfGhost")
            self.ghost.setMinimumHeight(GHOST_HEIGHT)
            self.ghost.setMaximumHeight(GHOST_HEIGHT)
            self.ghost.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.ghost.setToolTip("Grey: the file's values (was). Blue: now. The dot is the expected value, the "
                                  "bar the middle 80% of futures.")
            self._outer.addWidget(self.ghost)
        return self.ghost

    def _update_empty(self) -> None:
        self.empty.setVisible(not self.rows)

    # -- the file's values -----------------------------------------------------------
    def _rebase(self) -> None:
        """The scenario as its file has it (as opened or last saved; an untitled one as it
        was started): the document knows. The starting result follows it."""
        self._fallback.clear()
        self._base = self.doc.saved_scenario
        if hasattr(self, "base_runner"):
            self.base_runner.cancel()
            before = self.after if self.after is not None and self.after.scenario == self._base else None
            self.before = before
            self._show_change()

    @property
    def base(self) -> Scenario:
        """The file's scenario that Reset goes back to and shifts start from."""
        return self._base

    def _start_amount(self, label: InputKey):
        amount = wi.get_amount(self._base, label)
        if amount is None or not wi.shiftable(amount):
            amount = self._fallback.get(label)
            if amount is None:
                amount = wi.get_amount(self.doc.scenario, label)
                self._fallback[label] = amount
        return amount

    def _shifted(self, scenario: Scenario, label: InputKey, shift: float) -> Scenario:
        lo, hi = wi.field_limits(scenario, label)
        return wi.set_amount(scenario, label, wi.shift_amount(self._start_amount(label), shift, lo=lo, hi=hi,
                                                             scale=wi.scales(label)))

    def current_shift(self, label: InputKey) -> float | None:
        """The input's shift from the file's value in the document now (None: changed otherwise)."""
        amount = wi.get_amount(self.doc.scenario, label)
        start = self._start_amount(label)
        if amount is None or start is None:
            return None
        lo, hi = wi.field_limits(self.doc.scenario, label)
        return wi.implied_shift(start, amount, lo=lo, hi=hi, scale=wi.scales(label))

    # -- which sliders ---------------------------------------------------------------
    def labels(self) -> list[InputKey]:
        """The inputs with a slider, top to bottom."""
        return list(self.rows)

    def slider(self, label: InputKey) -> QSlider:
        return self.rows[label].slider

    def _wanted(self) -> list[InputKey]:
        scenario = self.doc.scenario
        available = set(wi.inputs(scenario))
        out: list[InputKey] = []
        for label in self._ranked + self._pinned:
            if label in available and label not in out:
                out.append(label)
        for label in list(self.rows):   # a shifted input keeps its slider until it is back
            if label in available and label not in out and self.current_shift(label) not in (0.0,):
                out.append(label)
        return out

    def _rebuild_rows(self) -> None:
        wanted = self._wanted()
        if wanted == list(self.rows) and all(self.rows[k].pinned == (k in self._pinned) for k in wanted):
            self._sync_rows()
            return
        for label in [k for k in self.rows if k not in wanted]:
            row = self.rows.pop(label)
            self.rows_layout.removeWidget(row)
            row.setParent(None)
            row.deleteLater()
        rows = {}
        for label in wanted:
            row = self.rows.get(label)
            if row is None:
                row = WhatIfRow(label, pinned=label in self._pinned, keyboard=self.keyboard)
                row.slider.valueChanged.connect(lambda v, k=label: self._slider_moved(k, v))
                row.slider.sliderPressed.connect(lambda k=label: self._drag_started(k))
                row.slider.sliderReleased.connect(lambda k=label: self._drag_ended(k))
                row.unpin.connect(self.unpin)
            row.set_pinned(label in self._pinned)
            rows[label] = row
        for label in rows:   # lay out in order (before the stretch)
            self.rows_layout.removeWidget(rows[label])
        for i, label in enumerate(rows):
            self.rows_layout.insertWidget(1 + i, rows[label])
        self.rows = rows
        self._sync_rows()
        self._update_empty()
        self._refresh_pin_choices()
        self.slidersChanged.emit()

    def pin(self, label: InputKey) -> None:
        """Give ``label`` a slider (kept until unpinned)."""
        if label not in wi.inputs(self.doc.scenario):
            return
        if label not in self._pinned:
            self._pinned.append(label)
        self._rebuild_rows()

    def unpin(self, label: InputKey) -> None:
        if label in self._pinned:
            self._pinned.remove(label)
        self._rebuild_rows()

    def _refresh_pin_choices(self) -> None:
        box = self.pin_box
        box.blockSignals(True)
        box.clear()
        box.addItem("Add a slider for…", None)
        for label in wi.inputs(self.doc.scenario):
            if label not in self.rows:
                box.addItem(wi.display_name(label), label)
        box.setCurrentIndex(0)
        box.setEnabled(box.count() > 1)
        box.blockSignals(False)

    def _pin_chosen(self, index: int) -> None:
        label = self.pin_box.itemData(index)
        if label:
            self.pin(label)

    # -- ranking from the full results -----------------------------------------------
    @Slot(object, bool)
    def _on_results(self, results, preview: bool) -> None:
        if not preview and not self._shut:
            self._take_full(results)
        if preview or not self._need_rank or self.ranker.running or self._shut:
            return
        if results.scenario != self.doc.scenario:
            return
        self.ranker.request(partial(_rank, results, self.top))

    @Slot(object)
    def _on_ranked(self, labels) -> None:
        if self._shut:
            return
        self._ranked = list(labels)
        self._need_rank = False
        self._rebuild_rows()

    @Slot(object, str)
    def _on_rank_failed(self, _exc, details: str) -> None:
        """Ranking is a convenience: an error leaves the list as it was."""
        print(details, file=sys.stderr, end="")
        if not self._shut:
            self._rebuild_rows()

    # -- the document ----------------------------------------------------------------
    def _on_doc_reset(self, _scenario) -> None:
        self.ranker.abandon()          # a ranking under way is for the old document
        self.base_runner.cancel()
        self.before = self.after = None
        self.changes = []
        self._need_rank = True
        self._ranked = []
        self._pinned = []
        self.runner.cancel()
        self._commit_timer.stop()
        self._dragging = self._key_label = None
        self._rebase()
        self.live.setText("")
        self._rebuild_rows()

    def _on_saved(self) -> None:
        self._rebase()          # saved: the file's values are the ones on screen now
        self._sync_rows()

    def _on_doc_changed(self, scenario, _select) -> None:
        if scenario == self._base and self.before is not None:
            self.after = self.before        # back at the file's values (undo, reset)
            self._show_change()
        names = tuple(wi.inputs(scenario))
        if names != self._inputs_seen:
            self._inputs_seen = names
            if any(label not in names for label in self._ranked):
                self._need_rank = True     # renamed or removed: rank again on the next full run
            self._rebuild_rows()
            self._refresh_pin_choices()
        else:
            self._sync_rows()

    def _sync_rows(self) -> None:
        scenario = self.doc.scenario
        self._sync_settings()
        for label, row in self.rows.items():
            if label == self._dragging or label == self._key_label:
                continue
            shift = self.current_shift(label)
            position = 0 if shift is None else max(row.slider.minimum(), min(row.slider.maximum(),
                                                                             round(shift * STEPS)))
            row.show_value(position, wi.describe_shift(scenario, label, shift), bool(shift))

    # -- moving a slider -------------------------------------------------------------
    def _drag_started(self, label: InputKey) -> None:
        self._dragging = label
        controller = self.controller
        if controller is not None and getattr(controller, "running", False):
            controller.cancel()   # an older full run must not overwrite the previews

    def _slider_moved(self, label: InputKey, position: int) -> None:
        if self._shut:
            return
        row = self.rows.get(label)
        if row is None:
            return
        shift = position / STEPS
        try:
            scenario = self._shifted(self.doc.scenario, label, shift)
        except (wi.WhatIfError, KeyError) as exc:
            self.live.setText(f"Cannot shift {wi.display_name(label)}: {exc}")
            return
        row.set_sentence(wi.describe_shift(scenario, label, shift), bool(position))
        self.runner.request(scenario)
        if not row.slider.isSliderDown():          # keyboard, wheel or a click beside the handle
            if self._key_label not in (None, label):
                self._commit_keyboard()
            self._key_label = label
            self._commit_timer.start()
        else:
            self._dragging = label

    # -- the discount rate and the horizon ---------------------------------------------
    def _setting_value(self, key: str, position: int):
        return position / 1000 if key == "discount_rate" else int(position)

    def _setting_position(self, key: str, scenario: Scenario) -> int:
        row = self.settings[key]
        value = scenario.discount_rate * 1000 if key == "discount_rate" else scenario.horizon_years
        return max(row.slider.minimum(), min(row.slider.maximum(), round(value)))

    def _setting_sentence(self, key: str, value) -> str:
        if key == "discount_rate":
            return wi.discount_rate_text(value, self._base.discount_rate)
        return wi.horizon_text(value, self._base.horizon_years)

    def _sync_settings(self) -> None:
        scenario = self.doc.scenario
        for key, row in self.settings.items():
            if key == self._dragging or key == self._key_label:
                continue
            value = getattr(scenario, key)
            row.show_value(self._setting_position(key, scenario), self._setting_sentence(key, value),
                           value != getattr(self._base, key))

    def _with_setting(self, scenario: Scenario, key: str, position: int) -> Scenario:
        return wi.with_settings(scenario, **{key: self._setting_value(key, position)})

    def _setting_moved(self, key: str, position: int) -> None:
        if self._shut:
            return
        row = self.settings[key]
        value = self._setting_value(key, position)
        row.set_sentence(self._setting_sentence(key, value), value != getattr(self._base, key))
        scenario = self._with_setting(self.doc.scenario, key, position)
        problems = edits.validate(scenario)
        if problems:
            self.live.setText(f"Not possible: {problems[0].message}")
        else:
            self.runner.request(scenario)
        if not row.slider.isSliderDown():
            if self._key_label not in (None, key):
                self._commit_keyboard()
            self._key_label = key
            self._commit_timer.start()
        else:
            self._dragging = key

    def _commit_setting(self, key: str) -> bool:
        row = self.settings[key]
        self.runner.cancel()
        value = self._setting_value(key, row.slider.value())
        new = self._with_setting(self.doc.scenario, key, row.slider.value())
        if new == self.doc.scenario:
            self._sync_settings()
            return True
        what = "discount rate" if key == "discount_rate" else "horizon"
        shown = f"{100 * value:.1f}%" if key == "discount_rate" else f"{value} years"
        return self._propose(new, f"What-if: {what} {shown}", self._sync_settings)

    def _drag_ended(self, label: InputKey) -> None:
        self._dragging = None
        self.commit(label)

    def _commit_keyboard(self) -> None:
        label, self._key_label = self._key_label, None
        self._commit_timer.stop()
        if label is not None:
            self.commit(label)

    def commit(self, label: InputKey | str) -> bool:
        """Make the slider's position one undoable change of the document. True if applied."""
        if label in SETTINGS and not self._shut:
            return self._commit_setting(label)
        row = self.rows.get(label)
        if row is None or self._shut:
            return False
        shift = row.slider.value() / STEPS
        self.runner.cancel()     # the document's own run takes over from the previews
        try:
            new = self._shifted(self.doc.scenario, label, shift)
        except (wi.WhatIfError, KeyError) as exc:
            self.live.setText(f"Cannot shift {wi.display_name(label)}: {exc}")
            self._sync_rows()
            return False
        if new == self.doc.scenario:
            self._sync_rows()
            return True
        return self._propose(new, f"What-if: {wi.display_name(label)} {wi.shift_text(shift)}", self._sync_rows)

    def _propose(self, new, text: str, sync) -> bool:
        """Offer ``new`` to the document as one undoable change named ``text`` ("What-if: …");
        a refusal is said in the panel and ``sync`` puts the sliders back. True if applied."""
        problems = self.doc.propose(new, text)
        if problems:
            self.live.setText(f"Not applied: {problems[0].message}")
            sync()
            return False
        self.live.setText(f"Kept: {text[len('What-if: '):]}. Ctrl+Z undoes it.")
        self.changeCommitted.emit(text)
        return True

    def reset(self) -> bool:
        """Put every input with a slider back to the file's value, as one undoable step."""
        self._commit_timer.stop()
        self._key_label = None
        self.runner.cancel()
        new = self.doc.scenario
        for label in self.rows:
            start = self._start_amount(label)
            if start is not None and wi.get_amount(new, label) != start:
                new = wi.set_amount(new, label, start)
        new = wi.with_settings(new, discount_rate=self._base.discount_rate, horizon_years=self._base.horizon_years)
        if new == self.doc.scenario:
            return False
        problems = self.doc.propose(new, "What-if: back to the file's values")
        if problems:
            self.live.setText(f"Could not reset: {problems[0].message}")
            return False
        self.live.setText("Back to the file's values. Ctrl+Z undoes it.")
        self.changeCommitted.emit("What-if: back to the file's values")
        return True

    # -- previews --------------------------------------------------------------------
    @Slot(object)
    def _on_preview(self, results) -> None:
        if self._shut:
            return
        self.last_preview = results
        self.preview_times.append(time.perf_counter())
        if not self._hidden:  # results hidden (the gut call): inputs and sliders only
            self.live.setText(f"Preview ({results.iterations:,} futures): {results.summary.verdict}")
            self.previewReady.emit(results)     # the charts' pictures first, the ghost's after
        self._set_after(results)

    # -- before and after ------------------------------------------------------------
    def _same_futures(self, results) -> bool:
        return results.iterations == wi.preview_size(results.scenario) and results.seed == results.scenario.seed

    def _take_full(self, results) -> None:
        """A full run of the document: it is the starting result when it is of the file's
        values, and the result now when it is of the document now (same futures as a preview)."""
        if not self._same_futures(results):
            return
        self.runner.offer(results)
        self.base_runner.offer(results)
        if results.scenario == self._base:
            self.before = results
        if results.scenario == self.doc.scenario:
            self.after = results
        self._show_change()

    def _set_after(self, results) -> None:
        self.after = results
        if results.scenario == self._base and self._same_futures(results):
            self.before = results
        elif self.before is None and not self.base_runner.busy:
            self.base_runner.request(self._base)      # the ghost, simulated like the preview
        self._show_change()

    @Slot(object)
    def _on_base_results(self, results) -> None:
        if self._shut or results.scenario != self._base:
            return
        self.before = results
        self._show_change()

    def _show_change(self) -> None:
        """"ERP system: was $482k → now $3.6M" per alternative, and the picture: the file's
        values as a grey ghost beside the position now. Nothing while results are hidden."""
        if self._hidden or self._shut:
            return
        before, after = self.before, self.after
        if before is None or after is None:
            self.changes = []
            self.change_label.setText("")
            self.change_label.setVisible(False)
            if self.ghost is not None:
                self.ghost.setVisible(False)
            return
        self.changes = wi.compare(before.summary, after.summary)
        currency = after.scenario.currency
        lines = []
        for c in self.changes:
            text = _esc(wi.change_text(c, currency))
            name, _, rest = text.partition(": ")
            lines.append(f"<b>{name}</b>: {rest}<br><span style='color:#555'>{_esc(wi.loss_text(c))}</span>")
        head = ("<b>Was → now</b> (the file's values → the sliders now; the same "
                f"{after.iterations:,} futures)")
        self.change_label.setText(head + "<br>" + "<br>".join(lines))
        self.change_label.setVisible(True)
        if not self.isVisible():
            return          # drawn when the panel is shown (showEvent)
        ghost = self._ensure_ghost()
        ghost.setVisible(True)
        changes, size = list(self.changes), self.font().pointSizeF() or 9.0
        build = partial(draw_before_after, changes=changes, currency=currency, font_size=size)
        if self._dragging is not None:
            # While a slider is held the charts come first: the picture follows when the hand
            # pauses (the words above it follow every preview); the last position is always drawn.
            self._ghost_build = build
            self._ghost_timer.start(GHOST_DRAG_PAUSE_MS)
            return
        self._draw_ghost(build)

    def _draw_ghost(self, build=None) -> None:
        build, self._ghost_build = build or self._ghost_build, None
        self._ghost_timer.stop()
        if build is None or self.ghost is None or self._hidden or self._shut:
            return
        self.ghost.render_async(lambda fig: build(fig))

    def set_results_hidden(self, hidden: bool) -> None:
        """While ``hidden`` (the gut call before the reveal) the panel shows no result figure
        or verdict: only the inputs and their sliders. Previews still run, but are not passed
        on to the views (:attr:`previewReady`); the figures appear again when shown."""
        self._hidden = bool(hidden)
        if hidden:
            self.live.setText("")
            self.change_label.setText("")
            self.change_label.setVisible(False)
            if self.ghost is not None:
                self.ghost.setVisible(False)
                self.ghost.clear_picture()
        else:
            self._show_change()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._show_change()

    @property
    def results_hidden(self) -> bool:
        return self._hidden

    @Slot(str)
    def _on_preview_failed(self, message: str) -> None:
        self.live.setText(f"This position cannot be simulated: {message}")

    def updates_per_second(self, since: float | None = None) -> float:
        """Previews shown per second (since ``since``, a ``time.perf_counter()`` value)."""
        times = [t for t in self.preview_times if since is None or t >= since]
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    # -- the end ---------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the timer and the preview worker (closing the window, application exit)."""
        if self._shut:
            return
        self._shut = True
        self._commit_timer.stop()
        self._ghost_timer.stop()
        self.runner.shutdown()
        self.base_runner.shutdown()
        self.ranker.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def demo(path: str | None = None) -> QWidget:
    """The panel beside a running verdict, for a bundled (or given) scenario, on its own."""
    from .._demo import demo_scenario
    from ..runner import SimulationController

    doc = Document(demo_scenario(path))
    controller = SimulationController()
    panel = WhatIfPanel(doc, controller)
    doc.changed.connect(lambda scenario, _sel: controller.request(scenario))
    controller.request(doc.scenario, immediate=True)
    panel.resize(420, 760)
    panel.destroyed.connect(lambda: controller.shutdown())
    return panel


if __name__ == "__main__":  # a quick look: python -m ui.workshop.whatif [FILE]
    from .._demo import run_demo

    run_demo(demo)
