"""Fixtures for the chart tests (results are built once per session)."""

from __future__ import annotations

import pytest

from chartcases import EDGE_CASES, SCENARIOS
from simulator.sim.engine import Results, run
from simulator.model.scenario import load


@pytest.fixture(scope="session")
def bundled_results() -> dict[str, Results]:
    """Each bundled scenario, run at a reduced but realistic size (cached for the session)."""
    out = {}
    for path in SCENARIOS:
        scenario = load(path)
        out[path.stem] = run(scenario, iterations=min(scenario.iterations, 4000))
    return out


@pytest.fixture(scope="session")
def edge_results() -> dict[str, Results]:
    return {name: build() for name, build in EDGE_CASES.items()}
