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

from simulator.workshop import whatif as wi
from simulator.model.errors import ScenarioError
from simulator.model.keys import InputKey
from simulator.model.scenario import Scenario

from ..document import Document
from ..worker import LatestWins, Worker

#: Futures in a what-if preview: the same as the app's preview run (``ui.runner``), so the
#: document's own preview after letting go shows exactly what the slider showed.
PREVIEW_FUTURES = 2_000
#: Longest wait for the views to show one preview before the next position is simulated.
VIEW_WAIT_MS = 500
#: How many of the most influential inputs get a slider.
TOP_INPUTS = 6
#: Quiet time after keyboard or wheel steps before they become one undoable change.
KEY_COMMIT_MS = 600
#: Slider units per 100% of shift (the slider moves in whole percents).
STEPS = 100

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

def _preview(scenario: Scenario, iterations: int, worker: Worker):
    """The job (a pool thread; never touches a widget): simulate and summarise."""
    from simulator.sim.engine import run

    results = run(scenario, min(iterations, scenario.iterations), None, workers=1, cancel=worker.is_cancelled)
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

    def __init__(self, iterations: int = PREVIEW_FUTURES, *, pool: QThreadPool | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.iterations = int(iterations)
        self.jobs = LatestWins(self, pool=pool, queue=True, hold_ms=VIEW_WAIT_MS, name="previewViewWait")
        self.pool = self.jobs.pool
        self.jobs.result.connect(self._on_result)
        self.jobs.error.connect(self._on_failed)
        self.delivered = 0

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
        self.jobs.request(partial(_preview, scenario, self.iterations))

    def cancel(self) -> None:
        """Forget the waiting request and drop whatever is running."""
        self.jobs.cancel()

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel and wait for the worker (at exit). True if it stopped."""
        return self.jobs.shutdown(timeout_s)

    @Slot(object)
    def _on_result(self, results) -> None:
        self.delivered += 1
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

class WhatIfRow(QFrame):
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

    def show_value(self, position: int, sentence: str, moved: bool) -> None:
        """Slider at ``position`` (signals blocked) and the sentence, the name in bold."""
        if self.slider.value() != position and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        self.set_sentence(sentence, moved)

    def set_sentence(self, sentence: str, moved: bool) -> None:
        name, _, rest = sentence.partition(": ")
        esc = lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        how, sep, tail = rest.partition(" (")
        how_html = f"<b>{esc(how)}</b>" if moved else esc(how)
        self.text.setText(f"<b>{esc(name)}</b>: {how_html}{esc(sep + tail)}")
        self.sentence = sentence


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
        if preview_futures is None:
            preview_futures = getattr(controller, "preview_iterations", PREVIEW_FUTURES)
        self.pool = pool or QThreadPool.globalInstance()
        self.runner = PreviewRunner(preview_futures, pool=self.pool, parent=self)
        self.runner.resultsReady.connect(self._on_preview)
        self.runner.failed.connect(self._on_preview_failed)
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

        self._build()
        self._rebase()
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

    def _update_empty(self) -> None:
        self.empty.setVisible(not self.rows)

    # -- the file's values -----------------------------------------------------------
    def _rebase(self) -> None:
        """The scenario as its file has it (as opened or last saved; an untitled one as it
        was started): the document knows."""
        self._fallback.clear()
        self._base = self.doc.saved_scenario

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

    def _drag_ended(self, label: InputKey) -> None:
        self._dragging = None
        self.commit(label)

    def _commit_keyboard(self) -> None:
        label, self._key_label = self._key_label, None
        self._commit_timer.stop()
        if label is not None:
            self.commit(label)

    def commit(self, label: InputKey) -> bool:
        """Make the slider's position one undoable change of the document. True if applied."""
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
        text = f"What-if: {wi.display_name(label)} {wi.shift_text(shift)}"
        problems = self.doc.propose(new, text)
        if problems:
            self.live.setText(f"Not applied: {problems[0].message}")
            self._sync_rows()
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
        self.live.setText(f"Preview ({results.iterations:,} futures): {results.summary.verdict}")
        self.previewReady.emit(results)

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
        self.runner.shutdown()
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
