"""The Portfolio chart, the Teams window's two charts and the calibration progress chart as live
views: an in-place update from result A to result B paints the pixels a fresh draw of B
paints, keeps the figure's artists (the same Line2D objects), and a structural change (one
project, team or person more or fewer) is drawn afresh, again as a fresh draw paints it.
Compared at 1280x720, a projector's size, and at 900x620."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.analysis.formatting import use_scenario
from simulator.analysis.portfolio import analyse
from simulator.model.scenario import load
from simulator.sim.engine import run
from simulator.workshop.teams import compare_teams
from ui.charts import portfolio
from ui.charts._style import chart_rc
from ui.palette import colors_for
from ui.workshop import teams
from ui.workshop.calibration import draw_progress, progress_structure, update_progress

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(1280, 720), (900, 620)]


def _figure(size) -> Figure:
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _pixels(fig: Figure) -> np.ndarray:
    with chart_rc():
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _lines(fig: Figure) -> list[int]:
    """ids of the figure's data lines (a rebuild makes new ones)."""
    return [id(line) for ax in fig.axes for line in ax.get_lines()]


def _artists(fig: Figure) -> set[int]:
    return {id(a) for a in fig.findobj()}


def _check(draw, update, a, b, size, *, in_place: bool | None):
    """Draw ``a``, update to ``b``; a fresh figure draws ``b``. Returns (live, fresh) after
    asserting the pictures and findings agree, that the update changed the picture, and that
    the figure's lines were kept (``in_place``) or made anew (False; None: either)."""
    live, fresh = _figure(size), _figure(size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with chart_rc():
            draw(live, a)
        before = _pixels(live)
        lines, artists, axes = _lines(live), _artists(live), list(live.axes)
        with chart_rc():
            found = update(live, b)
        after = _pixels(live)
        with chart_rc():
            expected = draw(fresh, b)
        want = _pixels(fresh)
    assert found == expected
    assert not np.array_equal(before, after), "the picture did not change"
    differ = np.any(after != want, axis=-1)
    assert differ.mean() <= 1e-4, f"{differ.sum()} pixels differ from a fresh draw"
    if in_place is None:
        pass
    elif in_place:
        assert all(x is y for x, y in zip(live.axes, axes)) and len(live.axes) == len(axes)
        assert lines and _lines(live) == lines, "the lines were made anew"
        kept = artists & _artists(live)
        assert len(kept) >= 0.9 * len(artists), "the figure was rebuilt"
    else:
        assert not set(lines) & set(_lines(live)), "a structural change kept the old lines"
    return live, fresh


# -- Portfolio ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def portfolios():
    scenario = load(ROOT / "scenarios" / "portfolio-capital-budget.toml")
    first = run(scenario, iterations=3000, seed=5)
    other = run(scenario, iterations=3000, seed=6)
    fewer = dataclasses.replace(first, alternatives=first.alternatives[:-1])
    return (scenario, analyse(first), analyse(other), analyse(first, max_loss=0.03), analyse(fewer),
            analyse(first, max_loss=None))


@pytest.mark.parametrize("size", SIZES)
def test_portfolio_updates_in_place_for_a_new_run(portfolios, size):
    scenario, a, b, *_ = portfolios
    assert portfolio.structure(a) == portfolio.structure(b)
    with use_scenario(scenario):
        live, _ = _check(portfolio.draw, portfolio.update, a, b, size, in_place=True)
    # the frontier's points are the new run's (read off the figure: the scatter's offsets)
    frontier = live.axes[0].collections[0].get_offsets()
    assert np.allclose(frontier, [(p.capital, p.expected_npv) for p in b.frontier])


#: The Portfolio tab's chart at 1024x768, 1280x720 and 1400x900 windows (measured on screenshots).
PORTFOLIO_CANVAS = [(714, 380), (882, 350), (954, 455)]


@pytest.mark.parametrize("size", PORTFOLIO_CANVAS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_portfolio_npv_amounts_never_touch_on_a_laptop_window(portfolios, size):
    """The funded set's NPV axis: its amounts ("$12.5M") stay apart at every window size."""
    scenario, a, *_ = portfolios
    fig = _figure(size)
    with use_scenario(scenario), chart_rc():
        portfolio.draw(fig, a)
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[1]
    lo, hi = sorted(ax.get_xlim())
    boxes = sorted((t.get_window_extent(renderer) for t in ax.get_xticklabels()
                    if t.get_text() and lo <= t.get_position()[0] <= hi), key=lambda b: b.x0)
    assert len(boxes) >= 2
    gaps = [b.x0 - a_.x1 for a_, b in zip(boxes, boxes[1:])]
    assert min(gaps) >= 8, f"tick labels {[t.get_text() for t in ax.get_xticklabels()]} only {min(gaps):.1f} px apart"


def test_portfolio_colorbar_and_loss_limit_follow_a_what_if(portfolios):
    """Another loss limit: the same figure, the colorbar kept, its limit line moved."""
    scenario, a, _, limited, *_ = portfolios
    with use_scenario(scenario):
        live, fresh = _check(portfolio.draw, portfolio.update, a, limited, SIZES[0], in_place=True)
    bar_axes = [ax for ax in live.axes if ax.get_label() == "<colorbar>"]
    assert len(bar_axes) == 1 and len(live.axes) == 4
    (limit_line,) = bar_axes[0].get_lines()
    assert list(limit_line.get_ydata()) == [0.03, 0.03]


def test_portfolio_of_other_projects_or_without_a_loss_limit_is_drawn_right(portfolios):
    """A project fewer is another structure (the canvas builds afresh); its artists happen to
    be the same kinds, so an update in place is right too. Without a loss limit the colorbar
    loses its limit line: the update draws afresh."""
    scenario, a, _, _, fewer, unlimited = portfolios
    assert portfolio.structure(a) != portfolio.structure(fewer)
    assert portfolio.structure(a) != portfolio.structure(unlimited)
    with use_scenario(scenario):
        _check(portfolio.draw, portfolio.update, a, fewer, SIZES[0], in_place=None)
        live, _ = _check(portfolio.draw, portfolio.update, a, unlimited, SIZES[0], in_place=False)
    assert not [ax for ax in live.axes if ax.get_label() == "<colorbar>"][0].get_lines()


# -- Teams ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def comparisons():
    folder = ROOT / "scenarios" / "teams"
    named = [(n, load(folder / f"{n.lower()}.toml")) for n in ("Sales", "Finance", "IT")]
    return (compare_teams(named, 2000, 42), compare_teams(named, 2000, 43), compare_teams(named[:2], 2000, 42))


def _with_colors(fn):
    return lambda fig, comp: fn(fig, comp, colors_for(comp.alternatives))


CHARTS = {"values": (teams.draw_team_values, teams.values_structure),
          "disagreements": (teams.draw_disagreements, teams.disagreements_structure)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chart", CHARTS)
def test_teams_charts_update_in_place_for_a_new_comparison(comparisons, chart, size):
    a, b, _ = comparisons
    draw, structure = CHARTS[chart]
    assert structure(a) == structure(b)
    _check(_with_colors(draw), _with_colors(teams._updater(draw)), a, b, size, in_place=True)


@pytest.mark.parametrize("chart", CHARTS)
def test_teams_charts_with_a_team_fewer_are_drawn_afresh(comparisons, chart):
    a, _, two = comparisons
    draw, structure = CHARTS[chart]
    assert structure(a) != structure(two)
    for first, second in ((a, two), (two, a)):     # a team fewer, and one more
        _check(_with_colors(draw), _with_colors(teams._updater(draw)), first, second, SIZES[0], in_place=False)


def test_the_team_legend_keeps_each_teams_dash_pattern(comparisons):
    """The legend's handles after an update are dashed as the teams' curves are (a custom
    dash pattern, which matplotlib reports only as '--')."""
    a, b, _ = comparisons
    fig = _figure(SIZES[0])
    colors = colors_for(a.alternatives)
    with chart_rc():
        teams.draw_team_values(fig, a, colors)
        fig.canvas.draw()
        teams._updater(teams.draw_team_values)(fig, b, colors)
        fig.canvas.draw()
    handles = [h for h in fig.axes[0].get_legend().legend_handles if isinstance(h, Line2D)]
    fresh = _figure(SIZES[0])
    with chart_rc():
        teams.draw_team_values(fresh, b, colors)
        fresh.canvas.draw()
    want = [h for h in fresh.axes[0].get_legend().legend_handles if isinstance(h, Line2D)]
    assert len(handles) == len(want) == 3
    # the rendered handles: compare their pixels column by column through the legend's box
    legend_box = fresh.axes[0].get_legend().get_window_extent()
    x0, y0, x1, y1 = (int(v) for v in legend_box.extents)
    h = fresh.canvas.get_width_height()[1]
    got = np.asarray(fig.canvas.buffer_rgba())[h - y1:h - y0, x0:x1]
    expected = np.asarray(fresh.canvas.buffer_rgba())[h - y1:h - y0, x0:x1]
    assert np.array_equal(got, expected)


# -- Calibration progress -------------------------------------------------------------

ROUNDS_A = {"Ana": [0.5, 0.8], "Wide Will": [1.0, 1.0], "Bo": [0.6, 0.7]}
ROUNDS_B = {"Ana": [0.5, 0.8, 0.9], "Wide Will": [1.0, 1.0, 0.9], "Bo": [0.6, 0.7, 0.8]}   # one round more


def _progress(fig, series):
    return draw_progress(fig, series, 10)


def _progress_update(fig, series):
    return update_progress(fig, series, 10)


@pytest.mark.parametrize("size", SIZES)
def test_progress_updates_in_place_after_a_round(size):
    assert progress_structure(ROUNDS_A, 10) == progress_structure(ROUNDS_B, 10)
    live, _ = _check(_progress, _progress_update, ROUNDS_A, ROUNDS_B, size, in_place=True)
    people = [line for line in live.axes[0].get_lines() if line.get_label() in ROUNDS_B]
    assert [list(line.get_ydata()) for line in people] == [[100 * r for r in v] for v in ROUNDS_B.values()]


@pytest.mark.parametrize("other", [{**ROUNDS_B, "Dee": [0.4]}, {"Ana": [0.5, 0.8]}, {}],
                         ids=["a person more", "people fewer", "no round yet"])
def test_progress_for_other_people_is_drawn_afresh(other):
    assert progress_structure(ROUNDS_A, 10) != progress_structure(other, 10)
    _check(_progress, _progress_update, ROUNDS_A, other, SIZES[0], in_place=False)


# -- the live axes' calls these charts added ------------------------------------------

def _small(ax_draw):
    """A chart of one axes drawn by ``ax_draw(ax, value)`` through the house ``begin``."""
    from ui.charts._style import begin

    def draw(fig, value, _colors=None):
        ax_draw(begin(fig), value)
        return ""
    return draw


@pytest.mark.parametrize("call", ["bar", "barh", "axhspan"])
def test_bars_and_spans_update_as_a_fresh_draw_paints(call):
    """``bar(color=...)`` colours the face only (no edge appears on update), and a span moves."""
    from ui.charts._live import updater

    def bars(ax, v):
        if call == "axhspan":
            ax.axhspan(v, v + 2, color="#2E7D32", alpha=0.3, lw=0)
            ax.plot([0, 10], [0, 10], color="k")
        else:
            getattr(ax, call)([1, 2, 3], [v, 2 * v, 3], color=["#56B4E9", "#009E73", "#D55E00"])
            ax.plot([0, 3], [0, 3], color="k")

    draw = _small(bars)
    _check(draw, updater(draw), 1.0, 2.5, (400, 300), in_place=True)


def test_disagreements_swapping_places_are_redrawn_right(comparisons):
    """Two disagreements of similar weight swap rows from one seed to the next: the same
    structure (the canvas updates in place) and the picture of a fresh draw."""
    folder = ROOT / "scenarios" / "teams"
    named = [(n, load(folder / f"{n.lower()}.toml")) for n in ("Sales", "Finance", "IT")]
    a, b = compare_teams(named, 3000, 44), compare_teams(named, 3000, 45)
    rows = [[i.difference.label for i in c.impacts if i.tried] for c in (a, b)]
    assert rows[0] != rows[1] and sorted(rows[0]) == sorted(rows[1])
    assert teams.disagreements_structure(a) == teams.disagreements_structure(b)
    draw = teams.draw_disagreements
    _check(_with_colors(draw), _with_colors(teams._updater(draw)), a, b, SIZES[0], in_place=None)
