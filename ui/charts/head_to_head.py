"""Head to head: the chance that each alternative beats each other one on NPV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure

from simulator.analysis import compare

from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.engine import Results

TITLE = "Head to head"
TOOLTIP = ("Each cell is the chance that the alternative on the left ends up with a higher net "
           "present value than the one on top, in the same simulated future. 50% is a coin flip.")

#: Diverging and colour-blind-safe (orange - grey - blue): blue where the row usually wins,
#: orange where it usually loses, neutral grey at 50%. The centre is grey, not white, so a
#: coin-flip cell still reads as a cell and the blank (white) diagonal stays distinct.
CMAP = LinearSegmentedColormap.from_list(
    "investsim_beats", ["#B35806", "#F1A340", "#E4E4E4", "#67A9CF", "#2166AC"])
NORM = Normalize(vmin=0.0, vmax=1.0)
DIAGONAL = "white"


def comparison(results: "Results"):
    """The run's :class:`simulator.analysis.Comparison`: the one in ``results.summary`` when
    that has been computed, else from :func:`simulator.analysis.compare` directly (the same
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


def finding(results: "Results") -> str:
    names = results.names
    if not names:
        return "No alternatives to show"
    if len(names) == 1:
        return f"{names[0]} is the only alternative: add another to compare head to head"
    comp = comparison(results)
    beats = comp.prob_beats
    best = comp.best
    if len(names) == 2:
        other = comp.runner_up or next(n for n in names if n != best)
        a, b = results.alternative(best).npv, results.alternative(other).npv
        for x, y in ((best, a), (other, b)):
            if not np.isfinite(y).any():
                return f"{x} has no valid results to compare with {other if x == best else best}"
        p, q = beats[best][other], beats[other][best]
        ties = float(np.mean(a == b))
        if ties > 0.5:
            return f"{best} and {other} end up with the same NPV in {st.percent(ties)} of futures"
        tie_note = f"; they tie in {st.percent(ties)}" if ties >= 0.01 else ""
        coin = "Close to a coin flip: " if max(p, q) <= 0.55 else ""
        if p >= q:
            return f"{coin}{best} beats {other} in {st.percent(p)} of futures{tie_note}"
        return (f"{coin}{other} beats {best} in {st.percent(q)} of futures{tie_note}, although {best} "
                f"has the higher expected value")
    worst_win = min(beats[best][o] for o in names if o != best)
    if worst_win > 0.5:
        return (f"{best} beats each of the other alternatives in at least {st.percent(worst_win)} "
                f"of futures")
    return (f"No alternative beats all the others; {best}, the highest in expected value, is the "
            f"best choice in {st.percent(comp.prob_best[best])} of futures")


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """A matrix "chance the row beats the column", annotated with percentages, diverging
    colours centred at 50%, blank diagonal."""
    ax = st.begin(fig)
    cols = st.resolve_colors(results, colors)
    text = finding(results)
    names, p = matrix(results)
    k = len(names)
    if k < 2:
        st.note(fig, "Head to head needs at least two alternatives.")
        return st.finish(fig, text)

    shown = np.ma.masked_invalid(p)
    cmap = CMAP.with_extremes(bad=DIAGONAL)
    # Square cells for a few alternatives; with many, cells widen to leave room for the names.
    ax.imshow(shown, cmap=cmap, norm=NORM, aspect="equal" if k <= 3 else "auto", interpolation="nearest", zorder=1)
    size = 24 if k <= 3 else 19 if k <= 5 else 15
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
    em = 0.62
    row_labels = min(24, max(len(n) for n in names)) * em * st.TICK_SIZE + 3 * st.LABEL_SIZE
    cell = (fig_w - row_labels - 24) / k
    if k <= 3:
        cell = min(cell, fig_h * 0.6 / k)
    longest_word = max(len(w) for n in names for w in n.replace("-", "- ").split())
    col_size = float(np.clip(0.95 * cell / (longest_word * em), 8, st.TICK_SIZE))
    width = int(max(longest_word, cell / (em * col_size)))
    ax.set_xticks(np.arange(k), [st.plain(st.wrap_name(n, width)) for n in names], fontsize=col_size)
    ax.set_yticks(np.arange(k), [st.plain(st.wrap_name(n, 24)) for n in names])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    for label, name in zip(ax.get_xticklabels(), names):
        label.set_color(st.readable(cols[name]))
        label.set_fontweight("bold")
    for label, name in zip(ax.get_yticklabels(), names):
        label.set_color(st.readable(cols[name]))
        label.set_fontweight("bold")
    ax.set_xlabel("… has a higher NPV than this alternative", labelpad=10)
    ax.set_ylabel("Chance that this alternative …", labelpad=10)
    caption = ("Read across: each cell is the chance that the row's alternative has the higher net "
               "present value in the same future. Blue: it usually wins; orange: it usually loses; "
               f"grey: a coin flip. {st.futures_text(results.iterations)}.")
    return st.finish(fig, text, caption)
