"""Where value comes from: the business drivers behind each alternative's benefits, and how
one alternative's costs, benefits and risks add up to its expected NPV.

Left, for every alternative, the mean present value of its benefits stacked by business
driver (:func:`simulator.analysis.insights.by_driver`; the stack's total is the PV of benefits).
Right, a waterfall for one alternative (the target; default: the highest expected NPV) from
the PV of its costs through each benefit and risk to its expected NPV
(:func:`simulator.analysis.insights.waterfall`; the steps add up to the expected NPV). Money is the
mean present value over the simulated futures, in the scenario's currency.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.analysis import insights

from . import _analytics as an
from . import _style as st
from ._live import make_legend

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from simulator.sim.engine import Results

KEY = "value_sources"
TITLE = "Where value comes from"
TOOLTIP = ("Left: which business drivers each alternative's benefits serve (speed to market, repeat "
           "sales, margins, risk reduction, ...), in today's money. Right: how one alternative's "
           "costs, benefits and risks add up to its expected net present value.")

#: Paul Tol's "light" scheme (colour-blind safe, made for filled areas with dark text on
#: them). Pastel, so drivers never pass for the alternatives' saturated Okabe-Ito colours.
DRIVER_COLORS: tuple[str, ...] = (
    "#44BB99",  # mint
    "#EE8866",  # salmon
    "#BBCC33",  # pear
    "#99DDFF",  # light cyan
    "#FFAABB",  # pink
    "#EEDD88",  # light yellow
    "#77AADD",  # light blue
    "#AAAA00",  # olive
)
UNSPECIFIED_COLOR = "#DDDDDD"
#: Common drivers keep one colour in every scenario and report; others take the free ones.
KNOWN_DRIVERS = ("cost reduction", "revenue growth", "margins", "speed to market", "repeat sales",
                 "risk reduction", "market share")
COST = "#8E8E8E"
#: Taxes (paid or saved) and the value beyond the horizon: their own rows, never mixed into
#: the items (a lavender and a pale sand, apart from the drivers' pastels and from grey).
TAX = "#B7A6D6"
TERMINAL = "#E8D9B5"
RISK_FACE = st.LOSS_FILL
RISK_EDGE = st.LOSS_TEXT

#: Waterfall rows at most for benefits and for risks; smaller ones are merged into one row.
MAX_BENEFITS = 8
MAX_RISKS = 3
#: Above this many alternatives the drivers panel is wider, its names take one line and the
#: amounts inside the bars are written only where there is room.
MANY = 5

default_target = an.best_alternative


def targets(results: "Results") -> list[str]:
    """The waterfall can be drawn for any alternative."""
    return list(results.names)


def driver_name(driver: str) -> str:
    return "no driver set" if driver == insights.UNSPECIFIED else driver


def drivers_in(results: "Results") -> list[str]:
    """Every business driver of a benefit, in the order they first appear in the scenario
    (stable while amounts are edited); benefits without one come last."""
    seen: list[str] = []
    unspecified = False
    for alt in results.scenario.alternatives:
        for item in alt.items:
            if item.kind != "benefit":
                continue
            if item.driver:
                if item.driver not in seen:
                    seen.append(item.driver)
            else:
                unspecified = True
    return seen + ([insights.UNSPECIFIED] if unspecified else [])


def driver_colors(drivers: Sequence[str]) -> dict[str, str]:
    """One pastel colour per driver: fixed for the common ones, by order for the others."""
    out: dict[str, str] = {}
    used: set[int] = set()
    for d in drivers:
        key = d.strip().lower()
        if key in KNOWN_DRIVERS:
            out[d] = DRIVER_COLORS[KNOWN_DRIVERS.index(key)]
            used.add(KNOWN_DRIVERS.index(key))
    free = [i for i in range(len(DRIVER_COLORS)) if i not in used]
    k = 0
    for d in drivers:
        if d in out:
            continue
        if d == insights.UNSPECIFIED:
            out[d] = UNSPECIFIED_COLOR
            continue
        out[d] = DRIVER_COLORS[free[k % len(free)] if free else k % len(DRIVER_COLORS)]
        k += 1
    return out


# --- Finding ----------------------------------------------------------------------------

def finding(results: "Results", by: Mapping[str, Mapping[str, float]]) -> str:
    """Each alternative's main business driver: "ERP system's benefits come mainly from cost
    reduction (46%); New production line's entirely from revenue growth". With many
    alternatives, the three with the highest expected NPV."""
    if not results.names:
        return "No alternatives to show"
    order = an.ranked(results)
    parts = []
    tops: list[tuple[str, str, float]] = []
    for name in order:
        drivers = {d: v for d, v in by.get(name, {}).items() if v > 0}
        total = sum(drivers.values())
        if total <= 0:
            continue
        top, value = max(drivers.items(), key=lambda kv: kv[1])
        if top == insights.UNSPECIFIED:
            named = {d: v for d, v in drivers.items() if d != insights.UNSPECIFIED}
            if not named:
                continue
            top, value = max(named.items(), key=lambda kv: kv[1])
        share = value / total
        tops.append((name, top, share))
        how = "entirely" if share >= 0.995 else "mainly"
        pct = "" if share >= 0.995 else f" ({st.percent(share)})"
        who = f"{st.formatting.possessive(name)} benefits come" if not parts else st.formatting.possessive(name)
        parts.append(f"{who} {how} from {top}{pct}")
        if len(parts) == 3:
            break
    if not parts:
        if any(sum(v.values()) > 0 for v in by.values()):
            return "No benefit names a business driver yet: set one per benefit to see where value comes from"
        return "None of the alternatives has benefits: all value shown is costs and risks"
    with_benefits = sum(1 for v in by.values() if sum(x for x in v.values() if x > 0) > 0)
    if 2 <= len(tops) == with_benefits and len({t for _, t, _ in tops}) == 1:
        who = "Both alternatives'" if len(tops) == 2 else f"All {len(tops)} alternatives'"
        if all(s >= 0.995 for _, _, s in tops):
            return f"{who} benefits come entirely from {tops[0][1]}"
        shares = " and ".join(f"{st.percent(s)} for {n}" for n, _, s in tops)
        return f"{who} benefits come mainly from {tops[0][1]} ({shares})"
    return "; ".join(parts)


# --- Waterfall rows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    label: str           # the axis label
    value: float         # signed mean PV (+ adds value, - takes it away)
    kind: str            # cost | benefit | risk | tax | terminal | total
    color: str
    items: tuple[str, ...] = ()   # the scenario items behind the row


def waterfall_rows(results: "Results", name: str, colors: Mapping[str, str], *,
                   max_benefits: int = MAX_BENEFITS) -> list[Row]:
    """Rows from costs (investment, running costs) through benefits (largest first) and risks
    to the expected NPV. Their values other than the total add up to the total. Benefits
    beyond ``max_benefits`` rows are merged into one "smaller benefits" row."""
    max_benefits = max(2, max_benefits)
    steps = insights.waterfall(results, name)
    items = {it.name: it for it in results.scenario.alternative(name).items}
    rows: list[Row] = []
    resale = any(it.kind == "investment" and it.residual_value is not None for it in items.values())
    for kind, label in (("investment", "Investment, less resale" if resale else "Investment"),
                        ("running_cost", "Running costs"), ("working_capital", "Working capital")):
        group = [s for s in steps if s.kind == kind]
        if group:
            rows.append(Row(label, sum(s.value for s in group), "cost", COST, tuple(s.label for s in group)))
    benefits = sorted((s for s in steps if s.kind == "benefit"), key=lambda s: -s.value)
    keep = benefits if len(benefits) <= max_benefits else benefits[:max_benefits - 1]
    for s in keep:
        driver = (items[s.label].driver if s.label in items else None) or insights.UNSPECIFIED
        rows.append(Row(s.label, s.value, "benefit", colors.get(driver, UNSPECIFIED_COLOR), (s.label,)))
    if len(benefits) > len(keep):
        rest = benefits[len(keep):]
        rows.append(Row(f"{len(rest)} smaller benefits", sum(s.value for s in rest), "benefit",
                        UNSPECIFIED_COLOR, tuple(s.label for s in rest)))
    risks = sorted((s for s in steps if s.kind == "risk"), key=lambda s: s.value)
    keep = risks if len(risks) <= MAX_RISKS else risks[:MAX_RISKS - 1]
    for s in keep:
        rows.append(Row(f"Risk: {s.label}", s.value, "risk", RISK_FACE, (s.label,)))
    if len(risks) > len(keep):
        rest = risks[len(keep):]
        rows.append(Row(f"{len(rest)} smaller risks", sum(s.value for s in rest), "risk", RISK_FACE,
                        tuple(s.label for s in rest)))
    for s in steps:
        if s.kind == "tax":
            rows.append(Row("Taxes" if s.value <= 0 else "Tax savings", s.value, "tax", TAX, ()))
        elif s.kind == "terminal":
            rows.append(Row(s.label, s.value, "terminal", TERMINAL, ()))
    total = sum(s.value for s in steps)
    rows.append(Row("Expected NPV", total, "total", "", ()))
    return rows


# --- Drawing ----------------------------------------------------------------------------

def _signed(value: float, currency: str, scale=None) -> str:
    text = st.money(abs(value), currency, scale)
    return f"+{text}" if value > 0 else (f"{st.MINUS}{text}" if value < 0 else text)


def _pad_limits(lo: float, hi: float, left_chars: int, right_chars: int, ax: "Axes", fig: Figure,
                share: float, size: float, plot: float = 0.45) -> tuple[float, float]:
    """x-limits around ``[lo, hi]`` with room for labels of so many characters on each side;
    ``plot``: the estimated share of the figure's width the plot itself takes."""
    axes_pt = fig.get_size_inches()[0] * 72 * plot * share
    left = (left_chars * an.EM * size + 8) / axes_pt if left_chars else 0.02
    right = (right_chars * an.EM * size + 8) / axes_pt if right_chars else 0.02
    span = (hi - lo) or max(abs(hi), 1.0)
    scale = span / max(1.0 - left - right, 0.35)
    return lo - left * scale, hi + right * scale


def _drivers_panel(ax: "Axes", fig: Figure, results: "Results", by, dcolors, cols, share: float) -> None:
    cur = results.scenario.currency
    names = results.names
    k = len(names)
    many = k > MANY
    height = 0.5 if k <= 3 else 0.62 if k <= 5 else 0.7
    size = st.NOTE_SIZE if k <= 5 else st.NOTE_SIZE - 1
    inside: list = []        # the amounts inside the bars (with many, written where there is room)
    totals = [sum(v for v in by.get(n, {}).values() if v > 0) for n in names]
    negatives = [sum(v for v in by.get(n, {}).values() if v < 0) for n in names]
    top = max(totals + [0.0])
    bottom = min(negatives + [0.0])
    if top <= 0 and bottom >= 0:
        top = 1.0
    scale = _money_scale(ax, cur, lambda n: _pad_limits(bottom, top, 0, n, ax, fig, share, size + 1),
                         lambda sc: max(len(st.money(t, cur, sc)) for t in totals), nbins=3 if many else 4)
    x0, x1 = ax.get_xlim()
    unit = (x1 - x0) / (fig.get_size_inches()[0] * 72 * 0.62 * share)   # data per point
    segments: list[tuple[int, float, float, str, str]] = []     # row, left, width, colour, gid
    for i, name in enumerate(names):
        pos, neg = 0.0, 0.0
        several = sum(1 for v in by.get(name, {}).values() if v != 0) > 1   # else the total says it
        for d in dcolors:
            v = by.get(name, {}).get(d, 0.0)
            if v == 0:
                continue
            left = pos if v > 0 else neg + v
            segments.append((i, left, abs(v), dcolors[d], f"driver:{name}:{d}"))
            text = st.money(v, cur, scale)
            if several and abs(v) > (len(text) * an.EM * size + 6) * unit:
                inside.append(ax.text(left + abs(v) / 2, i, st.plain(text), ha="center", va="center",
                                      fontsize=size, color=st.INK, zorder=5))
            if v > 0:
                pos += v
            else:
                neg += v
        if pos > 0:
            ax.text(pos + 5 * unit, i, st.plain(st.money(pos, cur, scale)), ha="left", va="center",
                    fontsize=size + 1, fontweight="bold", color=st.INK, zorder=5)
        elif neg == 0:
            ax.text(5 * unit, i, "no benefits", ha="left", va="center", fontsize=size, color=st.MUTED, zorder=5)
    if segments:                                   # one call for all segments: a cheap redraw
        rows_, lefts, widths, colors_, gids = zip(*segments)
        bars = ax.barh(rows_, widths, left=lefts, height=height, color=colors_, edgecolor="white", lw=1.2,
                       zorder=3)
        for patch, gid in zip(bars.patches, gids):
            patch.set_gid(gid)
    if many:
        st.only_where_room(fig, inside, together=False)
    ax.set_ylim(k - 0.5, -0.5)
    # Many rows: one line per name (two would crowd the rows on a projector-sized window).
    ax.set_yticks(range(k), [st.plain("\n".join(an.wrap_lines(n, 24 if many else 20, 1 if many else 2)))
                             for n in names],
                  fontsize=st.TICK_SIZE if k <= 5 else st.TICK_SIZE - 2)
    for tick, name in zip(ax.get_yticklabels(), names):
        tick.set_color(st.readable(cols[name]))
        tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, pad=6)
    ax.axvline(0.0, color=st.INK, lw=1.0, zorder=2)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color=st.GRID, lw=0.8)
    ax.set_xlabel("Benefits by driver (present value)" if many else
                  "Present value of benefits, by business driver")
    labels = [driver_name(d) for d in dcolors]
    an.panel_legend(ax, [Patch(facecolor=dcolors[d], edgecolor="white") for d in dcolors], labels, share=share)
    if many and ax.get_legend() is not None and len(labels) > 3:
        # Many rows leave little height: the drivers in two tighter columns that start at the
        # figure's left edge (over the names), not at the bars.
        from matplotlib.transforms import blended_transform_factory

        h, lab, kw = ax._investsim_legend
        kw = {**kw, "ncols": 2, "fontsize": st.LEGEND_SIZE - 2, "columnspacing": 0.8, "handlelength": 1.0,
              "handletextpad": 0.4, "bbox_to_anchor": (6.0 / 72 * fig.dpi / fig.bbox.width, 1.01),
              "bbox_transform": blended_transform_factory(fig.transFigure, ax.transAxes)}
        make_legend(ax, h, lab, **kw)
        ax._investsim_legend = (h, lab, kw)


def _money_scale(ax: "Axes", cur: str, limits, lengths, nbins: int = 4) -> tuple:
    """Set the panel's x-limits and money axis, and return its unit for the texts on it:
    ``limits(lengths)`` gives the limits for labels of those lengths (in characters) and
    ``lengths(scale)`` the lengths of the labels written in ``scale``. Labels in the axis's
    unit may be longer than compact ones, so the limits are worked out again once."""
    scale = None
    for _ in range(2):
        ax.set_xlim(*limits(lengths(scale)))
        st.money_axis(ax.xaxis, cur)
        ax.xaxis.set_major_locator(_few_ticks(nbins))
        new = st.axis_scale(ax.xaxis)
        if new == scale:
            break
        scale = new
    return scale


def _few_ticks(nbins: int = 4):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10])


def _waterfall_panel(ax: "Axes", fig: Figure, results: "Results", target: str, dcolors, cols,
                     share: float, *, many: bool = False, room: float | None = None, alone: bool = False) -> None:
    """``many``: beside a drivers panel of many alternatives, so narrower: shorter labels.
    ``alone``: the only panel (a narrow figure): its title goes into the axis label."""
    cur = results.scenario.currency
    rows = waterfall_rows(results, target, dcolors)
    fit = int(room // ROW_PT) if room is not None else len(rows)
    if len(rows) > fit:             # a short figure: fewer benefit rows, the smallest merged into one
        benefits = sum(1 for r in rows if r.kind == "benefit")
        rows = waterfall_rows(results, target, dcolors, max_benefits=benefits - (len(rows) - fit))
    color = cols[target]
    if not alone:
        ax.set_title(st.plain(f"How {an.shorten(target, 26)} adds up"), loc="left",
                     fontsize=st.LABEL_SIZE - 1 if many else st.LABEL_SIZE + 1, fontweight="bold",
                     color=st.readable(color), pad=10)
    if len(rows) == 1:
        ax.set_axis_off()
        ax.text(0.5, 0.5, st.plain(f"{target} has no costs, benefits or risks:\nits NPV is "
                                   f"{st.money(0.0, cur)} in every future."),
                transform=ax.transAxes, ha="center", va="center", fontsize=st.LABEL_SIZE, color=st.MUTED)
        return
    k = len(rows)
    size = st.NOTE_SIZE if k <= 9 else st.NOTE_SIZE - 1
    # Running totals: each step starts where the previous one ended; the total starts at 0.
    spans = []
    run = 0.0
    for r in rows:
        if r.kind == "total":
            spans.append((0.0, r.value))
        else:
            spans.append((run, run + r.value))
            run += r.value
    lo = min(min(a, b) for a, b in spans + [(0.0, 0.0)])
    hi = max(max(a, b) for a, b in spans + [(0.0, 0.0)])
    def texts_in(sc) -> list[str]:
        return [_signed(r.value, cur, sc) if r.kind != "total" else st.money(r.value, cur, sc) for r in rows]

    def chars(sc) -> tuple[int, int]:
        texts_ = texts_in(sc)
        return (max((len(t) for r, t in zip(rows, texts_) if r.value < 0), default=0),
                max((len(t) for r, t in zip(rows, texts_) if r.value >= 0), default=0))

    plot = 0.3 if many else 0.45
    # Amounts beside the steps when they leave the bars enough of the panel; else (a narrow
    # figure, long amounts such as "−0,81 Mio. €") a column of amounts right of the panel.
    # (Beside a drivers panel of many alternatives the amounts stay beside the steps: a
    # column would narrow the panel and wrap its title onto a third line.)
    left_n, right_n = chars(None)
    axes_pt = fig.get_size_inches()[0] * 72 * plot * share
    beside = many or (left_n + right_n) * an.EM * (size + 1) + 16 <= COLUMN_BELOW * axes_pt
    limits = ((lambda n: _pad_limits(lo, hi, n[0], n[1], ax, fig, share, size + 1, plot)) if beside
              else (lambda n: _pad_limits(lo, hi, 0, 0, ax, fig, share, size + 1, plot)))
    scale = _money_scale(ax, cur, limits, chars, nbins=3 if many else 4)
    texts = texts_in(scale)
    column_pt = max(len(t) for t in texts) * an.EM * (size + 1) + 10
    x0, x1 = ax.get_xlim()
    pad = 0.008 * (x1 - x0)
    # Two bar calls (plain and hatched) rather than one per row: a cheap redraw.
    height = 0.5 if k <= 5 else 0.66
    for hatched in (False, True):
        idx = [i for i, r in enumerate(rows) if (r.kind == "risk") == hatched]
        if not idx:
            continue
        faces = [{"total": color, "cost": COST}.get(rows[i].kind, rows[i].color) for i in idx]
        kw = dict(edgecolor=RISK_EDGE, hatch="///", lw=1.0) if hatched else dict(edgecolor="white", lw=0.8)
        bars = ax.barh(idx, [abs(spans[i][1] - spans[i][0]) for i in idx], left=[min(spans[i]) for i in idx],
                       height=height, color=faces, zorder=3, **kw)
        for patch, i in zip(bars.patches, idx):
            patch.set_gid(f"step:{rows[i].kind}:{rows[i].label}")
    for i, (r, (a, b), text) in enumerate(zip(rows, spans, texts)):
        right_side = r.value >= 0
        font = size + (1 if r.kind == "total" else 0)
        if not beside and room is not None:     # (a column: the rows' labels one above another)
            font = min(font, max(room / k * 0.62, 8.0))
        style = dict(va="center", fontsize=font,
                     fontweight="bold" if r.kind == "total" else "normal",
                     color=st.LOSS_TEXT if r.value < 0 and r.kind != "total" else st.INK, zorder=5)
        if beside:
            st.keep_inside(ax, [ax.text((max(a, b) + pad) if right_side else (min(a, b) - pad), i, st.plain(text),
                                        ha="left" if right_side else "right", **style,
                                        bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))])
        else:       # the column: right of the panel, right-aligned, so the amounts line up
            ax.annotate(st.plain(text), xy=(1.0, i), xycoords=ax.get_yaxis_transform(), xytext=(column_pt, 0),
                        textcoords="offset points", ha="right", **style)
        if i + 1 < k and rows[i + 1].kind != "total":
            ax.plot([b, b], [i + 0.33, i + 0.67], color="#777777", lw=1.0, ls=":", zorder=2)
    ax.axvline(0.0, color=st.INK, lw=1.0, zorder=2)
    ax.set_ylim(k - 0.5, -0.5)
    wrap = 16 if many else 22
    largest = st.TICK_SIZE - 2 if many else st.TICK_SIZE if k <= 9 else st.TICK_SIZE - 1
    names_size, name_lines = largest, 2
    if room is not None:            # short rows (a projector): smaller names (8 pt at the least)
        names_size = min(max(room / k / 2.5, 8.0), largest)
    ax.set_yticks(range(k), [st.plain("\n".join(an.wrap_lines(r.label, wrap, name_lines))) for r in rows],
                  fontsize=names_size)
    for tick, r in zip(ax.get_yticklabels(), rows):
        if many:
            tick.set_linespacing(1.0)
        if r.kind == "total":
            tick.set_fontweight("bold")
            tick.set_color(st.readable(color))
        elif r.kind == "risk":
            tick.set_color(st.LOSS_TEXT)
    ax.tick_params(axis="y", length=0, pad=6)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color=st.GRID, lw=0.8)
    ax.set_xlabel(st.plain(f"How {an.shorten(target, 40)} adds up: present value, in today's money") if alone
                  else "Present value" if many else "Present value, in today's money")


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None, *,
         target: str | None = None) -> str:
    """Benefits by business driver for every alternative (left) and the waterfall of
    ``target`` (right; default: the alternative with the highest expected NPV). Returns the
    finding, which is also the title."""
    cols = st.resolve_colors(results, colors)
    target = an.resolve(target, targets(results), default_target(results))
    by = insights.by_driver(results)
    text = finding(results, by)
    if target is None:
        st.begin(fig)
        st.note(fig, "No alternatives to show.")
        return st.finish(fig, text)
    dcolors = driver_colors(drivers_in(results))
    many = len(results.names) > MANY
    after_tax = "After tax. " if results.scenario.tax_rate else ""
    caption = (f"{after_tax}Mean present values over the simulated futures: benefits count what they add to cash "
               "(revenue at its contribution margin); risks are expected losses. Waterfall: benefits "
               "coloured by driver; costs grey; risks hatched. "
               + ("Amounts inside the bars where there is room. " if many else "")
               + f"{st.futures_text(results.iterations)}.")
    if fig.get_size_inches()[0] * 72 < NARROW_PT:
        # A narrow figure (a 1024x768 window): two panels of names, bars and amounts do not
        # fit side by side; the chosen alternative's waterfall alone, its drivers in the legend.
        (ax_steps,) = an.frame(fig, (1.0,))
        labels = [driver_name(d) for d in dcolors]
        an.panel_legend(ax_steps, [Patch(facecolor=dcolors[d], edgecolor="white") for d in dcolors], labels,
                        share=1.0)
        caption = caption.replace("Amounts inside the bars where there is room. ", "")[:-1] \
            + "; the alternatives' drivers side by side in a wider window."
        spec = getattr(ax_steps, "_investsim_legend", None)
        legend_rows = math.ceil(len(spec[1]) / max(spec[2].get("ncols", 1), 1)) if spec else 0
        room = an.plot_room(fig, text, caption, WATERFALL_FIXED_PT + legend_rows * st.LEGEND_SIZE * 1.6)
        _waterfall_panel(ax_steps, fig, results, target, dcolors, cols, 1.0, room=room, alone=True)
        return st.finish(fig, text, caption)
    ratios = (1.0, 1.1) if many else (1.0, 1.2)
    ax_drivers, ax_steps = an.frame(fig, ratios)
    _drivers_panel(ax_drivers, fig, results, by, dcolors, cols, ratios[0] / sum(ratios))
    spec = getattr(ax_drivers, "_investsim_legend", None)   # the drivers' legend rows sit above both panels
    legend_rows = math.ceil(len(spec[1]) / max(spec[2].get("ncols", 1), 1)) if spec else 0
    room = an.plot_room(fig, text, caption, WATERFALL_FIXED_PT + legend_rows * st.LEGEND_SIZE * 1.6)
    _waterfall_panel(ax_steps, fig, results, target, dcolors, cols, ratios[1] / sum(ratios), many=many, room=room)
    return st.finish(fig, text, caption)


#: Below this figure width (points) the chart shows the waterfall alone: 1024x768's chart
#: area is about 510 points wide; 1280x720's about 630.
NARROW_PT = 580.0

#: The amounts are written beside the waterfall's steps while they take at most this share of
#: the panel's estimated width; else in a column right of it.
COLUMN_BELOW = 1.0

#: A waterfall row's least height in points: two lines of 8-point name.
ROW_PT = 2.5 * 8

#: What the waterfall's panel title, axis label, ticks and the paddings take, in points.
WATERFALL_FIXED_PT = 110.0
