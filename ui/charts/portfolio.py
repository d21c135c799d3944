"""The portfolio chart: which set of projects to fund (:mod:`simulator.analysis.portfolio`).

``draw(fig, result)`` clears ``fig`` and draws three panels from a
:class:`simulator.analysis.portfolio.PortfolioResult`: the frontier (best expected NPV against the
capital it uses, one point per budget level, coloured by the set's chance of loss, the chosen
set ringed), the funded set's NPV distribution (loss side shaded) and the IT / non-IT split of
capital and expected NPV. Returns the finding, shown as the title. No Qt, no pyplot: the app and
the reports use the same figure.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from . import _live, _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.analysis.portfolio import PortfolioResult

TITLE = "Portfolio"
TOOLTIP = ("Which projects to fund under the budget: the best set at each budget level, the funded "
           "set's spread of NPV and its split between IT and non-IT.")
#: Colour map of the chance of loss (0 = green-blue, high = orange-red), readable when printed.
LOSS_CMAP = "viridis_r"


def finding(result: "PortfolioResult") -> str:
    c = result.choice
    n = len(result.selected)
    if n == 0:
        return "Fund nothing: no project adds expected value within the constraints"
    return (f"Fund {n} of {len(result.cands.names)} projects: expected NPV {st.money(c.expected_npv, result.currency)} "
            f"for {st.money(c.capital, result.currency)} of capital, a {st.percent(c.prob_loss)} chance of loss")


def draw(fig: Figure, result: "PortfolioResult", colors=None) -> str:
    """Draw the three panels (module doc) into ``fig``; returns the finding. ``colors`` is
    unused (the signature of the other charts, for :func:`ui.charts._live.updater`).

    A live view: drawn on the axes :func:`ui.charts._live.begin_axes` hands out, so
    :data:`update` redraws a figure in place for a result of the same :func:`structure`."""
    ax_f, ax_d, ax_s = _live.begin_axes(fig, _panels)
    # The house sizes are for a projector-sized chart; a small one (a laptop window, where the
    # table shares the tab) scales them down so the three panels keep their room.
    k = float(np.clip(min(fig.get_figheight() / 6.0, fig.get_figwidth() / 10.0), 0.72, 1.0))
    for ax in (ax_f, ax_d, ax_s):
        ax.tick_params(labelsize=st.TICK_SIZE * k)
        ax.xaxis.label.set_size(st.LABEL_SIZE * k)
        ax.yaxis.label.set_size(st.LABEL_SIZE * k)
    cur = result.currency
    _frontier(fig, ax_f, result, cur)
    _distribution(ax_d, result, cur)
    _split(ax_s, result)
    text = finding(result)
    size = (st.TITLE_SIZE - 1) * k
    width = max(30, int(fig.get_figwidth() * 72 / (size * st.EM_BOLD)))
    fig.suptitle(st.plain(textwrap.fill(text, width)), x=0.01, ha="left", fontsize=size, fontweight="bold",
                 color=st.INK)
    _live.constrained_layout(fig)
    return text


#: The lower panels' widths: the distribution, then the IT / non-IT split.
_WIDTHS = (1.4, 1)


def _panels(fig: Figure) -> list:
    """The frontier on top, the distribution and the split below, in the house style."""
    fig.set_facecolor("white")
    fig.set_layout_engine("constrained")      # (before the colorbar, which it places)
    grid = fig.add_gridspec(2, 2, height_ratios=(1.15, 1), width_ratios=_WIDTHS)
    axes = [fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]
    for ax in axes:
        st.style_axes(ax)
    return axes


def structure(result: "PortfolioResult") -> tuple:
    """What the figure holds (see :class:`ui.charts.ChartSpec`): the projects, the points of
    the frontier, the categories, whether a loss limit is drawn and whether anything is funded."""
    split = result.by_category
    total = st.finite(result.total_npv)
    return ("portfolio", tuple(result.cands.names), len(result.frontier),
            tuple(k for k in split if split[k]["capital"] or k in ("IT", "non-IT")),
            result.spec.max_loss_probability is not None, total.size == 0 or st.is_constant(total))


def _frontier(fig: Figure, ax, result: "PortfolioResult", cur: str) -> None:
    pts = result.frontier
    limit = result.spec.max_loss_probability
    top = max([p.prob_loss for p in pts] + [result.choice.prob_loss, limit or 0.0, 0.05])
    norm = Normalize(0.0, top)
    cmap = colormaps[LOSS_CMAP]
    if pts:
        xs = np.array([p.capital for p in pts])
        ys = np.array([p.expected_npv for p in pts])
        ax.plot(xs, ys, color="#9A9A9A", lw=1.5, zorder=2)
        sc = ax.scatter(xs, ys, c=[p.prob_loss for p in pts], cmap=cmap, norm=norm, s=90,
                        edgecolors="white", linewidths=1.2, zorder=3)
        bar = _live.colorbar(ax, sc, pad=0.01, fraction=0.04)
        bar.set_label("Chance of loss", fontsize=st.NOTE_SIZE, color=st.MUTED)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        bar.ax.tick_params(labelsize=st.NOTE_SIZE - 1)
        if limit is not None:
            _live.live(bar.ax, ax).axhline(limit, color=st.INK, lw=1.5)
        c = result.choice
        for i, p in enumerate(pts):  # labels alternate below and above the line so neighbours never touch
            below = i % 2 == 0 or (p.capital, p.expected_npv) == (c.capital, c.expected_npv)
            # (the chosen set's point: below, since "Chosen" is written above it)
            ax.annotate(st.plain(f"budget {st.money(p.budget, cur)}"), (p.capital, p.expected_npv),
                        xytext=(0, -18 if below else 12), textcoords="offset points", ha="center",
                        fontsize=st.NOTE_SIZE - 2, color=st.MUTED)
    c = result.choice
    ax.scatter([c.capital], [c.expected_npv], s=340, facecolors="none", edgecolors=st.INK, linewidths=2.2, zorder=4)
    ax.annotate(f"Chosen: {len(result.selected)} projects", (c.capital, c.expected_npv), xytext=(-14, 10),
                textcoords="offset points", ha="right", fontsize=st.NOTE_SIZE, fontweight="bold", color=st.INK)
    ax.axvline(result.spec.budget, color=st.LOSS_TEXT, lw=1.2, ls="--", zorder=1)
    # At the foot of the line: the frontier rises to the right, so the points near the budget
    # (and their labels) are above it.
    ax.annotate("budget", (result.spec.budget, 0.0), xycoords=("data", "axes fraction"), xytext=(4, 4),
                textcoords="offset points", va="bottom", fontsize=st.NOTE_SIZE - 1, color=st.LOSS_TEXT)
    st.money_axis(ax.xaxis, cur)
    st.money_axis(ax.yaxis, cur)
    ax.margins(x=0.08, y=0.18)
    ax.grid(color=st.GRID, lw=0.8)
    ax.set_xlabel("Capital used (expected investment, all years)")
    ax.set_ylabel("Best expected NPV")


def _distribution(ax, result: "PortfolioResult", cur: str) -> None:
    total = st.finite(result.total_npv)
    if total.size == 0 or st.is_constant(total):
        ax.text(0.5, 0.5, "Nothing funded", transform=ax.transAxes, ha="center", color=st.MUTED)
        ax.set_yticks([])
        return
    lo, hi = np.percentile(total, [0.5, 99.5])
    bins = np.linspace(lo, hi, 50)
    counts, edges = np.histogram(total, bins=bins)  # the outer 1% of futures are off the chart
    share = counts / total.size
    colors = [st.LOSS_TEXT if e < 0 else "#0072B2" for e in edges[:-1]]
    ax.bar(edges[:-1], share, width=np.diff(edges), align="edge", color=colors, alpha=0.85, linewidth=0)
    ax.axvline(0, color=st.INK, lw=1.2)
    ax.axvline(float(total.mean()), color=st.INK, lw=1.2, ls="--")
    ax.set_title(st.plain(f"Funded set's NPV: {st.percent(result.choice.prob_loss)} chance of loss,\n"
                          f"80% between {st.money(result.npv['p10'], cur)} and {st.money(result.npv['p90'], cur)}"),
                 fontsize=st.NOTE_SIZE, color=st.INK, loc="left")
    st.money_axis(ax.xaxis, cur)
    # A tick label such as "$12.5M" every 50 points or so of the panel (its share of the
    # figure's width): on a laptop-sized window the amounts never touch.
    panel_pt = ax.figure.get_figwidth() * 72 * _WIDTHS[0] / sum(_WIDTHS) * 0.8
    ax.xaxis.get_major_locator().set_params(nbins=int(np.clip(panel_pt / 50, 3, 7)))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylabel("Share of futures")
    ax.grid(axis="y", color=st.GRID, lw=0.8)


def _split(ax, result: "PortfolioResult") -> None:
    split = result.by_category
    cats = [k for k in split if split[k]["capital"] or k in ("IT", "non-IT")]
    y = np.arange(len(cats))
    cap = [split[k]["capital_share"] or 0.0 for k in cats]
    val = [split[k]["expected_npv_share"] or 0.0 for k in cats]
    h = 0.38
    b1 = ax.barh(y - h / 2, cap, height=h, color="#56B4E9", label="share of capital")
    b2 = ax.barh(y + h / 2, val, height=h, color="#009E73", label="share of expected NPV")
    for bars in (b1, b2):
        for rect in bars:
            w = rect.get_width()
            ax.annotate(f"{w:.0%}", (w, rect.get_y() + rect.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=st.NOTE_SIZE - 1, color=st.INK)
    ax.set_yticks(y, cats)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.18)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_title("IT and non-IT:\nshares of the funded set", fontsize=st.NOTE_SIZE, color=st.INK, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=st.NOTE_SIZE - 3, frameon=False,
              handlelength=1.2, columnspacing=1.0)
    ax.grid(axis="x", color=st.GRID, lw=0.8)


#: ``update(fig, result) -> finding``: :func:`draw` in place on a figure it drew (a live view).
update = _live.updater(draw)
