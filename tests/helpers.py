"""Small builders for scenario text used across tests."""

from __future__ import annotations

from pathlib import Path

from simulator.model.scenario import loads

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


#: A business that loses all its revenue in some futures: the operating margin does not
#: exist there (revenue 1,000; lost sales uniform between 600 and 1,200). An item's own amount
#: that lies below zero is refused as a sign error, so the loss comes through a variable.
SHRINK = """
[baseline]
revenue = 1000
operating_margin = 0.1
[variables]
sales_change = { dist = "uniform", min = -1200, max = -600 }
[[alternatives]]
name = "Shrink"
[[alternatives.items]]
name = "Lost sales"
kind = "benefit"
effect = "revenue"
contribution_margin = 0.2
amount = "sales_change"
"""
