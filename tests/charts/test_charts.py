"""The result charts: every chart on every bundled scenario and on the awkward cases, checked
for what a viewer would notice (the finding, one curve per alternative, the right numbers)."""

from __future__ import annotations

import os

import subprocess
import sys
import time

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch

from chartcases import EDGE_CASES, ROOT, SCENARIOS, alternative, draw, make, render
from simulator.analysis import formatting as fmt
from simulator.analysis import formatting
from simulator.sim.engine import run
from simulator.model.scenario import load
from ui.charts import CHARTS, OKABE_ITO, ChartSpec, chart, colors_for, money_axis
from ui.charts import _style as st
from ui.charts.margin import NO_BASELINE

KEYS = [c.key for c in CHARTS]


def gids(fig: Figure, prefix: str) -> list[str]:
    return [a.get_gid()[len(prefix):] for a in fig.findobj(Line2D)
            if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)]


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# --- API --------------------------------------------------------------------------------

def test_the_five_charts_in_order_with_titles_and_tooltips():
    assert KEYS == ["value", "risk", "cash", "margin", "head_to_head"]
    assert [c.title for c in CHARTS] == ["Value", "Risk profile", "Cash over time", "Margin impact",
                                         "Head to head"]
    for spec in CHARTS:
        assert isinstance(spec, ChartSpec) and callable(spec.draw)
        assert len(spec.tooltip) > 40 and "\n" not in spec.tooltip
    with pytest.raises(KeyError):
        chart("pie")


def test_colours_are_okabe_ito_by_position():
    names = [f"Option {i}" for i in range(10)]
    cols = colors_for(names)
    assert list(cols) == names
    assert [cols[n] for n in names[:8]] == list(OKABE_ITO)
    assert len(set(OKABE_ITO)) == 8
    assert cols["Option 8"] == OKABE_ITO[0]                   # cycles after eight
    assert colors_for(["B", "A"])["B"] == colors_for(["B", "X"])["B"]   # by position, not name


@pytest.mark.parametrize("currency, ticks, labels", [
    ("USD", [-1e6, -5e5, 0, 5e5, 1e6], ["−$1.0M", "−$0.5M", "$0", "$0.5M", "$1.0M"]),
    ("USD", [0, 2e6, 4e6, 6e6], ["$0", "$2M", "$4M", "$6M"]),
    ("USD", [0, 2.5e6, 5e6, 7.5e6], ["$0", "$2.5M", "$5.0M", "$7.5M"]),
    ("USD", [-250e3, 0, 250e3, 500e3], ["−$250k", "$0", "$250k", "$500k"]),
    ("EUR", [-200e3, 0, 200e3, 400e3], ["−€200k", "€0", "€200k", "€400k"]),
    ("GBP", [1e9, 1.5e9, 2e9], ["£1.0B", "£1.5B", "£2.0B"]),
    ("CHF", [0, 250, 500], ["CHF 0", "CHF 250", "CHF 500"]),
])
def test_money_axis_uses_one_unit_per_axis(currency, ticks, labels):
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(min(ticks), max(ticks))
    money_axis(ax.xaxis, currency)
    fmt = ax.xaxis.get_major_formatter()
    fmt.set_locs(ticks)
    shown = [fmt(t, i).replace("\\$", "$") for i, t in enumerate(ticks)]
    assert shown == labels
    assert fmt(1_234_567, None) == "$1.2M".replace("$", formatting.currency_prefix(currency))


def test_money_axis_wants_an_axis():
    ax = Figure().add_subplot()
    with pytest.raises(TypeError):
        money_axis(ax, "USD")


def test_charts_do_not_import_qt_or_pyplot():
    code = ("import sys; import ui.charts; "
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'matplotlib.pyplot'))); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- Every chart on every bundled scenario -----------------------------------------------

@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_bundled_scenarios_draw_with_a_finding(bundled_results, stem, key):
    results = bundled_results[stem]
    fig, finding = draw(key, results)
    assert finding and finding[0].isupper() and "\\" not in finding
    assert any(name in finding for name in results.names), finding
    assert fig.get_suptitle().replace("\n", " ") == st.plain(finding)             # the finding is the title
    # Head to head with three or more: the grid and, beside it, the gap of the leading pair.
    assert len(fig.axes) == (2 if key == "head_to_head" and len(results.names) > 2 else 1)


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_value_marks_mean_and_p10_p90_for_each_alternative(bundled_results, stem):
    results = bundled_results[stem]
    summary = results.summary
    fig, _ = draw("value", results)
    ax = fig.axes[0]
    cur = results.scenario.currency
    # One P10-P90 bar per alternative, at the summary's numbers.
    bars = [c for c in ax.collections if isinstance(c, LineCollection) and len(c.get_segments()) == 1
            and c.get_segments()[0][0][1] < 0]
    spans = sorted((seg[0][0], seg[1][0]) for c in bars for seg in c.get_segments())
    expected = sorted((a.npv.p10, a.npv.p90) for a in summary.alternatives)
    assert np.allclose(spans, expected)
    # The mean of each alternative is named in the legend, in the unit of the axis's ticks
    # ("$0.30M" beside "$0.5M", never "$298k"); the loss side is labelled.
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    scale = st.axis_scale(ax.xaxis)
    unit = scale.suffix
    assert all(t.get_text().endswith(unit) or t.get_text() == st.plain(fmt.money(0, cur)) for t in ax.get_xticklabels()
               if t.get_text())
    few = len(summary.alternatives) <= 3   # the chart's rule: few alternatives, the average in the legend;
    for a in summary.alternatives:          # many (a portfolio's candidates), names only
        amount = st.plain(st.money(a.npv.mean, cur, scale))
        assert amount.endswith(unit) or amount.endswith("$0")
        assert any(a.name in t and (amount in t or not few) for t in legend), legend
    assert "loss" in texts(ax)
    # A histogram outline per alternative that is not fixed.
    varying = [a for a in results.alternatives if not st.is_constant(a.npv)]
    outlines = [p for p in ax.patches if isinstance(p, StepPatch) and not p.get_fill()]
    assert len(outlines) == len(varying)


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_risk_has_one_curve_per_alternative_and_marks_the_chance_of_loss(bundled_results, stem):
    results = bundled_results[stem]
    summary = results.summary
    fig, finding = draw("risk", results)
    ax = fig.axes[0]
    assert gids(fig, "risk-curve:") == results.names
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 1
    offsets = dots[0].get_offsets()
    assert np.allclose(offsets[:, 0], 0.0)
    assert np.allclose(sorted(offsets[:, 1]), sorted(a.prob_loss for a in summary.alternatives))
    labels = " ".join(texts(ax))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    many = len(summary.alternatives) > 5     # a portfolio's candidates: the chances in the legend
    for a in summary.alternatives:
        if many:
            assert f"{a.name}: {formatting.percent(a.prob_loss)}" in legend, legend
        else:
            assert formatting.percent(a.prob_loss) in labels
    # Each curve is an empirical CDF: non-decreasing from 0 to 1.
    for line in fig.findobj(Line2D):
        if str(line.get_gid()).startswith("risk-curve:"):
            y = np.asarray(line.get_ydata())
            assert y[0] == 0 and y[-1] == 1 and np.all(np.diff(y) >= 0)


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_cash_shows_median_path_and_median_payback(bundled_results, stem):
    results = bundled_results[stem]
    summary = results.summary
    fig, _ = draw("cash", results)
    assert gids(fig, "cash-median:") == results.names
    lines = {l.get_gid()[len("cash-median:"):]: l for l in fig.findobj(Line2D)
             if str(l.get_gid()).startswith("cash-median:")}
    for a in summary.alternatives:
        assert np.allclose(lines[a.name].get_ydata(), [y.p50 for y in a.cumulative_cash])
    markers = {l.get_gid()[len("payback:"):]: l for l in fig.findobj(Line2D)
               if str(l.get_gid()).startswith("payback:")}
    for a in summary.alternatives:
        if a.payback_p50 is not None and np.isfinite(a.payback_p50) and a.payback_p50 > 0:
            assert np.isclose(markers[a.name].get_xdata()[0], a.payback_p50)
            assert markers[a.name].get_ydata()[0] == 0
        else:
            assert a.name not in markers


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_margin_shows_mean_per_year(bundled_results, stem):
    results = bundled_results[stem]
    fig, _ = draw("margin", results)
    if results.scenario.baseline is None:
        assert NO_BASELINE in texts(fig.axes[0])
        return
    lines = {l.get_gid()[len("margin-mean:"):]: l for l in fig.findobj(Line2D)
             if str(l.get_gid()).startswith("margin-mean:")}
    assert list(lines) == results.names
    for a in results.summary.alternatives:
        assert np.allclose(lines[a.name].get_xdata(), [y.year for y in a.margin_pp])
        assert np.allclose(lines[a.name].get_ydata(), [y.mean for y in a.margin_pp])


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_head_to_head_annotations_are_the_comparison(bundled_results, stem):
    results = bundled_results[stem]
    names = results.names
    fig, finding = draw("head_to_head", results)
    if len(names) > 2:                          # the grid: chance the row beats the column
        beats = results.summary.comparison.prob_beats
        ax = fig.axes[0]
        many = len(names) > 5
        shown = names
        if many:    # the five with the highest expected value, highest first, and the grid says so
            means = {a.name: a.npv.mean for a in results.summary.alternatives}
            shown = sorted(names, key=lambda n: -means[n])[:5]
            assert ax.get_title(loc="left") == f"Top 5 of {len(names)} by expected value"
        cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
        expected = {(i, j): formatting.percent(beats[a][b])
                    for i, a in enumerate(shown) for j, b in enumerate(shown) if i != j}
        assert cells == expected                                  # and nothing on the diagonal
        rows = [t.get_text().replace("-\n", "-").replace("\n", " ") for t in ax.get_yticklabels()]
        if many:    # numbered, names cut with an ellipsis only when they do not fit two lines
            assert all(f"{i + 1}  {n}".startswith(r.rstrip("…")) for i, (r, n) in enumerate(zip(rows, shown)))
            assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]
        else:
            assert rows == names
    # The gap of the leading pair, counted here from the NPVs of each future (brute force).
    comp = results.summary.comparison
    lead, other = comp.best, comp.runner_up
    d = results.alternative(lead).npv - results.alternative(other).npv
    gap_ax = fig.axes[-1]
    shown = " ".join(t.get_text().replace("-\n", "-").replace("\n", " ") for t in gap_ax.texts)
    assert f"{lead} ahead in {formatting.percent(np.mean(d > 0))}" in shown
    assert f"{other} ahead in {formatting.percent(np.mean(d < 0))}" in shown
    scale = st.axis_scale(gap_ax.xaxis)
    p10, p90 = np.percentile(d, [10, 90])
    m = lambda x: st.plain(formatting.money(x, results.scenario.currency, scale=scale))
    assert f"80% of futures: {m(p10)} to {m(p90)}" in shown
    assert f"average {m(d.mean())}" in shown
    # Bars: the share of futures in each bin, adding up to all of them; right of zero in the
    # colour of the one ahead there, left of zero in the other's.
    bars = [r for r in gap_ax.patches if str(r.get_gid()).startswith("gap-bar:")]
    heights = np.array([r.get_height() for r in bars])
    assert heights.sum() == pytest.approx(1.0)
    cols = colors_for(names)
    for r in bars:
        if r.get_height() > 0:
            expect = cols[lead] if r.get_x() >= -1e-6 * abs(d).max() else cols[other]
            assert to_hex(r.get_facecolor(), keep_alpha=False) == expect.lower()
    # The title says how often and by how much, in the axis's unit.
    assert f"{m(d.mean())}".replace("\\$", "$") in finding


def test_risk_title_is_true_of_a_reference_that_never_loses(edge_results):
    """"Do nothing" at 0% is on the chart: the safest option is named among those that invest."""
    results = edge_results["with do nothing"]
    _, finding = draw("risk", results)
    assert "Do nothing" not in finding
    assert "safest" not in finding
    investing = [a for a in results.alternatives if a.pv_costs.max() > 0]
    assert len(investing) < len(results.alternatives)
    losses = {a.name: float(np.mean(a.npv < 0)) for a in investing}
    least = min(losses, key=losses.get)
    assert finding.startswith(f"Of the options that invest, {least} loses money")
    assert formatting.percent(losses[least]) in finding


def test_risk_title_without_a_reference_ranks_every_alternative(bundled_results):
    results = bundled_results["crm-vs-sales-team"]
    _, finding = draw("risk", results)
    losses = {a.name: float(np.mean(a.npv < 0)) for a in results.alternatives}
    least, most = min(losses, key=losses.get), max(losses, key=losses.get)
    assert finding == (f"{least} loses money less often: in {formatting.percent(losses[least])} of futures, "
                       f"against {formatting.percent(losses[most])} for {most}")


def test_payback_markers_at_the_same_time_stay_visible():
    """Two alternatives that pay back in the same year: nested rings, both labelled."""
    body = alternative("First") + alternative("Second")     # the same project twice: same payback
    results = make(body, iterations=2000, horizon=10)
    fig, _ = draw("cash", results)
    marks = {l.get_gid()[len("payback:"):]: l for l in fig.findobj(Line2D)
             if str(l.get_gid()).startswith("payback:")}
    assert set(marks) == {"First", "Second"}
    x1, x2 = marks["First"].get_xdata()[0], marks["Second"].get_xdata()[0]
    assert abs(x1 - x2) < 0.2                                 # they coincide ...
    sizes = sorted(m.get_markersize() for m in marks.values())
    assert sizes[0] < sizes[1] - 3                            # ... and the later one is a smaller ring on top
    labels = [t for t in fig.axes[0].texts if t.get_text().endswith(" yrs")]
    assert len(labels) == 2 and len({t.get_position() for t in labels}) == 2
    # Each band's edges are labelled in place, in its colour.
    words = [t.get_text() for t in fig.axes[0].texts if str(t.get_gid()).startswith("band-label:")]
    assert len({t.get_gid() for t in fig.axes[0].texts if str(t.get_gid()).startswith("band-label:")}) == 4
    assert sorted(words) == ["P10", "P10", "P90", "P90"]


def test_head_to_head_finding_names_the_winner_with_its_chance():
    r = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), iterations=4000)
    finding = chart("head_to_head").draw(Figure(), r, colors_for(r.names))
    comp = r.summary.comparison
    a, b = comp.best, comp.runner_up
    p, q = comp.prob_beats[a][b], comp.prob_beats[b][a]
    winner, loser, chance = (a, b, p) if p >= q else (b, a, q)
    assert f"{winner} beats {loser} in {formatting.percent(chance)} of futures" in finding
    assert finding.startswith("Close to a coin flip") == (chance <= 0.55)


# --- Edge cases ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_draw_without_errors_or_warnings(edge_results, case, key):
    results = edge_results[case]
    fig, finding = draw(key, results)
    assert finding and fig.get_suptitle().replace("\n", " ")
    if key == "risk":
        assert gids(fig, "risk-curve:") == results.names      # one curve each, even if empty


def test_do_nothing_is_a_labelled_spike_not_a_crash(edge_results):
    results = edge_results["with do nothing"]
    fig, _ = draw("value", results)
    ax = fig.axes[0]
    assert any("Do nothing" in t and "in every future" in t for t in texts(ax))
    _, finding = draw("risk", results)
    assert "Do nothing" not in finding          # a fixed reference is not "the safest choice"


def test_no_baseline_shows_the_note_instead_of_lines(edge_results):
    fig, finding = draw("margin", edge_results["no baseline"])
    assert NO_BASELINE in texts(fig.axes[0])
    assert not gids(fig, "margin-mean:")
    assert "baseline" in finding


def test_identical_alternatives_are_called_a_tie(edge_results):
    results = edge_results["identical fixed values"]
    _, finding = draw("head_to_head", results)
    assert "same NPV in 100% of futures" in finding
    _, finding = draw("value", results)
    assert "worth the same" in finding


def test_nan_futures_are_left_out_and_counted(edge_results):
    fig, _ = draw("value", edge_results["NaN and inf"])
    caption = st.caption_text(fig).get_text()
    assert "left out (9 of ERP system)" in caption


def test_single_alternative_head_to_head_is_a_note(edge_results):
    fig, finding = draw("head_to_head", edge_results["one alternative"])
    assert "ERP system" in finding
    assert not fig.axes[0].images


def test_custom_colours_are_used(edge_results):
    results = edge_results["ten futures"]
    colors = {"ERP system": "#123456", "New line": "#abcdef"}
    fig, _ = draw("risk", results, colors)
    lines = {l.get_gid(): l.get_color() for l in fig.findobj(Line2D) if l.get_gid()}
    assert lines["risk-curve:ERP system"] == "#123456"
    assert lines["risk-curve:New line"] == "#abcdef"


def test_redrawing_a_figure_replaces_the_previous_chart(bundled_results):
    results = next(iter(bundled_results.values()))
    fig = Figure(figsize=(14, 8))
    for spec in CHARTS + CHARTS:
        finding = spec.draw(fig, results, colors_for(results.names))
        render(fig)
        assert len(fig.axes) == 1 and fig.get_suptitle().replace("\n", " ") == st.plain(finding)
        assert len(fig.legends) == 0 and len(fig.axes[0].get_legend_handles_labels()[0]) <= len(results.names)


# --- Speed ------------------------------------------------------------------------------

@pytest.mark.slow
def test_drawing_20k_futures_is_cheap():
    """Each chart is drawn for 20,000 futures well within a UI frame budget (binned with
    numpy, no per-point artists). Generous bound: shared CI machines are slow."""
    r = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), iterations=20_000)
    _ = r.summary  # computed before the clock starts
    fig = Figure(figsize=(14, 8), dpi=100)
    canvas = FigureCanvasAgg(fig)
    for spec in CHARTS:
        spec.draw(fig, r, colors_for(r.names))
        canvas.draw()                                          # warm font and layout caches
        best = np.inf
        for _ in range(3):
            t = time.perf_counter()
            spec.draw(fig, r, colors_for(r.names))
            best = min(best, time.perf_counter() - t)
        if os.environ.get("INVESTSIM_MEASURE"):  # speed targets live in make bench, not in tests
            assert best < 0.15, f"{spec.key}: {best * 1000:.0f} ms"
        artists = sum(len(ax.get_children()) for ax in fig.axes)
        assert artists < 200, f"{spec.key}: {artists} artists"


def test_labels_registered_as_only_where_room_are_hidden_when_they_would_collide():
    fig = Figure(figsize=(4, 3), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = st.begin(fig)
    first = ax.text(0.5, 0.5, "first label", transform=ax.transAxes)
    second = ax.text(0.5, 0.5, "second label", transform=ax.transAxes)      # on top of the first
    apart = ax.text(0.05, 0.1, "apart", transform=ax.transAxes)
    st.only_where_room(fig, [first, second, apart], together=False)
    canvas.draw()
    assert [t.get_visible() for t in (first, second, apart)] == [True, False, True]
    # Together: the whole group or nothing, and it is measured again at each draw.
    ax2 = st.begin(fig)
    a = ax2.text(0.5, 0.5, "one", transform=ax2.transAxes)
    b = ax2.text(0.5, 0.5, "two", transform=ax2.transAxes)
    st.only_where_room(fig, [a, b], together=True)
    canvas.draw()
    assert not a.get_visible() and not b.get_visible()
    b.set_position((0.1, 0.9))
    canvas.draw()
    assert a.get_visible() and b.get_visible()


def _draw_at(key, results, size):
    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    chart(key).draw(fig, results, colors_for(results.names))
    canvas.draw()
    return fig


def test_many_alternatives_say_what_each_chart_leaves_out(bundled_results):
    """Ten candidate projects (the portfolio scenario) at the canvas of a 1280x720 window and
    of a 1400x900 one: what is not written in the plot is in the legend, or the caption says
    when it is written."""
    results = bundled_results["portfolio-capital-budget"]
    names = results.names
    summary = results.summary
    assert len(names) == 10
    for size in [(834, 573), (954, 753)]:
        # Value: every P10-P90 bar, and their amounts all written or none, as the caption says.
        fig = _draw_at("value", results, size)
        ax = fig.axes[0]
        ranges = [t for t in ax.texts if " to " in t.get_text() or t.get_text().startswith("always")]
        assert len(ranges) == 10
        assert len({t.get_visible() for t in ranges}) == 1
        assert "amounts beside them when there is room" in st.caption_text(fig)._investsim_raw
        # Cash: no band labels, each median payback in the legend, as the caption says.
        fig = _draw_at("cash", results, size)
        ax = fig.axes[0]
        assert not [t for t in ax.texts if str(t.get_gid()).startswith("band-label:")]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        for a in summary.alternatives:
            pb = a.payback_p50
            words = (f"{pb:.1f} yrs" if pb is not None and np.isfinite(pb)
                     else f"none in {results.scenario.horizon_years} yrs")
            assert f"{a.name}: {words}" in legend, legend
        assert "given for each in the legend" in st.caption_text(fig)._investsim_raw
        # Value sources: every alternative has a row and its total.
        fig = _draw_at("value_sources", results, size)
        ax = fig.axes[0]
        rows = [t.get_text().rstrip("…") for t in ax.get_yticklabels()]
        assert all(st.plain(n).startswith(r) for r, n in zip(rows, names)) and len(rows) == 10
    # The larger window has room for the ranges under the value curves.
    fig = _draw_at("value", results, (954, 753))
    assert all(t.get_visible() for t in fig.axes[0].texts if " to " in t.get_text())
