"""Drivers of uncertainty: a tornado of the inputs that move a result most, and the share of
its uncertainty each one explains.

The target is an alternative (its NPV) or a pair "A vs B" (the decision: NPV of A minus
NPV of B, in the same future). For each uncertain input, two bars start at the average
result over all futures: one ends at the average over the futures where the input was in its
lowest tenth of draws, the other at the average where it was in its highest tenth
(:func:`simulator.analysis.insights.tornado`). Inputs are sorted by swing, largest on top.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.analysis import insights
from simulator.model.keys import Target

from . import _analytics as an
from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

KEY = "drivers_of_uncertainty"
TITLE = "Drivers of uncertainty"
TOOLTIP = ("Which unknowns move the result most. Each pair of bars shows the average result when "
           "that input turns out low (its lowest tenth) and when it turns out high (its highest "
           "tenth); on the right, the share of the uncertainty it explains. Choose an alternative "
           "or a pair of alternatives (the decision between them).")

#: Inputs shown at most (the rest are counted in the caption).
TOP = 10
LOW = "#A3B1C2"    # light slate: input in its lowest tenth
HIGH = "#34495E"   # dark slate: input in its highest tenth
SHARE = "#8C8C8C"  # variance share bars

targets = insights.targets
default_target = an.decision_target


class View:
    """What the chart shows for one target: the bars above the noise, and why others are not."""

    def __init__(self, results: "Results", target: Target):
        self.target = target
        self.name = target.label()   # for sentences; the alternative's name when it is one
        self.pair = an.pair_of(results, target)
        self.tornado = an.quietly(insights.tornado, results, target)
        n = min(results.iterations, insights.MAX_FUTURES)
        y = an.quietly(insights.outcome, results, target)[:n]
        values = st.finite(y)
        self.left_out = int(y.size - values.size)
        self.constant = values.size > 0 and st.is_constant(values)
        self.mean = float(values.mean()) if values.size else math.nan
        # A bar whose swing is within sampling noise says nothing: the difference of two
        # decile means, each over a tenth of the futures, has a standard error of about
        # sd * sqrt(2 / (n / 10)); twice that is the floor.
        per_decile = max(1, int(insights.DECILE * values.size))
        sd = float(values.std()) if values.size > 1 else 0.0
        self.noise = 2.0 * sd * math.sqrt(2.0 / per_decile)
        self.valid = [b for b in self.tornado.bars
                      if an.finite_number(b.low_mean) and an.finite_number(b.high_mean)]
        above = [b for b in self.valid if b.swing > max(self.noise, 1e-9 * max(1.0, abs(self.mean)))]
        self.bars = above[:TOP]
        self.more = len(above) - len(self.bars)
        self.quiet = len(self.valid) - len(above)


def _words(results: "Results", view: View) -> str:
    if view.pair:
        return f"the difference between {view.pair[0]} and {view.pair[1]}"
    return f"the value of {view.name}"


def finding(results: "Results", view: View, scale=None) -> str:
    """The chart's title; amounts in ``scale`` (the money axis's unit) when given."""
    cur = results.scenario.currency
    m = lambda x: st.money(x, cur, scale)
    if not view.tornado.bars:
        return f"Every input is a fixed number: nothing uncertain drives {_words(results, view)}"
    if view.constant:
        if view.pair:
            return f"{view.pair[0]} and {view.pair[1]} differ by the same amount in every future: no input moves it"
        return f"{view.name} is worth {m(view.mean)} in every future: no input moves it"
    if not view.bars and view.left_out:
        return f"{view.name} has futures without a valid result: its drivers cannot be ranked"
    if not view.bars:
        return f"No single input moves {_words(results, view)} by more than the simulation's noise"
    top = view.bars[0]
    name = an.capitalised(an.input_words(top.input, own=None if view.pair else view.target.a))
    lo, hi = top.low_mean, top.high_mean
    if view.pair:
        a, b = view.pair
        tiny = 0.01 * top.swing

        def ahead(d: float, short: bool) -> str:
            if abs(d) <= tiny:
                return f"{a} and {b} come out level"
            winner = a if d > 0 else b
            return f"{winner} by {m(abs(d))}" if short else f"{winner} comes out ahead by {m(abs(d))}"

        if lo * hi < 0 and abs(lo) > tiny and abs(hi) > tiny:
            return (f"{name} drives the decision: when it is low, {ahead(lo, False)}; "
                    f"when high, {ahead(hi, True)}")
        leader = a if (lo + hi) > 0 else b
        return (f"{name} drives the decision: it swings the difference by {m(top.swing)}, but {leader} "
                f"stays ahead either way")
    return (f"{name} drives the value of {view.name}: {m(lo)} on average when it is low, "
            f"{m(hi)} when high")


def _xlim(view: View, include_zero: bool) -> tuple[float, float]:
    xs = [view.mean] + [x for b in view.bars for x in (b.low_mean, b.high_mean)]
    lo, hi = min(xs), max(xs)
    span = hi - lo or max(abs(lo), 1.0) * 0.2
    if include_zero or lo - span * 0.6 <= 0 <= hi + span * 0.6:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


#: Height of one row, in points: two lines of tick label (an input of another alternative
#: names it on a second line) and the two bar-end labels, one above the other, apart.
ROW_PT = 2.6 * 11.5       # (names shrink to fit, down to 9 pt: see name sizes below)
#: At least this many rows are shown, however short the figure.
MIN_ROWS = 2
#: The plot's height in rows beyond the bars' (the side labels above, the average below).
EXTRA_ROWS = 1.3

CAPTION = ("Bars start at the average result (dashed line) and end at the average over the futures "
           "where the input was in its lowest or highest tenth; the labels give those tenths' limits. "
           "Share: squared rank correlation, normalised to 100%. ")


def plot_room(fig: Figure, title: str) -> float:
    """The plot's height in points: the figure's less what the title, the caption (wrapped to
    the figure's width), the legend, the side labels, the axis labels and the paddings take."""
    w_in, h_in = fig.get_size_inches()
    width_px = w_in * fig.dpi * 0.96
    lines = lambda text, size, bold=False: st.wrap_to(text, width_px, size, fig.dpi, bold=bold).count("\n") + 1
    used = (lines(st.plain(title), st.TITLE_SIZE, True) * st.TITLE_SIZE * 1.3
            + lines(CAPTION + "Not shown: 9 more inputs with smaller swings. 20,000 simulated futures.",
                    st.CAPTION_SIZE) * st.CAPTION_SIZE * 1.3
            + 140.0)        # legend, side labels, axis label and ticks, paddings (measured: 120-150)
    return h_in * 72 - used


def rows_that_fit(fig: Figure, results: "Results", view: View, title: str) -> int:
    """How many inputs fit the figure's height without their labels overlapping
    (:func:`plot_room` divided by :data:`ROW_PT`)."""
    return int(np.clip(plot_room(fig, title) / ROW_PT - EXTRA_ROWS, MIN_ROWS, TOP))


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None, *,
         target: Target | None = None) -> str:
    """Tornado of the top inputs for ``target`` (default: the decision between the two
    alternatives with the highest expected NPV, or the only alternative), with the share of
    variance each explains beside it. Returns the finding, which is also the title."""
    cols = st.resolve_colors(results, colors)
    cur = results.scenario.currency
    target = an.resolve(target, targets(results), default_target(results))
    if target is None:
        st.begin(fig)
        st.note(fig, "No alternatives to show.")
        return st.finish(fig, "No alternatives to show")
    view = View(results, target)
    text = finding(results, view)
    futures = st.futures_text(results.iterations)
    if not view.bars:
        st.begin(fig)
        if not view.tornado.bars:
            msg = "Every input is a fixed number, so there is nothing uncertain to rank."
        elif view.left_out:
            msg = (f"{view.left_out:,} futures have no valid result for {view.name}, so the averages "
                   "behind a tornado are undefined.")
        elif view.constant:
            msg = (f"{an.capitalised(_words(results, view))} is the same in every simulated future "
                   f"({st.money(view.mean, cur)}): no input moves it.")
        else:
            msg = (f"No input moves {_words(results, view)} by more than the simulation's own noise "
                   f"({st.money(view.noise, cur)}). Run more futures to see smaller effects.")
        st.note(fig, msg)
        return st.finish(fig, text, f"{futures}.")

    ratios = (3.4, 1.0)
    fit = rows_that_fit(fig, results, view, text)
    if fit < len(view.bars):         # a short figure (a projector): the largest swings only
        view.more += len(view.bars) - fit
        view.bars = view.bars[:fit]
    ax, ax_share = an.frame(fig, ratios, sharey=True)
    k = k_all = len(view.bars)
    own = None if view.pair else target.a
    ys = np.arange(k)
    half = 0.19 if k > 1 else 0.16
    height = 0.36 if k > 1 else 0.3
    size = st.NOTE_SIZE if k <= 8 else st.NOTE_SIZE - 1

    lo, hi = _xlim(view, include_zero=view.pair is not None)
    span = hi - lo
    # Room for the "below 17.2k" labels at the bar ends, on both sides.
    labels_lo, labels_hi = [], []
    for b in view.bars:
        lo_t, hi_t = an.input_values(b.input, [b.low_value, b.high_value], cur)
        for mean_, t in ((b.low_mean, f"below {lo_t}"), (b.high_mean, f"above {hi_t}")):
            (labels_hi if mean_ >= view.mean else labels_lo).append(t)
    share = ratios[0] / sum(ratios)
    # The tornado's width: the figure's, less the input names on the left (up to two lines of
    # 32 characters), shared with the panel of shares.
    tick_size = st.TICK_SIZE if k_all <= 7 else st.TICK_SIZE - 1
    ticks = [st.plain(an.input_tick(b.input, own=None if view.pair else target.a, width=32)) for b in view.bars]
    names_pt = max((len(line) for t in ticks for line in t.split("\n")), default=0) * an.EM * tick_size + 14
    axes_pt = max(fig.get_size_inches()[0] * 72 * 0.94 - names_pt - 40, 120) * share
    def room(texts: list[str]) -> float:
        longest = max((len(t) for t in texts), default=0)
        return (longest * an.EM * size + 10) / axes_pt
    left, right = room(labels_lo) + 0.02, room(labels_hi) + 0.02
    scale = span / max(1.0 - left - right, 0.3)
    ax.set_xlim(lo - left * scale, hi + right * scale)
    pad = 0.006 * (hi - lo + (left + right) * scale)

    top_room = 0.75
    ax.set_ylim(k - 0.5 + 0.55, -0.5 - top_room)          # inverted: the largest swing on top
    if view.pair is None:
        st.shade_loss(ax, label_y=0.985)
    else:
        ax.axvline(0.0, color=st.INK, lw=1.2, zorder=1.5)
    ax.axvline(view.mean, color=st.MUTED, lw=1.3, ls=(0, (5, 3)), zorder=1.6)
    ax.grid(axis="x", color=st.GRID, lw=0.8)

    # One bar series per side (one call each keeps a redraw cheap); gids name the inputs.
    for kind, dy, color in (("low", -half, LOW), ("high", half, HIGH)):
        means = np.array([b.low_mean if kind == "low" else b.high_mean for b in view.bars])
        bars = ax.barh(ys + dy, np.abs(means - view.mean), left=np.minimum(means, view.mean), height=height,
                       color=color, lw=0, zorder=3)
        for patch, b in zip(bars.patches, view.bars):
            patch.set_gid(f"tornado-{kind}:{b.input}")
    for i, b in enumerate(view.bars):
        lo_t, hi_t = an.input_values(b.input, [b.low_value, b.high_value], cur)
        for dy, mean_, words in ((-half, b.low_mean, f"below {lo_t}"), (half, b.high_mean, f"above {hi_t}")):
            right_side = mean_ >= view.mean
            ax.text(mean_ + (pad if right_side else -pad), i + dy, st.plain(words),
                    ha="left" if right_side else "right", va="center", fontsize=size, color=st.INK, zorder=5)

    # Rows shorter than two lines of the usual size (a short figure): smaller names.
    row_pt = plot_room(fig, text) / (k + EXTRA_ROWS)
    tick_size = float(np.clip(row_pt / 2.6, 9, st.TICK_SIZE if k <= 7 else st.TICK_SIZE - 1))
    ax.set_yticks(ys, [st.plain(an.input_tick(b.input, own=own, width=32)) for b in view.bars],
                  fontsize=tick_size)
    ax.tick_params(axis="y", length=0, pad=6)
    for tick, b in zip(ax.get_yticklabels(), view.bars):
        tick.set_color(an.label_color(b.input, cols))
    ax.spines["left"].set_visible(False)
    st.money_axis(ax.xaxis, cur)
    ax.xaxis.get_major_locator().set_params(nbins=int(np.clip(axes_pt / 55, 3, 7)))   # amounts never touch
    mscale = st.axis_scale(ax.xaxis)           # the title and the labels in the axis's unit
    text = finding(results, view, mscale)

    # Where the average sits, and (for a pair) which side means which alternative is ahead.
    ax.text(view.mean, k - 0.5 + 0.45, st.plain(f"average {st.money(view.mean, cur, mscale)}"), ha="center",
            va="bottom", fontsize=st.NOTE_SIZE, color=st.MUTED, zorder=5,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    if view.pair:
        a, b = view.pair
        x0, x1 = ax.get_xlim()
        y_side = -0.5 - top_room / 2
        gap = 0.02 * (x1 - x0)
        # each side's words fit its side of zero
        fits = lambda x_side: int(np.clip(axes_pt * abs(x_side) / (x1 - x0) / (an.EM * (st.NOTE_SIZE + 1)) - 9, 8, 30))
        if x0 < 0 < x1:
            ax.text(-gap, y_side, st.plain(f"\u2190 {an.shorten(b, fits(x0))} ahead"), ha="right", va="center",
                    fontsize=st.NOTE_SIZE + 1, fontweight="bold", color=st.readable(cols[b]), zorder=5)
            ax.text(gap, y_side, st.plain(f"{an.shorten(a, fits(x1))} ahead \u2192"), ha="left", va="center",
                    fontsize=st.NOTE_SIZE + 1, fontweight="bold", color=st.readable(cols[a]), zorder=5)
        else:
            leader = a if x0 >= 0 else b
            ax.text(0.5, y_side, st.plain(f"{an.shorten(leader, 40)} ahead in all of these cases"),
                    ha="center", va="center",
                    transform=ax.get_yaxis_transform(), fontsize=st.NOTE_SIZE + 1, fontweight="bold",
                    color=st.readable(cols[leader]), zorder=5)
        ax.set_xlabel(st.plain(f"Average difference in NPV: {an.shorten(a, 30)} minus {an.shorten(b, 30)}"))
    else:
        ax.set_xlabel(st.plain(f"Average NPV of {an.shorten(target.label(), 50)}"))

    an.panel_legend(ax, [Patch(color=LOW), Patch(color=HIGH)],
                    ["Input in its lowest 10% of draws", "Input in its highest 10%"], share=share)

    # Share of variance, on the same rows.
    shares = [b.variance_share if an.finite_number(b.variance_share) else 0.0 for b in view.bars]
    top_share = max(shares + [0.05])
    bars = ax_share.barh(ys, shares, height=0.5, color=SHARE, lw=0, zorder=3)
    for patch, b in zip(bars.patches, view.bars):
        patch.set_gid(f"share:{b.input}")
    for i, (b, s) in enumerate(zip(view.bars, shares)):
        ax_share.text(s + 0.03 * top_share, i, st.percent(s) if an.finite_number(b.variance_share) else "n/a",
                      ha="left", va="center", fontsize=st.NOTE_SIZE, color=st.INK, zorder=5)
    ax_share.set_xlim(0, top_share * 1.5)
    ax_share.tick_params(axis="y", labelleft=False, length=0)
    ax_share.set_xticks([])
    ax_share.spines["bottom"].set_visible(False)
    ax_share.spines["left"].set_color("#888888")
    ax_share.set_xlabel("Share of the\nspread it\nexplains")   # short words: the panel is narrow on a projector

    caption = CAPTION
    hidden = []
    if view.more:
        hidden.append(f"{view.more} more input{'s' if view.more != 1 else ''} with smaller swings")
    if view.quiet:
        hidden.append(f"{view.quiet} within the simulation's noise (under {st.money(view.noise, cur, mscale)})")
    if hidden:
        caption += f"Not shown: {' and '.join(hidden)}. "
    caption += f"{futures}."
    if view.left_out:
        caption += f" {view.left_out:,} futures without a valid number are left out."
    return st.finish(fig, text, caption)


def structure(results: "Results", target: Target | None = None) -> tuple:
    """What a figure of this chart holds (see :class:`ui.charts.ChartSpec`): the alternatives,
    the target drawn and how many inputs rise above the noise (the rows, before the figure's
    height cuts them)."""
    names = tuple(results.names)
    target = an.resolve(target, targets(results), default_target(results))
    if target is None:
        return names, None, 0
    return names, target, len(View(results, target).bars)
