"""Margin impact: the change in operating margin, in percentage points, year by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from simulator.analysis import formatting

from . import _style as st

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

TITLE = "Margin impact"
TOOLTIP = ("How each alternative would change the company's operating margin each year, in "
           "percentage points: the line is the average, the band holds 80% of futures.")

NO_BASELINE = "Add a [baseline] with revenue and operating margin to see the effect on margins"


class MarginPath:
    """Mean and P10/P90 of the margin impact (pp) per year 1..H for one alternative.

    ``margin_pp`` is ``(k, H)``: the futures that kept their yearly paths (every future, or
    the first ones of a big run); the bands and ``left_out`` are over those. ``means``, when
    given, are the yearly means over every future (``AlternativeResult.margin_mean``) and
    replace the means of the ``k`` kept futures.
    """

    def __init__(self, name: str, margin_pp: np.ndarray, spreads=(), means: np.ndarray | None = None):
        self.name = name
        m = margin_pp if isinstance(margin_pp, np.ndarray) else np.asarray(margin_pp, dtype=float)
        self.years = np.arange(1, m.shape[1] + 1)
        with np.errstate(all="ignore"):
            ok = np.isfinite(m.sum(axis=1, dtype=float))
        self.left_out = int(m.shape[0] - ok.sum())
        self.empty = m.shape[0] == self.left_out or m.shape[1] == 0
        if self.empty:
            nan = np.full(m.shape[1], np.nan)
            self.mean = self.p10 = self.p90 = nan
            self.flat = False
            return
        if not self.left_out and len(spreads) == m.shape[1]:
            # The run's cached per-year spreads: no percentiles over (n, H) per draw.
            self.mean = np.array([y.mean for y in spreads])
            self.p10 = np.array([y.p10 for y in spreads])
            self.p90 = np.array([y.p90 for y in spreads])
            self.flat = bool(np.abs(m).max() < 1e-9)
        else:
            m = np.asarray(m[ok], dtype=float)
            self.mean = m.mean(axis=0)
            self.p10, self.p90 = np.percentile(m, [10, 90], axis=0)
            self.flat = bool(np.all(np.abs(m) < 1e-9))
        if means is not None and len(means) == len(self.years):
            self.mean = np.asarray(means, dtype=float)


def pp(x: float) -> str:
    return formatting.points(x)


def finding(results: "Results", paths: list[MarginPath] | None) -> str:
    if paths is None:
        return "No margin view: this scenario has no baseline to compare with"
    real = [p for p in paths if not p.empty]
    if not real:
        return f"{paths[0].name} has no valid margin results" if paths else "No alternatives to show"
    moving = [p for p in real if not p.flat]
    year = int(real[0].years[-1])
    if not moving:
        if len(real) == 1:
            return f"{real[0].name} does not change the operating margin"
        return "None of the alternatives changes the operating margin"
    if len(moving) == 1:
        p = moving[0]
        return (f"By year {year}, {p.name} changes the operating margin by {pp(p.mean[-1])} on average "
                f"(80% of futures: {pp(p.p10[-1])} to {pp(p.p90[-1])})")
    ranked = sorted(moving, key=lambda p: -p.mean[-1])
    best, second = ranked[0], ranked[1]
    if best.mean[-1] <= 0:
        return (f"By year {year}, no alternative lifts the operating margin on average; "
                f"{best.name} lowers it least ({pp(best.mean[-1])})")
    if abs(best.mean[-1] - second.mean[-1]) < 0.005:
        return (f"By year {year}, {best.name} and {second.name} lift the operating margin about "
                f"equally ({pp(best.mean[-1])} on average)")
    return (f"By year {year}, {best.name} lifts the operating margin most: {pp(best.mean[-1])} on "
            f"average, against {pp(second.mean[-1])} for {second.name}")


def _summary(results: "Results"):
    """The run's summary (cached on the Results), computed quietly: NaN futures warn there."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return results.summary


def paths_of(results: "Results") -> list[MarginPath] | None:
    """None when the scenario has no baseline (no alternative has a margin impact)."""
    if not results.alternatives or all(a.margin_pp is None for a in results.alternatives):
        return None
    summary = _summary(results)
    spreads = {s.name: s.margin_pp for s in summary.alternatives}
    out = []
    for a in results.alternatives:
        if a.margin_pp is None:
            out.append(MarginPath(a.name, np.full((0, results.scenario.horizon_years), np.nan)))
        else:
            out.append(MarginPath(a.name, a.margin_pp, spreads[a.name], a.margin_mean))
    return out


def draw(fig: Figure, results: "Results", colors: Mapping[str, str] | None = None) -> str:
    """Mean margin impact per year 1..H with a P10-P90 band per alternative; without a
    baseline, a centred note saying what to add instead."""
    ax = st.begin(fig)
    cols = st.resolve_colors(results, colors)
    paths = paths_of(results)
    text = finding(results, paths)
    if paths is None:
        st.note(fig, NO_BASELINE)
        return st.finish(fig, text if results.alternatives else "No alternatives to show")

    k = len(paths)
    band_alpha = 0.16 if k <= 3 else 0.1
    handles, labels = [], []
    for p in paths:
        c = cols[p.name]
        if p.empty:
            handles.append(Line2D([], [], color=c, lw=2.6))
            labels.append(f"{p.name} (no valid results)")
            continue
        if not p.flat:
            ax.fill_between(p.years, p.p10, p.p90, color=c, alpha=band_alpha, lw=0, zorder=2)
        (line,) = ax.plot(p.years, p.mean, color=c, lw=2.8 if k <= 4 else 2.2, marker="o", ms=5,
                          zorder=4, ls="--" if p.flat else "-")
        line.set_gid(f"margin-mean:{p.name}")
        handles.append(line)
        labels.append(f"{p.name}: no change" if p.flat else p.name)

    horizon = max((len(p.years) for p in paths), default=1)
    ax.axhline(0.0, color=st.INK, lw=1.2, zorder=3)
    ax.set_xlim(0.7, horizon + 0.3)
    ax.margins(y=0.1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(horizon, 12)))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(st.points_formatter)
    ax.grid(axis="y", color=st.GRID, lw=0.8)
    ax.set_xlabel("Year")
    ax.set_ylabel("Change in operating margin")
    baseline = results.scenario.baseline
    base = ""
    if baseline is not None:
        today = baseline.operating_margin * 100
        base = f" +1 pp would mean a {today + 1:.1f}% operating margin instead of today's {today:.1f}%."
    st.legend(ax, handles, labels)
    caption = ("Lines: the average over all futures; shaded: the middle 80% of futures (P10 to P90)."
               + base + f" {st.futures_text(results.iterations)}."
               + st.yearly_subset_text(results, "The shading comes from", "the average lines from")
               + st.left_out_text({p.name: p.left_out for p in paths}, st.yearly_kept(results)))
    return st.finish(fig, text, caption)
