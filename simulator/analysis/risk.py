"""The downside of each alternative and the register of its risk items.

* :func:`cvar` is the average NPV of "the worst 5 % of futures" (the conditional value at
  risk, CVaR 5 %): the futures are sorted by NPV and the lowest ``ceil(0.05 n)`` of them
  averaged. It sits beside P5 (the NPV that 5 % of futures fall below) and the chance of loss.
* :func:`register` lists every item of kind ``risk``: its chance each year (or how often it
  happens), the range of its impact (5th to 95th percentile of the amount) and its expected
  cost per year (chance x average impact, or frequency x average impact per event).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.analysis.describe import sketch
from simulator.model.distributions import Distribution

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: The share of futures the downside averages over ("the worst 5 % of futures").
WORST_SHARE = 0.05


def worst_count(n: int, share: float = WORST_SHARE) -> int:
    """How many futures make up the worst ``share`` of ``n``: ``ceil(share * n)``, at least one."""
    return max(1, math.ceil(share * n - 1e-9))


def cvar(npv: np.ndarray, share: float = WORST_SHARE) -> float:
    """The average NPV of the worst ``share`` of futures (NaN and infinite futures left out):
    the lowest ``worst_count`` of the finite NPVs in ascending order, averaged."""
    return _worst(_finite_sorted(npv, is_sorted=False), share)[0]


def worst_average(alt) -> tuple[float, int]:
    """:func:`cvar` of an alternative's result and how many futures it averages, read off its
    NPVs in order (``npv_sorted``: sorted once per run, the summary's percentiles read it)."""
    at_hand = getattr(alt, "npv_sorted", None)
    return _worst(_finite_sorted(alt.npv if at_hand is None else at_hand, is_sorted=at_hand is not None),
                  WORST_SHARE)


def _finite_sorted(values: np.ndarray, *, is_sorted: bool) -> np.ndarray:
    """The finite values in ascending order (a view when ``values`` is sorted already)."""
    v = np.asarray(values, dtype=float)
    if not is_sorted:
        v = np.sort(v)
    lo = int(np.searchsorted(v, -np.inf, side="right"))     # -inf first; +inf, then NaN, last
    hi = int(np.searchsorted(v, np.inf, side="left"))
    return v[lo:hi]


def _worst(x: np.ndarray, share: float) -> tuple[float, int]:
    k = worst_count(max(x.size, 1), share)
    return (float(x[:k].mean()) if x.size else math.nan), k


@dataclass(frozen=True)
class Downside:
    name: str
    p5: float            # 5th percentile of NPV
    cvar: float          # average NPV of the worst 5 % of futures
    prob_loss: float     # chance NPV < 0
    futures: int         # how many futures the worst 5 % are


def downside(results: "Results") -> list[Downside]:
    """Per alternative (file order): P5, the average of the worst 5 % and the chance of loss."""
    s = results.summary
    out = []
    for a in results.alternatives:
        sa = s.alternative(a.name)
        average, k = worst_average(a)
        out.append(Downside(a.name, sa.npv.p5, average, sa.prob_loss, k))
    return out


@dataclass(frozen=True)
class RiskItem:
    alternative: str
    name: str
    chance: float | None        # average chance each year (None: a frequency, or certain)
    frequency: float | None     # average number of events a year (None: a chance)
    impact_low: float | None    # 5th percentile of the amount (per event)
    impact_mid: float | None    # median
    impact_high: float | None   # 95th percentile
    impact_mean: float | None
    expected_per_year: float | None   # chance (or frequency) x average impact
    first_year: int
    last_year: int
    source: str


def _mean(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Distribution):
        return float(value.mean())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def register(results: "Results") -> list[RiskItem]:
    """Every risk item of every alternative, in file order."""
    sc = results.scenario
    out = []
    for alt in sc.alternatives:
        for it in alt.items:
            if it.kind != "risk":
                continue
            sk = sketch(it.amount, sc) if not isinstance(it.amount, (int, float)) else None
            if isinstance(it.amount, (int, float)) and not isinstance(it.amount, bool):
                lo = mid = hi = mean = float(it.amount)
            elif sk is not None:
                lo, mid, hi, mean = sk.p5, sk.p50, sk.p95, sk.mean
            else:
                lo = mid = hi = mean = None
            chance = _mean(it.probability)
            freq = _mean(it.frequency)
            if mean is None:
                expected = None
            elif freq is not None:
                expected = freq * mean
            else:
                expected = (1.0 if chance is None else chance) * mean
            out.append(RiskItem(alt.name, it.name, chance if freq is None else None, freq, lo, mid, hi, mean,
                                expected, it.start_year, min(it.last_year(sc.horizon_years), sc.horizon_years),
                                it.note))
    return out


def to_json(results: "Results") -> dict[str, Any]:
    """The downside and the risk register for ``run --json``."""
    return {
        "downside": [{"name": d.name, "p5": d.p5, "cvar_5": d.cvar, "prob_loss": d.prob_loss,
                      "worst_futures": d.futures} for d in downside(results)],
        "risk_register": [{"alternative": r.alternative, "item": r.name, "chance_per_year": r.chance,
                           "events_per_year": r.frequency, "impact_p5": r.impact_low, "impact_p50": r.impact_mid,
                           "impact_p95": r.impact_high, "expected_cost_per_year": r.expected_per_year,
                           "first_year": r.first_year, "last_year": r.last_year} for r in register(results)],
    }
