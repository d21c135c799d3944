"""A results tab holding one chart: a Matplotlib Figure in a FigureCanvasQTAgg with the
navigation toolbar (zoom, pan, save as PNG/SVG).

Matplotlib and the chart builders are imported the first time a chart is shown, so the window
and the Overview appear without waiting for them. A tab that is not visible only remembers the
newest results and draws when it is shown: one picture per visible change. The picture is
built and rendered in the render thread (:mod:`ui.livecanvas`), so the window stays responsive
while it is made; :attr:`ChartTab.drawn` tells when it is on screen.
"""

from __future__ import annotations

import sys
import traceback

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

#: The chart tabs in order, known without importing matplotlib: (key, title, tooltip).
#: Titles and tooltips are refreshed from ``ui.charts.CHARTS`` once it is imported.
CHART_TABS: tuple[tuple[str, str, str], ...] = (
    ("value", "Value", "How much each alternative could be worth today, across all simulated futures."),
    ("risk", "Risk profile", "The chance that the value today (NPV) ends up below any given amount."),
    ("cash", "Cash over time", "Cumulative cash year by year: the typical path and the range around it."),
    ("margin", "Margin impact", "Change in the operating margin, in percentage points, year by year."),
    ("head_to_head", "Head to head", "How often each alternative beats each other one."),
)


def chart_specs() -> dict:
    """Every chart tab of ``ui.charts`` (``ALL_CHARTS``, else ``CHARTS``) by key, in order.
    Imports matplotlib: call it lazily."""
    import PySide6.QtWidgets  # noqa: F401  (Qt first, so matplotlib picks PySide6)
    import ui.charts as charts

    return {spec.key: spec for spec in getattr(charts, "ALL_CHARTS", charts.CHARTS)}


def preload() -> None:
    """Import matplotlib, its Qt canvas and the chart builders. Safe in a worker thread (it
    only imports modules); used to warm up after the first results are on screen."""
    try:
        import matplotlib.figure  # noqa: F401 (imported to warm up)
        from matplotlib.backends import backend_qtagg  # noqa: F401 (imported to warm up)

        chart_specs()
    except Exception:  # the tab will report it when it is shown
        pass


class ChartTab(QWidget):
    """One chart tab. ``set_results`` stores; the chart is drawn when the tab is visible."""

    drawn = Signal(str)   # the finding sentence, after each draw
    #: The render thread began making the newest picture asked for (see :attr:`backlogged`).
    pictureBegun = Signal()
    #: "Add a pilot to find out …" chosen on the Worth finding out tab: (variable, alternative to test)
    pilotWanted = Signal(str, str)

    def __init__(self, key: str, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.title = title
        self.setObjectName(f"chart_{key}")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._placeholder = QLabel("The chart appears here after the first results.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet("color: #777777;")
        self._layout.addWidget(self._placeholder)
        self.figure = None
        self.canvas = None
        self.toolbar = None
        self._spec = None
        self._results = None
        self._colors: dict[str, str] = {}
        self._dirty = False
        self.finding = ""
        self.drawn_results = None
        self.error: str | None = None
        self.target_box: QComboBox | None = None
        self.target = None  # the user's choice for charts drawn for a target
        self.offers: list = []   # the pilots offered (Worth finding out), from the render thread
        self.offer_button: QToolButton | None = None

    # -- lazily built canvas ---------------------------------------------------------
    def _ensure_canvas(self) -> bool:
        if self.canvas is not None:
            return True
        try:
            from matplotlib.backends.backend_qtagg import NavigationToolbar2QT

            from .livecanvas import LiveCanvas

            self._spec = chart_specs()[self.key]
        except Exception as exc:  # missing chart code must not take the window down
            self.error = f"This chart cannot be shown: {type(exc).__name__}: {exc}"
            self._placeholder.setText(self.error)
            traceback.print_exc(file=sys.stderr)
            return False
        self.canvas = LiveCanvas()
        self.figure = self.canvas.figure
        self.canvas.setObjectName("canvas")
        self.canvas.rendered.connect(self._rendered)
        self.canvas.began.connect(self.pictureBegun)
        self.canvas.setToolTip(getattr(self._spec, "tooltip", "") or "")
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        self.toolbar.setObjectName("chartToolbar")
        self._layout.removeWidget(self._placeholder)
        self._placeholder.hide()
        if getattr(self._spec, "targets", None) is not None:
            # Charts drawn for a chosen alternative (or pair): a picker beside the toolbar.
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 8, 0)
            row.addWidget(self.toolbar, 1)
            row.addWidget(QLabel("Show for:"))
            self.target_box = QComboBox()
            self.target_box.setObjectName("target")
            self.target_box.setToolTip("Which alternative, or which decision between two alternatives, to show.")
            self.target_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            self.target_box.activated.connect(self._target_chosen)
            row.addWidget(self.target_box)
            self._layout.addLayout(row)
        elif self.key == OFFER_KEY:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 8, 0)
            row.addWidget(self.toolbar, 1)
            self.offer_button = QToolButton()
            self.offer_button.setObjectName("pilotOffer")
            self.offer_button.setText("Add a pilot to find out …")
            self.offer_button.setToolTip("Add an alternative that tests one of the leading unknowns first and "
                                         "decides afterwards; fill in the test's cost and error in the inspector.")
            self.offer_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            self.offer_button.setMenu(QMenu(self.offer_button))
            self.offer_button.hide()
            row.addWidget(self.offer_button)
            self._layout.addLayout(row)
        else:
            self._layout.addWidget(self.toolbar)
        self._layout.addWidget(self.canvas, 1)
        return True

    def _fill_targets(self, results) -> None:
        """Refill the picker for these results, keeping the user's choice while it exists."""
        if self.target_box is None:
            return
        spec = self._spec
        choices = list(spec.targets(results))
        default = spec.default_target(results) if spec.default_target else (choices[0] if choices else None)
        keep = self.target if self.target in choices else default
        box = self.target_box
        box.blockSignals(True)
        box.clear()
        for choice in choices:
            box.addItem(str(choice), choice)    # a Target, or an alternative's name; its words as text
        if keep is not None:
            box.setCurrentIndex(choices.index(keep) if keep in choices else 0)
        box.blockSignals(False)

    def _target_chosen(self, index: int) -> None:
        self.target = self.target_box.itemData(index)
        self.redraw()

    # -- results ---------------------------------------------------------------------
    def set_results(self, results, colors: dict[str, str]) -> None:
        self._results = results
        self._colors = dict(colors)
        self._dirty = True
        if self.isVisible():
            self.redraw()

    def clear(self) -> None:
        """Forget the results (another scenario is being simulated)."""
        self._results = None
        self._dirty = False
        self.drawn_results = None
        self.finding = ""
        if self.canvas is not None:
            self.canvas.clear_picture()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.redraw()

    def redraw(self, *, now: bool = False) -> None:
        """Draw the stored results: the picture is made in the render thread and shown when
        ready (``now``: made here and shown at once, e.g. for a screenshot)."""
        if self._results is None or not self._ensure_canvas():
            return
        self._dirty = False
        results, colors, spec = self._results, dict(self._colors), self._spec
        options = {}
        if self.target_box is not None:
            self._fill_targets(results)
            options["target"] = self.target_box.currentData()

        offering = self.key == OFFER_KEY

        def build(fig):   # runs in the render thread: no widgets here
            finding = spec.draw(fig, results, colors, **options) or ""
            return finding, results, (_offers(results) if offering else [])

        update = None
        if getattr(spec, "update", None) is not None:
            def update(fig):   # the same structure: the figure's artists change in place
                return spec.update(fig, results, colors, **options) or "", results, \
                    (_offers(results) if offering else [])

        def structure():   # the render thread works it out (it may read the results)
            return spec.structure_key(results, **options)

        if now:
            self.canvas.render_now(build, structure, update)
        else:
            self.canvas.render_async(build, structure, update)

    @property
    def busy(self) -> bool:
        """A picture asked for is not on screen yet."""
        return self.canvas is not None and self.canvas.busy

    @property
    def backlogged(self) -> bool:
        """A picture asked for waits for the render thread (an older one is being made)."""
        return self.canvas is not None and self.canvas.backlog

    def _rendered(self, value, error) -> None:
        self.figure = self.canvas.figure
        self.finding, self.drawn_results, offers = value if value is not None else ("", self._results, [])
        self.error = error
        self._show_offers(offers)
        self.setToolTip("")
        self.drawn.emit(self.finding)


    def _show_offers(self, offers) -> None:
        """The "Add a pilot to find out …" menu: one entry per leading input a test can measure."""
        self.offers = list(offers)
        if self.offer_button is None:
            return
        menu = self.offer_button.menu()
        menu.clear()
        for offer in self.offers:
            words = offer.variable.replace("_", " ")
            action = menu.addAction(f"Add a pilot to find out {words} (before deciding on {offer.target})")
            action.triggered.connect(lambda _c=False, o=offer: self.pilotWanted.emit(o.variable, o.target))
        self.offer_button.setVisible(bool(self.offers))
        if self.offers:
            first = self.offers[0].variable.replace("_", " ")
            self.offer_button.setText(f"Add a pilot to find out {first} …" if len(self.offers) == 1
                                      else f"Add a pilot to find out {first}, … ▾")


#: The tab that offers pilots for its leading inputs.
OFFER_KEY = "worth_finding_out"


def _offers(results) -> list:
    """Pilots to offer for these results (render thread; an analysis failure offers none)."""
    try:
        from simulator.analysis.pilot import pilot_offers

        return pilot_offers(results)
    except Exception:  # the chart itself reports what is wrong with the results
        traceback.print_exc(file=sys.stderr)
        return []


def demo(path: str | None = None, key: str | None = None) -> ChartTab:
    """One chart tab for a bundled (or given) scenario, on its own."""
    from ._demo import demo_results
    from .palette import colors_for

    key = key or (sys.argv[2] if len(sys.argv) > 2 and __name__ == "__main__" else "value")
    tab = ChartTab(key, key)
    results = demo_results(path)
    tab.set_results(results, colors_for(results.names))
    tab.resize(1100, 700)
    return tab


if __name__ == "__main__":  # a quick look: python -m ui.chart_tab [FILE] [KEY]
    from ._demo import run_demo

    run_demo(demo)
