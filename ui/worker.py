"""Background work for the app: one worker and one "latest request wins" controller.

A :class:`Worker` runs a job ``fn(worker)`` in a :class:`QThreadPool` thread and reports by
signals: started, progress, result, error, cancelled, and finished (always last). The job
checks :meth:`Worker.is_cancelled` between chunks (the engine takes it as its ``cancel``)
and stops cooperatively; threads are never killed. Its return value is its result; a job
with results along the way (a preview, then the full run) :meth:`~Worker.publish`-es them.

A :class:`LatestWins` controller owns the workers of one consumer (the simulation, the
what-if previews, their ranking, the teams comparison, an export, the chart preload): a
newer request wins, so a stale result never reaches the screen, and :meth:`~LatestWins.shutdown`
leaves no thread behind. Its signals carry the *current* job's news only:

* ``queue=False``: a request cancels the job in flight and starts at once;
* ``queue=True``: one job at a time; a request waits for the job in flight (which still
  delivers) and replaces any older waiting request. :meth:`~LatestWins.hold_while` keeps it
  waiting, at most ``hold_ms``, while a view is still busy with the last result.

Worker signals live in the GUI thread (children of the controller); the worker thread only
emits, so every handler runs in the GUI thread.
"""

from __future__ import annotations

from functools import partial
import itertools
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from simulator.model.errors import Cancelled

_ids = itertools.count(1)


class WorkerSignals(QObject):
    """Signals of one worker, each with the worker's id. Lives in the GUI thread."""

    started = Signal(int)
    progress = Signal(int, object)      # id, the tuple the job reported
    result = Signal(int, object)        # id, a value published or returned
    error = Signal(int, object, str)    # id, the exception, its traceback text
    cancelled = Signal(int)
    finished = Signal(int)              # always last


class Worker:
    """One job, run by :meth:`run` in a pool thread. ``fn(worker)`` may call
    :meth:`progress`, :meth:`publish` and :meth:`is_cancelled`. A job cancelled before it
    returns delivers ``cancelled`` instead of its result, unless ``result_after_cancel``
    (a file already written says so)."""

    def __init__(self, fn: Callable[["Worker"], Any], signals: WorkerSignals, *, result_after_cancel: bool = False):
        self.id = next(_ids)
        self.fn = fn
        self.signals = signals
        self.result_after_cancel = result_after_cancel
        self._cancel = threading.Event()
        self._done = threading.Event()

    # -- for the GUI thread ------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until the job has ended (its thread is free). True if it has."""
        return self._done.wait(timeout_s)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # -- for the job -------------------------------------------------------------------
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self, *args) -> None:
        self._emit(self.signals.progress, args)

    def publish(self, value) -> None:
        """Deliver a result before the end (a preview before the full run)."""
        self._emit(self.signals.result, value)

    # -- in the pool thread ------------------------------------------------------------
    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(self.id, *args)
        except RuntimeError:   # the owner is gone (window closed, application exit)
            pass

    def run(self) -> None:
        try:
            self._emit(self.signals.started)
            if self.is_cancelled():
                raise Cancelled()
            value = self.fn(self)
            if self.is_cancelled() and not self.result_after_cancel:
                raise Cancelled()
        except Cancelled:
            self._emit(self.signals.cancelled)
        except Exception as exc:  # shown by the consumer, never a crash of the app
            self._emit(self.signals.error, exc, traceback.format_exc())
        else:
            self._emit(self.signals.result, value)
        finally:
            self._emit(self.signals.finished)
            self._done.set()


def stop_workers(workers: dict[int, Worker], timeout_s: float = 30.0, *_args) -> bool:
    """Cancel ``workers`` and wait until each has ended. True if they all did."""
    for worker in list(workers.values()):
        worker.cancel()
    deadline = time.monotonic() + timeout_s
    return all(w.wait(max(0.0, deadline - time.monotonic())) for w in list(workers.values()))


class LatestWins(QObject):
    """Runs one consumer's jobs in a thread pool; the latest request wins (see the module)."""

    #: The current job began in its thread.
    started = Signal()
    #: The current job's progress: the tuple it reported.
    progress = Signal(object)
    #: A result of the current job (published along the way, or returned).
    result = Signal(object)
    #: The current job raised: the exception and its traceback text.
    error = Signal(object, str)
    #: The current job stopped after a cancel.
    cancelled = Signal()
    #: No job of this controller is in flight any more (after a result, an error or a cancel).
    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, pool: QThreadPool | None = None, queue: bool = False,
                 hold_ms: int = 0, result_after_cancel: bool = False, name: str = ""):
        super().__init__(parent)
        self.setObjectName(name)
        self.pool = pool or QThreadPool.globalInstance()
        self.queue = queue
        self.result_after_cancel = result_after_cancel
        self._current: Worker | None = None
        self._alive: dict[int, Worker] = {}         # workers whose finished has not arrived
        self._inflight: Worker | None = None        # queue: the job whose answer has not arrived
        self._pending: Callable | None = None
        self._holds: list[Callable[[], bool]] = []
        self._shut = False
        self._hold_timer = QTimer(self)
        self._hold_timer.setObjectName(f"{name or 'jobs'}Hold")
        self._hold_timer.setSingleShot(True)
        self._hold_timer.setInterval(hold_ms)
        self._hold_timer.timeout.connect(lambda: self._start_pending(force=True))

    # -- state -------------------------------------------------------------------------
    @property
    def current(self) -> Worker | None:
        """The newest job started (it may have ended)."""
        return self._current

    @property
    def running(self) -> bool:
        """The current job is in flight and not cancelled."""
        w = self._current
        return w is not None and w.id in self._alive and not w.is_cancelled()

    @property
    def busy(self) -> bool:
        """A job is in flight (``queue``: its answer has not arrived) or a request waits."""
        if self.queue:
            return self._inflight is not None or self._pending is not None
        w = self._current
        return (w is not None and w.id in self._alive) or self._pending is not None

    def workers(self) -> list[Worker]:
        """The jobs whose thread has not reported its end yet (the current and abandoned ones)."""
        return list(self._alive.values())

    # -- requests ----------------------------------------------------------------------
    def request(self, fn: Callable[[Worker], Any]) -> Worker | None:
        """Run ``fn(worker)``: at once (``queue=False``, cancelling the job in flight) or when
        the job in flight has ended (``queue=True``). Returns the worker if it started."""
        if self._shut:
            return None
        if not self.queue:
            self.abandon()
            return self._start(fn)
        self._pending = fn
        return self._start_pending()

    def hold_while(self, busy: Callable[[], bool]) -> None:
        """``queue=True``: start no waiting request while ``busy()`` (at most ``hold_ms``);
        call :meth:`resume` when it is no longer busy."""
        self._holds.append(busy)

    def resume(self, *_args) -> None:
        """A view is done with the last result: the waiting request may start now."""
        self._start_pending()

    def cancel(self) -> None:
        """Drop the waiting request and stop the current job; nothing of it is delivered
        after this but ``cancelled`` and ``idle``."""
        self._pending = None
        self._hold_timer.stop()
        if self._current is not None:
            self._current.cancel()

    def abandon(self) -> None:
        """Stop the current job and forget it: not even its ``cancelled`` is delivered."""
        self.cancel()
        self._current = None

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Stop everything and wait for the threads (closing a window, at exit). True if
        they all ended. No request is taken after this."""
        self._shut = True
        self.cancel()
        return stop_workers(self._alive, timeout_s)

    def stop_with(self, owner: QObject) -> None:
        """Stop the workers when ``owner`` is destroyed, even without a close event (a window
        destroyed with its parent). The hook holds the workers, not the owner."""
        owner.destroyed.connect(partial(stop_workers, self._alive, 30.0))

    # -- running -----------------------------------------------------------------------
    def _holding(self) -> bool:
        try:
            return any(busy() for busy in self._holds)
        except RuntimeError:   # a view was closed
            return False

    def _start_pending(self, *, force: bool = False) -> Worker | None:
        if self._pending is None or self._shut or self._inflight is not None:
            return None
        if not force and self._holding():
            if not self._hold_timer.isActive():
                self._hold_timer.start()
            return None
        self._hold_timer.stop()
        fn, self._pending = self._pending, None
        return self._start(fn)

    def _start(self, fn: Callable[[Worker], Any]) -> Worker:
        signals = WorkerSignals(self)
        worker = Worker(fn, signals, result_after_cancel=self.result_after_cancel)
        signals.started.connect(self._on_started)
        signals.progress.connect(self._on_progress)
        signals.result.connect(self._on_result)
        signals.error.connect(self._on_error)
        signals.cancelled.connect(self._on_cancelled)
        signals.finished.connect(self._on_finished)
        self._current = worker
        self._alive[worker.id] = worker
        if self.queue:
            self._inflight = worker
        self.pool.start(worker.run)
        return worker

    def _is_current(self, wid: int, *, late: bool = False) -> bool:
        """``wid`` is the current job, not cancelled (``late``: or cancelled, when its result
        counts even then)."""
        w = self._current
        return w is not None and w.id == wid and not self._shut and (not w.is_cancelled() or late)

    @Slot(int)
    def _on_started(self, wid: int) -> None:
        if self._is_current(wid):
            self.started.emit()

    @Slot(int, object)
    def _on_progress(self, wid: int, args) -> None:
        if self._is_current(wid):
            self.progress.emit(args)

    def _answered(self, wid: int) -> None:
        """``queue``: the job's answer is in; the newest waiting request may start (after
        the consumer took the answer, so a view busy with it holds the next one)."""
        if self._inflight is not None and self._inflight.id == wid:
            self._inflight = None
            self._start_pending()

    @Slot(int, object)
    def _on_result(self, wid: int, value) -> None:
        if self._is_current(wid, late=self.result_after_cancel):
            self.result.emit(value)
        self._answered(wid)

    @Slot(int, object, str)
    def _on_error(self, wid: int, exc, details: str) -> None:
        if self._is_current(wid):
            self.error.emit(exc, details)
        self._answered(wid)

    @Slot(int)
    def _on_cancelled(self, wid: int) -> None:
        if self._current is not None and self._current.id == wid and not self._shut:
            self.cancelled.emit()
        self._answered(wid)

    @Slot(int)
    def _on_finished(self, wid: int) -> None:
        worker = self._alive.pop(wid, None)
        if worker is not None:
            worker.signals.deleteLater()
        if self._shut:
            return
        if self._current is None or self._current.id == wid:
            self.idle.emit()
        self._answered(wid)
