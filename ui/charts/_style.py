"""Shared look and helpers of the result charts: colours, fonts, money axes, titles, legends.

Everything here works on a plain :class:`matplotlib.figure.Figure`; nothing imports Qt or
pyplot, so the same charts render in the app (FigureCanvasQTAgg) and in reports (Agg, PDF).
Font sizes are in points and chosen for a projector: a 1400x800 px chart at 100 dpi reads
from the back of a meeting room.
"""

from __future__ import annotations

import contextlib
import math
import threading
import weakref
from typing import TYPE_CHECKING, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator

from simulator.analysis import formatting
from ui import palette
from simulator.analysis.formatting import yearly_kept, yearly_subset_text  # noqa: F401  (the charts' wording)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from simulator.sim.engine import Results

# --- Rendering -------------------------------------------------------------------------

#: Unhinted glyphs: text is most of the time a chart takes to render, and FreeType's hinting
#: (matplotlib's default forces its auto-hinter) makes it ~40% slower with no visible gain at
#: the sizes the charts use (compared side by side). Vector output (PDF, SVG) never hints.
#: Applied while a chart is built and drawn (:func:`chart_rc`), never to the global rcParams.
CHART_RC = {"text.hinting": "none"}


#: Held while a chart is built and drawn with :data:`CHART_RC` (:func:`chart_rc`). Matplotlib
#: takes its own lock inside ``Figure.draw``; this one is always taken first (never while a
#: figure draws), so the two cannot deadlock.
_DRAWING = threading.RLock()


def drawing_lock():
    """The process-wide lock the charts hold while a figure is built and drawn with
    :data:`CHART_RC` (matplotlib's font and text caches are shared and not thread-safe, and
    rcParams are process-wide). Reentrant."""
    return _DRAWING


@contextlib.contextmanager
def chart_rc():
    """Build or draw a chart with :data:`CHART_RC`. rcParams are process-wide, so this holds
    :func:`drawing_lock` meanwhile: a chart drawn in another thread never sees them change
    half-way, and they are restored after."""
    with drawing_lock(), matplotlib.rc_context(CHART_RC):
        yield


# --- Colours ---------------------------------------------------------------------------

#: Okabe & Ito (2008), "Color Universal Design", kept in :mod:`ui.palette` (Qt-free and
#: matplotlib-free, so the window colours its outline before the chart code is imported).
OKABE_ITO = palette.OKABE_ITO

INK = "#222222"          # text and the zero line
MUTED = "#5A5A5A"        # captions, axis labels
GRID = "#E3E3E3"
LOSS_FILL = "#FBE9E1"    # pale vermillion tint behind the loss side of zero
LOSS_TEXT = "#A8431A"
MINUS = formatting.MINUS  # a real minus sign reads better than a hyphen on a projector

# --- Fonts (points) --------------------------------------------------------------------

TITLE_SIZE = 16
LABEL_SIZE = 14
TICK_SIZE = 13
LEGEND_SIZE = 13
NOTE_SIZE = 12
CAPTION_SIZE = 12


colors_for = palette.colors_for


def _luminance(rgb) -> float:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def readable(color: str, min_contrast: float = 4.0) -> tuple[float, float, float]:
    """``color`` darkened just enough for text on white to reach ``min_contrast`` (WCAG
    ratio): yellow and orange labels stay recognisably yellow and orange but legible on a
    washed-out projector."""
    from matplotlib.colors import to_rgb

    rgb = to_rgb(color)
    for _ in range(40):
        if 1.05 / (_luminance(rgb) + 0.05) >= min_contrast:
            break
        rgb = tuple(c * 0.92 for c in rgb)
    return rgb


def resolve_colors(results: "Results", colors: Mapping[str, str] | None) -> dict[str, str]:
    """The caller's colours, completed with the default ones for any name it left out."""
    out = colors_for(results.names)
    if colors:
        out.update({k: v for k, v in colors.items() if k in out})
    return out


# --- Numbers ---------------------------------------------------------------------------

def plain(text: str) -> str:
    """Text for a matplotlib artist: dollar signs escaped, so "$1M vs $2M" is not typeset
    as mathematics. (The findings returned to callers keep plain "$".)"""
    return text.replace("$", r"\$")


def money(value: float | None, currency: str, scale: "formatting.Scale | None" = None) -> str:
    """``formatting.money`` (a typographic minus: ``−$1.2M``), in ``scale`` when given: the
    scale of the chart's money axis (:func:`axis_scale`), so text and ticks share one unit."""
    return formatting.money(value, currency, scale=scale)


def percent(p: float | None) -> str:
    return formatting.percent(p)


_SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


class MoneyFormatter(Formatter):
    """Tick labels such as ``−$0.5M, $0, $0.5M, $1.0M``: one unit (k, M or B) and one number
    of decimals for the whole axis, chosen from the visible ticks, so labels line up and
    never mix "$500k" with "$1.0M". The cursor read-out uses the compact ``money`` form."""

    def __init__(self, currency: str):
        self.currency = currency
        self.prefix = formatting.currency_prefix(currency)
        self._scale, self._suffix, self._digits = 1.0, "", 0

    def set_locs(self, locs):
        super().set_locs(locs)
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (np.nan, np.nan)
        visible = [x for x in locs if np.isfinite(x) and (not np.isfinite(lo) or
                                                          min(lo, hi) - 1e-9 <= x <= max(lo, hi) + 1e-9)]
        visible = visible or [x for x in locs if np.isfinite(x)]
        top = max((abs(x) for x in visible), default=0.0)
        self._scale, self._suffix = 1.0, ""
        for scale, suffix in _SCALES:
            if top >= scale:
                self._scale, self._suffix = scale, suffix
                break
        # The fewest decimals that show every visible tick exactly (2.5M needs one).
        values = [x / self._scale for x in visible]
        self._digits = next((d for d in range(4)
                             if all(abs(round(v, d) - v) <= 1e-6 * max(1.0, abs(v)) for v in values)), 3)

    def __call__(self, x, pos=None):
        if pos is None:
            return money(x, self.currency)
        if not np.isfinite(x):
            return ""
        # one writer of money (the locale's separators and symbol place), in the axis's unit
        return plain(formatting.money(x, self.currency, digits=self._digits,
                                      scale=formatting.Scale(self._scale, self._suffix)))

    def format_data_short(self, value):
        return money(value, self.currency)


def money_axis(axis: Axis, currency: str) -> None:
    """Make ``axis`` (e.g. ``ax.xaxis``) a money axis: at most ~7 round ticks, labelled in one
    unit with the currency symbol (``$250k``, ``€1.5M``, ``£2B``)."""
    if not isinstance(axis, Axis):
        raise TypeError("money_axis expects an Axis such as ax.xaxis or ax.yaxis")
    # Fewer, wider-spaced ticks where the locale's amounts are long ("−400 Tsd. €", not "−$400k"):
    # seven of them would run into each other on a narrow axis.
    long_words = formatting.style().compact != ("k", "M", "B") or formatting.currency_affixes(currency)[1]
    axis.set_major_locator(MaxNLocator(nbins=4 if long_words else 7, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(MoneyFormatter(currency))


def axis_scale(axis: Axis) -> formatting.Scale:
    """The unit of a money axis's tick labels (``$0.5M`` -> M) as a scale for the chart's
    own texts, so a title or a label never says "$559k" beside ticks in millions. Call it
    after the axis limits are set and :func:`money_axis` is applied."""
    fmt_ = axis.get_major_formatter()
    if not isinstance(fmt_, MoneyFormatter):
        raise TypeError("axis_scale expects a money axis (see money_axis)")
    fmt_.set_locs(axis.get_majorticklocs())
    return formatting.Scale(fmt_._scale, fmt_._suffix)


def points_formatter(x, pos=None) -> str:
    """Percentage points of margin: ``+0.5 pp``, ``0 pp``, ``−0.25 pp``."""
    if not np.isfinite(x):
        return ""
    if abs(x) < 1e-12:
        return "0 pp"
    text = f"{x:+.2f}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS) + " pp"


# --- Data ------------------------------------------------------------------------------

def finite(x: np.ndarray) -> np.ndarray:
    """The finite entries of ``x`` (NaN and ±inf futures are left out of a chart)."""
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def is_constant(x: np.ndarray) -> bool:
    """True when every finite value is the same (within rounding): a zero-width spread such
    as a "do nothing" alternative, whose NPV is exactly 0 in every future."""
    if x.size == 0:
        return False
    lo, hi = float(x.min()), float(x.max())
    return hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi))


def npv_range(values: Sequence[np.ndarray], *, tail: float = 0.005) -> tuple[float, float]:
    """An x-range for NPV charts: from the lowest 0.5th to the highest 99.5th percentile of
    the alternatives (all of the data for small runs), stretched to show zero when zero is
    near, with a little padding. Never empty, never NaN."""
    lows, highs = [], []
    for x in values:
        if x.size == 0:
            continue
        if x.size >= 400:
            lo, hi = np.quantile(x, [tail, 1 - tail])
        else:
            lo, hi = x.min(), x.max()
        lows.append(float(lo))
        highs.append(float(hi))
    if not lows:
        return -1000.0, 1000.0
    lo, hi = min(lows), max(highs)
    span = hi - lo
    if span <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        half = abs(lo) * 0.2 if lo != 0 else 1000.0
        return lo - half, hi + half
    # Zero is the reference for every investment decision: show it when it is close.
    if lo > 0 and lo < 0.6 * span:
        lo = 0.0
    elif hi < 0 and -hi < 0.6 * span:
        hi = 0.0
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


# --- Figure frame ----------------------------------------------------------------------

def begin(fig: Figure) -> "Axes":
    """Clear ``fig`` and give it one clean axes with the house style: a
    :class:`ui.charts._live.LiveAxes` that records the artists made on it. While the chart is
    updated in place (:func:`ui.charts._live.updater`) the figure is kept and the same axes
    returned, replaying those artists."""
    from . import _live

    if _live.replaying(fig):
        rec = _live.record_of(fig)
        if len(rec.axes) != 1:
            raise _live.Rebuild("another number of axes")
        _live.reset_limits(rec.axes[0])
        return _live.LiveAxes(rec.axes[0], rec)
    fig.clear()
    fig.set_facecolor("white")
    fig.set_layout_engine(FitLayout())
    ax = fig.add_subplot()
    style_axes(ax)
    rec = _live.start(fig)
    rec._index(ax)
    return _live.LiveAxes(ax, rec)


def begin_row(fig: Figure, width_ratios: Sequence[float], *, sharey: bool = False) -> list:
    """Like :func:`begin`, with side-by-side axes (``width_ratios``) in the house style."""
    from . import _live

    if _live.replaying(fig):
        rec = _live.record_of(fig)
        if len(rec.axes) != len(width_ratios):
            raise _live.Rebuild("another number of axes")
        for ax in rec.axes:
            _live.reset_limits(ax)
        return [_live.LiveAxes(ax, rec) for ax in rec.axes]
    fig.clear()
    fig.set_facecolor("white")
    fig.set_layout_engine(FitLayout())
    grid = fig.add_gridspec(1, len(width_ratios), width_ratios=list(width_ratios))
    rec = _live.start(fig)
    axes: list = []
    for i in range(len(width_ratios)):
        ax = fig.add_subplot(grid[0, i], sharey=axes[0].axes if sharey and axes else None)
        style_axes(ax)
        rec._index(ax)
        axes.append(_live.LiveAxes(ax, rec))
    return axes


def style_axes(ax: "Axes") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")
    ax.tick_params(labelsize=TICK_SIZE, colors=INK, length=4, color="#888888")
    ax.xaxis.label.set_size(LABEL_SIZE)
    ax.yaxis.label.set_size(LABEL_SIZE)
    ax.xaxis.label.set_color(MUTED)
    ax.yaxis.label.set_color(MUTED)
    ax.set_axisbelow(True)


def finish(fig: Figure, finding: str, caption: str = "") -> str:
    """Show the finding as the chart's title and an optional caption saying how to read the
    chart. Both are wrapped to the figure's width by :class:`FitLayout` at every draw (also
    after a resize). Returns ``finding``."""
    title = fig.suptitle(plain(finding), x=0.012, ha="left", fontsize=TITLE_SIZE, fontweight="bold",
                         color=INK)
    title._investsim_raw = title.get_text()
    cap = None
    if caption:
        cap = fig.supxlabel(plain(caption), x=0.012, ha="left", fontsize=CAPTION_SIZE, color=MUTED)
        cap._investsim_raw = cap.get_text()
    else:
        old = caption_text(fig)
        if old is not None:          # (an update in place to a result without a caption)
            old.set_text("")
            old._investsim_raw = ""
            cap = old
    _FRAME[fig] = (title, cap)
    return finding


#: The finding (suptitle) and caption (supxlabel) Text of each figure :func:`finish` wrote:
#: matplotlib has no public getter for these artists, only for their strings.
_FRAME: "weakref.WeakKeyDictionary[Figure, tuple]" = weakref.WeakKeyDictionary()


def _framed(fig: Figure, i: int) -> "Text | None":
    t = _FRAME.get(fig, (None, None))[i]
    return t if t is not None and any(t is u for u in fig.texts) else None   # (gone after fig.clear())


def title_text(fig: Figure) -> "Text | None":
    """The Text of the finding :func:`finish` wrote on ``fig`` (None if there is none)."""
    return _framed(fig, 0)


def caption_text(fig: Figure) -> "Text | None":
    """The Text of the caption :func:`finish` wrote on ``fig`` (None if there is none)."""
    return _framed(fig, 1)


def renderer_of(fig: Figure):
    """The renderer ``fig`` is drawn with, for measuring texts: the canvas's own (Agg) when it
    has one, else None, which the public ``get_window_extent``/``get_tightbbox`` accept (they
    then use the figure's current renderer, e.g. the PDF one while a report is saved)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else None


def axes_titles(ax: "Axes") -> list[Text]:
    """The Axes' title Texts (centre, left, right): its Text children that are not ``ax.texts``."""
    own = {id(t) for t in ax.texts}
    return [c for c in ax.get_children() if isinstance(c, Text) and id(c) not in own
            and c is not ax.xaxis.label and c is not ax.yaxis.label]


# --- Layout ----------------------------------------------------------------------------

#: Average character widths of DejaVu Sans in ems (normal, bold), slightly generous: used to
#: wrap text to a width in characters without measuring it.
EM_NORMAL = 0.58
EM_BOLD = 0.66


def wrap_to(text: str, width_px: float, size: float, dpi: float, *, bold: bool = False) -> str:
    """``text`` (paragraphs split at newlines) wrapped to ``width_px`` pixels, estimated from
    the font size: no ``wrap=True``, which measures every word at each draw."""
    import textwrap

    chars = max(8, int(width_px / ((EM_BOLD if bold else EM_NORMAL) * size * dpi / 72)))
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, width=chars, break_long_words=True, break_on_hyphens=False) or [""])
    return "\n".join(lines)


def _raw_text(t) -> str:
    """The text of ``t`` before the layout wrapped it: its current text if it was set anew
    since (a chart updated in place), else the one remembered at the last wrap."""
    raw = getattr(t, "_investsim_raw", None)
    if raw is None or t.get_text() != getattr(t, "_investsim_wrapped", raw):
        raw = t._investsim_raw = t.get_text()
    return raw


def _set_wrapped(t, text: str) -> None:
    t.set_text(text)
    t._investsim_wrapped = text


def _rewrap(t, width_px: float, dpi: float) -> None:
    raw = _raw_text(t)
    if not raw:
        return
    bold = str(t.get_fontweight()) in ("bold", "heavy", "700", "800", "900")
    _set_wrapped(t, wrap_to(raw, width_px, t.get_fontsize(), dpi, bold=bold))


#: Sizes of texts measured by the layout: (text, font properties, rotation, line spacing, dpi)
#: -> (width, height) in pixels. A live view lays its figure out at every update; its title
#: and caption rarely change, and a size depends on nothing else.
_SIZES: dict = {}
_SIZES_MAX = 2048


def text_size(t: Text, renderer, dpi: float) -> tuple[float, float]:
    """The (width, height) in pixels of ``t`` as drawn at ``dpi``, measured once per text,
    font and dpi (:data:`_SIZES`)."""
    # (Text.get_linespacing is new in matplotlib 3.11; the finding and the caption keep the
    # default line spacing on older releases, where nothing here sets another.)
    spacing = t.get_linespacing() if hasattr(t, "get_linespacing") else None
    key = (t.get_text(), t.get_fontproperties().copy(), t.get_rotation(), spacing, dpi)
    size = _SIZES.get(key)
    if size is None:
        box = t.get_window_extent(renderer)
        size = (float(box.width), float(box.height))
        if len(_SIZES) >= _SIZES_MAX:
            _SIZES.clear()
        _SIZES[key] = size
    return size


class FitLayout(LayoutEngine):
    """A cheap draw-time layout for the charts: one row of axes with fixed margins computed
    from the size of what sits around them (tick labels, axis labels, legends, panel titles,
    labels beside bars), the finding on top and the caption at the bottom, both wrapped to
    the figure's width. One measuring pass instead of constrained layout's solver; every
    text stays inside the figure at any canvas size from about 800x560 px up."""

    _adjust_compatible = True
    _colorbar_gridspec = False

    def __init__(self, *, pad_pt: float = 6.0, gap_pt: float = 14.0, **kwargs):
        super().__init__(**kwargs)
        self.fit_params = {"pad_pt": pad_pt, "gap_pt": gap_pt}

    def get(self) -> dict:
        """The parameters (``pad_pt``, ``gap_pt``), as a copy."""
        return dict(self.fit_params)

    def execute(self, fig: Figure) -> None:
        renderer = renderer_of(fig)
        W, H = float(fig.bbox.width), float(fig.bbox.height)
        px = fig.dpi / 72.0
        pad = self.fit_params["pad_pt"] * px
        gap = self.fit_params["gap_pt"] * px
        axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None]

        top_text = bottom_text = 0.0
        title = title_text(fig)
        if title is not None and title.get_visible():
            _rewrap(title, W - 2 * pad, fig.dpi)
            title.set_position((pad / W, 1 - pad / H))
            title.set_va("top")
            top_text = text_size(title, renderer, fig.dpi)[1] + pad
        caption = caption_text(fig)
        if caption is not None and caption.get_visible():
            _rewrap(caption, W - 2 * pad, fig.dpi)
            caption.set_position((pad / W, pad / H))
            caption.set_va("bottom")
            bottom_text = text_size(caption, renderer, fig.dpi)[1] + pad
        if not axes:
            return
        gs = axes[0].get_subplotspec().get_gridspec()
        # Every layout starts from the same place (the default margins), so a figure laid out
        # again (a repaint, a live update in place) comes out as a freshly drawn one does.
        rc = matplotlib.rcParams
        gs.update(left=rc["figure.subplot.left"], right=rc["figure.subplot.right"],
                  bottom=rc["figure.subplot.bottom"], top=rc["figure.subplot.top"],
                  wspace=rc["figure.subplot.wspace"] if gs.ncols > 1 else None)
        for ax in axes:
            ax.set_position(ax.get_subplotspec().get_position(fig))
            ax.set_in_layout(True)
        ratios = list(gs.get_width_ratios() or [1.0] * gs.ncols)
        # Axis labels and panel titles wrap to their panel's width: estimated first, then
        # measured once the panels are placed.
        for ax in axes:
            col = ax.get_subplotspec().colspan.start
            width = (W - 2 * pad - 120 * px) * ratios[col] / sum(ratios)
            self._wrap_axes(ax, width, fig.dpi, px)
            self._wrap_ylabel(ax, (H - top_text - bottom_text) * 0.62, fig.dpi)   # (the plot's share, roughly)
            spec = getattr(ax, "_investsim_legend", None)
            leg = ax.get_legend()
            if spec is not None and leg is not None and leg in _FITTED_NCOLS:      # (refitted at this size)
                ax.legend(spec[0], spec[1], **spec[2])
        self._place(fig, gs, axes, renderer, W, H, pad, gap, top_text, bottom_text)
        for ax in axes:
            self._wrap_axes(ax, ax.bbox.width, fig.dpi, px)
            self._fit_legend(ax, renderer, W - pad - ax.bbox.x0, (W - 2 * pad, pad) if len(axes) == 1 else None)
        self._place(fig, gs, axes, renderer, W, H, pad, gap, top_text, bottom_text)
        # Labels beside bars kept inside their panel, and tick labels thinned where they would
        # run into each other (long amounts such as "−2,5 Mio. €" on a narrow panel): then the
        # panels are placed once more for the new tick labels.
        changed = False
        for ax in axes:
            changed |= _fit_inside(ax, renderer)
            changed |= _thin_ticks(ax, renderer, 0.5 * fig.dpi / 72 * TICK_SIZE)
        if changed:
            self._place(fig, gs, axes, renderer, W, H, pad, gap, top_text, bottom_text)

    @staticmethod
    def _wrap_axes(ax, width, dpi, px) -> None:
        for t in (ax.xaxis.label, *axes_titles(ax)):
            if t.get_text() or getattr(t, "_investsim_raw", None):
                _rewrap(t, max(width, 80 * px), dpi)

    @staticmethod
    def _wrap_ylabel(ax, height, dpi) -> None:
        """A y-axis label longer than its axes is tall (a short figure) goes on two lines."""
        label = ax.yaxis.label
        raw = _raw_text(label)
        if not raw or not label.get_visible():
            return
        one_line = len(raw) * EM_NORMAL * label.get_fontsize() * dpi / 72
        if one_line > height * 1.02 or "\n" in label.get_text():
            _set_wrapped(label, wrap_to(raw, max(height, 60.0), label.get_fontsize(), dpi))

    @staticmethod
    def _fit_legend(ax, renderer, avail: float, wide: tuple[float, float] | None = None) -> None:
        """Fewer columns (more rows) when the legend above a panel would run off the figure.
        ``wide``: (width, left) in pixels the legend may take from the figure's left edge (a
        figure of one panel): a legend too wide for its panel starts there instead, over the
        y-axis's labels, with as many columns as fit."""
        spec = getattr(ax, "_investsim_legend", None)
        leg = ax.get_legend()
        if spec is None or leg is None:
            return
        handles, labels, kwargs = spec
        ncols_now = _FITTED_NCOLS.get(leg, kwargs["ncols"])
        if wide is not None and "bbox_transform" in kwargs:     # (already starts at the figure's edge)
            avail = wide[0]
        too_wide = leg.get_window_extent(renderer).width > avail
        if wide is not None and too_wide and "bbox_transform" not in kwargs \
                and kwargs.get("bbox_to_anchor") == (0.0, 1.01):
            from matplotlib.transforms import blended_transform_factory

            fig = ax.get_figure()
            moved = {**kwargs, "bbox_to_anchor": (wide[1] / fig.bbox.width, 1.01),
                     "bbox_transform": blended_transform_factory(fig.transFigure, ax.transAxes)}
            n = len(labels)
            for ncols in range(min(n, max(ncols_now, 4)), 0, -1):
                rows = math.ceil(n / ncols)
                ncols = math.ceil(n / rows)                    # balanced rows
                leg = ax.legend(handles, labels, **{**moved, "ncols": ncols})
                _FITTED_NCOLS[leg] = ncols
                if leg.get_window_extent(renderer).width <= wide[0]:
                    return
            return
        if not too_wide:
            return
        for ncols in range(ncols_now - 1, 0, -1):
            leg = ax.legend(handles, labels, **{**kwargs, "ncols": ncols})
            _FITTED_NCOLS[leg] = ncols
            if leg.get_window_extent(renderer).width <= avail:
                return

    @staticmethod
    def _place(fig, gs, axes, renderer, W, H, pad, gap, top_text, bottom_text) -> None:
        n = gs.ncols
        over = {}   # column -> [left, bottom, right, top] overhang in pixels
        for ax in axes:
            box = ax.get_position(original=True).transformed(fig.transFigure)
            tight = ax.get_tightbbox(renderer, bbox_extra_artists=_may_overhang(ax))
            if tight is None:
                continue
            col = ax.get_subplotspec().colspan.start
            o = [max(0.0, box.x0 - tight.x0), max(0.0, box.y0 - tight.y0),
                 max(0.0, tight.x1 - box.x1), max(0.0, tight.y1 - box.y1)]
            prev = over.get(col, [0.0] * 4)
            over[col] = [max(a, b) for a, b in zip(prev, o)]
        zero = [0.0] * 4
        left = pad + over.get(0, zero)[0]
        right = pad + over.get(n - 1, zero)[2]
        bottom = bottom_text + pad + max(o[1] for o in over.values()) if over else bottom_text + pad
        top = top_text + pad + max(o[3] for o in over.values()) if over else top_text + pad
        seps = [over.get(i, zero)[2] + over.get(i + 1, zero)[0] + gap for i in range(n - 1)]
        sep = max(seps, default=0.0)
        avail = W - left - right
        min_w = 0.15 * W
        if avail - sep * (n - 1) < min_w * n:          # a tiny figure: keep the panels visible
            shrink = (min_w * n + sep * (n - 1)) - avail
            left = max(pad, left - shrink / 2)
            right = max(pad, right - shrink / 2)
            avail = W - left - right
        if H - top - bottom < 0.2 * H:
            excess = 0.2 * H - (H - top - bottom)
            top, bottom = max(pad, top - excess / 2), max(pad, bottom - excess / 2)
        wspace = sep * n / max(avail - sep * (n - 1), 1.0) if n > 1 else 0.0
        gs.update(left=left / W, right=1 - right / W, bottom=bottom / H, top=1 - top / H, wspace=wspace)
        for ax in axes:
            ax.set_position(ax.get_subplotspec().get_position(fig))
            ax.set_in_layout(True)     # (set_position takes an axes out of the layout; it is ours)


def _may_overhang(ax: "Axes") -> list:
    """The artists of ``ax`` that may reach outside its box: those not clipped to it (texts,
    legends, annotations). An artist clipped to the axes box (a bar, a line, a band: the
    default) lies inside that box, which the tight box holds anyway, so measuring it (a path's
    extent for every bar) cannot change the layout."""
    box = ax.bbox
    return [a for a in ax.get_default_bbox_extra_artists()
            if not (a.get_clip_on() and a.get_clip_box() is box and a.get_clip_path() is None)]


#: Texts each axes keeps inside its own box (see :func:`keep_inside`), by axes.
_INSIDE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def keep_inside(ax: "Axes", texts) -> None:
    """Keep ``texts`` (labels written beside bars, in data coordinates along x) inside ``ax``'s
    box at every draw: :class:`FitLayout` widens the x-limits until they fit (up to three
    times), so a long amount never runs into the names beside the axes or off the figure."""
    ax = real_axes(ax)
    known = _INSIDE.get(ax, [])
    ids = {id(t) for t in known}
    _INSIDE[ax] = [t for t in known if t.axes is ax] + [t for t in texts if id(t) not in ids]


def _fit_inside(ax: "Axes", renderer) -> bool:
    texts = [t for t in _INSIDE.get(ax, []) if t.axes is ax and t.get_visible() and t.get_text()]
    if not texts or ax.xaxis_inverted():
        return False
    changed = False
    for _ in range(3):
        box = ax.get_window_extent(renderer)
        extents = [t.get_window_extent(renderer) for t in texts]
        over_left = max(0.0, max(box.x0 - e.x0 for e in extents))
        over_right = max(0.0, max(e.x1 - box.x1 for e in extents))
        if over_left <= 0.5 and over_right <= 0.5:
            break
        a, b = ax.get_xlim()
        per_px = (b - a) / max(box.width - over_left - over_right, 0.25 * box.width)
        ax.set_xlim(a - over_left * per_px * 1.04, b + over_right * per_px * 1.04)
        changed = True
    return changed


def _thin_ticks(ax: "Axes", renderer, gap: float) -> bool:
    """Fewer ticks on an axis whose (round-number) tick labels would touch: ``gap`` pixels
    at least between neighbours. Only axes with a :class:`~matplotlib.ticker.MaxNLocator`."""
    changed = False
    for axis, lo_, hi_ in ((ax.xaxis, "x0", "x1"), (ax.yaxis, "y0", "y1")):
        locator = axis.get_major_locator()
        if not isinstance(locator, MaxNLocator):
            continue
        for _ in range(4):
            axis.get_majorticklabels()           # (the labels of the ticks as they are now)
            view = sorted(axis.get_view_interval())
            tol = 1e-9 * (abs(view[0]) + abs(view[1]) + 1.0)
            boxes = sorted((t.get_window_extent(renderer) for tick, t in
                            ((tick, tick.label1) for tick in axis.get_major_ticks())
                            if tick.get_loc() is not None and view[0] - tol <= tick.get_loc() <= view[1] + tol
                            and t.get_visible() and t.get_text()), key=lambda e: getattr(e, lo_))
            if len(boxes) <= 2 or all(getattr(b, lo_) - getattr(a, hi_) >= gap for a, b in zip(boxes, boxes[1:])):
                break
            locator.set_params(nbins=max(1, len(boxes) - 2))
            changed = True
    return changed


#: Legends :meth:`FitLayout._fit_legend` remade with fewer columns -> their number of columns
#: (a legend not in here has the columns of its ``_investsim_legend`` spec).
_FITTED_NCOLS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def legend(ax: "Axes", handles, labels) -> None:
    """A frameless legend in rows above the plot, under the title: it never covers data.
    As many columns as fit the figure's width (estimated from the label lengths)."""
    if not handles:
        return
    n = len(handles)
    fig = ax.get_figure()
    avail = fig.get_size_inches()[0] * 72 * 0.92                     # points
    char = 0.52 * LEGEND_SIZE
    entry = max(len(t) for t in labels) * char + 4.0 * LEGEND_SIZE      # text + handle + gaps
    per_row = max(1, min(n, int(avail // entry)))
    rows = math.ceil(n / per_row)
    ncols = math.ceil(n / rows)                                        # balance the rows
    kwargs = dict(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
                  fontsize=LEGEND_SIZE, handlelength=1.6, columnspacing=1.8, borderaxespad=0.0, borderpad=0.2)
    if rows > 3 and len(fig.axes) == 1:
        # Many rows (many alternatives): the legend starts at the figure's left edge, over the
        # y-axis's labels, and has the whole width (but for the paddings) for its columns.
        from matplotlib.transforms import blended_transform_factory

        per_row = max(1, min(n, int((fig.get_size_inches()[0] * 72 - 12.0) // entry)))
        rows = math.ceil(n / per_row)
        kwargs["ncols"] = math.ceil(n / rows)
        kwargs.update(bbox_to_anchor=(6.0 / 72 * fig.dpi / fig.bbox.width, 1.01),
                      bbox_transform=blended_transform_factory(fig.transFigure, real_axes(ax).transAxes))
    labels = [plain(t) for t in labels]
    from ._live import make_legend

    make_legend(ax, handles, labels, **kwargs)
    ax._investsim_legend = (handles, labels, kwargs)


def shade_loss(ax: "Axes", *, orientation: str = "x", label_y: float = 0.97) -> None:
    """Tint the loss side of zero (NPV below 0) and label it "loss"; draw the zero line."""
    if orientation == "x":
        ax.axvspan(-1e30, 0.0, color=LOSS_FILL, zorder=0, lw=0)
        ax.axvline(0.0, color=INK, lw=1.2, zorder=1.5)
        lo, hi = ax.get_xlim()
        if lo < 0:
            x = lo + 0.012 * (hi - lo)
            ax.text(x, label_y, "loss", transform=ax.get_xaxis_transform(), ha="left", va="top",
                    fontsize=NOTE_SIZE + 1, color=LOSS_TEXT, fontweight="bold", zorder=5)
    else:
        ax.axhline(0.0, color=INK, lw=1.2, zorder=1.5)


def note(fig: Figure, text: str) -> None:
    """A centred note in place of a chart that cannot be drawn for these results."""
    ax = fig.axes[0] if fig.axes else fig.add_subplot()
    ax.set_axis_off()
    width = fig.bbox.width * 0.8
    ax.text(0.5, 0.5, wrap_to(plain(text), width, LABEL_SIZE + 1, fig.dpi), transform=ax.transAxes, ha="center",
            va="center", fontsize=LABEL_SIZE + 1, color=MUTED)


def wrap_name(name: str, width: int = 18) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(name, width=width, break_long_words=False, break_on_hyphens=True)) or name


def spread_apart(ys: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Move label positions ``ys`` apart so neighbours are at least ``gap`` apart, keeping
    their order and, where there is room, staying within ``[lo, hi]`` (1-D label repulsion)."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [min(max(float(ys[i]), lo), hi) for i in order]
    for k in range(1, len(placed)):                       # push up
        placed[k] = max(placed[k], placed[k - 1] + gap)
    if placed and placed[-1] > hi:                         # then back down from the top
        placed[-1] = hi
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def years_text(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def futures_text(n: int) -> str:
    """"20,000 simulated futures", with a warning when there are too few to trust."""
    text = f"{n:,} simulated future{'s' if n != 1 else ''}"
    if n < 1000:
        text += " only: too few for reliable shapes and percentages"
    return text


def left_out_text(counts: Mapping[str, int], first: int | None = None) -> str:
    """" Futures without a valid number are left out (3 of X)." or "". ``first``: the counts
    cover the first ``first`` futures only (see :func:`yearly_kept`), and the text says so."""
    parts = [f"{c:,} of {name}" for name, c in counts.items() if c]
    if not parts:
        return ""
    among = "" if first is None else f", among the first {first:,} futures"
    return f" Futures without a valid number are left out ({', '.join(parts)}{among})."


# --- Labels that are written only where there is room ----------------------------------

def _overlap(a, b, tol: float = 2.0) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def hidden_tick_labels(fig: Figure) -> set[int]:
    """``id``s of the tick labels a draw does not paint: those of ticks outside their axis's
    view (matplotlib keeps them as Text objects all the same)."""
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * (max(1.0, abs(lo), abs(hi)) + (hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not (lo - tol <= loc <= hi + tol):
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def _obstacles(fig: Figure, renderer, skip: set[int]) -> list:
    """Window extents of the figure's other drawn texts: titles, axis labels, legends, tick
    labels inside the view (the texts a label written in the plot must not cover)."""
    from matplotlib.text import Text

    hidden = hidden_tick_labels(fig)
    out = []
    for t in fig.findobj(Text):
        if id(t) in skip or id(t) in hidden or not t.get_visible() or not t.get_text().strip():
            continue
        out.append(t.get_window_extent(renderer))
    return out


def hide_crowded(fig: Figure, renderer) -> None:
    """Hide the labels registered with :func:`only_where_room` that would overlap another
    text or leave the figure at this size (measured with the renderer, after the layout).
    A group marked ``together`` is shown whole or not at all; otherwise its labels are kept
    in order while they fit."""
    groups = _room_groups(fig)
    if not groups:
        return
    W, H = fig.bbox.width, fig.bbox.height
    members = {id(t) for texts, _ in groups for t in texts}
    fixed = _obstacles(fig, renderer, members)
    kept: list = []
    for texts, together in groups:
        boxes = [t.get_window_extent(renderer) for t in texts]
        ok_boxes = []
        verdict = []
        for b in boxes:
            inside = b.x0 >= -0.5 and b.y0 >= -0.5 and b.x1 <= W + 0.5 and b.y1 <= H + 0.5
            fits = inside and not any(_overlap(b, o) for o in fixed + kept + ok_boxes)
            verdict.append(fits)
            if fits or together:
                ok_boxes.append(b)
        if together:
            show = all(verdict)
            for t in texts:
                t.set_visible(show)
            if show:
                kept.extend(boxes)
        else:
            for t, b, fits in zip(texts, boxes, verdict):
                t.set_visible(fits)
                if fits:
                    kept.append(b)


class RoomLayout(FitLayout):
    """:class:`FitLayout`, then :func:`hide_crowded`: labels registered with
    :func:`only_where_room` are written only where they fit at the drawn size."""

    def execute(self, fig: Figure) -> None:
        for texts, _ in _room_groups(fig):
            for t in texts:
                t.set_visible(True)
        super().execute(fig)
        hide_crowded(fig, renderer_of(fig))


def _room_groups(fig: Figure) -> list:
    """The registered groups whose labels are still on the figure (a cleared figure drops them)."""
    axes = set(map(id, fig.axes))
    groups = [g for g in getattr(fig, "_investsim_room_groups", [])
              if all(t.axes is not None and id(t.axes) in axes for t in g[0])]
    fig._investsim_room_groups = groups
    return groups


def only_where_room(fig: Figure, texts, *, together: bool = True) -> None:
    """Write ``texts`` (labels in a plot) only where there is room for them at the size the
    figure is drawn: hidden when they would overlap another text or leave the figure
    (``together``: all of them or none). The chart's caption must say so."""
    texts = list(texts)
    if not texts:
        return
    known = {id(t) for g in _room_groups(fig) for t in g[0]}
    if all(id(t) in known for t in texts):      # (a chart updated in place: already registered)
        return
    if not isinstance(fig.get_layout_engine(), RoomLayout):
        params = fig.get_layout_engine().get() if isinstance(fig.get_layout_engine(), FitLayout) else {}
        fig.set_layout_engine(RoomLayout(**params))
    fig._investsim_room_groups = _room_groups(fig) + [(texts, together)]


def real_axes(ax) -> "Axes":
    """The Axes itself, for ``ax`` from :func:`begin` (a recording proxy) or a plain one."""
    from ._live import real

    return real(ax)
