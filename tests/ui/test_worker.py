"""The one worker abstraction (ui.worker): cancel, newest wins, the error path, the queue, and
no thread left behind. Jobs here are plain functions gated by events, so every outcome is
decided by the test, not by timing."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QThreadPool

from simulator.model.errors import Cancelled
from ui.worker import LatestWins


@pytest.fixture
def jobs(qtbot):
    host = QObject()
    controller = LatestWins(host, name="test")
    seen: dict[str, list] = {"started": [], "progress": [], "result": [], "error": [], "cancelled": [], "idle": []}
    controller.started.connect(lambda: seen["started"].append(True))
    controller.progress.connect(seen["progress"].append)
    controller.result.connect(seen["result"].append)
    controller.error.connect(lambda exc, details: seen["error"].append((exc, details)))
    controller.cancelled.connect(lambda: seen["cancelled"].append(True))
    controller.idle.connect(lambda: seen["idle"].append(True))
    controller.seen = seen
    yield controller
    assert controller.shutdown(10.0)
    qtbot.wait(10)
    host.deleteLater()


def until_cancelled(release: threading.Event | None = None):
    """A job that reports progress and stops only when cancelled (as the engine does, between
    chunks)."""
    def job(worker):
        n = 0
        while True:
            if worker.is_cancelled():
                raise Cancelled()
            n += 1
            if n == 1:
                worker.progress(1, 10)
            if release is not None and release.wait(0.005):
                return "released"
            threading.Event().wait(0.002)
    return job


def test_a_job_reports_started_progress_result_then_idle(jobs, qtbot):
    def job(worker):
        worker.progress(1, 2)
        worker.progress(2, 2)
        return 42

    with qtbot.waitSignal(jobs.idle, timeout=10_000):
        jobs.request(job)
    assert jobs.seen["started"] == [True]
    assert jobs.seen["progress"] == [(1, 2), (2, 2)]
    assert jobs.seen["result"] == [42] and jobs.seen["idle"] == [True]
    assert not jobs.running and not jobs.busy


def test_cancel_stops_the_job_cooperatively_and_delivers_no_result(jobs, qtbot):
    worker = jobs.request(until_cancelled())
    qtbot.waitUntil(lambda: bool(jobs.seen["progress"]), timeout=10_000)
    assert jobs.running
    with qtbot.waitSignal(jobs.idle, timeout=10_000):
        jobs.cancel()
    assert worker.done and jobs.seen["cancelled"] == [True]
    assert jobs.seen["result"] == [] and jobs.seen["error"] == []


def test_a_result_that_arrives_after_cancel_is_not_delivered(jobs, qtbot):
    began, gate = threading.Event(), threading.Event()
    jobs.request(lambda worker: began.set() or (gate.wait(10) and "late"))
    assert began.wait(10)
    jobs.cancel()           # the job does not look at the flag, but its answer is dropped
    gate.set()
    with qtbot.waitSignal(jobs.idle, timeout=10_000):
        pass
    assert jobs.seen["result"] == [] and jobs.seen["cancelled"] == [True]


def test_the_newest_request_wins(jobs, qtbot):
    gate = threading.Event()
    old = jobs.request(lambda worker: gate.wait(10) and "old")
    new = jobs.request(lambda worker: "new")
    assert old.is_cancelled() and not new.is_cancelled()
    gate.set()                                    # the old job answers anyway, after the new one
    qtbot.waitUntil(lambda: old.done and new.done, timeout=10_000)
    qtbot.wait(20)
    assert jobs.seen["result"] == ["new"], "a superseded job's result was delivered"
    assert jobs.seen["cancelled"] == []           # an abandoned job is not even reported cancelled
    assert jobs.seen["idle"] == [True]            # one idle: when the newest one ended


def test_the_error_path_carries_the_exception_and_its_traceback(jobs, qtbot):
    def job(worker):
        raise ValueError("bad input")

    with qtbot.waitSignal(jobs.idle, timeout=10_000):
        jobs.request(job)
    ((exc, details),) = jobs.seen["error"]
    assert isinstance(exc, ValueError) and str(exc) == "bad input"
    assert "Traceback" in details and "ValueError: bad input" in details
    assert jobs.seen["result"] == []


def test_a_queue_runs_one_job_at_a_time_and_keeps_only_the_newest_waiting_request(qtbot):
    host = QObject()
    jobs = LatestWins(host, queue=True, name="queue")
    results = []
    jobs.result.connect(results.append)
    gate = threading.Event()
    ran = []

    def job(name, wait=False):
        def run(worker):
            ran.append(name)
            if wait:
                gate.wait(10)
            return name
        return run

    jobs.request(job("first", wait=True))
    jobs.request(job("second"))
    jobs.request(job("third"))                    # replaces "second", which never runs
    assert jobs.busy
    gate.set()
    qtbot.waitUntil(lambda: results == ["first", "third"] and not jobs.busy, timeout=10_000)
    assert ran == ["first", "third"]
    assert jobs.shutdown(10.0)
    qtbot.wait(10)
    host.deleteLater()


def test_a_held_queue_waits_for_the_view_then_runs_the_newest(qtbot):
    host = QObject()
    jobs = LatestWins(host, queue=True, hold_ms=60_000, name="held")
    results = []
    view = {"busy": False}
    jobs.result.connect(lambda r: (results.append(r), view.__setitem__("busy", True)))
    jobs.hold_while(lambda: view["busy"])
    jobs.request(lambda w: 1)
    qtbot.waitUntil(lambda: results == [1], timeout=10_000)
    jobs.request(lambda w: 2)                     # the view is still busy with 1
    qtbot.wait(100)
    assert results == [1] and jobs.busy
    view["busy"] = False
    jobs.resume()
    qtbot.waitUntil(lambda: results == [1, 2], timeout=10_000)
    assert jobs.shutdown(10.0)
    qtbot.wait(10)
    host.deleteLater()


def test_shutdown_leaves_no_thread_and_takes_no_more_requests(jobs, qtbot):
    workers = [jobs.request(until_cancelled()) for _ in range(3)]   # two abandoned, one current
    assert jobs.shutdown(10.0)
    assert all(w.is_cancelled() and w.done for w in workers)
    assert QThreadPool.globalInstance().waitForDone(10_000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert jobs.request(lambda w: "after") is None
    qtbot.wait(20)
    assert jobs.seen["result"] == []


def test_a_destroyed_owner_stops_the_workers(qtbot):
    from shiboken6 import delete

    owner = QObject()
    jobs = LatestWins(owner, name="owned")
    jobs.stop_with(owner)
    worker = jobs.request(until_cancelled())
    delete(owner)
    assert worker.is_cancelled() and worker.done


def test_a_late_result_is_kept_when_asked_for(qtbot):
    """An export that finished writing although Cancel came late says it wrote the file."""
    host = QObject()
    jobs = LatestWins(host, result_after_cancel=True, name="export")
    results = []
    jobs.result.connect(results.append)
    began, gate = threading.Event(), threading.Event()
    jobs.request(lambda worker: began.set() or (gate.wait(10) and "Wrote report.pdf"))
    assert began.wait(10)
    jobs.cancel()                                 # too late: the job no longer looks
    gate.set()
    qtbot.waitUntil(lambda: results == ["Wrote report.pdf"], timeout=10_000)
    assert jobs.shutdown(10.0)
    qtbot.wait(10)
    host.deleteLater()
