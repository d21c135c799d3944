"""Every text of every chart stays inside the figure at the app's canvas sizes."""

from __future__ import annotations

import contextlib
import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from chartcases import SCENARIOS
from simulator.analysis.formatting import use_scenario
from ui.charts import ALL_CHARTS, colors_for
from ui.charts._style import hidden_tick_labels

SIZES = [(820, 580), (930, 700)]
#: The chart canvas of the app's window at 1400x900 and at 1280x720 (measured, with the view
#: selector's two rows and the editor beside it), and before the view selector (kept).
WINDOW_SIZES = [(954, 727), (876, 547), (954, 753), (834, 573)]
#: ... and at 1024x768, a projector's size (the editor narrower: 300 px).
SMALL_WINDOW = (708, 595)
#: The charts whose texts must also not overlap one another at the window sizes: all of them.
REWORKED = [c.key for c in ALL_CHARTS]
#: The charts that also fit 1024x768 without a text outside the figure: all of them (Where value
#: comes from shows the chosen alternative's waterfall alone there).
FIT_SMALL = [c.key for c in ALL_CHARTS]
#: The chart area at 1400x900, 1280x720 and 1024x768 (the sizes of the issue).
THREE_WINDOWS = [WINDOW_SIZES[0], WINDOW_SIZES[1], SMALL_WINDOW]


def drawn_texts(fig: Figure) -> list[Text]:
    """Visible, non-empty texts the last draw painted (tick labels outside the view are not drawn)."""
    skip = hidden_tick_labels(fig)
    return [t for t in fig.findobj(Text) if id(t) not in skip and t.get_visible() and t.get_text().strip()]


def drawn_chart(bundled_results, stem: str, key: str, size: tuple[int, int], *, in_locale: bool = False) -> Figure:
    """Chart ``key`` of scenario ``stem`` drawn with Agg at ``size`` pixels (any warning fails);
    ``in_locale``: in the scenario's number style (``1,7 Mio. €`` for de_DE), as the app shows it."""
    r = bundled_results[stem]
    spec = next(c for c in ALL_CHARTS if c.key == key)
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings(), (use_scenario(r.scenario) if in_locale else contextlib.nullcontext()):
        warnings.simplefilter("error")
        spec.draw(fig, r, colors_for(r.names))
        canvas.draw()
    return fig


def outside_texts(fig: Figure) -> list[tuple[str, list[int]]]:
    """Drawn texts that reach beyond the figure (half a pixel of slack), with their boxes."""
    W, H = fig.bbox.width, fig.bbox.height
    out = []
    for t in drawn_texts(fig):
        bb = t.get_window_extent()
        if bb.x0 < -0.5 or bb.y0 < -0.5 or bb.x1 > W + 0.5 or bb.y1 > H + 0.5:
            out.append((t.get_text(), [round(v) for v in bb.extents]))
    return out


@pytest.mark.parametrize("size", SIZES + WINDOW_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_every_text_fits_inside_the_figure(bundled_results, stem, key, size):
    out = outside_texts(drawn_chart(bundled_results, stem, key, size))
    assert not out, f"{key} at {size}: texts outside the figure: {out}"


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts (titles, labels, annotations; not tick labels of different axes)
    whose boxes overlap by more than a couple of pixels."""
    texts = [t for t in drawn_texts(fig)]
    boxes = [(t, t.get_window_extent()) for t in texts]
    out = []
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            if w > 2 and h > 2:
                out.append((a.get_text(), b.get_text()))
    return out


@pytest.mark.parametrize("key", FIT_SMALL)
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_every_text_fits_inside_the_figure_at_1024x768(bundled_results, stem, key):
    out = outside_texts(drawn_chart(bundled_results, stem, key, SMALL_WINDOW))
    assert not out, f"{key} at {SMALL_WINDOW}: texts outside the figure: {out}"


@pytest.mark.parametrize("size", WINDOW_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", REWORKED)
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_reworked_charts_fit_the_window_sizes_without_overlaps(bundled_results, stem, key, size):
    _fits_without_overlaps(bundled_results, stem, key, size)


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_drivers_show_fewer_inputs_on_a_short_figure_and_count_the_rest(bundled_results, stem):
    """At a projector's height the tornado keeps only the rows its names fit (two lines of
    at least 9 pt each), and the caption counts the inputs left out."""
    tall = drawn_chart(bundled_results, stem, "drivers_of_uncertainty", (954, 900))
    short = drawn_chart(bundled_results, stem, "drivers_of_uncertainty", (876, 547))
    rows_tall, rows_short = len(tall.axes[0].get_yticks()), len(short.axes[0].get_yticks())
    assert 2 <= rows_short <= rows_tall
    if rows_short < rows_tall:
        caption = " ".join(t.get_text() for t in short.texts).replace("\n", " ")
        assert "more input" in caption
    ax = short.axes[0]
    row_px = ax.bbox.height / abs(ax.get_ylim()[0] - ax.get_ylim()[1])
    size_px = max(t.get_fontsize() for t in ax.get_yticklabels()) * short.dpi / 72
    assert 2 * 1.2 * size_px <= row_px * 1.05   # two lines of name fit a row


#: A scenario with many alternatives (the portfolio's ten candidates): Where value comes from,
#: reworked for many rows, must not overlap either.
MANY = [p.stem for p in SCENARIOS if p.stem.startswith("portfolio")]


@pytest.mark.parametrize("size", WINDOW_SIZES + SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stem", MANY)
def test_value_sources_of_many_alternatives_fit_without_overlaps(bundled_results, stem, size):
    _fits_without_overlaps(bundled_results, stem, "value_sources", size)


#: The scenarios with a number style of their own (de_DE: "−0,81 Mio. €", longer than "−$0.81M").
LOCALIZED = ["erp-vs-solar-eur"]


@pytest.mark.parametrize("size", THREE_WINDOWS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_every_chart_is_readable_at_the_three_window_sizes(bundled_results, stem, key, size):
    """1400x900, 1280x720 and 1024x768: every text inside the figure and none on another,
    tick labels included (long amounts on a narrow axis are thinned, never run together)."""
    _fits_without_overlaps(bundled_results, stem, key, size)


@pytest.mark.parametrize("size", THREE_WINDOWS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
@pytest.mark.parametrize("stem", LOCALIZED)
def test_every_chart_is_readable_in_its_scenarios_number_style(bundled_results, stem, key, size):
    _fits_without_overlaps(bundled_results, stem, key, size, in_locale=True)


def _fits_without_overlaps(bundled_results, stem, key, size, *, in_locale: bool = False):
    """The chart at the canvas size of a 1400x900 or a 1280x720 window (two, three and ten
    alternatives): every text inside the figure, and no two texts on top of each other
    (payback labels, band labels, ranges, percentages, the gap's labels)."""
    fig = drawn_chart(bundled_results, stem, key, size, in_locale=in_locale)
    outside = [text for text, _box in outside_texts(fig)]
    assert not outside, f"{key} at {size}: texts outside the figure: {outside}"
    overlaps = _overlaps(fig)
    assert not overlaps, f"{key} at {size}: overlapping texts: {overlaps}"
