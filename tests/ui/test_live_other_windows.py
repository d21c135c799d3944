"""The Portfolio view, the Teams window and the calibration trainer's progress chart as live
views, driven as a user does: a new run, comparison or round of the same shape redraws the
kept figure in place (the canvas counts an update, the figure and its lines are the same
objects), and the picture on screen is the one a fresh figure of the canvas's size gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QVBoxLayout, QWidget

from simulator.analysis.formatting import use_scenario
from simulator.model.scenario import load
from simulator.sim.engine import run
from ui.charts import chart_rc
from ui.livecanvas import wait_for_renders

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ROOT / "scenarios" / "teams"


def _settle(qtbot, canvas) -> None:
    wait_for_renders()
    qtbot.waitUntil(lambda: not canvas.busy, timeout=60_000)


def _lines(fig) -> list[int]:
    return [id(line) for ax in fig.axes for line in ax.get_lines()]


def _fresh(draw, canvas) -> np.ndarray:
    """What a fresh figure of the canvas's size and dpi paints with ``draw(fig)``."""
    w, h = canvas.get_width_height(physical=True)
    dpi = canvas.figure.dpi
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    agg = FigureCanvasAgg(fig)
    with chart_rc():
        draw(fig)
        agg.draw()
    return np.asarray(agg.buffer_rgba()).copy()


def _assert_shows(canvas, want: np.ndarray) -> None:
    shown = np.asarray(canvas.get_renderer().buffer_rgba())
    assert shown.shape == want.shape
    differ = np.any(shown != want, axis=-1)
    assert differ.mean() <= 1e-4, f"{differ.sum()} pixels differ from a fresh draw"


def test_the_portfolio_view_redraws_its_figure_in_place_after_a_new_run(qtbot):
    from ui.charts.portfolio import draw
    from ui.portfolio_view import PortfolioView

    scenario = load(ROOT / "scenarios" / "portfolio-capital-budget.toml")
    view = PortfolioView()
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    figures = []
    with use_scenario(scenario):
        for seed in (5, 6, 7):         # three runs: the third redraws the first one's figure
            with qtbot.waitSignal(view.updated, timeout=120_000):
                view.set_results(run(scenario, iterations=3000, seed=seed))
            _settle(qtbot, view.canvas)
            figures.append((view.canvas.figure, _lines(view.canvas.figure)))
        canvas = view.canvas
        assert (canvas.builds, canvas.updates) == (2, 1)
        first, lines = figures[0]
        assert canvas.figure is first and _lines(first) == lines     # the same figure and lines
        _assert_shows(canvas, _fresh(lambda fig: draw(fig, view.result), canvas))
    view.shutdown()


@pytest.fixture
def teams_window(qtbot):
    from ui.workshop.teams import TeamsWindow

    window = TeamsWindow((), iterations=2000, seed=42)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.shutdown()


def _compare(qtbot, window, seed=None, paths=None) -> None:
    with qtbot.waitSignal(window.chartShown, timeout=120_000):
        if paths is not None:
            window.add_paths(paths)
        else:
            window.seed = seed
            window.start()
    _settle(qtbot, window.value_canvas)


def test_the_teams_window_keeps_its_figure_for_comparisons_in_a_row(qtbot, teams_window):
    from ui.palette import colors_for
    from ui.workshop.teams import draw_team_values

    window = teams_window
    _compare(qtbot, window, paths=[TEAMS / "sales.toml", TEAMS / "finance.toml", TEAMS / "it.toml"])
    first, lines = window.value_figure, _lines(window.value_figure)
    _compare(qtbot, window, seed=43)
    _compare(qtbot, window, seed=44)             # the first comparison's figure, redrawn in place
    canvas = window.value_canvas
    assert (canvas.builds, canvas.updates) == (2, 1)
    assert window.value_figure is first and _lines(first) == lines
    comp = window.comparison
    assert comp.seed == 44
    _assert_shows(canvas, _fresh(lambda fig: draw_team_values(fig, comp, colors_for(comp.alternatives)), canvas))
    # a team fewer: another structure, built afresh
    with qtbot.waitSignal(window.chartShown, timeout=120_000):
        window.remove_team("IT")
    _settle(qtbot, canvas)
    assert (canvas.builds, canvas.updates) == (3, 1)
    comp = window.comparison
    assert comp.names == ["Sales", "Finance"]
    _assert_shows(canvas, _fresh(lambda fig: draw_team_values(fig, comp, colors_for(comp.alternatives)), canvas))


def test_the_teams_disagreement_chart_is_redrawn_in_place_too(qtbot, teams_window):
    from ui.palette import colors_for
    from ui.workshop.teams import draw_disagreements

    window = teams_window
    window.tabs.setCurrentIndex(1)
    canvas = None
    for i, seed in enumerate((42, 43, 44)):
        with qtbot.waitSignal(window.chartShown, timeout=120_000):
            if i == 0:
                window.add_paths([TEAMS / "sales.toml", TEAMS / "finance.toml"])
            else:
                window.seed = seed
                window.start()
        canvas = window.matters_canvas
        _settle(qtbot, canvas)
        if i == 0:
            first, lines = window.matters_figure, _lines(window.matters_figure)
    assert (canvas.builds, canvas.updates) == (2, 1)
    assert window.matters_figure is first and _lines(first) == lines
    comp = window.comparison
    _assert_shows(canvas, _fresh(lambda fig: draw_disagreements(fig, comp, colors_for(comp.alternatives)), canvas))


def test_the_calibration_progress_chart_is_redrawn_in_place_after_each_round(qtbot):
    from ui.workshop.calibration import ProgressChart, draw_progress

    host = QWidget()
    qtbot.addWidget(host)
    QVBoxLayout(host)
    chart = ProgressChart(host)
    host.layout().addWidget(chart.canvas)
    host.resize(900, 560)
    host.show()
    qtbot.waitExposed(host)
    rounds = {"Ana": [0.5, 0.8, 0.9, 0.8], "Bo": [0.6, 0.7, 0.8, 1.0]}
    for n in (2, 3, 4):                # a round more each time: the same people
        with qtbot.waitSignal(chart.canvas.rendered, timeout=60_000):
            chart.update({k: v[:n] for k, v in rounds.items()}, 10)
        _settle(qtbot, chart.canvas)
        if n == 2:
            first, lines = chart.canvas.figure, _lines(chart.canvas.figure)
    canvas = chart.canvas
    assert (canvas.builds, canvas.updates) == (2, 1)
    assert canvas.figure is first and _lines(first) == lines
    ana = next(line for line in first.axes[0].get_lines() if line.get_label() == "Ana")
    assert list(ana.get_ydata()) == [50, 80, 90, 80]
    _assert_shows(canvas, _fresh(lambda fig: draw_progress(fig, rounds, 10, chart._size), canvas))
    # one more person: built afresh
    with qtbot.waitSignal(canvas.rendered, timeout=60_000):
        chart.update({**rounds, "Cy": [0.7]}, 10)
    _settle(qtbot, canvas)
    assert (canvas.builds, canvas.updates) == (3, 1)
