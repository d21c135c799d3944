"""Value: how the net present value (NPV) of each alternative is spread over the futures."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

TITLE = "Value"
TOOLTIP = ("How much each alternative could be worth today (net present value) across all "
           "simulated futures: taller means more likely. Below the curves, the middle 80% of "
           "futures and the average.")

#: Above this many alternatives the lanes' amounts are written only when they all fit.
MANY = 5

class NpvStats:
    """Mean and P10/P50/P90 of the finite NPVs of one alternative."""

    def __init__(self, name: str, npv: np.ndarray):
        self.name = name
        self.values = st.finite(npv)
        self.left_out = int(np.size(npv) - self.values.size)
        self.empty = self.values.size == 0
        self.constant = st.is_constant(self.values)
        if self.empty:
            self.mean = self.p10 = self.p50 = self.p90 = math.nan
        else:
            self.mean = float(self.values.mean())
            self.p10, self.p50, self.p90 = map(float, np.percentile(self.values, [10, 50, 90]))


def stats_of(results: "Results") -> list[NpvStats]:
    return [NpvStats(a.name, a.npv) for a in results.alternatives]


def finding(results: "Results", stats: list[NpvStats], scale=None) -> str:
    """The chart's title; amounts in ``scale`` (the x-axis's money unit) when given."""
    cur = results.scenario.currency
    m = lambda x: st.money(x, cur, scale)
    valid = [s for s in stats if not s.empty]
    if not stats:
        return "No alternatives to show"
    if not valid:
        return f"{stats[0].name} has no valid results to show"
    if len(stats) == 1:
        s = valid[0]
        if s.constant:
            return f"{s.name} is worth {m(s.mean)} in every simulated future"
        return (f"{s.name} is worth {m(s.mean)} on average; 80% of futures fall between "
                f"{m(s.p10)} and {m(s.p90)}")
    ranked = sorted(valid, key=lambda s: -s.mean)
    best = ranked[0]
    if len(ranked) == 1:
        return f"{best.name} is worth {m(best.mean)} on average; the others have no valid results"
    second = ranked[1]
    if best.constant and second.constant and best.mean == second.mean:
        return f"{best.name} and {second.name} are worth the same: {m(best.mean)} in every future"
    if best.mean < 0:
        return (f"No alternative pays for itself on average; {best.name} loses least "
                f"({m(best.mean)} against {m(second.mean)} for {second.name})")
    spread = max(s.p90 - s.p10 for s in (best, second))
    gap = best.mean - second.mean
    if gap <= 0.03 * spread:
        return (f"{best.name} and {second.name} are worth about the same on average "
                f"({m(best.mean)} vs {m(second.mean)}); their ranges overlap widely")
    more = "higher" if len(stats) == 2 else "highest"
    if gap <= 0.25 * spread:
        return (f"{best.name} has the {more} expected value ({m(best.mean)} vs {m(second.mean)} for "
                f"{second.name}), but their ranges overlap widely")
    return (f"{best.name} has the {more} expected value: {m(best.mean)} against "
            f"{m(second.mean)} for {second.name}")


def _nice_step(raw: float) -> float:
    """The round number (1, 2, 2.5 or 5 times a power of ten) nearest to ``raw``."""
    if not math.isfinite(raw) or raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    candidates = [f * power for f in (1, 2, 2.5, 5, 10)]
    return min(candidates, key=lambda c: abs(math.log(c / raw)))


def bin_edges(lo: float, hi: float, n_values: int) -> np.ndarray:
    """Round-numbered bins ($50k, $100k, ...) across ``[lo, hi]``: about 60 for a big run,
    fewer for a small one so each bin still holds a few futures."""
    target = int(np.clip(np.sqrt(max(n_values, 1)) * 0.6, 8, 60))
    step = _nice_step((hi - lo) / target)
    first = math.floor(lo / step) * step
    count = max(1, math.ceil((hi - first) / step))
    return first + step * np.arange(count + 1)


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """Overlaid NPV histograms (share of futures per round-numbered band, light fill), the
    loss side of zero shaded, and below them one lane per alternative: the P10-P90 bar and
    the mean (◆). Returns the finding, which is also the title."""
    ax = st.begin(fig)
    cur = results.scenario.currency
    cols = st.resolve_colors(results, colors)
    stats = stats_of(results)
    if not stats:
        st.note(fig, "No alternatives to show.")
        return st.finish(fig, finding(results, stats))

    lo, hi = st.npv_range([s.values for s in stats])
    n_max = max(s.values.size for s in stats)
    edges = bin_edges(lo, hi, n_max)
    step = float(edges[1] - edges[0])
    heights: list[np.ndarray | None] = []
    for s in stats:
        if s.empty or s.constant:
            heights.append(None)
        else:
            counts, _ = np.histogram(s.values, bins=edges)
            heights.append(counts / s.values.size)
    peak = max((float(h.max()) for h in heights if h is not None), default=0.0)
    # With only fixed alternatives the y-axis is exact: their band holds 100% of futures.
    top = peak * 1.18 if peak > 0 else 1.12
    spike = top if peak > 0 else 1.0

    # Lanes for the P10-P90 bars under the histograms: y < 0, first alternative on top.
    k = len(stats)
    frac = min(0.42, 0.07 + 0.065 * k)
    lane = frac / (1 - frac) * top / k
    bottom = -lane * k

    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom, top)
    # One money unit for the axis and every amount written on the chart and in its title.
    st.money_axis(ax.xaxis, cur)
    scale = st.axis_scale(ax.xaxis)
    m = lambda x: st.money(x, cur, scale)
    text = finding(results, stats, scale)
    st.shade_loss(ax)
    ax.axhline(0.0, color="#999999", lw=0.8, zorder=1)

    handles, labels = [], []
    # Lane labels fit their lane: about 55% of the figure's height is plot, and a lane gets
    # its share of the lanes' part of it.
    lane_pt = fig.get_size_inches()[1] * 72 * 0.55 * frac / k
    lane_font = float(np.clip(lane_pt * 0.72, 8, st.NOTE_SIZE))
    bar_lw = 8 if k <= 3 else 6 if k <= 5 else 4.5
    lane_labels = []      # with many alternatives, written only when they all fit
    for i, (s, h) in enumerate(zip(stats, heights)):
        c = cols[s.name]
        y = -(i + 0.5) * lane
        if s.empty:
            handles.append(Patch(facecolor="none", edgecolor=c, lw=2))
            labels.append(f"{s.name} (no valid results)")
            continue
        if h is not None:
            # A light fill helps with a few alternatives; with more it only muddies.
            fill = 0.16 if k <= 3 else 0.0
            if fill:
                ax.stairs(h, edges, fill=True, color=c, alpha=fill, lw=0, zorder=2)
            ax.stairs(h, edges, color=c, lw=2.4 if k <= 4 else 2.0, zorder=3)
            handles.append(Patch(facecolor=(*_rgb(c), fill), edgecolor=c, lw=2.4))
            # Few alternatives: the average in the legend; many: names only, to keep it short.
            labels.append(f"{s.name} (average {m(s.mean)})" if k <= 3 else s.name)
        else:
            # A fixed value: all futures in one band, a spike. Beside histograms it would
            # dwarf them, so it runs off the top (arrow) instead of to 100%.
            ax.vlines(s.mean, 0, spike, color=c, lw=3.2, zorder=3)
            if peak > 0:
                ax.plot([s.mean], [spike], marker="^", ms=11, color=c, ls="none", zorder=3, clip_on=False)
            handles.append(Line2D([], [], color=c, lw=3.2))
            labels.append(f"{s.name} (always {m(s.mean)})")
        # Lane: middle 80% and the mean.
        ax.hlines(y, s.p10, s.p90, color=c, lw=bar_lw, alpha=0.6, zorder=3, capstyle="butt")
        ax.plot([s.mean], [y], marker="D", ms=9 if k <= 5 else 7, mfc="white", mec=c, mew=2.2, ls="none", zorder=4)
        label = f"always {m(s.mean)}" if s.constant else f"{m(s.p10)} to {m(s.p90)}"
        room_right = hi - max(s.p90, s.mean)
        room_left = min(s.p10, s.mean) - lo
        pad = 0.012 * (hi - lo)
        if room_right >= room_left:
            t = ax.text(max(s.p90, s.mean) + pad, y, st.plain(label), ha="left", va="center", fontsize=lane_font,
                        color=st.INK, zorder=5)
        else:
            t = ax.text(min(s.p10, s.mean) - pad, y, st.plain(label), ha="right", va="center",
                        fontsize=lane_font, color=st.INK, zorder=5)
        lane_labels.append(t)
    many = k > MANY
    if many:
        st.only_where_room(fig, lane_labels, together=True)

    # Fixed alternatives: say what each spike means (one label for spikes at the same value).
    groups: dict[float, list[NpvStats]] = {}
    for s, h in zip(stats, heights):
        if h is None and not s.empty:
            key = next((v for v in groups if np.isclose(v, s.mean, rtol=1e-9, atol=1e-6)), s.mean)
            groups.setdefault(key, []).append(s)
    for value_, group in groups.items():
        names = ", ".join(g.name for g in group)
        ax.annotate(st.plain(f"{names}:\n{m(value_)} in every future"), (value_, spike),
                    xytext=(10, -4), textcoords="offset points", ha="left", va="top",
                    fontsize=st.NOTE_SIZE + 1, color=st.readable(cols[group[0].name]), zorder=5,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))

    # Axes: money along x (set above), share of futures per band on y (only above the lanes).
    ticks = [t for t in MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(0, peak or 1.0)
             if 0 <= t <= top]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.spines["left"].set_bounds(0, top)
    ax.grid(axis="y", color=st.GRID, lw=0.8)
    # Many alternatives: a tall legend leaves short histograms; the label on two lines stays
    # beside them, clear of the legend.
    ax.set_ylabel("Share of\nfutures" if many else "Share of futures")
    ax.yaxis.label.set_y((top / 2 - bottom) / (top - bottom))     # centred on the histograms
    scenario = results.scenario
    ax.set_xlabel(f"Net present value: today's worth of {scenario.horizon_years} years of cash, "
                  f"discounted at {scenario.discount_rate:.0%}")
    st.legend(ax, handles, labels)
    return st.finish(fig, text, _caption(results, stats, m, step, peak, many))


def _caption(results: "Results", stats: list[NpvStats], m, step: float, peak: float, many: bool) -> str:
    band = f"Curves: share of futures in each {m(step)} band. " if peak > 0 else ""
    written = "; amounts beside them when there is room" if many else ""
    return (f"{band}Bars under the curves: the middle 80% of futures (P10 to P90{written}); ◆ the average. "
            f"{st.futures_text(results.iterations)}."
            + st.left_out_text({s.name: s.left_out for s in stats}))


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)
