"""Decision analytics from a finished run: what drives the result, what is worth finding out.

Everything here reads the per-future arrays of :class:`~simulator.sim.engine.Results`; nothing
re-runs the simulation except :func:`break_even` (which must, with common random numbers)
and :func:`run_until_precise`.

Definitions (money in the scenario's currency):

- **Tornado**: for an uncertain input X, the mean NPV (or NPV difference between two
  alternatives) over the futures where X is in its lowest 10% of draws, and over those where
  it is in its highest 10%; the *swing* is the absolute difference. Inputs are sorted by swing.
- **Variance share**: the squared Spearman rank correlation between X and the outcome,
  normalised so that the shares of all inputs add up to one.
- **EVPPI** of X: E_X[max_a E[NPV_a | X]] - max_a E[NPV_a], what knowing X exactly before
  choosing would be worth. Estimated by grouping the futures into equal-count bins of X and
  taking conditional means per bin. The estimator is biased upwards by sampling noise; that
  bias is measured by applying the same estimator to random groupings (an input that cannot
  matter) and subtracted, and reported as the estimate's precision.
- **Dominance**: A dominates B at first order when every quantile of A's NPV is at least B's
  (never worse at any risk level); at second order when every lower partial mean is at least
  B's (preferred by every risk-averse decision maker). Ties within sampling noise count as
  equal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math
import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence
import weakref

import numpy as np

from simulator.analysis import formatting as fmt
from simulator.model.keys import InputKey, Target, input_label, replace_amount
from simulator.sim.quantiles import counts_at_or_below, percentiles_of_sorted

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results
    from simulator.model.scenario import Scenario

DECILE = 0.10


# ---------------------------------------------------------------------------------------
# Shared work: ranks of every input, computed once per Results
# ---------------------------------------------------------------------------------------

def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks scaled to (0, 1); ties (discrete inputs) share their mean rank."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ranks = np.empty(x.size)
    # tie groups: positions where the sorted value changes
    change = np.flatnonzero(np.diff(xs)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [x.size]))
    if starts.size == x.size:  # no ties: the common, fast case
        ranks[order] = np.arange(x.size)
    else:
        mean_rank = (starts + ends - 1) / 2.0
        ranks[order] = np.repeat(mean_rank, ends - starts)
    return (ranks + 0.5) / x.size


#: Analytics read at most this many futures (the first ones): enough for every figure they
#: show, and it keeps their cost and memory bounded at millions of iterations.
MAX_FUTURES = 200_000


def _approx_ranks(y: np.ndarray, resolution: int = 4096) -> np.ndarray:
    """Ranks in (0, 1] to within 1/resolution, from a sorted sample of the values: a rank
    correlation from them differs from Spearman's by far less than its sampling error, and it
    costs a binary search instead of a full sort."""
    if y.size <= resolution:
        return _ranks(y)
    sample = np.sort(y[:: y.size // resolution])
    return counts_at_or_below(sample, y) / sample.size


class _Cache:
    """Per-Results work shared by every analysis: input ranks, decile masks, rank matrix."""

    def __init__(self, results: "Results"):
        self.inputs = results.inputs      # not the Results: the cache must not keep them alive
        self.n = min(results.iterations, MAX_FUTURES)
        labels = [k for k, v in results.inputs.items() if v.size > 1 and np.ptp(v[:self.n]) > 0]
        self.labels = labels
        n = self.n
        # The quantile each draw came from is its rank in the input's own distribution.
        self.ranks = {k: results.input_quantiles[k][:n] for k in labels}
        # centred, unit-length ranks: a dot product with another such vector is Spearman's rho
        self.rank_matrix = np.empty((len(labels), n), dtype=np.float32)
        self.low = []
        self.high = []
        for i, k in enumerate(labels):
            r = self.ranks[k]
            row = self.rank_matrix[i]
            np.subtract(r, np.float32(r.mean()), out=row)
            row /= np.float32(math.sqrt(float(row @ row)) or 1.0)
            self.low.append(np.flatnonzero(r <= DECILE))
            self.high.append(np.flatnonzero(r > 1 - DECILE))
        self._percentiles: dict[InputKey, np.ndarray] = {}

    def percentiles(self, label: InputKey) -> np.ndarray:
        """The input's 10th and 90th percentiles: the draws whose quantile is nearest 0.1 and 0.9
        (the draws are monotone in their quantiles, so no sorting is needed)."""
        if label not in self._percentiles:
            u, x = self.ranks[label], self.inputs[label][:self.n]
            self._percentiles[label] = np.array([x[np.argmin(np.abs(u - q))] for q in (0.1, 0.9)])
        return self._percentiles[label]

    def uncertain_inputs(self) -> list[InputKey]:
        """Keys of the inputs that actually vary in this run."""
        return self.labels


class InsightCache:
    """What the insights compute once per :class:`~simulator.sim.engine.Results`: the ranks of
    the inputs and the overview's sentences. An explicit object beside the Results (they are
    frozen and stay free of it), keyed weakly: an entry goes when its Results go. Safe to use
    from the worker thread and the GUI thread at once (at worst both compute an entry)."""

    def __init__(self) -> None:
        self._ranks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._overview: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._dominance: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._information: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._outcome_ranks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._information_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _get(self, table: weakref.WeakKeyDictionary, results: "Results", make: Callable[[], Any]) -> Any:
        with self._lock:
            value = table.get(results)
        if value is None:
            value = make()
            with self._lock:
                value = table.setdefault(results, value)
        return value

    def ranks(self, results: "Results") -> _Cache:
        return self._get(self._ranks, results, lambda: _Cache(results))

    def overview(self, results: "Results", make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return self._get(self._overview, results, make)

    def dominance(self, results: "Results", pair: tuple[str, str], make: Callable[[], Any]) -> Any:
        """The dominance of one pair of alternatives, computed once per Results."""
        table = self._get(self._dominance, results, dict)
        value = table.get(pair)
        if value is None:
            value = table.setdefault(pair, make())
        return value

    def outcome_ranks(self, results: "Results", target: Target, make: Callable[[], np.ndarray]) -> np.ndarray:
        """An outcome's ranks for the tornado, worked out once per Results and target (``run
        --json`` asks for the decision's from the insights and from the break-evens)."""
        table = self._get(self._outcome_ranks, results, dict)
        value = table.get(target)
        if value is None:
            value = table.setdefault(target, make())
        return value

    def information(self, results: "Results", make: Callable[[], Any]) -> Any:
        """The values of information of a Results, computed once: a second caller (``run
        --json`` asks from the insights' thread and from the recommendation's at once) waits
        for the first instead of computing them again."""
        with self._lock:
            value = self._information.get(results)
            if value is not None:
                return value
            lock = self._information_locks.setdefault(results, threading.Lock())
        with lock:
            with self._lock:
                value = self._information.get(results)
            if value is None:
                value = make()
                with self._lock:
                    self._information[results] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._ranks.clear()
            self._overview.clear()
            self._dominance.clear()
            self._information.clear()
            self._outcome_ranks.clear()


#: The insights' one cache (see :class:`InsightCache`).
CACHE = InsightCache()


def _cache(results: "Results") -> _Cache:
    return CACHE.ranks(results)


def outcome(results: "Results", target: Target) -> np.ndarray:
    """NPV of an alternative, or the NPV difference for a pair (``a`` minus ``b``)."""
    if target.b is not None:
        return results.alternative(target.a).npv - results.alternative(target.b).npv
    return results.alternative(target.a).npv


def targets(results: "Results") -> list[Target]:
    """Every alternative, then every pair (the decision between them), in file order."""
    names = results.names
    return [Target(a) for a in names] + [Target(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def pair(results: "Results", a: str, b: str) -> Target:
    """The pair of ``a`` and ``b`` as :func:`targets` spells it (file order)."""
    names = results.names
    return Target(a, b) if names.index(a) <= names.index(b) else Target(b, a)


# ---------------------------------------------------------------------------------------
# Tornado and variance share
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    input: InputKey
    low_mean: float      # mean outcome when the input is in its lowest 10% of draws
    high_mean: float     # ... in its highest 10%
    low_value: float     # the input's 10th percentile
    high_value: float    # the input's 90th percentile
    rank_corr: float     # Spearman correlation of input and outcome
    variance_share: float

    @property
    def swing(self) -> float:
        return abs(self.high_mean - self.low_mean)


@dataclass(frozen=True)
class Tornado:
    target: Target       # an alternative, or a pair
    mean: float          # mean outcome over all futures
    bars: tuple[Bar, ...]  # sorted by swing, largest first


def tornado(results: "Results", target: Target, *, own_only: bool = False) -> Tornado:
    """The tornado of ``target``. ``own_only`` keeps the shared variables and the inputs of
    the target's own alternatives (no other input can move its outcome; variance shares are
    still of all inputs)."""
    cache = _cache(results)
    y = outcome(results, target)[:cache.n]
    yr = CACHE.outcome_ranks(results, target, lambda: _unit_ranks(y))
    rows = [i for i, label in enumerate(cache.labels)
            if not own_only or label.alternative is None or label.alternative in target.names]
    rho = np.zeros(len(cache.labels))
    if rows:
        rho[rows] = (cache.rank_matrix[rows] @ yr).astype(float)
    total = float(rho @ rho) or 1.0
    bars = []
    for i in rows:
        label = cache.labels[i]
        lo_v, hi_v = cache.percentiles(label)
        bars.append(Bar(label, float(y[cache.low[i]].mean()), float(y[cache.high[i]].mean()), float(lo_v),
                        float(hi_v), float(rho[i]), float(rho[i] ** 2 / total)))
    bars.sort(key=lambda b: b.swing, reverse=True)
    return Tornado(target, float(y.mean()) if y.size else 0.0, tuple(bars))


def _unit_ranks(y: np.ndarray) -> np.ndarray:
    """The outcome's approximate ranks, centred and of unit length (float32, read-only): a dot
    product with a row of the inputs' rank matrix is Spearman's rho."""
    yr = _approx_ranks(y).astype(np.float32)
    yr -= yr.mean()
    yr /= np.float32(math.sqrt(float(yr @ yr)) or 1.0)
    yr.setflags(write=False)
    return yr


# ---------------------------------------------------------------------------------------
# Value of information
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InfoValue:
    input: InputKey
    value: float        # EVPPI estimate, bias-corrected, >= 0
    precision: float    # about how far off the estimate may be (the noise floor)


@dataclass(frozen=True)
class ValueOfInformation:
    evpi: float
    inputs: tuple[InfoValue, ...]   # sorted, largest first
    sentence: str


def _bins_for(n: int) -> int:
    return int(np.clip(n // 400, 5, 100))


def _evppi_grouped(npv: np.ndarray, groups: np.ndarray, n_groups: int) -> float:
    """mean over groups of max_a (group mean of NPV_a) - max_a mean NPV_a; npv is (A, n)."""
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    ok = counts > 0
    sums = np.stack([np.bincount(groups, weights=row, minlength=n_groups) for row in npv])
    means = sums[:, ok] / counts[ok]
    weights = counts[ok] / counts[ok].sum()
    return float((means.max(axis=0) * weights).sum() - npv.mean(axis=1).max())


def _evppi_own(row: np.ndarray, others: float, overall: float, groups: np.ndarray, n_groups: int) -> float:
    """:func:`_evppi_grouped` for an input that moves one alternative's NPV only (``row``): the
    others' conditional means are their overall means (the input is independent of them), of
    which only the best, ``others``, can matter. O(n), whatever the number of alternatives."""
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    ok = counts > 0
    means = np.bincount(groups, weights=row, minlength=n_groups)[ok] / counts[ok]
    weights = counts[ok] / counts[ok].sum()
    return float((np.maximum(means, others) * weights).sum() - overall)


def value_of_information(results: "Results", *, top_sentence: bool = True) -> ValueOfInformation:
    """EVPPI of every uncertain input (see the module doc). A shared variable can move every
    alternative, so its estimate groups all of them; an item's input moves its own
    alternative only and is independent of the others (correlations join shared variables
    only), so its estimate needs that alternative's conditional means alone, with a noise
    floor measured the same way: linear in the number of alternatives.

    The values are computed once per Results (kept in :data:`CACHE`: ``run --json`` quotes
    them in the insights and in the recommendation); the sentence is written at each call,
    in the caller's locale."""
    evpi, values = CACHE.information(results, lambda: _information(results))
    if values is None:
        return ValueOfInformation(evpi, (), "With a single alternative there is no choice to inform.")
    return ValueOfInformation(evpi, values, _info_sentence(evpi, values, results.scenario.currency,
                                                           fmt.headline_scale(results.summary.alternatives)))


def _information(results: "Results") -> tuple[float, tuple[InfoValue, ...] | None]:
    """(EVPI, the inputs' values of information, largest first) of :func:`value_of_information`;
    None instead of the values when there is no choice to inform."""
    cache = _cache(results)
    npv = np.vstack([a.npv[:cache.n] for a in results.alternatives])
    n = npv.shape[1]
    evpi = results.summary.comparison.evpi
    if npv.shape[0] < 2 or n < 50:
        return evpi, None
    k = _bins_for(n)
    # The noise floor: the same estimator on random groupings of the futures.
    rng = np.random.default_rng(12345)
    random_groups = [rng.integers(0, k, n) for _ in range(5)]
    floors = [_evppi_grouped(npv, g, k) for g in random_groups]
    floor = float(np.mean(floors))
    spread = float(np.std(floors, ddof=1)) if len(floors) > 1 else 0.0
    means = npv.mean(axis=1)
    overall = float(means.max())
    index = {name: i for i, name in enumerate(results.names)}
    own_floor: dict[int, tuple[float, float]] = {}

    def floor_of(a: int) -> tuple[float, float, float]:
        """(best other mean, floor, spread) for inputs of alternative ``a``."""
        others = float(np.delete(means, a).max())
        if a not in own_floor:
            fs = [_evppi_own(npv[a], others, overall, g, k) for g in random_groups]
            own_floor[a] = (float(np.mean(fs)), float(np.std(fs, ddof=1)))
        return (others, *own_floor[a])

    values = []
    for label in cache.uncertain_inputs():
        r = cache.ranks[label]
        groups = np.minimum((r * k).astype(np.intp), k - 1)
        a = index.get(label.alternative) if label.alternative is not None else None
        if a is None:
            raw, fl, sp = _evppi_grouped(npv, groups, k), floor, spread
        else:
            others, fl, sp = floor_of(a)
            raw = _evppi_own(npv[a], others, overall, groups, k)
        values.append(InfoValue(label, max(0.0, min(raw - fl, evpi)), max(fl, 2 * sp)))
    values.sort(key=lambda v: v.value, reverse=True)
    return evpi, tuple(values)


def _info_sentence(evpi: float, values: Sequence[InfoValue], currency: str, scale: fmt.Scale | None = None) -> str:
    m = lambda x: fmt.money(x, currency, scale=scale)
    if not values or evpi <= 0:
        return "No single unknown is worth measuring: the choice is the same in every simulated future."
    top = values[0]
    if top.value <= top.precision:
        return (f"No single unknown is clearly worth measuring before deciding; knowing the whole future "
                f"would be worth {m(evpi)}.")
    rest = max(values[1].value if len(values) > 1 else 0.0, top.precision)
    text = f"Knowing {pretty_input(top.input)} before deciding is worth about {m(top.value)}"
    if len(values) > 1:
        if rest < 0.005 * max(evpi, 1e-9) or m(rest) == m(0):
            text += "; the other unknowns are worth next to nothing"
        else:
            text += f"; the other unknowns are worth less than {m(rest)} each"
    return text + f" (knowing everything: {m(evpi)})."


def pretty_input(key: InputKey) -> str:
    """An input in words: ``line_units`` -> "line units"; "ERP system / Licences" (see
    :func:`simulator.model.keys.input_label`, the one function that makes these labels)."""
    return input_label(key)


# ---------------------------------------------------------------------------------------
# Dominance
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dominance:
    a: str
    b: str
    first_order: str | None    # the name of the dominating alternative, or None
    second_order: str | None
    sentence: str


def _dominates(xa: np.ndarray, xb: np.ndarray, tol: float, lpm_a: np.ndarray | None = None,
               lpm_b: np.ndarray | None = None) -> tuple[bool, bool]:
    """(first-order, second-order) dominance of sorted samples a over b, within ``tol``;
    ``lpm_a``/``lpm_b`` are their lower partial means (``np.cumsum(x) / n``) when known."""
    fsd = bool(np.all(xa >= xb - tol)) and bool(np.any(xa > xb + tol))
    n = xa.size
    lpm_a = np.cumsum(xa) / n if lpm_a is None else lpm_a
    lpm_b = np.cumsum(xb) / n if lpm_b is None else lpm_b
    ssd = bool(np.all(lpm_a >= lpm_b - tol)) and bool(np.any(lpm_a > lpm_b + tol))
    return fsd, ssd


def _sorted_npv(alt) -> np.ndarray:
    sorted_npv = getattr(alt, "npv_sorted", None)      # sorted once per run (engine.AlternativeResult)
    return np.sort(alt.npv) if sorted_npv is None else sorted_npv


def dominance(results: "Results", a: str, b: str) -> Dominance:
    """Whether ``a`` or ``b`` dominates the other; computed once per run and pair (kept in
    :data:`CACHE`), from the NPVs sorted once per alternative."""
    return CACHE.dominance(results, (a, b), lambda: _dominance(results, a, b))


def _dominance(results: "Results", a: str, b: str) -> Dominance:
    xa = _sorted_npv(results.alternative(a))
    xb = _sorted_npv(results.alternative(b))
    if xa.size != xb.size:  # pragma: no cover - one run, same futures
        raise ValueError("alternatives of one run have the same number of futures")
    scale = max(np.std(xa), np.std(xb), 1e-9)
    tol = 0.01 * scale + 1e-9  # differences within 1% of a standard deviation are noise
    cur = results.scenario.currency
    scale = fmt.headline_scale(results.summary.alternatives)   # the P90s beside the headline figures
    m = lambda x: fmt.money(x, cur, scale=scale)
    n = xa.size
    lpm = {a: np.cumsum(xa) / n, b: np.cumsum(xb) / n}
    order = {a: _dominates(xa, xb, tol, lpm[a], lpm[b]), b: _dominates(xb, xa, tol, lpm[b], lpm[a])}
    for first, second in ((a, b), (b, a)):
        if order[first][0]:
            return Dominance(a, b, first, first, f"{first} is never worse than {second} at any risk level "
                                                  f"(first-order dominance): choose {first}.")
    for first, second, sa, sb in ((a, b, xa, xb), (b, a, xb, xa)):
        if order[first][1]:
            return Dominance(a, b, None, first,
                             f"{first} is the better choice for anyone who dislikes risk (second-order "
                             f"dominance), although {second} can do better in some futures "
                             f"(P90 {m(percentiles_of_sorted(sb, [90])[0])} vs "
                             f"{m(percentiles_of_sorted(sa, [90])[0])}).")
    sa, sb = results.summary.alternative(a), results.summary.alternative(b)
    upside = a if sa.npv.p90 >= sb.npv.p90 else b
    riskier = a if sa.prob_loss >= sb.prob_loss else b
    other = b if upside == a else a
    if upside == riskier:
        detail = (f"{upside} has the higher upside (P90 {m(max(sa.npv.p90, sb.npv.p90))} vs "
                  f"{m(min(sa.npv.p90, sb.npv.p90))}) and the higher chance of loss "
                  f"({fmt.percent(max(sa.prob_loss, sb.prob_loss))} vs {fmt.percent(min(sa.prob_loss, sb.prob_loss))})")
    else:
        detail = f"{upside} has the higher upside; {other} protects better against some of the losses"
    return Dominance(a, b, None, None, f"Neither dominates the other: {detail}. The choice depends on appetite "
                                       "for risk.")


def dominance_all(results: "Results") -> list[Dominance]:
    names = results.names
    return [dominance(results, a, b) for i, a in enumerate(names) for b in names[i + 1:]]


# ---------------------------------------------------------------------------------------
# Where the value comes from
# ---------------------------------------------------------------------------------------

UNSPECIFIED = "unspecified driver"


def by_driver(results: "Results") -> dict[str, dict[str, float]]:
    """Mean PV of benefits per business driver, per alternative. Sums to PV of benefits."""
    out: dict[str, dict[str, float]] = {}
    for alt_s, alt_r in zip(results.scenario.alternatives, results.alternatives):
        drivers: dict[str, float] = {}
        for item in alt_s.items:
            if item.kind == "benefit":
                key = item.driver or UNSPECIFIED
                drivers[key] = drivers.get(key, 0.0) + alt_r.item_pv[item.name]
        out[alt_s.name] = drivers
    for alt_s, alt_r in zip(results.scenario.alternatives, results.alternatives):
        # A staged alternative (simulator.sim.staging) has the benefits of the project it tests,
        # where it goes ahead: its PV of benefits, split in the project's own proportions (the
        # per-item values of each future are not kept, so the split is the project's average one).
        target = out.get(alt_s.stage_of) if alt_s.is_staged else None
        if target is not None:
            total = sum(target.values())
            pv = float(alt_r.pv_benefits.mean())
            out[alt_s.name] = {k: pv * v / total for k, v in target.items()} if total else \
                ({UNSPECIFIED: pv} if pv else {})
    return out


@dataclass(frozen=True)
class Step:
    label: str
    kind: str      # investment | working_capital | running_cost | benefit | risk | tax | terminal
    value: float   # signed mean present value


#: Labels of the steps that are not items.
TAX_LABEL = "Taxes"
TERMINAL_LABEL = "Value beyond the horizon"


def waterfall(results: "Results", name: str) -> list[Step]:
    """Items of one alternative in the order costs, benefits, risks, as signed mean PVs; then,
    when the scenario has them, the taxes (minus their present value: a saving is positive)
    and the present value of the value beyond the horizon.

    Their sum is the expected NPV.
    """
    alt_s = results.scenario.alternative(name)
    alt_r = results.alternative(name)
    if alt_s.is_staged:   # the pilot, then the project where it goes ahead (after tax): simulator.sim.staging
        return [Step(label, "investment" if value < 0 else "benefit", value) for label, value in alt_r.item_pv.items()]
    order = {"investment": 0, "working_capital": 1, "running_cost": 2, "benefit": 3, "risk": 4}
    items = sorted(alt_s.items, key=lambda it: order[it.kind])
    steps = [Step(it.name, it.kind, alt_r.item_pv[it.name]) for it in items]
    if alt_r.pv_taxes is not None:
        steps.append(Step(TAX_LABEL, "tax", -float(alt_r.pv_taxes.mean())))
    if alt_r.terminal_value is not None:
        sc = results.scenario
        factor = (1.0 + sc.discount_rate) ** -sc.horizon_years
        steps.append(Step(TERMINAL_LABEL, "terminal", float(alt_r.terminal_value.mean()) * factor))
    return steps


# ---------------------------------------------------------------------------------------
# Precision
# ---------------------------------------------------------------------------------------

def standard_errors(results: "Results") -> dict[str, Any]:
    """Standard error of every mean and chance shown (plain Monte Carlo formula, which is an
    upper bound for Latin hypercube sampling)."""
    s = results.summary
    n = results.iterations
    out: dict[str, Any] = {"alternatives": {}, "prob_beats": {}}
    for a in s.alternatives:
        out["alternatives"][a.name] = {"npv_mean": a.npv.se, "prob_loss": a.prob_loss_se,
                                       "prob_best": math.sqrt(s.comparison.prob_best[a.name]
                                                              * (1 - s.comparison.prob_best[a.name]) / n)}
    for a, row in s.comparison.prob_beats.items():
        out["prob_beats"][a] = {b: math.sqrt(p * (1 - p) / n) for b, p in row.items()}
    return out


def precision_warnings(results: "Results") -> list[str]:
    """Plain-words warnings where the iterations are too few for the figures shown."""
    s = results.summary
    cur = results.scenario.currency
    warnings = []
    for a in s.alternatives:
        se = a.npv.se
        if se > 0 and abs(a.npv.mean) < 4 * se:
            warnings.append(f"The expected NPV of {a.name} ({fmt.money(a.npv.mean, cur)}) is within the "
                            f"simulation's own noise (±{fmt.money(2 * se, cur)}); run more iterations before "
                            "quoting it.")
        elif se > 0.05 * abs(a.npv.mean):
            warnings.append(f"The expected NPV of {a.name} is known only to about ±{fmt.money(2 * se, cur)}; "
                            "run more iterations for a firmer figure.")
    comp = s.comparison
    if comp.runner_up is not None:
        p = comp.prob_beats[comp.best][comp.runner_up]
        se = math.sqrt(p * (1 - p) / results.iterations)
        if se > 0.01:
            warnings.append(f"The chance that {comp.best} beats {comp.runner_up} ({fmt.percent(p)}) is known only "
                            f"to about ±{2 * se * 100:.0f} points; run more iterations.")
    return warnings


def run_until_precise(scenario: "Scenario", *, share: float = 0.01, cap: int = 1_000_000,
                      seed: int | None = None, progress: Callable[[int, int], None] | None = None,
                      cancel: Callable[[], bool] | None = None) -> "Results":
    """Run with growing iterations until the standard error of every expected NPV is below
    ``share`` times that alternative's NPV standard deviation, or ``cap`` iterations.

    Uses the plain Monte Carlo standard error (a safe, conservative rule for Latin hypercube
    sampling). The iterations double from the scenario's own each round.
    """
    from simulator.sim.engine import run

    if not 0 < share < 1:
        raise ValueError("share must be between 0 and 1")
    n = max(int(scenario.iterations), 1000)
    while True:
        n = min(n, cap)
        results = run(scenario, n, seed, progress=progress, cancel=cancel)
        done = all(a.npv.se <= share * a.npv.std or a.npv.std == 0 for a in results.summary.alternatives)
        if done or n >= cap:
            return results
        n *= 2


# ---------------------------------------------------------------------------------------
# Break-even with common random numbers
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BreakEven:
    input: InputKey
    a: str
    b: str
    value: float | None      # the input value at which E[NPV_a] = E[NPV_b]; None if none in range
    low: float               # the range searched (the input's 1st to 99th percentile)
    high: float
    sentence: str


def fix_input(scenario: "Scenario", key: InputKey, value: float) -> "Scenario":
    """The scenario with one uncertain input replaced by a fixed number (through
    :func:`simulator.model.keys.replace_amount`); a fixed variable leaves its correlations, which
    only an uncertain one can have."""
    fixed = replace_amount(scenario, key, float(value))
    if key.is_variable:
        fixed = replace(fixed, correlations=tuple(c for c in fixed.correlations if key.item not in c.between))
    return fixed


def break_even(results: "Results", a: str | None = None, b: str | None = None, label: InputKey | None = None,
               *, iterations: int | None = None, tol: float | None = None) -> BreakEven | None:
    """The value of the most influential input at which two alternatives (default: the two
    with the highest expected NPV) have equal expected NPV.

    Each trial fixes the input at a value and re-simulates the rest with the same seed, so
    every other input keeps its draws (common random numbers) and the search sees the input's
    effect, not noise. Returns None with fewer than two alternatives or no uncertain input.
    """
    from simulator.sim.engine import run

    comp = results.summary.comparison
    if comp.runner_up is None:
        return None
    a = a or comp.best
    b = b or comp.runner_up
    if label is None:
        bars = tornado(results, Target(a, b)).bars
        fixable = [bar for bar in bars if bar.input.field != "occurs"]
        if not fixable:
            return None
        label = fixable[0].input
    scenario = results.scenario
    n = iterations or min(results.iterations, 20_000)
    draws = results.inputs[label]
    lo, hi = (float(v) for v in np.percentile(draws, [1, 99]))
    cur = scenario.currency

    def diff(value: float) -> float:
        r = run(fix_input(scenario, label, value), n, results.seed, workers=1)
        return float(r.alternative(a).npv.mean() - r.alternative(b).npv.mean())

    f_lo, f_hi = diff(lo), diff(hi)
    fmt_v = _format_input(label, cur)
    if f_lo == 0:
        return BreakEven(label, a, b, lo, lo, hi, f"{a} and {b} are level when {pretty_input(label)} is {fmt_v(lo)}.")
    if np.sign(f_lo) == np.sign(f_hi):
        leader = a if f_lo > 0 else b
        return BreakEven(label, a, b, None, lo, hi,
                         f"{leader} stays ahead whatever {pretty_input(label)} turns out to be between {fmt_v(lo)} and "
                         f"{fmt_v(hi)}: no break-even in that range.")
    tol = tol if tol is not None else 1e-6 * (hi - lo)
    x0, f0, x1, f1 = lo, f_lo, hi, f_hi      # f0 and f1 have opposite signs
    side = 0
    x = x0
    for _ in range(40):  # Illinois false position: few re-runs, always bracketed
        x = (x0 * f1 - x1 * f0) / (f1 - f0)
        fx = diff(x)
        if fx == 0 or x1 - x0 < tol or abs(fx) <= 1e-7 * max(abs(f_lo), abs(f_hi)):
            break
        if np.sign(fx) == np.sign(f1):
            x1, f1 = x, fx
            if side == -1:
                f0 /= 2
            side = -1
        else:
            x0, f0 = x, fx
            if side == 1:
                f1 /= 2
            side = 1
    value = float(x)
    winner_low = a if f_lo > 0 else b
    winner_high = b if winner_low == a else a
    return BreakEven(label, a, b, value, lo, hi,
                     f"{winner_low} is ahead while {pretty_input(label)} is below {fmt_v(value)}; {winner_high} is ahead "
                     "above it.")


def _format_input(label: InputKey, currency: str) -> Callable[[float], str]:
    def f(v: float) -> str:
        if abs(v) >= 1000:
            return fmt.money(v, currency) if label.is_amount else f"{v:,.0f}"
        return f"{v:.3g}"
    return f


def overview_lines(results: "Results") -> dict[str, Any]:
    """The sentences an overview quotes, computed once per Results (kept in :data:`CACHE`):
    ``dominance`` (the two leading alternatives), ``worth`` (what is worth finding out) and
    ``warnings`` (where the iterations are too few for the figures shown)."""
    def make() -> dict[str, Any]:
        comp = results.summary.comparison
        lines: dict[str, Any] = {"dominance": "", "worth": "", "warnings": precision_warnings(results)}
        if comp.runner_up is not None:
            lines["dominance"] = dominance(results, comp.best, comp.runner_up).sentence
            lines["worth"] = value_of_information(results).sentence
        from simulator.analysis.pilot import pilot_lines

        lines["pilot"] = "\n".join(pilot_lines(results))   # staged alternatives: what the test is worth
        return lines

    return CACHE.overview(results, make)


# ---------------------------------------------------------------------------------------
# The whole set, for JSON and reports
# ---------------------------------------------------------------------------------------

#: ``run --json`` explains every pair among this many leading alternatives (by expected NPV).
LEADING = 3


def leading_pairs(results: "Results", k: int = LEADING) -> list[Target]:
    """The pairs among the ``k`` alternatives with the highest expected NPV (file order within
    a pair): at most k(k-1)/2 of them, whatever the number of alternatives."""
    means = [(-float(np.mean(a.npv)) if np.isfinite(np.mean(a.npv)) else math.inf, i)
             for i, a in enumerate(results.alternatives)]
    top = sorted(i for _, i in sorted(means)[:k])
    names = results.names
    return [Target(names[i], names[j]) for x, i in enumerate(top) for j in top[x + 1:]]


def input_json(key: InputKey) -> dict[str, Any]:
    """An input for JSON: its identity (``alternative`` null for a shared variable, ``item``,
    ``field``, ``year``: null except for one entry of a list of yearly amounts) and its
    ``label`` in words."""
    return {"alternative": key.alternative, "item": key.item, "field": key.field, "year": key.year,
            "label": input_label(key)}


def to_json(results: "Results") -> dict[str, Any]:
    """The analytics of ``run --json``. Its size grows linearly with the alternatives: each
    alternative's sensitivity lists the shared variables and its own inputs (no other input
    can move its NPV), and the pairwise analytics (sensitivity of the difference, dominance)
    cover only :func:`leading_pairs`, listed under ``pairs``."""
    pairs = leading_pairs(results)
    sens = {}
    for t in [Target(name) for name in results.names] + pairs:
        tor = tornado(results, t, own_only=True)
        sens[t.label()] = [{"input": input_json(b.input), "low_mean": b.low_mean, "high_mean": b.high_mean,
                            "swing": b.swing, "low_value": b.low_value, "high_value": b.high_value,
                            "rank_corr": b.rank_corr, "variance_share": b.variance_share}
                           for b in tor.bars]
    voi = value_of_information(results)
    return {
        "pairs": [[t.a, t.b] for t in pairs],
        "sensitivity": sens,
        "evppi": {"evpi": voi.evpi, "sentence": voi.sentence,
                  "inputs": [{"input": input_json(v.input), "value": v.value, "precision": v.precision}
                             for v in voi.inputs]},
        "dominance": [{"a": d.a, "b": d.b, "first_order": d.first_order, "second_order": d.second_order,
                       "sentence": d.sentence} for d in (dominance(results, t.a, t.b) for t in pairs)],
        "by_driver": by_driver(results),
        "waterfall": {name: [{"label": s.label, "kind": s.kind, "value": s.value} for s in waterfall(results, name)]
                      for name in results.names},
        "standard_errors": standard_errors(results),
        "precision_warnings": precision_warnings(results),
    }
