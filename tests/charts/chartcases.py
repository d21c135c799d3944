"""Results for the chart tests: the bundled scenarios and small hand-made edge cases.

A helper module with its own name (not conftest) so test files can import it without
clashing with the other test folders' conftest modules."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.sim.engine import Results, run
from simulator.model.scenario import loads
from ui.charts import chart, colors_for

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

HEADER = """
format = 1
title = "Chart test"
currency = "{currency}"
horizon_years = {horizon}
discount_rate = 0.08
iterations = {iterations}
seed = 11
"""

BASELINE = """
[baseline]
revenue = 50_000_000
operating_margin = 0.08
revenue_growth = 0.03
"""


def alternative(name: str, i: int = 0) -> str:
    """An uncertain project whose size and odds vary with ``i``."""
    capex = 1_000_000 * (1 + 0.35 * i)
    gain = capex * (0.22 + 0.03 * (i % 4))
    return f"""
[[alternatives]]
name = "{name}"

[[alternatives.items]]
name = "Build"
kind = "investment"
life_years = 5
amount = {{ low = {capex * 0.85:.0f}, high = {capex * 1.3:.0f} }}

[[alternatives.items]]
name = "Savings"
kind = "benefit"
ramp_years = 1
amount = {{ low = {gain * 0.4:.0f}, high = {gain * 1.5:.0f} }}

[[alternatives.items]]
name = "Upkeep"
kind = "running_cost"
amount = {{ low = {capex * 0.02:.0f}, high = {capex * 0.05:.0f} }}
"""


FIXED = """
[[alternatives]]
name = "{name}"

[[alternatives.items]]
name = "Build"
kind = "investment"
life_years = 4
amount = 400_000

[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = 150_000
"""

DO_NOTHING = """
[[alternatives]]
name = "Do nothing"
items = []
"""


def make(body: str, *, iterations: int = 2000, horizon: int = 5, baseline: bool = True,
         currency: str = "USD") -> Results:
    text = HEADER.format(currency=currency, horizon=horizon, iterations=max(iterations, 10))
    return run(loads(text + (BASELINE if baseline else "") + body), iterations=iterations)


EIGHT = ["ERP system", "CRM for repeat sales", "New production line", "Marketing campaign",
         "Disaster-recovery plan", "Second shift", "Process automation with robots", "Data warehouse"]


def with_bad_numbers(results: Results) -> Results:
    """Some futures of the first alternative have NaN or infinite results."""
    first = results.alternatives[0]
    npv = first.npv.copy()
    npv[:5] = np.nan
    npv[5:8] = np.inf
    npv[8] = -np.inf
    cash = first.cash.copy()
    cash[:3, 1] = np.nan
    cash[3, 2] = np.inf
    payback = first.payback.copy()
    payback[:4] = np.nan
    margin = None if first.margin_pp is None else first.margin_pp.copy()
    if margin is not None:
        margin[:3, 0] = np.nan
    bad = dataclasses.replace(first, npv=npv, cash=cash, payback=payback, margin_pp=margin)
    return dataclasses.replace(results, alternatives=(bad, *results.alternatives[1:]))


def all_nan(results: Results) -> Results:
    """Every result of the first alternative is NaN."""
    first = results.alternatives[0]
    nan = dataclasses.replace(
        first, npv=np.full_like(first.npv, np.nan), cash=np.full_like(first.cash, np.nan),
        payback=np.full_like(first.payback, np.nan),
        margin_pp=None if first.margin_pp is None else np.full_like(first.margin_pp, np.nan))
    return dataclasses.replace(results, alternatives=(nan, *results.alternatives[1:]))


EDGE_CASES = {
    "one alternative": lambda: make(alternative("ERP system")),
    "eight alternatives": lambda: make("".join(alternative(n, i) for i, n in enumerate(EIGHT))),
    "with do nothing": lambda: make(alternative("ERP system") + alternative("New line", 2) + DO_NOTHING),
    "only do nothing": lambda: make(DO_NOTHING),
    "identical fixed values": lambda: make(FIXED.format(name="Plan A") + FIXED.format(name="Plan B")),
    "ten futures": lambda: make(alternative("ERP system") + alternative("New line", 3), iterations=10),
    "one future": lambda: make(alternative("ERP system") + DO_NOTHING, iterations=1),
    "no baseline": lambda: make(alternative("ERP system") + alternative("New line", 1), baseline=False),
    "one year, euro": lambda: make(alternative("ERP system") + alternative("New line", 1), horizon=1,
                                   currency="EUR"),
    "NaN and inf": lambda: with_bad_numbers(make(alternative("ERP system") + alternative("New line", 1))),
    "all NaN": lambda: all_nan(make(alternative("ERP system") + alternative("New line", 1))),
}


def render(fig: Figure) -> bytes:
    """Draw the figure with Agg, as a report would, and return the PNG."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def draw(key: str, results: Results, colors=None) -> tuple[Figure, str]:
    """Draw chart ``key`` on a 14 x 8 in figure and render it; any warning fails the test."""
    fig = Figure(figsize=(14, 8), dpi=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no RuntimeWarning, no layout warning
        finding = chart(key).draw(fig, results, colors if colors is not None else colors_for(results.names))
        png = render(fig)
    assert png.startswith(b"\x89PNG")
    return fig, finding
