"""Head to head: how often, and by how much, one alternative beats another on NPV.

Two alternatives: the distribution of the NPV difference in the same future (how often each
comes out ahead, the average gap and its middle 80%). More: the matrix "chance the row beats
the column" beside that distribution for the leading pair (the two highest expected values).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.analysis.summary import compare

from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

TITLE = "Head to head"
TOOLTIP = ("How much more one alternative is worth than the other in the same simulated future (the "
           "NPV difference), and how often each comes out ahead. With three or more alternatives, each "
           "cell of the grid is the chance that the alternative on the left ends up with a higher net "
           "present value than the one on top; 50% is a coin flip.")

#: Diverging and colour-blind-safe (orange - grey - blue): blue where the row usually wins,
#: orange where it usually loses, neutral grey at 50%. The centre is grey, not white, so a
#: coin-flip cell still reads as a cell and the blank (white) diagonal stays distinct.
CMAP = LinearSegmentedColormap.from_list(
    "investsim_beats", ["#B35806", "#F1A340", "#E4E4E4", "#67A9CF", "#2166AC"])
NORM = Normalize(vmin=0.0, vmax=1.0)
DIAGONAL = "white"
#: The grid shows at most this many alternatives: the ones with the highest expected value
#: (a 10x10 grid of percentages does not read on a projector). Its title says so.
GRID_MAX = 5


def leading(results: "Results", limit: int = GRID_MAX) -> list[str]:
    """The alternatives with the highest expected NPV, highest first, at most ``limit``;
    the leading pair of the gap panel always among them."""
    from . import _analytics as an

    comp = comparison(results)
    first = [n for n in (comp.best, comp.runner_up) if n]
    order = first + [n for n in an.ranked(results) if n not in first]
    return order[:limit]


def comparison(results: "Results"):
    """The run's :class:`simulator.analysis.summary.Comparison`: the one in ``results.summary`` when
    that has been computed, else from :func:`simulator.analysis.summary.compare` directly (the same
    function and numbers, without the cost of the rest of the summary)."""
    cached = vars(results).get("summary")
    if cached is not None:
        return cached.comparison
    with np.errstate(all="ignore"):          # NaN futures: counted as "does not beat"
        return compare(results.names, np.vstack([a.npv for a in results.alternatives]))


def matrix(results: "Results") -> tuple[list[str], np.ndarray]:
    """``(names, P)`` with ``P[i, j]`` = chance row i beats column j; NaN on the diagonal."""
    names = results.names
    beats = comparison(results).prob_beats
    k = len(names)
    p = np.full((k, k), np.nan)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                p[i, j] = beats.get(a, {}).get(b, np.nan)
    return names, p


class Gap:
    """The NPV difference of the leading pair in each future: ``lead`` (the higher expected
    value) minus ``other``. ``d`` holds the futures where both are finite."""

    def __init__(self, results: "Results"):
        comp = comparison(results)
        self.lead = comp.best
        self.other = comp.runner_up or next(n for n in results.names if n != comp.best)
        a, b = results.alternative(self.lead).npv, results.alternative(self.other).npv
        with np.errstate(invalid="ignore"):
            d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
        self.d = d[np.isfinite(d)]
        self.left_out = int(d.size - self.d.size)
        self.empty = self.d.size == 0
        if self.empty:
            self.mean = self.p10 = self.p90 = float("nan")
            self.ahead = self.behind = self.ties = float("nan")
            return
        self.mean = float(self.d.mean())
        self.p10, self.p90 = (float(v) for v in np.percentile(self.d, [10, 90]))
        self.ahead = float(np.mean(self.d > 0))     # lead ahead
        self.behind = float(np.mean(self.d < 0))    # other ahead
        self.ties = 1.0 - self.ahead - self.behind


def _gap_words(g: Gap, cur: str, scale) -> str:
    """"by $0.043M on average; the gap is between −$0.88M and $0.94M in 80% of futures"."""
    m = lambda x: st.money(x, cur, scale)
    if g.p10 == g.p90:
        return f"by {m(g.mean)} in almost every future"
    return f"{_by(g, m)}; the gap is between {m(g.p10)} and {m(g.p90)} in 80% of futures"


def _by(g: Gap, m) -> str:
    """"by $0.3M on average", or "by a narrow margin on average ($0.009M)" when the average gap
    is small beside the spread of the gap."""
    if abs(g.mean) < 0.05 * (g.p90 - g.p10):
        return f"by a narrow margin on average ({m(g.mean)})"
    return f"by {m(g.mean)} on average"


def finding(results: "Results", scale=None) -> str:
    """The chart's title. ``scale``: the money unit of the gap axis (the title's amounts use
    it); None for compact amounts."""
    names = results.names
    if not names:
        return "No alternatives to show"
    if len(names) == 1:
        return f"{names[0]} is the only alternative: add another to compare head to head"
    comp = comparison(results)
    beats = comp.prob_beats
    best = comp.best
    cur = results.scenario.currency
    g = Gap(results)
    if len(names) == 2:
        other = g.other
        a, b = results.alternative(best).npv, results.alternative(other).npv
        for x, y in ((best, a), (other, b)):
            if not np.isfinite(y).any():
                return f"{x} has no valid results to compare with {other if x == best else best}"
        p, q = beats[best][other], beats[other][best]
        ties = float(np.mean(a == b))
        if ties > 0.5:
            return f"{best} and {other} end up with the same NPV in {st.percent(ties)} of futures"
        tie_note = f" (they tie in {st.percent(ties)})" if ties >= 0.01 else ""
        coin = "Close to a coin flip: " if max(p, q) <= 0.55 else ""
        if p >= q:
            return f"{coin}{best} beats {other} in {st.percent(p)} of futures{tie_note}, {_gap_words(g, cur, scale)}"
        return (f"{coin}{other} beats {best} in {st.percent(q)} of futures{tie_note}; yet {best} is worth more "
                f"on average, {_gap_words(g, cur, scale)}")
    worst_win = min(beats[best][o] for o in names if o != best)
    lead = "" if g.empty else f" and beats {g.other} {_by(g, lambda x: st.money(x, cur, scale))}"
    if worst_win > 0.5:
        return (f"{best} beats each of the other alternatives in at least {st.percent(worst_win)} "
                f"of futures{lead}")
    return (f"No alternative beats all the others; {best}, the highest in expected value, is the "
            f"best choice in {st.percent(comp.prob_best[best])} of futures{lead}")


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """Two alternatives: the distribution of their NPV difference. More: the matrix "chance
    the row beats the column" and, beside it, the difference of the leading pair."""
    names, p = matrix(results)
    k = len(names)
    cols = st.resolve_colors(results, colors)
    if k < 2:
        st.begin(fig)
        st.note(fig, "Head to head needs at least two alternatives.")
        return st.finish(fig, finding(results))
    g = Gap(results)
    if k == 2:
        ax = st.begin(fig)
        scale = _draw_gap(ax, results, g, cols, compact=False)
        caption = (f"Bars: how many futures end with each size of gap, in the same future for both. Right of "
                   f"zero {g.lead} is worth more; left of it {g.other}. {st.futures_text(results.iterations)}."
                   + _left_out(g))
        return st.finish(fig, finding(results, scale), caption)
    alone = fig.get_size_inches()[0] * 72 < NARROW_PT     # a narrow figure: the matrix alone
    grid_ax, gap_ax = st.begin_row(fig, [1.0]) + [None] if alone else st.begin_row(fig, [1.15, 1.0])
    shown = names
    if k > GRID_MAX:
        shown = leading(results)
        idx = [names.index(n) for n in shown]
        p = p[np.ix_(idx, idx)]
        grid_ax.set_title(f"Top {len(shown)} of {k} by expected value", loc="left",
                          fontsize=st.NOTE_SIZE, color=st.INK, pad=6)
    _draw_grid(grid_ax, fig, shown, p, cols, share=1.0 if alone else 1.15 / 2.15, numbered=k > GRID_MAX,
               square=False if alone else None)
    if alone:
        top = f"The {len(shown)} of {k} with the highest expected value (columns numbered as the rows): a " \
            if k > GRID_MAX else "A "
        caption = (f"{top}cell is the chance that the row's alternative has "
                   "the higher net present value in the same future (blue: it usually wins; orange: it usually "
                   f"loses; grey: a coin flip). By how much {g.lead} beats {g.other}: beside the matrix in a "
                   f"wider window. {st.futures_text(results.iterations)}." + _left_out(g))
        return st.finish(fig, finding(results), caption)
    scale = _draw_gap(gap_ax, results, g, cols, compact=True, head=0.38 if k > GRID_MAX else 0.45)
    if k > GRID_MAX:
        caption = (f"Left: the {len(shown)} of {k} with the highest expected value (columns numbered as the rows); "
                   "a cell is the chance the row has the higher NPV in the same future (blue: it usually wins). "
                   f"The title holds for all {k}. Right: {g.lead} minus {g.other}. "
                   f"{st.futures_text(results.iterations)}." + _left_out(g))
        return st.finish(fig, finding(results, scale), caption)
    caption = ("Left: the chance that the row's alternative has the higher net present value in the same "
               "future (blue: it usually wins; orange: it usually loses; grey: a coin flip). Right: by how much "
               f"{g.lead} beats {g.other}, the two highest in expected value. "
               f"{st.futures_text(results.iterations)}." + _left_out(g))
    return st.finish(fig, finding(results, scale), caption)


#: Below this figure width (points) three or more alternatives get the matrix alone (a
#: 1024x768 window's chart area is about 510 points wide; 1280x720's about 630).
NARROW_PT = 580.0


def _left_out(g: Gap) -> str:
    return f" {g.left_out:,} futures without a valid NPV are left out of the gap." if g.left_out else ""


def _draw_gap(ax, results: "Results", g: Gap, cols: Mapping[str, str], *, compact: bool, head: float = 0.45):
    """The histogram of the gap ``lead − other`` on ``ax``: bars coloured by who is ahead,
    the zero line, each side's share of futures written on its side, and the middle 80%
    with the average as a bracket above the bars. Returns the money scale of the x-axis."""
    cur = results.scenario.currency
    if g.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No futures with a valid NPV for both", transform=ax.transAxes, ha="center",
                va="center", fontsize=st.LABEL_SIZE, color=st.MUTED)
        return None
    d = g.d
    lo, hi = st.npv_range([d])
    span = hi - lo
    lo, hi = min(lo, -0.06 * span), max(hi, 0.06 * span)      # zero, the reference, always shows
    nb = 26 if compact else 40
    w = (hi - lo) / nb
    edges = np.arange(np.floor(lo / w), np.ceil(hi / w) + 1) * w   # zero is an edge: no bar straddles it
    counts, _ = np.histogram(np.clip(d, edges[0], edges[-1]), edges)
    share = counts / d.size
    c_lead, c_other = cols[g.lead], cols[g.other]
    left = edges[:-1]
    colours = [c_lead if x >= -1e-9 * w else c_other for x in left]
    bars = ax.bar(left, share, width=w, align="edge", color=colours, alpha=0.85, lw=0, zorder=2)
    for i, bar in enumerate(bars):
        bar.set_gid(f"gap-bar:{i}")           # ids stay unique in a report's SVG
    top = float(share.max()) if share.size else 1.0
    ax.set_xlim(edges[0], edges[-1])
    ax.vlines(0.0, 0, top * 1.03, color=st.INK, lw=1.2, zorder=3)    # zero: up to the bars, not through the labels
    st.money_axis(ax.xaxis, cur)
    if compact:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    scale = st.axis_scale(ax.xaxis)
    m = lambda x: st.money(x, cur, scale)

    # Who is ahead, how often: on each side of zero, in that alternative's colour.
    size = st.NOTE_SIZE + (-1 if compact else 1)
    for x, ha, name, share_ in ((0.985, "right", g.lead, g.ahead), (0.015, "left", g.other, g.behind)):
        ax.text(x, 0.98, st.plain(f"{st.wrap_name(name, 13 if compact else 22)}\nahead in {st.percent(share_)}"),
                transform=ax.transAxes, ha=ha, va="top", fontsize=size, fontweight="bold",
                color=st.readable(cols[name]), zorder=6, linespacing=1.15)
    # The middle 80% and the average, as a bracket above the bars, labelled above it.
    y = top * 1.1
    if g.p10 < g.p90:
        ax.annotate("", xy=(g.p10, y), xytext=(g.p90, y), zorder=5,
                    arrowprops=dict(arrowstyle="|-|,widthA=0.35,widthB=0.35", color=st.INK, lw=1.4,
                                    shrinkA=0, shrinkB=0))
    ax.plot([g.mean], [y], marker="D", ms=8, color=st.INK, mec="white", mew=1.2, zorder=6, ls="none",
            gid="gap-mean")
    label = (f"80% of futures: {m(g.p10)} to {m(g.p90)}\n◆ average {m(g.mean)}" if compact else
             f"80% of futures: {m(g.p10)} to {m(g.p90)}   ◆ average {m(g.mean)}")
    mid = min(max(0.5 * (g.p10 + g.p90), edges[0] + 0.3 * (hi - lo)), edges[-1] - 0.3 * (hi - lo))
    ax.annotate(st.plain(label), xy=(mid, y), xytext=(0, 7), textcoords="offset points", ha="center",
                va="bottom", fontsize=st.NOTE_SIZE, color=st.INK, zorder=7, linespacing=1.2,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
    # Head room: the bracket, its label and who is ahead; a short figure (a projector) keeps the
    # same room in points, so the bars take less of the height.
    short = min(1.0, ax.get_figure().get_size_inches()[1] * 72 / 520)
    ax.set_ylim(0, top / ((head if compact else 0.53) * short ** 1.5))
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(st.plain("Gap in NPV, same future" if compact else
                           f"NPV of {g.lead} minus NPV of {g.other}, same future"))
    return scale


def _draw_grid(ax, fig: Figure, names: list[str], p: np.ndarray, cols: Mapping[str, str], *,
               share: float = 1.0, numbered: bool = False, square: bool | None = None) -> None:
    """The matrix "chance the row beats the column" on ``ax``, which takes ``share`` of the
    figure's width: percentages in the cells, diverging colours centred at 50%, blank
    diagonal, names in each alternative's colour."""
    k = len(names)
    shown = np.ma.masked_invalid(p)
    cmap = CMAP.with_extremes(bad=DIAGONAL)
    # Square cells for a few alternatives; with many, cells widen to leave room for the names.
    # Beside the gap panel the cells fill their half of the figure.
    compact = share < 1
    ax.imshow(shown, cmap=cmap, norm=NORM, aspect="equal" if (k <= 3 and not compact if square is None else square) else "auto",
              interpolation="nearest", zorder=1)
    size = (24 if k <= 3 else 19 if k <= 5 else 15) if share >= 1 else (19 if k <= 3 else 15 if k <= 5 else 12)
    for i in range(k):
        for j in range(k):
            if i == j or not np.isfinite(p[i, j]):
                continue
            dark = abs(p[i, j] - 0.5) > 0.3
            ax.text(j, i, st.percent(p[i, j]), ha="center", va="center", fontsize=size,
                    fontweight="bold", color="white" if dark else st.INK, zorder=3)

    # White gutters between cells; row and column names in each alternative's colour.
    ax.set_xticks(np.arange(k + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(k + 1) - 0.5, minor=True)
    ax.set_axisbelow(False)
    ax.grid(which="minor", color="white", lw=4)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0, pad=8)
    for side in ax.spines.values():
        side.set_visible(False)
    # Column names wrap to the width of a cell; with many columns the font shrinks until the
    # longest word fits. Widths are estimated (bold DejaVu Sans: ~0.62 em per character).
    fig_w, fig_h = fig.get_size_inches() * 72                         # points
    fig_w *= share
    em = 0.62
    row_wrap = 14 if compact else 24
    row_labels = min(row_wrap, max(len(n) for n in names)) * em * st.TICK_SIZE + 3 * st.LABEL_SIZE
    cell = (fig_w - row_labels - 24) / k
    if k <= 3 and not compact:
        cell = min(cell, fig_h * 0.6 / k)
    longest_word = max(len(w) for n in names for w in n.replace("-", "- ").split())
    col_size = float(np.clip(0.95 * cell / (longest_word * em), 10 if compact else 8, st.TICK_SIZE))
    width = int(max(longest_word, cell / (em * col_size)))
    if numbered:
        # Some of many: rows numbered and named on at most two lines, columns by number only.
        from . import _analytics as an

        ax.set_xticks(np.arange(k), [str(i + 1) for i in range(k)], fontsize=st.TICK_SIZE)
        ax.set_yticks(np.arange(k), [st.plain("\n".join(an.wrap_lines(f"{i + 1}  {n}", 16, 2)))
                                     for i, n in enumerate(names)], fontsize=st.NOTE_SIZE)
    else:
        ax.set_xticks(np.arange(k), [st.plain(st.wrap_name(n, width)) for n in names], fontsize=col_size)
        ax.set_yticks(np.arange(k), [st.plain(st.wrap_name(n, row_wrap)) for n in names])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    for label, name in zip(ax.get_xticklabels(), names):
        label.set_color(st.readable(cols[name]))
        label.set_fontweight("bold")
    for label, name in zip(ax.get_yticklabels(), names):
        label.set_color(st.readable(cols[name]))
        label.set_fontweight("bold")
    if numbered:      # the caption says how to read it: room for the names and the cells
        ax.xaxis.set_label_position("bottom")     # beside the gap's axis label: no extra height
        ax.set_xlabel("… beats the column's alternative", labelpad=6)
        ax.set_ylabel("Chance that …", labelpad=6)
        return
    ax.set_xlabel("… has a higher NPV than this alternative", labelpad=10)
    ax.set_ylabel("Chance that this alternative …", labelpad=10)
