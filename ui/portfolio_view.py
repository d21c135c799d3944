"""The Portfolio view: which projects to fund, for scenarios with a ``[portfolio]`` table.

The candidates' table (funded, must fund, capital, expected NPV, chance of loss alone,
category, what toggling it costs), the chart of :mod:`ui.charts.portfolio` (frontier, the
funded set's NPV, the IT / non-IT split) and two what-if controls: the budget and the loss
limit. Editing either, or ticking "must fund" on a project, re-optimises off the GUI thread
(:func:`_solve` in the global thread pool, the latest request wins: a newer one cancels the
older one, whose result is never shown). The what-ifs do not change the scenario file.

``install(window)`` adds the view to the main window's tabs while its scenario has a
``[portfolio]`` table and feeds it every full run. ``python -m ui.portfolio_view [FILE]
[--screenshot OUT.png] [--size WxH]`` opens it on its own (default: the bundled portfolio).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QThreadPool, QTimer, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from simulator.analysis import formatting as fmt
from simulator.model.errors import ScenarioError

from .worker import LatestWins

#: Quiet time after a what-if edit before re-optimising.
DEBOUNCE_MS = 200

COLUMNS = ("Funded", "Must fund", "Project", "Category", "Capital", "Expected NPV", "Chance of loss alone",
           "If toggled")


def _solve(results, budget, max_loss, must, worker) -> object:
    """The job (a pool thread, through :class:`ui.worker.LatestWins`): the analysis of
    ``results`` under the what-ifs. Never touches a widget; stops at the worker's cancel."""
    from simulator.analysis.portfolio import analyse

    return analyse(results, budget=budget, max_loss=max_loss, must_fund=must, cancel=worker.is_cancelled)


class CandidatesModel(QAbstractTableModel):
    """A thin table over a PortfolioResult; the "Must fund" column is checkable and asks for
    a re-optimisation through ``mustToggled(name, on)``."""

    mustToggled = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result = None
        self.must: set[str] = set()

    def set_result(self, result, must: set[str]) -> None:
        self.beginResetModel()
        self.result = result
        self.must = set(must)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.result is None else len(self.result.marginal)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 1:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if self.result is None or not index.isValid():
            return None
        m = self.result.marginal[index.row()]
        cur = self.result.currency
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 1:
            return Qt.CheckState.Checked if m.name in self.must else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return m.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col == 0:
            return "\u2714" if m.funded else ""
        if col == 2:
            return m.name
        if col == 3:
            return m.category
        if col == 4:
            return fmt.money(m.capital, cur)
        if col == 5:
            return fmt.money(m.expected_npv, cur)
        if col == 6:
            return fmt.percent(m.prob_loss_alone)
        if col == 7:
            if m.reoptimised_change is None:
                return "no set allows it"
            verb = "drop" if m.funded else "force in"
            return f"{verb}: {fmt.money(m.reoptimised_change, cur, sign=True)}"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 1 or self.result is None:
            return False
        name = self.result.marginal[index.row()].name
        on = Qt.CheckState(value) == Qt.CheckState.Checked
        self.mustToggled.emit(name, on)
        return True


class PortfolioView(QWidget):
    """The view (module doc). ``set_results(results)`` gives it a full run."""

    #: A new optimisation is on screen (its finding).
    updated = Signal(str)

    key = "portfolio"

    def __init__(self, parent=None, *, pool: QThreadPool | None = None):
        super().__init__(parent)
        self.setObjectName("portfolioView")
        # One re-optimisation at a time through the app's one worker abstraction: a newer
        # what-if cancels the one in flight and only its answer reaches the screen.
        self.jobs = LatestWins(self, pool=pool, name="portfolio")
        self.jobs.result.connect(self._on_done)
        self.jobs.error.connect(self._on_failed)
        self._results = None
        self._result = None
        self._base = None          # the result without the what-if must-funds, for "what it costs"
        self._must: set[str] = set()
        self._spec_must: set[str] = set()
        self._canvas = None
        self._filling = False

        self.budget = QDoubleSpinBox()
        self.budget.setRange(1_000, 1e12)
        self.budget.setDecimals(0)
        self.budget.setSingleStep(250_000)
        self.budget.setGroupSeparatorShown(True)
        self.budget.setToolTip("What if the capital budget were different? (The file is not changed.)")
        self.limit_on = QCheckBox("Loss limit")
        self.limit = QDoubleSpinBox()
        self.limit.setRange(0.0, 99.0)
        self.limit.setDecimals(1)
        self.limit.setSingleStep(1.0)
        self.limit.setSuffix(" %")
        self.limit.setToolTip("The highest acceptable chance that the funded set loses money.")
        self.status = QLabel("Waiting for the simulation…")
        self.status.setWordWrap(True)
        self.status.setObjectName("portfolioStatus")
        self.cost = QLabel("")
        self.cost.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Budget"))
        controls.addWidget(self.budget)
        controls.addSpacing(12)
        controls.addWidget(self.limit_on)
        controls.addWidget(self.limit)
        controls.addStretch(1)

        self.model = CandidatesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(controls)
        tl.addWidget(self.status)
        tl.addWidget(self.cost)
        tl.addWidget(self.table, 1)
        self.chart_box = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_box)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.chart_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        self.chart_box.setMinimumHeight(260)
        top.setMinimumHeight(160)
        split.setSizes([330, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(split)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        self.budget.valueChanged.connect(self._edited)
        self.limit.valueChanged.connect(self._edited)
        self.limit_on.toggled.connect(self._edited)
        self.limit_on.toggled.connect(self.limit.setEnabled)
        self.model.mustToggled.connect(self._must_toggled)

    # -- inputs ----------------------------------------------------------------------
    def set_results(self, results) -> None:
        """A full run of a scenario with a [portfolio] table: reset the what-ifs to the
        file's values and optimise."""
        spec = results.scenario.portfolio
        if spec is None:
            return
        fresh = self._results is None or self._results.scenario.portfolio != spec
        self._results = results
        if fresh:
            self._filling = True
            self.budget.setValue(spec.budget)
            self.limit_on.setChecked(spec.max_loss_probability is not None)
            self.limit.setEnabled(spec.max_loss_probability is not None)
            self.limit.setValue(100 * (spec.max_loss_probability or 0.05))
            self._filling = False
            self._spec_must = set(spec.must_fund)
            self._must = set(spec.must_fund)
            self._base = None
        self._start()

    def _edited(self, *_args) -> None:
        if not self._filling and self._results is not None:
            self._base = None
            self._timer.start()

    def _must_toggled(self, name: str, on: bool) -> None:
        if on:
            self._must.add(name)
        else:
            self._must.discard(name)
        self.model.set_result(self.model.result, self._must)
        self._start()

    # -- running ---------------------------------------------------------------------
    def _start(self) -> None:
        if self._results is None:
            return
        self._timer.stop()
        max_loss = self.limit.value() / 100 if self.limit_on.isChecked() else None
        self.status.setText("Choosing the best set…")
        self.jobs.request(partial(_solve, self._results, self.budget.value(), max_loss, tuple(sorted(self._must))))

    def _on_failed(self, exc: BaseException, details: str) -> None:
        if isinstance(exc, ScenarioError):
            message = "\n".join(p.message if not p.path else f"{p.path}: {p.message}" for p in exc.problems)
            self.status.setText("No set of projects meets these constraints. " + message)
        else:   # an optimiser bug must not take the app down: say so, and log the details
            import logging

            logging.getLogger("investsim").error("portfolio re-optimisation failed\n%s", details)
            message = f"internal error: {type(exc).__name__}: {exc}"
            self.status.setText("The portfolio could not be chosen (" + message + "); details are in the log.")
        self.updated.emit(message)

    def _on_done(self, result) -> None:
        self._result = result
        forced = self._must - self._spec_must
        if not forced:
            self._base = result
        self.model.set_result(result, self._must)
        cur = result.currency
        c = result.choice
        text = (f"Fund {len(result.selected)} of {len(result.cands.names)}: capital {fmt.money(c.capital, cur)} of "
                f"{fmt.money(result.spec.budget, cur)}, expected NPV {fmt.money(c.expected_npv, cur)}, "
                f"chance of loss {fmt.percent(c.prob_loss, digits=1)}.")
        if c.budget_only is not None:
            text += (f" The loss limit costs {fmt.money(c.budget_only.expected_npv - c.expected_npv, cur)} of "
                     "expected NPV.")
        self.status.setText(text)
        if forced and self._base is not None:
            diff = c.expected_npv - self._base.choice.expected_npv
            self.cost.setText(f"Must fund {', '.join(sorted(forced))}: costs {fmt.money(-diff, cur)} of expected "
                              f"NPV against the best set without it.")
        else:
            self.cost.setText("Tick \u201cMust fund\u201d on a project to see what funding it anyway costs.")
        self._draw(result)

    def _draw(self, result) -> None:
        """The chart is built and rendered in the render thread (:class:`ui.livecanvas.LiveCanvas`),
        a live view: a new answer for the same projects, frontier points and categories changes
        the kept figure's artists in place. ``updated`` says the answer is in (status and table
        are already on screen)."""
        from .charts.portfolio import draw, structure, update
        from .livecanvas import LiveCanvas

        if self._canvas is None:
            self._canvas = LiveCanvas()
            self._canvas.setObjectName("portfolioCanvas")
            self.chart_layout.addWidget(self._canvas)
        self._canvas.render_async(lambda fig: draw(fig, result), lambda: structure(result),
                                  lambda fig: update(fig, result))
        self.updated.emit(self.status.text())

    def shutdown(self) -> None:
        """Stop a re-optimisation in flight and wait for its thread (window closing)."""
        self._timer.stop()
        self.jobs.shutdown()

    @property
    def canvas(self):
        """The chart's canvas (None before the first answer)."""
        return self._canvas

    @property
    def result(self):
        """The PortfolioResult on screen, or None."""
        return self._result


def install(window) -> PortfolioView:
    """Add the Portfolio tab to ``window`` (a MainWindow) while its scenario has a
    [portfolio] table, and feed it every full run."""
    view = PortfolioView(window)
    view.hide()   # a child of the window until it is a tab: never drawn over the menu bar

    def sync(scenario, *_args) -> None:
        index = window.tabs.indexOf(view)
        if scenario.portfolio is not None and index < 0:
            i = window.tabs.addTab(view, "Portfolio")
            window.tabs.setTabToolTip(i, "Which projects to fund under the budget, and what the loss limit and "
                                         "must-funds cost.")
        elif scenario.portfolio is None and index >= 0:
            window.tabs.removeTab(index)

    def results(res, preview: bool) -> None:
        if not preview and res.scenario.portfolio is not None:
            view.set_results(res)

    window.doc.changed.connect(sync)
    window.doc.reset.connect(sync)
    window.controller.resultsReady.connect(results)
    sync(window.doc.scenario)
    return view


def main(argv=None) -> int:
    """Open the main window on a portfolio scenario with the Portfolio tab showing."""
    import argparse
    from pathlib import Path
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.bundled import bundled_dir
    from simulator.model.scenario import load

    from .app import parse_size
    from .main_window import MainWindow

    p = argparse.ArgumentParser(prog="python -m ui.portfolio_view")
    p.add_argument("file", nargs="?", default=str(bundled_dir() / "portfolio-capital-budget.toml"))
    p.add_argument("--screenshot")
    p.add_argument("--size", default="1400x900")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(persist=False)
    window.resize(*parse_size(args.size))
    window.show()
    window.set_document(load(args.file), Path(args.file))
    window.tabs.setCurrentWidget(window.portfolio_view)
    if args.screenshot:
        def shoot(_status: str = "") -> None:
            canvas = window.portfolio_view.canvas
            if canvas is None or canvas.busy:   # the chart is still being made in the render thread
                QTimer.singleShot(100, window, shoot)
                return
            QTimer.singleShot(300, window, lambda: (window.grab().save(args.screenshot, "PNG"),
                                                    print(f"Saved {args.screenshot}", file=sys.stderr),
                                                    window.close(), app.quit()))

        window.portfolio_view.updated.connect(shoot)
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
