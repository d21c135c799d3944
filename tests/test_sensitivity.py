"""Break-even values and the expected yearly cash of the sensitivity board against independent
computations: scipy's least-squares line, numpy.percentile and a float64 mean of the yearly cash."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers import make
from simulator.analysis import sensitivity
from simulator.analysis.insights import outcome
from simulator.model.keys import Target
from simulator.sim.engine import run

CASE = """
[variables]
x = { dist = "normal", mean = 100, sd = 300 }
y = { dist = "uniform", min = 0, max = 50 }

[[alternatives]]
name = "Venture"
[[alternatives.items]]
name = "Payoff"
kind = "benefit"
amount = "x + y"
end_year = 2

[[alternatives]]
name = "Steady"
[[alternatives.items]]
name = "Fee"
kind = "benefit"
amount = { dist = "normal", mean = 150, sd = 20 }
end_year = 2
"""


@pytest.mark.parametrize("iterations", [4_000, 120_000])   # numpy's partition, and the tails alone
def test_break_evens_match_least_squares_and_numpy_percentiles(iterations):
    res = run(make(CASE, rate=0.05, iterations=iterations))
    found = sensitivity.break_evens(res, k=3)
    assert found
    comp = res.summary.comparison
    y_out = np.asarray(outcome(res, Target(comp.best, comp.runner_up)), dtype=float)
    for b in found:
        x = np.asarray(res.inputs[b.input], dtype=float)
        fit = stats.linregress(x, y_out)
        assert b.slope == pytest.approx(fit.slope, rel=1e-9)
        assert b.mean == pytest.approx(float(np.mean(x)), rel=1e-12)
        assert (b.low, b.high) == tuple(float(v) for v in np.percentile(x, [1, 99]))
        if b.value is not None:      # where the fitted line crosses zero
            assert fit.intercept + fit.slope * b.value == pytest.approx(0.0, abs=1e-6 * np.std(y_out))


def test_expected_cash_is_the_float64_mean_of_every_year():
    res = run(make(CASE, rate=0.05, iterations=50_000))
    for a in res.alternatives:
        wide = np.array(a.cash, dtype=np.float64)               # (futures, years), C order
        expected = np.array([np.mean(wide[:, t]) for t in range(wide.shape[1])])
        np.testing.assert_allclose(sensitivity.expected_cash(res, a.name), expected, rtol=1e-13, atol=1e-9)
    assert sensitivity.npv_at(res, "Venture", 0.05) == pytest.approx(float(res.alternative("Venture").npv.mean()),
                                                                      rel=1e-9)
