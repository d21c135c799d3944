"""Risk profile: S-curves of NPV, the chance that the result ends up below any amount."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator, PercentFormatter

from . import _style as st
from ._live import make_legend

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

TITLE = "Risk profile"
TOOLTIP = ("For any amount along the bottom, the height of each curve is the chance that the "
           "alternative's net present value ends up below it. Where a curve crosses zero is its "
           "chance of losing money.")

#: Above this many futures the S-curve is drawn through this many evenly spaced quantiles
#: (indistinguishable on screen, and it keeps a redraw cheap).
MAX_POINTS = 1024
#: Above this many alternatives the chances of a loss are written in the legend: beside
#: the dots they would crowd (and some colours repeat).
MANY = 5


def ecdf_points(values: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """The empirical CDF of ``values`` as (x, y, steps), extended flat to ``lo`` and ``hi``.

    ``y`` is the share of futures with NPV at or below ``x``; ``steps`` says whether to
    draw it as a staircase (small runs, where each future is a visible step).
    """
    v = np.sort(values)
    n = v.size
    if n == 0:
        return np.array([]), np.array([]), False
    if n > MAX_POINTS:
        idx = np.unique(np.linspace(0, n - 1, MAX_POINTS).round().astype(int))
        x, y = v[idx], (idx + 1) / n
        steps = False
    else:
        x, y = v, np.arange(1, n + 1) / n
        steps = True
    x = np.concatenate(([min(lo, x[0]), x[0]], x, [max(hi, x[-1])]))
    y = np.concatenate(([0.0, 0.0], y, [1.0]))
    if not steps:
        # A continuous-looking curve still rises from 0 at the first value.
        x, y = np.delete(x, 1), np.delete(y, 1)
    return x, y, steps


def invests(alt) -> bool:
    """Whether an alternative spends anything in some future. One that does not (a "Do
    nothing" reference) is on the chart for comparison; it is no risk choice, so the title
    ranks only the options that invest and says so."""
    costs = np.asarray(alt.pv_costs, dtype=float)
    return bool(costs.size and np.nanmax(np.abs(costs)) > 0)


def finding(results: "Results") -> str:
    """The chart's title: which alternative loses money most and least often, true for
    every alternative on the chart (a reference that never loses money included)."""
    alts = results.alternatives
    if not alts:
        return "No alternatives to show"
    losses = []
    for a in alts:
        v = st.finite(a.npv)
        if v.size:
            losses.append((a.name, float(np.mean(v < 0)), invests(a)))
    if not losses:
        return f"{alts[0].name} has no valid results to show"
    if len(losses) == 1:
        name, p, _ = losses[0]
        if p == 0:
            return f"{name} does not lose money in any simulated future"
        return f"{name} loses money in {st.percent(p)} of simulated futures"
    if max(p for _, p, _ in losses) == 0:
        return "None of the alternatives loses money in any simulated future"
    investing = [t for t in losses if t[2]]
    others = [t for t in losses if not t[2]]
    if not investing:       # nothing is spent anywhere: rank them all
        investing, others = losses, []
    ranked = sorted(investing, key=lambda t: -t[1])
    if len(ranked) == 1:
        (name, p, _), ref = ranked[0], others[0]
        if p == 0:
            return f"Neither {name} nor {ref[0]} loses money in any simulated future"
        refs = " nor ".join(t[0] for t in others)
        never = f"; {refs} never does" if all(t[1] == 0 for t in others) else ""
        return f"{name} loses money in {st.percent(p)} of simulated futures{never}"
    worst, safest = ranked[0], ranked[-1]
    # With a reference on the chart that loses less often, "safest" would not be true of
    # every line: the ranking is said to be among the options that invest.
    among = "Of the options that invest, " if any(t[1] <= safest[1] for t in others) else ""
    if worst[1] - safest[1] < 0.02:
        text = (f"{worst[0]} and {safest[0]} carry about the same risk of losing money "
                f"({st.percent(worst[1])} and {st.percent(safest[1])} of futures)")
        return among + text if among else text
    if len(ranked) == 2:
        return (f"{among}{safest[0]} loses money less often: in {st.percent(safest[1])} of futures, "
                f"against {st.percent(worst[1])} for {worst[0]}")
    return (f"{among}{safest[0]} loses money least often, in {st.percent(safest[1])} of futures; "
            f"{worst[0]} loses money most often, in {st.percent(worst[1])}")


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """One S-curve (empirical CDF of NPV) per alternative, the loss side of zero shaded, and
    each alternative's chance of loss marked where its curve crosses zero."""
    ax = st.begin(fig)
    cur = results.scenario.currency
    cols = st.resolve_colors(results, colors)
    text = finding(results)
    alts = results.alternatives
    if not alts:
        st.note(fig, "No alternatives to show.")
        return st.finish(fig, text)

    data = [st.finite(a.npv) for a in alts]
    lo, hi = st.npv_range(data)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.02, 1.02)
    st.shade_loss(ax, label_y=0.99)
    k = len(alts)
    handles, labels = [], []
    marks = []  # (name, chance of loss, colour)
    for a, v in zip(alts, data):
        c = cols[a.name]
        x, y, steps = ecdf_points(v, lo, hi)
        (line,) = ax.plot(x, y, color=c, lw=2.6 if k <= 4 else 2.2, zorder=3,
                          drawstyle="steps-post" if steps else "default", solid_joinstyle="round")
        line.set_gid(f"risk-curve:{a.name}")
        handles.append(line)
        if v.size == 0:
            labels.append(f"{a.name} (no valid results)")
            continue
        p = float(np.mean(v < 0))
        # Many alternatives: each one's chance of a loss in the legend, not beside the dots.
        labels.append(f"{a.name}: {st.percent(p)}" if k > MANY else a.name)
        if lo <= 0 <= hi:
            marks.append((a.name, p, c))

    # Chance of loss: a dot on the zero line at the height where each curve crosses it,
    # labelled on the loss side, with labels nudged apart so they never overlap.
    if marks:
        ax.scatter([0.0] * len(marks), [p for _, p, _ in marks], s=70 if k <= 4 else 50,
                   c=[c for _, _, c in marks], edgecolors="white", linewidths=1.5, zorder=6)
        gap = 0.065 if k <= 4 else 0.05
        ys = st.spread_apart([p for _, p, _ in marks], gap, 0.03, 0.97)
        offset = 0.015 * (hi - lo)
        long_form = len(marks) <= 3
        size = st.NOTE_SIZE + (1 if long_form else 0)
        # Labels sit on the loss side, left of zero, unless that side is too narrow for them
        # (they would run into the axis's labels): then right of zero. The plot is about 80%
        # of the figure's width.
        longest = max(len(f"{st.percent(p)} chance of a loss" if long_form else st.percent(p)) for _, p, _ in marks)
        need = longest * st.EM_BOLD * size * fig.dpi / 72 + 12
        room = (0.0 - lo) / (hi - lo) * 0.8 * fig.bbox.width
        side = -1 if room >= need else 1
        for (_, p, c), y in zip(marks if k <= MANY else [], ys):
            label = f"{st.percent(p)} chance of a loss" if long_form else st.percent(p)
            ax.annotate(label, xy=(0.0, p), xytext=(side * offset, y), textcoords="data",
                        ha="right" if side < 0 else "left", va="center", fontsize=size,
                        color=st.readable(c), fontweight="bold", zorder=7,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7),
                        arrowprops=None)

    st.money_axis(ax.xaxis, cur)
    ax.yaxis.set_major_locator(MultipleLocator(0.25))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.spines["left"].set_bounds(0, 1)
    ax.grid(axis="both", color=st.GRID, lw=0.8)
    ax.set_ylabel("Chance NPV is below this amount")
    scenario = results.scenario
    ax.set_xlabel(f"Net present value over {scenario.horizon_years} years at "
                  f"{scenario.discount_rate:.0%}")
    st.legend(ax, handles, labels)
    if k > MANY and ax.get_legend() is not None:
        # Names with percentages: a point smaller and tighter, so two columns fit a projector.
        h, lab, kw = ax._investsim_legend
        kw = {**kw, "ncols": 2, "fontsize": st.LEGEND_SIZE - 1, "columnspacing": 1.2, "handlelength": 1.2}
        make_legend(ax, h, lab, **kw)
        ax._investsim_legend = (h, lab, kw)
    in_legend = ("Legend: each alternative's chance of a loss, where its curve crosses zero (●). "
                 if k > MANY else "")
    caption = (in_legend + "Further right is more value; a steeper curve is more predictable. "
               f"{st.futures_text(results.iterations)}."
               + st.left_out_text({a.name: int(a.npv.size - v.size) for a, v in zip(alts, data)}))
    return st.finish(fig, text, caption)
