"""Every text of every chart stays inside the figure at the app's canvas sizes."""

from __future__ import annotations

import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from chartcases import SCENARIOS
from ui.charts import ALL_CHARTS, colors_for

SIZES = [(820, 580), (930, 700)]


def drawn_texts(fig: Figure) -> list[Text]:
    """Visible, non-empty texts the last draw painted (tick labels outside the view are not drawn)."""
    skip = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * (max(1.0, abs(lo), abs(hi)) + (hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not (lo - tol <= loc <= hi + tol):
                    skip.update({id(tick.label1), id(tick.label2)})
    return [t for t in fig.findobj(Text) if id(t) not in skip and t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", [c.key for c in ALL_CHARTS])
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_every_text_fits_inside_the_figure(bundled_results, stem, key, size):
    r = bundled_results[stem]
    spec = next(c for c in ALL_CHARTS if c.key == key)
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec.draw(fig, r, colors_for(r.names))
        canvas.draw()
    W, H = fig.bbox.width, fig.bbox.height
    out = []
    for t in drawn_texts(fig):
        bb = t.get_window_extent()
        if bb.x0 < -0.5 or bb.y0 < -0.5 or bb.x1 > W + 0.5 or bb.y1 > H + 0.5:
            out.append((t.get_text(), [round(v) for v in bb.extents]))
    assert not out, f"{key} at {size}: texts outside the figure: {out}"
