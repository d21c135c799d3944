"""Teams side by side, driven as a facilitator does (pytest-qt, offscreen): open the teams'
files, wait for the worker, read the verdicts, the differences and the disagreement that
matters. The example team files are the bundled ones (scenarios/teams/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from qtcheck import assert_qt_clean
from ui.workshop import teams as teams_ui
from ui.workshop.teams import TeamsWindow, example_team_files, open_teams

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ROOT / "scenarios" / "teams"
SALES, FINANCE, IT = TEAMS / "sales.toml", TEAMS / "finance.toml", TEAMS / "it.toml"
FAST = dict(iterations=3000, seed=42)


@pytest.fixture(autouse=True)
def teams_qt(qapp):
    """At the end of each test no worker thread may run and no timer may be active."""
    yield qapp
    assert_qt_clean(timeout_ms=60_000)


@pytest.fixture
def make_window(qtbot):
    def make(paths=(), **kwargs) -> TeamsWindow:
        window = TeamsWindow((), **{**FAST, **kwargs})
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        if paths:
            with qtbot.waitSignal(window.comparisonShown, timeout=60_000):
                window.add_paths(paths)
        return window
    return make


def test_two_team_files_in_one_comparison_show_both_verdicts(make_window):
    window = make_window([SALES, FINANCE])
    comp = window.comparison
    assert comp.names == ["Sales", "Finance"] and comp.baseline == "Sales"
    assert window.verdict_text("Sales").startswith("Sales (baseline): New production line. New production line "
                                                   "has the higher expected value")
    assert window.verdict_text("Finance").startswith("Finance: ERP system. ERP system has the higher expected value")
    assert window.headline.text().startswith("The disagreement that matters is line units: with Sales' figure "
                                             "for line units, New production line comes out ahead")
    assert not window.progress.isVisible() and not window.stop_button.isEnabled()
    assert "2 teams, 3,000 futures each (seed 42)" in window.status_label.text()


def test_the_differences_table_lists_what_differs_the_decisive_one_first(make_window):
    window = make_window([SALES, FINANCE])
    model = window.model
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert header == ["Assumption", "Sales (baseline)", "Finance", "Moves the result by", "On its own"]
    rows = [model.text(r, 0) for r in range(model.rowCount())]
    # Finance changed the volume, the discount rate and the crew wage; Sales the volume and the price.
    assert rows[0] == "line units"
    assert sorted(rows) == sorted(["line units", "Discount rate", "unit price", "crew wage"])
    assert model.text(0, 1) == "90% sure between 18k and 40k; most likely around 29k"
    assert model.text(0, 2) == "90% sure between 12k and 30k; most likely around 21k"
    assert model.text(0, 4) == "changes the choice: ERP system with Finance's"
    assert model.text(0, 3).endswith("towards ERP system")
    assert all(model.text(r, 4) == "no change" for r in range(1, model.rowCount()))
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()
    assert window.table_title.text() == "Where the teams differ: 4 assumptions, the one that matters most first"


def test_both_charts_are_views_of_the_comparison(make_window):
    window = make_window([SALES, FINANCE, IT])
    window.draw_all_now()
    assert window.findings["value"] == ("New production line comes out ahead with Sales' file, ERP system with "
                                        "Finance's and IT's")
    ax = window.value_figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text()]
    assert legend == ["ERP system", "Sales' file", "New production line", "Finance's file", "IT's file"]
    curves = [p for p in ax.patches if type(p).__name__ == "StepPatch"]
    assert len(curves) == 6            # 3 teams x 2 alternatives
    assert len({str(p.get_linestyle()) for p in curves}) == 3      # one line style per team
    assert len({p.get_edgecolor() for p in curves}) == 2           # one colour per alternative
    window.tabs.setCurrentIndex(1)
    assert window.findings["matters"] == "The disagreement that matters: line units"
    labels = [t.get_text() for t in window.matters_figure.axes[0].texts]
    assert "line units" in labels


def test_files_chosen_in_the_dialog_are_compared(qtbot, monkeypatch):
    asked = []

    def choose(parent, caption, start, filters):
        asked.append(start)
        return [str(SALES), str(IT)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(choose))
    shown = []
    real_init = TeamsWindow.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **{**FAST, **kwargs})
        self.comparisonShown.connect(shown.append)
    monkeypatch.setattr(TeamsWindow, "__init__", init)
    window = open_teams(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    assert asked and Path(asked[0]) == TEAMS
    assert window.team_names() == ["Sales", "IT"]
    assert shown[-1].names == ["Sales", "IT"]


def test_dropped_files_join_the_comparison(make_window, qtbot):
    window = make_window([SALES])
    assert window.comparison.sentence == "Open at least two teams' files to compare them."
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(FINANCE)), QUrl.fromLocalFile(str(ROOT / "README.md"))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.comparisonShown, timeout=60_000):
        window.dropEvent(event)
    assert window.team_names() == ["Sales", "Finance"]
    assert window.comparison.names == ["Sales", "Finance"]


def test_the_latest_team_list_wins(make_window, qtbot):
    """Files added one after another: each change cancels the comparison before it, and only
    the comparison of the final list ever reaches the screen."""
    window = make_window()
    shown = []
    window.comparisonShown.connect(shown.append)
    window.add_paths([SALES, FINANCE])
    window.add_paths([IT])
    window.remove_team("Finance")
    qtbot.waitUntil(lambda: bool(shown) and not window.running, timeout=60_000)
    QApplication.processEvents()
    assert [c.names for c in shown] == [["Sales", "IT"]]
    assert window.comparison.names == ["Sales", "IT"]


def test_another_baseline_reruns_the_trials_in_that_teams_file(make_window, qtbot):
    window = make_window([SALES, FINANCE])
    with qtbot.waitSignal(window.comparisonShown, timeout=60_000):
        window.baseline_box.setCurrentIndex(1)
        window.baseline_box.activated.emit(1)
    comp = window.comparison
    assert comp.baseline == "Finance" and comp.pair == ("ERP system", "New production line")
    assert comp.impacts[0].difference.label == "line units"
    assert window.model.headerData(2, Qt.Orientation.Horizontal) == "Finance (baseline)"


def test_a_file_that_cannot_be_read_is_named_and_left_out(make_window, qtbot, tmp_path):
    broken = tmp_path / "ops.toml"
    broken.write_text('format = 1\ntitle = "x"\nhorizon_years = "seven"\n')
    window = make_window()
    with qtbot.waitSignal(window.comparisonShown, timeout=60_000):
        added = window.add_paths([SALES, broken, FINANCE])
    assert added == ["Sales", "Finance"]
    assert window.banner.isVisible() and "ops.toml" in window.banner.text()
    assert "horizon_years" in window.banner.text()


def test_stop_and_close_leave_no_worker_running(make_window, qtbot):
    window = make_window(iterations=200_000)
    window.add_paths([SALES, FINANCE, IT])
    assert window.running and window.stop_button.isEnabled()
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.running, timeout=60_000)
    qtbot.waitUntil(lambda: "Stopped" in window.status_label.text(), timeout=10_000)
    assert window.comparison is None
    window.add_paths([SALES])            # running again; closing must stop it
    assert window.running
    window.close()
    assert not window.running


def test_the_window_runs_on_its_own_with_the_example_files(qtbot, monkeypatch):
    assert [p.name for p in example_team_files()] == ["sales.toml", "finance.toml", "it.toml"]
    monkeypatch.setattr(teams_ui.sys, "argv", ["teams"])
    window = teams_ui.demo()
    qtbot.addWidget(window)
    assert window.team_names() == ["Sales", "Finance", "IT"]
    window.close()


def test_a_window_destroyed_with_its_owner_stops_its_worker(qtbot):
    from PySide6.QtWidgets import QWidget
    from shiboken6 import delete

    owner = QWidget()
    window = TeamsWindow([SALES, FINANCE, IT], owner, iterations=200_000)
    (job,) = window.jobs.workers()
    assert not job.is_cancelled()
    delete(owner)                      # the owner goes without closing its windows first
    assert job.is_cancelled() and job.done
