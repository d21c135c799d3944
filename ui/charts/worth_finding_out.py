"""Worth finding out: what knowing each unknown exactly before deciding would be worth.

Bars are the expected value of partial perfect information (EVPPI) of each uncertain input,
in the scenario's currency, from :func:`simulator.analysis.insights.value_of_information`; a light
whisker shows the estimate's precision (its noise floor). The dashed ceiling is the expected
value of perfect information (EVPI): what knowing every unknown would be worth, which is
also the expected cost of choosing without knowing - no study can be worth more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.analysis import insights

from . import _analytics as an
from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

KEY = "worth_finding_out"
TITLE = "Worth finding out"
TOOLTIP = ("What it would be worth to know each unknown exactly before choosing: a pilot, a market "
           "study or a firm quote is worth paying for up to this amount. The dashed line is the "
           "value of knowing everything, the most any research could be worth.")

#: Inputs shown at most (the rest are counted in the caption).
TOP = 12
CLEAR = "#1F6F8B"      # deep teal: worth clearly more than the estimate's noise
UNCLEAR = "#C4CDD3"    # pale: within the noise of the estimate
WHISKER = "#9AA5AD"
CEILING = "#A8431A"    # the EVPI line, in the loss colour: it is the cost of being wrong

#: Rows within the estimate's noise shown below the clear ones.
NOISE_ROWS = 3
#: Fewer futures than this give no EVPPI (mirrors simulator.analysis.insights).
MIN_FUTURES = 50


def finding(results: "Results", voi: insights.ValueOfInformation, scale=None) -> str:
    """:attr:`ValueOfInformation.sentence` in the chart's words (inputs named as on the bars);
    amounts in ``scale`` (the money axis's unit) when given."""
    cur = results.scenario.currency
    m = lambda x: st.money(x, cur, scale)
    names = results.names
    if len(names) < 2:
        return "With a single alternative there is no choice to inform"
    if min(results.iterations, insights.MAX_FUTURES) < MIN_FUTURES:
        return "Too few simulated futures to tell what is worth finding out"
    if not an.finite_number(voi.evpi):
        return "Some futures have no valid result: the value of information cannot be estimated"
    if voi.evpi <= 0:
        best = an.best_alternative(results)
        return f"{best} is the best choice in every simulated future: nothing is worth finding out first"
    if not voi.inputs:
        return (f"Every input is a fixed number; knowing the whole future would be worth {m(voi.evpi)}")
    top = voi.inputs[0]
    if top.value <= top.precision:
        return (f"No single unknown is clearly worth measuring before deciding; knowing everything would "
                f"be worth {m(voi.evpi)}")
    text = f"Knowing {an.input_words(top.input)} before deciding is worth about {m(top.value)}"
    if len(voi.inputs) > 1:
        rest = max(voi.inputs[1].value, top.precision)
        if rest < 0.005 * voi.evpi:
            text += "; the other unknowns next to nothing"
        else:
            text += f"; each other unknown less than {m(rest)}"
    return text + f" (knowing everything: {m(voi.evpi)})"


CAPTION = ("Bars (EVPPI): how much better the choice would be, on average, knowing that input exactly "
           "first. Dashed line (EVPI): the expected cost of deciding under uncertainty; no study can be "
           "worth more. ")
#: A row's height in points (two lines of name), the rows of margin (the ceiling's label
#: above), the rows shown at least, and the points the legend, axis labels and paddings take.
ROW_PT = 2.6 * 10.5
EXTRA_ROWS = 0.9
MIN_ROWS = 3
FIXED_PT = 150.0


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """Inputs ranked by EVPPI (horizontal bars, precision as a light whisker) under the EVPI
    ceiling. Returns the finding, which is also the title."""
    cols = st.resolve_colors(results, colors)
    cur = results.scenario.currency
    voi = an.quietly(insights.value_of_information, results)
    text = finding(results, voi)
    futures = st.futures_text(results.iterations)
    ax = st.begin(fig)
    names = results.names
    msg = None
    if not names:
        msg = "No alternatives to show."
    elif len(names) == 1:
        msg = (f"{names[0]} is the only alternative: there is no choice to inform.\n"
               "Add another alternative (even \"do nothing\") to see what is worth finding out first.")
    elif min(results.iterations, insights.MAX_FUTURES) < MIN_FUTURES:
        msg = f"Run at least {MIN_FUTURES} futures to estimate what is worth finding out."
    elif not an.finite_number(voi.evpi):
        msg = "Some futures have no valid result, so the value of information cannot be estimated."
    elif voi.evpi <= 0:
        msg = ("The same alternative is the best choice in every simulated future:\n"
               "no measurement or study could change the decision.")
    elif not voi.inputs:
        msg = (f"Every input is a fixed number, so there is nothing to measure.\n"
               f"Knowing the whole future would be worth {st.money(voi.evpi, cur)}.")
    if msg:
        st.note(fig, msg)
        return st.finish(fig, text, f"{futures}.")

    # Every input clearly worth something, then a few within the noise for contrast (a long
    # list of "under $10k" rows would only bury the answer); the rest are counted below.
    clear = sum(1 for v in voi.inputs if v.value > v.precision)
    shown = voi.inputs[:min(TOP, clear + (NOISE_ROWS if clear else 2 * NOISE_ROWS))]
    # A short figure (a projector): as many rows as its height holds, the rest counted below.
    room = an.plot_room(fig, text, CAPTION + "Not shown: 12 more inputs, each worth less than $10k. "
                        + f"{futures}.", FIXED_PT)
    shown = shown[:an.rows_that_fit(room, ROW_PT, EXTRA_ROWS, MIN_ROWS, TOP)]
    k = len(shown)
    name_size = an.name_size(room, k + EXTRA_ROWS, st.TICK_SIZE if k <= 8 else st.TICK_SIZE - 1)
    evpi = voi.evpi
    precision = max(v.precision for v in shown)
    ys = np.arange(k)
    size = st.NOTE_SIZE + 1 if k <= 8 else st.NOTE_SIZE
    values = np.array([v.value for v in shown])
    clear_rows = np.array([v.value > v.precision for v in shown])
    bars = ax.barh(ys, values, height=0.62, color=[CLEAR if c else UNCLEAR for c in clear_rows], lw=0, zorder=3)
    for patch, v in zip(bars.patches, shown):
        patch.set_gid(f"evppi:{v.input}")
    # The precision: a light whisker from value - precision (not below 0) to value + precision.
    lows = np.maximum(0.0, values - [v.precision for v in shown])
    highs = values + [v.precision for v in shown]
    ax.hlines(ys, lows, highs, color=WHISKER, lw=1.6, zorder=4)
    ax.vlines(np.concatenate([lows, highs]), np.tile(ys, 2) - 0.12, np.tile(ys, 2) + 0.12, color=WHISKER,
              lw=1.6, zorder=4)

    # The ceiling: EVPI. Every EVPPI is at most this (the engine caps the estimates there).
    ax.axvline(evpi, color=CEILING, lw=2.0, ls=(0, (6, 3)), zorder=2)
    right = evpi * 1.16
    longest = max(len(st.money(v.value + v.precision, cur)) + 8 for v in shown)
    ax.set_xlim(0, max(right, (max(v.value + v.precision for v in shown)) * 1.05
                       + longest * an.EM * size / (fig.get_size_inches()[0] * 72 * 0.7) * evpi))
    ax.set_ylim(k - 0.5, -1.4)
    ax.set_yticks(ys, [st.plain(an.input_tick(v.input, width=34)) for v in shown], fontsize=name_size)
    for tick, v in zip(ax.get_yticklabels(), shown):
        tick.set_color(an.label_color(v.input, cols))
    ax.tick_params(axis="y", length=0, pad=6)
    ax.spines["left"].set_color("#888888")
    st.money_axis(ax.xaxis, cur)
    # The labels, the title and the legend in the axis's money unit.
    mscale = st.axis_scale(ax.xaxis)
    text = finding(results, voi, mscale)
    for i, v in enumerate(shown):
        clear = bool(clear_rows[i])
        hi = highs[i]
        label = st.money(v.value, cur, mscale) if clear else f"under {st.money(v.precision, cur, mscale)}"
        ax.text(hi + 0.012 * evpi, i, st.plain(label), ha="left", va="center", fontsize=size,
                color=st.INK if clear else st.MUTED, fontweight="bold" if clear and i == 0 else "normal",
                zorder=5)
    ax.text(evpi, -0.95, st.plain(f"Knowing everything: {st.money(evpi, cur, mscale)}"), ha="right", va="center",
            fontsize=st.NOTE_SIZE + 1, fontweight="bold", color=CEILING, zorder=5,
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.9))
    ax.grid(axis="x", color=st.GRID, lw=0.8)
    ax.set_xlabel("What knowing this input exactly before choosing would be worth (expected gain)")

    handles = [Patch(color=CLEAR), Patch(color=UNCLEAR),
               Line2D([], [], color=WHISKER, lw=1.6, marker="|", ms=10, mew=1.6)]
    labels = ["Clearly worth something", "Within the estimate's noise",
              f"Precision (\u00b1{st.money(precision, cur, mscale)})"]
    st.legend(ax, handles, labels)

    caption = CAPTION
    if len(voi.inputs) > k:
        rest = voi.inputs[k:]
        within = " (within the noise)" if rest[0].value <= rest[0].precision else ""
        caption += (f"Not shown: {len(rest)} more input{'s' if len(rest) != 1 else ''}, each worth less than "
                    f"{st.money(max(rest[0].value, precision), cur, mscale)}{within}. ")
    caption += f"{futures}."
    return st.finish(fig, text, caption)


def structure(results: "Results") -> tuple:
    """What a figure of this chart holds (see :class:`ui.charts.ChartSpec`): the alternatives
    and the rows of inputs (before the figure's height cuts them)."""
    names = tuple(results.names)
    try:
        voi = an.quietly(insights.value_of_information, results)
        clear = sum(1 for v in voi.inputs if v.value > v.precision)
        rows = min(TOP, clear + (NOISE_ROWS if clear else 2 * NOISE_ROWS), len(voi.inputs))
    except Exception:     # (the chart says what is wrong with these results)
        rows = -1
    return names, rows
