"""``investsim gui [FILE] [--screenshot OUT.png] [--tab NAME] [--size WxH]``.

The window shows first; the scenario is read and simulated right after, so the first
results appear without a click. With ``--screenshot`` the app waits for the full run to be
drawn, saves a picture of the window at exactly ``--size`` and exits (works with
``QT_QPA_PLATFORM=offscreen``).

At start the app opens its log file (:mod:`ui.logs`) and, when someone can answer (not with
``--screenshot``, not on the offscreen or minimal platform), offers to restore the autosaved
copies a crashed or killed investsim left behind (:mod:`ui.autosave`) before it opens a file.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: Longest wait for the full run in screenshot mode.
SCREENSHOT_TIMEOUT_S = 180


def parse_size(text: str | None) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", text or "")
    if not m:
        raise ValueError(f"--size must look like 1400x900, not {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise ValueError(f"--size {w}x{h} is out of range (320x240 to 10000x10000)")
    return w, h


def _app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("investsim")
    app.setApplicationName("investsim")
    app.setApplicationDisplayName("investsim")
    app.setDesktopFileName("investsim")
    from .about import app_icon

    icon = app_icon()
    if icon is not None and not icon.isNull():
        app.setWindowIcon(icon)
    return app


def can_ask() -> bool:
    """Whether someone can answer a question at start-up (not on the offscreen or minimal
    platform)."""
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.platformName() not in ("offscreen", "minimal")


#: Tabs that exist only once a file that has them is open (``--tab`` is checked after opening).
LATE_TABS = frozenset({"portfolio"})


def main(args) -> int:
    """Run the desktop app (``args`` from ``investsim gui``: file, screenshot, tab, size)."""
    started = time.perf_counter()
    screenshot = getattr(args, "screenshot", None)
    tab = getattr(args, "tab", None)
    try:
        size = parse_size(getattr(args, "size", None) or "1400x900")
    except ValueError as exc:
        print(f"investsim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    app = _app()
    from PySide6.QtCore import QTimer

    from . import logs

    logs.setup()
    logs.log.info("investsim started (pid %d)", os.getpid())
    interactive = not screenshot and can_ask()

    from simulator.bundled import default_scenario
    from simulator.model.errors import ScenarioError
    from simulator.model.scenario import ScenarioFile, read

    from .main_window import MainWindow

    window = MainWindow(persist=not screenshot, eager_charts=bool(screenshot))
    if tab and not window.select_tab(tab) and tab.strip().lower() not in LATE_TABS:
        print(f"investsim: --tab must be one of {', '.join(window.tab_names())}, not {tab!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if screenshot:
        window.resize(*size)
    window.show()

    state = {"code": EXIT_OK}
    file = getattr(args, "file", None)

    def open_example() -> None:
        try:
            example, example_file = read(default_scenario())
        except ScenarioError as exc:  # a broken installation: say so, simulate the blank scenario
            window.banner.show_message("The bundled example could not be read", [p.line() for p in exc.problems])
            window.rerun()
            return
        window.set_document(example, ScenarioFile(text=example_file.text), origin=example.title)   # an untitled copy

    def open_initial() -> None:
        if interactive and window.offer_recovery():
            return
        if not file:
            open_example()
            return
        try:
            scenario, scenario_file = read(file)
        except ScenarioError as exc:
            if screenshot:
                print(exc.describe(), file=sys.stderr)
                state["code"] = EXIT_BAD_INPUT
                app.quit()
                return
            open_example()
            window.show_load_error(f"Could not open {Path(file).name}; showing the bundled example instead.",
                                   exc)
            return
        window.set_document(scenario, scenario_file)
        if tab:   # a tab that comes with the file (Portfolio) exists only now
            window.select_tab(tab)
        if window.persist:
            from .settings import add_recent

            add_recent(file)

    if screenshot:
        out = Path(screenshot)

        def render_then_shoot() -> None:
            view = window.tabs.currentWidget()
            if view is window.portfolio_view and (view.result is None or view.canvas is None or view.canvas.busy):
                QTimer.singleShot(100, window, render_then_shoot)   # its own solve and picture come after the run
                return
            chart = window.current_chart()
            if chart is not None:
                chart.redraw(now=True)   # render the chart itself, not just ask for it
            QTimer.singleShot(0, window, shoot)   # let the window lay out and paint first

        def shoot() -> None:
            pixmap = window.grab()
            if pixmap.width() != size[0] or pixmap.height() != size[1]:
                print(f"investsim: the window came out {pixmap.width()}x{pixmap.height()}, not "
                      f"{size[0]}x{size[1]}", file=sys.stderr)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass
            if not pixmap.save(str(out), "PNG"):
                print(f"investsim: could not write {out}", file=sys.stderr)
                state["code"] = EXIT_INTERNAL
            else:
                print(f"Saved {out} ({pixmap.width()}x{pixmap.height()}) after "
                      f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
            window.close()
            app.quit()

        def failed(_text: str) -> None:
            state["code"] = EXIT_BAD_INPUT
            print(f"investsim: {_text}", file=sys.stderr)
            QTimer.singleShot(0, window, render_then_shoot)

        window.fullResultsShown.connect(lambda: QTimer.singleShot(0, window, render_then_shoot))
        window.runFailed.connect(failed)

        def timeout() -> None:
            print("investsim: the simulation did not finish in time; no screenshot", file=sys.stderr)
            state["code"] = EXIT_INTERNAL
            window.close()
            app.quit()

        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, window, timeout)

    QTimer.singleShot(0, window, open_initial)
    code = app.exec()
    window.controller.shutdown()
    return state["code"] if screenshot else code
