"""Cash over time: cumulative net cash per year, the typical path and its 80% band."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from . import _style as st
from ._live import make_legend

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

TITLE = "Cash over time"
#: Above this many alternatives the bands are shaded only (no dotted edges, no labels) and
#: the paybacks are written in the legend, not beside their markers.
MANY = 5

TOOLTIP = ("Cumulative net cash of each alternative, year by year (not discounted): the line is "
           "the typical (median) future, the band holds 80% of futures. The dot marks the "
           "typical payback, where the cash spent has come back.")


class CashPath:
    """Cumulative net cash of one alternative: P10/P50/P90 per year 0..H, median payback.

    ``cash`` is ``(k, H+1)``: the futures that kept their yearly cash (every future, or the
    first ones of a big run, see :attr:`simulator.sim.engine.Results.yearly_futures`); the bands,
    ``left_out`` and ``under_water`` are over those. ``payback`` is ``(n,)``, every future.
    """

    def __init__(self, name: str, cash: np.ndarray, payback: np.ndarray, spreads=None):
        self.name = name
        cash = np.asarray(cash, dtype=float) if not isinstance(cash, np.ndarray) else cash
        if cash.ndim != 2:
            cash = cash.reshape(cash.shape[0], -1)
        self.years = np.arange(cash.shape[1])
        total = cash.sum(axis=1)                     # cumulative cash at the horizon
        ok = np.isfinite(total)
        self.left_out = int(cash.shape[0] - ok.sum())
        self.empty = not ok.any()
        if self.empty:
            nan = np.full(cash.shape[1], np.nan)
            self.p10 = self.p50 = self.p90 = nan
            self.flat = False
            self.under_water = math.nan
        else:
            if spreads is not None and not self.left_out and len(spreads) == cash.shape[1]:
                # The run's cached per-year spreads: no percentiles over (n, H) per draw.
                self.p10 = np.array([y.p10 for y in spreads])
                self.p50 = np.array([y.p50 for y in spreads])
                self.p90 = np.array([y.p90 for y in spreads])
            else:
                cum = np.cumsum(cash[ok], axis=1)
                self.p10, self.p50, self.p90 = np.percentile(cum, [10, 50, 90], axis=0)
            self.flat = bool(np.abs(cash[ok] if self.left_out else cash).max() < 1e-6 / max(1, cash.shape[1]))
            #: Share of futures that end the horizon with less cash than they put in.
            self.under_water = float(np.mean(total[ok] < 0))
        pb = np.asarray(payback, dtype=float)
        pb = pb[~np.isnan(pb)]
        self.payback = float(np.median(pb)) if pb.size else math.nan


def _summary(results: "Results"):
    """The run's summary (cached on the Results), computed quietly: NaN futures warn there."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return results.summary


def paths_of(results: "Results") -> list[CashPath]:
    summary = _summary(results)
    return [CashPath(a.name, a.cash, a.payback, s.cumulative_cash)
            for a, s in zip(results.alternatives, summary.alternatives)]


def payback_words(p: float, horizon: int) -> str:
    if math.isnan(p):
        return "payback n/a"
    if math.isinf(p):
        return f"no payback within {st.years_text(horizon)}"
    if p == 0:
        return st.formatting.NOTHING_TO_PAY_BACK
    return f"pays back in {p:.1f} years"


def short_payback(p: float, horizon: int) -> str:
    """The payback in a few characters, for a legend of many alternatives: "2.3 yrs"."""
    if math.isnan(p):
        return "n/a"
    if math.isinf(p):
        return f"none in {horizon} yrs"
    if p == 0:
        return "nothing to pay back"
    return f"{p:.1f} yrs"


def finding(results: "Results", paths: list[CashPath]) -> str:
    horizon = results.scenario.horizon_years
    real = [p for p in paths if not p.empty and not p.flat and not math.isnan(p.payback)]
    if not paths:
        return "No alternatives to show"
    if not real:
        return f"{paths[0].name} has no cash flows to pay back"
    ranked = sorted(real, key=lambda p: p.payback)
    first = ranked[0]
    if math.isinf(first.payback):
        if len(real) == 1:
            return f"In a typical future, {first.name} does not pay back within {st.years_text(horizon)}"
        return f"In a typical future, no alternative pays back within {st.years_text(horizon)}"
    if len(real) == 1:
        return f"In a typical future, {first.name} pays back after {first.payback:.1f} years"
    second = ranked[1]
    if math.isinf(second.payback):
        tail = f"{second.name} does not pay back within {st.years_text(horizon)}"
    else:
        tail = f"{second.name} pays back after {second.payback:.1f} years"
    if abs(second.payback - first.payback) < 0.05:
        text = (f"In a typical future, {first.name} and {second.name} both pay back after about "
                f"{first.payback:.1f} years")
    else:
        text = f"In a typical future, {first.name} pays back first, after {first.payback:.1f} years; {tail}"
    # A quick payback can hide futures that turn bad later: say so.
    if first.under_water >= 0.1:
        kept = st.yearly_kept(results)  # the share is counted over the futures with yearly cash
        of = "futures" if kept is None else f"the first {kept:,} futures"
        text += (f". Yet in {st.percent(first.under_water)} of {of} {first.name} ends the "
                 f"{st.years_text(horizon)} with less cash than it put in")
    return text


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """Median cumulative net cash per alternative for years 0..H with a P10-P90 band, the
    zero line, and each alternative's median payback marked on it."""
    ax = st.begin(fig)
    scenario = results.scenario
    cur = scenario.currency
    horizon = scenario.horizon_years
    cols = st.resolve_colors(results, colors)
    paths = paths_of(results)
    text = finding(results, paths)
    if not paths:
        st.note(fig, "No alternatives to show.")
        return st.finish(fig, text)

    k = len(paths)
    many = k > MANY
    band_alpha = 0.16 if k <= 3 else 0.1 if not many else 0.06
    handles, labels = [], []
    edges = []   # (y at the horizon, "P90"/"P10", colour, name): the band edges, labelled at the right
    for p in paths:
        c = cols[p.name]
        if p.empty:
            handles.append(Line2D([], [], color=c, lw=2.6))
            labels.append(f"{p.name} (no valid results)")
            continue
        if not p.flat:
            ax.fill_between(p.years, p.p10, p.p90, color=c, alpha=band_alpha, lw=0, zorder=2)
        if not p.flat and not many:     # with many, dotted edges and their labels would bury the lines
            # Each band's edges in its own colour: where bands overlap, the blend of colours
            # still shows whose band ends where.
            for edge, word in ((p.p90, "P90"), (p.p10, "P10")):
                ax.plot(p.years, edge, color=c, lw=1.1, ls=(0, (2, 2)), zorder=2.5, gid=f"cash-{word}:{p.name}")
                if np.isfinite(edge[-1]):
                    edges.append((float(edge[-1]), word, c, p.name))
        (line,) = ax.plot(p.years, p.p50, color=c, lw=2.8 if k <= 4 else 2.2, marker="o",
                          ms=5, zorder=4, ls="--" if p.flat else "-")
        line.set_gid(f"cash-median:{p.name}")
        handles.append(line)
        words = "no cash flows" if p.flat else (short_payback(p.payback, horizon) if many
                                                 else payback_words(p.payback, horizon))
        labels.append(f"{p.name}: {words}")

    ax.axhline(0.0, color=st.INK, lw=1.2, zorder=3)
    ax.set_xlim(-0.15, horizon + (0.15 if not edges else 0.1 + 0.07 * max(horizon, 4)))
    ax.margins(y=0.08)

    # The bands labelled in place: "P90" and "P10" at the right end of each band's edges, in
    # its colour, nudged apart so they never overlap, on white where they cross a line.
    if edges:
        lo, hi = ax.get_ylim()  # (ids below stay unique in a report's SVG)
        # A label's height (with a little air) in data units; the plot takes roughly 45% of
        # the figure's height once the title, legend and caption are placed.
        line_px = (st.NOTE_SIZE - 1) * 1.35 * fig.dpi / 72
        gap = (hi - lo) * line_px / max(0.45 * fig.bbox.height, 1.0)
        ys = st.spread_apart([y for y, _, _, _ in edges], gap, lo + 0.5 * gap, hi - 0.5 * gap)
        for (y0, word, c, name), y in zip(edges, ys):
            ax.annotate(word, xy=(horizon, y0), xytext=(horizon + 0.06 * max(horizon, 4) * 0.3, y),
                        textcoords="data", ha="left", va="center", fontsize=st.NOTE_SIZE - 1, fontweight="bold",
                        color=st.readable(c), zorder=7, gid=f"band-label:{word}:{name}",
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))  # (over the zero line)
        ax.set_ylim(lo, hi)

    # Payback markers on the zero line. Markers within a few hundredths of the horizon of
    # each other are drawn as nested rings (the earliest largest), so each stays visible;
    # labels are stacked under the line so they never collide.
    marks = [p for p in paths if not p.empty and not p.flat and math.isfinite(p.payback) and p.payback > 0]
    marks.sort(key=lambda p: p.payback)
    near = 0.03 * horizon + 0.05
    level, previous, ring = 0, -math.inf, 0
    for p in marks:
        c = cols[p.name]
        # Near the horizon a label goes left of its marker (right of it are the band labels),
        # so it takes the next row down when another marker is within its width.
        late = bool(edges) and p.payback > 0.8 * horizon
        close = p.payback - previous < (0.3 * horizon if late else 0.09 * horizon + 0.25)
        ring = ring + 1 if p.payback - previous < near else 0
        level = level + 1 if close else 0
        previous = p.payback
        ms = max(5.0, 15.0 - 5.0 * ring)
        ax.plot([p.payback], [0.0], marker="o", ms=ms, mfc=c, mec="white", mew=2, ls="none", zorder=6 + 0.1 * ring,
                gid=f"payback:{p.name}")
        if level >= 3 or many:  # many paybacks (a portfolio): the legend names each one
            continue
        ax.annotate(f"{p.payback:.1f} yrs", xy=(p.payback, 0.0), xytext=(-8 if late else 8, -14 - 20 * level),
                    textcoords="offset points", ha="right" if late else "left", va="top", fontsize=st.NOTE_SIZE + 1,
                    fontweight="bold", color=st.readable(c), zorder=7,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))

    st.money_axis(ax.yaxis, cur)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(horizon + 1, 12)))
    ax.spines["bottom"].set_bounds(0, horizon)
    ax.xaxis.set_major_formatter(lambda x, pos: "today" if x == 0 else f"{x:.0f}")
    ax.grid(axis="y", color=st.GRID, lw=0.8)
    ax.set_xlabel("Years from today")
    # With many alternatives the legend leaves a short plot: the label on two lines.
    ax.set_ylabel("Cumulative net cash\n(not discounted)" if many else "Cumulative net cash (not discounted)")
    st.legend(ax, handles, labels)
    if many and ax.get_legend() is not None:
        # Names with paybacks: a point smaller and tighter, so two columns fit a projector.
        h, lab, kw = ax._investsim_legend
        kw = {**kw, "ncols": 2, "fontsize": st.LEGEND_SIZE - 1.5, "columnspacing": 1.0, "handlelength": 1.2,
              "handletextpad": 0.5}
        make_legend(ax, h, lab, **kw)
        ax._investsim_legend = (h, lab, kw)
    kept = st.yearly_kept(results)
    sc = results.scenario
    words = (["after-tax"] if sc.tax_rate else []) + (["nominal"] if sc.inflation else [])
    basis = (", ".join(words).capitalize() + " cash. ") if words else ""
    caption = (basis + "Lines: the median " + ("of all futures" if kept is None else "future") + ", year by year; "
               + ("shaded: the middle 80% of futures (P10 to P90); ● median payback, "
                  "given for each in the legend. " if many else
                  "shaded between dotted edges: the middle 80% of futures (P10 to P90); "
                  "● median payback: half of the futures have paid back by then (rings: paybacks at the same "
                  "time). ")
               + f"{st.futures_text(results.iterations)}."
               + st.yearly_subset_text(results, "Lines and shading come from", "the paybacks from")
               + st.left_out_text({p.name: p.left_out for p in paths}, kept))
    return st.finish(fig, text, caption)

