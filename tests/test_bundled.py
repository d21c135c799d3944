"""Every bundled scenario loads, runs at its own settings and tells a sensible story."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import bundled_files
from simulator.sim.engine import run
from simulator.model.scenario import dumps, load, loads


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.stem)
def test_bundled_scenario_runs_and_reads_well(path):
    scenario = load(path)
    assert scenario.description and len(scenario.alternatives) >= 2
    for alt in scenario.alternatives:
        for item in alt.items:
            if item.kind in ("investment", "benefit"):
                assert item.note, f"{alt.name} / {item.name} has no note on where its figure comes from"
    results = run(scenario)
    assert results.iterations == scenario.iterations
    summary = results.summary
    for a in summary.alternatives:
        assert math.isfinite(a.npv.mean) and a.npv.p10 <= a.npv.p50 <= a.npv.p90
        assert 0 <= a.prob_loss <= 1
    invested = [a for a in summary.alternatives if a.pv_costs > 0]
    # the decision is genuinely open: every real alternative can lose money and can win
    for a in invested:
        assert 0.01 < a.prob_loss < 0.6, (a.name, a.prob_loss)
        if scenario.portfolio is None:  # a portfolio's projects are funded together, not picked one of
            assert summary.comparison.prob_best[a.name] > 0.05, a.name
    assert summary.verdict.endswith(".")
    for alt in results.alternatives:
        assert np.isfinite(alt.npv).all() and np.isfinite(alt.cash).all()


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.stem)
def test_bundled_scenario_saves_back_unchanged(path):
    scenario = load(path)
    text = path.read_text(encoding="utf-8")
    assert dumps(scenario, text) == text             # over its own file: byte for byte
    assert loads(dumps(scenario)) == scenario        # written afresh: the same scenario


def test_bundled_pilot_is_worth_running():
    """The bundled pilot case: testing the market before building the line beats building now
    (and doing nothing), by more than the simulation's precision, and the trial costs less than
    it is worth; the go / no-go threshold lies inside the sales forecast's range."""
    from helpers import SCENARIOS
    from simulator.analysis.pilot import pilot_facts

    scenario = load(SCENARIOS / "production-line-pilot.toml")
    (f,) = pilot_facts(run(scenario))
    assert f.target == "Build the line now" and f.reveals == ("line_units",) and f.years == 1
    assert f.best_without == "Build the line now"
    assert f.value > 4 * f.value_se > 0
    assert f.cost < f.break_even_cost
    assert 0.3 < f.chance_go < 0.8
    (t,) = f.thresholds
    assert t.direction == "above" and 13_000 < t.value < 33_000
