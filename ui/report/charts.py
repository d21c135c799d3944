"""The app's result charts, drawn for the reports.

Every chart in :data:`ui.charts.CHARTS` at run time is drawn by its own builder, so a chart
added to the app appears in the report too. The chart's finding becomes the report's caption,
so the figure's own title is hidden to avoid saying it twice. The PDF paints the figure as
vectors with :mod:`.qtrender`; the HTML report inlines it as SVG (:meth:`ChartImage.svg`).
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import io
import math
import re
from typing import TYPE_CHECKING, Callable

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: Figure size in inches. The charts are styled for a projector (13 pt ticks at 14 x 8 in);
#: at 9 x 4.8 in scaled to a page's text width (about 6.7 in) their text is about 9.5 pt.
SIZE = (9.0, 4.8)
#: The rankings (drivers of uncertainty, worth finding out) on a page: taller, so they show as
#: many inputs as the app does on a big screen (their rows follow the figure's height).
RANKING_SIZE = (9.0, 7.2)

_SVG_RC = {"svg.fonttype": "path", "svg.hashsalt": "investsim-report", "svg.image_inline": True}


def drawing_lock():
    """Matplotlib's drawing lock (:func:`ui.charts._style.drawing_lock`). Reports may be
    written on a worker thread while the app redraws its charts on the GUI thread, so the
    report's chart building and SVG export take it too."""
    from ui.charts._style import drawing_lock as lock

    return lock()


@dataclass(frozen=True, eq=False)
class ChartImage:
    key: str
    title: str
    finding: str
    figure: Figure | None   # the drawn figure (None when it could not be drawn)
    width_pt: float
    height_pt: float
    error: str = ""         # why the chart could not be drawn
    caption: str = ""       # how to read the chart (taken out of the figure, set as report text)

    def svg(self) -> bytes:
        """The chart as a complete SVG document (text as glyph outlines)."""
        if self.figure is None:
            return b""
        buf = io.BytesIO()
        with drawing_lock(), matplotlib.rc_context(_SVG_RC):
            self.figure.savefig(buf, format="svg", metadata={"Date": None})
        return clean_svg(buf.getvalue(), prefix=f"{self.key}-")


def render(results: "Results", *, size: tuple[float, float] = SIZE,
           step: Callable[[], None] | None = None) -> list[ChartImage]:
    """Draw every chart the app has (``ui.charts.CHARTS`` then ``ANALYTICS_CHARTS``, each
    analytics chart for its default target) for ``results``; ``step()`` is called after each
    (for progress and cancellation). A chart whose builder fails is returned with ``error``
    set rather than sinking the whole report."""
    from ui.charts import ANALYTICS_CHARTS, CHARTS, chart_rc, colors_for

    colors = colors_for(results.names)
    out = []
    from ui.charts import tornado, worth_finding_out

    rankings = (tornado.KEY, worth_finding_out.KEY)
    base = size
    for spec in CHARTS + ANALYTICS_CHARTS:
        size = RANKING_SIZE if spec.key in rankings and base == SIZE else base
        fig = Figure(figsize=size)
        try:
            with chart_rc(), matplotlib.rc_context(fallback_rc(results)):
                finding = spec.draw(fig, results, colors)
            hide_title(fig)
            caption = take_caption(fig)
            tame_spans(fig)
            out.append(ChartImage(spec.key, spec.title, finding, fig, size[0] * 72, size[1] * 72, caption=caption))
        except Exception as exc:  # one broken chart must not lose the report
            out.append(ChartImage(spec.key, spec.title, "", None, size[0] * 72, size[1] * 72,
                                  error=f"{type(exc).__name__}: {exc}"))
        if step is not None:
            step()
    return out


def needs_fallback(texts) -> bool:
    """Whether any of ``texts`` has CJK (or other East Asian) characters DejaVu Sans lacks."""
    return any(ord(ch) >= 0x2E80 and not 0xFB00 <= ord(ch) <= 0xFFEF or 0xFF00 <= ord(ch) <= 0xFFEF
               for t in texts for ch in t)


def _texts(results: "Results") -> list[str]:
    sc = results.scenario
    return [sc.title, *results.names, *(it.name for a in sc.alternatives for it in a.items),
            *(name for name, _ in sc.variables)]


def fallback_rc(results: "Results | None" = None) -> dict:
    """Matplotlib settings that draw names in scripts DejaVu Sans lacks (CJK) with an
    installed CJK font: matplotlib falls back glyph by glyph along ``font.family``. Empty
    when the run's names need none (so nothing changes for them)."""
    if results is not None and not needs_fallback(_texts(results)):
        return {}
    return _fallback_rc()


@functools.lru_cache(maxsize=1)
def _fallback_rc() -> dict:
    from matplotlib import font_manager

    from ._qt import cjk_font_files

    files = cjk_font_files()
    if not files:
        return {}
    families: list[str] = []
    for _family, path in files[:1]:   # one is enough, and each extra one warns about its missing bold
        try:
            font_manager.fontManager.addfont(path)
            families.append(font_manager.FontProperties(fname=path).get_name())
        except Exception:  # an unreadable font file: draw without it
            continue
    return {"font.family": ["DejaVu Sans", *families]} if families else {}


def analytics_keys() -> set[str]:
    """Keys of the decision-analytics charts (placed in the report's Sensitivity section)."""
    from ui.charts import ANALYTICS_CHARTS

    return {spec.key for spec in ANALYTICS_CHARTS}


SENSITIVITY_TITLE = "Discount rate and horizon"


def render_sensitivity(board, names: list[str], currency: str, rate: float,
                       size: tuple[float, float] = SIZE) -> ChartImage:
    """Expected NPV of each alternative against the discount rate (left; the file's rate and
    any rate where the ranking flips marked) and against the horizon (right)."""
    from ui.charts import chart_rc, colors_for, money_axis

    fig = Figure(figsize=size)
    colors = colors_for(names)
    try:
        rc = _fallback_rc() if needs_fallback(names) else {}
        with drawing_lock(), chart_rc(), matplotlib.rc_context(rc):
            ax1, ax2 = fig.subplots(1, 2)
            xs = [r * 100 for r in board.rates]
            for nm in names:
                ax1.plot(xs, board.rate_npv[nm], color=colors.get(nm), lw=2.2, label=nm)
                hv = board.horizon_npv[nm]
                ax2.plot(range(1, len(hv) + 1), hv, color=colors.get(nm), lw=2.2, marker="o", ms=4, label=nm)
            for ax in (ax1, ax2):
                ax.axhline(0, color="#888888", lw=0.8)
                money_axis(ax.yaxis, currency)
                ax.grid(True, alpha=0.3)
            ax1.axvline(rate * 100, color="#555555", ls=":", lw=1.2)
            for r in board.flip:
                if xs and xs[0] <= r * 100 <= xs[-1]:
                    ax1.axvline(r * 100, color="#D55E00", ls="--", lw=1.2)
            ax1.set_xlabel("Discount rate (%)")
            ax1.set_ylabel("Expected NPV")
            ax2.set_xlabel("Horizon: cash counted up to year")
            if len(names) <= 3:
                ax1.legend(loc="upper right", fontsize="small", frameon=False)
                fig.tight_layout()
            else:   # many alternatives: the legend below both panels, clear of the lines
                rows = math.ceil(len(names) / 4)
                fig.legend(*ax1.get_legend_handles_labels(), loc="lower center", ncol=4, fontsize="small",
                           frameon=False)
                fig.tight_layout(rect=(0, 0.07 * rows, 1, 1))
        finding = board.flip_sentence or board.horizon_sentence
        return ChartImage("sensitivity", SENSITIVITY_TITLE, finding, fig, size[0] * 72, size[1] * 72,
                          caption="Left: expected NPV at each discount rate from 4% to 16% (dotted: the file's "
                                  "rate; dashed: where the ranking flips). Right: expected NPV if the cash were "
                                  "counted only up to each year.")
    except Exception as exc:  # one broken chart must not lose the report
        return ChartImage("sensitivity", SENSITIVITY_TITLE, "", None, size[0] * 72, size[1] * 72,
                          error=f"{type(exc).__name__}: {exc}")


#: The portfolio chart has three panels: a taller page figure.
PORTFOLIO_SIZE = (9.0, 6.6)


def render_portfolio(result, *, size: tuple[float, float] = PORTFOLIO_SIZE) -> ChartImage:
    """The portfolio chart (:mod:`ui.charts.portfolio`) of a PortfolioResult, for the report."""
    from ui.charts.portfolio import TITLE, draw

    fig = Figure(figsize=size)
    try:
        with drawing_lock():
            finding = draw(fig, result)
        hide_title(fig)
        return ChartImage("portfolio", TITLE, finding, fig, size[0] * 72, size[1] * 72)
    except Exception as exc:
        return ChartImage("portfolio", TITLE, "", None, size[0] * 72, size[1] * 72,
                          error=f"{type(exc).__name__}: {exc}")


def hide_title(fig: Figure) -> None:
    """Hide the figure's title (the finding): the report prints it as the caption."""
    from ui.charts._style import title_text

    title = title_text(fig)
    if title is not None:
        title.set_visible(False)
        title.set_in_layout(False)


def take_caption(fig: Figure) -> str:
    """Take the chart's "how to read" caption (its ``supxlabel``) out of the figure and
    return its text, to be set as report text below the figure: searchable, in the report's
    typeface, and the figure no longer spends time wrapping it."""
    from ui.charts._style import caption_text

    label = caption_text(fig)
    if label is None or not label.get_visible() or not label.get_text():
        return ""
    text = label.get_text().replace("\\$", "$")
    label.set_visible(False)
    label.set_in_layout(False)
    return " ".join(text.split())


def tame_spans(fig: Figure, limit: float = 1e12) -> None:
    """Clamp shaded spans drawn from -1e30 to +1e30 (e.g. "the loss side of zero") to the
    axes' view. They are clipped to the axes anyway, so the picture is the same, but SVG and
    PDF viewers may refuse or mangle coordinates that large."""
    for ax in fig.axes:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        xs, ys = x1 - x0, y1 - y0

        def clamp(v: float, lo: float, hi: float, span: float) -> float:
            return min(max(v, lo), hi)

        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                x, y, w, h = patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()
                if max(abs(x), abs(x + w)) > limit:
                    a, b = clamp(x, x0, x1, xs), clamp(x + w, x0, x1, xs)
                    patch.set_x(a)
                    patch.set_width(b - a)
                if max(abs(y), abs(y + h)) > limit:
                    a, b = clamp(y, y0, y1, ys), clamp(y + h, y0, y1, ys)
                    patch.set_y(a)
                    patch.set_height(b - a)
            elif isinstance(patch, Polygon):
                xy = patch.get_xy()
                if xy.size and abs(xy).max() > limit:
                    xy = xy.copy()
                    xy[:, 0] = [clamp(v, x0, x1, xs) if abs(v) > limit else v for v in xy[:, 0]]
                    xy[:, 1] = [clamp(v, y0, y1, ys) if abs(v) > limit else v for v in xy[:, 1]]
                    patch.set_xy(xy)


_EMPTY_GLYPH = re.compile(rb'<path id="([^"]+)"(?: transform="[^"]*")?\s*/>')
_ID = re.compile(rb'id="([^"]+)"')
_REF = re.compile(rb'(id="|#)([^"#)\s;]+)(?=[")])')


def clean_svg(svg: bytes, prefix: str = "") -> bytes:
    """Tidy matplotlib's SVG for embedding: drop references to empty glyphs (the space
    character, which Qt's renderer reports as undefined links), and prefix every id so
    several charts can live in one HTML page without clashing."""
    empty = set(_EMPTY_GLYPH.findall(svg))
    if empty:
        svg = _EMPTY_GLYPH.sub(b"", svg)
        for gid in empty:
            svg = re.sub(rb'\s*<use xlink:href="#' + re.escape(gid) + rb'"[^>]*/>', b"", svg)
    if prefix:
        p = prefix.encode()
        ids = set(_ID.findall(svg))

        def sub(m: re.Match) -> bytes:
            return m.group(1) + p + m.group(2) if m.group(2) in ids else m.group(0)

        svg = _REF.sub(sub, svg)
    return svg


def inline_svg(svg: bytes) -> str:
    """The ``<svg>`` element of an SVG document, for inlining in HTML."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
