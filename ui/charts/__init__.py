"""Result charts as plain matplotlib figures: no Qt, no pyplot.

Each chart is a :class:`ChartSpec` whose ``draw(fig, results, colors)`` clears ``fig``, draws
the chart from a :class:`simulator.sim.engine.Results` and returns its finding: one sentence in
business words ("New production line beats ERP system in 64% of futures"), also shown as the
chart's title. The Qt app puts the figure in a ``FigureCanvasQTAgg`` and calls
``canvas.draw_idle()`` afterwards; reports render the same figure with Agg or PDF.

``colors`` maps alternative names to colours (use :func:`colors_for` so every chart, table
and legend in the app agrees); names it leaves out get the default colour of their position.
Futures whose numbers are NaN or infinite are left out of a chart and the caption says so.

:data:`CHARTS` are the five result charts; :data:`ANALYTICS_CHARTS` the decision-analytics
charts of :mod:`simulator.analysis.insights` (drivers of uncertainty, worth finding out, where value
comes from); :data:`ALL_CHARTS` both, in tab order. Some of the analytics charts are drawn
for a chosen *target* (see :class:`ChartSpec`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable


from ._live import updater
from . import cash, head_to_head, margin, risk, tornado, value, value_sources, worth_finding_out
from ._style import CHART_RC, OKABE_ITO, MoneyFormatter, chart_rc, colors_for, money_axis

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: ``draw(fig, results, colors) -> finding``; charts with targets also take ``target=``.
DrawFn = Callable[..., str]
TargetsFn = Callable[["Results"], "list[str]"]
DefaultTargetFn = Callable[["Results"], "str | None"]


@dataclass(frozen=True)
class ChartSpec:
    """One result chart: its key, tab title, tooltip, and the function that draws it.

    ``draw(fig, results, colors) -> finding`` clears ``fig``, draws, and returns the finding.

    Charts that can be drawn for a chosen *target* have ``targets`` (None for the others,
    which take no ``target`` keyword):

    - ``targets(results) -> list[str]``: the choices for these results, in display order.
      For "Drivers of uncertainty" every alternative, then every pair ``"A vs B"`` (the
      decision: NPV of A minus NPV of B), as :func:`simulator.analysis.insights.targets`; for "Where
      value comes from" every alternative. The list changes with the results (alternatives
      added, renamed or removed), so refill a combo box after each run.
    - ``default_target(results) -> str | None``: the target drawn when none is chosen (the
      decision between the two alternatives with the highest expected NPV, or the best
      alternative); preselect it. None only without alternatives.
    - ``draw(fig, results, colors, target=t)`` draws for ``t``. ``target=None``, or a target
      that is no longer in ``targets(results)``, draws the default: a stale choice never
      raises.

    Live views (the app) keep the figure and redraw it in place for a new result of the same
    *structure*: ``structure(results, **options)`` gives a hashable key of what the figure
    holds (default: the alternatives' names and the options); ``update(fig, results, colors,
    **options) -> finding`` redraws ``fig``, last drawn by ``draw`` or ``update`` for the same
    structure and size, by changing its artists (data, limits, texts) instead of clearing it.
    Every chart here has one: :func:`ui.charts._live.updater` runs the chart's own ``draw``
    again on the kept figure, changing the artists it made last time instead of making new
    ones (a result needing other artists is drawn afresh). Without ``update`` the figure is
    redrawn with ``draw``. Reports only use ``draw``.
    """

    key: str
    title: str
    tooltip: str
    draw: DrawFn
    targets: TargetsFn | None = None
    default_target: DefaultTargetFn | None = None
    update: DrawFn | None = None
    structure: Callable[..., object] | None = None

    def structure_key(self, results: "Results", **options) -> object:
        """The key of what a figure drawn for ``results`` holds (see above)."""
        if self.structure is not None:
            return (self.key, self.structure(results, **options))
        names = tuple(a.name for a in results.alternatives)
        return (self.key, names, tuple(sorted((k, str(v)) for k, v in options.items())))


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("value", value.TITLE, value.TOOLTIP, value.draw, update=updater(value.draw)),
    ChartSpec("risk", risk.TITLE, risk.TOOLTIP, risk.draw, update=updater(risk.draw)),
    ChartSpec("cash", cash.TITLE, cash.TOOLTIP, cash.draw, update=updater(cash.draw)),
    ChartSpec("margin", margin.TITLE, margin.TOOLTIP, margin.draw, update=updater(margin.draw)),
    ChartSpec("head_to_head", head_to_head.TITLE, head_to_head.TOOLTIP, head_to_head.draw,
              update=updater(head_to_head.draw)),
)


#: The decision-analytics tabs (issue 4). Each draws in well under 200 ms at 20,000 futures:
#: the analyses are cached on the Results object, so switching targets is cheap.
ANALYTICS_CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(tornado.KEY, tornado.TITLE, tornado.TOOLTIP, tornado.draw,
              targets=tornado.targets, default_target=tornado.default_target, update=updater(tornado.draw),
              structure=tornado.structure),
    ChartSpec(worth_finding_out.KEY, worth_finding_out.TITLE, worth_finding_out.TOOLTIP, worth_finding_out.draw,
              update=updater(worth_finding_out.draw), structure=worth_finding_out.structure),
    ChartSpec(value_sources.KEY, value_sources.TITLE, value_sources.TOOLTIP, value_sources.draw,
              targets=value_sources.targets, default_target=value_sources.default_target,
              update=updater(value_sources.draw)),
)

#: Every chart tab in order: the result charts, then the analytics.
ALL_CHARTS: tuple[ChartSpec, ...] = CHARTS + ANALYTICS_CHARTS


def chart(key: str) -> ChartSpec:
    """The chart with ``key``, of :data:`ALL_CHARTS` (KeyError if there is none)."""
    for spec in ALL_CHARTS:
        if spec.key == key:
            return spec
    raise KeyError(key)


__all__ = ["ALL_CHARTS", "ANALYTICS_CHARTS", "CHARTS", "CHART_RC", "ChartSpec", "MoneyFormatter", "OKABE_ITO",
           "chart", "chart_rc", "colors_for", "money_axis"]
