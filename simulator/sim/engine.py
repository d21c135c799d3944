"""Run a scenario: sample every uncertain input, model each alternative, reduce to metrics.

``run(scenario, iterations, seed, progress, cancel) -> Results``.

Reproducibility: the futures are generated in fixed blocks of :data:`BLOCK` futures. Every
uncertain input of block ``b`` draws from its own stream, seeded by
``SeedSequence(seed, spawn_key=(b, *digest))``, ``digest`` the 128-bit
:meth:`~simulator.model.keys.InputKey.digest` of the input's whole identity (alternative, item,
field, and the year of a list's entry; never a label joined from names, which two inputs could
share). So the same scenario and seed give the same numbers whatever the chunk size or thread
that computed them, and changing one input's parameters leaves every other input's draws as they
were (common random numbers).
Latin hypercube stratification is within each block, for inputs drawn once per future;
yearly draws (``vary = "yearly"``, chance events) are plain random.

Memory: per-future metrics (NPV, ROI, IRR, paybacks) and input draws are kept for all
iterations. The per-future yearly paths (net cash, margin impact) are kept for every future
while they fit in :data:`YEARLY_BUDGET` bytes; beyond that, for the first
:attr:`Results.yearly_futures` futures only (whole blocks), and the yearly means over every
future are summed block by block as the run goes (see :class:`AlternativeResult`). The budget
is a fixed number, never the machine's free memory, so the numbers never depend on the
machine. The work arrays of the model exist for one chunk and one alternative at a time.

Cancelling: ``cancel()`` is asked before every alternative of every chunk, between the
inputs it samples and between slices of the IRR search, so a run stops within a fraction of a
second at any number of iterations (``make bench`` measures it).
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
import ctypes
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, partial
import os
import sys
from pathlib import Path
import time
from typing import Callable, Mapping

import numpy as np

from simulator.sim import finance, staging
from simulator.sim import cashflow as model
from simulator.model.distributions import Distribution, poisson_ppf
from simulator.model.errors import Cancelled, Problem, ScenarioError
from simulator.model.expressions import Formula, FormulaError
from simulator.model.keys import InputKey, item_input, variable
from simulator.sim.sampling import correlate, correlation_matrix, uniforms
from simulator.model.scenario import MAX_FREQUENCY, YEAR_NAME, Amount, Item, Scenario, YearlyAmounts, check, variable_order

#: Cash amounts beyond this (in any currency) are taken as a modelling mistake, not a forecast.
MAX_AMOUNT = 1e18

#: Futures per block of random draws (see module doc). Changing it changes the numbers.
BLOCK = 32_768

#: Bytes of per-future yearly paths (float32 cash and margin of every alternative) a run keeps
#: for all its futures; a bigger run keeps them for its first futures only (module doc).
YEARLY_BUDGET = 256 * 2**20

#: Rows x years of cash per IRR call between two cancel checks (the IRR search is the slowest
#: step of a long horizon; its rows are independent, so slicing never changes the numbers).
_IRR_CELLS = 2**18

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True, eq=False)
class AlternativeResult:
    """Per-future results of one alternative. All arrays are read-only.

    Money in the scenario's currency; ``irr`` and ``roi`` as fractions; paybacks in years
    (``inf`` = not within the horizon, 0 = nothing to pay back); ``irr`` is NaN where no rate
    makes NPV zero and ``roi`` is NaN where there are no costs; ``margin_pp`` is in percentage
    points for years 1..H, or None without a baseline.

    ``cash`` and ``margin_pp`` hold the first ``k`` futures, ``k`` = :attr:`Results.yearly_futures`:
    every future (``k = n``) unless the run was too big for :data:`YEARLY_BUDGET`. Then
    ``cash_mean`` and ``margin_mean`` give the yearly means over all ``n`` futures (margin:
    over the futures where it exists); they are None when the arrays hold every future.
    """

    name: str
    npv: np.ndarray                 # (n,)
    pv_benefits: np.ndarray         # (n,)
    pv_costs: np.ndarray            # (n,) positive
    roi: np.ndarray                 # (n,)
    irr: np.ndarray                 # (n,)
    payback: np.ndarray             # (n,)
    discounted_payback: np.ndarray  # (n,)
    cash: np.ndarray                # (k, H+1) net cash per year, year 0 = today (float32, each year contiguous)
    margin_pp: np.ndarray | None    # (k, H) (float32, each year contiguous)
    item_pv: Mapping[str, float]    # mean present value of each item, signed (+ in, - out)
    cash_mean: np.ndarray | None = None    # (H+1,) over all n futures, when k < n
    margin_mean: np.ndarray | None = None  # (H,) over all n futures, when k < n and a baseline
    #: (n,) present value of the taxes, signed (+ paid, - saved); None for a pre-tax scenario.
    pv_taxes: np.ndarray | None = None
    #: (n,) value beyond the horizon, in the horizon year (not discounted); None without one.
    terminal_value: np.ndarray | None = None

    @cached_property
    def npv_sorted(self) -> np.ndarray:
        """``npv`` in ascending order (read-only), sorted once when first asked for: the
        summary's percentiles and the dominance test read it."""
        return _frozen(np.sort(self.npv))


@dataclass(frozen=True, eq=False)
class Results:
    """Everything a run produced. Immutable; the UI and reports only read it."""

    scenario: Scenario
    iterations: int
    seed: int
    sampling: str
    alternatives: tuple[AlternativeResult, ...]
    #: Per-future draws of each uncertain input that is drawn once per future, by its
    #: :class:`~simulator.model.keys.InputKey` (a variable, or a field of an item).
    inputs: Mapping[InputKey, np.ndarray]
    #: For each input in ``inputs``, the uniform its draw was mapped from (float32): where the
    #: draw sits in the input's own distribution, 0 = lowest. Sensitivity analysis uses it
    #: as the rank, so it needs no sorting.
    input_quantiles: Mapping[InputKey, np.ndarray] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    warnings: tuple[str, ...] = field(default=())
    #: What the pilot of each staged alternative did, by its name
    #: (:class:`simulator.sim.staging.StageInfo`); empty without one.
    staging: Mapping[str, object] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.alternatives]

    @property
    def yearly_futures(self) -> int:
        """How many futures (the first ones) keep their yearly cash and margin paths."""
        return self.alternatives[0].cash.shape[0] if self.alternatives else self.iterations

    def alternative(self, name: str) -> AlternativeResult:
        for alt in self.alternatives:
            if alt.name == name:
                return alt
        raise KeyError(name)

    @cached_property
    def summary(self):
        from simulator.analysis.summary import summarise

        return summarise(self)


# ---------------------------------------------------------------------------------------
# Planning: which uncertain inputs exist and how each amount is resolved
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Input:
    key: InputKey
    dist: Distribution | None   # None = a bare uniform (occurrence of a chance event)
    yearly: bool
    keep: bool                  # kept per future in Results.inputs (for sensitivity)
    #: Columns of a yearly input: H (years 1..H), or H+1 for an item that starts in year 0.
    columns: int | None = None


class _Plan:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.horizon = scenario.horizon_years
        self.inputs: dict[InputKey, _Input] = {}
        variables = scenario.variable_map
        self.var_order = variable_order(scenario)
        self._group: list[InputKey] = []  # keys added by _add go here
        #: Yearly amounts of events with a chance each year: drawn only for the years the event
        #: happens (see _Undrawn).
        self.sparse: set[InputKey] = set()
        for name in self.var_order:
            if isinstance(variables[name], Distribution):
                self._add(variable(name), variables[name], yearly=False, keep=True)
        #: Keys of the shared variables' inputs, then of each alternative's own inputs: the
        #: run samples one group at a time (each input has its own stream, so the order in
        #: which they are drawn never changes the numbers).
        self.var_labels = self._group
        self.alt_labels: list[list[InputKey]] = []
        for alt in scenario.alternatives:
            self._group = []
            for item in alt.items:
                yearly = item.is_yearly and item.vary == "yearly"
                # An item that starts today draws its yearly inputs for years 0..H.
                columns = self.horizon + 1 if item.is_yearly and item.start_year == 0 else None
                if isinstance(item.amount, Distribution):
                    self._add(item_input(alt.name, item.name), item.amount, yearly=yearly, keep=not yearly,
                              columns=columns)
                if isinstance(item.amount, YearlyAmounts):
                    for k, entry in enumerate(item.amount.values):
                        if isinstance(entry, Distribution):
                            self._add(item_input(alt.name, item.name, year=item.start_year + k), entry,
                                      yearly=False, keep=True)
                for attr in ("growth", "probability", "contribution_margin", "residual_value", "frequency"):
                    value = getattr(item, attr)
                    if isinstance(value, Distribution):
                        self._add(item_input(alt.name, item.name, attr), value, yearly=False, keep=True)
                if item.is_annual and item.probability is not None:
                    self._add(item_input(alt.name, item.name, "occurs"), None, yearly=True, keep=False,
                              columns=columns)
                    if yearly and item.frequency is None and isinstance(item.amount, Distribution) \
                            and item.amount.elementwise:
                        self.sparse.add(item_input(alt.name, item.name))
                if item.is_annual and item.frequency is not None:
                    self._add(item_input(alt.name, item.name, "events"), None, yearly=True, keep=False,
                              columns=columns)
            self.alt_labels.append(self._group)
        corr_names = sorted({n for c in scenario.correlations for n in c.between})
        self.corr_names = corr_names
        if corr_names:
            idx = {n: i for i, n in enumerate(corr_names)}
            self.corr = correlation_matrix(
                len(corr_names), [(idx[c.between[0]], idx[c.between[1]], c.rank) for c in scenario.correlations])
        else:
            self.corr = None

    def _add(self, key: InputKey, dist: Distribution | None, *, yearly: bool, keep: bool,
             columns: int | None = None) -> None:
        self.inputs[key] = _Input(key, dist, yearly, keep, columns if yearly else None)
        self._group.append(key)

    @property
    def kept(self) -> int:
        """How many inputs are kept per future in Results.inputs."""
        return sum(1 for spec in self.inputs.values() if spec.keep)

    # -- sampling a block ------------------------------------------------------------
    def sample_block(self, seed: int, block: int, n: int, method: str, labels: list[InputKey] | None = None,
                     check: Callable[[], None] | None = None) -> dict[InputKey, np.ndarray]:
        """Uniforms in (0, 1) for the inputs ``labels`` (default: all) of one block: ``(n,)``
        or ``(n, H)``. Correlated variables are sampled together (all or none of them).
        ``check()`` is called between inputs (it raises to stop)."""
        out: dict[InputKey, np.ndarray] = {}
        for label in self.inputs if labels is None else labels:
            if check is not None:
                check()
            spec = self.inputs[label]
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, *label.digest())))
            if spec.yearly:
                # A fresh draw each year: plain random. Stratifying every year separately would
                # cost a permutation per year and column for no visible gain in the results.
                out[label] = uniforms(rng, n, spec.columns or self.horizon, "random")
            else:
                out[label] = uniforms(rng, n, 1, method)[:, 0]
        if self.corr is not None and variable(self.corr_names[0]) in out:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, 0, 1)))
            stacked = np.column_stack([out[variable(name)] for name in self.corr_names])
            stacked = correlate(stacked, self.corr, rng)
            for i, name in enumerate(self.corr_names):
                out[variable(name)] = stacked[:, i]
        return out

    def values(self, uniforms_: dict[InputKey, np.ndarray],
               check: Callable[[], None] | None = None) -> dict[InputKey, np.ndarray]:
        """Map uniforms through each input's inverse CDF (bare uniforms stay as they are)."""
        out = {}
        for label, u in uniforms_.items():
            if check is not None:
                check()
            dist = self.inputs[label].dist
            out[label] = u if dist is None else _Undrawn(u, dist) if label in self.sparse else dist.ppf(u)
        return out


@dataclass(frozen=True)
class _Undrawn:
    """The uniforms of a risk's yearly amount, mapped through its distribution only where the
    risk happens (a 10 % yearly risk: a tenth of the inverse CDFs). Every other year's amount
    is 0, which the year's "did it happen" (0 or 1) multiplies anyway; the drawn ones are the
    values a full draw gives (the distribution is ``elementwise``)."""

    u: np.ndarray
    dist: Distribution

    def where(self, happens: np.ndarray) -> np.ndarray:
        amount = np.zeros(self.u.shape)
        amount[happens] = self.dist.ppf(self.u[happens])
        return amount


def _resolve(amount: Amount | None, label: InputKey, values: Mapping[InputKey, np.ndarray],
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


def _present_value(flows: np.ndarray, discount: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``flows @ discount`` row by row, into ``out``. Not a BLAS matrix product: BLAS splits the
    rows among its threads and rounds the rows next to a split differently, so a future's
    value would depend on how many futures were computed at once (the last bit of a few
    rows); einsum's own loop gives each row the same sum whatever the rows around it."""
    return np.einsum("ij,j->i", flows, discount, out=out)


def _variables(plan: _Plan, values: Mapping[InputKey, np.ndarray]) -> dict[str, np.ndarray | float]:
    """The shared variables for one chunk of futures, in dependency order."""
    variables = plan.scenario.variable_map
    env: dict[str, np.ndarray | float] = {}
    for name in plan.var_order:
        env[name] = _resolve(variables[name], variable(name), values, env, f"variables.{name}")
    return env


def _uses_year(amount, env: Mapping[str, np.ndarray | float]) -> bool:
    """Whether an amount is a formula of the year number (and no variable is called ``year``)."""
    return isinstance(amount, Formula) and YEAR_NAME in amount.names and YEAR_NAME not in env


def _amount_by_year(item: Item, base: InputKey, values: Mapping[InputKey, np.ndarray],
                    env: Mapping[str, np.ndarray | float], path: str, n: int, horizon: int) -> np.ndarray:
    """``(n, H+1)`` amounts of years 0..H: a list's entries in their years (zero elsewhere), or
    a formula of ``year`` evaluated for every year (each future's variables as a row)."""
    out = np.zeros((n, horizon + 1))
    if isinstance(item.amount, YearlyAmounts):
        for k, entry in enumerate(item.amount.values):
            t = item.start_year + k
            if t > horizon:
                break
            local = {**env, YEAR_NAME: float(t)} if _uses_year(entry, env) else env
            value = _resolve(entry, replace(base, year=t), values, local, f"{path}[{k}]")
            out[:, t] = np.broadcast_to(np.asarray(value, dtype=float).reshape(-1), (n,)) \
                if np.ndim(value) else float(value)
        return out
    rows = {k: (v[:, None] if isinstance(v, np.ndarray) and v.ndim == 1 else v) for k, v in env.items()}
    rows[YEAR_NAME] = np.arange(horizon + 1, dtype=float)[None, :]
    value = _resolve(item.amount, base, values, rows, path)
    out[:] = np.broadcast_to(np.asarray(value, dtype=float), (n, horizon + 1)) if np.ndim(value) == 2 else \
        np.asarray(value, dtype=float).reshape(-1, 1) if np.ndim(value) == 1 else float(value)
    return out


def _item_draws(a_index: int, alt, values: Mapping[InputKey, np.ndarray], env: Mapping[str, np.ndarray | float],
                n: int, horizon: int | None = None) -> tuple[list[model.ItemDraws], list[Problem]]:
    """One alternative's item draws for a chunk of futures, and the amounts that are not finite.
    ``horizon`` is needed for amounts by year (lists, formulas of ``year``)."""
    draws = []
    problems = []
    for i_index, item in enumerate(alt.items):
        key = partial(item_input, alt.name, item.name)
        path = f"alternatives[{a_index}].items[{i_index}]"
        occurs = None
        if item.is_annual and item.probability is not None:
            p = _per_future(_resolve(item.probability, key("probability"), values, env,
                                     f"{path}.probability"), n)
            occurs = values[key("occurs")] < np.clip(p, 0.0, 1.0)
        undrawn = values.get(key("amount"))
        if isinstance(undrawn, _Undrawn):
            amount = undrawn.where(occurs)
        elif horizon is None or (not item.is_list and not _uses_year(item.amount, env)):
            amount = _column(_resolve(item.amount, key("amount"), values, env, f"{path}.amount"), n)
        else:
            amount = _amount_by_year(item, key("amount"), values, env, f"{path}.amount", n, horizon)
        d = model.ItemDraws(amount, by_year=horizon is not None and amount.shape[1] == horizon + 1)
        if item.kind == "investment" and d.by_year:
            d.amount = amount[:, item.year:item.year + 1]
            d.by_year = False
        if item.residual_value is not None:
            d.residual = _column(_resolve(item.residual_value, key("residual_value"), values, env,
                                          f"{path}.residual_value"), n)
        if item.is_annual and item.frequency is not None:
            lam = _per_future(_resolve(item.frequency, key("frequency"), values, env, f"{path}.frequency"), n)
            d.count = poisson_ppf(values[key("events")], np.clip(lam, 0.0, MAX_FREQUENCY))
        if item.growth is not None:
            d.growth = _per_future(_resolve(item.growth, key("growth"), values, env, f"{path}.growth"), n)
        if item.contribution_margin is not None:
            d.contribution_margin = _per_future(_resolve(item.contribution_margin, key("contribution_margin"),
                                                     values, env, f"{path}.contribution_margin"), n)
        d.occurs = occurs
        if not np.all(np.isfinite(d.amount)):
            problems.append(Problem(f"{path}.amount", "the amount is not a finite number in some futures "
                                                      "(check the formula for division by zero or overflow)"))
        draws.append(d)
    return draws, problems


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
#: Free memory at the top of the C heap that the process keeps instead of giving back to the
#: system at once, and the size from which an array gets its own mapping (glibc's maximum).
_TRIM_BYTES, _MMAP_BYTES = 64 * 2**20, 32 * 2**20


@cache
def _keep_work_memory() -> bool:
    """Let a run reuse the memory of its per-chunk work arrays (glibc only; once per process).

    With glibc's defaults the heap is trimmed whenever a few MB at its top are free, so each
    chunk's work arrays (a few MB each) were handed back to the system and faulted in again,
    zeroed, by the next chunk: on the default scenario at 1M futures ~230,000 page faults,
    about a third of the run's CPU time. Keeping up to 64 MB of free heap removes most of
    them; allocations from 32 MB up keep their own mappings (returned when freed). Threads
    started from then on (the run's workers, the summary's sorts, ``run --json``'s analyses)
    share the one heap instead of an arena each: memory one thread frees is reused by the next
    instead of fresh pages faulted in (each arena also kept up to 64 MB of its own free memory):
    on the default scenario at 1M futures, ``run --json`` 77,000 -> 65,000 page faults, about
    11 % less CPU time, and 90 MB less peak memory. Memory management only: it never changes
    a number. Returns whether the settings were applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # glibc's mallopt only (not musl's)
            return False
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES)) and \
            bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES)) and bool(libc.mallopt(_M_ARENA_MAX, 1))
    except (OSError, AttributeError):
        return False


def run(scenario: Scenario, iterations: int | None = None, seed: int | None = None, *,
        sampling: str | None = None, progress: Progress | None = None,
        cancel: CancelCheck | None = None, chunk_blocks: int = 1,
        workers: int | None = None, yearly_budget: int = YEARLY_BUDGET) -> Results:
    """Simulate ``iterations`` futures of every alternative in ``scenario``.

    ``progress(done, total)`` is called after each chunk; ``cancel()`` is checked often within
    each chunk (see the module doc) and stops the run with :class:`Cancelled`.
    ``chunk_blocks`` sets how many blocks of :data:`BLOCK` futures are computed at once (memory
    vs. overhead); it never changes the numbers. ``workers`` threads compute chunks side by
    side (default: up to two, as the machine allows); they never change the numbers either.
    ``yearly_budget`` bytes of yearly paths are kept for all futures (module doc); a run that
    fits it gives the same numbers whatever the budget. Raises ScenarioError for a scenario that
    cannot run.
    """
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    _keep_work_memory()
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
    n_alts = len(scenario.alternatives)
    baseline = scenario.baseline
    _check_memory(plan, n_total, yearly_budget, workers, chunk_blocks)
    discount = finance.discount_factors(scenario.discount_rate, horizon)

    npv = np.empty((n_alts, n_total))
    pv_b = np.empty((n_alts, n_total))
    pv_c = np.empty((n_alts, n_total))
    irr = np.empty((n_alts, n_total))
    payback = np.empty((n_alts, n_total))
    dpayback = np.empty((n_alts, n_total))
    pv_tax = np.zeros((n_alts, n_total)) if scenario.tax_rate else None
    terminal = np.zeros((n_alts, n_total)) if any(alt.terminal_growth is not None
                                                  for alt in scenario.alternatives) else None
    # Yearly arrays are kept in single precision (7 significant digits, ample for the charts
    # and percentiles they feed): it halves their memory. Every metric above is computed from
    # the chunk's double-precision cash. A run too big for the budget keeps them for its first
    # ``n_yearly`` futures and sums the yearly means block by block instead.
    # They are stored year by year (each year's futures contiguous; AlternativeResult gets the
    # transposed view, (futures, years) as ever): the summary reads them one year at a time.
    n_yearly = yearly_futures(n_total, n_alts, horizon, baseline is not None, yearly_budget)
    cash = np.empty((n_alts, horizon + 1, n_yearly), dtype=np.float32)
    margin = np.empty((n_alts, horizon, n_yearly), dtype=np.float32) if baseline is not None else None
    kept = {label: np.empty(n_total) for label, spec in plan.inputs.items() if spec.keep}
    kept_u = {label: np.empty(n_total, dtype=np.float32) for label in kept}
    n_blocks = -(-n_total // BLOCK)
    # Per block and alternative, the sum of each item's present value (summed in block order
    # at the end, so the means do not depend on chunking or thread timing); likewise the
    # yearly sums when the yearly arrays do not hold every future.
    item_pv_blocks = [np.zeros((n_blocks, len(alt.items))) for alt in scenario.alternatives]
    streaming = n_yearly < n_total
    if streaming:
        cash_sums = np.zeros((n_alts, n_blocks, horizon + 1))
        margin_sums = np.zeros((n_alts, n_blocks, horizon)) if margin is not None else None
        margin_counts = np.zeros((n_alts, n_blocks, horizon), dtype=np.int64) if margin is not None else None
    irr_rows = max(1024, _IRR_CELLS // (horizon + 1))

    def stop_if_cancelled() -> None:
        if cancel is not None and cancel():
            raise Cancelled()

    def chunk(first_block: int, last_block: int) -> int:
        """Compute blocks first..last-1 into the result arrays; returns the futures done."""
        stop_if_cancelled()
        blocks = range(first_block, last_block)
        lo = first_block * BLOCK
        hi = min(last_block * BLOCK, n_total)
        n = hi - lo
        keep_to = min(hi, n_yearly) - lo       # rows of this chunk whose yearly paths are kept
        bounds = [(b * BLOCK - lo, min((b + 1) * BLOCK, n_total) - lo) for b in blocks]

        def draw(labels: list[InputKey]) -> dict[InputKey, np.ndarray]:
            """Values of some inputs for this chunk's futures; kept ones go into the results."""
            parts = [plan.sample_block(seed, b, min(BLOCK, n_total - b * BLOCK), method, labels, stop_if_cancelled)
                     for b in blocks]
            u = parts[0] if len(parts) == 1 else \
                {label: np.concatenate([p[label] for p in parts]) for label in labels}
            del parts
            values = plan.values(u, stop_if_cancelled)
            for label in labels:
                if label in kept:
                    kept[label][lo:hi] = values[label]
                    kept_u[label][lo:hi] = u[label]
            return values

        env = _variables(plan, draw(plan.var_labels))
        for a, alt in enumerate(scenario.alternatives):
            # One alternative at a time: its own draws and flows are the chunk's biggest arrays.
            draws, problems = _item_draws(a, alt, draw(plan.alt_labels[a]), env, n, horizon)
            if problems:  # name every such amount, in every alternative, before stopping
                for later in range(a + 1, n_alts):
                    problems += _item_draws(later, scenario.alternatives[later],
                                            draw(plan.alt_labels[later]), env, n, horizon)[1]
                raise ScenarioError(problems)
            stop_if_cancelled()
            f = model.flows(alt.items, draws, n, horizon, discount, tax_rate=scenario.tax_rate,
                            inflation=scenario.inflation, terminal_growth=alt.terminal_growth,
                            discount_rate=scenario.discount_rate)
            del draws
            net = f.net
            if not _within(net) or not _within(f.profit):
                _raise_not_finite(a, alt, f)
            # The net cash year by year (each year's futures contiguous), once: the kept yearly
            # paths, the IRR and both paybacks read it in that layout.
            net_t = _year_major(net)
            if keep_to > 0:
                cash[a, :, lo:lo + keep_to] = net_t[:, :keep_to]
            _present_value(f.benefits, discount, out=pv_b[a, lo:hi])
            _present_value(f.costs, discount, out=pv_c[a, lo:hi])
            _present_value(net, discount, out=npv[a, lo:hi])
            if f.tax is not None:
                _present_value(f.tax, discount, out=pv_tax[a, lo:hi])
            if f.terminal is not None:
                terminal[a, lo:hi] = f.terminal
            for r0 in range(0, n, irr_rows):
                stop_if_cancelled()
                irr[a, lo + r0:lo + min(r0 + irr_rows, n)] = finance.irr_cols(net_t[:, r0:r0 + irr_rows],
                                                                              later=irr_later[a], first=lo + r0)
            stop_if_cancelled()
            payback[a, lo:hi] = finance.payback_cols(net_t)
            dpayback[a, lo:hi] = finance.payback_cols(net_t, scenario.discount_rate)
            del net_t
            for i, pv in enumerate(f.item_pv):
                pv = np.broadcast_to(pv, (n,))
                for k, (b0, b1) in zip(blocks, bounds):
                    item_pv_blocks[a][k, i] = pv[b0:b1].sum()
            m = None
            if margin is not None:
                m = model.margin_impact_pp(f.profit, f.revenue, baseline.revenue,
                                           baseline.operating_margin, baseline.revenue_growth)
                if keep_to > 0:
                    margin[a, :, lo:lo + keep_to] = m[:keep_to].T
            if streaming:
                for k, (b0, b1) in zip(blocks, bounds):
                    cash_sums[a, k] = net[b0:b1].sum(axis=0)
                    if m is not None:
                        ok = np.isfinite(m[b0:b1])
                        margin_sums[a, k] = np.where(ok, m[b0:b1], 0.0).sum(axis=0)
                        margin_counts[a, k] = ok.sum(axis=0)
            del f, net, m
        return n

    # The few futures whose IRR needs the careful solver, solved together after the chunks (its
    # cost is mostly per call); the same rates as solved chunk by chunk.
    irr_later = [finance.IrrLater() for _ in scenario.alternatives]
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
    for a, later in enumerate(irr_later):
        stop_if_cancelled()
        at, rates = later.solve()
        irr[a, at] = rates
    item_pv_sum = [blocks_.sum(axis=0) for blocks_ in item_pv_blocks]

    alternatives = []
    for a, alt in enumerate(scenario.alternatives):
        cash_mean = margin_mean = None
        if streaming:
            cash_mean = _frozen(cash_sums[a].sum(axis=0) / n_total)
            if margin_sums is not None:
                counts = margin_counts[a].sum(axis=0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    margin_mean = _frozen(np.where(counts > 0, margin_sums[a].sum(axis=0) / counts, np.nan))
        alternatives.append(AlternativeResult(
            name=alt.name,
            npv=_frozen(npv[a]),
            pv_benefits=_frozen(pv_b[a]),
            pv_costs=_frozen(pv_c[a]),
            roi=_frozen(finance.roi(pv_b[a], pv_c[a])),
            irr=_frozen(irr[a]),
            payback=_frozen(payback[a]),
            discounted_payback=_frozen(dpayback[a]),
            cash=_frozen(cash[a].T),
            margin_pp=None if margin is None else _frozen(margin[a].T),
            item_pv={item.name: float(s / n_total) for item, s in zip(alt.items, item_pv_sum[a])},
            cash_mean=cash_mean,
            margin_mean=margin_mean,
            pv_taxes=None if pv_tax is None else _frozen(pv_tax[a]),
            terminal_value=None if terminal is None or alt.terminal_growth is None else _frozen(terminal[a]),
        ))
    return staging.apply(Results(  # staged alternatives are built from the others' futures
        scenario=scenario,
        iterations=n_total,
        seed=seed,
        sampling=method,
        alternatives=tuple(alternatives),
        inputs={k: _frozen(v) for k, v in kept.items()},
        input_quantiles={k: _frozen(v) for k, v in kept_u.items()},
        elapsed_seconds=time.perf_counter() - started,
    ))


def yearly_futures(iterations: int, alternatives: int, horizon: int, margins: bool,
                   budget: int = YEARLY_BUDGET) -> int:
    """How many futures (the first ones) keep their yearly paths: all of them when their
    float32 cash (and margin) fit in ``budget`` bytes, else as many whole blocks as fit (at
    least one block)."""
    per_future = alternatives * ((horizon + 1) + (horizon if margins else 0)) * 4
    if iterations * per_future <= budget:
        return iterations
    return min(iterations, max(BLOCK, budget // max(per_future, 1) // BLOCK * BLOCK))


#: Work arrays of one alternative's cash flows, in ``(rows, H + 1)`` float64 arrays at their
#: peak: the model's benefits, costs, profit and revenue, the net cash, an item's yearly values,
#: the margin impact (built in place) and the payback's running sums (measured with
#: tracemalloc: see tests/test_memory.py).
FLOW_ARRAYS = 7

#: More such arrays when the model takes its full path (tax, inflation, working capital,
#: resale values, year-0 items, lists, event counts, value beyond the horizon): the taxable
#: profit, the tax and their temporaries (measured as above).
FULL_FLOW_ARRAYS = FLOW_ARRAYS + 4

#: Work arrays of the size of one yearly event count while :func:`~simulator.model.distributions.poisson_ppf`
#: computes it (its start, the log-probability, probability and running sum, the result...).
POISSON_ARRAYS = 7


def _by_year(item: Item, scenario: Scenario) -> bool:
    """Whether an item's amount is drawn per year of years 0..H (a list, a formula of ``year``)."""
    return item.is_list or (isinstance(item.amount, Formula) and YEAR_NAME in item.amount.names
                            and YEAR_NAME not in scenario.variable_map)


def _full_model(scenario: Scenario, alt) -> bool:
    """Whether :func:`simulator.sim.cashflow.flows` takes its full path for ``alt`` (as its ``_plain``)."""
    if scenario.tax_rate or scenario.inflation or alt.terminal_growth is not None:
        return True
    for item in alt.items:
        if item.kind == "investment":
            if item.residual_value is not None or item.depreciation != model.STRAIGHT_LINE:
                return True
        elif not (item.is_annual and item.start_year >= 1 and item.frequency is None
                  and not _by_year(item, scenario)):
            return True
    return False


#: Bytes a run needs whatever its size (its plan, the discount factors, Python objects).
OVERHEAD = 2**20


def estimated_bytes(iterations: int, alternatives: int, horizon: int, margins: bool, inputs: int,
                    yearly_budget: int = YEARLY_BUDGET) -> int:
    """Memory a run keeps for its results: seven float64 metrics per alternative and future,
    each kept input's draw (float64) and quantile (float32), and the yearly float32 paths
    within the budget. The per-chunk work arrays come on top: :func:`work_bytes`."""
    kept_yearly = yearly_futures(iterations, alternatives, horizon, margins, yearly_budget)
    yearly = alternatives * ((horizon + 1) + (horizon if margins else 0)) * 4
    return iterations * (alternatives * 7 * 8 + inputs * 12) + kept_yearly * yearly


def work_bytes(plan: "_Plan", rows: int) -> int:
    """Peak bytes of the work arrays of one chunk of ``rows`` futures (one worker): the
    shared variables (one array each, kept while the alternatives are computed), then one
    alternative at a time its draws (uniforms and values: ``(rows,)`` each, ``(rows, H)`` for a
    yearly draw; a chance event's yes/no per year, an event count per year), its items' amounts,
    and its cash-flow arrays (:data:`FLOW_ARRAYS`; :data:`FULL_FLOW_ARRAYS` on the model's full
    path). A yearly draw of an item that starts in year 0, a list and a formula of ``year`` have
    H + 1 columns; an event count is float64 and needs the inverse Poisson's work arrays."""
    h = plan.horizon
    scenario = plan.scenario

    def elems(labels) -> int:
        return sum((plan.inputs[k].columns or h) if plan.inputs[k].yearly else 1 for k in labels)

    env = len(plan.var_order)
    worst = 8 * rows * (env + 2 * elems(plan.var_labels))
    for alt, labels in zip(scenario.alternatives, plan.alt_labels):
        mapped = [k for k in labels if plan.inputs[k].dist is not None]   # a uniform and its value
        bare = [k for k in labels if plan.inputs[k].dist is None]         # a chance's uniform is its value
        g = elems(mapped)
        occurs = elems(bare)
        chance = rows * elems(k for k in bare if k.field == "occurs")     # yes/no per year (bool)
        counts = 8 * rows * elems(k for k in bare if k.field == "events")  # events per year (float64)
        items = 8 * rows * sum(h + 1 if _by_year(item, scenario) else 1 for item in alt.items)
        arrays = FULL_FLOW_ARRAYS if _full_model(scenario, alt) else FLOW_ARRAYS
        drawing = 8 * rows * (env + 2 * g + occurs) + chance
        # the counts beside their uniforms, and the inverse Poisson's work arrays for one of them
        poisson = POISSON_ARRAYS * 8 * rows * max((plan.inputs[k].columns or h for k in bare if k.field == "events"),
                                                  default=0)
        building = 8 * rows * (env + g + occurs) + chance + counts + items + poisson
        flowing = 8 * rows * (env + g + (h + 1) * arrays) + chance + counts + items   # uniforms gone
        worst = max(worst, drawing, building, flowing)
    return worst


def estimate(scenario: Scenario, iterations: int | None = None, *, yearly_budget: int = YEARLY_BUDGET,
             workers: int | None = None, chunk_blocks: int = 1) -> int:
    """Bytes a run of ``iterations`` (default: the scenario's own) needs at its peak: what it
    keeps (:func:`estimated_bytes`) plus the work arrays of the chunks computed side by side
    (:func:`work_bytes`, once per worker)."""
    n = int(scenario.iterations if iterations is None else iterations)
    plan = _Plan(scenario)
    return _estimate(plan, n, yearly_budget, workers, chunk_blocks)


def _estimate(plan: "_Plan", n: int, yearly_budget: int, workers: int | None, chunk_blocks: int) -> int:
    scenario = plan.scenario
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    rows = min(n, BLOCK * max(1, chunk_blocks))
    chunks = -(-n // max(rows, 1))
    kept = estimated_bytes(n, len(scenario.alternatives), scenario.horizon_years, scenario.baseline is not None,
                           plan.kept, yearly_budget)
    side_by_side = max(1, min(workers, chunks))
    work = (side_by_side - 1) * work_bytes(plan, rows)
    last = n - (chunks - 1) * rows        # the last chunk may be smaller
    work += work_bytes(plan, rows if chunks > side_by_side else last)
    return OVERHEAD + kept + work


def _cgroup_limit() -> int | None:
    """The memory limit of this process's control group (a container's), when there is one."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    candidates = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        rel = parts[2].lstrip("/")
        if parts[0] == "0":   # cgroup v2
            candidates += [Path("/sys/fs/cgroup", rel, "memory.max"), Path("/sys/fs/cgroup/memory.max")]
        elif "memory" in parts[1].split(","):   # cgroup v1
            candidates += [Path("/sys/fs/cgroup/memory", rel, "memory.limit_in_bytes"),
                           Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")]
    for path in candidates:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
        return None
    return None


def _cgroup_usage() -> int:
    for path in (Path("/sys/fs/cgroup/memory.current"), Path("/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            return int(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
    return 0


def _address_space_left() -> int | None:
    """Bytes this process may still map under its RLIMIT_AS (``ulimit -v``), when limited."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError, AttributeError):
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return max(0, soft - used)


def available_memory() -> int | None:
    """Bytes of memory this process can still use now, when the system says (Linux): the
    smallest of the machine's available memory (/proc/meminfo), what is left of this process's
    address-space limit (RLIMIT_AS, ``ulimit -v``) and of its control group's limit
    (a container's ``memory.max``)."""
    limits = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    left = _address_space_left()
    if left is not None:
        limits.append(left)
    cg = _cgroup_limit()
    if cg is not None:
        limits.append(max(0, cg - _cgroup_usage()))
    return min(limits) if limits else None


#: Share of the available memory a run may plan to use (the rest: the app, the summary, the charts).
MEMORY_SHARE = 0.8


def fitting_iterations(plan: "_Plan", have: int, yearly_budget: int = YEARLY_BUDGET, workers: int | None = None,
                       chunk_blocks: int = 1) -> int:
    """The most iterations (a whole thousand, or fewer below a thousand) whose estimate fits in
    ``MEMORY_SHARE * have`` bytes; 0 when not even one future does. The estimate grows with the
    iterations, so a binary search finds the largest that fits, and that number then runs."""
    budget = MEMORY_SHARE * have
    if _estimate(plan, 1, yearly_budget, workers, chunk_blocks) > budget:
        return 0
    lo, hi = 1, 1
    while hi < 10**9 and _estimate(plan, hi * 2, yearly_budget, workers, chunk_blocks) <= budget:
        hi *= 2
    hi *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _estimate(plan, mid, yearly_budget, workers, chunk_blocks) <= budget:
            lo = mid
        else:
            hi = mid
    return lo // 1000 * 1000 if lo >= 1000 else lo


def _check_memory(plan: "_Plan", n: int, yearly_budget: int, workers: int | None, chunk_blocks: int) -> None:
    need = _estimate(plan, n, yearly_budget, workers, chunk_blocks)
    have = available_memory()
    if have is not None and need > MEMORY_SHARE * have:
        fits = fitting_iterations(plan, have, yearly_budget, workers, chunk_blocks)
        advice = (f"lower the iterations to {fits:,} or fewer, or shorten the horizon" if fits >= 1 else
                  "not even one future fits: shorten the horizon or use fewer yearly draws (vary = \"yearly\")")
        raise ScenarioError([Problem("iterations", (
            f"{n:,} simulated futures would need about {need / 2**30:.1f} GB of memory and this process has "
            f"{have / 2**30:.1f} GB it can use; {advice}"))])


#: Elements between the end of one year's futures and the start of the next in
#: :func:`_year_major` (128 bytes).
_ROW_GAP = 16


def _year_major(a: np.ndarray) -> np.ndarray:
    """``a.T`` as a new array, each row (year) contiguous, the rows :data:`_ROW_GAP` elements
    apart rather than back to back: a chunk's futures are a power of two (:data:`BLOCK`), and
    rows exactly 2**18 bytes apart fall on the same cache sets, so the IRR's and the paybacks'
    passes over several years at once ran about 15 % slower. The same values either way."""
    n, k = a.shape
    out = np.empty((k, n + _ROW_GAP))[:, :n]
    out[...] = a.T
    return out


def _within(x: np.ndarray) -> bool:
    """``(np.abs(x) <= MAX_AMOUNT).all()`` without its two temporaries: NaN fails both, as
    the extremes propagate it."""
    return x.size == 0 or bool(np.max(x) <= MAX_AMOUNT and np.min(x) >= -MAX_AMOUNT)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
