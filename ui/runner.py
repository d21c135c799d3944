"""Simulation off the GUI thread: debounced requests, a preview run, then the full run.

:class:`SimulationController` is the only place the app starts the engine. Each request gets
a generation number; a newer request cancels the older run (its cancel flag is checked by the
engine between chunks) and disconnects it, and every result is checked against the current
generation before it is shown, so a stale result can never overwrite a newer one. The worker
computes the summary too, so slots in the GUI thread only display.
"""

from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from simulator.errors import Cancelled, ScenarioError
from simulator.scenario import Scenario

#: Futures in the quick preview run that follows an edit.
PREVIEW_ITERATIONS = 2_000
#: Quiet time after an edit before the next run starts (the first edit runs at once).
DEBOUNCE_MS = 250
#: Longest wait, after a preview, for the window to say the preview is on screen
#: (:meth:`SimulationController.release_full_run`) before the full run starts. On two cores
#: the full run would otherwise slow the drawing of the preview to a third of its speed.
PREVIEW_HOLD_S = 0.4


class _RunSignals(QObject):
    """Signals of one run. Lives in the GUI thread; the worker only emits."""

    progress = Signal(int, int, int)           # generation, done, total
    result = Signal(int, object, bool)         # generation, Results, is preview
    failed = Signal(int, object, str)          # generation, exception, traceback text
    cancelled = Signal(int)
    done = Signal(int)                         # always last


def _work(gen: int, scenario: Scenario, plan: list[tuple[int, bool]], seed: int | None,
          cancel: threading.Event, signals: _RunSignals, shown: threading.Event | None = None) -> None:
    """The worker: runs in a QThreadPool thread. Never touches a widget. After a preview it
    waits (at most :data:`PREVIEW_HOLD_S`) for ``shown`` before the full run."""
    from simulator.engine import run

    try:
        for iterations, preview in plan:
            if cancel.is_set():
                signals.cancelled.emit(gen)
                return
            last_emit = [0.0]

            def progress(done: int, total: int, _preview=preview, last_emit=last_emit) -> None:
                now = time.monotonic()
                if not _preview and (now - last_emit[0] > 0.05 or done >= total):
                    last_emit[0] = now
                    signals.progress.emit(gen, done, total)

            try:
                results = run(scenario, iterations, seed, progress=progress, cancel=cancel.is_set)
                _ = results.summary  # computed here, not in the GUI thread
                if not preview:
                    from simulator.insights import overview_lines

                    overview_lines(results)  # likewise the analytics the Overview quotes
            except Cancelled:
                signals.cancelled.emit(gen)
                return
            except ScenarioError as exc:
                signals.failed.emit(gen, exc, "")
                return
            except Exception as exc:  # an engine bug must not take the app down
                signals.failed.emit(gen, exc, traceback.format_exc())
                return
            if cancel.is_set():
                signals.cancelled.emit(gen)
                return
            signals.result.emit(gen, results, preview)
            if preview and shown is not None:
                deadline = time.monotonic() + PREVIEW_HOLD_S
                while not shown.wait(0.02) and not cancel.is_set() and time.monotonic() < deadline:
                    pass
    finally:
        signals.done.emit(gen)


def abandon(run) -> None:
    """Stop a run in flight and never hear from it again: set its ``cancel`` flag and
    disconnect its ``signals`` (progress, result, failed, cancelled; ``done`` still arrives)."""
    run.cancel.set()
    signals = run.signals
    for sig in (signals.progress, signals.result, signals.failed, signals.cancelled):
        try:
            sig.disconnect()
        except (RuntimeError, TypeError):
            pass


class _Run:
    def __init__(self, gen: int, scenario: Scenario, iterations: int, signals: _RunSignals):
        self.gen = gen
        self.scenario = scenario
        self.iterations = iterations
        self.signals = signals
        self.cancel = threading.Event()
        self.shown = threading.Event()      # the preview is on screen: start the full run
        self.started = time.perf_counter()


class SimulationController(QObject):
    """Runs the engine for the latest scenario, preview first, in a thread pool."""

    #: A run started: iterations of the full run, whether a preview comes first.
    started = Signal(int, bool)
    #: Progress of the full run: futures done, total.
    progressed = Signal(int, int)
    #: New results to show (Results, is_preview).
    resultsReady = Signal(object, bool)
    #: The run failed: a ScenarioError (the scenario cannot run) or another exception.
    failed = Signal(object, str)
    #: The user (or a newer request) stopped the run before it finished.
    cancelled = Signal()
    #: No run is in flight any more (after results, failure or cancel).
    finished = Signal()

    def __init__(self, parent: QObject | None = None, *, preview_iterations: int = PREVIEW_ITERATIONS,
                 debounce_ms: int = DEBOUNCE_MS, pool: QThreadPool | None = None):
        super().__init__(parent)
        self.preview_iterations = preview_iterations
        self.pool = pool or QThreadPool.globalInstance()
        self._gen = 0
        self._current: _Run | None = None
        self._alive: dict[int, _Run] = {}        # runs whose worker has not finished yet
        self._pending: Scenario | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_quiet)
        self._shut = False
        self.latest: object | None = None        # the newest Results shown
        self.latest_is_preview = False

    # -- requests --------------------------------------------------------------------
    def request(self, scenario: Scenario, *, immediate: bool = False) -> None:
        """Simulate ``scenario``. The first request after a quiet spell runs at once; later
        ones within :data:`DEBOUNCE_MS` are folded into one run when the edits pause."""
        if self._shut:
            return
        if immediate or not self._timer.isActive():
            self._pending = None
            self._start(scenario)
        else:
            self._pending = scenario
        self._timer.start()

    @Slot()
    def _on_quiet(self) -> None:
        if self._pending is not None:
            scenario, self._pending = self._pending, None
            self._start(scenario)

    def release_full_run(self) -> None:
        """The preview is on screen: the full run may start now (it starts anyway after
        :data:`PREVIEW_HOLD_S`). Safe to call at any time."""
        if self._current is not None:
            self._current.shown.set()

    def cancel(self) -> None:
        """Stop the run in flight (the last results stay on screen)."""
        self._pending = None
        self._timer.stop()
        if self._current is not None and self._current.gen in self._alive:
            self._current.cancel.set()

    @property
    def running(self) -> bool:
        return self._current is not None and self._current.gen in self._alive \
            and not self._current.cancel.is_set()

    @property
    def scenario(self) -> Scenario | None:
        """The scenario of the newest request."""
        if self._pending is not None:
            return self._pending
        return self._current.scenario if self._current else None

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the workers (at exit). True if they all stopped."""
        self._shut = True
        self._timer.stop()
        self._pending = None
        for run in list(self._alive.values()):
            run.cancel.set()
        if not self._alive:
            return True
        # The workers stop at their next chunk; their last (queued) signals are dropped.
        return self.pool.waitForDone(timeout_ms)

    # -- running ---------------------------------------------------------------------
    def _start(self, scenario: Scenario) -> None:
        if self._current is not None:
            abandon(self._current)
        self._gen += 1
        gen = self._gen
        full = int(scenario.iterations)
        plan: list[tuple[int, bool]] = []
        if full > 2 * self.preview_iterations:
            plan.append((self.preview_iterations, True))
        plan.append((full, False))
        signals = _RunSignals(self)
        signals.progress.connect(self._on_progress)
        signals.result.connect(self._on_result)
        signals.failed.connect(self._on_failed)
        signals.cancelled.connect(self._on_cancelled)
        signals.done.connect(self._on_done)
        run = _Run(gen, scenario, full, signals)
        self._current = run
        self._alive[gen] = run
        self.started.emit(full, len(plan) > 1)
        cancel, shown = run.cancel, run.shown
        self.pool.start(lambda: _work(gen, scenario, plan, None, cancel, signals, shown))

    def _is_current(self, gen: int) -> bool:
        return self._current is not None and gen == self._current.gen and not self._current.cancel.is_set()

    @Slot(int, int, int)
    def _on_progress(self, gen: int, done: int, total: int) -> None:
        if self._is_current(gen):
            self.progressed.emit(done, total)

    @Slot(int, object, bool)
    def _on_result(self, gen: int, results, preview: bool) -> None:
        if not self._is_current(gen):
            return  # superseded: never show it
        self.latest = results
        self.latest_is_preview = preview
        self.resultsReady.emit(results, preview)

    @Slot(int, object, str)
    def _on_failed(self, gen: int, exc: object, details: str) -> None:
        if self._is_current(gen):
            self.failed.emit(exc, details)

    @Slot(int)
    def _on_cancelled(self, gen: int) -> None:
        if self._current is not None and gen == self._current.gen:
            self.cancelled.emit()

    @Slot(int)
    def _on_done(self, gen: int) -> None:
        run = self._alive.pop(gen, None)
        if run is not None:
            run.signals.deleteLater()
        if self._current is not None and gen == self._current.gen:
            self.finished.emit()
