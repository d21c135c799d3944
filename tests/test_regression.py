"""Seeded regression values: any change to the numbers must be deliberate and visible here.

Each bundled scenario at its own seed and 5,000 iterations. If a change to the engine or to a
bundled scenario moves these, check the new figures against the closed-form and oracle tests,
then update the table in the same commit and say why.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import SCENARIOS
from simulator.engine import run
from simulator.scenario import load

ITERATIONS = 5000
# scenario -> alternative -> (expected NPV, chance of loss, P90 of NPV)
EXPECTED = {
    "automation-vs-second-shift": {"Process automation": (810328.74, 0.197, 1968355.67),
                                   "Second shift": (971372.68, 0.353, 3904762.9)},
    "cloud-vs-datacentre": {"Data-centre refresh": (277099.8, 0.2646, 816708.64),
                            "Cloud migration": (314289.06, 0.2938, 1062636.56)},
    "crm-vs-sales-team": {"CRM for repeat sales": (499721.42, 0.2562, 1288914.06),
                          "Bigger sales team": (458625.64, 0.155, 1029065.69)},
    "erp-vs-production-line": {"ERP system": (420596.83, 0.3212, 1628286.61),
                               "New production line": (482466.21, 0.3928, 2807149.02)},
    "marketing-vs-disaster-recovery": {"Marketing campaign": (298658.27, 0.3578, 1209561.68),
                                       "Disaster-recovery plan": (284862.14, 0.4076, 1141080.23),
                                       "Do nothing": (0.0, 0.0, 0.0)},
}


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_seeded_figures_do_not_drift(stem):
    results = run(load(SCENARIOS / f"{stem}.toml"), ITERATIONS)
    summary = results.summary
    assert [a.name for a in summary.alternatives] == list(EXPECTED[stem])
    for a in summary.alternatives:
        mean, loss, p90 = EXPECTED[stem][a.name]
        # 1e-6 relative (plus a cent) covers floating-point differences between machines and
        # NumPy versions; any modelling change moves these by far more.
        assert a.npv.mean == pytest.approx(mean, rel=1e-6, abs=0.01)
        assert a.prob_loss == pytest.approx(loss, abs=1e-9)
        assert a.npv.p90 == pytest.approx(p90, rel=1e-6, abs=0.01)


def test_repeated_runs_are_bit_identical():
    scenario = load(SCENARIOS / "erp-vs-production-line.toml")
    first, second = run(scenario, 40_000), run(scenario, 40_000, workers=1)
    for a, b in zip(first.alternatives, second.alternatives):
        assert np.array_equal(a.npv, b.npv) and np.array_equal(a.cash, b.cash)
        assert np.array_equal(a.irr, b.irr, equal_nan=True) and np.array_equal(a.payback, b.payback)
