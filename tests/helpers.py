"""Small builders for scenario text used across tests."""

from __future__ import annotations

from pathlib import Path

from simulator.scenario import loads

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def bundled_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.toml"))

HEADER = """
format = 1
title = "Test"
horizon_years = {horizon}
discount_rate = {rate}
iterations = {iterations}
seed = 7
"""


def scenario_text(body: str, *, horizon: int = 5, rate: float = 0.1, iterations: int = 2000,
                  extra: str = "") -> str:
    return HEADER.format(horizon=horizon, rate=rate, iterations=iterations) + extra + "\n" + body


def make(body: str, **kw):
    return loads(scenario_text(body, **kw))
