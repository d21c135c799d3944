"""Kept text pictures (ui.charts._textcache): a chart painted by the live views' renderer looks
as matplotlib's own Agg renderer paints it, the second time from the kept pictures, and a text
changed in any way that shows is rendered afresh."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.model.scenario import load
from simulator.resources import folder
from simulator.sim.engine import run
from ui.charts import ALL_CHARTS, chart_rc, colors_for
from ui.charts import _textcache as tc

#: Blending a kept text picture onto the chart rounds differently from blending the glyphs
#: straight onto it (8-bit alpha both ways): a few levels of 255 on some pixels at the edges of
#: glyphs, up to 6 on text turned at an odd angle; never more than 8.
LEVELS = 8
EDGE = 40


def _picture(canvas_class, draw, size=(8.0, 5.0), dpi=100) -> np.ndarray:
    with chart_rc():
        fig = Figure(figsize=size, dpi=dpi)
        canvas = canvas_class(fig)
        draw(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).astype(int)


def _differs(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    """The largest difference in levels, ignoring at most :data:`EDGE` pixels (one column of a
    clipped text line: a clip edge within a pixel falls on either side of it), and the share of
    pixels that differ at all."""
    d = np.abs(a - b).max(axis=2)
    return int(np.sort(d, axis=None)[-EDGE - 1]), float((d > 0).mean())


@pytest.fixture(autouse=True)
def _fresh_cache():
    tc.clear()
    yield
    tc.clear()


def _texts(fig, *, angle=0.0, color="#222222", alpha=None, size=11, weight="normal", text="Line units 32.8k"):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("Average difference in NPV (\u2212\\$M)")
    ax.text(0.1, 0.5, text, rotation=angle, color=color, alpha=alpha, fontsize=size, fontweight=weight)
    ax.text(0.3337, 0.2113, "off the pixel grid", fontsize=9)
    ax.text(0.9, 0.9, "clipped at the edge of the axes", clip_on=True, fontsize=14)
    fig.suptitle("A title that wraps\nonto a second line", fontweight="bold")


@pytest.mark.parametrize("options", [{}, {"angle": 90}, {"angle": 33}, {"color": "#d55e00", "alpha": 0.45},
                                     {"size": 22, "weight": "bold"}, {"text": "√∑ €£ fiﬂ — “quotes”"}])
def test_texts_look_as_matplotlib_draws_them_first_time_and_from_the_kept_pictures(options):
    plain = _picture(FigureCanvasAgg, lambda fig: _texts(fig, **options))
    first = _picture(tc.TextCachingCanvasAgg, lambda fig: _texts(fig, **options))
    hits = tc.stats["hits"]
    again = _picture(tc.TextCachingCanvasAgg, lambda fig: _texts(fig, **options))
    assert tc.stats["hits"] > hits, "the second picture did not use the kept texts"
    assert np.array_equal(first, again)
    worst, share = _differs(plain, first)
    assert worst <= LEVELS and share < 0.002, (worst, share)
    # the text is there at all (not a blank picture that matches a blank picture)
    assert _differs(plain, _picture(FigureCanvasAgg, lambda fig: fig.add_subplot()))[1] > 0.01


def test_a_text_changed_in_a_way_that_shows_is_rendered_afresh():
    """Font size, weight, colour, angle, DPI and the position within a pixel are all in the
    key; a FontProperties changed after it was drawn is not mistaken for the kept one."""
    base = _picture(tc.TextCachingCanvasAgg, lambda fig: _texts(fig))
    for options in ({"size": 12}, {"weight": "bold"}, {"color": "#0072b2"}, {"angle": 10}):
        mine = _picture(tc.TextCachingCanvasAgg, lambda fig, o=options: _texts(fig, **o))
        plain = _picture(FigureCanvasAgg, lambda fig, o=options: _texts(fig, **o))
        assert _differs(mine, base)[1] > 0
        assert _differs(mine, plain)[0] <= LEVELS, options
    hi = _picture(tc.TextCachingCanvasAgg, lambda fig: _texts(fig), dpi=150)
    assert _differs(hi, _picture(FigureCanvasAgg, lambda fig: _texts(fig), dpi=150))[0] <= LEVELS

    def moved(fig):
        _texts(fig)
        t = fig.axes[0].texts[0]
        t.set_x(t.get_position()[0] + 0.3 / 640)          # a third of a pixel
    assert _differs(_picture(tc.TextCachingCanvasAgg, moved), _picture(FigureCanvasAgg, moved))[0] <= LEVELS

    with chart_rc():                                       # the same Text, its font changed in place
        fig = Figure(figsize=(8, 5), dpi=100)
        canvas = tc.TextCachingCanvasAgg(fig)
        t = fig.text(0.1, 0.5, "Inventory cut", fontsize=11)
        canvas.draw()
        t.get_fontproperties().set_size(20)
        canvas.draw()
        mine = np.asarray(canvas.buffer_rgba()).astype(int)
    plain = _picture(FigureCanvasAgg, lambda f: f.text(0.1, 0.5, "Inventory cut", fontsize=20))
    assert _differs(mine, plain)[0] <= LEVELS


def test_every_chart_painted_by_the_live_renderer_looks_as_plain_agg_paints_it():
    """Each chart of a bundled two-alternative case, drawn and then updated in place, as the
    live views do, at two sizes: the picture matches plain Agg's to a few levels."""
    path = folder("scenarios") / "erp-vs-production-line.toml"
    a = run(load(path), iterations=2000, seed=1)
    b = run(load(path), iterations=2000, seed=2)
    for spec in ALL_CHARTS:
        options = {"target": spec.default_target(a)} if spec.default_target else {}

        def draw_then_update(fig, spec=spec, options=options):
            spec.draw(fig, a, colors_for(a.alternatives), **options)
            fig.canvas.draw()
            spec.update(fig, b, colors_for(b.alternatives), **options)
        for size in ((11.2, 7.0), (7.2, 5.7)):
            plain = _picture(FigureCanvasAgg, draw_then_update, size)
            mine = _picture(tc.TextCachingCanvasAgg, draw_then_update, size)
            worst, share = _differs(plain, mine)
            assert worst <= LEVELS and share < 0.005, (spec.key, size, worst, share)


def test_a_clipped_text_from_a_kept_picture_stays_inside_its_clip():
    def clipped(fig):
        ax = fig.add_axes((0.1, 0.1, 0.5, 0.5))
        ax.set_axis_off()                                  # (clipped to the axes box all the same)
        ax.text(0.8, 0.5, "clipped at the edge of the axes", clip_on=True, fontsize=20, color="black")
    for _ in range(2):                                     # rendered, then from the kept picture
        mine = _picture(tc.TextCachingCanvasAgg, clipped, dpi=150)
        h, w = mine.shape[:2]
        right = int(np.ceil(0.6 * w)) + 1
        assert (mine[:, :int(0.6 * w) - 2, :3] < 128).any()            # the text shows inside
        assert not (mine[:, right:, :3] < 250).any()                   # and nothing of it outside


def test_the_kept_pictures_stay_within_their_budget(monkeypatch):
    monkeypatch.setattr(tc, "MAX_BYTES", 400_000)
    for i in range(60):
        _picture(tc.TextCachingCanvasAgg, lambda fig, i=i: fig.text(0.1, 0.5, f"caption number {i} " * 4))
    assert 0 < tc._bytes <= 400_000


@pytest.mark.parametrize("per_character", [tc.EM_PER_CHARACTER, 0.2])
def test_a_text_is_kept_whole_whatever_its_glyphs(monkeypatch, per_character):
    """Wide glyphs, a long line, bold and large: the kept picture holds the whole text, also
    when the room allowed per character is too small (then the text is measured)."""
    monkeypatch.setattr(tc, "EM_PER_CHARACTER", per_character)

    def wide(fig):
        fig.text(0.02, 0.6, "WWMM——%%@@ ЩЖШ ╬╬ " * 3, fontsize=22, fontweight="bold")
        fig.text(0.02, 0.3, "−\\$0.34M to \\$2.0M", fontsize=12)
        fig.text(0.02, 0.1, "i", fontsize=8)
    plain = _picture(FigureCanvasAgg, wide, size=(14.0, 3.0))
    for _ in range(2):                                     # rendered and kept, then from the kept picture
        mine = _picture(tc.TextCachingCanvasAgg, wide, size=(14.0, 3.0))
        worst, share = _differs(plain, mine)
        assert worst <= LEVELS and share < 0.002, (worst, share)
    assert tc.stats["hits"] >= 3
