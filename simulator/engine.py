"""Run a scenario: sample every uncertain input, model each alternative, reduce to metrics.

``run(scenario, iterations, seed, progress, cancel) -> Results``.

Reproducibility: the futures are generated in fixed blocks of :data:`BLOCK` futures. Every
uncertain input of block ``b`` draws from its own stream, seeded by
``SeedSequence(seed, spawn_key=(b, crc32(input label)))``. So the same scenario and seed
give the same numbers whatever the chunk size or thread that computed them, and changing one
input's parameters leaves every other input's draws as they were (common random numbers).
Latin hypercube stratification is within each block, for inputs drawn once per future;
yearly draws (``vary = "yearly"``, chance events) are plain random.

Memory: per-future results (NPV, metrics, yearly cash, margin impact, input draws) are kept
for all iterations; the work arrays of the model exist for one chunk at a time.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property
import os
import time
from typing import Callable, Mapping
import zlib

import numpy as np

from . import finance, model
from .distributions import Distribution
from .errors import Cancelled, Problem, ScenarioError
from .expressions import Formula, FormulaError
from .sampling import correlate, correlation_matrix, uniforms
from .scenario import Amount, Item, Scenario, check, variable_order

#: Cash amounts beyond this (in any currency) are taken as a modelling mistake, not a forecast.
MAX_AMOUNT = 1e18

#: Futures per block of random draws (see module doc). Changing it changes the numbers.
BLOCK = 32_768

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True, eq=False)
class AlternativeResult:
    """Per-future results of one alternative. All arrays are read-only.

    Money in the scenario's currency; ``irr`` and ``roi`` as fractions; paybacks in years
    (``inf`` = not within the horizon, 0 = nothing to pay back); ``irr`` is NaN where no rate
    makes NPV zero and ``roi`` is NaN where there are no costs; ``margin_pp`` is in percentage
    points for years 1..H, or None without a baseline.
    """

    name: str
    npv: np.ndarray                 # (n,)
    pv_benefits: np.ndarray         # (n,)
    pv_costs: np.ndarray            # (n,) positive
    roi: np.ndarray                 # (n,)
    irr: np.ndarray                 # (n,)
    payback: np.ndarray             # (n,)
    discounted_payback: np.ndarray  # (n,)
    cash: np.ndarray                # (n, H+1) net cash per year, year 0 = today (float32)
    margin_pp: np.ndarray | None    # (n, H) (float32)
    item_pv: Mapping[str, float]    # mean present value of each item, signed (+ in, - out)


@dataclass(frozen=True, eq=False)
class Results:
    """Everything a run produced. Immutable; the UI and reports only read it."""

    scenario: Scenario
    iterations: int
    seed: int
    sampling: str
    alternatives: tuple[AlternativeResult, ...]
    #: Per-future draws of each uncertain input that is drawn once per future, by label:
    #: a variable's name, or "alternative / item" for an item's own uncertain amount.
    inputs: Mapping[str, np.ndarray]
    #: For each input in ``inputs``, the uniform its draw was mapped from (float32): where the
    #: draw sits in the input's own distribution, 0 = lowest. Sensitivity analysis uses it
    #: as the rank, so it needs no sorting.
    input_quantiles: Mapping[str, np.ndarray] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    warnings: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.alternatives]

    def alternative(self, name: str) -> AlternativeResult:
        for alt in self.alternatives:
            if alt.name == name:
                return alt
        raise KeyError(name)

    @cached_property
    def summary(self):
        from .analysis import summarise

        return summarise(self)


# ---------------------------------------------------------------------------------------
# Planning: which uncertain inputs exist and how each amount is resolved
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Input:
    label: str
    dist: Distribution | None   # None = a bare uniform (occurrence of a chance event)
    yearly: bool
    keep: bool                  # kept per future in Results.inputs (for sensitivity)


class _Plan:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.horizon = scenario.horizon_years
        self.inputs: dict[str, _Input] = {}
        variables = scenario.variable_map
        self.var_order = variable_order(scenario)
        for name in self.var_order:
            if isinstance(variables[name], Distribution):
                self._add(name, variables[name], yearly=False, keep=True)
        for alt in scenario.alternatives:
            for item in alt.items:
                base = f"{alt.name} / {item.name}"
                yearly = item.is_annual and item.vary == "yearly"
                if isinstance(item.amount, Distribution):
                    self._add(base, item.amount, yearly=yearly, keep=not yearly)
                for attr in ("growth", "probability", "contribution_margin"):
                    value = getattr(item, attr)
                    if isinstance(value, Distribution):
                        self._add(f"{base} / {attr.replace('_', ' ')}", value, yearly=False, keep=True)
                if item.is_annual and item.probability is not None:
                    self._add(f"{base} / occurs", None, yearly=True, keep=False)
        corr_names = sorted({n for c in scenario.correlations for n in c.between})
        self.corr_names = corr_names
        if corr_names:
            idx = {n: i for i, n in enumerate(corr_names)}
            self.corr = correlation_matrix(
                len(corr_names), [(idx[c.between[0]], idx[c.between[1]], c.rank) for c in scenario.correlations])
        else:
            self.corr = None

    def _add(self, label: str, dist: Distribution | None, *, yearly: bool, keep: bool) -> None:
        self.inputs[label] = _Input(label, dist, yearly, keep)

    # -- sampling a block ------------------------------------------------------------
    def sample_block(self, seed: int, block: int, n: int, method: str) -> dict[str, np.ndarray]:
        """Uniforms in (0, 1) for every input of one block: ``(n,)`` or ``(n, H)``."""
        out: dict[str, np.ndarray] = {}
        for label, spec in self.inputs.items():
            key = zlib.crc32(label.encode("utf-8"))
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, key)))
            if spec.yearly:
                # A fresh draw each year: plain random. Stratifying every year separately would
                # cost a permutation per year and column for no visible gain in the results.
                out[label] = uniforms(rng, n, self.horizon, "random")
            else:
                out[label] = uniforms(rng, n, 1, method)[:, 0]
        if self.corr is not None:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, 0, 1)))
            stacked = np.column_stack([out[name] for name in self.corr_names])
            stacked = correlate(stacked, self.corr, rng)
            for i, name in enumerate(self.corr_names):
                out[name] = stacked[:, i]
        return out

    def values(self, uniforms_: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Map uniforms through each input's inverse CDF (bare uniforms stay as they are)."""
        out = {}
        for label, u in uniforms_.items():
            dist = self.inputs[label].dist
            out[label] = u if dist is None else dist.ppf(u)
        return out


def _resolve(amount: Amount | None, label: str, values: Mapping[str, np.ndarray],
             env: Mapping[str, np.ndarray | float], path: str) -> np.ndarray | float | None:
    if amount is None:
        return None
    if isinstance(amount, Distribution):
        return values[label]
    if isinstance(amount, Formula):
        try:
            return amount.evaluate(env)
        except FormulaError as exc:
            raise ScenarioError([Problem(path, str(exc))]) from None
    return float(amount)


def _column(x: np.ndarray | float, n: int) -> np.ndarray:
    """A value as an ``(n, 1)`` or ``(n, H)`` array of floats."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return np.full((n, 1), float(arr))
    if arr.ndim == 1:
        return arr[:, None]
    return arr


def _raise_not_finite(a_index: int, alt, flows: model.AlternativeFlows) -> None:
    bad = [i for i, pv in enumerate(flows.item_pv) if not (np.abs(pv) <= MAX_AMOUNT).all()] \
        or range(len(alt.items))
    raise ScenarioError([Problem(f"alternatives[{a_index}].items[{i}]",
                                 f"'{alt.items[i].name}' gives amounts that are not finite numbers, or beyond "
                                 f"{MAX_AMOUNT:.0e}, in some simulated futures (a formula dividing by zero, a "
                                 "logarithm of a negative number, or growth that explodes?)") for i in bad])


def _per_future(x: np.ndarray | float, n: int) -> np.ndarray | float:
    """A value as a float when it is the same in every future, else as an ``(n, 1)`` array."""
    if isinstance(x, float) or np.ndim(x) == 0:
        return float(x)
    return _column(x, n)


def _model_chunk(plan: _Plan, values: dict[str, np.ndarray], n: int):
    """Variables, then each alternative's flows, for one chunk of futures."""
    scenario = plan.scenario
    variables = scenario.variable_map
    env: dict[str, np.ndarray | float] = {}
    problems: list[str] = []
    for name in plan.var_order:
        env[name] = _resolve(variables[name], name, values, env, f"variables.{name}")
    out = []
    for a_index, alt in enumerate(scenario.alternatives):
        draws = []
        for i_index, item in enumerate(alt.items):
            base = f"{alt.name} / {item.name}"
            path = f"alternatives[{a_index}].items[{i_index}]"
            amount = _column(_resolve(item.amount, base, values, env, f"{path}.amount"), n)
            d = model.ItemDraws(amount)
            if item.growth is not None:
                d.growth = _per_future(_resolve(item.growth, f"{base} / growth", values, env, f"{path}.growth"), n)
            if item.contribution_margin is not None:
                d.contribution_margin = _per_future(_resolve(item.contribution_margin, f"{base} / contribution margin",
                                                         values, env, f"{path}.contribution_margin"), n)
            if item.is_annual and item.probability is not None:
                p = _per_future(_resolve(item.probability, f"{base} / probability", values, env,
                                     f"{path}.probability"), n)
                d.occurs = values[f"{base} / occurs"] < np.clip(p, 0.0, 1.0)
            if not np.all(np.isfinite(d.amount)):
                problems.append(f"{path}.amount: the amount is not a finite number in some futures "
                                "(check the formula for division by zero or overflow)")
            draws.append(d)
        out.append(draws)
    if problems:
        raise ScenarioError([Problem(*p.split(": ", 1)) for p in problems])
    return out


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------

def run(scenario: Scenario, iterations: int | None = None, seed: int | None = None, *,
        sampling: str | None = None, progress: Progress | None = None,
        cancel: CancelCheck | None = None, chunk_blocks: int = 1,
        workers: int | None = None) -> Results:
    """Simulate ``iterations`` futures of every alternative in ``scenario``.

    ``progress(done, total)`` is called after each chunk; ``cancel()`` is checked between
    chunks and stops the run with :class:`Cancelled`. ``chunk_blocks`` sets how many blocks of
    :data:`BLOCK` futures are computed at once (memory vs. overhead); it never changes the
    numbers. ``workers`` threads compute chunks side by side (default: up to two, as the
    machine allows); they never change the numbers either. Raises ScenarioError for a scenario
    that cannot run.
    """
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    problems = check(scenario)
    if problems:
        raise ScenarioError(problems)
    n_total = int(scenario.iterations if iterations is None else iterations)
    if n_total < 1:
        raise ScenarioError([Problem("iterations", "must be at least 1")])
    seed = int(scenario.seed if seed is None else seed)
    method = sampling or scenario.sampling
    plan = _Plan(scenario)
    horizon = plan.horizon
    _check_memory(n_total, len(scenario.alternatives), horizon, scenario.baseline is not None,
                  sum(1 for spec in plan.inputs.values() if spec.keep))
    discount = finance.discount_factors(scenario.discount_rate, horizon)
    n_alts = len(scenario.alternatives)
    baseline = scenario.baseline

    npv = np.empty((n_alts, n_total))
    pv_b = np.empty((n_alts, n_total))
    pv_c = np.empty((n_alts, n_total))
    irr = np.empty((n_alts, n_total))
    payback = np.empty((n_alts, n_total))
    dpayback = np.empty((n_alts, n_total))
    # Yearly arrays are kept in single precision (7 significant digits, ample for the charts
    # and percentiles they feed): it halves the memory of big runs. Every metric above is
    # computed from the chunk's double-precision cash.
    cash = np.empty((n_alts, n_total, horizon + 1), dtype=np.float32)
    margin = np.empty((n_alts, n_total, horizon), dtype=np.float32) if baseline is not None else None
    kept = {label: np.empty(n_total) for label, spec in plan.inputs.items() if spec.keep}
    kept_u = {label: np.empty(n_total, dtype=np.float32) for label in kept}
    n_blocks = -(-n_total // BLOCK)
    # Per block and alternative, the sum of each item's present value (summed in block order
    # at the end, so the means do not depend on chunking or thread timing).
    item_pv_blocks = [np.zeros((n_blocks, len(alt.items))) for alt in scenario.alternatives]

    def chunk(first_block: int, last_block: int) -> int:
        """Compute blocks first..last-1 into the result arrays; returns the futures done."""
        if cancel is not None and cancel():
            raise Cancelled()
        blocks = range(first_block, last_block)
        lo = first_block * BLOCK
        hi = min(last_block * BLOCK, n_total)
        parts = [plan.sample_block(seed, b, min(BLOCK, n_total - b * BLOCK), method) for b in blocks]
        u = parts[0] if len(parts) == 1 else \
            {label: np.concatenate([p[label] for p in parts]) for label in plan.inputs}
        values = plan.values(u)
        for label in kept:
            kept[label][lo:hi] = values[label]
            kept_u[label][lo:hi] = u[label]
        n = hi - lo
        all_draws = _model_chunk(plan, values, n)
        bounds = [(b * BLOCK - lo, min((b + 1) * BLOCK, n_total) - lo) for b in blocks]
        for a, (alt, draws) in enumerate(zip(scenario.alternatives, all_draws)):
            f = model.flows(alt.items, draws, n, horizon, discount)
            net = f.net
            if not (np.abs(net) <= MAX_AMOUNT).all() or not (np.abs(f.profit) <= MAX_AMOUNT).all():
                _raise_not_finite(a, alt, f)
            cash[a, lo:hi] = net
            pv_b[a, lo:hi] = f.benefits @ discount
            pv_c[a, lo:hi] = f.costs @ discount
            np.matmul(net, discount, out=npv[a, lo:hi])
            irr[a, lo:hi] = finance.irr(net)
            payback[a, lo:hi] = finance.payback(net)
            dpayback[a, lo:hi] = finance.payback(net, scenario.discount_rate)
            for i, pv in enumerate(f.item_pv):
                pv = np.broadcast_to(pv, (n,))
                for k, (b0, b1) in zip(blocks, bounds):
                    item_pv_blocks[a][k, i] = pv[b0:b1].sum()
            if margin is not None:
                margin[a, lo:hi] = model.margin_impact_pp(f.profit, f.revenue, baseline.revenue,
                                                          baseline.operating_margin, baseline.revenue_growth)
        return n

    chunk_blocks = max(1, int(chunk_blocks))
    chunks = [(b, min(b + chunk_blocks, n_blocks)) for b in range(0, n_blocks, chunk_blocks)]
    workers = max(1, min(int(workers or 1), len(chunks)))
    done = 0
    if workers == 1:
        for first, last in chunks:
            done += chunk(first, last)
            if progress is not None:
                progress(done, n_total)
    else:
        # NumPy releases the GIL inside its loops, so chunks on two threads use two cores.
        # Each chunk writes only its own slice; the numbers depend on block indices alone.
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="investsim-run") as pool:
            pending = {pool.submit(chunk, first, last) for first, last in chunks[:workers * 2]}
            queued = iter(chunks[workers * 2:])
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        done += fut.result()
                        nxt = next(queued, None)
                        if nxt is not None:
                            pending.add(pool.submit(chunk, *nxt))
                    if progress is not None:
                        progress(done, n_total)
            except BaseException:
                for fut in pending:
                    fut.cancel()
                raise
    item_pv_sum = [blocks_.sum(axis=0) for blocks_ in item_pv_blocks]

    alternatives = []
    for a, alt in enumerate(scenario.alternatives):
        c = cash[a]
        alternatives.append(AlternativeResult(
            name=alt.name,
            npv=_frozen(npv[a]),
            pv_benefits=_frozen(pv_b[a]),
            pv_costs=_frozen(pv_c[a]),
            roi=_frozen(finance.roi(pv_b[a], pv_c[a])),
            irr=_frozen(irr[a]),
            payback=_frozen(payback[a]),
            discounted_payback=_frozen(dpayback[a]),
            cash=_frozen(c),
            margin_pp=None if margin is None else _frozen(margin[a]),
            item_pv={item.name: float(s / n_total) for item, s in zip(alt.items, item_pv_sum[a])},
        ))
    return Results(
        scenario=scenario,
        iterations=n_total,
        seed=seed,
        sampling=method,
        alternatives=tuple(alternatives),
        inputs={k: _frozen(v) for k, v in kept.items()},
        input_quantiles={k: _frozen(v) for k, v in kept_u.items()},
        elapsed_seconds=time.perf_counter() - started,
    )


def estimated_bytes(iterations: int, alternatives: int, horizon: int, margins: bool, inputs: int) -> int:
    """Memory a run keeps for its results (the per-chunk work arrays come on top, bounded)."""
    per_future = alternatives * (6 * 8 + (horizon + 1) * 4 + (horizon * 4 if margins else 0)) + inputs * 12
    return iterations * per_future


def available_memory() -> int | None:
    """Bytes of memory available to this process now, when the system says (Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _check_memory(n: int, alternatives: int, horizon: int, margins: bool, inputs: int) -> None:
    need = estimated_bytes(n, alternatives, horizon, margins, inputs)
    have = available_memory()
    if have is not None and need > 0.8 * have:
        fits = int(0.8 * have / max(need / n, 1))
        raise ScenarioError([Problem("iterations", (
            f"{n:,} simulated futures would need about {need / 2**30:.1f} GB of memory and this machine has "
            f"{have / 2**30:.1f} GB free; lower the iterations to {max(fits // 1000 * 1000, 1000):,} or fewer, "
            "or shorten the horizon"))])


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
