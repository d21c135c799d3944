"""Charts as live views: ``update`` changes a figure's artists in place for a result of the
same structure and paints what a fresh ``draw`` paints; another structure is drawn afresh."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chartcases import ROOT
from simulator.analysis.formatting import use_scenario
from simulator.model.scenario import load
from simulator.sim.engine import run
from ui.charts import ALL_CHARTS, colors_for
from ui.charts._style import chart_rc

#: two, two (in euros, de_DE) and ten alternatives
STEMS = ["erp-vs-production-line", "erp-vs-solar-eur", "portfolio-capital-budget"]
SIZE = (1400, 800)


@pytest.fixture(scope="module")
def pairs():
    """Per scenario: its result, other results of it (more futures, another seed: every
    number moves), and its scenario (for the locale)."""
    out = {}
    for stem in STEMS:
        scenario = load(ROOT / "scenarios" / f"{stem}.toml")
        n = min(scenario.iterations, 3000)
        others = [run(scenario, iterations=n + extra, seed=seed) for extra, seed in ((750, 5), (0, 6), (1500, 5), (0, 7), (0, 8), (0, 10), (300, 5))]
        out[stem] = (run(scenario, iterations=n, seed=5), others, scenario)
    return out


def _figure(size=SIZE) -> Figure:
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _pixels(fig: Figure) -> np.ndarray:
    with chart_rc():
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _artists(fig: Figure) -> list[int]:
    """ids of every artist on the figure, in tree order (a rebuild makes new ones)."""
    return [id(a) for a in fig.findobj() if a.get_figure() is fig and not _is_tick_part(a)]


def _is_tick_part(a) -> bool:
    # ticks (and their labels and lines) are made by the axis as the view needs them
    from matplotlib.axis import Tick

    return isinstance(a, Tick) or isinstance(getattr(a, "axes", None), type(None))


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
def test_update_in_place_paints_what_a_fresh_draw_paints(pairs, stem, key):
    spec = next(c for c in ALL_CHARTS if c.key == key)
    first, others, scenario = pairs[stem]
    colors = colors_for(first.names)
    assert spec.update is not None, f"{key} has no in-place update"
    # (the rows a chart shows depend on the numbers: the first of the others with the same rows)
    second = next(r for r in others if spec.structure_key(r) == spec.structure_key(first))
    live, fresh = _figure(), _figure()
    with use_scenario(scenario), warnings.catch_warnings():
        warnings.simplefilter("error")
        with chart_rc():
            spec.draw(live, first, colors)
        before_pixels = _pixels(live)
        axes_before = list(live.axes)
        artists_before = _artists(live)
        with chart_rc():
            found = spec.update(live, second, colors)
        after = _pixels(live)
        with chart_rc():
            expected = spec.draw(fresh, second, colors)
        want = _pixels(fresh)
    assert found == expected
    assert live.axes == axes_before and all(a is b for a, b in zip(live.axes, axes_before))
    # the same artists (the legend may be remade when its entries change width)
    kept = set(artists_before) & set(_artists(live))
    assert len(kept) >= 0.9 * len(artists_before), f"{key}: the figure was rebuilt"
    assert not np.array_equal(before_pixels, after), f"{key}: the picture did not change"
    differ = np.any(after != want, axis=-1)
    assert differ.mean() <= 1e-4, f"{key} on {stem}: {differ.sum()} pixels differ from a fresh draw"


@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
def test_another_structure_is_drawn_afresh(pairs, key):
    """Fewer alternatives (a structure change): the update draws the figure anew, and it
    paints what a fresh draw paints."""
    spec = next(c for c in ALL_CHARTS if c.key == key)
    first, _, scenario = pairs["portfolio-capital-budget"]
    fewer = dataclasses.replace(first, alternatives=first.alternatives[:3])
    colors = colors_for(first.names)
    assert spec.structure_key(first) != spec.structure_key(fewer)
    live, fresh = _figure(), _figure()
    with use_scenario(scenario), chart_rc():
        spec.draw(live, first, colors)
        live.canvas.draw()
        found = spec.update(live, fewer, colors)
        live.canvas.draw()
        assert found == spec.draw(fresh, fewer, colors)
        fresh.canvas.draw()
    assert np.array_equal(np.asarray(live.canvas.buffer_rgba()), np.asarray(fresh.canvas.buffer_rgba()))


def test_text_sizes_are_measured_once_per_text_font_and_dpi():
    """The layout's measurement cache gives what measuring gives, and a change of text, font
    or dpi is a new measurement."""
    from ui.charts._style import text_size

    fig = _figure()
    renderer = fig.canvas.get_renderer()
    t = fig.text(0.1, 0.5, "Cloud ERP adds up", fontsize=14)
    box = t.get_window_extent(renderer)
    assert text_size(t, renderer, fig.dpi) == (box.width, box.height)
    t.set_fontsize(20)
    bigger = text_size(t, renderer, fig.dpi)
    assert bigger[1] > box.height and bigger == (t.get_window_extent(renderer).width,
                                                  t.get_window_extent(renderer).height)
    t.set_text("Cloud ERP adds up\nover ten years")
    assert text_size(t, renderer, fig.dpi)[1] > 1.8 * bigger[1]
