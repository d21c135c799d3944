"""The vector chart painter (matplotlib -> QPainter) against matplotlib's own Agg picture:
same colours in the same places, clipping to the axes honoured, images the right way up."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ui.report import _qt


def agg_pixels(fig: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)


def qt_pixels(fig: Figure, width: int, height: int) -> np.ndarray:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from ui.report.qtrender import paint_figure

    _qt.ensure_app()
    image = QImage(width, height, QImage.Format.Format_RGBA8888)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_figure(painter, fig, QRectF(0, 0, width, height))
    painter.end()
    ptr = image.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=image.sizeInBytes()).reshape(height, image.bytesPerLine())
    return arr[:, : width * 4].reshape(height, width, 4)[:, :, :3].astype(int)


def sample_figure() -> Figure:
    fig = Figure(figsize=(4, 3), dpi=72)
    ax = fig.add_axes((0.25, 0.2, 0.5, 0.6))
    ax.axvspan(-500, 2, color="#ff0000", lw=0)             # runs far out of the axes: must be clipped
    ax.plot([-50, 50], [9, 9], color="#00aa00", lw=6)      # so must this line
    ax.imshow(np.array([[0.0, 1.0], [1.0, 0.0]]), cmap="gray", extent=(4, 10, 0, 6),
              interpolation="nearest", origin="upper", aspect="auto")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    return fig


def test_the_painted_chart_matches_agg_and_stays_inside_the_axes():
    fig = sample_figure()
    expected = agg_pixels(fig)
    h, w = expected.shape[:2]
    got = qt_pixels(sample_figure(), w, h)

    def at(img, fx, fy):     # fractions of the figure from the top-left corner
        return img[int(fy * h), int(fx * w)]

    # inside the axes, left of x=2: red; outside the axes: white (nothing spilled)
    for img in (expected, got):
        assert tuple(at(img, 0.27, 0.5)) == pytest.approx((255, 0, 0), abs=12)
        assert tuple(at(img, 0.10, 0.5)) == pytest.approx((255, 255, 255), abs=3)
        assert tuple(at(img, 0.90, 0.15)) == pytest.approx((255, 255, 255), abs=3)
        # the image: top-left cell black (value 0), top-right white, bottom-left white
        assert at(img, 0.55, 0.45)[0] < 40
        assert at(img, 0.70, 0.45)[0] > 215
        assert at(img, 0.55, 0.70)[0] > 215
        # the green line at y=9 ends at the axes' edges
        assert at(img, 0.5, 0.26)[1] > 120 and at(img, 0.5, 0.26)[0] < 60
        assert tuple(at(img, 0.85, 0.26)) == pytest.approx((255, 255, 255), abs=3)
    assert np.abs(expected - got).mean() < 6.0


def test_a_painted_figure_keeps_no_painter_alive():
    """Artists remember the renderer that drew them; the report's renderer must then hold no
    QPainter, or collecting the figure later destroys a painter whose device is long gone
    (a segmentation fault in whatever runs next)."""
    import gc

    from matplotlib.text import Text

    fig = sample_figure()
    fig.text(0.5, 0.95, "a title", ha="center")
    qt_pixels(fig, 288, 216)
    renderers = {id(r): r for t in fig.findobj(Text) if (r := getattr(t, "_renderer", None)) is not None}
    assert renderers, "expected the texts to remember their renderer"
    assert all(getattr(r, "painter", None) is None for r in renderers.values())
    del fig, renderers
    gc.collect()


def test_spans_to_infinity_are_clamped_to_the_view():
    """Charts shade "the loss side of zero" with a span from -1e30: Agg drops it silently and
    Qt's SVG renderer refuses it. The report clamps such spans to the axes' view first."""
    from ui.report.charts import tame_spans

    fig = Figure(figsize=(4, 3), dpi=72)
    ax = fig.add_subplot()
    ax.set_xlim(-5, 5)
    span = ax.axvspan(-1e30, 0, color="#ff0000", lw=0)
    tame_spans(fig)
    assert (span.get_x(), span.get_x() + span.get_width()) == (-5, 0)
    img = agg_pixels(fig)
    h, w = img.shape[:2]
    x = int(w * (fig.axes[0].get_position().x0 + 0.05))
    assert tuple(img[h // 2, x]) == pytest.approx((255, 0, 0), abs=12)
