"""The decision-analytics charts (issue 4): drivers of uncertainty, worth finding out, where
value comes from. Every chart and target on every bundled scenario and on the awkward cases,
checked against the numbers of :mod:`simulator.analysis.insights` they claim to show."""

from __future__ import annotations

import os

import io
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chartcases import EDGE_CASES, ROOT, SCENARIOS, alternative, make
from simulator.analysis import insights
from simulator.sim.engine import run
from simulator.model.keys import Target, variable as V
from simulator.model.scenario import load
from ui.charts import ALL_CHARTS, ANALYTICS_CHARTS, CHARTS, OKABE_ITO, ChartSpec, chart, colors_for
from ui.charts import _analytics as an
from ui.charts import _style as st
from ui.charts import tornado, value_sources

KEYS = [c.key for c in ANALYTICS_CHARTS]

FIXED_PAIR = """
[[alternatives]]
name = "Plan A"

[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 400_000

[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = 150_000
driver = "cost reduction"

[[alternatives]]
name = "Plan B"

[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 300_000

[[alternatives.items]]
name = "Sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.4
amount = 250_000
driver = "revenue growth"
"""

LONG_LABELS = """
[variables]
share_of_orders_quoted_the_same_day_after_go_live = { low = 0.2, high = 0.6 }

[[alternatives]]
name = "ERP system"

[[alternatives.items]]
name = "Licences, implementation partner and data migration"
kind = "investment"
life_years = 5
amount = { dist = "triangular", min = 1_700_000, mode = 2_000_000, max = 3_300_000 }

[[alternatives.items]]
name = "Faster, reliable quotes win more orders from existing and new customers alike"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.32
amount = "3_000_000 * share_of_orders_quoted_the_same_day_after_go_live"
driver = "speed to market and customer satisfaction in the quoting process"

[[alternatives]]
name = "A new production line for the valve-body family, running two shifts"

[[alternatives.items]]
name = "Machines, tooling, installation and building works for the new line"
kind = "investment"
life_years = 8
amount = { low = 1_800_000, high = 2_600_000 }

[[alternatives.items]]
name = "Sales from the extra capacity"
kind = "benefit"
amount = { low = 300_000, high = 900_000 }
"""

NO_BENEFITS = """
[[alternatives]]
name = "Compliance upgrade"

[[alternatives.items]]
name = "Audit tooling"
kind = "investment"
amount = { low = 200_000, high = 300_000 }

[[alternatives.items]]
name = "Fine if late"
kind = "risk"
probability = 0.2
amount = { low = 100_000, high = 500_000 }
"""

MORE_CASES = {
    "all fixed": lambda: make(FIXED_PAIR),
    "long labels": lambda: make(LONG_LABELS),
    "no benefits": lambda: make(NO_BENEFITS + alternative("ERP system")),
    "unspecified drivers": lambda: make(alternative("ERP system") + alternative("New line", 2)),
}
CASES = {**EDGE_CASES, **MORE_CASES}


@pytest.fixture(scope="module")
def cases() -> dict:
    return {name: build() for name, build in CASES.items()}


def render(fig: Figure) -> bytes:
    """A PNG of ``fig``, as a report would write it."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


_FIGURE: list[Figure] = []


def draw(key: str, results, target=None, colors=None) -> tuple[Figure, str]:
    """Draw and render as a report would, failing on any warning (RuntimeWarning, layout).

    One figure is redrawn for every chart, as the app's tabs do: each draw must replace the
    previous chart entirely (and the warm text caches keep the suite quick)."""
    if not _FIGURE:
        _FIGURE.append(Figure(figsize=(14, 8), dpi=100))
        FigureCanvasAgg(_FIGURE[0])
    fig = _FIGURE[0]
    spec = chart(key)
    kwargs = {"target": target} if spec.targets is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finding = spec.draw(fig, results, colors if colors is not None else colors_for(results.names), **kwargs)
        fig.canvas.draw()
    assert len(fig.axes) <= 2 and len(fig.texts) <= 2          # title and caption only
    return fig, finding


def targets_of(key: str, results) -> list:
    spec = chart(key)
    return [None] + (spec.targets(results) if spec.targets else [])


def patches(fig: Figure, prefix: str) -> list:
    return [p for ax in fig.axes for p in ax.patches
            if isinstance(p.get_gid(), str) and p.get_gid().startswith(prefix)]


def texts(fig: Figure) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def check_finding(fig: Figure, finding: str) -> None:
    assert finding and finding[0].isupper() and "\\" not in finding, finding
    assert "nan" not in finding.lower().split() and "n/a" not in finding, finding
    assert fig.get_suptitle().replace("\n", " ") == st.plain(finding)


# --- API --------------------------------------------------------------------------------

def test_registry_adds_three_tabs_and_keeps_the_five():
    assert [c.key for c in CHARTS] == ["value", "risk", "cash", "margin", "head_to_head"]
    assert KEYS == ["drivers_of_uncertainty", "worth_finding_out", "value_sources"]
    assert [c.title for c in ANALYTICS_CHARTS] == ["Drivers of uncertainty", "Worth finding out",
                                                   "Where value comes from"]
    assert ALL_CHARTS == CHARTS + ANALYTICS_CHARTS
    for spec in ALL_CHARTS:
        assert chart(spec.key) is spec
        assert isinstance(spec, ChartSpec) and len(spec.tooltip) > 40 and "\n" not in spec.tooltip
    # Old charts: no targets (and ChartSpec still works with four positional fields).
    assert all(spec.targets is None and spec.default_target is None for spec in CHARTS)
    assert ChartSpec("k", "t", "tip", lambda fig, r, c: "").targets is None
    assert chart("worth_finding_out").targets is None
    assert chart("drivers_of_uncertainty").targets is insights.targets


def test_default_targets_are_the_decision_and_the_best_alternative(bundled_results):
    for results in bundled_results.values():
        comp = results.summary.comparison
        tor = chart("drivers_of_uncertainty")
        default = tor.default_target(results)
        assert default in tor.targets(results)
        assert default.is_pair and set(default.names) == {comp.best, comp.runner_up}
        src = chart("value_sources")
        assert src.default_target(results) == comp.best
        assert src.targets(results) == results.names


def test_stale_target_falls_back_to_the_default(bundled_results):
    results = bundled_results["erp-vs-production-line"]
    for key in ("drivers_of_uncertainty", "value_sources"):
        _, stale = draw(key, results, target=Target("Renamed alternative") if key == "drivers_of_uncertainty"
                        else "Renamed alternative")
        _, default = draw(key, results)
        assert stale == default


def test_charts_do_not_import_qt_or_pyplot():
    code = ("import sys; import ui.charts.tornado, ui.charts.worth_finding_out, ui.charts.value_sources, "
            "ui.charts; "
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'matplotlib.pyplot'))); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- Every chart, every target, every bundled scenario -------------------------------------

@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_bundled_scenarios_draw_every_target_with_a_finding(bundled_results, stem, key):
    results = bundled_results[stem]
    for target in targets_of(key, results):
        fig, finding = draw(key, results, target)
        check_finding(fig, finding)


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_tornado_bars_are_the_insights_bars_in_order(bundled_results, stem):
    results = bundled_results[stem]
    for target in insights.targets(results):
        fig, finding = draw("drivers_of_uncertainty", results, target)
        tor = insights.tornado(results, target)
        lows = patches(fig, "tornado-low:")
        highs = patches(fig, "tornado-high:")
        shown = [p.get_gid().split(":", 1)[1] for p in lows]
        assert shown == [str(b.input) for b in tor.bars][:len(shown)]
        assert [p.get_gid().split(":", 1)[1] for p in highs] == shown
        constant = np.ptp(insights.outcome(results, target)) == 0          # e.g. "Do nothing"
        assert (len(shown) == 0) if constant else (1 <= len(shown) <= tornado.TOP)
        for bar, low, high in zip(tor.bars, lows, highs):
            # Each bar runs from the overall mean to the decile mean.
            assert np.isclose(low.get_x(), min(tor.mean, bar.low_mean))
            assert np.isclose(low.get_width(), abs(bar.low_mean - tor.mean))
            assert np.isclose(high.get_width(), abs(bar.high_mean - tor.mean))
        shares = patches(fig, "share:")
        assert np.allclose([p.get_width() for p in shares], [b.variance_share for b in tor.bars[:len(shown)]])
        if shown:
            words = an.capitalised(an.input_words(tor.bars[0].input))
            # an item's own amount drops its "(alternative)" when the target is that alternative
            assert words in finding or words.removesuffix(f" ({target.label()})") + " drives the value of " + target.label() in finding


def test_tornado_finding_says_who_comes_out_ahead(bundled_results):
    results = bundled_results["erp-vs-production-line"]
    target = Target("ERP system", "New production line")
    _, finding = draw("drivers_of_uncertainty", results, target)
    top = insights.tornado(results, target).bars[0]
    assert finding.startswith("Line units drives the decision")
    assert top.input == V("line_units") and top.low_mean > 0 > top.high_mean
    assert "ERP system comes out ahead by" in finding and "New production line by" in finding


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_worth_finding_out_bars_are_the_evppi_values(bundled_results, stem):
    results = bundled_results[stem]
    fig, finding = draw("worth_finding_out", results)
    voi = insights.value_of_information(results)
    bars = patches(fig, "evppi:")
    assert bars
    assert [p.get_gid().split(":", 1)[1] for p in bars] == [str(v.input) for v in voi.inputs][:len(bars)]
    assert np.allclose([p.get_width() for p in bars], [v.value for v in voi.inputs[:len(bars)]])
    assert all(p.get_width() <= voi.evpi + 1e-6 for p in bars)
    # The ceiling (EVPI) is drawn and named.
    lines = [l for l in fig.axes[0].get_lines() if np.allclose(l.get_xdata(), voi.evpi)]
    assert lines
    assert st.plain(st.money(voi.evpi, results.scenario.currency)) in texts(fig)
    top = voi.inputs[0]
    if top.value > top.precision:
        assert finding.startswith(f"Knowing {an.input_words(top.input)} before deciding is worth about")


@pytest.mark.parametrize("stem", [p.stem for p in SCENARIOS])
def test_driver_stacks_add_up_to_pv_of_benefits_and_waterfall_to_npv(bundled_results, stem):
    results = bundled_results[stem]
    for target in results.names:
        fig, _ = draw("value_sources", results, target)
        for alt in results.alternatives:
            segments = patches(fig, f"driver:{alt.name}:")
            # The stacks hold the benefit items; PV of benefits also counts tax savings, working
            # capital released, resale and the value beyond the horizon, when a scenario has them.
            items = results.scenario.alternative(alt.name).items
            benefit_pv = sum(alt.item_pv[it.name] for it in items if it.kind == "benefit")
            if results.scenario.alternative(alt.name).is_staged:   # a pilot first: the tested project's benefits
                benefit_pv = alt.pv_benefits.mean()
            assert np.isclose(sum(p.get_width() for p in segments), benefit_pv, rtol=1e-9, atol=1e-3)
            plain = not results.scenario.tax_rate and all(it.kind != "working_capital" and it.residual_value is None
                                                          for it in items)
            if plain:
                assert np.isclose(benefit_pv, alt.pv_benefits.mean(), rtol=1e-9, atol=1e-3)
        # The waterfall chains from 0 through every step to the expected NPV.
        steps = sorted(patches(fig, "step:"), key=lambda p: p.get_y())     # top row first
        npv = results.alternative(target).npv.mean()
        if not steps:                                   # "do nothing": a note instead
            assert "has no costs, benefits or risks" in texts(fig)
            continue
        *moves, total = steps
        assert total.get_gid() == "step:total:Expected NPV"
        assert np.isclose(total.get_x() + total.get_width() if npv >= 0 else total.get_x(), npv, atol=1e-3)
        assert np.isclose(abs(total.get_width()), abs(npv), atol=1e-3)
        end = 0.0
        for p, row in zip(moves, value_sources.waterfall_rows(results, target, {})):
            lo, hi = p.get_x(), p.get_x() + p.get_width()
            start = hi if row.value < 0 else lo
            assert np.isclose(start, end, atol=1e-3)
            end = lo if row.value < 0 else hi
        assert np.isclose(end, npv, atol=1e-3)


def test_driver_colours_are_consistent_and_not_the_alternatives():
    drivers = ["margins", "our own driver", "cost reduction", insights.UNSPECIFIED]
    cols = value_sources.driver_colors(drivers)
    assert len(set(cols.values())) == len(drivers)
    assert not set(cols.values()) & set(OKABE_ITO)
    # A common driver keeps its colour whatever else the scenario has.
    assert value_sources.driver_colors(["cost reduction"])["cost reduction"] == cols["cost reduction"]


def test_value_sources_colours_each_driver_the_same_across_alternatives(bundled_results):
    results = bundled_results["cloud-vs-datacentre"]
    fig, finding = draw("value_sources", results)
    by_driver: dict[str, set] = {}
    for p in patches(fig, "driver:"):
        _, _, driver = p.get_gid().split(":", 2)
        by_driver.setdefault(driver, set()).add(p.get_facecolor())
    assert by_driver["cost reduction"] and all(len(c) == 1 for c in by_driver.values())
    assert "cost reduction" in finding
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert set(legend) == set(by_driver)


# --- Edge cases ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("case", list(CASES))
def test_edge_cases_draw_every_target_without_errors_or_warnings(cases, case, key):
    results = cases[case]
    choices = targets_of(key, results)
    if len(choices) > 16:      # eight alternatives: 28 pairs; every alternative and a few pairs do
        choices = choices[:12] + choices[-4:]
    for target in choices:
        fig, finding = draw(key, results, target)
        check_finding(fig, finding)


def test_one_alternative(cases):
    results = cases["one alternative"]
    fig, finding = draw("worth_finding_out", results)
    assert "no choice to inform" in finding and "no choice to inform" in texts(fig)
    assert not patches(fig, "evppi:")
    fig, finding = draw("drivers_of_uncertainty", results)
    assert finding.endswith("when high") and "ERP system" in finding    # its own tornado
    assert patches(fig, "tornado-low:")


def test_do_nothing_is_a_note_not_a_crash(cases):
    results = cases["with do nothing"]
    fig, finding = draw("drivers_of_uncertainty", results, Target("Do nothing"))
    assert "no input moves it" in finding and not patches(fig, "tornado-low:")
    fig, _ = draw("value_sources", results, "Do nothing")
    assert "Do nothing has no costs, benefits or risks" in texts(fig)
    assert "no benefits" in texts(fig)                    # its row in the driver stacks
    fig, _ = draw("drivers_of_uncertainty", results, Target("ERP system", "Do nothing"))
    assert patches(fig, "tornado-low:")


def test_no_uncertain_inputs(cases):
    results = cases["all fixed"]
    for target in insights.targets(results):
        fig, finding = draw("drivers_of_uncertainty", results, target)
        assert "fixed number" in finding and not patches(fig, "tornado-low:")
    fig, finding = draw("worth_finding_out", results)
    assert "every simulated future" in finding or "fixed number" in finding
    fig, finding = draw("value_sources", results)
    assert "Plan" in finding and patches(fig, "driver:")


def test_alternative_without_benefits(cases):
    results = cases["no benefits"]
    fig, finding = draw("value_sources", results, "Compliance upgrade")
    assert "Compliance upgrade" not in finding and "ERP system" not in finding or "driver" in finding
    kinds = [p.get_gid().split(":")[1] for p in sorted(patches(fig, "step:"), key=lambda p: p.get_y())]
    assert kinds == ["cost", "risk", "total"]
    assert "no benefits" in texts(fig)


def test_long_labels_are_shortened_to_two_lines(cases):
    results = cases["long labels"]
    for key in ("drivers_of_uncertainty", "worth_finding_out", "value_sources"):
        for target in targets_of(key, results):
            fig, _ = draw(key, results, target)
            for ax in fig.axes:
                for label in ax.get_yticklabels():
                    lines = label.get_text().split("\n")
                    assert len(lines) <= 2 and all(len(line) <= 34 for line in lines), lines
    fig, _ = draw("worth_finding_out", results)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(t.startswith("Licences, implementation") and "\u2026" in t for t in ticks), ticks
    assert any(t.startswith("Share of orders quoted") for t in ticks), ticks


def test_eight_alternatives(cases):
    results = cases["eight alternatives"]
    assert len(insights.targets(results)) == 8 + 28
    fig, _ = draw("value_sources", results)
    assert len(fig.axes[0].get_yticklabels()) == 8
    fig, _ = draw("drivers_of_uncertainty", results)
    assert patches(fig, "tornado-low:")
    fig, _ = draw("worth_finding_out", results)
    assert patches(fig, "evppi:")


def test_custom_colours_reach_labels_and_totals(bundled_results):
    results = bundled_results["erp-vs-production-line"]
    colors = {"ERP system": "#123456", "New production line": "#654321"}
    fig, _ = draw("value_sources", results, "ERP system", colors)
    total = patches(fig, "step:total:")[0]
    assert np.allclose(total.get_facecolor()[:3], [0x12 / 255, 0x34 / 255, 0x56 / 255])


def test_redrawing_a_figure_replaces_the_previous_chart(bundled_results):
    results = bundled_results["erp-vs-production-line"]
    fig = Figure(figsize=(14, 8))
    for spec in ANALYTICS_CHARTS + CHARTS[:1] + ANALYTICS_CHARTS:
        finding = spec.draw(fig, results, colors_for(results.names))
        render(fig)
        assert len(fig.axes) <= 2 and fig.get_suptitle().replace("\n", " ") == st.plain(finding)


# --- Speed ------------------------------------------------------------------------------

@pytest.mark.slow
def test_drawing_20k_futures_is_cheap():
    """Every target of every analytics chart draws well within 200 ms at 20,000 futures once
    the analyses are cached on the Results (the first draw pays for them). Generous bound:
    shared CI machines are slow."""
    r = run(load(ROOT / "scenarios" / "erp-vs-production-line.toml"), iterations=20_000)
    fig = Figure(figsize=(14, 8), dpi=100)
    canvas = FigureCanvasAgg(fig)
    for spec in ANALYTICS_CHARTS:
        for target in targets_of(spec.key, r):
            kwargs = {"target": target} if spec.targets else {}
            spec.draw(fig, r, colors_for(r.names), **kwargs)
            canvas.draw()
            best = np.inf
            for _ in range(5):
                t = time.perf_counter()
                spec.draw(fig, r, colors_for(r.names), **kwargs)
                best = min(best, time.perf_counter() - t)
            if os.environ.get("INVESTSIM_MEASURE"):  # speed targets live in make bench, not in tests
                assert best < 0.2, f"{spec.key} / {target}: {best * 1000:.0f} ms"
            artists = sum(len(ax.get_children()) for ax in fig.axes)
            assert artists < 250, f"{spec.key}: {artists} artists"
