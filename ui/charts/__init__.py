"""Result charts as plain matplotlib figures: no Qt, no pyplot.

Each chart is a :class:`ChartSpec` whose ``draw(fig, results, colors)`` clears ``fig``, draws
the chart from a :class:`simulator.engine.Results` and returns its finding: one sentence in
business words ("New production line beats ERP system in 64% of futures"), also shown as the
chart's title. The Qt app puts the figure in a ``FigureCanvasQTAgg`` and calls
``canvas.draw_idle()`` afterwards; reports render the same figure with Agg or PDF.

``colors`` maps alternative names to colours (use :func:`colors_for` so every chart, table
and legend in the app agrees); names it leaves out get the default colour of their position.
Futures whose numbers are NaN or infinite are left out of a chart and the caption says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from matplotlib.figure import Figure

from . import cash, head_to_head, margin, risk, value
from ._style import OKABE_ITO, MoneyFormatter, colors_for, money_axis

if TYPE_CHECKING:  # pragma: no cover
    from simulator.engine import Results

DrawFn = Callable[[Figure, "Results", Mapping[str, str]], str]


@dataclass(frozen=True)
class ChartSpec:
    """One result chart: its key, tab title, tooltip, and the function that draws it."""

    key: str
    title: str
    tooltip: str
    #: ``draw(fig, results, colors) -> finding``: clears ``fig``, draws, returns the finding.
    draw: DrawFn


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("value", value.TITLE, value.TOOLTIP, value.draw),
    ChartSpec("risk", risk.TITLE, risk.TOOLTIP, risk.draw),
    ChartSpec("cash", cash.TITLE, cash.TOOLTIP, cash.draw),
    ChartSpec("margin", margin.TITLE, margin.TOOLTIP, margin.draw),
    ChartSpec("head_to_head", head_to_head.TITLE, head_to_head.TOOLTIP, head_to_head.draw),
)


def chart(key: str) -> ChartSpec:
    """The chart with ``key`` (KeyError if there is none)."""
    for spec in CHARTS:
        if spec.key == key:
            return spec
    raise KeyError(key)


__all__ = ["CHARTS", "ChartSpec", "MoneyFormatter", "OKABE_ITO", "chart", "colors_for", "money_axis"]
