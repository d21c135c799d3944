"""Pictures of texts kept between pictures: an Agg renderer that draws a text it drew before as
an image instead of laying out and rasterising its glyphs again.

Why: matplotlib 3.11 rasterises text glyph by glyph in Python (about 40 µs a character), so
text is more than half of a chart's picture: 37 of 60 ms on the drivers chart, 42 texts and
some 970 characters. A live view (:mod:`ui.charts._live`) paints the same chart again and again,
and most of its texts (names, axis labels, legends, caption, most tick labels) come back
unchanged. :class:`TextCachingRenderer` renders a text the first time into a small transparent
picture of its own (with matplotlib's own ``RendererAgg.draw_text``), keeps that picture, and
composites it with ``draw_image`` wherever the same text is drawn again with the same font,
colour, angle, DPI and position within the pixel. The result equals
matplotlib's direct drawing to one level of 255 on the few pixels where blending rounds
differently (checked against plain Agg for every chart in tests/charts/test_textcache.py).

Only the public renderer API is used (``RendererAgg``, ``draw_text``, ``draw_image``,
``new_gc``, ``get_text_width_height_descent``). Mathtext goes the usual way. The kept
pictures are shared by every renderer (any thread) up to :data:`MAX_BYTES`, oldest dropped
first.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

#: Bytes of text pictures kept (a caption line at 100 dpi is about 150 kB).
MAX_BYTES = 32 << 20
#: Width allowed per character of a level text drawn into a picture of its own, in ems (the
#: widest glyphs of the house fonts take about one): a text that reaches the picture's edge is
#: measured and drawn again.
EM_PER_CHARACTER = 1.3

_lock = threading.Lock()
_pictures: "OrderedDict[tuple, tuple[np.ndarray, int, int]]" = OrderedDict()
_bytes = 0
#: Texts drawn from a kept picture and texts rendered afresh (tests, the bench).
stats = {"hits": 0, "misses": 0}


def clear() -> None:
    """Forget every kept text picture."""
    global _bytes
    with _lock:
        _pictures.clear()
        _bytes = 0


def _font_key(prop) -> tuple:
    """A frozen copy of what a FontProperties says (it is mutable: a key must not change)."""
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


def _text_key(renderer, gc, s, prop, angle, fx, fy, mtext) -> tuple:
    rc = matplotlib.rcParams
    features = getattr(mtext, "get_fontfeatures", None) if mtext is not None else None
    language = getattr(mtext, "get_language", None) if mtext is not None else None
    features = features() if features is not None else None
    return (s, _font_key(prop), float(angle), fx, fy, renderer.dpi, tuple(gc.get_rgb()), gc.get_alpha(),
            gc.get_forced_alpha(), gc.get_antialiased(), rc["text.hinting"], rc["text.hinting_factor"],
            tuple(rc["font.family"]), None if features is None else tuple(features),
            language() if language is not None else None)


class TextCachingRenderer(RendererAgg):
    """``RendererAgg`` that draws a text it has drawn before from a kept picture (module doc)."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not s:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # The same position within the pixel gives the same pixels (exactly: matplotlib before
        # 3.11 rounds the position to whole pixels, 3.11 each glyph's to 1/64 px).
        ix, iy = math.floor(x), math.floor(y)
        fx, fy = x - ix, y - iy
        # (Whole pixels keep their parity between the small picture and this one: matplotlib
        # before 3.11 rounds a text's position half to even.)
        key = _text_key(self, gc, s, prop, angle, fx, fy, mtext) + (ix & 1, iy & 1)
        with _lock:
            kept = _pictures.get(key)
            if kept is not None:
                _pictures.move_to_end(key)
        if kept is None:
            stats["misses"] += 1
            kept = self._render_alone(gc, s, prop, angle, fx, fy, mtext, ix, iy)
            _keep(key, kept)
        else:
            stats["hits"] += 1
        image, left, top = kept
        # (x, y) here count from the top-left; draw_image places the picture's bottom-left
        # corner, counted from the bottom.
        g = self.new_gc()
        try:
            g.copy_properties(gc)        # (the clip rectangle and path)
            g.set_alpha(1.0)             # (the text's own alpha is in the picture)
            self.draw_image(g, ix + left, self.height - (iy + top + image.shape[0]), image[::-1])
        finally:
            g.restore()

    def _render_alone(self, gc, s, prop, angle, fx, fy, mtext, ix, iy,
                      measure: bool = False) -> tuple[np.ndarray, int, int]:
        """The text drawn by matplotlib into a transparent picture just big enough for it, and
        where that picture's top-left corner sits from the text's anchor (whole pixels; the
        anchor at ``ix``, ``iy`` and at its place in the small picture are an even number of
        pixels apart).

        A level line of text is drawn into a picture surely big enough (a line's height and
        more, :data:`EM_PER_CHARACTER` per character; checked, else measured after all), then cut to
        the pixels it painted: measuring it first would cost a third of drawing it. A turned
        text is measured."""
        size_px = prop.get_size_in_points() * self.dpi / 72.0
        margin = int(math.ceil(size_px)) + 2           # overhanging glyphs
        if angle == 0 and not measure:
            w, h, d = EM_PER_CHARACTER * size_px * len(s), 1.3 * size_px, 0.6 * size_px
        else:
            w, h, d = self.get_text_width_height_descent(s, prop, False)
        a = math.radians(angle)
        cos, sin = math.cos(a), math.sin(a)
        # The text's box around its anchor (y up), turned by the angle.
        xs, ys = [], []
        for px in (0.0, w):
            for py in (-d, h - d):
                xs.append(px * cos - py * sin)
                ys.append(px * sin + py * cos)
        x0, x1 = math.floor(min(xs)) - margin, math.ceil(max(xs)) + margin
        y0, y1 = math.floor(min(ys)) - margin, math.ceil(max(ys)) + margin
        x0 -= (ix + x0) & 1
        y1 += (iy - y1) & 1
        alone = RendererAgg(x1 - x0, y1 - y0, self.dpi)
        g = alone.new_gc()
        try:
            g.copy_properties(gc)
            g.set_clip_rectangle(None)
            g.set_clip_path(None)
            RendererAgg.draw_text(alone, g, -x0 + fx, y1 + fy, s, prop, angle, False, mtext)
        finally:
            g.restore()
        picture = np.asarray(alone.buffer_rgba())
        painted = picture[:, :, 3]
        cols = np.flatnonzero(painted.any(axis=0))
        rows = np.flatnonzero(painted.any(axis=1))
        if not cols.size:
            return np.zeros((2, 2, 4), np.uint8), x0, -y1
        H, W = painted.shape
        if not measure and (cols[0] < 2 or rows[0] < 2 or cols[-1] >= W - 2 or rows[-1] >= H - 2):
            return self._render_alone(gc, s, prop, angle, fx, fy, mtext, ix, iy, measure=True)
        # Cut to the painted pixels, by even numbers of pixels (the anchor's parity stays).
        c0, r0 = cols[0] - (cols[0] & 1), rows[0] - (rows[0] & 1)
        image = picture[r0:rows[-1] + 1, c0:cols[-1] + 1].copy()   # (a copy: the renderer goes)
        return image, x0 + int(c0), -y1 + int(r0)


def _keep(key: tuple, kept: tuple[np.ndarray, int, int]) -> None:
    global _bytes
    with _lock:
        if key in _pictures:
            return
        _pictures[key] = kept
        _bytes += kept[0].nbytes
        while _bytes > MAX_BYTES and len(_pictures) > 1:
            _, (old, _l, _t) = _pictures.popitem(last=False)
            _bytes -= old.nbytes


class TextCachingCanvasAgg(FigureCanvasAgg):
    """``FigureCanvasAgg`` whose renderer is a :class:`TextCachingRenderer` (kept while the
    canvas keeps its size and DPI, as Agg's own is)."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        renderer = getattr(self, "_caching_renderer", None)
        if renderer is None or (renderer.width, renderer.height, renderer.dpi) != (w, h, self.figure.dpi):
            renderer = self._caching_renderer = TextCachingRenderer(w, h, self.figure.dpi)
        self.renderer = renderer      # (FigureCanvasAgg's draw, buffer_rgba and print_* read it)
        return renderer
