"""The main window: outline and inspector on the left, results on the right.

The window wires the document (the model), the simulation controller (the worker) and the
views; it holds no scenario data of its own.
"""

from __future__ import annotations

import errno
import logging
import secrets
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QRegularExpression, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (QFileDialog, QLabel, QLineEdit, QMainWindow, QMessageBox,
                               QProgressBar, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from simulator.model.errors import ScenarioError
from simulator.model.scenario import MAX_ITERATIONS, MIN_ITERATIONS, Scenario, ScenarioFile, cautions, migration_message, read

from ui import autosave
from simulator.workshop import edits
from .banner import Banner
from .chart_tab import CHART_TABS, ChartTab, chart_specs, preload
from .document import Document
from .edit_actions import EditActions
from .inspector import Inspector, plain_words
from .outline import Outline
from .overview import OverviewPage
from .palette import colors_for
from .runner import SimulationController
from .worker import LatestWins

FILE_FILTER = "Scenario files (*.toml);;All files (*)"

log = logging.getLogger("investsim.window")


def bundled_scenarios() -> list[tuple[str, Path]]:
    """(title, path) of every bundled scenario, for File > New from example."""
    import tomllib

    from simulator.resources import folder as bundled

    out = []
    for path in sorted(bundled("scenarios").glob("*.toml")):
        try:
            title = tomllib.loads(path.read_text(encoding="utf-8")).get("title") or path.stem
        except (OSError, ValueError):
            title = path.stem
        out.append((str(title), path))
    return out



def show_figures_for(scenario: Scenario) -> None:
    """Every figure the app draws from now on is written in ``scenario``'s locale (this
    computer's when the file names none) and names its inputs by their labels."""
    from PySide6.QtCore import QLocale

    from simulator.analysis import formatting

    formatting.set_default_scenario(replace(scenario, locale=scenario.locale or QLocale.system().name()))

class MainWindow(QMainWindow):
    """investsim's window.

    ``persist=False`` keeps it away from QSettings and the autosave folder (screenshots,
    demos); ``autosave_ms`` is how often unsaved changes are autosaved (default
    :data:`ui.autosave.INTERVAL_MS`); ``eager_charts`` imports the chart code up front
    (screenshots of any chart tab). A scenario given here is
    shown but not yet simulated: :meth:`set_document` / :meth:`open_path` show and simulate,
    :meth:`rerun` simulates what is shown.
    """

    #: Results are on screen (the overview; the visible chart's picture follows with
    #: :attr:`chartDrawn`): True for a preview.
    resultsShown = Signal(bool)
    #: A chart tab put a new picture on screen (its finding).
    chartDrawn = Signal(str)
    #: A chart tab's newest picture began to be made (nothing of it waits any more).
    chartPictureBegun = Signal()
    #: The full run's results are on screen.
    fullResultsShown = Signal()
    #: The run failed, with the banner text.
    runFailed = Signal(str)

    def __init__(self, scenario: Scenario | None = None, path: str | Path | None = None, *,
                 persist: bool = True, eager_charts: bool = False, pool: QThreadPool | None = None,
                 autosave_ms: int | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.persist = persist
        self.setAcceptDrops(True)
        self.doc = Document(scenario or edits.blank_scenario(), path, self)
        self.controller = SimulationController(self, pool=pool)
        # The run starts before any view follows the edit (outline, inspector, panels): those
        # are updated while the preview is simulated.
        self.doc.changed.connect(self._request_run)
        self.actions_ = EditActions(self.doc, self._current_key, self)
        self._immediate = True
        self._preloaded = False
        self._results = None
        self._banner_source = ""
        self._confirm_overwrite: Path | None = None   # a restored autosave's file: ask before writing
        self.autosaver = autosave.Autosaver(self.doc, autosave.autosave_folder() if persist else None,
                                            autosave_ms or autosave.INTERVAL_MS, self)

        # -- views ---------------------------------------------------------------------
        self.outline = Outline(self.actions_)
        self.inspector = Inspector(self.doc, self.actions_)
        left = QSplitter(Qt.Orientation.Vertical)
        left.setObjectName("leftSplitter")
        left.addWidget(self.outline)
        left.addWidget(self.inspector)
        left.setStretchFactor(0, 2)
        left.setStretchFactor(1, 3)
        left.setSizes([300, 520])
        self.banner = Banner()
        from .view_selector import ViewTabs

        self.tabs = ViewTabs()   # every view's name shown at once (rows as needed), not a scrolling tab bar
        self.tabs.setObjectName("resultTabs")
        self.tabs.setDocumentMode(True)
        self.overview = OverviewPage()
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.setTabToolTip(0, "The key figures of every alternative and the verdict, in words.")
        self.chart_tabs: dict[str, ChartTab] = {}
        for key, title, tip in CHART_TABS:
            tab = self._new_chart_tab(key, title)
            index = self.tabs.addTab(tab, title)
            self.tabs.setTabToolTip(index, tip)
        # Background work besides the simulation: the chart code's import after the first
        # results, and exports (one at a time; a written file is reported even if Cancel came late).
        self.preloader = LatestWins(self, pool=pool, name="chartPreload")
        self.preloader.result.connect(self.sync_chart_tabs)
        self.exports = LatestWins(self, pool=pool, result_after_cancel=True, name="export")
        from .excel_import import ExcelImporter

        self.excel_importer = ExcelImporter(self, pool)   # File → Import from Excel… (reads in a worker)
        self.tool_windows: dict[str, QWidget] = {}   # teams, calibration: kept while open
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 0)
        rl.setSpacing(6)
        rl.addWidget(self.banner)
        from .workshop.gutcall import ResultsCurtain, RevealState

        self.reveal_state = RevealState(self)   # results can be hidden until a workshop reveal
        rl.addWidget(ResultsCurtain(self.tabs.with_selector(), self.reveal_state), 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("mainSplitter")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([430, 970])
        split.setChildrenCollapsible(False)
        self._editor_width_set = False   # the editor's width follows the window's until the user drags
        self.splitter = split
        self.left_splitter = left
        split.splitterMoved.connect(lambda *_: setattr(self, "_editor_width_set", True))
        self.setCentralWidget(split)

        self._build_status_bar()
        self._build_menus()
        from . import extras

        workshop = extras.install(self)   # menus, and the workshop parts this window keeps
        self.workshop_menu = workshop.menu
        self.presentation = workshop.presentation
        self.whatif = workshop.whatif
        self.whatif_dock = workshop.whatif_dock
        self.gut_panel = workshop.gut_panel
        self.gut_dock = workshop.gut_dock
        self._add_clicker_keys()   # PageUp/PageDown step the result tabs, as a presenter's clicker does
        from .portfolio_view import install as install_portfolio

        self.portfolio_view = install_portfolio(self)   # a tab while the scenario has a [portfolio] table
        if eager_charts:
            self.sync_chart_tabs()

        # -- wiring --------------------------------------------------------------------
        self.doc.changed.connect(self._on_changed)
        self.doc.reset.connect(self._on_reset)
        self.doc.titleChanged.connect(self._update_title)
        self.outline.selected.connect(self._on_selected)
        self.actions_.message.connect(self._show_status)
        self.autosaver.failed.connect(self._show_status)
        self.controller.started.connect(self._on_run_started)
        self.controller.progressed.connect(self._on_progress)
        self.controller.resultsReady.connect(self._on_results)
        self.controller.failed.connect(self._on_failed)
        self.controller.cancelled.connect(self._on_cancelled)
        self.controller.finished.connect(self._on_run_finished)

        self.resize(1400, 900)
        if persist:
            self._restore_state()
        self._show_scenario(self.doc.scenario, ("settings",))
        self._update_title()

    # -- layout pieces -------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.run_label = QLabel("Ready")
        self.run_label.setObjectName("runLabel")
        sb.addWidget(self.run_label, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setFixedWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        sb.addPermanentWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelRun")
        self.cancel_button.setToolTip("Stop the simulation that is running (Shift+F5). The last results stay.")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_run)
        sb.addPermanentWidget(self.cancel_button)
        sb.addPermanentWidget(QLabel("  Futures:"))
        self.iterations = QSpinBox()
        self.iterations.setObjectName("iterations")
        self.iterations.setRange(MIN_ITERATIONS, MAX_ITERATIONS)
        self.iterations.setSingleStep(5000)
        self.iterations.setGroupSeparatorShown(True)
        self.iterations.setKeyboardTracking(False)
        self.iterations.setToolTip("How many possible futures to simulate. More is smoother and slower.")
        self.iterations.valueChanged.connect(self._iterations_changed)
        sb.addPermanentWidget(self.iterations)
        sb.addPermanentWidget(QLabel("  Seed:"))
        self.seed = QLineEdit()
        self.seed.setObjectName("seed")
        self.seed.setFixedWidth(110)
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,18}")))
        self.seed.setToolTip("The starting point of the random numbers: the same seed always gives the same "
                             "results.")
        self.seed.editingFinished.connect(self._seed_edited)
        self.seed.setAcceptDrops(False)   # a dropped file goes to the window (opens it)
        sb.addPermanentWidget(self.seed)
        self.new_seed_button = QPushButton("New seed")
        self.new_seed_button.setObjectName("newSeed")
        self.new_seed_button.setToolTip("Run again with other random numbers, to see how much of a difference is "
                                        "just noise (F6).")
        self.new_seed_button.clicked.connect(self.new_seed)
        sb.addPermanentWidget(self.new_seed_button)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) if isinstance(s, str) else s for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        self.act_new = self._action("&New", self.new_blank, QKeySequence.StandardKey.New,
                                    "Start a new scenario from a small template.")
        file.addAction(self.act_new)
        examples = file.addMenu("New from &example")
        for title, path in bundled_scenarios():
            examples.addAction(title, lambda p=path: self.new_from_bundled(p))
        self.act_open = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                     "Open a scenario file (.toml).")
        file.addAction(self.act_open)
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.act_import_excel = self._action("&Import from Excel…", lambda: self.excel_importer.dialog(), None,
                                             "Open a business case from an Excel workbook (.xlsx) as a new, "
                                             "unsaved scenario.")
        file.addAction(self.act_import_excel)
        file.addSeparator()
        self.act_save = self._action("&Save", self.save, QKeySequence.StandardKey.Save, "Save the scenario.")
        self.act_save_as = self._action("Save &as…", self.save_as, "Ctrl+Shift+S",
                                        "Save the scenario under a new name.")
        self.act_revert = self._action("Re&vert", self.revert, None, "Throw away unsaved changes and reload the "
                                                                     "file.")
        file.addAction(self.act_save)
        file.addAction(self.act_save_as)
        file.addAction(self.act_revert)
        file.addSeparator()
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        file.addAction(self.act_quit)

        edit = mb.addMenu("&Edit")
        self.act_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        edit.addAction(self.act_undo)
        edit.addAction(self.act_redo)
        edit.addSeparator()
        a = self.actions_
        edit.addAction(a.add_alternative)
        edit.addAction(a.add_do_nothing)
        for action in a.add_items.values():
            edit.addAction(action)
        edit.addAction(a.add_variable)
        edit.addAction(a.add_correlation)
        edit.addSeparator()
        for action in (a.duplicate, a.remove, a.move_up, a.move_down):
            edit.addAction(action)
        for action in (a.add_alternative, a.duplicate, a.move_up, a.move_down, *a.add_items.values()):
            self.addAction(action)

        sim = mb.addMenu("&Simulate")
        self.act_rerun = self._action("&Run again", self.rerun, "Ctrl+R", "Simulate the scenario again.")
        self.act_cancel = self._action("&Stop", self.cancel_run, "Shift+F5", "Stop the simulation that is running.")
        self.act_new_seed = self._action("New &seed", self.new_seed, "F6",
                                         "Simulate again with other random numbers.")
        for action in (self.act_rerun, self.act_cancel, self.act_new_seed):
            sim.addAction(action)

        self.view_menu = mb.addMenu("&View")
        self._view_actions: list[QAction] = []
        self.act_editor = QAction("Show the &editor", self)
        self.act_editor.setCheckable(True)
        self.act_editor.setChecked(True)
        self.act_editor.setShortcut(QKeySequence("Ctrl+E"))
        self.act_editor.setToolTip("Show or hide the outline and inspector, e.g. to give the charts the whole "
                                   "screen on a projector.")
        self.act_editor.toggled.connect(self.left_splitter.setVisible)
        self.addAction(self.act_editor)
        self._fill_view_menu()
        help_ = mb.addMenu("&Help")
        help_.addAction(self._action("&About investsim", self._about))

    def _fill_view_menu(self) -> None:
        for action in self._view_actions:
            self.removeAction(action)
            action.deleteLater()
        self.view_menu.clear()
        self._view_actions = []
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            action = self._action(self.tabs.tabText(i), lambda w=widget: self.tabs.setCurrentWidget(w),
                                  f"Ctrl+{i + 1}" if i < 9 else None, self.tabs.tabToolTip(i))
            self.view_menu.addAction(action)
            self._view_actions.append(action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.act_editor)

    # -- the document ----------------------------------------------------------------
    def _current_key(self):
        return self.outline.current_key()

    def _colors(self, scenario: Scenario) -> dict[str, str]:
        return colors_for([a.name for a in scenario.alternatives])

    def _show_scenario(self, scenario: Scenario, select) -> None:
        self.outline.set_scenario(scenario, self._colors(scenario), select)
        self.inspector.show_key(self.outline.current_key() or ("settings",))
        self.actions_.update_enabled(self.outline.current_key())
        self.iterations.blockSignals(True)
        self.iterations.setValue(scenario.iterations)
        self.iterations.blockSignals(False)
        if self.seed.text() != str(scenario.seed):
            self.seed.setText(str(scenario.seed))

    def _request_run(self, scenario: Scenario, _select=None) -> None:
        show_figures_for(scenario)
        immediate, self._immediate = self._immediate, False
        self.controller.request(scenario, immediate=immediate)

    def _on_changed(self, scenario: Scenario, select) -> None:
        self._show_cautions(scenario)
        self._show_scenario(scenario, select)
        self._update_title()

    def caution_lines(self, scenario: Scenario) -> list[str]:
        """The scenario's cautions (unusual but allowed inputs), one line each, in the words
        of the screen: "settings, 'Discount rate': 35.0% a year is far above ..."."""
        lines = []
        for c in cautions(scenario):
            field = c.path.rsplit(".", 1)[-1]
            lines.append(f"{edits.describe_path(scenario, c.path)}, {plain_words(field)}: {plain_words(c.message)}")
        return lines

    def _show_cautions(self, scenario: Scenario) -> None:
        """Say what is unusual in the scenario (never silently); an error on the banner wins."""
        if self._banner_source in ("load", "engine", "save", "migration") and not self.banner.isHidden():
            return
        lines = self.caution_lines(scenario)
        if lines:
            self._banner_source = "cautions"
            self.banner.show_message(
                "Unusual input: the results are computed, but check that it is meant" if len(lines) == 1 else
                f"{len(lines)} unusual inputs: the results are computed, but check that they are meant",
                lines, "warning")
        elif self._banner_source == "cautions" and "unusual input" in self.banner.headline.text().lower():
            self.banner.dismiss()
            self._banner_source = ""

    def _on_reset(self, scenario: Scenario) -> None:
        """Another scenario: nothing of the old one's results stays on screen."""
        self._immediate = True
        self._results = None
        self.overview.clear(f"Simulating “{scenario.title}”…")
        for tab in self.chart_tabs.values():
            tab.clear()

    def _on_selected(self, key) -> None:
        self.inspector.show_key(key)
        self.actions_.update_enabled(key)

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _update_title(self) -> None:
        doc = self.doc
        name = doc.display_name()
        if doc.path is None and doc.origin:
            name = "example, not saved yet"
        self.setWindowTitle(f"{doc.scenario.title} — {name}[*] — investsim")
        self.setWindowModified(doc.modified)

    # -- running -----------------------------------------------------------------------
    def _iterations_changed(self, value: int) -> None:
        new = edits.set_field(self.doc.scenario, ("settings",), "iterations", int(value))
        self.doc.propose(new, "Change simulated futures", merge_key="settings:iterations")

    def _seed_edited(self) -> None:
        text = self.seed.text().strip()
        if not text or int(text) == self.doc.scenario.seed:
            return
        new = edits.set_field(self.doc.scenario, ("settings",), "seed", int(text))
        self.doc.propose(new, "Change seed")

    def new_seed(self) -> None:
        seed = secrets.randbelow(2 ** 31 - 1) + 1
        new = edits.set_field(self.doc.scenario, ("settings",), "seed", seed)
        self.doc.propose(new, "New seed")

    def rerun(self) -> None:
        self.controller.request(self.doc.scenario, immediate=True)

    def cancel_run(self) -> None:
        self.controller.cancel()

    def _on_run_started(self, iterations: int, preview: bool) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.run_label.setText(f"Simulating {iterations:,} futures…")
        if self._results is None:
            self.overview.set_waiting(f"Simulating {iterations:,} futures…")

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.run_label.setText(f"Simulating… {done:,} of {total:,} futures")

    def _new_chart_tab(self, key: str, title: str) -> ChartTab:
        tab = ChartTab(key, title)
        self.chart_tabs[key] = tab
        tab.drawn.connect(self.chartDrawn)
        tab.pictureBegun.connect(self.chartPictureBegun)
        tab.pilotWanted.connect(self.actions_.do_add_pilot)   # "Add a pilot to find out …"
        # A preview's picture on screen lets the full run start (see SimulationController).
        tab.drawn.connect(lambda _finding: self.controller.release_full_run())
        return tab

    def _on_results(self, results, preview: bool) -> None:
        self._results = results
        show_figures_for(results.scenario)
        if self._banner_source == "engine":
            self.banner.dismiss()
            self._banner_source = ""
            self._show_cautions(self.doc.scenario)
        colors = colors_for(results.names)
        self.overview.set_results(results, preview, colors)
        for tab in self.chart_tabs.values():
            tab.set_results(results, colors)
        if preview and not any(tab.busy for tab in self.chart_tabs.values()):
            self.controller.release_full_run()   # else when the chart's picture is on screen
        if preview:
            self.run_label.setText(f"Preview from {results.iterations:,} futures; the full run follows…")
        else:
            self.run_label.setText(f"{results.iterations:,} futures in {results.elapsed_seconds:.1f} s, "
                                   f"seed {results.seed}")
        self.resultsShown.emit(preview)
        if not preview:
            self.fullResultsShown.emit()
        if not self._preloaded:
            self._preloaded = True
            self.preloader.request(lambda _worker: preload())

    def _on_failed(self, exc, details: str) -> None:
        if isinstance(exc, ScenarioError):
            headline = "The scenario cannot be simulated as it is"
            scenario = self.doc.scenario
            lines = [f"{edits.describe_path(scenario, p.path)}: {plain_words(p.message)}" for p in exc.problems]
            log.warning("%s: %s", headline, "; ".join(lines))
        else:
            headline = "The simulation stopped because of an internal error"
            lines = [f"{type(exc).__name__}: {exc}",
                     "Please report this with the scenario file and the log (Help > Open log folder)."]
            log.error("%s\n%s", headline, details or f"{type(exc).__name__}: {exc}")
        self._banner_source = "engine"
        self.banner.show_message(headline, lines, "error")
        self.run_label.setText("The simulation did not finish; see the message above the results.")
        self.runFailed.emit(self.banner.text())

    def _on_cancelled(self) -> None:
        self.run_label.setText("Stopped. The results shown are from the last finished run.")
        self.overview.mark_stopped()

    def _on_run_finished(self) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(False)

    def _add_clicker_keys(self) -> None:
        def step(by: int) -> None:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + by) % max(1, self.tabs.count()))

        self.act_next_view = self._action("Next view", lambda: step(1), "PgDown", "The next result tab (clicker).")
        self.act_previous_view = self._action("Previous view", lambda: step(-1), "PgUp",
                                              "The previous result tab (clicker).")

    def keep_tool(self, name: str, window: QWidget | None) -> QWidget | None:
        """Keep a workshop tool window (teams, calibration) while it is open."""
        if window is not None:
            self.tool_windows[name] = window
        return window

    def resizeEvent(self, event) -> None:
        """On a small screen (a projector's 1024x768) the editor gets less of the width, so the
        charts keep room for their words: 430 px from 1400 px up, down to 300 px at 1024."""
        super().resizeEvent(event)
        if not self._editor_width_set:
            width = event.size().width()
            left = int(min(430, max(300, 300 + (width - 1024) * 130 / 376)))
            self.splitter.setSizes([left, max(width - left, 1)])

    # -- tabs, for --tab and the View menu ------------------------------------------
    def tab_names(self) -> list[str]:
        return ["overview"] + list(self.chart_tabs)

    def select_tab(self, name: str) -> bool:
        wanted = name.strip().lower().replace("-", "_").replace(" ", "_")
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            key = "overview" if widget is self.overview else widget.key
            title = self.tabs.tabText(i).lower().replace(" ", "_").replace("-", "_")
            if wanted in (key, title):
                self.tabs.setCurrentIndex(i)
                return True
        return False

    def current_chart(self) -> ChartTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ChartTab) else None

    def sync_chart_tabs(self) -> None:
        """Make the chart tabs match ``ui.charts.CHARTS`` (titles, tooltips, new charts), once
        the chart code is imported. The window starts with the tabs it knows without importing
        matplotlib (:data:`CHART_TABS`), so it shows sooner."""
        try:
            specs = chart_specs()
        except Exception:   # the tabs say why when shown
            return
        current = self.tabs.currentWidget()
        for n, (key, spec) in enumerate(specs.items(), start=1):
            tab = self.chart_tabs.get(key)
            if tab is None:
                tab = self._new_chart_tab(key, spec.title)
                if self._results is not None:
                    tab.set_results(self._results, colors_for(self._results.names))
            index = self.tabs.indexOf(tab)
            if index != n:
                if index >= 0:
                    self.tabs.removeTab(index)
                self.tabs.insertTab(n, tab, spec.title)
            self.tabs.setTabText(n, spec.title)
            self.tabs.setTabToolTip(n, spec.tooltip)
        for key in [k for k in self.chart_tabs if k not in specs]:
            tab = self.chart_tabs.pop(key)
            self.tabs.removeTab(self.tabs.indexOf(tab))
            tab.deleteLater()
        if current is not None and self.tabs.indexOf(current) >= 0:
            self.tabs.setCurrentWidget(current)
        self._fill_view_menu()

    # -- files -----------------------------------------------------------------------
    def maybe_save(self, doing: str = "continue") -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes. True = go ahead."""
        if not self.doc.modified:
            return True
        answer = QMessageBox.warning(
            self, "Unsaved changes",
            f"“{self.doc.display_name()}” has changes that are not saved.\n\n"
            f"Save them before you {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a scenario file. On any problem the current scenario stays and a banner says
        what is wrong with the file."""
        path = Path(path)
        if ask and not self.maybe_save(f"open {path.name}"):
            return False
        try:
            scenario, file = read(path)
        except ScenarioError as exc:
            self.show_load_error(f"Could not open {path.name}. The scenario on screen is unchanged.", exc)
            self.statusBar().showMessage(f"Could not open {path.name}", 8000)
            return False
        self.set_document(scenario, file)
        note = migration_message(file)
        if note:   # an older format, read into today's: say what saving will do
            self._banner_source = "migration"
            self.banner.show_message(f"{path.name} was written by an older version of investsim",
                                     [note] + self.caution_lines(scenario), "info")
        if self.persist:
            from .settings import add_recent

            add_recent(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def show_load_error(self, headline: str, exc: ScenarioError) -> None:
        """A file that could not be read: the banner names every problem (file, field, what)."""
        self._banner_source = "load"
        self.banner.show_message(headline, [p.line() for p in exc.problems], "error")

    def set_document(self, scenario: Scenario, file: ScenarioFile | str | Path | None, origin: str = "", *,
                     unsaved: bool = False) -> None:
        """Show ``scenario`` (from ``file``, a bare path, or None: untitled) with a fresh undo
        history, and run it. ``unsaved`` marks it as not saved yet (a restored autosave)."""
        if self._banner_source in ("load", "engine", "save", "migration", "cautions"):
            self.banner.dismiss()
            self._banner_source = ""
        self._confirm_overwrite = None
        self.doc.replace_all(scenario, file, origin=origin, unsaved=unsaved)

    # -- recovery --------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """Offer, newest first, each autosaved copy whose process has ended (Restore, Discard,
        Later). Stops at the first Restore or Later. True when one was restored. A problem
        with the autosave folder is logged, never fatal: start-up goes on."""
        try:
            entries = autosave.orphans(self.autosaver.folder)
        except Exception:  # recovery is a courtesy; it must not stop start-up
            log.exception("Could not look for autosaved copies")
            return False
        for entry in entries:
            choice = autosave.ask(self, entry)
            if choice == autosave.RESTORE:
                return self.restore_autosave(entry)
            if choice != autosave.DISCARD:
                return False
            entry.discard()
            log.info("Discarded the autosaved copy of %r (%s)", entry.title, entry.file)
        return False

    def restore_autosave(self, entry: autosave.Autosave) -> bool:
        """Open an autosaved copy as an unsaved document of its original file (or untitled).
        This window's own autosave takes it over, then the old copy is deleted."""
        try:
            scenario, copy = read(entry.file)
        except ScenarioError as exc:
            self.show_load_error("The autosaved copy could not be read; it is kept as it is.", exc)
            return False
        # the copy's text (with the original's comments) belongs to the original file now
        self.set_document(scenario, ScenarioFile(Path(entry.original) if entry.original else None, copy.text),
                          unsaved=True)
        self._confirm_overwrite = entry.original
        if self.autosaver.write_now():
            entry.discard()
        log.info("Restored the autosaved copy of %r (%s)", entry.title, entry.file)
        self.statusBar().showMessage(f"Restored “{entry.title}” from its autosaved copy; it is not saved yet.",
                                     8000)
        return True

    def open_dialog(self) -> None:
        start = str(self.doc.path.parent) if self.doc.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, FILE_FILTER)
        if path:
            self.open_path(path)

    def new_blank(self) -> None:
        if self.maybe_save("start a new scenario"):
            self.set_document(edits.blank_scenario(), None)

    def new_from_bundled(self, path: Path) -> None:
        if not self.maybe_save("start a new scenario"):
            return
        try:
            scenario, file = read(path)
        except ScenarioError as exc:
            self.show_load_error(f"Could not open the example {path.name}", exc)
            return
        self.set_document(scenario, ScenarioFile(text=file.text), origin=scenario.title)   # an untitled copy

    def save(self) -> bool:
        if self.doc.path is None or _is_bundled(self.doc.path):
            return self.save_as()   # never write over a bundled example
        if self._confirm_overwrite is not None and self.doc.path == self._confirm_overwrite:
            answer = QMessageBox.question(
                self, "Save the restored scenario",
                f"Write the restored “{self.doc.scenario.title}” over {self.doc.path}?\n\n"
                "Choose No to save it under another name instead.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes)
            if answer == QMessageBox.StandardButton.No:
                return self.save_as()
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return self._write(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path) if self.doc.path else str(Path.home() / _file_name(self.doc.scenario.title))
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start, FILE_FILTER)
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".toml":
            path = path.with_suffix(path.suffix + ".toml") if path.suffix else path.with_suffix(".toml")
        return self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            self.doc.save(path)
        except OSError as exc:
            log.warning("Could not save %s", path, exc_info=True)
            self._banner_source = "save"
            self.banner.show_message(f"Could not save {path.name}. Your changes are still here, not saved.",
                                     [f"File: {path}", f"Why: {why_not_saved(exc)}"], "error")
            self.statusBar().showMessage(f"Could not save {path.name}", 8000)
            return False
        self._confirm_overwrite = None
        if self.persist:
            from .settings import add_recent

            add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def revert(self) -> None:
        if self.doc.path is None:
            self.statusBar().showMessage("There is no file to go back to yet.", 5000)
            return
        if self.doc.modified:
            answer = QMessageBox.question(self, "Revert", f"Throw away your changes and reload "
                                                          f"“{self.doc.display_name()}” from disk?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.open_path(self.doc.path, ask=False)

    def _fill_recent(self) -> None:
        from .settings import clear_recent, recent_files

        menu = self.recent_menu
        menu.clear()
        files = recent_files() if self.persist else []
        if not files:
            menu.addAction("No recent files").setEnabled(False)
            return
        for i, f in enumerate(files):
            action = menu.addAction(f"&{i + 1}  {Path(f).name}", lambda p=f: self.open_path(p))
            action.setToolTip(f)
            action.setStatusTip(f)
        menu.addSeparator()
        menu.addAction("Clear the list", clear_recent)

    # -- drag and drop ---------------------------------------------------------------
    @staticmethod
    def _dropped_file(mime) -> Path | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".toml"):
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._dropped_file(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop finishes, so a "Save changes?" prompt does not block the drag.
        QTimer.singleShot(0, lambda: self.open_path(path))

    # -- closing ---------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self.maybe_save("close"):
            event.ignore()
            return
        self.autosaver.shutdown()   # saved, discarded or unchanged: the autosaved copy goes
        if self.persist:
            self._save_state()
        self.room_actions.shutdown()    # the workshop timer
        self.whatif.shutdown()          # workshop tools with workers of their own
        self.portfolio_view.shutdown()
        self.exports.shutdown()
        self.excel_importer.shutdown()
        self.preloader.shutdown()
        self.controller.shutdown()
        self.statusBar().clearMessage()   # stops the message's timer
        event.accept()

    def _save_state(self) -> None:
        from .settings import settings

        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/leftSplitter", self.left_splitter.saveState())
        s.setValue("window/editorVisible", self.act_editor.isChecked())

    def _restore_state(self) -> None:
        from .settings import settings

        s = settings()
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/splitter", self.splitter.restoreState),
                             ("window/leftSplitter", self.left_splitter.restoreState)):
            value = s.value(key)
            if value is not None:
                if key == "window/splitter":
                    self._editor_width_set = True   # the user's own width, kept
                try:
                    restore(value)
                except (TypeError, ValueError):
                    pass
        if str(s.value("window/editorVisible", "true")).lower() == "false":
            self.act_editor.setChecked(False)

    def _about(self) -> None:
        from .about import show_about

        show_about(self)


def _is_bundled(path: Path) -> bool:
    from simulator.resources import folder as bundled

    try:
        return Path(path).resolve().parent == bundled("scenarios").resolve()
    except OSError:
        return False


def why_not_saved(exc: OSError) -> str:
    """The reason a file could not be written, in plain words with what to do about it."""
    elsewhere = "use File > Save as to save it somewhere else"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"the disk is full. Free some space and save again, or {elsewhere}."
    if exc.errno == errno.EROFS:
        return f"the disk is read-only; {elsewhere}."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ("permission denied: the folder may be read-only, or another program may have the file "
                f"open and locked. Close that program and save again, or {elsewhere}.")
    if exc.errno == errno.ENOENT:
        return f"its folder does not exist (any more); {elsewhere}."
    return f"{exc.strerror or exc}; {elsewhere}."


def _file_name(title: str) -> str:
    import re

    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() or "scenario"
    return f"{stem}.toml"


def demo(path: str | None = None) -> MainWindow:
    """The main window on a bundled (or given) scenario, away from the user's settings."""
    from ._demo import demo_scenario

    window = MainWindow(persist=False)
    window.set_document(demo_scenario(path), None, origin="demo")
    return window


if __name__ == "__main__":  # a quick look: python -m ui.main_window [FILE]
    from ._demo import run_demo

    run_demo(demo)
