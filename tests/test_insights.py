"""Decision analytics against closed forms and models whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from helpers import make
from simulator.model.keys import Target, item_input as I, variable as V
from simulator.analysis import insights
from simulator.sim.engine import run

EVPI_CASE = """
[variables]
x = { dist = "normal", mean = 100, sd = 300 }
unrelated = { dist = "uniform", min = 0, max = 1 }

[[alternatives]]
name = "Venture"
[[alternatives.items]]
name = "Payoff"
kind = "benefit"
amount = "x"
end_year = 1

[[alternatives]]
name = "Do nothing"
items = []
"""


def test_evpi_matches_the_normal_closed_form_and_evppi_is_bounded():
    # NPV of the venture = x (discount rate 0, one year); the other NPV is 0.
    res = run(make(EVPI_CASE, rate=0.0, iterations=200_000))
    m, s = 100.0, 300.0
    closed = s * stats.norm.pdf(m / s) - abs(m) * stats.norm.cdf(-abs(m) / s)
    evpi = res.summary.comparison.evpi
    assert evpi == pytest.approx(closed, rel=0.02)
    voi = insights.value_of_information(res)
    by_input = {v.input: v for v in voi.inputs}
    # knowing x is knowing everything
    assert by_input[V("x")].value == pytest.approx(closed, rel=0.05)
    # an input that touches nothing is worth (almost) nothing
    assert by_input[V("unrelated")].value <= by_input[V("unrelated")].precision + 0.01 * closed
    for v in voi.inputs:
        assert v.value <= evpi + v.precision
    assert voi.inputs[0].input == V("x") and "Knowing x" in voi.sentence


def test_tornado_order_is_known_by_construction():
    body = """
[variables]
a = { dist = "uniform", min = 0, max = 1 }
b = { dist = "uniform", min = 0, max = 1 }
c = { dist = "uniform", min = 0, max = 1 }

[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "300 * a + 200 * b + 100 * c"
end_year = 1
[[alternatives]]
name = "B"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "400 * c"
end_year = 1
"""
    res = run(make(body, rate=0.0, iterations=50_000))
    tor = insights.tornado(res, Target("A"))
    assert [bar.input for bar in tor.bars] == [V("a"), V("b"), V("c")]
    # swing = coefficient x (mean of top decile - mean of bottom decile) = coef x 0.9
    assert tor.bars[0].swing == pytest.approx(300 * 0.9, rel=0.02)
    assert tor.bars[2].swing == pytest.approx(100 * 0.9, rel=0.05)
    shares = [bar.variance_share for bar in tor.bars]
    assert sum(shares) == pytest.approx(1)
    assert shares[0] == pytest.approx(9 / 14, abs=0.03)  # rank correlations ~ coefficients for uniforms
    # the decision A vs B: c works against A (it is in B four times as strongly)
    # (A - B = 300 a + 200 b - 300 c: a and c tie for the largest swing, c with the opposite sign)
    pair = insights.tornado(res, Target("A", "B"))
    assert {bar.input for bar in pair.bars[:2]} == {V("a"), V("c")}
    c = next(bar for bar in pair.bars if bar.input == V("c"))
    assert c.high_mean < c.low_mean and c.swing == pytest.approx(300 * 0.9, rel=0.03)


DOMINANCE = """
[variables]
noise = { dist = "normal", mean = 0, sd = 50 }
wide = { dist = "normal", mean = 110, sd = 100 }
narrow = { dist = "normal", mean = 100, sd = 10 }

[[alternatives]]
name = "Base"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "100 + noise"
end_year = 1

[[alternatives]]
name = "Base plus"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "120 + noise"
end_year = 1

[[alternatives]]
name = "Sure thing"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = 103
end_year = 1

[[alternatives]]
name = "Steady"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "narrow"
end_year = 1

[[alternatives]]
name = "Gamble"
[[alternatives.items]]
name = "Gain"
kind = "benefit"
amount = "wide"
end_year = 1
"""


def test_dominance_on_constructed_pairs():
    res = run(make(DOMINANCE, rate=0.0, iterations=40_000))
    d = insights.dominance(res, "Base", "Base plus")
    assert d.first_order == "Base plus" and "never worse" in d.sentence
    d = insights.dominance(res, "Sure thing", "Base")
    assert d.first_order is None and d.second_order == "Sure thing"
    d = insights.dominance(res, "Steady", "Gamble")
    assert d.first_order is None and d.second_order is None
    assert d.sentence.startswith("Neither dominates") and "Gamble has the higher upside" in d.sentence


def test_by_driver_and_waterfall_add_up():
    from helpers import SCENARIOS
    from simulator.model.scenario import load

    res = run(load(SCENARIOS / "erp-vs-production-line.toml"), 5000)
    drivers = insights.by_driver(res)
    for alt in res.alternatives:
        assert sum(drivers[alt.name].values()) == pytest.approx(alt.pv_benefits.mean(), rel=1e-9)
        steps = insights.waterfall(res, alt.name)
        assert sum(s.value for s in steps) == pytest.approx(alt.npv.mean(), rel=1e-9)
        kinds = [s.kind for s in steps]
        assert kinds == sorted(kinds, key=["investment", "running_cost", "benefit", "risk"].index)
    assert set(drivers["ERP system"]) >= {"cost reduction", "margins", "speed to market"}


def test_break_even_is_confirmed_by_re_running():
    body = """
[variables]
demand = { low = 50, high = 150 }
price = { low = 8, high = 12 }

[[alternatives]]
name = "Expand"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 2000
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "demand * price"

[[alternatives]]
name = "Automate"
[[alternatives.items]]
name = "Build"
kind = "investment"
amount = 1500
[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = { low = 700, high = 900 }
"""
    res = run(make(body, iterations=20_000))
    be = insights.break_even(res)
    assert be.input == V("demand") and be.value is not None and be.low < be.value < be.high
    again = run(insights.fix_input(res.scenario, V("demand"), be.value), 20_000, res.seed)
    gap = again.alternative(be.a).npv.mean() - again.alternative(be.b).npv.mean()
    assert abs(gap) < 1e-3 * res.alternative("Expand").npv.std()
    # closed form: the other inputs are independent of demand, so level where
    # -2000 + demand * E[price] * A = -1500 + E[savings] * A, A = annuity factor at 10% for 5 years
    annuity = sum(1.1 ** -t for t in range(1, 6))
    expected = (500 / annuity + 800) / 10
    assert be.value == pytest.approx(expected, rel=0.01)
    assert "below" in be.sentence


def test_precision_and_run_until_precise():
    res = run(make(EVPI_CASE, rate=0.0, iterations=200))
    se = insights.standard_errors(res)
    venture = res.alternative("Venture").npv
    assert se["alternatives"]["Venture"]["npv_mean"] == pytest.approx(venture.std(ddof=1) / math.sqrt(200))
    assert any("Venture" in w for w in insights.precision_warnings(res))
    precise = insights.run_until_precise(make(EVPI_CASE, rate=0.0, iterations=1000), share=0.005, cap=100_000)
    assert precise.iterations >= 40_000
    s = precise.summary.alternative("Venture")
    assert s.npv.se <= 0.005 * s.npv.std


def test_json_sections_exist_for_every_alternative_and_the_leading_pairs():
    res = run(make(DOMINANCE, rate=0.0, iterations=3000))
    data = insights.to_json(res)
    assert set(data) >= {"pairs", "sensitivity", "evppi", "dominance", "by_driver", "standard_errors"}
    # Pairs: every pair among the three alternatives with the highest expected NPV (of five).
    means = {a.name: a.npv.mean() for a in res.alternatives}
    top3 = sorted(means, key=means.get, reverse=True)[:3]
    assert len(data["pairs"]) == 3 and all(set(p) <= set(top3) for p in data["pairs"])
    assert set(data["sensitivity"]) == set(res.names) | {f"{a} vs {b}" for a, b in data["pairs"]}
    assert [(d["a"], d["b"]) for d in data["dominance"]] == [tuple(p) for p in data["pairs"]]


def test_json_analytics_grow_linearly_with_the_alternatives():
    """Issue 13: every pair over every input made ``run --json`` grow with the cube of the
    alternatives. Doubling them now doubles the sensitivity rows and keeps the pairs at three."""
    import json
    import sys

    sys.path.insert(0, str(__import__("helpers").ROOT / "bench"))
    from json_alternatives import scenario_text

    from simulator.model.scenario import loads

    sizes = {}
    for k in (8, 16, 32):
        data = insights.to_json(run(loads(scenario_text(k)), 600))
        rows = sum(len(v) for v in data["sensitivity"].values())
        sizes[k] = (len(data["pairs"]), len(data["dominance"]), rows, len(json.dumps(data, default=str)))
    assert {s[0] for s in sizes.values()} == {3} and {s[1] for s in sizes.values()} == {3}
    # rows: each alternative's 2 shared variables and its own 2 uncertain amounts, plus the pairs'
    assert sizes[16][2] - sizes[8][2] == 8 * 4 and sizes[32][2] - sizes[16][2] == 16 * 4
    assert sizes[32][3] < 2.3 * sizes[16][3] < 2.3 ** 2 * sizes[8][3]


def test_an_items_evppi_matches_the_estimate_over_every_alternative():
    """An item's input moves its own alternative only, so its EVPPI needs that alternative's
    conditional means alone (linear in the alternatives). The full estimator, grouping every
    alternative, gives the same value within the stated precision."""
    body = """
[[alternatives]]
name = "Venture"
[[alternatives.items]]
name = "Payoff"
kind = "benefit"
amount = { dist = "normal", mean = 100, sd = 300 }
end_year = 1
[[alternatives]]
name = "Safe"
[[alternatives.items]]
name = "Payoff"
kind = "benefit"
amount = { dist = "normal", mean = 50, sd = 10 }
end_year = 1
"""
    res = run(make(body, rate=0.0, iterations=40_000))
    voi = insights.value_of_information(res)
    key = I("Venture", "Payoff")
    mine = next(v for v in voi.inputs if v.input == key)
    cache = insights._cache(res)
    npv = np.vstack([a.npv[:cache.n] for a in res.alternatives])
    k = insights._bins_for(npv.shape[1])
    groups = np.minimum((cache.ranks[key] * k).astype(np.intp), k - 1)
    full = insights._evppi_grouped(npv, groups, k)
    assert mine.value == pytest.approx(full, abs=2 * mine.precision + 0.5)
    # closed form: E[max(X, 50)] - max(E X, 50) for X ~ N(100, 300), the Safe one's noise aside
    m, s = 100.0 - 50.0, 300.0
    closed = s * stats.norm.pdf(m / s) - abs(m) * stats.norm.cdf(-abs(m) / s)
    assert mine.value == pytest.approx(closed, rel=0.05)


def test_value_of_information_is_computed_once_per_run_and_worded_per_locale(monkeypatch):
    """run --json quotes the values of information in the insights and in the recommendation,
    on two threads at once: computed once, the same values for both; the sentence follows the
    caller's number format."""
    import threading

    from simulator.analysis import formatting as fmt
    from simulator.analysis import recommendation

    res = run(make(EVPI_CASE, rate=0.0, iterations=20_000))
    calls = []
    compute = insights._information
    gate = threading.Event()

    def counted(results):
        calls.append(results)
        gate.wait(5)            # hold the first computation until the second caller asks
        return compute(results)

    monkeypatch.setattr(insights, "_information", counted)
    got = {}
    threads = [threading.Thread(target=lambda: got.setdefault("insights", insights.value_of_information(res))),
               threading.Thread(target=lambda: got.setdefault("decision", recommendation.decide(res)))]
    for t in threads:
        t.start()
    threading.Timer(0.2, gate.set).start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1
    voi = got["insights"]
    assert voi.inputs[0].input == V("x") and "decision" in got
    assert insights.value_of_information(res).inputs == voi.inputs and len(calls) == 1
    with fmt.use_locale("de"):
        german = insights.value_of_information(res).sentence
    with fmt.use_locale("en"):
        english = insights.value_of_information(res).sentence
    assert len(calls) == 1 and german != english and "Knowing x" in english


def test_an_outcomes_ranks_are_worked_out_once_for_every_tornado_of_it(monkeypatch):
    """The decision's tornado is drawn by the insights and by the break-evens (own inputs
    only): the outcome is ranked once, and the bars are those of a fresh computation."""
    res = run(make(EVPI_CASE, rate=0.0, iterations=30_000))
    target = Target("Venture", "Do nothing")
    fresh = insights.tornado(res, target)
    insights.CACHE.clear()
    calls = []
    ranks = insights._approx_ranks
    monkeypatch.setattr(insights, "_approx_ranks", lambda y: calls.append(1) or ranks(y))
    first = insights.tornado(res, target, own_only=True)
    again = insights.tornado(res, target)
    assert len(calls) == 1
    assert again == fresh and first.bars == tuple(b for b in fresh.bars if b.input in {x.input for x in first.bars})
    # Spearman's rho of x against the outcome (the venture's NPV is x itself), as scipy has it
    x = np.asarray(res.inputs[V("x")])[:30_000]
    y = insights.outcome(res, target)[:30_000]
    rho = stats.spearmanr(x, y).statistic
    assert next(b for b in again.bars if b.input == V("x")).rank_corr == pytest.approx(rho, abs=2e-3)
