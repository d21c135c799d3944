"""Charts built and rendered off the GUI thread.

Drawing a chart with matplotlib takes 60-200 ms here (text layout and glyph rendering
dominate), far too long for the GUI thread while a slider moves or a big run streams in.
A :class:`LiveCanvas` is a ``FigureCanvasQTAgg`` whose pictures are made in one background
thread: :meth:`LiveCanvas.render_async` hands a *build* function to that thread, which builds
a fresh ``Figure`` of the canvas's size with it, renders it with Agg, and passes the finished
figure back; the GUI thread then only swaps it in and copies its pixels to the screen (a few
milliseconds). The swapped-in figure is an ordinary figure of the canvas, so the navigation
toolbar (zoom, pan, save) and ``mpl_connect`` listeners keep working, and a ``draw_event``
is sent in the GUI thread after each swap, as after a normal draw.

Newest wins: a build that is superseded before it starts is skipped, and a finished picture
older than the newest one shown is dropped. Builds run one at a time (matplotlib draws one
figure at a time anyway: ``Figure.draw`` holds a process-wide lock), in a thread pool of its
own so they never wait behind a simulation. A build must not touch widgets; it gets only the
figure, and what it returns is passed to :attr:`LiveCanvas.rendered`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

import PySide6.QtWidgets  # noqa: F401  (Qt first, so matplotlib picks PySide6)
from matplotlib.backend_bases import DrawEvent, ResizeEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

Build = Callable[[Figure], Any]

_pool: QThreadPool | None = None


def render_pool() -> QThreadPool:
    """The pool chart pictures are made in: one thread, idle threads expire after 10 s."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setObjectName("chartRendering")
        _pool.setMaxThreadCount(1)
        _pool.setExpiryTimeout(10_000)
        app = QCoreApplication.instance()
        if app is not None:   # never leave a picture half made at exit
            app.aboutToQuit.connect(wait_for_renders)
    return _pool


def wait_for_renders(timeout_ms: int = 30_000) -> bool:
    """Wait until no picture is being made (tests, shutdown). True if the pool is idle."""
    return _pool is None or _pool.waitForDone(timeout_ms)


class _Relay(QObject):
    """Carries finished pictures from the render thread to the GUI thread."""

    done = Signal(int, object, object, object)   # generation, figure, value, error text or None


def make_picture(build: Build, size_inches, dpi: float, facecolor) -> tuple[Figure, Any, str | None]:
    """Build a fresh figure with ``build`` and render it with Agg (any thread). Returns the
    figure, what ``build`` returned, and the error text if building or rendering failed (the
    figure then says so in words)."""
    from ui.charts._style import chart_rc

    fig = Figure(figsize=size_inches, dpi=dpi, facecolor=facecolor)
    FigureCanvasAgg(fig)
    value, error = None, None
    with chart_rc():
        try:
            value = build(fig)
            fig.canvas.draw()
        except Exception as exc:  # a chart bug shows as words in the chart, never a crash
            traceback.print_exc(file=sys.stderr)
            error = f"This chart could not be drawn: {type(exc).__name__}: {exc}"
            fig.clear()
            fig.text(0.5, 0.5, error, ha="center", va="center", wrap=True, fontsize=12)
            fig.canvas.draw()
    return fig, value, error


class ChartCanvas(FigureCanvasQTAgg):
    """A plain Qt canvas that draws with the charts' rendering settings
    (:func:`ui.charts._style.chart_rc`), for figures drawn in the GUI thread."""

    def draw(self) -> None:
        from ui.charts._style import chart_rc

        with chart_rc():
            super().draw()


class LiveCanvas(ChartCanvas):
    """A Qt canvas whose figures are built and rendered in a background thread."""

    #: A new picture is on screen: what its build returned, and the error text (or None).
    rendered = Signal(object, object)

    def __init__(self, figure: Figure | None = None):
        super().__init__(figure if figure is not None else Figure(dpi=100))
        self._gen = 0           # newest picture asked for
        self._shown = 0         # generation of the picture on screen
        self._relay = _Relay(self)
        self._relay.done.connect(self._finished)
        self.error: str | None = None
        self._waiting: Build | None = None     # asked for before the canvas was first shown
        self._last_build: Build | None = None  # the newest picture's build (remade on resize)
        self._stale = False                    # the picture on screen was made for another size
        self.shown_once = False

    def showEvent(self, event) -> None:
        super().showEvent(event)         # (applies the screen's pixel ratio to the figure)
        self.shown_once = True
        if self._waiting is not None:
            self.render_async(self._waiting)

    def resizeEvent(self, event) -> None:
        """A new size: the picture is remade in the render thread (the old one stays on screen
        meanwhile), unless the user zoomed or panned it, which only a redraw here keeps."""
        zoomed = self.toolbar is not None and len(self.toolbar._nav_stack) > 0
        if self._last_build is None or not self.shown_once or zoomed:
            super().resizeEvent(event)
            return
        ratio, dpi = self.device_pixel_ratio, self.figure.dpi
        self.figure.set_size_inches(event.size().width() * ratio / dpi, event.size().height() * ratio / dpi,
                                    forward=False)
        QWidget.resizeEvent(self, event)
        ResizeEvent("resize_event", self)._process()
        self._stale = True
        self.render_async(self._last_build)

    def paintEvent(self, event) -> None:
        if not self._stale or not hasattr(self, "renderer"):
            super().paintEvent(event)
            return
        # The last picture, as it was, until the one for this size arrives.
        buf = memoryview(self.renderer.buffer_rgba())
        image = QImage(buf, buf.shape[1], buf.shape[0], QImage.Format.Format_RGBA8888)
        image.setDevicePixelRatio(self.device_pixel_ratio)
        painter = QPainter(self)
        try:
            painter.eraseRect(self.rect())
            painter.drawImage(0, 0, image)
        finally:
            painter.end()

    @property
    def busy(self) -> bool:
        """A picture asked for is not on screen yet."""
        return self._shown < self._gen

    def _job(self) -> tuple[int, tuple, float, Any]:
        self._gen += 1
        fig = self.figure
        return self._gen, tuple(fig.get_size_inches()), fig.dpi, fig.get_facecolor()

    def render_async(self, build: Build) -> None:
        """Make a new picture with ``build`` in the render thread; it replaces the one on screen
        when done (unless a newer one was asked for meanwhile). A canvas never shown yet waits
        for its first show, when it knows its size and the screen's pixel ratio."""
        self._last_build = build
        if not self.shown_once:
            self._gen += 1               # counts as asked for: busy until it is on screen
            self._waiting = build
            return
        self._waiting = None
        gen, size, dpi, face = self._job()
        relay = self._relay
        owner = self

        def work() -> None:
            if gen != owner._gen:        # superseded before it started: skip it
                return
            fig, value, error = make_picture(build, size, dpi, face)
            try:
                relay.done.emit(gen, fig, value, error)
            except RuntimeError:         # the canvas was closed meanwhile
                pass

        render_pool().start(work)

    def render_now(self, build: Build) -> Any:
        """Make the picture in this thread and show it at once (screenshots). Returns what
        ``build`` returned."""
        self._waiting = None
        self._last_build = build
        gen, size, dpi, face = self._job()
        fig, value, error = make_picture(build, size, dpi, face)
        self._finished(gen, fig, value, error)
        return value

    def clear_picture(self) -> None:
        """Show an empty figure; pictures asked for before are dropped when they arrive."""
        self._gen += 1
        self._shown = self._gen
        self.figure.clear()
        self.draw_idle()

    @Slot(int, object, object, object)
    def _finished(self, gen: int, fig: Figure, value, error) -> None:
        if gen <= self._shown:
            return                       # an older picture than the one on screen
        self._shown = gen
        self.error = error
        self.adopt(fig)
        self.rendered.emit(value, error)

    def adopt(self, fig: Figure) -> None:
        """Show ``fig``, already rendered by its own Agg canvas, in place of the current figure."""
        old = self.figure
        agg = fig.canvas
        # The canvas's listeners (toolbar, mpl_connect) live on its figure: move them over,
        # with the new figure's own pick handlers in place of the old one's.
        callbacks = old._canvas_callbacks
        for cid in (old._button_pick_id, old._scroll_pick_id):
            callbacks.disconnect(cid)
        fig._canvas_callbacks = callbacks
        fig._button_pick_id = callbacks._connect_picklable("button_press_event", fig.pick)
        fig._scroll_pick_id = callbacks._connect_picklable("scroll_event", fig.pick)
        fig._original_dpi = getattr(old, "_original_dpi", fig.dpi)
        fig.set_canvas(self)
        self.figure = fig
        if self.toolbar is not None:
            self.toolbar.update()        # forget zoom history of the old axes
        self.renderer, self._lastKey = agg.renderer, self._size_key()
        w, h = fig.bbox.size
        ratio = self.device_pixel_ratio
        self._stale = abs(w - self.width() * ratio) > 1 or abs(h - self.height() * ratio) > 1
        if self._stale:                  # the widget changed size meanwhile: remake it for this size
            fig._set_dpi(old.dpi, forward=False)   # the DPI the canvas gave its figure (pixel ratio)
            self._fit_figure()
            if self._gen == self._shown and self._last_build is not None:
                self.render_async(self._last_build)
        DrawEvent("draw_event", self, self.renderer)._process()
        self.update()

    def _size_key(self) -> tuple:
        w, h = self.get_width_height(physical=True)
        return w, h, self.figure.dpi

    def _fit_figure(self) -> None:
        ratio = self.device_pixel_ratio
        dpi = self.figure.dpi
        self.figure.set_size_inches(self.width() * ratio / dpi, self.height() * ratio / dpi, forward=False)
