"""Presentation mode: one view at a time, full screen, large and high-contrast, always live.

For a facilitator with a projector. The first view is the verdict (every alternative's
expected value and chance of loss in big type), then every result chart of
:data:`ui.charts.ALL_CHARTS`, each with its finding as the headline. Left/Right arrows and
PageUp/PageDown (what presenter clickers send) step through the views, Home/End jump to the
first and last, W shows the what-if sliders, Ctrl+Z/Ctrl+Y undo and redo, Esc or F5 leaves.

Nothing here owns data or runs the engine itself: the window listens to the same
:class:`~ui.document.Document` and :class:`~ui.runner.SimulationController` as the main
window, so any edit (a what-if slider, an undo) re-simulates and the view on screen follows.
What-if previews from the docked panel are drawn as they come (with constrained layout, the
chart keeps its margins while a slider moves and re-fits when the document's own results
arrive). Pictures are made in the render thread (:mod:`ui.livecanvas`); a chart view
replaces the one on screen, headline and all, when its picture is ready.

The charts are the app's own figure builders, drawn at a higher DPI (bigger type on the same
pixels) and re-coloured for a dark background after each draw (:func:`darken`): greys and
pale tints swap lightness, text is lifted to at least 4.5:1 contrast, the alternatives keep
their colours.

Entry points: :class:`PresentationMode` (a checkable QAction with F5 for the main window's
menu and toolbar) and :func:`enter_presentation`.
"""

from __future__ import annotations

import colorsys
import functools
import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QFont, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (QDockWidget, QFrame, QGridLayout, QHBoxLayout, QLabel, QMainWindow, QSizePolicy,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from simulator.analysis import formatting as fmt

from ..document import Document
from ..palette import colors_for

# --- Theme -----------------------------------------------------------------------------

BG = "#0E1116"          # the room's projector shows this as black
SURFACE = "#181D25"     # tiles and the what-if dock
FG = "#F5F7FA"
MUTED = "#AEB7C2"
FAINT = "#6E7986"
#: Least contrast of chart text against the background (WCAG AA for normal text).
TEXT_CONTRAST = 4.5
#: Least contrast of lines, bars and fills that carry meaning.
GRAPHIC_CONTRAST = 2.2

OVERVIEW = "overview"
REVEAL = "reveal"
HIDDEN_HEADLINE = "The results are hidden until the reveal."
#: The least pixel size of any text in presentation mode (read from the back of a room at 720 lines).
MIN_TEXT_PX = 18


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(rgb) -> float:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


_BG_RGB = _rgb(BG)
_BG_LUM = _luminance(_BG_RGB)
_BG_L = colorsys.rgb_to_hls(*_BG_RGB)[1]


def contrast(rgb) -> float:
    """WCAG contrast ratio of ``rgb`` against the presentation background."""
    lum = _luminance(rgb)
    return (max(lum, _BG_LUM) + 0.05) / (min(lum, _BG_LUM) + 0.05)


@functools.lru_cache(maxsize=4096)
def _dark_rgb(r: float, g: float, b: float, least: float) -> tuple[float, float, float]:
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.2 or l > 0.85 or l < 0.12:
        l = _BG_L + (1.0 - l) * (1.0 - _BG_L)
    rgb = colorsys.hls_to_rgb(h, l, s)
    for _ in range(40):
        if contrast(rgb) >= least or l >= 0.97:
            break
        l = min(0.97, l + 0.03)
        rgb = colorsys.hls_to_rgb(h, l, s)
    return rgb


def dark_color(rgba, *, least: float = 1.0) -> tuple[float, float, float, float]:
    """A colour of a light-theme chart, for the dark background.

    Greys, near-blacks and pale tints swap lightness (white becomes the background, black ink
    becomes light ink, a pale loss tint becomes a deep one); saturated colours (the
    alternatives') stay. Then the colour is lightened until it has at least ``least``
    contrast against the background.
    """
    r, g, b, a = (float(c) for c in rgba)
    return (*_dark_rgb(r, g, b, float(least)), a)


def darken(fig) -> None:
    """Re-colour a drawn light-theme figure for the dark background (in place)."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgba
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    def one(color, least=1.0):
        rgba = to_rgba(color)
        return rgba if rgba[3] == 0 else dark_color(rgba, least=least)

    def many(colors, least=1.0):
        out = []
        for c in colors:
            c = tuple(c)
            out.append(c if c[3] == 0 else dark_color(c, least=least))
        return out

    backgrounds = {id(fig.patch)} | {id(ax.patch) for ax in fig.axes}
    on_image = set()
    for ax in fig.axes:
        images = [im for im in ax.get_images() if isinstance(im, AxesImage)]
        for im in images:
            try:
                im.set_cmap(im.get_cmap().with_extremes(bad=BG))
            except (AttributeError, ValueError):
                pass
        if images:   # numbers printed on coloured cells were chosen for those cells: keep them
            on_image.update(id(t) for t in ax.texts)
    for artist in fig.findobj():
        try:
            if isinstance(artist, Text):
                if id(artist) not in on_image:
                    artist.set_color(one(artist.get_color(), TEXT_CONTRAST))
                box = artist.get_bbox_patch()
                if box is not None:
                    box.set_facecolor(one(box.get_facecolor()))
                    box.set_edgecolor(one(box.get_edgecolor()))
                arrow = getattr(artist, "arrow_patch", None)
                if arrow is not None:
                    arrow.set_color(one(arrow.get_edgecolor(), GRAPHIC_CONTRAST))
            elif isinstance(artist, Line2D):
                artist.set_color(one(artist.get_color(), GRAPHIC_CONTRAST))
                mfc, mec = artist.get_markerfacecolor(), artist.get_markeredgecolor()
                if not (isinstance(mfc, str) and mfc in ("none", "auto")):
                    artist.set_markerfacecolor(one(mfc, GRAPHIC_CONTRAST))
                if not (isinstance(mec, str) and mec in ("none", "auto")):
                    artist.set_markeredgecolor(one(mec, GRAPHIC_CONTRAST))
            elif isinstance(artist, Patch):
                if id(artist) in backgrounds:
                    continue
                artist.set_facecolor(one(artist.get_facecolor(), GRAPHIC_CONTRAST
                                         if artist.get_facecolor()[3] > 0.5 else 1.0))
                artist.set_edgecolor(one(artist.get_edgecolor()))
            elif isinstance(artist, Collection):
                fc = artist.get_facecolor()
                if len(fc):
                    artist.set_facecolor(many(fc, GRAPHIC_CONTRAST if max(c[3] for c in fc) > 0.5 else 1.0))
                ec = artist.get_edgecolor()
                if len(ec) and not isinstance(ec, str):
                    artist.set_edgecolor(many(ec))
        except (TypeError, ValueError):   # an artist with unusual colours keeps them
            continue
    fig.set_facecolor(BG)
    for ax in fig.axes:
        ax.set_facecolor(BG)
        # The charts' layout re-makes a legend that runs off a narrow figure with fewer columns
        # (ui.charts._style.FitLayout) at draw time, after this re-colouring: the legend it makes
        # must be light too ("Worth finding out" at 1024x768 was black on near-black).
        spec = getattr(ax, "_investsim_legend", None)
        if spec is not None:
            handles, labels, kwargs = spec
            ax._investsim_legend = (handles, labels, {**kwargs, "labelcolor": FG})


def dark_palette() -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    for r, c in ((role.Window, BG), (role.WindowText, FG), (role.Base, SURFACE), (role.AlternateBase, BG),
                 (role.Text, FG), (role.Button, SURFACE), (role.ButtonText, FG), (role.ToolTipBase, SURFACE),
                 (role.ToolTipText, FG), (role.Highlight, "#56B4E9"), (role.HighlightedText, BG),
                 (role.PlaceholderText, MUTED), (role.Mid, "#3A4350"), (role.Dark, "#05070A"),
                 (role.Light, "#5A6573"), (role.Midlight, "#3A4350"), (role.Shadow, "#000000")):
        pal.setColor(r, QColor(c))
    pal.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor(FAINT))
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(FAINT))
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(FAINT))
    return pal


def _px_font(widget: QWidget, px: float, *, bold: bool = False, weight=None) -> None:
    f = QFont(widget.font())
    f.setPixelSize(max(8, int(round(px))))
    if weight is not None:
        f.setWeight(weight)
    else:
        f.setBold(bold)
    widget.setFont(f)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- The verdict view ------------------------------------------------------------------

class _Tile(QFrame):
    """One alternative in big type: its expected value and how likely it is to lose money."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 20)
        lay.setSpacing(6)
        self.name = QLabel()
        self.name.setObjectName("tileName")
        self.name.setWordWrap(True)
        self.npv = QLabel()
        self.npv.setObjectName("tileNpv")
        self.caption = QLabel("expected value today (NPV)")
        self.caption.setObjectName("tileCaption")
        self.loss = QLabel()
        self.loss.setObjectName("tileLoss")
        self.loss.setWordWrap(True)
        self.range = QLabel()
        self.range.setObjectName("tileRange")
        self.range.setWordWrap(True)
        self.best = QLabel()
        self.best.setObjectName("tileBest")
        self.best.setWordWrap(True)
        for w in (self.name, self.npv, self.caption, self.loss, self.range, self.best):
            lay.addWidget(w)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._color = ""

    def set_color(self, color: str) -> None:
        if color == self._color:
            return
        self._color = color
        self.setStyleSheet(f"QFrame#tile {{ background: {SURFACE}; border-radius: 10px; border-top: 10px solid "
                           f"{color}; }} QLabel {{ background: transparent; }}"
                           f" QLabel#tileCaption, QLabel#tileRange, QLabel#tileBest {{ color: {MUTED}; }}")

    def scale(self, unit: float) -> None:
        _px_font(self.name, 1.6 * unit, bold=True)
        _px_font(self.npv, 3.6 * unit, weight=QFont.Weight.Bold)
        _px_font(self.caption, max(MIN_TEXT_PX, 1.05 * unit))
        _px_font(self.loss, max(MIN_TEXT_PX + 2, 1.5 * unit), bold=True)
        _px_font(self.range, max(MIN_TEXT_PX, 1.15 * unit))
        _px_font(self.best, max(MIN_TEXT_PX, 1.15 * unit))


def nice_ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [lo]
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


class RangeStrip(QWidget):
    """Where each alternative could land, on one money scale: a thick bar for the middle 80%
    of futures, thin whiskers to the 5th and 95th percentiles, a dot at the average, and the
    break-even line at zero. Painted with Qt: it follows every what-if preview at once."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("rangeStrip")
        self.rows: list[tuple[str, str, float, float, float, float, float]] = []
        self.currency = "USD"
        self.unit = 20.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_rows(self, rows, currency: str) -> None:
        self.rows = list(rows)
        self.currency = currency
        self.update()

    def text_px(self) -> int:
        """The pixel size of the strip's title, range labels and ticks."""
        return int(0.95 * max(self.unit, MIN_TEXT_PX / 0.95))

    def scale(self, unit: float) -> None:
        self.unit = unit
        u = max(unit, MIN_TEXT_PX / 0.95)
        self.setMinimumHeight(int(u * (4 + 2.2 * max(1, len(self.rows)))))
        self.update()

    def paintEvent(self, _event) -> None:
        from PySide6.QtCore import QPointF, QRectF
        from PySide6.QtGui import QPainter, QPen

        if not self.rows:
            return
        u = max(self.unit, MIN_TEXT_PX / 0.95)   # labels and ticks at least MIN_TEXT_PX
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        lo = min(min(r[2] for r in self.rows), 0.0)
        hi = max(max(r[6] for r in self.rows), 0.0)
        if not (hi > lo):
            hi, lo = lo + 1.0, lo - 1.0
        pad = 0.04 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        left, right = 0.5 * u, self.width() - 0.5 * u
        top = 2.6 * u
        bottom = self.height() - 2.2 * u
        x = lambda v: left + (v - lo) / (hi - lo) * (right - left)
        font = QFont(self.font())
        font.setPixelSize(self.text_px())
        p.setFont(font)
        # title and scale
        p.setPen(QColor(MUTED))
        p.drawText(QRectF(left, 0, right - left, 1.6 * u), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   "Where each could land: thick bar 8 in 10 futures, thin line 9 in 10, dot the average")
        for t in nice_ticks(lo, hi, 9):
            xt = x(t)
            p.setPen(QPen(QColor("#2A313B"), 1))
            p.drawLine(QPointF(xt, top - 0.4 * u), QPointF(xt, bottom))
            p.setPen(QColor(MUTED))
            text = fmt.money(t, self.currency) if abs(t) > 1e-9 * (hi - lo) else \
                fmt.money(0, self.currency)
            p.drawText(QRectF(xt - 4 * u, bottom + 0.3 * u, 8 * u, 1.4 * u), Qt.AlignmentFlag.AlignHCenter, text)
        x0 = x(0.0)
        p.setPen(QPen(QColor(FG), max(2.0, 0.12 * u)))
        p.drawLine(QPointF(x0, top - 1.0 * u), QPointF(x0, bottom))
        p.setPen(QColor(FG))
        p.drawText(QRectF(x0 + 0.3 * u, top - 1.3 * u, 12 * u, 1.2 * u), Qt.AlignmentFlag.AlignLeft, "break-even")
        p.setPen(QColor("#FF9E6B"))
        p.drawText(QRectF(x0 - 12.3 * u, top - 1.3 * u, 12 * u, 1.2 * u), Qt.AlignmentFlag.AlignRight, "loss")
        n = len(self.rows)
        band = (bottom - top) / n
        for i, (name, color, p5, p10, mean, p90, p95) in enumerate(self.rows):
            cy = top + (i + 0.5) * band
            thick = min(1.3 * u, 0.45 * band)
            c = QColor(color)
            p.setPen(QPen(c, max(2.0, 0.14 * u)))
            p.drawLine(QPointF(x(p5), cy), QPointF(x(p95), cy))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c)
            p.drawRoundedRect(QRectF(x(p10), cy - thick / 2, max(2.0, x(p90) - x(p10)), thick), 0.2 * u, 0.2 * u)
            label = dark_color((c.redF(), c.greenF(), c.blueF(), 1.0), least=TEXT_CONTRAST)
            p.setPen(QColor.fromRgbF(*label))
            p.drawText(QRectF(left, cy - thick / 2 - 1.5 * u, right - left, 1.3 * u),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, name)
            p.setBrush(QColor(FG))
            p.setPen(QPen(QColor(BG), max(2.0, 0.12 * u)))
            r = 0.42 * thick
            p.drawEllipse(QPointF(x(mean), cy), r, r)
        p.end()


class VerdictView(QWidget):
    """The first view: a tile per alternative and where each could land (the verdict
    sentence is the window's headline)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("verdictView")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(0)
        self.tiles_box = QWidget()
        self.grid = QGridLayout(self.tiles_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(20)
        outer.addWidget(self.tiles_box)
        self.strip = RangeStrip()
        outer.addSpacing(24)
        outer.addWidget(self.strip, 1)
        self.tiles: dict[str, _Tile] = {}
        self._unit = 20.0

    def set_results(self, results, colors: dict[str, str]) -> str:
        """Fill the tiles and the strip; returns the verdict sentence (the headline)."""
        s = results.summary
        sc = results.scenario
        names = [a.name for a in s.alternatives]
        if list(self.tiles) != names:
            for tile in self.tiles.values():
                self.grid.removeWidget(tile)
                tile.deleteLater()
            self.tiles = {}
            cols = min(3, max(1, len(names)))
            for i, name in enumerate(names):
                tile = _Tile(self.tiles_box)
                tile.scale(self._unit)
                self.tiles[name] = tile
                self.grid.addWidget(tile, i // cols, i % cols)
            for c in range(3):
                self.grid.setColumnStretch(c, 1 if c < cols else 0)
        scale = fmt.headline_scale(s.alternatives)     # the unit of the verdict and the Overview
        m = lambda x: fmt.money(x, sc.currency, scale=scale)
        several = len(names) > 1
        for a in s.alternatives:
            tile = self.tiles[a.name]
            tile.set_color(colors.get(a.name, "#888888"))
            tile.name.setText(a.name)
            tile.npv.setText(m(a.npv.mean))
            tile.caption.setText("expected value today (NPV" + (", after tax" if sc.tax_rate else "")
                                 + (", nominal" if sc.inflation else "") + ")")
            if a.prob_loss <= 0:
                tile.loss.setText("never loses money")
                tile.loss.setStyleSheet(f"color: {FG};")
            else:
                tile.loss.setText(f"loses money in {fmt.percent(a.prob_loss)} of futures")
                tile.loss.setStyleSheet("color: #FF9E6B;" if a.prob_loss >= 0.2 else f"color: {FG};")
            tile.range.setText(f"8 in 10 futures between {m(a.npv.p10)} and {m(a.npv.p90)}")
            if several:
                tile.best.setText(f"the best choice in {fmt.percent(s.comparison.prob_best.get(a.name, 0.0))} "
                                  "of futures")
            tile.best.setVisible(several)
        self.strip.set_rows([(a.name, colors.get(a.name, "#888888"), a.npv.p5, a.npv.p10, a.npv.mean, a.npv.p90,
                              a.npv.p95) for a in s.alternatives], sc.currency)
        self.strip.scale(self._unit)
        return s.verdict

    def scale(self, unit: float) -> None:
        self._unit = unit
        for tile in self.tiles.values():
            tile.scale(unit)
        self.strip.scale(unit)


# --- The chart view --------------------------------------------------------------------

class ChartView(QWidget):
    """One chart at a time on a single dark canvas, drawn at a DPI that suits the screen.
    Pictures are made in the render thread (:mod:`ui.livecanvas`); :attr:`shown` says when
    one is on screen."""

    rendered = Signal()   # after each picture reaches the screen (for the update-rate benchmark)
    #: A picture is on screen: its finding and the tag given to :meth:`show_chart`.
    shown = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        from ui.livecanvas import LiveCanvas
        from matplotlib.figure import Figure

        self.setObjectName("chartView")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        view = self

        class Canvas(LiveCanvas):
            def resizeEvent(self, event):
                # The DPI must follow the size *before* the canvas works out the figure's
                # size in inches from it; otherwise the picture and the widget disagree.
                size = event.size()
                dpi = view.dpi_for(size.width(), size.height()) * self.device_pixel_ratio
                if abs(self.figure.dpi - dpi) > 0.5:
                    self.figure.set_dpi(dpi)
                    view._layout_key = None
                super().resizeEvent(event)

        self.canvas = Canvas(Figure(dpi=100, facecolor=BG))
        self.canvas.setObjectName("presentationCanvas")
        self.canvas.setStyleSheet(f"background: {BG};")
        lay.addWidget(self.canvas)
        self.canvas.rendered.connect(self._on_rendered)
        self._layout_key = None          # (chart key, number of axes) of the remembered layout
        self._positions: list = []
        self._last_build = None
        self.render_times: list[float] = []
        self.error: str | None = None

    @property
    def figure(self):
        """The figure on screen."""
        return self.canvas.figure

    @property
    def busy(self) -> bool:
        """A picture asked for is not on screen yet."""
        return self.canvas.busy

    @staticmethod
    def dpi_for(width: int, height: int) -> float:
        """Bigger type on bigger screens, as far as the charts allow: they are laid out for
        about 13 x 6.4 inches (narrower clips some labels), so the DPI grows with the canvas
        beyond that (1.3x on a 1080-line projector, 2.5x at most), and shrinks a little on a
        small window rather than squeezing the charts."""
        # At least 100 DPI on a canvas of 820 px or wider (the charts fit 820 x 480 px at 100 DPI,
        # tests/charts): 13-point ticks are 18 px, readable at 720 lines.
        floor = 1.0 if width >= 820 else 0.75
        return 100.0 * max(floor, min(2.5, width / 1300.0, height / 640.0))

    def show_chart(self, spec, results, colors: dict[str, str], *, live: bool = False, tag=None) -> None:
        """Make the picture of ``spec`` for ``results``; :attr:`shown` gives its finding and
        ``tag`` when it is on screen. ``live``: a what-if preview (with constrained layout:
        drawn in the margins of the last full draw of the chart)."""
        options = {"target": None} if spec.targets is not None else {}
        layout_key, positions = self._layout_key, list(self._positions)

        def build(fig):   # runs in the render thread: no widgets here
            from matplotlib.layout_engine import ConstrainedLayoutEngine

            finding = spec.draw(fig, results, colors, **options) or ""
            if finding:                     # the window's headline says it, bigger
                from ui.charts._style import title_text

                title = title_text(fig)   # (the Text the chart code wrote)
                if title is not None:
                    title.set_visible(False)
                else:
                    fig.suptitle("")
            darken(fig)
            key = (spec.key, len(fig.axes))
            # Constrained layout re-solves the margins at every draw, the slowest part of a
            # frame: previews keep the last solution. Cheaper engines still run.
            solver = isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
            frozen = bool(live and solver and key == layout_key and len(positions) == len(fig.axes))
            if frozen:
                fig.set_layout_engine("none")
                for ax, pos in zip(fig.axes, positions):
                    ax.set_position(pos)
            return finding, key, frozen, tag

        self._last_build = build
        self.canvas.render_async(build)

    def _on_rendered(self, value, error) -> None:
        self.render_times.append(time.perf_counter())
        self.error = error
        finding, key, frozen, tag = value if value is not None else ("", None, False, None)
        if not frozen:   # remember the fitted layout for the previews that follow
            self._positions = [ax.get_position() for ax in self.figure.axes]
            self._layout_key = key
        self.rendered.emit()
        self.shown.emit(finding, tag)

    def render_now(self) -> None:
        """Make the newest picture again, here, and show it at once (screenshots, tests)."""
        if self._last_build is not None:
            self.canvas.render_now(self._last_build)


# --- The window ------------------------------------------------------------------------

class PresentationWindow(QMainWindow):
    """Full-screen, one view at a time, live. Create it with :func:`enter_presentation` or
    :class:`PresentationMode`; it can also run on its own (``python -m
    ui.workshop.presentation [FILE]``)."""

    #: The window closed (Esc, F5, or closed by the system).
    closed = Signal()
    #: The view on screen changed: its key ("overview" or a chart key) and headline.
    viewChanged = Signal(str, str)
    #: A view was drawn with new results (its headline).
    updated = Signal(str)

    def __init__(self, doc: Document, controller, *, results=None, show_whatif: bool = False,
                 parent: QWidget | None = None, reveal_state=None, gut_panel=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presentationWindow")
        self.reveal_state = reveal_state   # results hidden until the reveal (ui.workshop.gutcall.RevealState)
        self.gut_panel = gut_panel         # the gut calls, for the big-type reveal view
        self.setWindowTitle(f"{doc.scenario.title} — presentation")
        self.doc = doc
        self.controller = controller
        self.setPalette(dark_palette())
        self.setAutoFillBackground(True)
        self.setStyleSheet(f"QMainWindow#presentationWindow, QWidget#presentationBody {{ background: {BG}; }}"
                           f" QLabel {{ color: {FG}; }}"
                           f" QLabel#meta, QLabel#status, QLabel#hints {{ color: {MUTED}; }}"
                           f" QDockWidget {{ color: {FG}; }}"
                           f" QWidget#whatIfPanel, QWidget#whatIfBody, QScrollArea#whatIfScroll"
                           f" {{ background: {SURFACE}; }}"
                           f" QComboBox#whatIfPin, QPushButton#whatIfReset {{ background: {BG}; color: {FG};"
                           f" border: 1px solid {FAINT}; border-radius: 6px; padding: 4px 10px; }}"
                           f" QComboBox#whatIfPin QAbstractItemView {{ background: {SURFACE}; color: {FG}; }}"
                           f" QLabel#whatIfIntro, QLabel#whatIfLive, QLabel#whatIfEmpty {{ color: {MUTED}; }}"
                           f" QToolButton#whatIfToggle {{ color: {MUTED}; border: 1px solid {FAINT};"
                           f" border-radius: 6px; padding: 4px 10px; }}"
                           f" QToolButton#whatIfToggle:checked {{ color: {FG}; border-color: {FG}; }}")

        from ui.charts import ALL_CHARTS

        self.specs = {spec.key: spec for spec in ALL_CHARTS}
        self.views: list[tuple[str, str]] = [(OVERVIEW, "The verdict")] + [(s.key, s.title) for s in ALL_CHARTS]
        if gut_panel is not None:
            self.views.insert(1, (REVEAL, "The gut calls"))
        self.index = 0
        self.results = None
        self.preview = False
        self.live = False
        self.headline_text = ""
        self._drawn: tuple | None = None     # (view key, id of results) on screen or on its way
        self._drawn_view: str | None = None   # the chart view whose picture is on screen

        body = QWidget()
        body.setObjectName("presentationBody")
        outer = QVBoxLayout(body)
        self._outer = outer
        top = QHBoxLayout()
        self.meta = QLabel()
        self.meta.setObjectName("meta")
        top.addWidget(self.meta, 1)
        self.whatif_toggle = QToolButton()
        self.whatif_toggle.setObjectName("whatIfToggle")
        self.whatif_toggle.setText("What if… (W)")
        self.whatif_toggle.setCheckable(True)
        self.whatif_toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.whatif_toggle.setToolTip("Show or hide the what-if sliders (W).")
        top.addWidget(self.whatif_toggle)
        outer.addLayout(top)
        self.headline = QLabel()
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        outer.addWidget(self.headline)
        self.stack = QStackedWidget()
        self.verdict_view = VerdictView()
        self.chart_view = ChartView()
        self.chart_view.shown.connect(self._chart_shown)
        self.stack.addWidget(self.verdict_view)
        self.stack.addWidget(self.chart_view)
        from .session import HiddenPage, RevealView

        self.hidden_page = HiddenPage()
        self.reveal_view = RevealView()
        self.stack.addWidget(self.hidden_page)
        self.stack.addWidget(self.reveal_view)
        outer.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("status")
        bottom.addWidget(self.status, 1)
        self.hints = QLabel("←  →  views     W  what if     B  blank     Esc  leave")
        self.hints.setObjectName("hints")
        bottom.addWidget(self.hints)
        # Long lines wrap rather than widen the window: with the what-if dock open on a 1024-px
        # projector the window must stay within the screen.
        for label in (self.meta, self.status, self.hints):
            label.setWordWrap(True)
            label.setMinimumWidth(1)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hints.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bottom.setStretch(0, 1)
        bottom.setStretch(1, 1)
        outer.addLayout(bottom)
        self.setCentralWidget(body)

        # The what-if sliders, docked on the right (mouse only: the keys step the views).
        from .whatif import WhatIfPanel

        self.whatif = WhatIfPanel(doc, controller, keyboard=False)
        self.dock = QDockWidget("What if", self)
        self.dock.setObjectName("whatIfDock")
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.dock.setTitleBarWidget(QWidget())
        self.dock.setWidget(self.whatif)
        self.dock.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.setVisible(show_whatif)
        self.whatif_toggle.setChecked(show_whatif)
        self.whatif_toggle.toggled.connect(self.set_whatif_visible)
        self.whatif.previewReady.connect(self._on_preview)
        self.whatif.runner.wait_for(lambda: self.chart_view.busy)
        self.chart_view.rendered.connect(self.whatif.runner.view_done)

        self._build_actions()
        controller.resultsReady.connect(self._on_results)
        controller.started.connect(self._on_started)
        controller.failed.connect(self._on_failed)
        doc.changed.connect(self._on_doc_changed)
        if reveal_state is not None:
            reveal_state.changed.connect(self._on_hidden_changed)
        if gut_panel is not None:
            gut_panel.revealed.connect(self._on_revealed)
            gut_panel.callsChanged.connect(self._refresh_reveal_view)
        from .session import install_room_keys, room_of

        self.room = install_room_keys(self, room_of(parent), on_zoom=self._scale_fonts,
                                      place_timer=self._timer_place)
        self._scale_fonts()
        if self.hidden:
            self._on_hidden_changed(True)

        first = results
        if first is None and getattr(controller, "latest", None) is not None:
            first = controller.latest
        if first is not None:
            self.show_results(first, bool(getattr(controller, "latest_is_preview", False)) if results is None
                              else False)
        else:
            self._show_waiting("Simulating…")
        self._show_view()

    # -- keys ------------------------------------------------------------------------
    def _key_action(self, name: str, keys, slot) -> QAction:
        action = QAction(name, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) if isinstance(k, str) else QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = Qt.Key
        self.act_next = self._key_action("next", [K.Key_Right, K.Key_PageDown, K.Key_Down, K.Key_Space], self.next)
        self.act_prev = self._key_action("previous", [K.Key_Left, K.Key_PageUp, K.Key_Up, K.Key_Backspace],
                                         self.previous)
        self.act_first = self._key_action("first", [K.Key_Home], lambda: self.go(0))
        self.act_last = self._key_action("last", [K.Key_End], lambda: self.go(len(self.views) - 1))
        self.act_leave = self._key_action("leave", [K.Key_Escape, K.Key_F5], self.close)
        self.act_whatif = self._key_action("whatIf", [K.Key_W], self.whatif_toggle.toggle)
        self.act_undo = self._key_action("undo", [QKeySequence.StandardKey.Undo], self.doc.undo_stack.undo)
        self.act_redo = self._key_action("redo", ["Ctrl+Shift+Z", "Ctrl+Y"], self.doc.undo_stack.redo)

    def keyPressEvent(self, event) -> None:
        """The same keys when they reach the window itself rather than as shortcuts (the
        window not active yet, or a child passed them on)."""
        K = Qt.Key
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
            return
        key = event.key()
        if key in (K.Key_Right, K.Key_PageDown, K.Key_Down, K.Key_Space):
            self.next()
        elif key in (K.Key_Left, K.Key_PageUp, K.Key_Up, K.Key_Backspace):
            self.previous()
        elif key == K.Key_Home:
            self.go(0)
        elif key == K.Key_End:
            self.go(len(self.views) - 1)
        elif key in (K.Key_Escape, K.Key_F5):
            self.close()
        elif key == K.Key_W:
            self.whatif_toggle.toggle()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- stepping --------------------------------------------------------------------
    @property
    def view_key(self) -> str:
        return self.views[self.index][0]

    def go(self, index: int) -> None:
        index = max(0, min(len(self.views) - 1, index))
        if index != self.index:
            self.index = index
            self._show_view()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def go_to(self, key: str) -> bool:
        for i, (k, _) in enumerate(self.views):
            if k == key:
                self.go(i)
                return True
        return False

    def set_whatif_visible(self, visible: bool) -> None:
        if self.whatif_toggle.isChecked() != visible:
            self.whatif_toggle.setChecked(visible)
            return
        self.dock.setVisible(visible)
        self.setFocus()

    def _timer_place(self, overlay):
        """The countdown sits left of the what-if button, on the line of the view's title."""
        from PySide6.QtCore import QPoint

        at = self.whatif_toggle.mapTo(self, QPoint(0, 0))
        return QPoint(max(0, at.x() - overlay.width() - 16), max(0, at.y() + (self.whatif_toggle.height()
                                                                               - overlay.height()) // 2))

    # -- the reveal ------------------------------------------------------------------
    @property
    def hidden(self) -> bool:
        """Results are hidden until the reveal: no verdict, chart or finding is shown."""
        return bool(self.reveal_state is not None and self.reveal_state.hidden)

    def _on_hidden_changed(self, hidden: bool) -> None:
        if hasattr(self.whatif, "set_results_hidden"):   # the what-if panel's before/after (contract)
            self.whatif.set_results_hidden(hidden)
        if hidden:
            self._drawn = None
            self.stack.setCurrentWidget(self.hidden_page)
            self.headline_text = HIDDEN_HEADLINE
            self.headline.setText(HIDDEN_HEADLINE)
            self.viewChanged.emit(self.view_key, self.headline_text)
        else:
            self._show_view()

    def _on_revealed(self, _reveal) -> None:
        self._refresh_reveal_view()
        if not self.hidden:
            self.go_to(REVEAL)

    def _refresh_reveal_view(self) -> None:
        panel = self.gut_panel
        if panel is None:
            return
        self.reveal_view.set_reveal(getattr(panel, "reveal_result", None), len(panel.calls))
        if self.view_key == REVEAL and not self.hidden:
            self._set_headline(self.reveal_view.headline_text)

    # -- results ---------------------------------------------------------------------
    @Slot(object, bool)
    def _on_results(self, results, preview: bool) -> None:
        self.show_results(results, preview)

    @Slot(object)
    def _on_preview(self, results) -> None:
        self.show_results(results, True, live=True)

    def _on_started(self, iterations: int, _preview: bool) -> None:
        if self.results is None:
            self._show_waiting(f"Simulating {iterations:,} futures…")

    def _on_failed(self, exc, _details: str) -> None:
        problems = getattr(exc, "problems", None)
        text = problems[0].message if problems else f"{type(exc).__name__}: {exc}"
        self.status.setText(f"The last change cannot be simulated: {text}. Ctrl+Z undoes it.")

    def _on_doc_changed(self, scenario, _select) -> None:
        self.setWindowTitle(f"{scenario.title} — presentation")

    def show_results(self, results, preview: bool, *, live: bool = False) -> None:
        """Show ``results`` in the current view (only the view on screen is drawn)."""
        self.results = results
        self.preview = preview
        self.live = live
        self._drawn = None
        sc = results.scenario
        if live:
            self.status.setText(f"What-if preview from {results.iterations:,} futures — let go of the slider to "
                                "keep it")
        elif preview:
            self.status.setText(f"Quick preview from {results.iterations:,} futures; the full run follows…")
        else:
            self.status.setText(f"{results.iterations:,} simulated futures over {sc.horizon_years} years · "
                                f"seed {results.seed}")
        if self.isVisible():
            self._draw()

    def _show_waiting(self, text: str) -> None:
        self.headline_text = text
        self.headline.setText(text)
        self.status.setText("")

    def _show_view(self) -> None:
        key, title = self.views[self.index]
        self.meta.setText(f"{self.doc.scenario.title}   ·   {self.index + 1} / {len(self.views)}   {title}")
        if self.hidden:
            self.stack.setCurrentWidget(self.hidden_page)
            self.viewChanged.emit(key, self.headline_text)
            return
        if key == REVEAL:
            self._drawn = None
            self.stack.setCurrentWidget(self.reveal_view)
            self._refresh_reveal_view()
            self._set_headline(self.reveal_view.headline_text)
            self.viewChanged.emit(key, self.headline_text)
            return
        # A chart replaces the view on screen when its picture is ready (_chart_shown), except
        # the first time: a canvas never shown does not know its size yet and waits to be shown.
        at_once = key == OVERVIEW or self.results is None or not self.chart_view.canvas.shown_once
        if at_once:
            self.stack.setCurrentWidget(self.verdict_view if key == OVERVIEW else self.chart_view)
        self._drawn = None
        if self.isVisible():
            self._draw()
        if key == OVERVIEW or self.results is None:
            self.viewChanged.emit(key, self.headline_text)

    def _draw(self) -> None:
        results = self.results
        if results is None or self.hidden:
            return
        key = self.view_key
        if key == REVEAL:
            return
        if self._drawn == (key, id(results)):
            return
        colors = colors_for(results.names)
        self._drawn = (key, id(results))
        if key != OVERVIEW:
            self.chart_view.show_chart(self.specs[key], results, colors, live=self.live, tag=self._drawn)
            return
        self._set_headline(self.verdict_view.set_results(results, colors))

    def _chart_shown(self, finding: str, tag) -> None:
        """A chart's picture is on screen: show it with its finding, if it is still the view."""
        if tag is None or tag[0] != self.view_key or self.hidden:
            return
        changed = self.stack.currentWidget() is not self.chart_view
        self.stack.setCurrentWidget(self.chart_view)
        self._set_headline(finding or self.chart_view.error or self.views[self.index][1])
        if changed or tag[0] != self._drawn_view:
            self._drawn_view = tag[0]
            self.viewChanged.emit(self.view_key, self.headline_text)

    def _set_headline(self, headline: str) -> None:
        self.headline_text = headline
        self.headline.setText(headline)
        # While a slider moves, the headline keeps the most lines it needed: one that wraps
        # differently must not resize the chart below it (each resize remakes the picture).
        needed = self.headline.heightForWidth(self.headline.width()) if self.headline.width() > 0 else 0
        floor = getattr(self, "_headline_floor", 0)
        self.headline.setMinimumHeight(max(floor, needed, self.headline.minimumHeight()) if self.live else floor)
        self.updated.emit(headline)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._draw()
        QTimer.singleShot(0, self, self.setFocus)

    # -- size ------------------------------------------------------------------------
    def _scale_fonts(self) -> None:
        h = max(self.height(), 400)
        unit = max(12.0, h / 54.0)          # 20 px on a 1080-line projector
        room = getattr(self, "room", None)
        if room is None:    # not built yet
            return
        unit *= room.zoom                   # Ctrl+= / Ctrl+- / Ctrl+0
        least = MIN_TEXT_PX * max(1.0, room.zoom)   # zooming in grows the smallest type too
        self._outer.setContentsMargins(int(2.4 * unit), int(1.2 * unit), int(2.4 * unit), int(0.8 * unit))
        self._outer.setSpacing(int(0.6 * unit))
        small = max(least, 0.95 * unit)
        _px_font(self.meta, max(least, 1.0 * unit))
        _px_font(self.status, small)
        _px_font(self.hints, small)
        _px_font(self.whatif_toggle, small)
        _px_font(self.headline, max(28.0 * max(1.0, room.zoom), 1.75 * unit), weight=QFont.Weight.DemiBold)
        self.hidden_page.scale(unit)
        self.reveal_view.scale(unit)
        self.room.scale(unit)
        self._headline_floor = 2 * self.headline.fontMetrics().lineSpacing()   # two lines at least
        self.headline.setMinimumHeight(self._headline_floor)
        self.verdict_view.scale(unit)
        px = int(round(max(MIN_TEXT_PX, 0.9 * unit)))
        self.whatif.setStyleSheet(f"QLabel, QComboBox, QPushButton {{ font-size: {px}px; }}"
                                  f" QLabel#whatIfTitle {{ font-size: {int(1.3 * px)}px; font-weight: bold; }}")
        self.dock.setMinimumWidth(int(18 * unit))
        self.dock.setMaximumWidth(int(26 * unit))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scale_fonts()

    # -- leaving ---------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.whatif.shutdown()
        for signal, slot in ((self.controller.resultsReady, self._on_results),
                             (self.controller.started, self._on_started),
                             (self.controller.failed, self._on_failed),
                             (self.doc.changed, self._on_doc_changed),
                             *(((self.reveal_state.changed, self._on_hidden_changed),)
                               if self.reveal_state is not None else ()),
                             *(((self.gut_panel.revealed, self._on_revealed),
                                (self.gut_panel.callsChanged, self._refresh_reveal_view))
                               if self.gut_panel is not None else ())):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self.room.shutdown()
        super().closeEvent(event)
        self.closed.emit()


# --- Entry points ----------------------------------------------------------------------

def _screen_for(host: QWidget | None):
    """The projector if there is one: a screen other than the host window's, else the host's."""
    screens = QGuiApplication.screens()
    here = host.screen() if host is not None else QGuiApplication.primaryScreen()
    others = [s for s in screens if s is not here]
    return others[0] if others else here


def enter_presentation(source, controller=None, *, fullscreen: bool = True, show_whatif: bool = False,
                       parent: QWidget | None = None, reveal_state=None, gut_panel=None) -> PresentationWindow:
    """Open presentation mode and return its window.

    ``source`` is the main window (anything with ``doc`` and ``controller``; it also becomes
    the window's owner) or a :class:`~ui.document.Document`, with ``controller`` the
    :class:`~ui.runner.SimulationController` that simulates it. The window shows the latest
    results at once and follows every new run.
    """
    if isinstance(source, Document):
        doc = source
        host = parent
    else:
        doc = source.doc
        controller = controller or source.controller
        host = parent or source
        reveal_state = reveal_state or getattr(source, "reveal_state", None)
        gut_panel = gut_panel or getattr(source, "gut_panel", None)
    if controller is None:
        raise ValueError("presentation mode needs the SimulationController that simulates the document")
    window = PresentationWindow(doc, controller, show_whatif=show_whatif, parent=host, reveal_state=reveal_state,
                                gut_panel=gut_panel)
    if fullscreen:
        screen = _screen_for(host)
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
    return window


class PresentationMode(QObject):
    """Presentation mode for a main window: ``action`` (checkable, F5) enters and leaves it.

    Put ``action`` in a menu and on the toolbar. While the window is open, F5 and Esc in it
    leave; the action's check mark follows.
    """

    entered = Signal(object)   # the PresentationWindow
    left = Signal()

    def __init__(self, doc: Document, controller, host: QWidget | None = None, *, shortcut: str = "F5"):
        super().__init__(host)
        self.doc = doc
        self.controller = controller
        self.host = host
        self.window: PresentationWindow | None = None
        self.reveal_state = None   # set by the main window: presentation obeys the reveal
        self.gut_panel = None      # set by the main window: the big-type reveal view
        self.action = QAction("&Present", self)
        self.action.setObjectName("presentAction")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(shortcut))
        tip = (f"Presentation mode ({shortcut}): full screen, big type, one view at a time, still live. "
               "Arrow keys or a clicker step through the views; W shows the what-if sliders; Esc leaves.")
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self._triggered)

    @property
    def active(self) -> bool:
        return self.window is not None

    def _triggered(self, checked: bool) -> None:
        if checked:
            self.enter()
        else:
            self.leave()

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self, *, fullscreen: bool = True) -> PresentationWindow:
        if self.window is not None:
            self.window.raise_()
            self.window.activateWindow()
            return self.window
        window = enter_presentation(self.doc, self.controller, fullscreen=fullscreen, parent=self.host,
                                    reveal_state=self.reveal_state, gut_panel=self.gut_panel)
        window.closed.connect(self._closed)
        self.window = window
        self.action.setChecked(True)
        self.entered.emit(window)
        return window

    def leave(self) -> None:
        if self.window is not None:
            self.window.close()     # -> _closed

    def _closed(self) -> None:
        window, self.window = self.window, None
        self.action.setChecked(False)
        if window is not None:
            window.deleteLater()
        if self.host is not None:
            self.host.activateWindow()
        self.left.emit()


def demo(path: str | None = None) -> PresentationWindow:
    """Presentation mode on a bundled (or given) scenario, on its own (windowed, 1280x720)."""
    from .._demo import demo_scenario
    from ..runner import SimulationController

    doc = Document(demo_scenario(path))
    controller = SimulationController()
    doc.changed.connect(lambda scenario, _sel: controller.request(scenario))
    window = PresentationWindow(doc, controller, show_whatif=True)
    controller.setParent(window)
    window.resize(1280, 720)
    window.closed.connect(lambda: controller.shutdown())
    controller.request(doc.scenario, immediate=True)
    return window


if __name__ == "__main__":  # a quick look: python -m ui.workshop.presentation [FILE]
    from .._demo import run_demo

    run_demo(demo)
