"""Paint a matplotlib Figure on a QPainter as vector graphics (for the PDF report).

Why not SVG + ``QSvgRenderer``: Qt's SVG renderer (checked on Qt 6.12) ignores
``clip-path``, and matplotlib relies on clipping to keep data inside the axes, so shaded
regions and lines that run past the axes spill over the page. This renderer implements
matplotlib's documented backend interface (:class:`~matplotlib.backend_bases.RendererBase`)
on top of a QPainter instead: every path is a Qt vector path with its own clip rectangle and
clip path, text is drawn as glyph outlines (exactly as in the app and the SVG), and the few
raster images a chart may hold are embedded at a higher resolution. On a ``QPdfWriter`` the
result is a vector drawing in the PDF.

Coordinates: matplotlib's display coordinates (points, y up, at 72 dpi) are mapped by the
painter's transform, set up in :func:`paint_figure`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _qt  # noqa: F401  (before PySide6: the refcount guard)
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.transforms import Affine2D
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen

_CAPS = {"butt": Qt.PenCapStyle.FlatCap, "round": Qt.PenCapStyle.RoundCap,
         "projecting": Qt.PenCapStyle.SquareCap}
_JOINS = {"miter": Qt.PenJoinStyle.MiterJoin, "round": Qt.PenJoinStyle.RoundJoin,
          "bevel": Qt.PenJoinStyle.BevelJoin}

DPI = 72.0


def _color(rgba, alpha: float | None = None) -> QColor:
    r, g, b = (min(max(float(c), 0.0), 1.0) for c in rgba[:3])
    a = float(rgba[3]) if len(rgba) > 3 else 1.0
    if alpha is not None:
        a = alpha
    return QColor.fromRgbF(r, g, b, min(max(a, 0.0), 1.0))


def _enum_value(v) -> str:
    return getattr(v, "name", v) if not isinstance(v, str) else v


class QPainterRenderer(RendererBase):
    """A matplotlib renderer that paints on a QPainter (whose transform maps display
    coordinates, y up, onto the page)."""

    def __init__(self, painter: QPainter, width: float, height: float, *, image_magnification: float = 2.0):
        super().__init__()
        self.painter = painter
        self.width = width
        self.height = height
        self._mag = image_magnification

    # -- the canvas ------------------------------------------------------------------
    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self):
        return self.width, self.height

    def points_to_pixels(self, points):
        return points  # display units are points (the figure is drawn at 72 dpi)

    def option_image_nocomposite(self) -> bool:
        return True

    def get_image_magnification(self) -> float:
        return self._mag

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def qpath(path: Path, transform) -> QPainterPath:
        qp = QPainterPath()
        qp.setFillRule(Qt.FillRule.WindingFill)
        codes = path.codes
        verts = transform.transform(path.vertices) if transform is not None else np.asarray(path.vertices)
        if codes is None:
            finite = np.isfinite(verts).all(axis=1)
            pen_down = False
            for (x, y), ok in zip(verts.tolist(), finite.tolist()):
                if not ok:
                    pen_down = False
                elif pen_down:
                    qp.lineTo(x, y)
                else:
                    qp.moveTo(x, y)
                    pen_down = True
            return qp
        for seg, code in path.iter_segments(transform, remove_nans=True, simplify=False, curves=True):
            if code == Path.MOVETO:
                qp.moveTo(seg[0], seg[1])
            elif code == Path.LINETO:
                qp.lineTo(seg[0], seg[1])
            elif code == Path.CURVE3:
                qp.quadTo(seg[0], seg[1], seg[2], seg[3])
            elif code == Path.CURVE4:
                qp.cubicTo(seg[0], seg[1], seg[2], seg[3], seg[4], seg[5])
            elif code == Path.CLOSEPOLY:
                qp.closeSubpath()
        return qp

    def _clip(self, gc) -> None:
        p = self.painter
        rect = gc.get_clip_rectangle()
        if rect is not None:
            x0, y0, w, h = rect.bounds
            p.setClipRect(QRectF(x0, y0, w, h), Qt.ClipOperation.IntersectClip)
        cpath, ctrans = gc.get_clip_path()
        if cpath is not None:
            p.setClipPath(self.qpath(cpath, ctrans), Qt.ClipOperation.IntersectClip)

    def _pen(self, gc) -> QPen:
        lw = gc.get_linewidth()
        rgb = gc.get_rgb()
        if not lw or lw <= 0 or (len(rgb) > 3 and rgb[3] == 0):
            return QPen(Qt.PenStyle.NoPen)
        pen = QPen(_color(rgb))
        width = float(self.points_to_pixels(lw))
        pen.setWidthF(width)
        pen.setCapStyle(_CAPS.get(str(_enum_value(gc.get_capstyle())), Qt.PenCapStyle.FlatCap))
        pen.setJoinStyle(_JOINS.get(str(_enum_value(gc.get_joinstyle())), Qt.PenJoinStyle.RoundJoin))
        offset, dashes = gc.get_dashes()
        if dashes is not None and len(dashes) and width > 0:
            seq = [max(float(self.points_to_pixels(d)) / width, 1e-3) for d in dashes]
            if len(seq) % 2:
                seq = seq * 2
            pen.setDashPattern(seq)
            pen.setDashOffset(float(self.points_to_pixels(offset or 0.0)) / width)
        return pen

    # -- drawing -------------------------------------------------------------------------
    def draw_path(self, gc, path, transform, rgbFace=None):
        p = self.painter
        qp = self.qpath(path, transform)
        p.save()
        try:
            self._clip(gc)
            if rgbFace is not None:
                alpha = gc.get_alpha() if gc.get_forced_alpha() else None
                p.fillPath(qp, QBrush(_color(rgbFace, alpha)))
            hatch = gc.get_hatch()
            if hatch:
                self._hatch(gc, qp)
            pen = self._pen(gc)
            if pen.style() != Qt.PenStyle.NoPen:
                p.strokePath(qp, pen)
        finally:
            p.restore()

    def _hatch(self, gc, qp: QPainterPath) -> None:
        """Tile the hatch pattern (one-inch cells, as matplotlib's PDF backend) over the path."""
        p = self.painter
        hatch_path = gc.get_hatch_path()
        if hatch_path is None:
            return
        cell = DPI
        bounds = qp.boundingRect()
        if bounds.isEmpty():
            return
        pen = QPen(_color(gc.get_hatch_color()))
        lw = gc.get_hatch_linewidth() if hasattr(gc, "get_hatch_linewidth") else 1.0
        pen.setWidthF(float(self.points_to_pixels(lw)))
        p.save()
        p.setClipPath(qp, Qt.ClipOperation.IntersectClip)
        x0 = math.floor(bounds.left() / cell) * cell
        y0 = math.floor(bounds.top() / cell) * cell
        tiles = QPainterPath()
        unit = self.qpath(hatch_path, Affine2D().scale(cell))
        y = y0
        while y < bounds.bottom():
            x = x0
            while x < bounds.right():
                tiles.addPath(unit.translated(QPointF(x, y)))
                x += cell
            y += cell
        p.strokePath(tiles, pen)
        p.restore()

    def draw_image(self, gc, x, y, im, transform=None):
        h, w = im.shape[:2]
        if h == 0 or w == 0:
            return
        data = np.ascontiguousarray(im, dtype=np.uint8)
        img = QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        p = self.painter
        mag = self._mag
        p.save()
        try:
            self._clip(gc)
            # matplotlib hands images over bottom row first (display coordinates run upwards),
            # which is the painter's orientation here: no flip.
            p.drawImage(QRectF(x, y, w / mag, h / mag), img)
        finally:
            p.restore()


def paint_figure(painter: QPainter, figure: Figure, target: QRectF) -> None:
    """Draw ``figure`` into ``target`` (device coordinates) on ``painter``, as vectors.

    The figure is drawn at 72 dpi (so its display units are points) and scaled to the
    target's width; its aspect ratio is kept and it is centred vertically in ``target``.
    """
    figure.set_dpi(DPI)
    w_in, h_in = figure.get_size_inches()
    width, height = w_in * DPI, h_in * DPI
    scale = min(target.width() / width, target.height() / height)
    x0 = target.left() + (target.width() - width * scale) / 2
    y0 = target.top() + (target.height() - height * scale) / 2
    painter.save()
    try:
        painter.translate(x0, y0 + height * scale)
        painter.scale(scale, -scale)
        painter.setClipRect(QRectF(0, 0, width, height))
        renderer = QPainterRenderer(painter, width, height)
        from .charts import drawing_lock

        try:
            with drawing_lock():
                figure.draw(renderer)
        finally:
            # Artists remember the last renderer (Text._renderer...). Let them keep no Qt
            # object: the painter must not outlive its device inside a figure's garbage.
            renderer.painter = None
    finally:
        painter.restore()
