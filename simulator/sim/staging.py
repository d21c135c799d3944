"""Staged alternatives: "test first, then decide on NAME" (``stage_of`` and ``pilot``).

A staged alternative has no items of its own. Once every other alternative is simulated,
:func:`apply` builds it from the alternative it tests (the *target*), future by future:

1. the pilot's cost is paid in year 0 (drawn per future when it is uncertain);
2. the test reads each revealed variable: its true value in that future plus the error
   (drawn per future and per variable; no error = a perfect reading);
3. the target goes ahead, ``pilot.years`` later, only where its expected NPV *given that
   reading* is above zero (stopping = doing nothing more); otherwise nothing more is spent.

The delay: the target's cash flows are shifted ``years`` later and keep their full length.
The years that then fall after the horizon are valued in the horizon year (discounted to it,
like a value beyond the horizon), so the staged NPV is exactly ``-cost + go * NPV * (1 + r)
** -years``: waiting is not punished by cutting the project short; discounting still applies.

The expected NPV given a reading is estimated from the simulation itself: a least-squares
regression of the target's NPV on the readings (a linear-plus-hinge spline basis in each
reading, and the products of pairs of readings), or, for a single reading that takes few
distinct values, the mean NPV of the futures with that reading. It is cross-fitted: the
futures are split in two halves at random, each half's decisions come from the fit on the
other half, so no future's own NPV decides its own go-ahead (that in-sample bias would
flatter the pilot). :class:`StageInfo` keeps what the analysis reports.

The random streams of the pilot (its cost and each reading's error) are seeded from the
run's seed and the staged alternative's name: the same scenario and seed give the same
numbers, and the other alternatives' numbers are untouched by adding a pilot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import hashlib
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.distributions import Distribution
from simulator.model.keys import variable
from simulator.sim import finance
from simulator.sim.sampling import uniforms

if TYPE_CHECKING:
    from simulator.sim.engine import AlternativeResult, Results

#: First word of the spawn key of every pilot stream (the engine's keys start with a block
#: index, far below this), so the pilot's draws never share a stream with the engine's.
_STREAM = 0x50494C54
#: Knots of the hinge basis per reading (at these quantiles of the fitting half).
KNOTS = (0.2, 0.4, 0.6, 0.8)
#: A single reading with at most this many distinct values is estimated cell by cell.
MAX_CELLS = 64


@dataclass(frozen=True, eq=False)
class StageInfo:
    """What the pilot of one staged alternative did, per future (arrays of length n).

    ``go``: the target went ahead; ``readings``: (n, p) what the test showed of each revealed
    variable (in its own units); ``cost``: the pilot's cost paid; ``expected``: the
    cross-fitted estimate of the target's NPV given the reading (valued today, after the
    delay); ``target_npv``: the target's NPV in that future valued today after the delay.
    ``fit_rmse``: the cross-fitted root mean square error of ``expected`` against
    ``target_npv`` (most of it is what the test cannot see); ``method``: "spline" or "cells".
    ``threshold_fits``: the two halves' fitted rules (for the go / no-go threshold)."""

    name: str
    target: str
    reveals: tuple[str, ...]
    years: int
    go: np.ndarray
    readings: np.ndarray
    cost: np.ndarray
    expected: np.ndarray
    target_npv: np.ndarray
    fit_rmse: float
    method: str
    rules: tuple["Rule", ...]


@dataclass(frozen=True, eq=False)
class Rule:
    """A fitted estimate of the expected NPV given readings: ``predict((m, p)) -> (m,)``."""

    kind: str
    centre: np.ndarray
    scale: np.ndarray
    knots: tuple[np.ndarray, ...]
    coef: np.ndarray
    cells: np.ndarray | None = None
    cell_means: np.ndarray | None = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        if self.kind == "cells":
            idx = np.searchsorted(self.cells, x[:, 0])
            idx = np.clip(idx, 0, len(self.cells) - 1)
            left = np.clip(idx - 1, 0, len(self.cells) - 1)
            nearer = np.abs(self.cells[left] - x[:, 0]) < np.abs(self.cells[idx] - x[:, 0])
            return self.cell_means[np.where(nearer, left, idx)]
        return _basis(x, self.centre, self.scale, self.knots) @ self.coef


def _basis(x: np.ndarray, centre: np.ndarray, scale: np.ndarray, knots: tuple[np.ndarray, ...]) -> np.ndarray:
    z = (x - centre) / scale
    cols = [np.ones(len(z))]
    for j in range(z.shape[1]):
        cols.append(z[:, j])
        cols.extend(np.maximum(z[:, j] - k, 0.0) for k in knots[j])
    for a in range(z.shape[1]):
        for b in range(a + 1, z.shape[1]):
            cols.append(z[:, a] * z[:, b])
    return np.column_stack(cols)


def fit(x: np.ndarray, y: np.ndarray) -> Rule:
    """The expected value of ``y`` given ``x`` ((m, p) readings), fitted on these futures."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    values = np.unique(x[:, 0]) if x.shape[1] == 1 else None
    if values is not None and len(values) <= MAX_CELLS:
        idx = np.searchsorted(values, x[:, 0])
        sums = np.bincount(idx, weights=y, minlength=len(values))
        counts = np.bincount(idx, minlength=len(values))
        means = sums / np.maximum(counts, 1)
        return Rule("cells", np.zeros(1), np.ones(1), (), np.zeros(0), values, means)
    centre = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale <= 0] = 1.0
    z = (x - centre) / scale
    knots = tuple(np.unique(np.quantile(z[:, j], KNOTS)) for j in range(z.shape[1]))
    b = _basis(x, centre, scale, knots)
    coef, *_ = np.linalg.lstsq(b, y, rcond=None)
    return Rule("spline", centre, scale, knots, coef)


def cross_fitted(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, tuple[Rule, Rule]]:
    """Each future's expected ``y`` given its ``x``, estimated on the other half of the futures
    (the halves drawn at random from ``rng``), and the two halves' rules."""
    n = len(y)
    if n < 4:   # too few futures to split: the rule is fitted on them all (and says so by its size)
        rule = fit(x, y)
        return rule.predict(x), (rule, rule)
    half = np.zeros(n, dtype=bool)
    half[rng.permutation(n)[: n // 2]] = True
    out = np.empty(n)
    rule_a = fit(x[half], y[half])
    rule_b = fit(x[~half], y[~half])
    out[~half] = rule_a.predict(x[~half])
    out[half] = rule_b.predict(x[half])
    return out, (rule_a, rule_b)


def _rng(seed: int, name: str, what: str) -> np.random.Generator:
    h = hashlib.blake2b(f"{name}\x00{what}".encode(), digest_size=16).digest()
    words = tuple(int.from_bytes(h[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAM, *words)))


def _draw(amount, n: int, rng: np.random.Generator, method: str) -> np.ndarray:
    if isinstance(amount, Distribution):
        return np.asarray(amount.ppf(uniforms(rng, n, 1, method)[:, 0]), dtype=float)
    return np.full(n, float(amount))


def shift(cash: np.ndarray, years: int, rate: float) -> np.ndarray:
    """Yearly cash (rows x H+1) started ``years`` later: the years that fall after the horizon
    are valued in the horizon year (discounted to it), so its present value is the original's
    times ``(1 + rate) ** -years`` exactly."""
    if years == 0:
        return cash.copy()
    h = cash.shape[1] - 1
    out = np.zeros_like(cash)
    if years <= h:
        out[:, years:] = cash[:, : h + 1 - years]
    first_late = max(0, h + 1 - years)       # the first original year that lands after the horizon
    late = np.arange(first_late, h + 1)
    weights = (1.0 + rate) ** -(late + years - h).astype(float)
    out[:, h] += cash[:, first_late:] @ weights
    return out


def apply(results: "Results") -> "Results":
    """The run with each staged alternative's result filled in (see the module doc)."""
    scenario = results.scenario
    staged = [a for a in scenario.alternatives if a.is_staged]
    if not staged:
        return results
    n = results.iterations
    rate = scenario.discount_rate
    alts = list(results.alternatives)
    infos = {}
    for alt in staged:
        pilot = alt.pilot
        target = results.alternative(alt.stage_of)
        k = alts.index(results.alternative(alt.name))
        d = (1.0 + rate) ** -pilot.years
        cost = _draw(pilot.cost, n, _rng(results.seed, alt.name, "cost"), results.sampling)
        readings = np.column_stack([
            np.asarray(results.inputs[variable(v)], dtype=float)
            + (0.0 if pilot.error is None else _draw(pilot.error, n, _rng(results.seed, alt.name, f"error {v}"),
                                                     results.sampling))
            for v in pilot.reveals])
        value = np.asarray(target.npv, dtype=float) * d
        expected, rules = cross_fitted(readings, value, _rng(results.seed, alt.name, "halves"))
        go = expected > 0.0
        infos[alt.name] = StageInfo(
            alt.name, target.name, pilot.reveals, pilot.years, _ro(go), _ro(readings), _ro(cost), _ro(expected),
            _ro(value), float(np.sqrt(np.mean((expected - value) ** 2))), rules[0].kind, rules)
        alts[k] = _staged_result(alt.name, target, go, cost, d, pilot.years, rate, n)
    return replace(results, alternatives=tuple(alts), staging=infos)


def _staged_result(name: str, target: "AlternativeResult", go: np.ndarray, cost: np.ndarray, d: float,
                   years: int, rate: float, n: int) -> "AlternativeResult":
    from simulator.sim.engine import AlternativeResult

    g = go.astype(float)
    kept = target.cash.shape[0]
    cash = shift(np.ascontiguousarray(target.cash, dtype=float), years, rate) * g[:kept, None]
    cash[:, 0] -= cost[:kept]
    pv_b = g * np.asarray(target.pv_benefits) * d
    pv_c = cost + g * np.asarray(target.pv_costs) * d
    irr = np.full(n, np.nan)
    payback = np.full(n, np.inf)
    dpayback = np.full(n, np.inf)
    irr[:kept] = finance.irr(cash)
    payback[:kept] = finance.payback(cash)
    dpayback[:kept] = finance.payback(cash, rate)
    margin = None
    if target.margin_pp is not None:
        margin = np.zeros(target.margin_pp.shape)
        h = margin.shape[1]
        if years < h:
            margin[:, years:] = target.margin_pp[:, : h - years]
        margin *= g[:kept, None]
    item_pv = {"Pilot": -float(cost.mean()), f"{target.name} (if it goes ahead)": float((g * target.npv).mean() * d)}
    return AlternativeResult(
        name=name,
        npv=_ro(-cost + g * np.asarray(target.npv) * d),
        pv_benefits=_ro(pv_b),
        pv_costs=_ro(pv_c),
        roi=_ro(finance.roi(pv_b, pv_c)),
        irr=_ro(irr),
        payback=_ro(payback),
        discounted_payback=_ro(dpayback),
        cash=_ro(cash.astype(np.float32)),
        margin_pp=None if margin is None else _ro(margin.astype(np.float32)),
        item_pv=item_pv,
        cash_mean=None if target.cash_mean is None else _ro(cash.mean(axis=0)),
        margin_mean=None if target.margin_mean is None or margin is None else _ro(np.nanmean(margin, axis=0)),
        pv_taxes=None if target.pv_taxes is None else _ro(g * np.asarray(target.pv_taxes) * d),
    )


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a
