"""The engine against worked examples, closed forms and independent implementations."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import numpy_financial as npf
import pytest
from scipy import stats

from helpers import bundled_files, make
from simulator.sim.engine import BLOCK, run
from simulator.model.errors import Cancelled
from simulator.model.keys import variable as V

FIXED = """
[baseline]
revenue = 1000
operating_margin = 0.1

[[alternatives]]
name = "Plant"

[[alternatives.items]]
name = "Machine"
kind = "investment"
amount = 100
life_years = 5

[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = 30
"""


def test_fixed_case_matches_hand_calculation():
    s = make(FIXED, iterations=50)
    r = run(s).alternatives[0]
    cash = [-100, 30, 30, 30, 30, 30]
    assert np.allclose(r.cash, cash)
    assert np.allclose(r.npv, npf.npv(0.1, cash))
    assert np.allclose(r.irr, npf.irr(cash))
    assert np.allclose(r.payback, 3 + 10 / 30)          # -100, -70, -40, -10, +20: turns in year 4
    assert np.allclose(r.pv_costs, 100)
    assert np.allclose(r.roi, (npf.npv(0.1, [0] + cash[1:]) - 100) / 100)
    # margin: profit +30 saving - 20 depreciation = +10 on revenue 1000 -> 11% vs 10%: +1.0 pp every year
    assert np.allclose(r.margin_pp, 1.0)


def test_revenue_benefit_ramp_growth_and_late_investment():
    body = """
[baseline]
revenue = 1000
operating_margin = 0.1
revenue_growth = 0.5

[[alternatives]]
name = "Campaign"

[[alternatives.items]]
name = "Sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.4
amount = 100
start_year = 2
ramp_years = 2
growth = 0.1

[[alternatives.items]]
name = "Kit"
kind = "investment"
year = 2
amount = 60
life_years = 2
"""
    s = make(body, horizon=4, iterations=20)
    r = run(s).alternatives[0]
    sales = np.array([0, 0, 100 * 0.5, 100 * 1.0 * 1.1, 100 * 1.1 ** 2])  # years 0..4
    cash = 0.4 * sales
    cash[2] -= 60
    assert np.allclose(r.cash[0], cash)
    base_rev = 1000 * 1.5 ** np.arange(1, 5)
    profit = 0.4 * sales[1:] - np.array([0, 0, 30, 30])      # depreciation in years 3 and 4
    expected = ((0.1 * base_rev + profit) / (base_rev + sales[1:]) - 0.1) * 100
    assert np.allclose(r.margin_pp[0], expected)


def test_analytic_normal_npv():
    """Independent normal yearly cash flows: NPV is normal with a known mean and sd."""
    body = """
[[alternatives]]
name = "A"

[[alternatives.items]]
name = "Up-front"
kind = "investment"
amount = 250

[[alternatives.items]]
name = "Flows"
kind = "benefit"
vary = "yearly"
amount = { dist = "normal", mean = 80, sd = 30 }
"""
    n = 40_000
    r = run(make(body, iterations=n, rate=0.08)).alternatives[0]
    df = 1.08 ** -np.arange(1, 6)
    mean, sd = -250 + 80 * df.sum(), 30 * np.sqrt((df ** 2).sum())
    assert abs(r.npv.mean() - mean) < 4 * sd / np.sqrt(n)
    assert r.npv.std() == pytest.approx(sd, rel=0.02)
    # and the whole distribution is that normal
    assert stats.kstest(r.npv, "norm", args=(mean, sd)).pvalue > 1e-3


def test_risk_happens_with_its_probability_each_year():
    body = """
[[alternatives]]
name = "A"

[[alternatives.items]]
name = "Outage"
kind = "risk"
probability = 0.2
amount = 1000
"""
    n = 20_000
    r = run(make(body, iterations=n)).alternatives[0]
    hits = r.cash[:, 1:] < 0
    assert hits.mean() == pytest.approx(0.2, abs=0.01)
    # independent from year to year
    assert np.corrcoef(hits[:, 0], hits[:, 1])[0, 1] == pytest.approx(0, abs=0.03)
    assert set(np.unique(r.cash[:, 1:])) <= {0.0, -1000.0}


def test_formulas_use_variables_per_future():
    body = """
[variables]
units = { dist = "uniform", min = 10, max = 20 }
price = 3
volume = "units * price"

[[alternatives]]
name = "A"

[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "volume"
end_year = 1
"""
    res = run(make(body, iterations=1000))
    units = res.inputs[V("units")]
    assert np.allclose(res.alternatives[0].cash[:, 1], units * 3)
    assert units.min() >= 10 and units.max() <= 20


def test_do_nothing_is_a_real_alternative():
    body = FIXED + '\n[[alternatives]]\nname = "Do nothing"\nitems = []\n'
    res = run(make(body, iterations=100))
    nothing = res.alternative("Do nothing")
    assert np.all(nothing.npv == 0)
    assert np.all(np.isnan(nothing.irr)) and np.all(np.isnan(nothing.roi))
    s = res.summary.alternative("Do nothing")
    assert s.roi_mean is None and s.irr_p50 is None and s.prob_loss == 0


UNCERTAIN = """
[baseline]
revenue = 5e6
operating_margin = 0.12

[variables]
units = { low = 1000, high = 3000 }
price = { dist = "lognormal", low = 5, high = 9 }
share = { dist = "pert", min = 0.1, mode = 0.2, max = 0.5 }

[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = { dist = "triangular", min = 5000, mode = 6000, max = 9000 }
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "units * price * share"
[[alternatives.items]]
name = "Outage"
kind = "risk"
probability = 0.1
amount = { low = 500, high = 1500 }
vary = "yearly"

[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 4000
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = { low = 600, high = 1600 }

[[correlations]]
between = ["units", "price"]
rank = -0.6

[[correlations]]
between = ["units", "share"]
rank = 0.4
"""


def test_same_seed_same_numbers_whatever_the_chunk_size():
    s = make(UNCERTAIN)
    n = 2 * BLOCK + 1234
    first = run(s, n, 5, chunk_blocks=1)
    for chunk_blocks in (2, 7):
        other = run(s, n, 5, chunk_blocks=chunk_blocks)
        for a, b in zip(first.alternatives, other.alternatives):
            assert np.array_equal(a.npv, b.npv)
            assert np.array_equal(a.cash, b.cash)
            assert np.array_equal(a.margin_pp, b.margin_pp)
            assert np.array_equal(a.irr, b.irr, equal_nan=True)
    different = run(s, n, 6)
    assert not np.array_equal(first.alternatives[0].npv, different.alternatives[0].npv)


def test_changing_one_input_leaves_the_others_draws_alone():
    from dataclasses import replace

    s = make(UNCERTAIN)
    before = run(s, 5000)
    alt_b = s.alternatives[1]
    bigger = replace(alt_b, items=(replace(alt_b.items[0], amount=5000.0), alt_b.items[1]))
    after = run(replace(s, alternatives=(s.alternatives[0], bigger)), 5000)
    assert np.array_equal(before.alternatives[0].npv, after.alternatives[0].npv)
    assert np.allclose(after.alternatives[1].npv, before.alternatives[1].npv - 1000)


def test_rank_correlations_are_achieved():
    res = run(make(UNCERTAIN), 20_000)
    rho = stats.spearmanr(res.inputs[V("units")], res.inputs[V("price")]).statistic
    assert rho == pytest.approx(-0.6, abs=0.03)
    rho = stats.spearmanr(res.inputs[V("units")], res.inputs[V("share")]).statistic
    assert rho == pytest.approx(0.4, abs=0.03)
    rho = stats.spearmanr(res.inputs[V("price")], res.inputs[V("share")]).statistic
    assert abs(rho) < 0.05


def test_ranges_cover_ninety_percent_in_results():
    res = run(make(UNCERTAIN), 20_000)
    units = res.inputs[V("units")]
    assert np.mean(units < 1000) == pytest.approx(0.05, abs=0.01)
    assert np.mean(units > 3000) == pytest.approx(0.05, abs=0.01)


def test_progress_and_cancel():
    s = make(UNCERTAIN)
    seen = []
    run(s, 3 * BLOCK, progress=lambda done, total: seen.append((done, total)), workers=1)
    assert [d for d, _ in seen] == [BLOCK, 2 * BLOCK, 3 * BLOCK]
    seen.clear()
    run(s, 5 * BLOCK + 7, progress=lambda done, total: seen.append((done, total)), workers=2)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 5 * BLOCK + 7 and all(t == 5 * BLOCK + 7 for _, t in seen)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled):
        run(s, 3 * BLOCK, cancel=cancel, workers=1)
    assert len(calls) == 2


def test_comparison_matches_definitions():
    res = run(make(UNCERTAIN), 10_000)
    a, b = (x.npv for x in res.alternatives)
    comp = res.summary.comparison
    assert comp.prob_beats["A"]["B"] == pytest.approx(np.mean(a > b))
    assert comp.prob_best["A"] + comp.prob_best["B"] == pytest.approx(1)
    assert comp.evpi == pytest.approx(np.maximum(a, b).mean() - max(a.mean(), b.mean()))
    assert comp.expected_regret["B"] == pytest.approx(np.mean(np.maximum(a, b) - b))
    assert comp.evpi >= 0


def test_engine_never_imports_qt_or_matplotlib():
    code = textwrap.dedent("""
        import sys
        import pkgutil, simulator
        for info in pkgutil.walk_packages(simulator.__path__, "simulator."):
            __import__(info.name)
        app = [m for m in sys.modules if m.split('.')[0] in ('ui', 'cli', 'PySide6', 'matplotlib')]
        assert not app, app
        from cli.main import main
        main(["validate", sys.argv[1]])
        bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'matplotlib', 'PyQt5', 'PyQt6', 'scipy')]
        assert not bad, bad
    """)
    out = subprocess.run([sys.executable, "-c", code, str(bundled_files()[0])], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_a_run_too_big_for_the_memory_is_refused_with_what_to_lower(monkeypatch):
    from simulator.sim import engine
    from simulator.model.errors import ScenarioError

    monkeypatch.setattr(engine, "available_memory", lambda: 200 * 2**20)  # 200 MB free
    with pytest.raises(ScenarioError) as info:
        run(make(UNCERTAIN), 5_000_000)
    message = str(info.value)
    assert "iterations" in message and "lower the iterations to" in message and "GB" in message
    run(make(UNCERTAIN), 2_000)  # a small run still goes ahead


def test_one_year_horizon_and_a_single_future_summarise():
    body = """
[baseline]
revenue = 100
operating_margin = 0.1
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "x"
kind = "benefit"
amount = { low = 1, high = 2 }
"""
    s = make(body, horizon=1, iterations=10)
    for n in (1, 10):
        summary = run(s, n).summary
        assert summary.alternatives[0].cumulative_cash[0].year == 0
        assert len(summary.alternatives[0].margin_pp) == 1


RISKS = """
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Outage"
kind = "risk"
probability = 0.1
amount = { dist = "pert", min = 500, mode = 800, max = 2000 }
vary = "yearly"
[[alternatives.items]]
name = "Breach"
kind = "risk"
probability = "0.05"
amount = { dist = "lognormal", low = 2000, high = 9000 }
vary = "yearly"
[[alternatives.items]]
name = "Fine"
kind = "risk"
probability = 0.3
amount = { dist = "gamma", mean = 300, sd = 200 }
vary = "yearly"
[[alternatives.items]]
name = "Strike"
kind = "risk"
probability = 0.2
amount = { dist = "discrete", values = [100, 400] }
vary = "yearly"
"""


def test_yearly_risk_amounts_drawn_only_where_they_happen_are_the_full_draws(monkeypatch):
    """A yearly risk's amount is mapped through its distribution only in the years the risk
    happens; the futures are the ones a draw of every year gives, bit for bit."""
    from simulator.model import distributions as D
    s = make(RISKS)
    n = BLOCK + 777
    sparse = run(s, n, 11)
    for kind in (D.Pert, D.Range90, D.LogNormal, D.Discrete):
        monkeypatch.setattr(kind, "elementwise", False)
    full = run(s, n, 11)
    a, b = sparse.alternatives[0], full.alternatives[0]
    assert np.array_equal(a.cash, b.cash) and np.array_equal(a.npv, b.npv)
    # and the yearly expected loss is each chance times its mean amount (closed forms)
    pert_mean = (500 + 4 * 800 + 2000) / 6
    z = stats.norm.ppf(0.95)
    mu, sigma = (np.log(2000) + np.log(9000)) / 2, (np.log(9000) - np.log(2000)) / (2 * z)
    expected = 0.1 * pert_mean + 0.05 * np.exp(mu + sigma ** 2 / 2) + 0.3 * 300 + 0.2 * 250
    loss = -a.cash[:, 1:]
    assert loss.mean() == pytest.approx(expected, rel=0.03)


def test_distributions_declared_elementwise_map_each_uniform_alone():
    from simulator.model.distributions import from_spec
    rng = np.random.default_rng(3)
    u = rng.random((50_000, 3))
    u[0, 0], u[1, 1] = 0.0, 1.0
    mask = rng.random(u.shape) < 0.1
    specs = [{"dist": "normal", "mean": 1.5, "sd": 2.0}, {"dist": "lognormal", "low": 2, "high": 50},
             {"dist": "uniform", "min": 0, "max": 1, "cap": 0.9}, {"dist": "triangular", "min": 0, "mode": 1, "max": 4},
             {"dist": "pert", "min": 1, "mode": 2, "max": 4}, {"dist": "bernoulli", "p": 0.25},
             {"dist": "discrete", "values": [3.0, 1.0, 2.0]}, {"low": 20_000, "high": 150_000},
             {"dist": "beta", "a": 1.5, "b": 7}, {"dist": "poisson", "mean": 3},
             {"dist": "gamma", "mean": 1, "sd": 3}]
    flagged = set()
    for spec in specs:
        d = from_spec(spec)
        if d.elementwise:
            assert np.array_equal(d.ppf(u)[mask].view(np.int64), d.ppf(u[mask]).view(np.int64)), spec
        else:
            flagged.add(d.kind)
    assert flagged == {"gamma"}     # its quantile iterates until a whole block converges
