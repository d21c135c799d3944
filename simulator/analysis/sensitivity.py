"""How the expected NPVs move with the discount rate and the horizon, and the break-even
values of the inputs that matter.

Expected NPV is linear in the cash, so at any rate ``r`` it is exactly the expected yearly
cash discounted at ``r``: ``sum_t E[cash_t] / (1 + r) ** t``. The expected yearly cash is
kept by every run (over all futures), so the curve needs no re-simulation; at the file's own
rate it reproduces the expected NPV. A value beyond the horizon (``terminal_growth`` g)
depends on the rate itself: it is re-priced as ``V * (r0 - g) / (r - g)`` (defined for r > g).

The rate where the ranking flips is where the leader's and the runner-up's curves cross:
found on a fine grid and refined by bisection to machine precision.

The horizon curve counts the cash up to each year (the value of stopping the count there);
a residual value or value beyond the horizon counts only in the last year.

A break-even value is where the expected outcome (the leader's NPV minus the runner-up's,
or one alternative's NPV) would be zero if an input turned out at that value: the straight
line fitted through the simulated futures (outcome against the input's draws) gives
``E[outcome | x] = mean + slope * (x - mean_x)``, exact for inputs that enter the cash
linearly and independently. Only values within the input's own 1st to 99th percentile are
reported.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import weakref
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from simulator.model.keys import InputKey, Target, input_label
from simulator.sim.quantiles import percentiles_selected

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

#: The discount rates the report shows (4 % to 16 %) besides the file's own.
RATES = tuple(round(0.04 + 0.01 * i, 2) for i in range(13))
#: Where a flip of the ranking is looked for.
SEARCH = (0.0, 1.0)


#: Each run's expected yearly cash and mean value beyond the horizon per alternative, worked
#: out once: the flip-rate search asks for them thousands of times (a mean over 1M futures each
#: time made `run --json` take a minute).
_MEANS: "weakref.WeakKeyDictionary[Results, dict[str, tuple[np.ndarray, float | None]]]" = \
    weakref.WeakKeyDictionary()


def _means(results: "Results", name: str) -> tuple[np.ndarray, float | None]:
    per_run = _MEANS.setdefault(results, {})
    if name not in per_run:
        a = results.alternative(name)
        if a.cash_mean is not None:
            cash = np.asarray(a.cash_mean, dtype=float)
        else:
            # Year by year (the engine keeps each year's futures contiguous, in float32): one
            # year's float64 copy at a time (8 MB for a million futures) instead of the whole
            # table's (48 MB or more); each year's mean is summed as NumPy sums that column of
            # a float64 copy of the table, so the figures are the same.
            cash = np.array([np.asarray(a.cash[:, t], dtype=np.float64).mean() for t in range(a.cash.shape[1])],
                            dtype=float)
        cash.setflags(write=False)
        tv = float(np.mean(a.terminal_value)) if a.terminal_value is not None else None
        per_run[name] = (cash, tv)
    return per_run[name]


def expected_cash(results: "Results", name: str) -> np.ndarray:
    """Expected net cash of years 0..H over all futures (float64; read-only)."""
    return _means(results, name)[0]


def npv_at(results: "Results", name: str, rate: float) -> float:
    """Expected NPV of ``name`` at discount rate ``rate`` (NaN where a value beyond the
    horizon is undefined, r <= g)."""
    sc = results.scenario
    cash, tv = _means(results, name)
    cash = cash.copy()
    h = cash.size - 1
    alt = sc.alternative(name)
    if alt.terminal_growth is not None and tv is not None:
        g = alt.terminal_growth
        if rate <= g:
            return math.nan
        cash[h] += tv * (sc.discount_rate - g) / (rate - g) - tv
    v = (1.0 + rate) ** -np.arange(h + 1, dtype=float)
    return float(cash @ v)


def rate_curve(results: "Results", rates: Sequence[float] = RATES) -> dict[str, list[float]]:
    """Expected NPV of every alternative at each rate."""
    return {name: [npv_at(results, name, r) for r in rates] for name in results.names}


def horizon_curve(results: "Results", name: str) -> list[float]:
    """Expected NPV counting the cash of years 0..h, for h = 1..H, at the file's rate."""
    cash = expected_cash(results, name)
    v = (1.0 + results.scenario.discount_rate) ** -np.arange(cash.size, dtype=float)
    pv = np.cumsum(cash * v)
    return [float(x) for x in pv[1:]]


def _leaders(results: "Results") -> tuple[str, str] | None:
    comp = results.summary.comparison
    if comp.runner_up is None:
        return None
    return comp.best, comp.runner_up


def flip_rates(results: "Results", a: str | None = None, b: str | None = None,
               search: tuple[float, float] = SEARCH) -> list[float]:
    """The discount rates in ``search`` where the expected NPVs of ``a`` and ``b`` (default:
    the leader and the runner-up) are equal: where their ranking flips."""
    if a is None or b is None:
        pair = _leaders(results)
        if pair is None:
            return []
        a, b = pair

    def d(r: float) -> float:
        return npv_at(results, a, r) - npv_at(results, b, r)

    grid = np.linspace(search[0], search[1], 2001)
    vals = [d(float(r)) for r in grid]
    out = []
    for (r0, f0), (r1, f1) in zip(zip(grid, vals), zip(grid[1:], vals[1:])):
        if not (math.isfinite(f0) and math.isfinite(f1)):
            continue
        if f0 == 0:
            out.append(float(r0))
            continue
        if f0 * f1 < 0:
            lo, hi, flo = float(r0), float(r1), f0
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                fm = d(mid)
                if fm == 0 or hi - lo <= 1e-15:
                    lo = hi = mid
                    break
                if (fm < 0) == (flo < 0):
                    lo, flo = mid, fm
                else:
                    hi = mid
            out.append(0.5 * (lo + hi))
    return out


@dataclass(frozen=True)
class BreakEven:
    input: InputKey
    label: str
    target: Target            # the outcome: one alternative's NPV, or a's minus b's
    value: float | None       # the input value where the expected outcome is zero; None: not in range
    low: float                # the input's 1st percentile
    high: float               # 99th percentile
    mean: float               # the input's average draw
    slope: float              # change of the expected outcome per unit of the input


def break_evens(results: "Results", k: int = 3) -> list[BreakEven]:
    """Break-even values of the ``k`` inputs that move the decision most (by the tornado of
    the leader against the runner-up, or of the one alternative's NPV)."""
    from simulator.analysis.insights import outcome, tornado

    pair = _leaders(results)
    target = Target(*pair) if pair else Target(results.names[0]) if results.names else None
    if target is None:
        return []
    bars = [b for b in tornado(results, target, own_only=True).bars if b.input.field not in ("occurs", "events")
            and b.input in results.inputs]
    y_all = np.asarray(outcome(results, target), dtype=float)
    y_finite = np.isfinite(y_all)
    # The outcome's mean and deviations, shared by every input drawn in every future (the
    # usual case: no copies of the draws, the same sums as from the filtered arrays).
    centred: dict[int, tuple[float, np.ndarray]] = {}
    out = []
    for bar in bars[:k]:
        x = np.asarray(results.inputs[bar.input], dtype=float)[: y_all.size]
        y = y_all[: x.size]
        ok = np.isfinite(x)
        ok &= y_finite[: x.size]
        whole = bool(ok.all())
        if not whole:
            x, y = x[ok], y[ok]
        if x.size < 3:
            continue
        if whole:
            if x.size not in centred:
                my = float(y.mean())
                centred[x.size] = (my, y - my)
            my, dy = centred[x.size]
        else:
            my = float(y.mean())
            dy = y - my
        mx = float(x.mean())
        dx = x - mx
        var = float(np.square(dx).sum())
        slope = float(np.multiply(dx, dy, out=dx).sum() / var) if var > 0 else 0.0
        del dx
        # numpy.percentile's values, from the two tails alone (and without numpy.ma, which
        # numpy.percentile imports)
        lo, hi = (float(v) for v in percentiles_selected(x, [1, 99]))
        value = None
        if slope != 0:
            v = mx - my / slope
            if lo <= v <= hi:
                value = v
        out.append(BreakEven(bar.input, input_label(bar.input), target, value, lo, hi, mx, slope))
    return out


def to_json(results: "Results") -> dict[str, Any]:
    """The discount-rate and horizon curves, the flip rates and the break-evens for ``run --json``."""
    pair = _leaders(results)
    return {
        "npv_by_discount_rate": {"rates": list(RATES), "expected_npv": rate_curve(results)},
        "flip_rates": {"between": list(pair) if pair else None, "rates": flip_rates(results)},
        "npv_by_horizon": {name: horizon_curve(results, name) for name in results.names},
        "break_even": [{"input": {"alternative": b.input.alternative, "item": b.input.item, "field": b.input.field,
                                  "year": b.input.year, "label": b.label},
                        "outcome": b.target.label(), "value": b.value, "p1": b.low, "p99": b.high, "mean": b.mean,
                        "slope": b.slope} for b in break_evens(results)],
    }
