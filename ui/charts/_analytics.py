"""Shared parts of the decision-analytics charts (drivers of uncertainty, worth finding out,
where value comes from): input names in words, input values on one scale, target choice,
a two-panel frame, and reading :mod:`simulator.analysis.insights` without warnings on awkward runs.

Inputs are the :class:`~simulator.model.keys.InputKey` of :attr:`simulator.sim.engine.Results.inputs`
(a shared variable, or a field of an item of an alternative); targets are
:class:`~simulator.model.keys.Target` (an alternative, or a pair). Their words come from
:func:`simulator.model.keys.input_label` and :meth:`~simulator.model.keys.Target.label`.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from typing import TYPE_CHECKING, Callable, Mapping, Sequence, TypeVar

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis import insights
from simulator.analysis.describe import format_values
from simulator.model.keys import InputKey, Target, input_label

from . import _style as st
from ._live import make_legend

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from simulator.sim.engine import Results

T = TypeVar("T")

#: Average width of a character in DejaVu Sans, in ems: enough to size labels and margins.
EM = 0.56
ELLIPSIS = "\u2026"


# --- Reading the engine -----------------------------------------------------------------

def quietly(fn: Callable[..., T], *args, **kwargs) -> T:
    """Call an insights function without RuntimeWarnings: a run of a few futures can leave
    a decile empty (its mean is NaN) and a NaN future makes a mean NaN. The charts drop
    such bars and say so; they never warn."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def finite_number(x: float) -> bool:
    return x is not None and math.isfinite(x)


# --- Targets ----------------------------------------------------------------------------

def ranked(results: "Results") -> list[str]:
    """Alternatives by expected NPV, highest first (ties and NaN means keep file order)."""
    means = []
    for i, a in enumerate(results.alternatives):
        v = st.finite(a.npv)
        means.append((-(float(v.mean())) if v.size else math.inf, i, a.name))
    return [name for _, _, name in sorted(means)]


def best_alternative(results: "Results") -> str | None:
    """The alternative with the highest expected NPV (None without alternatives)."""
    order = ranked(results)
    return order[0] if order else None


def decision_target(results: "Results") -> Target | None:
    """The pair of the two alternatives with the highest expected NPV, as in
    :func:`simulator.analysis.insights.targets` (file order); the only alternative when there is one;
    None when there are none."""
    order = ranked(results)
    if len(order) < 2:
        return Target(order[0]) if order else None
    return insights.pair(results, order[0], order[1])


def pair_of(results: "Results", target: Target) -> tuple[str, str] | None:
    """``(A, B)`` for a pair target, None for an alternative."""
    return (target.a, target.b) if target.b is not None else None


def resolve(target: T | None, choices: Sequence[T], default: T | None) -> T | None:
    """``target`` when it is one of ``choices``, else ``default`` (a stale choice from
    earlier results, such as a renamed alternative, falls back quietly)."""
    return target if target is not None and target in choices else default


# --- Inputs in words --------------------------------------------------------------------

def split_label(label: InputKey) -> tuple[str, str | None]:
    """``(what, alternative)``: the input in words and the alternative it belongs to (None
    for a scenario variable). ``line_units`` -> ("line units", None); the amount of
    "Licences" in "ERP system" -> ("Licences", "ERP system"); its growth ->
    ("Licences: growth", "ERP system")."""
    return input_label(label, own=label.alternative), label.alternative


def input_words(label: InputKey, *, own: str | None = None) -> str:
    """An input for a sentence: "line units", "Licences (ERP system)"; an item of ``own``
    (the alternative the sentence is about) without its alternative. Long names are cut."""
    what, alt = split_label(label)
    what = shorten(what, 48)
    return what if alt is None or alt == own else f"{what} ({shorten(alt, 28)})"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def shorten(text: str, width: int) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters, with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[:max(1, width - 1)]
    if " " in cut[width // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:/-") + ELLIPSIS


def wrap_lines(text: str, width: int, lines: int) -> list[str]:
    """``text`` wrapped to ``width`` characters, at most ``lines`` lines (the last one cut
    with an ellipsis when the text is longer)."""
    out = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True) or [text]
    if len(out) > lines:
        rest = " ".join(out[lines - 1:])
        out = out[:lines - 1] + [shorten(rest, width)]
    return out


def input_tick(label: InputKey, *, own: str | None = None, width: int = 30) -> str:
    """A two-line-at-most axis label for an input. An item of another alternative than
    ``own`` (the alternative the chart is about, if any) gets the alternative's name on its
    second line, so two alternatives' "Licences" are told apart."""
    what, alt = split_label(label)
    if alt is None or alt == own:
        return "\n".join(wrap_lines(capitalised(what), width, 2))
    return f"{shorten(capitalised(what), width)}\n{shorten(alt, width)}"


def input_unit(label: InputKey, values: Sequence[float]) -> str:
    """Money for an item's amount (a year of a list too) and resale value, a count for its
    event frequency, percent for its growth, probability or contribution margin; for a
    variable, percent when its values lie within ±1, else a plain number."""
    if label.is_amount:
        return "money"
    if not label.is_variable:
        # a resale value is money (as a year of a list, an amount); a frequency is a count of events
        if label.field == "residual_value":
            return "money"
        return "number" if label.field == "frequency" else "percent"
    finite = [abs(v) for v in values if finite_number(v)]
    return "percent" if finite and max(finite) <= 1.0 and any(0 < v < 1 for v in finite) else "number"


def input_values(label: InputKey, values: Sequence[float], currency: str) -> list[str]:
    """Values of one input on one scale: ``['17.2k', '32.8k']``, ``['6%', '14%']``,
    ``['$1.9M', '$2.8M']`` (typographic minus)."""
    texts = format_values(list(values), input_unit(label, values), currency)
    return [t.replace("-", st.MINUS, 1) if t.startswith("-") else t for t in texts]  # describe's own "-"


def label_color(label: InputKey, colors: Mapping[str, str]) -> tuple[float, float, float] | str:
    """Ink for a scenario variable; the (readable) colour of the alternative an item input
    belongs to."""
    _, alt = split_label(label)
    return st.readable(colors[alt]) if alt in colors else st.INK


# --- Frame ------------------------------------------------------------------------------

def frame(fig: Figure, width_ratios: Sequence[float], *, sharey: bool = False) -> list["Axes"]:
    """Clear ``fig`` and give it side-by-side axes in the house style (kept, when the chart
    is updated in place: see :func:`ui.charts._style.begin_row`)."""
    return st.begin_row(fig, width_ratios, sharey=sharey)


def panel_legend(ax: "Axes", handles, labels, *, share: float) -> None:
    """Like :func:`_style.legend` (frameless, in rows above the plot) for an axes that
    takes ``share`` of the figure's width: as many columns as fit over that axes."""
    if not handles:
        return
    n = len(handles)
    avail = ax.get_figure().get_size_inches()[0] * 72 * 0.94 * share
    # A legend wider than its axes would push the panels apart: cut long labels to fit.
    fits = max(12, int((avail * 0.8 - 4.0 * st.LEGEND_SIZE) / (EM * st.LEGEND_SIZE)))
    labels = [shorten(t, fits) for t in labels]
    entry = max(len(t) for t in labels) * EM * st.LEGEND_SIZE + 4.0 * st.LEGEND_SIZE
    per_row = max(1, min(n, int(avail // entry)))
    rows = math.ceil(n / per_row)
    ncols = math.ceil(n / rows)
    kwargs = dict(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
                  fontsize=st.LEGEND_SIZE, handlelength=1.4, handleheight=0.9, columnspacing=1.4,
                  borderaxespad=0.0, borderpad=0.2)
    labels = [st.plain(t) for t in labels]
    make_legend(ax, handles, labels, **kwargs)
    ax._investsim_legend = (handles, labels, kwargs)


def text_width(text: str, size: float, fig: Figure, ax: "Axes") -> float:
    """Rough width of one-line ``text`` at ``size`` points as a share of ``ax``'s width."""
    axes_pt = ax.get_position().width * fig.get_size_inches()[0] * 72
    return len(text) * EM * size / max(axes_pt, 1.0)


def plot_room(fig: Figure, title: str, caption: str, fixed_pt: float) -> float:
    """The plot's height in points for a chart of rows: the figure's height less the title and
    the caption (each wrapped to the figure's width) and ``fixed_pt`` for the rest (legend,
    axis labels and ticks, paddings)."""
    w_in, h_in = fig.get_size_inches()
    width_px = w_in * fig.dpi * 0.96

    def lines(text: str, size: float, bold: bool = False) -> int:
        return st.wrap_to(text, width_px, size, fig.dpi, bold=bold).count("\n") + 1

    used = (lines(st.plain(title), st.TITLE_SIZE, True) * st.TITLE_SIZE * 1.3
            + lines(caption, st.CAPTION_SIZE) * st.CAPTION_SIZE * 1.3 + fixed_pt)
    return h_in * 72 - used


def rows_that_fit(room_pt: float, row_pt: float, extra_rows: float, least: int, most: int) -> int:
    """How many rows of ``row_pt`` points fit ``room_pt`` besides ``extra_rows`` rows of margins,
    between ``least`` and ``most``."""
    return int(np.clip(room_pt / row_pt - extra_rows, least, most))


def name_size(room_pt: float, rows: float, largest: float) -> float:
    """The font size of two-line row names that fit rows of ``room_pt / rows`` points (9 pt
    at the least, ``largest`` at the most)."""
    return float(np.clip(room_pt / max(rows, 1.0) / 2.6, 9, largest))
