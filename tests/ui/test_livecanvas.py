"""Charts made off the GUI thread (ui.livecanvas): the picture appears, the newest wins, the
toolbar and listeners keep working on the swapped-in figure, a failing chart shows words."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ui.livecanvas import LiveCanvas, wait_for_renders


@pytest.fixture
def canvas(qtbot):
    from matplotlib.backends.backend_qtagg import NavigationToolbar2QT

    c = LiveCanvas()
    c.resize(400, 300)
    NavigationToolbar2QT(c, None)
    qtbot.addWidget(c)
    c.show()
    qtbot.waitExposed(c)
    yield c
    wait_for_renders()


def filled(color: str, value: str = "done", gate: threading.Event | None = None, threads: list | None = None):
    """A build that fills the whole figure with one colour (after ``gate`` opens)."""
    def build(fig):
        if threads is not None:
            threads.append(threading.get_ident())
        if gate is not None:
            assert gate.wait(30), "the test never opened the gate"
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_facecolor(color)
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        return value
    return build


def centre_color(canvas) -> str:
    image = canvas.grab().toImage()
    return QColor(image.pixel(image.width() // 2, image.height() // 2)).name()


def test_the_picture_is_made_in_another_thread_and_then_shown(canvas, qtbot):
    gate, threads = threading.Event(), []
    with qtbot.waitSignal(canvas.rendered, timeout=30_000) as signal:
        canvas.render_async(filled("#ff0000", "red", gate, threads))
        # render_async returned while the build still waits: the GUI thread is free
        assert canvas.busy
        gate.set()
    assert signal.args == ["red", None]
    assert threads and threads[0] != threading.get_ident()
    assert not canvas.busy
    assert centre_color(canvas) == "#ff0000"
    assert canvas.figure.canvas is canvas and canvas.figure.axes


def test_the_newest_picture_wins(canvas, qtbot):
    gate = threading.Event()
    shown = []
    canvas.rendered.connect(lambda value, _error: shown.append(value))
    canvas.render_async(filled("#ff0000", "old", gate))     # slow, asked for first
    canvas.render_async(filled("#0000ff", "middle"))        # superseded before it starts
    canvas.render_async(filled("#00ff00", "new"))
    gate.set()
    qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
    wait_for_renders()
    qtbot.wait(50)
    assert shown[-1] == "new" and "middle" not in shown
    assert centre_color(canvas) == "#00ff00"


def test_listeners_and_zoom_work_on_the_new_figure(canvas, qtbot):
    presses = []
    canvas.mpl_connect("button_press_event", lambda e: presses.append(e.inaxes))
    with qtbot.waitSignal(canvas.rendered, timeout=30_000):
        canvas.render_async(filled("#ff0000"))
    ax = canvas.figure.axes[0]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().center())
    assert presses == [ax], "a listener connected before the swap did not see the new figure"
    toolbar = canvas.toolbar
    toolbar.push_current()                      # what the zoom tool does before it zooms
    ax.set_xlim(2, 3)
    toolbar.push_current()
    toolbar.back()
    assert ax.get_xlim() == (0, 10)


def test_a_failing_chart_shows_words_not_a_crash(canvas, qtbot):
    def broken(fig):
        fig.add_subplot()
        raise ValueError("no data")

    with qtbot.waitSignal(canvas.rendered, timeout=30_000) as signal:
        canvas.render_async(broken)
    value, error = signal.args
    assert value is None and "could not be drawn" in error and "no data" in error
    assert any("no data" in t.get_text() for t in canvas.figure.texts)


def test_a_resize_while_the_picture_is_made_still_fits_the_window(canvas, qtbot):
    gate = threading.Event()
    canvas.render_async(filled("#ff0000", gate=gate))
    canvas.resize(600, 350)
    qtbot.wait(20)
    gate.set()
    qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
    ratio = canvas.device_pixel_ratio
    w, h = canvas.figure.bbox.size
    assert (round(w), round(h)) == (round(600 * ratio), round(350 * ratio))
    assert centre_color(canvas) == "#ff0000"


def test_render_now_shows_the_picture_at_once(canvas):
    assert canvas.render_now(filled("#0000ff", "now")) == "now"
    assert not canvas.busy and centre_color(canvas) == "#0000ff"


def test_the_toolbar_saves_the_picture_on_screen(canvas, qtbot, tmp_path):
    with qtbot.waitSignal(canvas.rendered, timeout=30_000):
        canvas.render_async(filled("#ff0000"))
    for name in ("chart.png", "chart.svg"):
        canvas.figure.savefig(tmp_path / name)        # what the toolbar's Save button does
        assert (tmp_path / name).stat().st_size > 0
    assert "#ff0000" in (tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert canvas.figure.canvas is canvas             # saving in another format switched back


def test_a_canvas_not_shown_yet_makes_its_picture_when_shown(qtbot):
    """Before its first show a canvas knows neither its size nor the screen's pixel ratio
    (on a high-DPI screen the picture would come out with half-size text): it waits."""
    c = LiveCanvas()
    qtbot.addWidget(c)
    c.resize(500, 320)
    threads = []
    c.render_async(filled("#00ff00", "late", threads=threads))
    qtbot.wait(100)
    assert c.busy and not threads and not c.figure.axes, "a picture was made before the canvas was shown"
    with qtbot.waitSignal(c.rendered, timeout=30_000) as signal:
        c.show()
    assert signal.args == ["late", None] and not c.busy
    ratio = c.device_pixel_ratio
    assert tuple(round(v) for v in c.figure.bbox.size) == (round(500 * ratio), round(320 * ratio))
    assert c.figure.dpi == 100 * ratio
    wait_for_renders()


def test_a_resize_remakes_the_picture_in_the_render_thread(canvas, qtbot):
    """Resizing (a window dragged wider, a dock that grows) must not draw in the GUI thread:
    the old picture stays until the one for the new size arrives."""
    threads = []
    with qtbot.waitSignal(canvas.rendered, timeout=30_000):
        canvas.render_async(filled("#ff0000", threads=threads))
    with qtbot.waitSignal(canvas.rendered, timeout=30_000):
        canvas.resize(520, 340)
        assert canvas.busy
    assert len(threads) == 2 and threading.get_ident() not in threads
    ratio = canvas.device_pixel_ratio
    assert tuple(round(v) for v in canvas.figure.bbox.size) == (round(520 * ratio), round(340 * ratio))
    assert centre_color(canvas) == "#ff0000"


def test_a_zoomed_chart_keeps_its_zoom_when_resized(canvas, qtbot):
    threads = []
    with qtbot.waitSignal(canvas.rendered, timeout=30_000):
        canvas.render_async(filled("#ff0000", threads=threads))
    ax = canvas.figure.axes[0]
    canvas.toolbar.push_current()                 # the user zoomed in
    ax.set_xlim(2, 3)
    canvas.resize(520, 340)
    qtbot.wait(100)
    assert len(threads) == 1 and not canvas.busy  # not remade: that would lose the zoom
    assert canvas.figure.axes[0] is ax and ax.get_xlim() == (2, 3)


def test_a_picture_asked_for_while_another_is_made_waits_and_says_when_it_begins(canvas, qtbot):
    """A producer of pictures (the what-if previews) may compute the next result while one
    picture is made, but not pile them up: ``backlog`` says a picture waits, ``began`` when
    the newest one is being made; the newest is what ends up on screen."""
    gate = threading.Event()
    canvas.render_async(filled("#ff0000", "first", gate))
    qtbot.waitUntil(lambda: not canvas.backlog, timeout=10_000)    # being made (behind the gate)
    assert canvas.busy
    canvas.render_async(filled("#0000ff", "second"))
    assert canvas.backlog
    with qtbot.waitSignal(canvas.began, timeout=30_000):
        gate.set()
    assert not canvas.backlog
    qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
    qtbot.wait(20)
    assert centre_color(canvas) == "#0000ff"


def test_a_figure_redrawn_in_place_keeps_its_renderer(canvas, qtbot):
    """Pictures of the same structure alternate between two figures, each rendered by its own
    Agg canvas kept from one picture to the next (matplotlib caches text measurements per
    renderer); the picture shown is always the newest."""
    renderers = []
    for i, color in enumerate(("#ff0000", "#00ff00", "#0000ff", "#ffff00")):
        canvas.render_async(filled(color, str(i)), structure="same")
        qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
        wait_for_renders()
        qtbot.wait(20)
        assert centre_color(canvas) == color
        renderers.append(canvas.get_renderer())
    assert renderers[2] is renderers[0] and renderers[3] is renderers[1] and renderers[0] is not renderers[1]
    assert canvas.updates == 2


def test_a_structure_key_given_as_a_function_is_worked_out_in_the_render_thread(canvas, qtbot):
    """A chart's structure key may read the results (the drivers chart counts the rows it
    shows: tens of ms at a million futures), so the window passes a function and the render
    thread calls it; the same key still redraws the spare figure in place, another builds."""
    called_in = []

    def key(value):
        def structure():
            called_in.append(threading.current_thread() is threading.main_thread())
            return value
        return structure

    for i, (color, k) in enumerate((("#ff0000", "a"), ("#00ff00", "a"), ("#0000ff", "a"), ("#ffff00", "b"))):
        canvas.render_async(filled(color, str(i)), structure=key(k))
        qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
        wait_for_renders()
        qtbot.wait(20)
        assert centre_color(canvas) == color
    assert called_in == [False] * 4
    assert canvas.updates == 1          # the third picture (key "a", like the first) updated in place

    def broken():
        raise ValueError("a chart of another shape")

    canvas.render_async(filled("#ff00ff", "x"), structure=broken)   # no key: built afresh, shown
    qtbot.waitUntil(lambda: not canvas.busy, timeout=30_000)
    wait_for_renders()
    qtbot.wait(20)
    assert centre_color(canvas) == "#ff00ff"


def test_a_redraw_in_the_window_does_not_wait_for_the_render_thread(canvas, qtbot):
    """While the render thread holds the charts' drawing lock (a picture being made), a
    redraw asked for in the window (zoom, pan, an emptied picture) returns at once, and is
    done once the lock is free: the window never freezes behind a picture."""
    from ui.charts._style import drawing_lock

    held, release = threading.Event(), threading.Event()

    def hold():
        with drawing_lock():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    draws = []
    cid = canvas.mpl_connect("draw_event", lambda _e: draws.append(1))
    try:
        canvas.draw()                      # returns while the lock is held (else: a hang)
        assert release.is_set() is False and draws == []
    finally:
        release.set()
        holder.join(5)
    qtbot.waitUntil(lambda: bool(draws), timeout=5_000)   # done a moment later
    canvas.mpl_disconnect(cid)


def test_an_emptied_picture_replaced_by_a_new_one_is_not_drawn_again_in_the_window(canvas, qtbot):
    """Opening another file empties the chart and asks for a new picture at once. The window
    draws the emptied figure only if it is still on screen when its turn comes: once the render
    thread's picture has replaced it, drawing that picture again in the window (as long as the
    render thread took, 50-150 ms) would only hold the window."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ui.charts._style import drawing_lock

    canvas.render_async(filled("#ff0000"))
    qtbot.waitUntil(lambda: centre_color(canvas) == "#ff0000", timeout=10_000)
    window_draws = []
    original = FigureCanvasAgg.draw

    def counted(self):
        if threading.current_thread() is threading.main_thread():
            window_draws.append(self.figure)
        return original(self)

    held, release = threading.Event(), threading.Event()

    def hold():                                       # a picture being made elsewhere
        with drawing_lock():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    from unittest import mock
    with mock.patch.object(FigureCanvasAgg, "draw", counted):
        try:
            canvas.clear_picture()                    # asks the window for a redraw (lock held: later)
            qtbot.wait(40)
            gate = threading.Event()
            canvas.render_async(filled("#0000ff", gate=gate))
        finally:
            release.set()
            holder.join(5)
        gate.set()
        qtbot.waitUntil(lambda: centre_color(canvas) == "#0000ff", timeout=10_000)
        qtbot.wait(100)                               # the retried redraw has had its turn
    assert all(fig is not canvas.figure for fig in window_draws), \
        "the render thread's picture was drawn again in the window"


def test_a_picture_shows_though_the_window_never_drew_the_canvas(qtbot):
    """The app's first picture replaces the empty figure before the window's own first redraw
    of it comes round (that redraw is then dropped): the picture must still be painted, not a
    black panel (seen in every chart tab but two of the app's screenshots)."""
    c = LiveCanvas()
    c.resize(400, 300)
    qtbot.addWidget(c)
    c.show()                                          # the window asks to draw the empty figure
    c.render_now(filled("#ff0000"))                   # replaced before that redraw's turn
    qtbot.waitExposed(c)
    qtbot.wait(50)
    assert centre_color(c) == "#ff0000"
    wait_for_renders()
