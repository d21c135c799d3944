"""Speed figures of the desktop app (for ``make bench``; never part of the tests).

``python -m ui.bench [--repeat N] [--quick] [--json]`` prints and returns these figures
(``--json``: one JSON object on stdout with ``edit_to_picture_ms`` (a median per view),
``slider_pictures_per_second``, ``launch_to_results_s`` and the rest; the words on stderr):

* **cold launch to first results**: a fresh process, from before the interpreter starts to the
  first results painted in the window (median of N launches);
* **edit to updated preview chart**: an amount edit (the inspector's command) until the visible
  tab shows the preview results: the chart's picture on screen (made in the render thread),
  or the overview; per bundled scenario (median of N edits), for every tab (``--quick``: the
  Value chart and the overview); with where the time goes (``edit_to_picture_stages_ms``, medians
  over all edits per tab: the preview's results shown by the window, the chart's picture begun
  in the render thread, the picture on screen);
* **what-if slider rate**: the main window's what-if slider dragged without pause with the
  Value chart shown, per bundled scenario: previews and chart pictures per second;
* **longest GUI stall during a 1M-future run**: a 5 ms timer heartbeat on the GUI thread; the
  longest gap between beats while the run is in flight and while its results are shown; also
  for the big run (5 alternatives x 30 years x 1M futures, ``--big``), with the peak memory
  of the whole app.

Runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
app.setOrganizationName("investsim-bench"); app.setApplicationName("investsim-bench")
from ui.main_window import MainWindow
from simulator.bundled import default_scenario
from simulator.model.scenario import load
w = MainWindow(persist=False)
w.resize(1400, 900); w.show()
def first(preview):
    app.processEvents()       # let the overview paint
    w.overview.repaint()
    print(f"FIRST {time.time():.6f}", flush=True)
    w.controller.cancel(); w.doc.undo_stack.setClean(); w.close(); app.quit()
w.resultsShown.connect(first)
QTimer.singleShot(0, lambda: w.set_document(load(default_scenario()), None, origin="x"))
app.exec()
w.controller.shutdown()
"""


def cold_launch(repeat: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = []
    for _ in range(repeat):
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=120)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("FIRST ")), None)
        if line is None:
            raise SystemExit(f"launch failed:\n{proc.stderr}")
        out.append(float(line.split()[1]) - t0)
    return out


def _wait(app, predicate, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > deadline:
            raise TimeoutError("timed out")


def edit_to_preview(app, paths: list[Path], repeat: int, tab: str = "value",
                    stages: dict | None = None) -> dict[str, list[float]]:
    """Amount edit -> the visible tab (a chart, or the overview) updated with preview results.
    ``stages`` (a dict) gets, per scenario, each edit's milestones in seconds after the edit:
    the preview's results shown by the window's slot (run and fan-out), the chart's picture
    begun in the render thread, and on screen."""
    from simulator.model.distributions import Distribution

    from simulator.workshop.edits import set_field
    from .main_window import MainWindow

    figures: dict[str, list[float]] = {}
    skipped: list[str] = []
    for path in paths:
        w = MainWindow(persist=False, eager_charts=True)
        w.resize(1400, 900)
        w.show()
        if not w.select_tab(tab):
            raise SystemExit(f"no tab {tab!r}")
        state = {"full": False}
        w.fullResultsShown.connect(lambda: state.__setitem__("full", True))
        w.open_path(path, ask=False)
        _wait(app, lambda: state["full"])
        chart = w.current_chart()
        drawn = {"t": None}
        seen = {"preview": None, "edited": None}
        marks: dict[str, float] = {}
        w.resultsShown.connect(lambda _p: marks.setdefault("results", time.perf_counter()))
        if chart is not None:
            chart.pictureBegun.connect(lambda: marks.setdefault("began", time.perf_counter())
                                       if "results" in marks else None)
        if chart is not None:   # the first picture of the edited scenario (not a late one of before)
            def on_drawn(_finding) -> None:
                if drawn["t"] is None and seen["edited"] is not None and chart.drawn_results.scenario == seen["edited"]:
                    drawn["t"] = time.perf_counter()
                    if chart.drawn_results.iterations == seen["edited"].iterations:
                        skipped.append(path.stem)   # the preview's picture was overtaken by the full run's

            chart.drawn.connect(on_drawn)
        else:   # the overview: shown when the results slot returns
            w.resultsShown.connect(lambda _p: drawn.__setitem__("t", time.perf_counter()))
        # the first uncertain item amount of the first alternative
        scenario = w.doc.scenario
        key = next((("item", i, j) for i, a in enumerate(scenario.alternatives) for j, it in enumerate(a.items)
                    if isinstance(it.amount, (Distribution, float, int))), None)
        if key is None:   # every amount is a formula (the pilot case): nothing to nudge directly
            w.close()
            continue
        times = []
        for k in range(repeat):
            amount = w.doc.scenario.alternatives[key[1]].items[key[2]].amount
            if isinstance(amount, Distribution):
                spec = amount.describe()
                grow = 1.05 if k % 2 == 0 else 1 / 1.05
                spec = {name: (v * grow if isinstance(v, (int, float)) and not isinstance(v, bool) else
                               [x * grow for x in v] if name == "values" else v)
                        for name, v in spec.items()}
                from simulator.model.distributions import from_spec

                new_amount = from_spec(spec)
            else:
                new_amount = float(amount) * (1.05 if k % 2 == 0 else 1 / 1.05)
            time.sleep(0.3)                 # past the debounce window, as after a pause in typing
            app.processEvents()
            state["full"] = False
            drawn["t"] = None
            seen["preview"] = None
            marks.clear()
            w.resultsShown.connect(lambda p: seen.__setitem__("preview", p) if seen["preview"] is None else None)
            edited = set_field(w.doc.scenario, key, "amount", new_amount)
            seen["edited"] = edited
            t0 = time.perf_counter()
            problems = w.doc.propose(edited, "bench")
            if problems:
                raise RuntimeError(f"{path.name}: the benchmark edit was refused: {problems[0].line()}")
            _wait(app, lambda: seen["preview"] is not None and drawn["t"] is not None)
            times.append(drawn["t"] - t0)
            if stages is not None:
                stages.setdefault(path.stem, []).append(
                    {name: marks[name] - t0 for name in ("results", "began") if name in marks} | {"picture": times[-1]})
            _wait(app, lambda: state["full"])
            w.resultsShown.disconnect()
            w.resultsShown.connect(lambda _p: marks.setdefault("results", time.perf_counter()))
            if chart is None:
                w.resultsShown.connect(lambda _p: drawn.__setitem__("t", time.perf_counter()))
        figures[path.stem] = times
        w.doc.undo_stack.setClean()
        w.close()
        app.processEvents()
    if skipped:
        print(f"  ({len(skipped)} edits showed the full run's picture first: {', '.join(sorted(set(skipped)))})")
    return figures


class Drag:
    """A slider pressed and moved every 25 ms (a mouse drag: about 40 moves a second) along a
    sine wave between -50 and +50, until :meth:`stop`. ``moves`` counts the moves made."""

    def __init__(self, slider):
        from PySide6.QtCore import QTimer

        self.slider = slider
        self.moves = 0
        self.timer = QTimer()
        self.timer.setInterval(25)
        self.timer.timeout.connect(self._move)
        slider.setSliderDown(True)
        self.start = time.perf_counter()
        self.timer.start()

    def _move(self) -> None:
        self.moves += 1
        self.slider.setSliderPosition(round(50 * math.sin(self.moves / 12)))

    def stop(self) -> float:
        """Stop moving (the slider stays pressed); the seconds it moved."""
        self.timer.stop()
        return time.perf_counter() - self.start


def slider_chart_rate(app, paths: list[Path], tab: str = "value", seconds: float = 3.0) -> dict[str, dict]:
    """The main window with ``tab`` shown and the what-if dock open: the top slider dragged
    without pause (a move every 25 ms) for ``seconds``; previews and chart pictures per second."""
    from .main_window import MainWindow

    out = {}
    for path in paths:
        w = MainWindow(persist=False, eager_charts=True)
        w.resize(1400, 900)
        w.show()
        w.select_tab(tab)
        w.whatif_dock.show()
        state = {"full": False}
        w.fullResultsShown.connect(lambda: state.__setitem__("full", True))
        w.open_path(path, ask=False)
        _wait(app, lambda: state["full"] and bool(w.whatif.labels()))
        slider = w.whatif.slider(w.whatif.labels()[0])
        pictures = []
        w.chartDrawn.connect(lambda _f: pictures.append(time.perf_counter()))
        drag = Drag(slider)
        start = drag.start
        _wait(app, lambda: time.perf_counter() - start > seconds)
        elapsed = drag.stop()
        shown = [t for t in pictures if t >= start]
        out[path.stem] = {"moves_per_s": drag.moves / elapsed, "previews_per_s": w.whatif.updates_per_second(start),
                          "pictures_per_s": len(shown) / elapsed}
        slider.setSliderPosition(20 if slider.value() != 20 else 30)   # let go off the file's value:
        slider.setSliderDown(False)                                     # one change, simulated in full
        state["full"] = False
        _wait(app, lambda: state["full"])
        w.doc.undo_stack.setClean()
        w.close()
        app.processEvents()
    return out


def gui_stall(app, iterations: int = 1_000_000, tab: str = "overview", path: Path | None = None) -> dict[str, float]:
    """Longest gap between 5 ms heartbeats while a big run of ``path`` (the default scenario)
    is in flight (its preview shown on the way), and while its final results are put on
    screen, with ``tab`` visible."""
    from PySide6.QtCore import QTimer

    from simulator.bundled import default_scenario

    from .main_window import MainWindow

    w = MainWindow(persist=False, eager_charts=True)
    w.resize(1400, 900)
    w.show()
    if not w.select_tab(tab):
        raise SystemExit(f"no tab {tab!r}")
    state = {"full": False, "t_full": None}
    w.fullResultsShown.connect(lambda: state.update(full=True))
    w.controller.resultsReady.connect(
        lambda _r, preview: state.update(t_full=time.perf_counter()) if not preview else None)
    w.open_path(path or default_scenario(), ask=False)
    _wait(app, lambda: state["full"], timeout=600)
    state.update(full=False, t_full=None)
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    w.doc.propose(replace(w.doc.scenario, iterations=iterations), "bench")
    _wait(app, lambda: state["full"], timeout=600)
    t_run = state["t_full"] - t0
    t_end = time.perf_counter() + 1.0     # keep beating while the chart renders the results
    _wait(app, lambda: time.perf_counter() > t_end)
    timer.stop()
    during = [b - a for a, b in zip(beats, beats[1:]) if b <= state["t_full"]]
    after = [b - a for a, b in zip(beats, beats[1:]) if b > state["t_full"]]
    w.doc.undo_stack.setClean()
    w.close()
    app.processEvents()
    return {"tab": tab, "run_seconds": t_run, "max_gap_during_run_ms": 1000 * max(during, default=0),
            "max_gap_showing_results_ms": 1000 * max(after, default=0), "beats": len(beats)}


def big_run_window() -> dict:
    """The big run in the window, in a fresh process: 5 alternatives x 30 years x 1M futures
    with the Cash over time chart shown; the longest GUI stalls and the process's peak memory."""
    code = ("import json, sys; from PySide6.QtWidgets import QApplication; "
            "app = QApplication(sys.argv[:1]); import ui.bench as b; "
            "out = b.gui_stall(app, tab='cash', path=b.big_scenario_file()); "
            "out['peak_mb'] = b.peak_rss_mb(); "
            "print('BIG ' + json.dumps(out))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=1800)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BIG ")), None)
    if line is None:
        raise SystemExit(f"the big run in the window failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[4:])


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB. Linux's VmHWM belongs to the process image;
    ``ru_maxrss`` would also count the parent's memory at the moment it started this process
    (the high-water mark survives the fork and exec), which is not this process's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_scenario_file() -> Path:
    """The benchmark's 5-alternative, 30-year scenario (bench/run_bench.py), as a file."""
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    from run_bench import big_scenario_text

    path = Path(tempfile.mkdtemp(prefix="investsim-bench-")) / "big-run.toml"
    path.write_text(big_scenario_text(), encoding="utf-8")
    return path


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--big", action="store_true", help="only the big run in the window")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout (the words go to stderr; no big run): "
                             "edit_to_picture_ms (median per view), slider_pictures_per_second, "
                             "launch_to_results_s, and the rest")
    args = parser.parse_args(argv)
    if args.json:
        import contextlib

        with contextlib.redirect_stdout(sys.stderr):
            results = measure(args)
        summary = json_summary(results)
        print(json.dumps(summary, indent=2))
        return summary
    return measure(args)


def json_summary(results: dict) -> dict:
    """The figures ``--json`` prints: the headline keys first (medians over the bundled
    scenarios), then everything measured."""
    views = {}
    for name, per_file in results.items():
        if name.startswith("edit_to_preview_") and name.endswith("_ms") and per_file:
            views[name[len("edit_to_preview_"):-len("_ms")]] = statistics.median(per_file.values())
    slider = results.get("slider_value_chart", {})
    rates = [r["pictures_per_s"] for r in slider.values()]
    stalls = results.get("gui_stall_1M", [])
    out = {
        "edit_to_picture_ms": views,
        "edit_to_picture_worst_view_ms": max(views.values(), default=None),
        "slider_pictures_per_second": statistics.median(rates) if rates else None,
        "launch_to_results_s": results.get("cold_launch_to_first_results_s"),
        "gui_stall_1M_ms": max((max(s["max_gap_during_run_ms"], s["max_gap_showing_results_ms"]) for s in stalls),
                               default=None),
        "edit_to_picture_stages_ms": results.get("edit_to_picture_stages_ms", {}),
        "window_size": "1400x900",
    }
    out["details"] = results
    return out


def measure(args) -> dict:
    repeat = 2 if args.quick else args.repeat
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    results: dict = {}
    if args.big:
        results["big_run_window"] = big = big_run_window()
        print(f"Big run in the window (5 alternatives x 30 years x 1M futures, Cash over time shown): "
              f"{big['run_seconds']:.1f} s; longest GUI stall {big['max_gap_during_run_ms']:.0f} ms during the "
              f"run, {big['max_gap_showing_results_ms']:.0f} ms putting the results on screen; "
              f"peak memory {big['peak_mb']:.0f} MB")
        return results

    launches = cold_launch(repeat)
    results["cold_launch_to_first_results_s"] = statistics.median(launches)
    print(f"Cold launch to first results: median {statistics.median(launches):.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in launches)})")

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("investsim-bench")
    app.setApplicationName("investsim-bench")
    from simulator.resources import folder as bundled

    from .chart_tab import CHART_TABS

    paths = sorted(bundled("scenarios").glob("*.toml"))
    tabs = ("value", "overview") if args.quick else ("overview",) + tuple(k for k, _, _ in CHART_TABS) + \
        ("drivers_of_uncertainty", "worth_finding_out", "value_sources")
    results["edit_to_picture_stages_ms"] = {}
    for tab in tabs:
        stages: dict = {}
        edits = edit_to_preview(app, paths, max(3, repeat), tab, stages)
        results[f"edit_to_preview_{tab}_ms"] = {k: 1000 * statistics.median(v) for k, v in edits.items()}
        print(f"Amount edit to updated preview, {tab} tab shown (median):")
        for name, v in edits.items():
            print(f"  {name:<36} {1000 * statistics.median(v):6.0f} ms   (runs: "
                  f"{', '.join(f'{1000 * x:.0f}' for x in v)})")
        flat = [m for per_file in stages.values() for m in per_file]
        if flat:   # where the time goes: the run and fan-out, waiting for the render thread, the picture
            med = {name: 1000 * statistics.median(m[name] for m in flat if name in m)
                   for name in ("results", "began", "picture") if any(name in m for m in flat)}
            results["edit_to_picture_stages_ms"][tab] = med
            print("  stages (median over all edits): " + ", ".join(
                f"{words} {med[name]:.0f} ms" for name, words in (("results", "results shown"),
                                                                   ("began", "picture begun"),
                                                                   ("picture", "picture on screen"))
                if name in med))

    rates = slider_chart_rate(app, paths)
    results["slider_value_chart"] = rates
    print("What-if slider dragged in the main window, Value chart shown (per second):")
    for name, r in rates.items():
        print(f"  {name:<36} {r['moves_per_s']:4.0f} moves -> {r['previews_per_s']:4.1f} previews, "
              f"{r['pictures_per_s']:4.1f} chart pictures")

    results["gui_stall_1M"] = []
    for tab in ("overview", "value", "drivers_of_uncertainty"):
        stall = gui_stall(app, tab=tab)
        results["gui_stall_1M"].append(stall)
        print(f"1M-future run with the {tab} tab shown: {stall['run_seconds']:.1f} s; longest GUI stall "
              f"{stall['max_gap_during_run_ms']:.0f} ms during the run, "
              f"{stall['max_gap_showing_results_ms']:.0f} ms putting the results on screen")
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(60_000)
    if not args.quick and not args.json:
        results.update(main(["--big"]))
    return results


if __name__ == "__main__":
    out = main()
    out = out.get("details", out)
    path = ROOT / "bench" / "out" / "ui.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=2))
    except OSError:
        pass
