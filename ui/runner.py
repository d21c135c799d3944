"""Simulation off the GUI thread: debounced requests, a preview run, then the full run.

:class:`SimulationController` is the only place the app starts the engine. It configures a
:class:`ui.worker.LatestWins` controller: a newer request cancels the older run (its cancel
flag is checked by the engine between chunks) and only the current run's news is delivered,
so a stale result can never overwrite a newer one. The worker computes the summary too, so
slots in the GUI thread only display.
"""

from __future__ import annotations

from functools import partial
import threading
import time

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from simulator.model.errors import Cancelled, ScenarioError
from simulator.model.scenario import Scenario

from .worker import LatestWins, Worker

#: Futures in the quick preview run that follows an edit.
PREVIEW_ITERATIONS = 2_000
#: Quiet time after an edit before the next run starts (the first edit runs at once).
DEBOUNCE_MS = 250
#: Longest wait, after a preview, for the window to say the preview is on screen
#: (:meth:`SimulationController.release_full_run`) before the full run starts. On two cores
#: the full run would otherwise slow the drawing of the preview to a third of its speed.
PREVIEW_HOLD_S = 0.4


def _simulate(scenario: Scenario, plan: list[tuple[int, bool]], shown: threading.Event, references: dict,
              worker: Worker):
    """The job (a pool thread; never touches a widget): each run of ``plan`` with its
    summary computed here, not in the GUI thread. A preview is published, then the job waits
    (at most :data:`PREVIEW_HOLD_S`) for ``shown`` before the full run, which it returns as
    ``(Results, False)``. ``references``: the newest results of each size; an alternative the
    edit does not reach keeps its futures from them (:func:`simulator.workshop.whatif.rerun`:
    the same figures as a run of everything, common random numbers)."""
    from simulator.workshop.whatif import rerun

    value = None
    for iterations, preview in plan:
        if worker.is_cancelled():
            raise Cancelled()
        last_emit = [0.0]

        def progress(done: int, total: int, _preview=preview, _last=last_emit) -> None:
            now = time.monotonic()
            if not _preview and (now - _last[0] > 0.05 or done >= total):
                _last[0] = now
                worker.progress(done, total)

        results = rerun(scenario, iterations, references.get(iterations), progress=progress,
                        cancel=worker.is_cancelled)
        _ = results.summary  # computed here, not in the GUI thread
        if not preview:
            from simulator.analysis.insights import overview_lines

            overview_lines(results)  # likewise the analytics the Overview quotes
            value = (results, False)
        elif not worker.is_cancelled():
            worker.publish((results, True))
            deadline = time.monotonic() + PREVIEW_HOLD_S
            while not shown.wait(0.02) and not worker.is_cancelled() and time.monotonic() < deadline:
                pass
    return value


class SimulationController(QObject):
    """Runs the engine for the latest scenario, preview first: a :class:`~ui.worker.LatestWins`
    controller configured with a debounce and the preview hold."""

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
        self.jobs = LatestWins(self, pool=pool, name="simulation")
        self.pool = self.jobs.pool
        self.jobs.progress.connect(self._on_progress)
        self.jobs.result.connect(self._on_result)
        self.jobs.error.connect(self._on_failed)
        self.jobs.cancelled.connect(self.cancelled)
        self.jobs.idle.connect(self.finished)
        self._scenario: Scenario | None = None   # of the newest run started
        self._shown = threading.Event()          # the newest run's preview is on screen
        self._pending: Scenario | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_quiet)
        self._shut = False
        self.latest: object | None = None        # the newest Results shown
        self._references: dict[int, object] = {}  # the newest Results of each number of futures
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
        self._shown.set()

    def cancel(self) -> None:
        """Stop the run in flight (the last results stay on screen)."""
        self._pending = None
        self._timer.stop()
        self.jobs.cancel()

    @property
    def running(self) -> bool:
        return self.jobs.running

    @property
    def scenario(self) -> Scenario | None:
        """The scenario of the newest request."""
        if self._pending is not None:
            return self._pending
        return self._scenario

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the workers (at exit). True if they all stopped;
        they stop at their next chunk, and their last (queued) signals are dropped."""
        self._shut = True
        self._timer.stop()
        self._pending = None
        return self.jobs.shutdown(timeout_ms / 1000)

    # -- running ---------------------------------------------------------------------
    def _start(self, scenario: Scenario) -> None:
        full = int(scenario.iterations)
        plan: list[tuple[int, bool]] = []
        if full > 2 * self.preview_iterations:
            plan.append((self.preview_iterations, True))
        plan.append((full, False))
        self._scenario = scenario
        self._shown = threading.Event()
        self.jobs.abandon()   # the older run stops; nothing of it is shown
        self.started.emit(full, len(plan) > 1)
        self.jobs.request(partial(_simulate, scenario, plan, self._shown, dict(self._references)))

    @Slot(object)
    def _on_progress(self, args) -> None:
        self.progressed.emit(*args)

    @Slot(object)
    def _on_result(self, value) -> None:
        if value is None:
            return
        results, preview = value
        kept = {n: r for n, r in self._references.items() if n == self.preview_iterations}
        self._references = {**kept, results.iterations: results}   # the preview's and the newest
        self.latest = results
        self.latest_is_preview = preview
        self.resultsReady.emit(results, preview)

    @Slot(object, str)
    def _on_failed(self, exc: object, details: str) -> None:
        self.failed.emit(exc, "" if isinstance(exc, ScenarioError) else details)
