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
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

import PySide6.QtWidgets  # noqa: F401  (Qt first, so matplotlib picks PySide6)
from matplotlib.backend_bases import DrawEvent, ResizeEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from ui.charts._textcache import TextCachingCanvasAgg, TextCachingRenderer

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


def _structure_key(structure):
    """The structure key of a picture: ``structure`` itself, or what it returns when it is a
    function (worked out in the render thread: a chart's key may read the results, such as the
    rows the drivers chart shows, which costs tens of ms at a million futures). A key that
    cannot be worked out is None: the picture is built afresh."""
    if not callable(structure):
        return structure
    try:
        return structure()
    except Exception:   # (a chart of another shape): built afresh
        return None


class _Relay(QObject):
    """Carries news of pictures from the render thread to the GUI thread."""

    done = Signal(int, object, object, object)   # generation, figure, value, error text or None
    began = Signal(int)                          # generation whose making began
    skipped = Signal(int, object)                # generation, figure built but not rendered (superseded)


def _draw_error(fig: Figure, exc: Exception) -> str:
    traceback.print_exc(file=sys.stderr)
    error = f"This chart could not be drawn: {type(exc).__name__}: {exc}"
    fig.clear()
    fig.text(0.5, 0.5, error, ha="center", va="center", wrap=True, fontsize=12)
    fig.canvas.draw()
    return error


def make_picture(build: Build, size_inches, dpi: float, facecolor, *, base_dpi: float | None = None,
                 figure: Figure | None = None, update: Build | None = None,
                 agg: FigureCanvasAgg | None = None,
                 wanted: Callable[[], bool] | None = None) -> tuple[Figure, Any, str | None]:
    """Build a figure with ``build`` and render it with Agg (any thread). Returns the figure,
    what ``build`` returned, and the error text if building or rendering failed (the figure
    then says so in words).

    ``figure``: a figure made before for the same structure (not on screen): it is resized to
    ``size_inches``/``dpi`` and ``update`` (or ``build``) redraws it in place. ``base_dpi``:
    the DPI before the screen's pixel ratio (``dpi`` is the physical one). ``agg``: the Agg
    canvas ``figure`` was rendered with before: its renderer, and with it matplotlib's cache of
    text measurements (kept per renderer), serves this picture too. ``wanted()`` false after
    the build: a newer picture was asked for meanwhile, so this one is not rendered (the
    figure is complete, and may be redrawn in place later); the error text is then None and
    the value what the build returned."""
    from ui.charts._style import chart_rc

    fig = figure
    if fig is None:
        fig = Figure(figsize=size_inches, dpi=base_dpi or dpi, facecolor=facecolor)
        fn = build
    else:
        fn = update or build
    if agg is not None and agg.figure is fig:
        fig.set_canvas(agg)
    else:
        TextCachingCanvasAgg(fig)        # (keeps the figure's DPI before the pixel ratio)
    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    if tuple(fig.get_size_inches()) != tuple(size_inches):
        fig.set_size_inches(*size_inches, forward=False)
    value, error = None, None
    with chart_rc():
        try:
            value = fn(fig)
            if wanted is None or wanted():
                fig.canvas.draw()
        except Exception as exc:  # a chart bug shows as words in the chart, never a crash
            error = _draw_error(fig, exc)
    return fig, value, error


class ChartCanvas(FigureCanvasQTAgg):
    """A plain Qt canvas that draws with the charts' rendering settings
    (:func:`ui.charts._style.chart_rc`), for figures drawn in the GUI thread."""

    def draw(self) -> None:
        from ui.charts._style import chart_rc

        with chart_rc():
            super().draw()


class LiveCanvas(ChartCanvas):
    """A Qt canvas whose figures are built and rendered in a background thread.

    A *live view*: the figure shown is kept, with the one it replaced as a spare. A new picture
    of the same *structure* (``render_async(build, structure=key, update=fn)``, the same key as
    the picture shown) is made by ``update`` on the spare, in place (its artists are kept:
    data, limits and texts change); another structure, or another size, builds a fresh figure.
    Only public matplotlib API: the canvas's ``mpl_connect`` listeners (toolbar and others) are
    moved to each figure put on screen, and the pictures rendered in the render thread are
    what :meth:`get_renderer` gives the Qt paint code."""

    #: A new picture is on screen: what its build returned, and the error text (or None).
    rendered = Signal(object, object)
    #: The render thread began making the newest picture asked for (none waits behind it).
    began = Signal()

    def __init__(self, figure: Figure | None = None):
        super().__init__(figure if figure is not None else Figure(dpi=100))
        self._gen = 0           # newest picture asked for
        self._shown = 0         # generation of the picture on screen
        # No parent: the relay belongs to Python, so a render still running when the canvas is
        # closed keeps it alive until it has emitted (a relay deleted with its canvas while the
        # render thread emitted crashed the process). The canvas's side of the connection is
        # dropped by Qt when the canvas goes, so a late picture is simply not delivered.
        self._relay = _Relay()
        self._relay.done.connect(self._finished)
        self._relay.began.connect(self._began)
        self._relay.skipped.connect(self._skipped)
        self._begun = 0         # newest generation whose making began (set in the render thread)
        self.error: str | None = None
        self._waiting: tuple | None = None     # asked for before the canvas was first shown
        self._last: tuple | None = None        # the newest picture's (build, structure, update)
        self._stale = False                    # the picture on screen was made for another size
        self.shown_once = False
        self._picture = None                   # the renderer of the picture on screen (render thread's)
        self._last_picture = None              # ... kept for painting while a new size is made
        self._own = None                       # the renderer of pictures redrawn here (zoom, pan)
        self._zoomed = False                   # the user zoomed or panned the picture on screen
        self._structure = None                 # the structure key of the figure on screen
        self._spare: tuple | None = None       # (structure, figure, Agg canvas) no longer on screen
        self._agg = None                       # the Agg canvas that rendered the figure on screen
        self._spare_lock = threading.Lock()
        self._jobs: dict[int, object] = {}     # generation -> structure key asked for
        self._conns: dict[int, list] = {}      # our connection id -> [event, func, id on the figure]
        self._next_cid = 1_000_000
        #: pictures made in place (update) and from scratch (build), for tests and the bench
        self.updates = 0
        self.builds = 0

    # -- listeners follow the figure on screen --------------------------------------
    def mpl_connect(self, s, func):
        conns = getattr(self, "_conns", None)
        if conns is None:                # (during construction)
            return super().mpl_connect(s, func)
        self._next_cid += 1
        conns[self._next_cid] = [s, func, super().mpl_connect(s, func)]
        return self._next_cid

    def mpl_disconnect(self, cid):
        entry = getattr(self, "_conns", {}).pop(cid, None)
        super().mpl_disconnect(entry[2] if entry is not None else cid)

    # -- Qt ------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)         # (applies the screen's pixel ratio to the figure)
        self.shown_once = True
        if self._waiting is not None:
            self.render_async(*self._waiting)

    #: Milliseconds before a GUI-thread redraw is tried again while the render thread draws.
    RETRY_MS = 15

    def draw_idle(self) -> None:
        self._draw_for = self.figure     # the figure that needs drawing (see draw)
        super().draw_idle()

    def _draw_again(self, fig) -> None:
        if fig is self.figure:           # not replaced meanwhile by a picture of the render thread
            self.draw_idle()

    def draw(self) -> None:
        """A redraw in the GUI thread (zoom, pan, the toolbar's home, an emptied picture). While
        the render thread holds the charts' drawing lock (a picture takes 50-150 ms), the window
        does not wait for it: the redraw is asked for again a moment later, and the picture on
        screen stays until then. A redraw asked for a figure that a picture made in the render
        thread has replaced since is dropped: that picture is on screen already (drawing it
        again here would hold the window for as long as the render thread took)."""
        from ui.charts._style import drawing_lock

        asked, self._draw_for = getattr(self, "_draw_for", None), None
        if asked is not None and asked is not self.figure:
            self.update()
            return
        lock = drawing_lock()
        if not lock.acquire(blocking=False):
            QTimer.singleShot(self.RETRY_MS, lambda fig=self.figure: self._draw_again(fig))
            return
        try:
            super().draw()
        finally:
            lock.release()

    def _limits_changed(self, ax) -> None:
        if ax.figure is self.figure and self.figure.canvas is self:
            self._zoomed = True

    def get_renderer(self):
        """The renderer of the picture on screen when it fits the canvas, else one of our own."""
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        pic = getattr(self, "_picture", None)
        if pic is not None and (pic.width, pic.height, pic.dpi) == key:
            return pic
        self._picture = None
        own = getattr(self, "_own", None)
        if own is None or (own.width, own.height, own.dpi) != key:
            own = self._own = TextCachingRenderer(w, h, self.figure.dpi)
        return own

    def resizeEvent(self, event) -> None:
        """A new size: the picture is remade in the render thread (the old one stays on screen
        meanwhile), unless the user zoomed or panned it, which only a redraw here keeps."""
        if self._last is None or not self.shown_once or self._zoomed:
            super().resizeEvent(event)
            return
        ratio, dpi = self.device_pixel_ratio, self.figure.dpi
        self.figure.set_size_inches(event.size().width() * ratio / dpi, event.size().height() * ratio / dpi,
                                    forward=False)
        QWidget.resizeEvent(self, event)
        self.callbacks.process("resize_event", ResizeEvent("resize_event", self))
        self._stale = True
        self.render_async(*self._last)

    def paintEvent(self, event) -> None:
        pic = self._last_picture
        if not self._stale or pic is None:
            super().paintEvent(event)
            return
        # The last picture, as it was, until the one for this size arrives.
        buf = memoryview(pic.buffer_rgba())
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

    @property
    def backlog(self) -> bool:
        """A picture asked for waits: its making has not begun (the render thread is making an
        older one, or the canvas was never shown). A producer of pictures (the what-if
        previews) may compute the next while one is being made, but not pile them up."""
        return self._gen > max(self._begun, self._shown)

    @Slot(int)
    def _began(self, gen: int) -> None:
        if gen == self._gen:
            self.began.emit()

    def _job(self) -> tuple[int, tuple, float, Any, float]:
        self._gen += 1
        fig = self.figure
        base = fig.dpi / (self.device_pixel_ratio or 1)
        return self._gen, tuple(fig.get_size_inches()), fig.dpi, fig.get_facecolor(), base

    def _take_spare(self, structure, size, dpi) -> tuple[Figure | None, FigureCanvasAgg | None]:
        """The spare figure and its Agg canvas if it was made for ``structure`` (any thread);
        it is no longer spare."""
        if structure is None:
            return None, None
        with self._spare_lock:
            spare, self._spare = self._spare, None
        if spare is None or spare[0] != structure:
            return None, None
        fig = spare[1]     # another size or pixel ratio: built afresh (the layout depends on it)
        if fig.dpi != dpi or any(abs(a - b) > 1e-9 for a, b in zip(fig.get_size_inches(), size)):
            return None, None
        return fig, spare[2]

    def render_async(self, build: Build, structure=None, update: Build | None = None) -> None:
        """Make a new picture with ``build`` in the render thread; it replaces the one on screen
        when done (unless a newer one was asked for meanwhile). A canvas never shown yet waits
        for its first show, when it knows its size and the screen's pixel ratio.

        ``structure``: a key of what the figure holds (the alternatives, the target, ...), or a
        function returning it, called in the render thread: when
        the spare figure has the same key, ``update(fig)`` (default ``build``) redraws it in
        place instead of building a new figure."""
        self._last = (build, structure, update)
        if not self.shown_once:
            self._gen += 1               # counts as asked for: busy until it is on screen
            self._waiting = self._last
            return
        self._waiting = None
        gen, size, dpi, face, base = self._job()
        relay = self._relay
        owner = self

        def work() -> None:
            if gen != owner._gen:        # superseded before it started: skip it
                return
            owner._begun = gen
            try:
                relay.began.emit(gen)
            except RuntimeError:         # the canvas was closed meanwhile
                return
            key = _structure_key(structure)
            spare, agg = owner._take_spare(key, size, dpi)
            asked = []

            def wanted() -> bool:        # after the build: is this still the newest picture?
                asked.append(gen == owner._gen)
                return asked[-1]

            fig, value, error = make_picture(build, size, dpi, face, base_dpi=base, figure=spare, update=update,
                                             agg=agg, wanted=wanted)
            owner._count(spare is not None)
            owner._jobs[gen] = None if error else key
            try:
                if asked and not asked[-1] and error is None:
                    relay.skipped.emit(gen, fig)     # not rendered: a newer picture follows
                else:
                    relay.done.emit(gen, fig, value, error)
            except RuntimeError:         # the canvas was closed meanwhile
                pass

        render_pool().start(work)

    def _count(self, updated: bool) -> None:
        if updated:
            self.updates += 1
        else:
            self.builds += 1

    def render_now(self, build: Build, structure=None, update: Build | None = None) -> Any:
        """Make the picture in this thread and show it at once (screenshots). Returns what
        ``build`` returned."""
        self._waiting = None
        self._last = (build, structure, update)
        gen, size, dpi, face, base = self._job()
        key = _structure_key(structure)
        spare, agg = self._take_spare(key, size, dpi)
        fig, value, error = make_picture(build, size, dpi, face, base_dpi=base, figure=spare, update=update, agg=agg)
        self._count(spare is not None)
        self._jobs[gen] = None if error else key
        self._finished(gen, fig, value, error)
        return value

    def clear_picture(self) -> None:
        """Show an empty figure; pictures asked for before are dropped when they arrive."""
        self._gen += 1
        self._shown = self._gen
        with self._spare_lock:
            self._spare = None
        self._structure = None
        self.figure.clear()
        self.draw_idle()

    @Slot(int, object)
    def _skipped(self, gen: int, fig: Figure) -> None:
        """A picture superseded while it was built was not rendered: its figure is a spare."""
        structure = self._jobs.pop(gen, None)
        if structure is not None:
            with self._spare_lock:
                self._spare = (structure, fig, fig.canvas)

    @Slot(int, object, object, object)
    def _finished(self, gen: int, fig: Figure, value, error) -> None:
        structure = self._jobs.pop(gen, None)
        if gen <= self._shown:
            with self._spare_lock:       # an older picture than the one on screen: a spare
                self._spare = (structure, fig, fig.canvas) if structure is not None else self._spare
            return
        self._shown = gen
        self.error = error
        self.adopt(fig, structure)
        self.rendered.emit(value, error)

    def adopt(self, fig: Figure, structure=None) -> None:
        """Show ``fig``, already rendered by its own Agg canvas, in place of the current figure
        (which becomes the spare for the next picture of ``structure``)."""
        old, old_agg = self.figure, self._agg
        agg = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) and fig.canvas is not self else None
        picture = fig.canvas.get_renderer()
        for entry in self._conns.values():          # the listeners move to the new figure
            FigureCanvasQTAgg.mpl_disconnect(self, entry[2])
        fig.set_canvas(self)
        self.figure = fig
        for entry in self._conns.values():
            entry[2] = FigureCanvasQTAgg.mpl_connect(self, entry[0], entry[1])
        with self._spare_lock:
            if old is not fig and self._structure is not None:
                self._spare = (self._structure, old, old_agg)
        self._structure = structure
        self._agg = agg
        self._zoomed = False
        for ax in fig.axes:              # limits changed here (zoom, pan): resizes redraw here
            for name in ("xlim_changed", "ylim_changed"):
                ax.callbacks.connect(name, self._limits_changed)
        if self.toolbar is not None:
            self.toolbar.update()        # forget zoom history of the old axes
        self._picture = self._last_picture = picture
        # FigureCanvasQTAgg paints only a canvas that has drawn once (has a ``renderer``): the
        # render thread's picture counts. Without it a canvas whose only window redraw was
        # dropped (the empty figure, replaced by this picture before its turn) stayed black.
        self.renderer = picture
        w, h = fig.bbox.size
        ratio = self.device_pixel_ratio
        self._stale = abs(w - self.width() * ratio) > 1 or abs(h - self.height() * ratio) > 1
        if self._stale:                  # the widget changed size meanwhile: remake it for this size
            if fig.dpi != old.dpi:
                fig.set_dpi(old.dpi)     # the DPI the canvas gave its figure (pixel ratio)
            self._fit_figure()
            if self._gen == self._shown and self._last is not None:
                self.render_async(*self._last)
        self.callbacks.process("draw_event", DrawEvent("draw_event", self, picture))
        self.update()

    def _fit_figure(self) -> None:
        ratio = self.device_pixel_ratio
        dpi = self.figure.dpi
        self.figure.set_size_inches(self.width() * ratio / dpi, self.height() * ratio / dpi, forward=False)
