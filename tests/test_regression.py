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
    "automation-vs-second-shift": {"Process automation": (809258.68, 0.1948, 1962228.97),
                                   "Second shift": (970605.63, 0.3518, 3886464.15)},
    "cloud-vs-datacentre": {"Data-centre refresh": (281434.49, 0.258, 824170.67),
                            "Cloud migration": (308039.28, 0.3002, 1062873.5)},
    "crm-vs-sales-team": {"CRM for repeat sales": (500979.9, 0.2562, 1291394.93),
                          "Bigger sales team": (458903.7, 0.1582, 1040773.84)},
    "erp-vs-production-line": {"ERP system": (422444.64, 0.3194, 1622006.47),
                               "New production line": (486597.19, 0.3934, 2807414.16)},
    "marketing-vs-disaster-recovery": {"Marketing campaign": (298851.63, 0.3562, 1206264.79),
                                       "Disaster-recovery plan": (284347.25, 0.4118, 1140760.74),
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
