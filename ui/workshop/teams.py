"""Teams side by side: several teams' versions of a scenario in one window.

A thin view over :func:`simulator.workshop.teams.compare_teams`. The window holds the list of team
files (its model); every change of that list (files added, dropped or removed, another
baseline team) starts a new comparison in a :class:`QThreadPool` worker, which cancels and
disconnects the one before it, so a stale comparison never reaches the screen. What it shows:

* the answer to "Which disagreement matters?" as the headline;
* **Value by team**: every team's NPV distribution of every alternative, overlaid (one colour
  per alternative, one line style per team);
* **Which disagreement matters?**: each disagreement tried alone in the baseline team's
  scenario, as the expected gap between the two leading alternatives with each team's value;
* each team's verdict;
* the table of assumptions where the teams differ, the one that matters most first.

``open_teams(paths, parent)`` is what the main window's menu calls. The chart builders
(:func:`draw_team_values`, :func:`draw_disagreements`) take a plain matplotlib Figure and a
:class:`~simulator.workshop.teams.TeamComparison`; matplotlib is imported when the window is built.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
import sys
import traceback
from typing import TYPE_CHECKING, Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel, QMainWindow,
    QProgressBar, QPushButton, QScrollArea, QSplitter, QTableView, QTabWidget, QToolButton,
    QVBoxLayout, QWidget,
)

from simulator.model.errors import ScenarioError
from simulator.model.scenario import Scenario, load
from simulator.workshop.teams import (
    TeamComparison, compare_teams, possessive, shift_words, team_name_from_path, unique_names,
)

from ..banner import Banner
from ..palette import colors_for
from ..worker import LatestWins, Worker, stop_workers

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FILE_FILTER = "Scenario files (*.toml);;All files (*)"

#: One line style per team (first team solid), and one marker, in team order.
LINE_STYLES: tuple[object, ...] = ("-", (0, (5, 2)), (0, (1.2, 1.6)), (0, (6, 2, 1.2, 2)), (0, (2.5, 2.5)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P")
#: At most this many disagreements in the chart (the table lists them all).
MAX_CHART_ROWS = 8

_MUTED = "#6A6A6A"
_MATTERS_BG = "#FFF4D6"


def team_style(index: int) -> tuple[object, str]:
    """(line style, marker) of the team at ``index``."""
    return LINE_STYLES[index % len(LINE_STYLES)], MARKERS[index % len(MARKERS)]


# ---------------------------------------------------------------------------------------
# Charts: plain matplotlib figures, views of a TeamComparison
# ---------------------------------------------------------------------------------------

def value_finding(comp: TeamComparison) -> str:
    """"New production line comes out ahead with Sales' file, ERP system with Finance's and IT's"."""
    groups: dict[str, list[str]] = {}
    for t in comp.teams:
        groups.setdefault(t.best, []).append(t.name)
    if len(comp.teams) == 1:
        return f"{comp.teams[0].best} comes out ahead with {possessive(comp.teams[0].name)} file"
    if len(groups) == 1:
        return f"{next(iter(groups))} comes out ahead with every team's file"
    parts = []
    for i, (best, teams) in enumerate(groups.items()):
        who = " and ".join(possessive(t) for t in teams)
        parts.append(f"{best} comes out ahead with {who} file{'s' if len(teams) > 1 else ''}" if i == 0
                     else f"{best} with {who}")
    return ", ".join(parts)


def draw_team_values(fig: "Figure", comp: TeamComparison, colors: Mapping[str, str] | None = None) -> str:
    """Overlaid NPV distributions: share of futures per round-numbered band, one colour per
    alternative and one line style per team; below, one lane per team and alternative with
    the middle 80% of futures and the average (◆). Returns the finding (also the title)."""
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

    from ui.charts import _style as st
    from ui.charts.value import bin_edges

    ax = st.begin(fig)
    cur = comp.currency
    cols = dict(colors_for(comp.alternatives))
    cols.update(colors or {})
    series = []   # (team index, team name, alternative, finite NPVs)
    for ti, team in enumerate(comp.teams):
        for alt in team.results.alternatives:
            series.append((ti, team.name, alt.name, st.finite(alt.npv)))
    text = value_finding(comp)
    lo, hi = st.npv_range([s[3] for s in series])
    edges = bin_edges(lo, hi, max((s[3].size for s in series), default=1))
    step = float(edges[1] - edges[0])
    heights = []
    for _, _, _, x in series:
        if x.size == 0 or st.is_constant(x):
            heights.append(None)
        else:
            counts, _ = np.histogram(x, bins=edges)
            heights.append(counts / x.size)
    peak = max((float(h.max()) for h in heights if h is not None), default=0.0)
    top = peak * 1.15 if peak > 0 else 1.12

    # Lanes under the curves, grouped by alternative so one colour stays together.
    order = sorted(range(len(series)), key=lambda i: (comp.alternatives.index(series[i][2]), series[i][0]))
    k = len(series)
    frac = min(0.5, 0.07 + 0.055 * k)
    lane = frac / (1 - frac) * top / max(k, 1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-lane * k, top)
    st.shade_loss(ax)
    ax.axhline(0.0, color="#999999", lw=0.8, zorder=1)
    lane_pt = fig.get_size_inches()[1] * 72 * 0.55 * frac / max(k, 1)
    lane_font = float(np.clip(lane_pt * 0.7, 8, st.NOTE_SIZE))
    for i, (ti, _, alt, x) in enumerate(series):
        ls, _ = team_style(ti)
        c = cols.get(alt, "#444444")
        h = heights[i]
        if h is not None:
            ax.stairs(h, edges, color=c, lw=2.3, linestyle=ls, zorder=3)
        elif x.size:
            ax.vlines(float(x.mean()), 0, top * 0.95, color=c, lw=2.6, linestyle=ls, zorder=3)
    for pos, i in enumerate(order):
        ti, team, alt, x = series[i]
        if x.size == 0:
            continue
        ls, _ = team_style(ti)
        c = cols.get(alt, "#444444")
        y = -(pos + 0.5) * lane
        p10, p90 = (float(v) for v in np.percentile(x, [10, 90]))
        mean = float(x.mean())
        ax.hlines(y, p10, p90, color=c, lw=3.2, linestyle=ls, zorder=3)
        ax.plot([mean], [y], marker="D", ms=7, mfc="white", mec=c, mew=2, ls="none", zorder=4)
        label = f"{team}: {st.money(p10, cur)} to {st.money(p90, cur)}"
        pad = 0.012 * (hi - lo)
        if hi - max(p90, mean) >= min(p10, mean) - lo:
            ax.text(max(p90, mean) + pad, y, st.plain(label), ha="left", va="center", fontsize=lane_font,
                    color=st.INK, zorder=5)
        else:
            ax.text(min(p10, mean) - pad, y, st.plain(label), ha="right", va="center", fontsize=lane_font,
                    color=st.INK, zorder=5)

    # Legend: the alternatives (colours) on the first row, the teams (line styles) on the second.
    alt_entries = [(Patch(facecolor=cols.get(a, "#444444"), edgecolor="none"), a) for a in comp.alternatives]
    team_entries = [(Line2D([], [], color=st.INK, lw=2.3, linestyle=team_style(ti)[0]), f"{possessive(t.name)} file")
                    for ti, t in enumerate(comp.teams)]
    ncols = max(len(alt_entries), len(team_entries))
    blank = (Patch(alpha=0.0), "")
    alt_entries += [blank] * (ncols - len(alt_entries))
    team_entries += [blank] * (ncols - len(team_entries))
    entries = [e for pair in zip(alt_entries, team_entries) for e in pair]   # the legend fills by column
    narrow = fig.bbox.width < 820 * fig.dpi / 100
    legend_kwargs = dict(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=ncols, frameon=False,
                         fontsize=st.LEGEND_SIZE - (1 if narrow else 0), handlelength=1.8 if narrow else 2.6,
                         columnspacing=0.9 if narrow else 1.8, borderaxespad=0.0, borderpad=0.2)
    legend_handles, legend_labels = [h for h, _ in entries], [st.plain(t) for _, t in entries]
    ax.legend(legend_handles, legend_labels, **legend_kwargs)
    # The charts' layout takes columns away when the legend would run off the figure (four teams
    # on a 1024-px screen).
    ax._investsim_legend = (legend_handles, legend_labels, legend_kwargs)
    st.money_axis(ax.xaxis, cur)
    ticks = [t for t in MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(0, peak or 1.0) if 0 <= t <= top]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.spines["left"].set_bounds(0, top)
    ax.grid(axis="y", color=st.GRID, lw=0.8)
    ax.set_ylabel("Share of futures")
    ax.set_xlabel("Net present value (today's worth of the cash over the horizon)")
    caption = (f"Curves: share of futures in each {st.money(step, cur)} band; colour = alternative, line style = "
               f"team. Bars: the middle 80% of futures; ◆ the average. Every team: "
               f"{st.futures_text(comp.iterations)}, seed {comp.seed}.")
    return st.finish(fig, text, caption)


def disagreement_finding(comp: TeamComparison) -> str:
    tried = [i for i in comp.impacts if i.tried]
    if not tried:
        return "No disagreement to try" if not comp.differences else "No disagreement can be tried on its own"
    top = tried[0]
    if top.changes_choice:
        return f"The disagreement that matters: {top.difference.label}"
    return f"No single disagreement changes the choice; the biggest is {top.difference.label}"


def draw_disagreements(fig: "Figure", comp: TeamComparison, colors: Mapping[str, str] | None = None) -> str:
    """Each disagreement tried on its own in the baseline team's scenario: one row per
    disagreement (the one that matters most on top), one marker per team at the expected
    gap between the leading alternatives A and B with that team's value. A marker on the
    other side of zero changes the choice. Returns the finding (also the title)."""
    from matplotlib.lines import Line2D

    from ui.charts import _live, _style as st

    ax = st.begin(fig)
    cur = comp.currency
    text = disagreement_finding(comp)
    tried = [i for i in comp.impacts if i.tried]
    # As many rows as the height holds with readable labels (two lines of 12 pt each); the
    # table below lists the rest.
    fits = max(3, int(0.5 * fig.bbox.height / (2.3 * (st.NOTE_SIZE + 1) * fig.dpi / 72)))
    left_out = max(0, len(tried) - min(fits, MAX_CHART_ROWS))
    tried = tried[:min(fits, MAX_CHART_ROWS)]
    if not tried:
        st.note(fig, "The teams' files make the same assumptions." if not comp.differences else
                "The differences (an alternative only some teams consider, the currency) cannot be tried on "
                "their own.")
        return st.finish(fig, text)
    a, b = comp.pair
    cols = dict(colors_for(comp.alternatives))
    cols.update(colors or {})
    base_gap = comp.impacts[0].trial(comp.baseline).standing.gap if comp.impacts else 0.0
    xs = [t.standing.gap for imp in tried for t in imp.trials if t.standing is not None] + [0.0, base_gap]
    lo, hi = min(xs), max(xs)
    span = hi - lo or max(abs(hi), 1.0)
    lo, hi = lo - 0.12 * span, hi + 0.12 * span
    n = len(tried)
    ax.set_xlim(lo, hi)
    # Head-room above the first row for the "ahead" labels: one more row per extra line they wrap to.
    half = 0.45 * 0.6 * fig.bbox.width
    ahead_lines = 1 if b is None else max(
        st.wrap_to(st.plain(f"{a} ahead →"), half, st.NOTE_SIZE + 1, fig.dpi, bold=True).count("\n"),
        st.wrap_to(st.plain(f"← {b} ahead"), half, st.NOTE_SIZE + 1, fig.dpi, bold=True).count("\n")) + 1
    ax.set_ylim(n - 0.4, -0.9 - 1.0 * (ahead_lines - 1))
    labels = {id(imp): st.wrap_name(imp.difference.label, 34) for imp in tried}
    row_font = float(st.NOTE_SIZE)
    if b is not None:
        # Tint each side of zero in the colour of the alternative that is ahead there.
        from matplotlib.colors import to_rgba

        ax.axvspan(0, 1e30, color=to_rgba(cols.get(a, "#888888"), 0.07), lw=0, zorder=0)
        ax.axvspan(-1e30, 0, color=to_rgba(cols.get(b, "#888888"), 0.07), lw=0, zorder=0)
        # Each side's label gets under half of the plot's width (about 60% of the figure's):
        # wrapped, so the two never meet on a narrow projector canvas.
        ax.text(0.99, 0.985, st.wrap_to(st.plain(f"{a} ahead →"), half, st.NOTE_SIZE + 1, fig.dpi, bold=True),
                transform=ax.transAxes, ha="right", va="top", fontsize=st.NOTE_SIZE + 1, fontweight="bold",
                color=st.readable(cols.get(a, "#444444")), multialignment="right")
        ax.text(0.01, 0.985, st.wrap_to(st.plain(f"← {b} ahead"), half, st.NOTE_SIZE + 1, fig.dpi, bold=True),
                transform=ax.transAxes, ha="left", va="top", fontsize=st.NOTE_SIZE + 1, fontweight="bold",
                color=st.readable(cols.get(b, "#444444")))
    ax.axvline(0.0, color=st.INK, lw=1.3, zorder=1.5)
    ax.axvline(base_gap, color=_MUTED, lw=1.0, ls=(0, (4, 3)), zorder=1.4)
    team_index = {name: i for i, name in enumerate(comp.names)}
    for row, imp in enumerate(tried):
        gaps = [t.standing.gap for t in imp.trials if t.standing is not None]
        if imp.changes_choice:
            ax.axhspan(row - 0.45, row + 0.45, color=_MATTERS_BG, lw=0, zorder=0.5)
        ax.hlines(row, min(gaps), max(gaps), color="#9A9A9A", lw=2.2, zorder=2)
        # A team with the baseline's value sits on the baseline's marker: it gets none of its
        # own. Teams that share another value are set side by side within the row.
        base_value = imp.difference.value_of(comp.baseline).value
        shown = [t for t in imp.trials if t.standing is not None
                 and (t.team == comp.baseline or not _equal(imp.difference.value_of(t.team).value, base_value))]
        groups: dict[float, list] = {}
        for t in shown:
            groups.setdefault(round(t.standing.gap, 6), []).append(t)
        for group in groups.values():
            for j, t in enumerate(group):
                _, marker = team_style(team_index[t.team])
                ahead = a if (b is None or t.standing.gap >= 0) else b
                dodge = (j - (len(group) - 1) / 2) * 0.3
                ax.plot([t.standing.gap], [row + dodge], marker=marker, ms=12, mfc=cols.get(ahead, "#444444"),
                        mec="white", mew=1.4, ls="none", zorder=4)
        label = labels[id(imp)]
        ax.text(-0.01, row, st.plain(label), transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=row_font, color=st.INK, fontweight="bold" if imp.changes_choice else "normal")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    st.money_axis(ax.xaxis, cur)
    from matplotlib.ticker import MaxNLocator

    # About one tick per 130 px of plot, so money labels never touch on a narrow canvas.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=max(3, min(7, int(0.6 * fig.bbox.width / 130))),
                                           steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="x", color=st.GRID, lw=0.8)
    ax.set_xlabel(st.wrap_to(st.plain(f"Expected NPV of {a} minus {b}" if b is not None else
                                      f"Expected NPV of {a}"), 0.55 * fig.bbox.width, st.TICK_SIZE, fig.dpi))
    handles = []
    labels = []
    for name in comp.names:
        _, marker = team_style(team_index[name])
        handles.append(Line2D([], [], marker=marker, ms=11, mfc="#777777", mec="white", ls="none"))
        labels.append(f"{possessive(name)} value")
    st.legend(ax, handles, labels)
    legend_args = getattr(ax, "_investsim_legend", None)
    if legend_args is not None:   # right-aligned: it may reach over the row labels, never off the figure
        h, lab, kwargs = legend_args
        kwargs = dict(kwargs, loc="lower right", bbox_to_anchor=(1.0, 1.01))
        ax.legend(h, lab, **kwargs)
        ax._investsim_legend = (h, lab, kwargs)
    caption = (f"Each row: {possessive(comp.baseline)} scenario with one assumption set to each team's value, "
               f"everything else unchanged (dashed line: {possessive(comp.baseline)} file as it is; a team with "
               f"the same value shares its marker). Marker colour: the alternative that comes out ahead. "
               f"{comp.ranking_iterations:,} futures per trial, seed {comp.seed}."
               + (f" {left_out} smaller disagreement{'s are' if left_out > 1 else ' is'} in the table only."
                  if left_out else ""))
    _live.constrained_layout(fig, w_pad=0.12, h_pad=0.1)
    finding = st.finish(fig, text, caption)
    # Constrained layout does not wrap: the title and the footnote are wrapped to the width here
    # (the picture is remade for every canvas size).
    for t in (st.title_text(fig), st.caption_text(fig)):
        if t is not None:
            bold = str(t.get_fontweight()) in ("bold", "heavy", "700", "800", "900")
            t.set_text(st.wrap_to(t.get_text(), 0.96 * fig.bbox.width, t.get_fontsize(), fig.dpi, bold=bold))
    return finding


def values_structure(comp: TeamComparison) -> tuple:
    """What :func:`draw_team_values` draws (the key of its live view, see
    :meth:`ui.livecanvas.LiveCanvas.render_async`): the teams and each team's alternatives."""
    return ("team values", tuple((t.name, tuple(a.name for a in t.results.alternatives)) for t in comp.teams),
            tuple(comp.alternatives))


def disagreements_structure(comp: TeamComparison) -> tuple:
    """What :func:`draw_disagreements` draws: the teams, the baseline, the leading pair and
    the disagreements tried, in any order (two of similar weight swap places from one seed to
    the next: their rows are changed in place, or drawn afresh when their markers differ)."""
    return ("disagreements", tuple(comp.names), comp.baseline, tuple(comp.pair), tuple(comp.alternatives),
            tuple(sorted(i.difference.label for i in comp.impacts if i.tried)))


def _updater(draw):
    """``update(fig, comp, colors)``: ``draw`` in place on a figure it drew (matplotlib is
    imported here, when a chart is first drawn)."""
    from ui.charts._live import updater

    return updater(draw)


# ---------------------------------------------------------------------------------------
# The differences table
# ---------------------------------------------------------------------------------------

class DifferencesModel(QAbstractTableModel):
    """The assumptions where the teams differ: one row per difference, the disagreement that
    matters most first; one column per team; then its effect on the verdict. Read-only."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.comparison: TeamComparison | None = None
        self.rows: list = []            # Difference, in display order
        self.teams: list[str] = []

    def set_comparison(self, comp: TeamComparison | None) -> None:
        self.beginResetModel()
        self.comparison = comp
        self.teams = comp.names if comp else []
        if comp is None:
            self.rows = []
        else:
            ranked = [imp.difference for imp in comp.impacts]
            self.rows = ranked + [d for d in comp.differences if d not in ranked]
        self.endResetModel()

    def columns(self) -> list[str]:
        return ["Assumption", *self.teams, "Moves the result by", "On its own"]

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        cols = self.columns()
        if not 0 <= section < len(cols):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            name = cols[section]
            if self.comparison and name == self.comparison.baseline and 1 <= section <= len(self.teams):
                return f"{name} (baseline)"
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            comp = self.comparison
            if section == len(cols) - 2 and comp:
                return (f"The largest change in the expected gap between {comp.pair[0]} and {comp.pair[1]} when "
                        f"one team's value replaces {possessive(comp.baseline)}, everything else unchanged.")
            if section == len(cols) - 1:
                return "Whether one team's value for this assumption alone puts another alternative ahead."
            if 1 <= section <= len(self.teams):
                return f"{possessive(cols[section])} value, in words."
        return None

    def _impact(self, row: int):
        return self.comparison.impact_of(self.rows[row].key) if self.comparison else None

    def text(self, row: int, column: int) -> str:
        d = self.rows[row]
        comp = self.comparison
        if column == 0:
            return d.label
        if 1 <= column <= len(self.teams):
            return d.values[column - 1].text
        imp = self._impact(row)
        if column == len(self.teams) + 1:
            if imp is None:
                return "not tried on its own"
            if not imp.tried:
                problems = [t.problem for t in imp.trials if t.problem]
                return problems[0] if problems else "n/a"
            return shift_words(imp.shift, comp.pair, comp.currency)
        if imp is None or not imp.tried:
            return ""
        if not imp.changes_choice:
            return "no change"
        flips = [t for t in imp.trials if t.changes_choice and t.standing is not None]
        who = " and ".join(possessive(t.team) for t in flips)
        return f"changes the choice: {flips[0].standing.best} with {who}"

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, col = index.row(), index.column()
        d = self.rows[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(row, col)
        imp = self._impact(row)
        if role == Qt.ItemDataRole.BackgroundRole and imp is not None and imp.changes_choice:
            return QColor(_MATTERS_BG)
        if role == Qt.ItemDataRole.ForegroundRole and 1 <= col <= len(self.teams) and self.comparison:
            base = d.value_of(self.comparison.baseline).value
            mine = d.values[col - 1].value
            if col - 1 != self.teams.index(self.comparison.baseline) and _equal(mine, base):
                return QColor(_MUTED)   # same as the baseline: the differing values stand out
        if role == Qt.ItemDataRole.FontRole and col == 0 and imp is not None and imp.changes_choice:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None


def _equal(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


# ---------------------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------------------

def _compare(teams: list[tuple[str, Scenario]], paths: dict[str, str], baseline: str | None,
             iterations: int | None, seed: int | None, worker: Worker) -> TeamComparison:
    """The job (a pool thread; never touches a widget)."""
    return compare_teams(teams, iterations, seed, baseline=baseline, paths=paths,
                         progress=worker.progress, cancel=worker.is_cancelled)


# ---------------------------------------------------------------------------------------
# The window
# ---------------------------------------------------------------------------------------

class TeamsPresentation(QWidget):
    """The presentation view: the disagreement that matters and each team's verdict in big
    type on the dark background (at least 18 px at 720 lines), whose figure for which input."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        from .presentation import BG, FG, MUTED

        self.setObjectName("teamsPresentation")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#teamsPresentation {{ background: {BG}; }} QLabel {{ color: {FG}; }}"
                           f" QLabel#teamsHints {{ color: {MUTED}; }}")
        lay = QVBoxLayout(self)
        self._lay = lay
        self.headline = QLabel()
        self.headline.setObjectName("teamsBigHeadline")
        self.body = QLabel()
        self.body.setObjectName("teamsBigBody")
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.hints = QLabel("F5 or Esc  back to the charts     PgUp PgDn  views     B  blank     Ctrl+=  zoom")
        self.hints.setObjectName("teamsHints")
        for w in (self.headline, self.body):
            w.setWordWrap(True)
            w.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.headline)
        lay.addWidget(self.body, 1)
        lay.addWidget(self.hints)
        self.unit = 20.0
        self._comp = None
        self._hidden = False

    def scale(self, unit: float) -> None:
        from .presentation import _px_font

        self.unit = unit
        _px_font(self.headline, max(28.0, 1.5 * unit), bold=True)
        _px_font(self.body, max(22.0, 1.1 * unit))
        _px_font(self.hints, max(18.0, 0.8 * unit))
        m = int(max(16, 1.2 * unit))
        self._lay.setContentsMargins(m, m // 2, m, m // 2)
        self._lay.setSpacing(int(max(10, 0.6 * unit)))
        self.show_comparison(self._comp, hidden=self._hidden)

    def show_comparison(self, comp: TeamComparison | None, *, hidden: bool = False) -> None:
        from .presentation import MUTED

        self._comp, self._hidden = comp, hidden
        if hidden:
            self.headline.setText("The teams' results are hidden until the reveal.")
            self.body.setText("")
            return
        if comp is None:
            self.headline.setText("Add two or more teams' files (or the open scenario) to compare them.")
            self.body.setText("")
            return
        self.headline.setText(comp.sentence)
        colors = colors_for(comp.alternatives)
        small = int(max(18, 0.85 * self.unit))
        rows = []
        top = next((i for i in comp.impacts if i.tried), None)
        for team in comp.teams:
            color = colors.get(team.best, "#CCCCCC")
            line = (f"<p style='margin:0 0 {small // 2}px 0'><b>{_esc(team.name)}</b>: "
                    f"<b style='color:{color}'>{_esc(team.best)}</b> with all of its figures")
            if top is not None:
                value = top.difference.value_of(team.name).text
                trial = top.trial(team.name)
                ahead = trial.standing.best if trial.standing is not None else ""
                line += (f"<br><span style='color:{MUTED}; font-size:{small}px'>{_esc(top.difference.label)}: "
                         f"{_esc(value)}" + (f" → {_esc(ahead)} on its own" if ahead else "") + "</span>")
            rows.append(line + "</p>")
        self.body.setText("".join(rows))


class _TeamChip(QFrame):
    """A team's name and file, with a button that removes it."""

    removeRequested = Signal(str)

    def __init__(self, name: str, path: Path, index: int, parent=None):
        super().__init__(parent)
        self.setObjectName("teamChip")
        self.name = name
        self.setStyleSheet("QFrame#teamChip { border: 1px solid #C8C8C8; border-radius: 4px; background: #FAFAFA; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 2, 2)
        lay.setSpacing(4)
        style = ["solid", "dashed", "dotted", "dash-dot", "short dashes"][index % 5]
        label = QLabel(f"<b>{_esc(name)}</b> <span style='color:{_MUTED}'>{_esc(path.name)} · {style}</span>")
        label.setToolTip(str(path))
        lay.addWidget(label)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(f"Take {possessive(name)} file out of the comparison")
        close.clicked.connect(lambda: self.removeRequested.emit(self.name))
        lay.addWidget(close)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TeamsWindow(QMainWindow):
    """Several teams' scenario files compared side by side (see the module doc).

    The list of team files is the model: :meth:`add_paths`, :meth:`remove_team` and
    :meth:`set_baseline` change it and start a new comparison. ``iterations`` and ``seed``
    override the baseline team's file for every run (tests, quick looks).
    """

    #: A comparison is on screen.
    comparisonShown = Signal(object)
    #: A comparison could not be made: the message shown.
    comparisonFailed = Signal(str)

    def __init__(self, paths: Sequence[str | Path] = (), parent: QWidget | None = None, *,
                 iterations: int | None = None, seed: int | None = None, pool: QThreadPool | None = None):
        super().__init__(parent)
        if parent is not None:
            self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("teamsWindow")
        self.setWindowTitle("Teams side by side — investsim")
        base = QFont(self.font())   # room-readable type: at least 11 pt (was the platform's 9)
        if 0 < base.pointSizeF() < 11:
            base.setPointSizeF(11)
            self.setFont(base)
        self.setAcceptDrops(True)
        self.iterations = iterations
        self.seed = seed
        self.pool = pool or QThreadPool.globalInstance()
        self.files: list[tuple[str, Path, Scenario]] = []
        self.baseline: str | None = None
        self.comparison: TeamComparison | None = None
        self.jobs = LatestWins(self, pool=self.pool, name="teams")
        self.jobs.progress.connect(self._on_progress)
        self.jobs.result.connect(self._on_result)
        self.jobs.error.connect(self._on_failed)
        self.jobs.cancelled.connect(self._on_cancelled)
        self.jobs.idle.connect(self._run_ended)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 8, 10, 6)
        outer.setSpacing(6)

        # Teams row: chips, baseline, add.
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(QLabel("Teams:"))
        # The chips scroll sideways: four teams must not widen the window past a 1024-px screen.
        chip_box = QWidget()
        self.chips = QHBoxLayout(chip_box)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(6)
        self.chips.addStretch(1)
        chip_scroll = QScrollArea()
        chip_scroll.setObjectName("teamChips")
        chip_scroll.setWidget(chip_box)
        chip_scroll.setWidgetResizable(True)
        chip_scroll.setFrameShape(QFrame.Shape.NoFrame)
        chip_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        chip_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        chip_scroll.setMinimumWidth(120)
        chip_scroll.setFixedHeight(chip_box.sizeHint().height() + 34)
        self.chip_scroll = chip_scroll
        row.addWidget(chip_scroll, 1)
        row.addWidget(QLabel("Try in:"))
        self.baseline_box = QComboBox()
        self.baseline_box.setObjectName("baseline")
        self.baseline_box.setToolTip("The team whose file each disagreement is tried in, one assumption at a time.")
        self.baseline_box.activated.connect(lambda i: self.set_baseline(self.baseline_box.itemText(i)))
        row.addWidget(self.baseline_box)
        self.add_button = QPushButton("Add files…")
        self.add_button.setObjectName("addTeams")
        self.add_button.setToolTip("Open one or more teams' versions of the scenario (you can also drop files here).")
        self.add_button.clicked.connect(self.add_dialog)
        row.addWidget(self.add_button)
        self.add_open_button = QPushButton("Add open scenario")
        self.add_open_button.setObjectName("addOpenScenario")
        self.add_open_button.setToolTip("Add the scenario open in the main window as a team, as it is now (saved "
                                        "or not).")
        self.add_open_button.clicked.connect(self.add_open_scenario)
        self.add_open_button.setVisible(getattr(parent, "doc", None) is not None)
        row.addWidget(self.add_open_button)
        self.present_button = QPushButton("Present (F5)")
        self.present_button.setObjectName("teamsPresent")
        self.present_button.setCheckable(True)
        self.present_button.setToolTip("Big type for the room: the disagreement that matters and each team's "
                                       "verdict (F5 or P; Esc goes back).")
        self.present_button.toggled.connect(self.set_presentation)
        row.addWidget(self.present_button)
        outer.addLayout(row)

        self.banner = Banner()
        outer.addWidget(self.banner)
        self.headline = QLabel("Drop two or more teams' scenario files here, or click “Add team files…”.")
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = self.headline.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        self.headline.setFont(f)
        outer.addWidget(self.headline)

        # Charts (tabs) beside the verdicts; the differences table below.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("teamCharts")
        self.tabs.setDocumentMode(True)
        self.value_page = QWidget()
        self.matters_page = QWidget()
        for page in (self.value_page, self.matters_page):
            lay = QVBoxLayout(page)
            lay.setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.value_page, "Value by team")
        self.tabs.setTabToolTip(0, "Every team's NPV distributions, overlaid: colour = alternative, line style = team.")
        self.tabs.addTab(self.matters_page, "Which disagreement matters?")
        self.tabs.setTabToolTip(1, "Each disagreement tried on its own: how far it moves the gap between the leading "
                                   "alternatives, and whether it changes the choice.")
        self.tabs.currentChanged.connect(lambda _i: self._draw_visible())
        self.value_canvas = None
        self.matters_canvas = None
        self._dirty = {"value": False, "matters": False}
        #: The finding (title) of each chart as last drawn: "value" and "matters".
        self.findings: dict[str, str] = {"value": "", "matters": ""}

        self.verdicts = QWidget()
        self.verdicts.setObjectName("verdicts")
        self.verdict_layout = QVBoxLayout(self.verdicts)
        self.verdict_layout.setContentsMargins(10, 6, 10, 6)
        self.verdict_layout.setSpacing(10)
        title = QLabel("Each team's verdict")
        title.setFont(self.headline.font())
        self.verdict_layout.addWidget(title)
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdictText")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.verdict_layout.addWidget(self.verdict_label)
        self.verdict_layout.addStretch(1)
        self.verdict_texts: dict[str, str] = {}
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.verdicts)
        scroll.setMinimumWidth(220)
        self.verdict_scroll = scroll

        top = QSplitter(Qt.Orientation.Horizontal)
        top.setObjectName("teamsSplitter")
        top.addWidget(self.tabs)
        top.addWidget(scroll)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([1000, 300])
        top.setChildrenCollapsible(False)
        self.top_splitter = top

        self.model = DifferencesModel(self)
        self.table = QTableView()
        self.table.setObjectName("differences")
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        table_box = QWidget()
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 4, 0, 0)
        tl.setSpacing(2)
        self.table_title = QLabel("Where the teams differ")
        tf = self.table_title.font()
        tf.setBold(True)
        self.table_title.setFont(tf)
        tl.addWidget(self.table_title)
        tl.addWidget(self.table, 1)
        # The table is a tab beside the charts: at 1280x720 a table below left the value chart
        # about 60 px tall.
        self.tabs.addTab(table_box, "Where the teams differ")
        self.tabs.setTabToolTip(2, "Every assumption where the teams' files differ, the one that matters most first.")

        from .gutcall import ResultsCurtain, RevealState
        from .session import install_room_keys, room_of

        room = room_of(parent)
        self.reveal_state = room.window.reveal_state if room is not None else RevealState(self)
        self.curtain = ResultsCurtain(top, self.reveal_state)
        self.reveal_state.changed.connect(self._hidden_changed)
        from PySide6.QtWidgets import QStackedWidget

        self.pages = QStackedWidget()
        self.pages.setObjectName("teamsPages")
        self.pages.addWidget(self.curtain)
        self.presentation = TeamsPresentation()
        self.pages.addWidget(self.presentation)
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.room = install_room_keys(self, room)
        self.room.zoomChanged.connect(lambda _z: self._scale_presentation())
        self._add_keys()

        # Status: what is simulated, progress, stop.
        sb = self.statusBar()
        self.status_label = QLabel("Ready")
        self.status_label.setObjectName("status")
        sb.addWidget(self.status_label, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        sb.addPermanentWidget(self.progress)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stop")
        self.stop_button.setToolTip("Stop the comparison that is running; the last one stays on screen.")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.cancel)
        sb.addPermanentWidget(self.stop_button)

        # A window owned by another (the main window) may be destroyed without a close event
        # when its owner goes: stop the workers then too.
        self.jobs.stop_with(self)

        self.fit_to_screen()
        if paths:
            self.add_paths(paths)

    # -- size, keys, presentation ----------------------------------------------------------
    def fit_to_screen(self, width: int = 1400, height: int = 900) -> None:
        """Open at ``width`` x ``height`` or the screen's free area, whichever is smaller."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width() - 20), min(height, free.height() - 40)
        self.resize(max(640, width), max(480, height))

    def _add_keys(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        def add(name: str, keys, slot) -> QAction:
            action = QAction(name, self)
            action.setObjectName(name)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False: slot())
            self.addAction(action)
            return action

        self.act_present = add("teamsPresentation", ["F5", "P"], self.present_button.toggle)
        self.act_leave = add("teamsLeavePresentation", ["Esc"], lambda: self.set_presentation(False))
        self.act_next = add("teamsNext", ["PgDown"], lambda: self.tabs.setCurrentIndex(
            (self.tabs.currentIndex() + 1) % self.tabs.count()))
        self.act_previous = add("teamsPrevious", ["PgUp"], lambda: self.tabs.setCurrentIndex(
            (self.tabs.currentIndex() - 1) % self.tabs.count()))

    @property
    def presenting(self) -> bool:
        return self.pages.currentWidget() is self.presentation

    def set_presentation(self, on: bool) -> None:
        """The presentation view (big type on dark) or the working view."""
        if self.present_button.isChecked() != on:
            self.present_button.setChecked(on)   # -> here again
            return
        self.pages.setCurrentWidget(self.presentation if on else self.curtain)
        self.headline.setVisible(not on)   # the presentation view says it in big type
        self._fill_presentation()
        self._scale_presentation()

    def _scale_presentation(self) -> None:
        self.presentation.scale(max(1, self.pages.height()) / 36.0 * self.room.zoom)

    def _fill_presentation(self) -> None:
        self.presentation.show_comparison(self.comparison, hidden=self.reveal_state.hidden)

    def _hidden_changed(self, hidden: bool) -> None:
        comp = self.comparison
        if hidden:
            self.headline.setText("The teams' results are hidden until the reveal.")
        elif comp is not None:
            self.headline.setText(comp.sentence)
        self._fill_presentation()

    def add_open_scenario(self) -> str | None:
        """Add the scenario open in the main window (the owner) as a team, as it is now."""
        doc = getattr(self.parentWidget(), "doc", None)
        if doc is None:
            return None
        return self.add_scenario(doc.scenario, doc.path)

    def add_scenario(self, scenario: Scenario, path: str | Path | None = None, name: str | None = None) -> str:
        """Add a scenario in memory as a team (named after its file, else "Open scenario")."""
        label = name or (team_name_from_path(path) if path is not None else "Open scenario")
        where = Path(path) if path is not None else Path(f"(unsaved) {scenario.title}")
        existing = [i for i, (_, q, _) in enumerate(self.files) if _same_file(q, where)]
        if existing:
            label = self.files[existing[0]][0]
            self.files[existing[0]] = (label, where, scenario)
        else:
            label = unique_names([n for n, _, _ in self.files] + [label])[-1]
            self.files.append((label, where, scenario))
        self._teams_changed()
        return label

    def session_state(self) -> dict:
        """The comparison for Workshop › Save session: the files (and whether each is saved),
        the baseline, the headline and each team's verdict."""
        return {"files": [str(p) for _, p, _ in self.files if p.exists()],
                "teams": [{"name": n, "file": str(p) if p.exists() else None} for n, p, _ in self.files],
                "baseline": self.baseline,
                "headline": self.comparison.sentence if self.comparison is not None else "",
                "verdicts": dict(self.verdict_texts)}

    def restore_session_state(self, state: dict) -> None:
        files = [f for f in state.get("files", []) if Path(f).exists()]
        if files:
            self.add_paths(files)
        if state.get("baseline"):
            self.set_baseline(state["baseline"])

    # -- the model: team files ---------------------------------------------------------
    def add_paths(self, paths: Sequence[str | Path]) -> list[str]:
        """Add teams' files (a file already in the comparison is read again) and compare.
        Returns the names of the teams added; files that cannot be read are named in the
        banner and left out."""
        problems: list[str] = []
        added: list[str] = []
        for p in paths:
            path = Path(p)
            try:
                scenario = load(path)
            except ScenarioError as exc:
                problems.extend(pr.line(path.name) for pr in exc.problems)
                continue
            except OSError as exc:
                problems.append(f"{path.name}: {exc.strerror or exc}")
                continue
            existing = [i for i, (_, q, _) in enumerate(self.files) if _same_file(q, path)]
            if existing:
                name = self.files[existing[0]][0]
                self.files[existing[0]] = (name, path, scenario)
            else:
                taken = [n for n, _, _ in self.files]
                name = unique_names(taken + [team_name_from_path(path)])[-1]
                self.files.append((name, path, scenario))
            added.append(name)
        if problems:
            self.banner.show_message("Some files could not be read; they are left out of the comparison.",
                                     problems, "error")
        elif added:
            self.banner.dismiss()
        if added:
            self._teams_changed()
        return added

    def remove_team(self, name: str) -> None:
        self.files = [f for f in self.files if f[0] != name]
        if self.baseline == name:
            self.baseline = None
        self._teams_changed()

    def set_baseline(self, name: str) -> None:
        if name and name != self.baseline and any(n == name for n, _, _ in self.files):
            self.baseline = name
            self._teams_changed()

    def team_names(self) -> list[str]:
        return [n for n, _, _ in self.files]

    def _teams_changed(self) -> None:
        while self.chips.count() > 1:      # (the last item is the stretch)
            item = self.chips.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        for i, (name, path, _) in enumerate(self.files):
            chip = _TeamChip(name, path, i)
            chip.removeRequested.connect(self.remove_team)
            self.chips.insertWidget(i, chip)
        names = self.team_names()
        if self.baseline not in names:
            self.baseline = names[0] if names else None
        self.baseline_box.blockSignals(True)
        self.baseline_box.clear()
        self.baseline_box.addItems(names)
        if self.baseline:
            self.baseline_box.setCurrentText(self.baseline)
        self.baseline_box.blockSignals(False)
        self.start()

    # -- running -----------------------------------------------------------------------
    def start(self) -> None:
        """Compare the current team files in a worker; a comparison still running is
        cancelled and its results are never shown."""
        self._disconnect_current()
        if not self.files:
            self._show(None)
            self.headline.setText("Drop two or more teams' scenario files here, or click “Add team files…”.")
            return
        teams = [(n, s) for n, _, s in self.files]
        paths = {n: str(p) for n, p, _ in self.files}
        self.progress.setRange(0, 0)
        self.progress.show()
        self.stop_button.setEnabled(True)
        self.status_label.setText(f"Simulating {len(teams)} team file{'s' if len(teams) != 1 else ''}…")
        self.jobs.request(partial(_compare, teams, paths, self.baseline, self.iterations, self.seed))

    def _disconnect_current(self) -> None:
        self.jobs.abandon()

    @property
    def running(self) -> bool:
        return self.jobs.busy

    def cancel(self) -> None:
        self.jobs.cancel()

    @Slot(object)
    def _on_progress(self, args) -> None:
        done, total, what = args
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status_label.setText(f"Simulated {what} ({done} of {total} runs)…")

    @Slot(object)
    def _on_result(self, comp: TeamComparison) -> None:
        self._run_ended()
        self._show(comp)
        self.status_label.setText(
            f"{len(comp.teams)} teams, {comp.iterations:,} futures each (seed {comp.seed}); "
            f"{len(comp.differences)} differing assumption{'s' if len(comp.differences) != 1 else ''}, each tried "
            f"with {comp.ranking_iterations:,} futures.")
        self.comparisonShown.emit(comp)

    @Slot(object, str)
    def _on_failed(self, exc, details: str) -> None:
        if isinstance(exc, ScenarioError):
            message = exc.describe()
        else:   # an engine bug must not take the app down
            print(details, file=sys.stderr, end="")
            message = f"{type(exc).__name__}: {exc}"
        self._run_ended()
        self.banner.show_message("The comparison could not be made", message.splitlines(), "error")
        self.status_label.setText("The comparison did not finish; see the message above.")
        self.comparisonFailed.emit(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.status_label.setText("Stopped. What is shown is from the last finished comparison.")

    def _run_ended(self) -> None:
        self.progress.hide()
        self.stop_button.setEnabled(False)

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        """Cancel every comparison and wait for the workers (they stop between runs and
        between the engine's chunks). True if they all stopped."""
        return stop_workers({w.id: w for w in self.jobs.workers()}, timeout_s)

    def closeEvent(self, event) -> None:
        self._disconnect_current()
        self.room.shutdown()
        self.shutdown()
        self.statusBar().clearMessage()
        event.accept()

    # -- showing -----------------------------------------------------------------------
    def _show(self, comp: TeamComparison | None) -> None:
        self.comparison = comp
        self.model.set_comparison(comp)
        self._fit_table()
        self.verdict_label.clear()
        self.verdict_texts = {}
        if comp is None:
            self.table_title.setText("Where the teams differ")
            for canvas in (self.value_canvas, self.matters_canvas):
                if canvas is not None:
                    canvas.clear_picture()
            self._fill_presentation()
            return
        self.headline.setText("The teams' results are hidden until the reveal." if self.reveal_state.hidden
                              else comp.sentence)
        if comp.warnings:
            self.banner.show_message(comp.warnings[0], list(comp.warnings[1:]), "warning")
        n = len(comp.differences)
        self.table_title.setText(f"Where the teams differ: {n} assumption{'s' if n != 1 else ''}"
                                 + (", the one that matters most first" if n > 1 else ""))
        colors = colors_for(comp.alternatives)
        blocks = []
        for team in comp.teams:
            best_color = colors.get(team.best, "#222222")
            base = " (baseline)" if team.name == comp.baseline else ""
            self.verdict_texts[team.name] = f"{team.name}{base}: {team.best}. {team.verdict}"
            blocks.append(f"<p style='margin:0 0 14px 0'><span style='font-size:115%'><b>{_esc(team.name)}</b>{base}: "
                          f"<b style='color:{best_color}'>{_esc(team.best)}</b></span><br>{_esc(team.verdict)}</p>")
        self.verdict_label.setText("".join(blocks))
        self._dirty = {"value": True, "matters": True}
        self._draw_visible()
        self._fill_presentation()

    def verdict_text(self, team: str) -> str:
        """The verdict shown for ``team``, as plain text."""
        return self.verdict_texts.get(team, "")

    def _fit_table(self) -> None:
        header = self.table.horizontalHeader()
        cols = self.model.columnCount()
        if cols == 0:
            return
        width = max(self.table.viewport().width(), 600)
        teams = len(self.model.teams)
        first, effect = (250, 200) if width >= 1000 else (180, 150)
        per_team = max(140, (width - first - 2 * effect) // max(teams, 1))
        header.resizeSection(0, first)
        for c in range(1, 1 + teams):
            header.resizeSection(c, per_team)
        header.resizeSection(1 + teams, effect)
        self.table.resizeRowsToContents()

    def _ensure_canvases(self) -> bool:
        if self.value_canvas is not None:
            return True
        try:
            import PySide6.QtWidgets  # noqa: F401  (Qt first, so matplotlib picks PySide6)
            from ..livecanvas import LiveCanvas
            from matplotlib.figure import Figure
        except Exception as exc:  # pragma: no cover - matplotlib is a dependency
            self.banner.show_message("The charts cannot be shown", [f"{type(exc).__name__}: {exc}"], "error")
            return False
        # Pictures are made in the render thread (ui.livecanvas), never in a slot here.
        self.value_canvas = LiveCanvas(Figure(dpi=100))
        self.value_canvas.setObjectName("valueCanvas")
        self.value_canvas.rendered.connect(lambda value, _error: self._chart_rendered("value", value))
        self.value_page.layout().addWidget(self.value_canvas)
        self.matters_canvas = LiveCanvas(Figure(dpi=100))
        self.matters_canvas.setObjectName("mattersCanvas")
        self.matters_canvas.rendered.connect(lambda value, _error: self._chart_rendered("matters", value))
        self.matters_page.layout().addWidget(self.matters_canvas)
        return True

    @property
    def value_figure(self):
        """The value chart's figure on screen (None before the first comparison)."""
        return self.value_canvas.figure if self.value_canvas is not None else None

    @property
    def matters_figure(self):
        return self.matters_canvas.figure if self.matters_canvas is not None else None

    #: A chart's picture is on screen: "value" or "matters", and its finding.
    chartShown = Signal(str, str)

    def _chart_rendered(self, key: str, value) -> None:
        if isinstance(value, tuple) and len(value) == 2 and value[0] is self.comparison:
            self.findings[key] = value[1] or ""
        self.chartShown.emit(key, self.findings.get(key, ""))

    def _draw_visible(self, *, now: bool = False) -> None:
        """Draw the chart on the visible tab if its comparison is new (one draw per change)."""
        comp = self.comparison
        if comp is None or not self._ensure_canvases():
            return
        index = self.tabs.currentIndex()
        if index not in (0, 1):
            return
        key = "value" if index == 0 else "matters"
        if not self._dirty[key] and not now:
            return
        self._dirty[key] = False
        canvas, draw, structure = ((self.value_canvas, draw_team_values, values_structure) if key == "value" else
                                   (self.matters_canvas, draw_disagreements, disagreements_structure))
        colors = colors_for(comp.alternatives)
        # A live view: a comparison of the same shape (the same teams, alternatives and
        # disagreements tried) changes the kept figure's artists in place.
        live = _updater(draw)

        def picture(fn):
            def make(fig):   # the render thread: no widgets here
                try:
                    return comp, fn(fig, comp, colors)
                except Exception as exc:  # a chart bug shows in the chart, never a crash
                    traceback.print_exc(file=sys.stderr)
                    fig.clear()
                    fig.text(0.5, 0.5, f"This chart could not be drawn: {type(exc).__name__}: {exc}", ha="center",
                             va="center", wrap=True)
                    return comp, ""
            return make

        args = (picture(draw), lambda: structure(comp), picture(live))
        if now:
            canvas.render_now(*args)
        else:
            canvas.render_async(*args)

    def draw_all_now(self) -> None:
        """Draw both charts at once (screenshots)."""
        self._dirty = {"value": True, "matters": True}
        current = self.tabs.currentIndex()
        for i in (0, 1):
            self.tabs.setCurrentIndex(i)
            self._draw_visible(now=True)
        self.tabs.setCurrentIndex(current)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.model.rowCount():
            self._fit_table()
        if self.presenting:
            self._scale_presentation()

    # -- files -------------------------------------------------------------------------
    def add_dialog(self) -> list[str]:
        start = str(self.files[-1][1].parent) if self.files else str(_teams_folder() or Path.home())
        paths, _ = QFileDialog.getOpenFileNames(self, "Open the teams' scenario files", start, FILE_FILTER)
        return self.add_paths(paths) if paths else []

    @staticmethod
    def _dropped(mime) -> list[Path]:
        if not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls()
                if u.isLocalFile() and u.toLocalFile().lower().endswith(".toml")]

    def dragEnterEvent(self, event) -> None:
        if self._dropped(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._dropped(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = self._dropped(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.add_paths(paths))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


def _teams_folder() -> Path | None:
    """The bundled example team files, where the file dialog starts the first time."""
    from simulator.resources import folder as bundled

    folder = bundled("scenarios") / "teams"
    return folder if folder.is_dir() else None


def example_team_files() -> list[Path]:
    """The bundled example team files: Sales, Finance, IT (in that order when present)."""
    folder = _teams_folder()
    if folder is None:
        return []
    files = sorted(folder.glob("*.toml"))
    order = {"sales": 0, "finance": 1, "it": 2}
    return sorted(files, key=lambda p: (order.get(p.stem, 9), p.name))


def open_teams(paths: list[str] | None = None, parent: QWidget | None = None, **kwargs) -> TeamsWindow:
    """Show a Teams side by side window and return it (non-modal).

    ``paths``: the teams' files; None asks for them with a file dialog (several can be
    chosen at once; more can be added or dropped later). ``kwargs`` go to
    :class:`TeamsWindow` (``iterations``, ``seed``, ``pool``)."""
    window = TeamsWindow((), parent, **kwargs)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    window.show()
    window.raise_()
    window.activateWindow()
    if paths is None:
        window.add_dialog()
    elif paths:
        window.add_paths(paths)
    return window


def demo(paths: Sequence[str] | None = None) -> TeamsWindow:
    """The window on the bundled example team files (or the files given), on its own."""
    paths = list(paths or sys.argv[1:] or example_team_files())
    return TeamsWindow(paths)


if __name__ == "__main__":  # a quick look: python -m ui.workshop.teams [FILE...]
    from .._demo import run_demo

    run_demo(demo)
