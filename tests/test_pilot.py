"""Pilots ("test first, then decide"): closed forms, brute force, the delay, bad files.

The value of a pilot is checked against numbers computed independently of the engine:
- a normal prior with a normal measurement error and a payoff linear in the variable has a
  closed-form preposterior value (scipy.stats);
- a perfect reading is worth the EVPI of that variable (a closed form again);
- small discrete models are enumerated exactly (every value and every error);
- a delay multiplies the project's value by the discount factor of the wait, exactly.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from simulator.analysis.pilot import pilot_facts, pilot_paragraph, threshold_text
from simulator.model.scenario import ScenarioError, dumps, loads
from simulator.sim.engine import run
from simulator.sim.staging import shift

Z90 = stats.norm.ppf(0.95)


def _scenario(*, units: str, pilot: str, benefit: str = '"units * 20"', invest: float = 2_000_000,
              horizon: int = 5, rate: float = 0.08, iterations: int = 40_000, extra: str = "") -> str:
    return f"""
format = 1
title = "Pilot"
horizon_years = {horizon}
discount_rate = {rate}
iterations = {iterations}
seed = 11

[variables]
units = {units}
{extra}

[[alternatives]]
name = "Launch"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = {invest}
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = {benefit}

[[alternatives]]
name = "Test first"
stage_of = "Launch"
pilot = {pilot}
"""


def _annuity(rate: float, years: int) -> float:
    return sum((1 + rate) ** -t for t in range(1, years + 1))


def _preposterior(a: float, b: float, mu: float, sigma: float, tau: float) -> float:
    """E[max(0, E[a + bX | X + e])] for X ~ N(mu, sigma), e ~ N(0, tau): the posterior mean
    of a + bX is normal with mean a + b mu and sd |b| sigma^2 / sqrt(sigma^2 + tau^2)."""
    m = a + b * mu
    s = abs(b) * sigma ** 2 / math.sqrt(sigma ** 2 + tau ** 2)
    return m * stats.norm.cdf(m / s) + s * stats.norm.pdf(m / s)


@pytest.mark.parametrize("tau_half_width", [5_000, 15_000, 40_000])
def test_normal_prior_normal_error_matches_preposterior_value(tau_half_width):
    text = _scenario(units="{ low = 10_000, high = 40_000 }",
                     pilot=f'{{ cost = 50_000, reveals = ["units"], error = {{ low = -{tau_half_width}, '
                           f'high = {tau_half_width} }} }}')
    results = run(loads(text))
    (f,) = pilot_facts(results)
    mu, sigma, tau = 25_000, 15_000 / Z90, tau_half_width / Z90
    b = 20 * _annuity(0.08, 5)
    a = -2_000_000
    expected = _preposterior(a, b, mu, sigma, tau) - 50_000 - max(0.0, a + b * mu)
    assert f.best_without is None       # Launch loses a little on average: doing nothing is best
    assert abs(f.value - expected) < 4 * f.value_se + 0.01 * abs(expected), (f.value, expected, f.value_se)
    assert f.break_even_cost == pytest.approx(f.value + 50_000)
    # the go / no-go threshold: E[X | r] = mu + k (r - mu) crosses -a / b
    k = sigma ** 2 / (sigma ** 2 + tau ** 2)
    r_star = mu + (-a / b - mu) / k
    (t,) = f.thresholds
    assert t.direction == "above"
    # its precision: the fitted line's error at the threshold, over the slope there (a spline
    # is less sure than a straight line: twice that, and four standard errors)
    se = sigma * math.sqrt(1 - k) / (k * math.sqrt(results.iterations / 2))
    assert t.value == pytest.approx(r_star, abs=8 * se + 0.005 * sigma)
    # chance of going ahead: P(r > r*) with r ~ N(mu, sqrt(sigma^2 + tau^2))
    assert f.chance_go == pytest.approx(stats.norm.sf(r_star, mu, math.hypot(sigma, tau)), abs=0.01)


def test_perfect_reading_is_worth_the_evpi_of_that_variable():
    text = _scenario(units="{ low = 10_000, high = 40_000 }", pilot='{ cost = 0, reveals = ["units"] }',
                     invest=1_500_000)
    results = run(loads(text))
    (f,) = pilot_facts(results)
    mu, sigma = 25_000, 15_000 / Z90
    b, a = 20 * _annuity(0.08, 5), -1_500_000
    m, s = a + b * mu, b * sigma
    evpi = m * stats.norm.cdf(m / s) + s * stats.norm.pdf(m / s) - max(0.0, m)
    assert f.best_without == "Launch"
    assert f.value == pytest.approx(evpi, rel=0.03)
    # a perfect reading: it goes ahead exactly in the futures where the project pays
    info = results.staging["Test first"]
    launch = np.asarray(results.alternative("Launch").npv)
    assert np.mean(info.go == (launch > 0)) > 0.995


def test_discrete_model_matches_enumeration():
    values, weights = [10_000, 20_000, 30_000, 45_000], [0.3, 0.3, 0.25, 0.15]
    errors, eweights = [-10_000, 0, 10_000], [0.25, 0.5, 0.25]
    units = f'{{ dist = "discrete", values = {values}, weights = {weights} }}'
    pilot = (f'{{ cost = 20_000, reveals = ["units"], error = {{ dist = "discrete", values = {errors}, '
             f'weights = {eweights} }} }}')
    text = _scenario(units=units, pilot=pilot, invest=2_400_000)
    results = run(loads(text))
    (f,) = pilot_facts(results)
    b, a = 20 * _annuity(0.08, 5), -2_400_000
    # enumerate every (value, error): the reading, its chance, and the NPV
    by_reading: dict[float, list[tuple[float, float]]] = {}
    for (x, p), (e, q) in itertools.product(zip(values, weights), zip(errors, eweights)):
        by_reading.setdefault(x + e, []).append((p * q, a + b * x))
    with_test = sum(max(0.0, sum(p * v for p, v in cell)) for cell in by_reading.values())
    without = max(0.0, sum(p * (a + b * x) for x, p in zip(values, weights)))
    exact = with_test - 20_000 - without
    assert f.value == pytest.approx(exact, rel=0.02, abs=3 * f.value_se)
    go_exact = sum(sum(p for p, _ in cell) for cell in by_reading.values() if sum(p * v for p, v in cell) > 0)
    assert f.chance_go == pytest.approx(go_exact, abs=0.01)
    assert f.fit_method == "cells"


def test_a_pilot_that_cannot_change_the_decision_is_worth_minus_its_cost():
    # the project pays in every future: the test can only cost money
    text = _scenario(units="{ low = 30_000, high = 40_000 }", pilot='{ cost = 70_000, reveals = ["units"] }',
                     invest=1_000_000, iterations=5_000)
    (f,) = pilot_facts(run(loads(text)))
    assert f.chance_go == 1.0
    assert f.value == pytest.approx(-70_000, abs=1e-6 * 1e6)
    assert f.break_even_cost == pytest.approx(0.0, abs=1.0)
    assert threshold_text(f).startswith("The test's reading of units never stops it")
    assert pilot_paragraph([f], "USD").startswith("Decide now")


def test_delay_keeps_the_full_project_and_discounts_it():
    # fixed amounts: every future the same, the project pays; a 2-year test
    text = _scenario(units="{ low = 30_000, high = 40_000 }", pilot='{ cost = 10_000, reveals = ["units"], years = 2 }',
                     invest=1_000_000, iterations=2_000)
    results = run(loads(text))
    launch = results.alternative("Launch")
    staged = results.alternative("Test first")
    d = 1.08 ** -2
    # the whole project, two years later: NPV times the discount factor of the wait (not cut short)
    np.testing.assert_allclose(staged.npv, -10_000 + np.asarray(launch.npv) * d, rtol=1e-12)
    # the yearly cash tells the same: years 4 and 5 of the project fall after the 5-year horizon
    # and are valued in year 5; discounting the yearly cash gives the NPV
    disc = 1.08 ** -np.arange(6)
    np.testing.assert_allclose(np.asarray(staged.cash, dtype=float) @ disc, staged.npv, rtol=1e-5)
    assert np.all(np.asarray(staged.cash)[:, 1:2] == 0)     # nothing happens while the test runs
    np.testing.assert_allclose(staged.cash[:, 2], launch.cash[:, 0], rtol=1e-6)   # the investment, 2 years on


def test_shift_values_late_years_in_the_horizon_year():
    cash = np.array([[-100.0, 10, 20, 30, 40]])
    out = shift(cash, 2, 0.1)
    late = 30 / 1.1 + 40 / 1.1 ** 2     # years 3 and 4 of the project land in 5 and 6
    np.testing.assert_allclose(out, [[0, 0, -100, 10, 20 + late]])
    disc = 1.1 ** -np.arange(5)
    assert out @ disc == pytest.approx(cash @ disc * 1.1 ** -2)
    far = shift(cash, 7, 0.1)        # the whole project after the horizon
    assert far @ disc == pytest.approx(cash @ disc * 1.1 ** -7)


def test_several_revealed_variables():
    text = _scenario(units="{ low = 10_000, high = 40_000 }", benefit='"units * price"',
                     pilot='{ cost = 10_000, reveals = ["units", "price"], error = { low = -1, high = 1 } }',
                     extra="price = { low = 15, high = 25 }", iterations=20_000)
    (f,) = pilot_facts(run(loads(text)))
    assert [t.variable for t in f.thresholds] == ["units", "price"]
    assert all(t.direction == "above" for t in f.thresholds)
    assert "readings together" in threshold_text(f)
    assert f.value > 0


def test_round_trip_keeps_the_pilot_keys():
    text = _scenario(units="{ low = 10_000, high = 40_000 }",
                     pilot='{ cost = { low = 40_000, high = 60_000 }, reveals = ["units"], error = { low = -5_000, '
                           'high = 5_000 }, years = 1 }')
    scenario = loads(text)
    again = loads(dumps(scenario, text))
    assert again == scenario
    fresh = loads(dumps(scenario))
    assert fresh == scenario
    assert 'stage_of = "Launch"' in dumps(scenario)


@pytest.mark.parametrize(("pilot", "stage_of", "field", "words"), [
    ('{ cost = 1, reveals = ["units"] }', "Lanuch", "alternatives[1].stage_of", "did you mean"),
    ('{ cost = 1, reveals = ["units"] }', "Test first", "alternatives[1].stage_of", "cannot test"),
    ('{ cost = 1, reveals = ["unit"] }', "Launch", "alternatives[1].pilot.reveals[0]", "not a variable"),
    ('{ cost = 1, reveals = ["fixed"] }', "Launch", "alternatives[1].pilot.reveals[0]", "not uncertain"),
    ('{ cost = 1, reveals = ["units"], years = -1 }', "Launch", "alternatives[1].pilot.years", "at least 0"),
    ('{ cost = -5, reveals = ["units"] }', "Launch", "alternatives[1].pilot.cost", "negative"),
    ('{ reveals = ["units"] }', "Launch", "alternatives[1].pilot.cost", "missing"),
    ('{ cost = 1, reveals = [] }', "Launch", "alternatives[1].pilot.reveals", "list of variable names"),
    ('{ cost = 1, reveals = ["units"], eror = 3 }', "Launch", "alternatives[1].pilot.eror", "did you mean"),
    ('{ cost = "units * 2", reveals = ["units"] }', "Launch", "alternatives[1].pilot.cost", "formula"),
])
def test_bad_pilots_name_the_field(pilot, stage_of, field, words):
    text = _scenario(units="{ low = 10_000, high = 40_000 }", pilot=pilot, extra="fixed = 3")
    text = text.replace('stage_of = "Launch"', f'stage_of = "{stage_of}"')
    with pytest.raises(ScenarioError) as err:
        loads(text)
    messages = {p.path: p.message for p in err.value.problems}
    assert field in messages, messages
    assert words in messages[field]


def test_a_pilot_of_a_staged_alternative_is_refused():
    text = _scenario(units="{ low = 10_000, high = 40_000 }", pilot='{ cost = 1, reveals = ["units"] }')
    text += '\n[[alternatives]]\nname = "Test twice"\nstage_of = "Test first"\npilot = { cost = 1, reveals = ["units"] }\n'
    with pytest.raises(ScenarioError) as err:
        loads(text)
    (problem,) = err.value.problems
    assert problem.path == "alternatives[2].stage_of" and "itself a staged alternative" in problem.message


def test_stage_of_without_pilot_and_items_on_a_staged_alternative():
    base = _scenario(units="{ low = 10_000, high = 40_000 }", pilot='{ cost = 1, reveals = ["units"] }')
    with pytest.raises(ScenarioError) as err:
        loads(base.replace('pilot = { cost = 1, reveals = ["units"] }', ""))
    assert "alternatives[1].pilot" in {p.path for p in err.value.problems}
    with_items = base + '[[alternatives.items]]\nname = "x"\nkind = "investment"\namount = 1\n'
    with pytest.raises(ScenarioError) as err:
        loads(with_items)
    assert "alternatives[1].items" in {p.path for p in err.value.problems}


def test_command_line_bad_file_exits_2_and_json_has_the_pilot(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(_scenario(units="{ low = 10_000, high = 40_000 }", pilot='{ cost = 1, reveals = ["unit"] }'))
    proc = subprocess.run([sys.executable, "-m", "cli.main", "run", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "pilot.reveals[0]" in proc.stderr and "Traceback" not in proc.stderr
    good = tmp_path / "good.toml"
    good.write_text(_scenario(units="{ low = 10_000, high = 40_000 }",
                              pilot='{ cost = 50_000, reveals = ["units"] }', iterations=2_000))
    proc = subprocess.run([sys.executable, "-m", "cli.main", "run", "--json", str(good)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    (p,) = json.loads(proc.stdout)["pilots"]
    assert p["tests"] == "Launch" and p["threshold"][0]["direction"] == "above"
    assert 0 < p["chance_go_ahead"] < 1 and p["break_even_cost"] == pytest.approx(p["value_of_pilot"] + 50_000)
    text = subprocess.run([sys.executable, "-m", "cli.main", "run", str(good)], capture_output=True,
                          text=True).stdout
    assert "Value of the pilot" in text and "break-even" in text


def test_what_if_reaches_the_pilots_cost_and_error():
    from simulator.model.keys import input_label
    from simulator.workshop import whatif

    text = _scenario(units="{ low = 10_000, high = 40_000 }",
                     pilot='{ cost = { low = 40_000, high = 60_000 }, reveals = ["units"], error = { low = -5_000, '
                           'high = 5_000 } }', iterations=4_000)
    scenario = loads(text)
    keys = [k for k in whatif.inputs(scenario) if k.field in ("pilot_cost", "pilot_error")]
    assert [input_label(k) for k in keys] == ["Test first / pilot: cost", "Test first / pilot: reading error"]
    cost, error = keys
    dearer = whatif.shift_input(scenario, cost, 0.5)
    assert whatif.spread90(whatif.get_amount(dearer, cost)) == pytest.approx((60_000, 90_000))
    # the error widens around zero (a less precise test), it is never moved (a biased one)
    vaguer = whatif.shift_input(scenario, error, 1.0)
    assert whatif.spread90(whatif.get_amount(vaguer, error)) == pytest.approx((-10_000, 10_000))
    assert whatif.implied_shift(whatif.get_amount(scenario, error), whatif.get_amount(vaguer, error),
                                scale=whatif.scales(error)) == pytest.approx(1.0)
    # and the run sees it: a vaguer test is worth less; a dearer one costs exactly its extra cost
    (base,) = pilot_facts(run(scenario))
    (vague,) = pilot_facts(run(vaguer))
    (dear,) = pilot_facts(run(dearer))
    assert vague.value < base.value
    assert dear.value == pytest.approx(base.value - 25_000, abs=1.0)
    assert loads(dumps(vaguer)) == vaguer


def test_waterfall_of_a_staged_alternative_sums_to_its_npv_after_tax():
    from simulator.analysis.insights import waterfall

    text = _scenario(units="{ low = 10_000, high = 40_000 }", pilot='{ cost = 50_000, reveals = ["units"], years = 1 }',
                     iterations=4_000).replace("seed = 11", "seed = 11\ntax_rate = 0.25")
    results = run(loads(text))
    steps = waterfall(results, "Test first")
    assert [s.label for s in steps] == ["Pilot", "Launch (if it goes ahead)"]
    assert sum(s.value for s in steps) == pytest.approx(float(np.mean(results.alternative("Test first").npv)))
