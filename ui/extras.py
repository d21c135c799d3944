"""Menus that reach beyond editing: the guided set-up, exports, the workshop tools, About.

:func:`install` adds them to a :class:`~ui.main_window.MainWindow`'s menus and returns the
workshop parts it built, which the window keeps. Each tool is imported when first used, so
none of them costs start-up time. Long exports run in the window's export worker
(:mod:`ui.worker`) with a progress dialog and Cancel; a failed write says why and loses
nothing.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

REPORT_FILTER = "PDF document (*.pdf);;Web page (*.html);;Excel workbook (*.xlsx)"
CHART_FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
CSV_FILTER = "CSV file (*.csv)"


def run_with_progress(window, title: str, work: Callable, on_done: Callable[[str], None] | None = None) -> None:
    """Run ``work(progress, cancel)`` with the window's export worker
    (:attr:`MainWindow.exports`) and a modal progress dialog that can cancel it."""
    jobs = window.exports
    dialog = QProgressDialog(title, "Cancel", 0, 0, window)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(jobs.cancel)
    mine: dict[str, object] = {}
    connected: list[tuple[object, Callable]] = []

    def handler(fn: Callable) -> Callable:
        def call(*args) -> None:
            if jobs.current is mine.get("worker"):   # not an older export's news
                fn(*args)
        return call

    def progress(args) -> None:
        done, total = (int(a) for a in args)
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    def finish() -> None:
        for signal, slot in connected:
            with suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        dialog.reset()
        dialog.deleteLater()

    def done(message) -> None:
        finish()
        message = message or ""
        window.statusBar().showMessage(message, 8000)
        if on_done is not None:
            on_done(message)

    def failed(exc, details: str) -> None:
        finish()
        text = str(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}\n\n{details}"
        window.banner.show_message(f"{title} failed. Nothing was lost.", text.splitlines()[:8], "error")

    def cancelled() -> None:
        finish()
        window.statusBar().showMessage(f"{title}: cancelled; nothing was written.", 6000)

    for signal, fn in ((jobs.progress, progress), (jobs.result, done), (jobs.error, failed),
                       (jobs.cancelled, cancelled)):
        slot = handler(fn)
        signal.connect(slot)
        connected.append((signal, slot))
    mine["worker"] = jobs.request(lambda worker: work(worker.progress, worker.is_cancelled))


def refuse_while_hidden(window, what: str) -> bool:
    """True (and the user is told why, on the banner) when the results are hidden until a
    workshop reveal: no export, chart or break-even may show them before it."""
    state = getattr(window, "reveal_state", None)
    if state is None or not state.hidden:
        return False
    from .workshop.session import REVEAL_KEY

    window.banner.show_message(f"{what}: not while the results are hidden for the gut call",
                               [f"Nothing was written or shown. Reveal first (Workshop › Reveal, {REVEAL_KEY}), "
                                f"then {what.lower()} again."], "info")
    window.statusBar().showMessage(f"{what} is held back until the reveal.", 8000)
    return True


def _full_results(window):
    """The newest full results, or None with a message when there are none yet."""
    controller = window.controller
    if controller.latest is None or controller.latest_is_preview:
        QMessageBox.information(window, "Not ready yet", "The full simulation is still running; export again "
                                                         "when its results are on screen.")
        return None
    return controller.latest


def _ask_path(window, title: str, filters: str, suggested: str) -> Path | None:
    start = window.doc.path.parent if window.doc.path else Path.home()
    path, chosen = QFileDialog.getSaveFileName(window, title, str(start / suggested), filters)
    if not path:
        return None
    path = Path(path)
    if not path.suffix:
        ext = chosen.rsplit("*", 1)[-1].rstrip(")") if "*" in chosen else ""
        path = path.with_suffix(ext or ".pdf")
    return path


def _stem(window) -> str:
    """The base name for exported files: the scenario file's, else one made from the title."""
    if window.doc.path is not None:
        return window.doc.path.stem
    from .main_window import _file_name

    return Path(_file_name(window.doc.scenario.title)).stem


def export_report(window) -> None:
    if refuse_while_hidden(window, "Export report"):
        return
    results = _full_results(window)
    if results is None:
        return
    path = _ask_path(window, "Export report", REPORT_FILTER, f"{_stem(window)}.pdf")
    if path is None:
        return
    source = str(window.doc.path) if window.doc.path else None
    text = window.doc.file.text

    def work(progress, cancel):
        from .report import write_report

        pages = write_report(results, path, source_file=source, source_text=text, progress=progress, cancel=cancel)
        return f"Wrote {path}" + (f" ({pages} pages)" if isinstance(pages, int) and pages else "")

    run_with_progress(window, "Export report", work)


def export_samples(window) -> None:
    if refuse_while_hidden(window, "Export simulated data"):
        return
    results = _full_results(window)
    if results is None:
        return
    path = _ask_path(window, "Export simulated data", CSV_FILTER, f"{_stem(window)}-futures.csv")
    if path is None:
        return

    from .report import samples_note

    note = samples_note(results)  # a big run kept the yearly cash of its first futures only

    def work(progress, cancel):
        from .report import export_samples_csv

        export_samples_csv(results, path, progress=progress, cancel=cancel)
        return f"Wrote {path}"

    def done(message: str) -> None:
        window.banner.show_message(message, note, "info")

    run_with_progress(window, "Export simulated data", work, on_done=done if note else None)


def export_chart(window) -> None:
    if refuse_while_hidden(window, "Export chart"):
        return
    tab = window.tabs.currentWidget()
    figure = getattr(tab, "figure", None)
    if figure is None or not figure.axes:
        QMessageBox.information(window, "Export chart", "Choose a chart tab first (Value, Risk profile, ...).")
        return
    key = getattr(tab, "key", "chart")
    path = _ask_path(window, "Export chart", CHART_FILTER, f"{_stem(window)}-{key}.png")
    if path is None:
        return
    from .report import export_chart as write_chart

    try:
        write_chart(figure, path)
    except OSError as exc:
        window.banner.show_message("Export chart failed. Nothing was lost.", [str(exc)], "error")
        return
    window.statusBar().showMessage(f"Wrote {path}", 8000)


def run_until_precise(window, share: float | None = None, cap: int = 1_000_000) -> None:
    """Set the iterations so that every expected NPV's standard error is at most ``share`` of
    its spread (standard deviation), up to ``cap``; the change is one undoable edit and runs.

    The rule uses the plain Monte Carlo standard error, sd / sqrt(n), which over-states the
    error of Latin hypercube sampling: the iterations it asks for are enough.
    """
    import math
    from dataclasses import replace

    if share is None:
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getDouble(
            window, "Run until precise", "Precision wanted: standard error of each expected NPV,\n"
            "as a percentage of its spread (standard deviation):", 0.5, 0.1, 10.0, 2)
        if not ok:
            return
        share = value / 100.0
    needed = min(cap, max(1000, int(math.ceil(1.0 / share ** 2 / 1000.0)) * 1000))
    scenario = window.doc.scenario
    if needed == scenario.iterations:
        window.statusBar().showMessage(f"{needed:,} futures already give that precision.", 6000)
        return
    window.doc.propose(replace(scenario, iterations=needed), f"Run until precise ({needed:,} futures)")
    note = " (the cap)" if needed == cap else ""
    window.statusBar().showMessage(f"Simulating {needed:,} futures{note} for a standard error within "
                                   f"{share:.1%} of each spread.", 8000)


def find_break_even(window) -> None:
    if refuse_while_hidden(window, "Find the break-even"):
        return
    results = _full_results(window)
    if results is None:
        return
    if len(results.alternatives) < 2:
        QMessageBox.information(window, "Break-even", "A break-even needs two alternatives to compare.")
        return

    answer: dict[str, str] = {}

    def work(progress, cancel):
        from simulator.analysis.insights import break_even

        found = break_even(results)
        answer["text"] = found.sentence if found is not None else "No uncertain input to search over."
        return "Break-even found"

    def show(_message: str) -> None:
        window.banner.show_message("Break-even", [answer.get("text", "")], "info")

    run_with_progress(window, "Finding the break-even", work, on_done=show)


def new_from_guide(window) -> None:
    if not window.maybe_save("start a new scenario"):
        return
    from .wizard import run_new_from_guide

    scenario = run_new_from_guide(window)
    if scenario is not None:
        from simulator.model.scenario import ScenarioFile
        from simulator.workshop.templates import guided_text

        window.set_document(scenario, ScenarioFile(text=guided_text(scenario)), origin="the guided set-up")


def open_teams(window) -> QWidget:
    """The Teams window (the one already open is raised); teams are added in it, from files or
    from the scenario open in the main window."""
    existing = window.tool_windows.get("teams") if hasattr(window, "tool_windows") else None
    try:
        if existing is not None and existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return existing
    except RuntimeError:   # closed and deleted
        pass
    from .workshop.teams import open_teams as _open

    return _open([], window)


def open_calibration(window) -> QWidget:
    from .workshop.calibration import open_calibration as _open

    return _open(window)


def show_about(window) -> None:
    from .about import show_about as _show

    _show(window)


def open_log_folder(window) -> None:
    """Show the folder of investsim.log in the file manager."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from .logs import log_folder

    folder = log_folder()
    if folder is not None:
        with suppress(OSError):   # a folder that cannot be made is reported below
            folder.mkdir(parents=True, exist_ok=True)
    if folder is None or not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        where = f"it is {folder}" if folder else "this system has no data folder for it"
        window.statusBar().showMessage(f"Could not open the log folder; {where}.", 10000)


@dataclass
class Workshop:
    """The workshop parts :func:`install` builds for a window; the window keeps them."""

    menu: QMenu
    presentation: object
    whatif: object
    whatif_dock: QDockWidget
    gut_panel: object
    gut_dock: QDockWidget


def install(window) -> Workshop:
    """Add File -> New from guide and Export, the Workshop menu and Help -> About and
    Open log folder to the window's menus; return the workshop parts built on the way, which
    the window keeps (:class:`~ui.main_window.MainWindow` composes them)."""
    mb = window.menuBar()
    menus = {m.title().replace("&", ""): m for m in (a.menu() for a in mb.actions()) if m is not None}
    file_menu = menus.get("File")
    if file_menu is not None:
        guide = window._action("New from &guide…", lambda: new_from_guide(window), "Ctrl+Shift+N",
                               "Build a new scenario by answering business questions.")
        file_menu.insertAction(file_menu.actions()[1], guide)
        export = file_menu.addMenu("&Export")
        file_menu.insertMenu(window.act_quit, export)
        export.addAction(window._action("&Report (PDF, HTML, Excel)…", lambda: export_report(window), "Ctrl+P",
                                        "Write the business case for the board: summary, charts, assumptions."))
        export.addAction(window._action("&Chart…", lambda: export_chart(window), None,
                                        "Save the chart on screen as PNG, SVG or PDF."))
        export.addAction(window._action("Simulated &data (CSV)…", lambda: export_samples(window), None,
                                        "Every simulated future's NPV, yearly cash and input draws, for checking elsewhere."))
        file_menu.insertSeparator(window.act_quit)

    sim_menu = menus.get("Simulate")
    if sim_menu is not None:
        sim_menu.addSeparator()
        sim_menu.addAction(window._action("Run until &precise…", lambda: run_until_precise(window), None,
                                          "Simulate as many futures as it takes for every expected NPV to be "
                                          "known within a share of its spread you choose."))
        sim_menu.addAction(window._action("Find the &break-even", lambda: find_break_even(window), None,
                                          "The value of the most influential input at which the two leading "
                                          "alternatives are worth the same (re-simulates with the same random "
                                          "numbers)."))

    workshop = mb.addMenu("&Workshop")
    help_action = next((a for a in mb.actions() if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        mb.insertMenu(help_action, workshop)
    from .workshop.session import RoomActions, install_room_keys

    room = window.room_actions = RoomActions(window)   # the session: timer, save/open, new workshop
    room.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
    presentation, whatif, whatif_dock = _install_presentation(window, workshop)
    gut_panel, gut_dock = _install_gut_call(window, workshop)
    presentation.reveal_state = window.reveal_state    # presentation mode obeys the reveal
    presentation.gut_panel = gut_panel

    def results_hidden(hidden: bool) -> None:
        if hasattr(whatif, "set_results_hidden"):     # the what-if panel's before/after (contract)
            whatif.set_results_hidden(hidden)
        if hidden and not window.banner.isHidden() and window.banner.headline.text() == "Break-even":
            window.banner.dismiss()                   # a break-even found earlier names a result

    window.reveal_state.changed.connect(results_hidden)
    results_hidden(window.reveal_state.hidden)
    keys = window.room_keys = install_room_keys(window, room)
    keys.actions["gutCall"].setText("&Gut call first")
    keys.actions["gutCall"].setToolTip("Hide the results while each team records its choice and how sure it "
                                       f"is; then reveal ({keys.actions['gutCall'].shortcut().toString()}).")
    keys.actions["reveal"].setText("&Reveal")
    keys.actions["teams"].setText("&Teams side by side…")
    keys.actions["teams"].setToolTip("Open several teams' versions of the scenario: each verdict, where they "
                                     "differ, and the disagreement that matters.")
    keys.actions["timer"].setText("Ti&mer…")
    for name in ("gutCall", "reveal", "teams", "timer"):
        workshop.addAction(keys.actions[name])
    workshop.addAction(window._action("&Calibration trainer…",
                                      lambda: window.keep_tool("calibration", open_calibration(window)), None,
                                      "Practise giving 90% ranges: rounds of questions, scores and a leaderboard."))
    workshop.addSeparator()
    for name in ("blank", "zoomIn", "zoomOut", "zoomReset"):
        workshop.addAction(keys.actions[name])
    workshop.addSeparator()
    workshop.addAction(window._action("&Save session…", room.save_session, None,
                                      "Save the gut calls, the teams' comparison and the calibration scores to a "
                                      "file, to pick up later or keep."))
    workshop.addAction(window._action("&Open session…", room.open_session, None,
                                      "Put a saved session back: calls, teams, calibration scores."))
    workshop.addAction(window._action("E&xport session…", room.export_session, None,
                                      "A readable summary of the session (Markdown) for the participants."))
    workshop.addAction(window._action("&New workshop…", room.new_workshop, None,
                                      "Clear the calls, the teams' comparison and the scores of the last workshop."))

    help_menu = menus.get("Help")
    if help_menu is not None:
        help_menu.clear()
        help_menu.addAction(window._action("&About investsim", lambda: show_about(window), None,
                                           "The version and the licences of the parts inside."))
        help_menu.addAction(window._action("Open &log folder", lambda: open_log_folder(window), None,
                                           "Show the folder with investsim's log file, to send with a report "
                                           "of a problem."))
    return Workshop(workshop, presentation, whatif, whatif_dock, gut_panel, gut_dock)


def _install_gut_call(window, menu):
    """The gut-call panel in a (hidden) dock and its menu action: (panel, dock)."""
    from .workshop.gutcall import GutCallPanel

    panel = GutCallPanel(window.reveal_state)
    dock = QDockWidget("Gut call first", window)
    dock.setObjectName("gutCallDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    window.controller.resultsReady.connect(panel.set_results)
    window.doc.reset.connect(lambda s: panel.new_scenario([a.name for a in s.alternatives]))
    window.doc.changed.connect(lambda s, _sel: panel.set_alternatives([a.name for a in s.alternatives]))

    def start() -> None:
        dock.show()
        dock.raise_()
        panel.new_round([a.name for a in window.doc.scenario.alternatives])
        if window.controller.latest is not None and not window.controller.latest_is_preview:
            panel.set_results(window.controller.latest)

    window.start_gut_call = start   # Workshop › Gut call first and its key, in every window
    return panel, dock


def _install_presentation(window, menu):
    """F5 presentation mode (also on a toolbar button) and the what-if panel as a dock:
    (presentation, what-if panel, its dock)."""
    from PySide6.QtGui import QKeySequence

    from .palette import colors_for
    from .workshop.presentation import PresentationMode
    from .workshop.whatif import WhatIfPanel

    presentation = PresentationMode(window.doc, window.controller, window)
    window.addAction(presentation.action)
    menu.addAction(presentation.action)
    toolbar = window.addToolBar("Workshop")
    toolbar.setObjectName("workshopToolbar")
    toolbar.addAction(presentation.action)

    whatif = WhatIfPanel(window.doc, window.controller)
    dock = QDockWidget("What if", window)
    dock.setObjectName("whatIfDock")
    dock.setWidget(whatif)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setText("&What-if panel")
    toggle.setShortcut(QKeySequence("Ctrl+Shift+W"))
    toggle.setToolTip("Sliders that shift the inputs that matter most; the charts follow as you drag.")
    window.addAction(toggle)
    menu.addAction(toggle)
    toolbar.addAction(toggle)

    def on_preview(results) -> None:
        colors = colors_for(results.names)
        window.overview.set_results(results, True, colors)
        for tab in window.chart_tabs.values():
            tab.set_results(results, colors)
        window.run_label.setText(f"What-if preview from {results.iterations:,} futures; let go of the slider to "
                                 "keep it")

    whatif.previewReady.connect(on_preview)
    # The next position is simulated while the chart makes the picture of this one (two cores),
    # but not while a picture waits behind it: at most one preview ahead of the chart.
    whatif.runner.wait_for(lambda: any(tab.backlogged for tab in window.chart_tabs.values()))
    window.chartPictureBegun.connect(whatif.runner.view_done)
    window.chartDrawn.connect(whatif.runner.view_done)
    return presentation, whatif, dock
