"""Which set of projects to fund under a capital budget: the ``[portfolio]`` analysis.

A scenario with a ``[portfolio]`` table (:mod:`simulator.model.portfolio_spec`) treats its
alternatives as candidate projects, any subset of which may be funded. One engine run gives,
for every simulated future ``s`` and project ``j``, the project's NPV ``V[s, j]``; shared
variables and correlations tie the projects within each future, so the NPV of a funded set
``x`` (0/1 per project) in future ``s`` is ``V[s] @ x`` and its spread, chance of loss and
diversification are the real ones.

The problem (all money in the scenario's currency):

    maximise    mean(V, axis=0) @ x                      (expected NPV is additive)
    subject to  capital @ x <= budget                    (expected investment amounts, all years)
                capital_by_year[:, t] @ x <= budget_by_year[t]
                x[j] = 1 for must-fund j;  sum(x[group]) <= 1 per exclusive group;
                x[a] <= x[b] per requires pair (a only if b)
                #{s : V[s] @ x < 0} <= floor(max_loss_probability * S)    (the loss limit)

The loss limit is a chance constraint over the simulated futures, taken exactly as written:
the sample-average approximation, the share of the S simulated futures in which the funded
set loses money (the figure the report shows). It is not replaced by CVaR: CVaR <= 0 is
a *conservative* linear stand-in that rejects sets which meet the limit (here it often
rejected the best set), so the answer would not be the best set that meets the stated limit.

How it is solved (measured, 2 cores, 30 candidates x 20,000 futures; see bench/portfolio.py):

- The linear part (budgets, must-fund, exclusive, requires) is an integer programme solved
  by HiGHS (``highspy``). When its optimum also meets the loss limit (the usual case), it is
  the answer: the loss limit can only remove sets.
- Otherwise the big-M formulation with a binary per future (``V[s] @ x + M_s z_s >= 0``,
  ``sum z <= k``) is exact but HiGHS did not finish it within 30 s at 15 x 2,000 or
  30 x 2,000 (the z's make its relaxation weak), and the CVaR MILP with a row per future did
  not finish 30 x 20,000 in 30 s either. So the loss-limited case is a depth-first branch and
  bound over the projects (:func:`_branch_and_bound`): the bound on value is the fractional
  knapsack of the projects left; the bound on losses counts the futures that lose even if
  every project left with a positive NPV there were added. Both bounds are valid, so the
  answer is the exact optimum; the tests check it against every subset.

Numbers: ``capital`` is the sum of an alternative's investment items' expected amounts,
undiscounted (its present value brought back to the payment year); chances are fractions;
an alternative without items (a "Do nothing" reference) is not a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import math
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from simulator.analysis import formatting as fmt
from simulator.model.errors import Problem, ScenarioError
from simulator.model.portfolio_spec import PortfolioSpec

if TYPE_CHECKING:  # pragma: no cover
    from simulator.sim.engine import Results

PERCENTILES = (5, 10, 50, 90, 95)
#: Budget levels of the frontier, as multiples of the scenario's budget (plus the budget itself).
FRONTIER_LEVELS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
_REL = 1e-9  # relative tolerance on budgets: capital equal to the budget fits


class PortfolioInfeasible(ScenarioError):
    """No set of projects meets the ``[portfolio]`` constraints. Each problem names the
    constraint (``portfolio.budget``, ``portfolio.max_loss_probability``...) and the least
    infeasible alternative."""


@dataclass(frozen=True, eq=False)
class Candidates:
    """The projects that can be funded, from one run. Arrays are read-only.

    ``npv`` is (futures, projects); ``capital`` (projects,) and ``capital_by_year``
    (projects, horizon + 1) are expected investment amounts, undiscounted.
    """

    names: tuple[str, ...]
    categories: tuple[str, ...]
    npv: np.ndarray
    capital: np.ndarray
    capital_by_year: np.ndarray

    @property
    def expected(self) -> np.ndarray:
        return self._expected

    def __post_init__(self) -> None:
        object.__setattr__(self, "_expected", self.npv.mean(axis=0))

    def index(self, name: str) -> int:
        return self.names.index(name)


def candidates(results: "Results") -> Candidates:
    """The candidate projects of a run: every alternative with at least one item."""
    sc = results.scenario
    horizon = sc.horizon_years
    grow = (1.0 + sc.discount_rate) ** np.arange(horizon + 1)
    names, cats, cols, caps = [], [], [], []
    for alt, alt_r in zip(sc.alternatives, results.alternatives):
        if not alt.items:
            continue
        by_year = np.zeros(horizon + 1)
        for item in alt.items:
            if item.kind == "investment":
                by_year[item.year] += -alt_r.item_pv[item.name] * grow[item.year]
        names.append(alt.name)
        cats.append(alt.category or "")
        cols.append(alt_r.npv)
        caps.append(by_year)
    npv = np.ascontiguousarray(np.column_stack(cols)) if cols else np.zeros((results.iterations, 0))
    cap_y = np.array(caps).reshape(len(caps), horizon + 1)
    for a in (npv, cap_y):
        a.setflags(write=False)
    capital = cap_y.sum(axis=1)
    capital.setflags(write=False)
    return Candidates(tuple(names), tuple(cats), npv, capital, cap_y)


# ---------------------------------------------------------------------------------------
# The constraints, by index
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Constraints:
    """The ``[portfolio]`` constraints over candidate indices. ``forbid`` leaves projects out
    (used to ask "what if we dropped it"); ``max_loss`` is a fraction or None."""

    budget: float
    budget_by_year: tuple[float, ...] = ()
    max_loss: float | None = None
    must: frozenset[int] = frozenset()
    forbid: frozenset[int] = frozenset()
    exclusive: tuple[tuple[int, ...], ...] = ()
    requires: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, spec: PortfolioSpec, cands: Candidates) -> "Constraints":
        known = {n: i for i, n in enumerate(cands.names)}
        groups = tuple(g for g in (tuple(sorted({known[n] for n in grp if n in known})) for grp in spec.exclusive)
                       if len(g) >= 2)
        pairs = tuple((known[a], known[b]) for a, b in spec.requires if a in known and b in known)
        return cls(spec.budget, tuple(spec.budget_by_year), spec.max_loss_probability,
                   frozenset(known[n] for n in spec.must_fund if n in known), frozenset(), groups, pairs)

    def max_losses(self, futures: int) -> int | None:
        """The most futures the funded set may lose money in; None without a loss limit."""
        if self.max_loss is None:
            return None
        return int(math.floor(self.max_loss * futures + 1e-9))

    def scaled(self, budget: float) -> "Constraints":
        """The same constraints at another budget (yearly limits scaled in proportion)."""
        f = budget / self.budget
        return replace(self, budget=budget, budget_by_year=tuple(b * f for b in self.budget_by_year))


def losses(npv: np.ndarray, x: np.ndarray) -> int:
    """Futures in which the set ``x`` (bool, per project) loses money: total NPV below zero."""
    if not x.any():
        return 0
    return int(np.count_nonzero(npv[:, x].sum(axis=1) < 0))


def fits(cands: Candidates, cons: Constraints, x: np.ndarray) -> list[str]:
    """Which constraints (other than the loss limit) the set ``x`` breaks, in words; [] if none."""
    why = []
    cap = float(cands.capital[x].sum())
    if cap > cons.budget * (1 + _REL):
        why.append("budget")
    for t, limit in enumerate(cons.budget_by_year):
        if float(cands.capital_by_year[x, t].sum()) > limit * (1 + _REL) + 1e-9:
            why.append(f"budget_by_year[{t}]")
    if any(not x[j] for j in cons.must):
        why.append("must_fund")
    if any(x[j] for j in cons.forbid):
        why.append("forbidden")
    for i, g in enumerate(cons.exclusive):
        if sum(bool(x[j]) for j in g) > 1:
            why.append(f"exclusive[{i}]")
    for i, (a, b) in enumerate(cons.requires):
        if x[a] and not x[b]:
            why.append(f"requires[{i}]")
    return why


# ---------------------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------------------

_BANNER_LOCK = threading.Lock()
_banner_done = False


def _highs():
    """A silent HiGHS instance. highspy prints its banner on C stdout when the first instance
    of a process is made, before any option can be set; that would corrupt ``--json`` output,
    so the first one is made with file descriptor 1 pointed at the null device."""
    global _banner_done
    import highspy

    with _BANNER_LOCK:
        if _banner_done:
            h = highspy.Highs()
        else:
            try:
                sys.stdout.flush()
            except (OSError, ValueError):
                pass
            try:
                saved = os.dup(1)
            except OSError:  # no standard output at all (a windowed app): nothing to keep clean
                saved = None
            if saved is None:
                h = highspy.Highs()
            else:
                null = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(null, 1)
                    h = highspy.Highs()
                finally:
                    os.dup2(saved, 1)
                    os.close(saved)
                    os.close(null)
            _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def _milp(cands: Candidates, cons: Constraints) -> np.ndarray | None:
    """The best set under every constraint but the loss limit (HiGHS); None if none exists."""
    import highspy

    n = len(cands.names)
    if n == 0:
        return np.zeros(0, dtype=bool)
    e = cands.expected
    scale = float(np.abs(e).max()) or 1.0
    rows: list[tuple[np.ndarray, float, float]] = []  # (coefficients, lower, upper)
    inf = highspy.kHighsInf
    if cands.capital.any():
        rows.append((cands.capital / cons.budget, -inf, 1.0 + _REL))
    for t, limit in enumerate(cons.budget_by_year):
        col = cands.capital_by_year[:, t]
        if col.any():
            rows.append((col / max(limit, 1.0), -inf, limit / max(limit, 1.0) * (1 + _REL) + 1e-12))
    for g in cons.exclusive:
        c = np.zeros(n)
        c[list(g)] = 1.0
        rows.append((c, -inf, 1.0))
    for a, b in cons.requires:
        c = np.zeros(n)
        c[a], c[b] = 1.0, -1.0
        rows.append((c, -inf, 0.0))
    lower = np.zeros(n)
    upper = np.ones(n)
    lower[list(cons.must)] = 1.0
    upper[list(cons.forbid)] = 0.0
    if (lower > upper).any():
        return None
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.col_cost_ = e / scale
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.sense_ = highspy.ObjSense.kMaximize
    if rows:
        A = np.array([r[0] for r in rows])
        lp.row_lower_ = np.array([r[1] for r in rows])
        lp.row_upper_ = np.array([r[2] for r in rows])
        nz = A.T != 0
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
        lp.a_matrix_.index_ = np.nonzero(nz)[1].astype(np.int32)
        lp.a_matrix_.value_ = A.T[nz]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-12)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value) > 0.5
    return x if not fits(cands, cons, x) else None


def _closure(cons: Constraints, must: set[int]) -> set[int]:
    """``must`` plus every project a member requires, repeatedly."""
    out = set(must)
    changed = True
    while changed:
        changed = False
        for a, b in cons.requires:
            if a in out and b not in out:
                out.add(b)
                changed = True
    return out


def _branch_and_bound(cands: Candidates, cons: Constraints, k: int | None, *,
                      minimise_losses: bool = False, cancel: Callable[[], bool] | None = None,
                      start: np.ndarray | None = None) -> np.ndarray | None:
    """The exact optimum by depth-first branch and bound (module doc); None if no set is allowed.

    With ``minimise_losses`` it finds instead the allowed set (ignoring the loss limit) with
    the fewest losing futures, the highest expected NPV among those.
    """
    V = cands.npv
    S, n = V.shape
    e = cands.expected
    cap = cands.capital
    years = [(t, lim, cands.capital_by_year[:, t]) for t, lim in enumerate(cons.budget_by_year)]
    must = _closure(cons, set(cons.must))
    if must & cons.forbid:
        return None
    density = np.where(cap > 0, e / np.maximum(cap, 1e-300), np.where(e > 0, np.inf, -np.inf))
    order = sorted(range(n), key=lambda j: (j not in must, -density[j] if e[j] > 0 else math.inf, -e[j]))
    pos = np.maximum(V, 0.0)
    posrest = np.zeros((n + 1, S))
    for i in range(n - 1, -1, -1):
        np.add(posrest[i + 1], pos[:, order[i]], out=posrest[i])
    groups_of = {j: [gi for gi, g in enumerate(cons.exclusive) if j in g] for j in range(n)}
    needs = {j: [b for a, b in cons.requires if a == j] for j in range(n)}
    needed_by = {j: [a for a, b in cons.requires if b == j] for j in range(n)}
    budget_cap = cons.budget * (1 + _REL)
    year_caps = [lim * (1 + _REL) + 1e-9 for _, lim, _ in years]
    ord_e = e[order]
    ord_cap = cap[order]

    def value_bound(i: int, room: float) -> float:
        total = 0.0
        for t in range(i, n):
            v = ord_e[t]
            if v <= 0:
                continue
            c = ord_cap[t]
            if c <= room:
                total += v
                room -= c
            else:
                total += v * room / c
                break
        return total

    state = {"in": np.zeros(n, dtype=bool), "out": np.zeros(n, dtype=bool), "groups": [0] * len(cons.exclusive)}
    best: dict[str, Any] = {"x": None, "value": -math.inf, "losses": S + 1}
    tol = 1e-12 * max(1.0, float(np.abs(e).sum()))
    nodes = [0]

    def dfs(i: int, partial: np.ndarray, value: float, used: float, used_y: list[float]) -> None:
        nodes[0] += 1
        if cancel is not None and nodes[0] % 512 == 0 and cancel():
            from simulator.model.errors import Cancelled

            raise Cancelled()
        lb = int(np.count_nonzero(partial + posrest[i] < 0)) if i < n else int(np.count_nonzero(partial < 0))
        if minimise_losses:
            if lb > best["losses"] or (lb == best["losses"] and value + value_bound(i, cons.budget - used)
                                       <= best["value"] + tol):
                return
        else:
            if lb > k or value + value_bound(i, cons.budget - used) <= best["value"] + tol:
                return
        if i == n:
            best.update(x=state["in"].copy(), value=value, losses=lb)
            return
        j = order[i]
        x_in, x_out = state["in"], state["out"]
        # include j
        if (j not in cons.forbid and used + cap[j] <= budget_cap
                and all(used_y[q] + col[j] <= year_caps[q] for q, (_, _, col) in enumerate(years))
                and all(state["groups"][g] == 0 for g in groups_of[j])
                and not any(x_out[b] for b in needs[j])):
            x_in[j] = True
            for g in groups_of[j]:
                state["groups"][g] += 1
            dfs(i + 1, partial + V[:, j], value + e[j], used + cap[j],
                [used_y[q] + col[j] for q, (_, _, col) in enumerate(years)])
            for g in groups_of[j]:
                state["groups"][g] -= 1
            x_in[j] = False
        # leave j out
        if j not in must and not any(x_in[a] for a in needed_by[j]):
            x_out[j] = True
            dfs(i + 1, partial, value, used, used_y)
            x_out[j] = False

    if not minimise_losses and start is not None:  # a known good set makes the value bound prune at once
        best.update(x=start.copy(), value=float(e[start].sum()), losses=losses(V, start))
    limit = sys.getrecursionlimit()
    if limit < n + 100:
        sys.setrecursionlimit(n + 100)
    dfs(0, np.zeros(S), 0.0, 0.0, [0.0] * len(years))
    return best["x"]


def _heuristic(cands: Candidates, cons: Constraints, x: np.ndarray, k: int) -> np.ndarray | None:
    """A set that meets every constraint, found greedily from ``x`` (the linear optimum): drop
    the project whose removal cuts the most losing futures until the loss limit holds, then
    add back what still fits, then try single swaps. Only a starting point for the exact
    search; None when dropping does not reach the limit."""
    V = cands.npv
    e = cands.expected
    n = len(e)
    must = _closure(cons, set(cons.must))
    x = x.copy()
    total = V[:, x].sum(axis=1) if x.any() else np.zeros(V.shape[0])

    def ok(y: np.ndarray) -> bool:
        return not fits(cands, cons, y)

    while np.count_nonzero(total < 0) > k:
        best_j, best_key = None, None
        for j in np.flatnonzero(x):
            if j in must:
                continue
            y = x.copy()
            y[j] = False
            if not ok(y):
                continue
            key = (np.count_nonzero(total - V[:, j] < 0), -e[j])
            if best_key is None or key < best_key:
                best_j, best_key = j, key
        if best_j is None:
            return None
        x[best_j] = False
        total = total - V[:, best_j]
    improved = True
    while improved:
        improved = False
        for j in sorted(range(n), key=lambda q: -e[q]):
            if x[j] or e[j] <= 0:
                continue
            y = x.copy()
            y[j] = True
            if ok(y) and np.count_nonzero(total + V[:, j] < 0) <= k:
                x, total, improved = y, total + V[:, j], True
        for j in np.flatnonzero(x):
            for q in range(n):
                if x[q] or e[q] <= e[j]:
                    continue
                y = x.copy()
                y[j], y[q] = False, True
                t2 = total - V[:, j] + V[:, q]
                if ok(y) and np.count_nonzero(t2 < 0) <= k:
                    x, total, improved = y, t2, True
                    break
            if improved:
                break
    return x


@dataclass(frozen=True)
class Choice:
    """One optimised set: ``x`` (bool per candidate) and its figures."""

    x: np.ndarray
    expected_npv: float
    prob_loss: float
    capital: float
    #: "budget" when the linear optimum met the loss limit by itself; "loss limit" when the
    #: limit changed the answer.
    binding: str = "budget"
    #: When the loss limit changed the answer: the best set under the other constraints alone.
    budget_only: "Choice | None" = None

    def selected(self, cands: Candidates) -> list[str]:
        return [n for n, on in zip(cands.names, self.x) if on]


def optimise(cands: Candidates, cons: Constraints, *, cancel: Callable[[], bool] | None = None) -> Choice:
    """The best set under ``cons``. Raises :class:`PortfolioInfeasible` naming the constraint
    that cannot be met and the least infeasible alternative."""
    S = cands.npv.shape[0]
    k = cons.max_losses(S)
    x = _milp(cands, cons)
    if x is None:
        raise PortfolioInfeasible(_why_infeasible(cands, cons))
    if k is not None and losses(cands.npv, x) > k:
        free = _choice(cands, x)
        x = _branch_and_bound(cands, cons, k, cancel=cancel, start=_heuristic(cands, cons, x, k))
        if x is None:
            raise PortfolioInfeasible([_loss_infeasible(cands, cons, cancel)])
        return replace(_choice(cands, x, "loss limit"), budget_only=free)
    return _choice(cands, x)


def _choice(cands: Candidates, x: np.ndarray, binding: str = "budget") -> Choice:
    x = np.asarray(x, dtype=bool)
    x.setflags(write=False)
    S = cands.npv.shape[0]
    return Choice(x, float(cands.expected[x].sum()), losses(cands.npv, x) / S, float(cands.capital[x].sum()),
                  binding)


def _names(cands: Candidates, idx) -> str:
    names = [cands.names[j] for j in sorted(idx)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _why_infeasible(cands: Candidates, cons: Constraints) -> list[Problem]:
    must = _closure(cons, set(cons.must))
    extra = must - set(cons.must)
    who = _names(cands, must) + (f" (with {_names(cands, extra)}, which they require)" if extra else "")
    out = []
    for i, g in enumerate(cons.exclusive):
        both = must & set(g)
        if len(both) > 1:
            out.append(Problem(f"portfolio.exclusive[{i}]",
                               f"{_names(cands, both)} must all be funded (must_fund, or required by a must-fund "
                               "project), but at most one of this group may be; keep only one of them in must_fund"))
    need = float(cands.capital[list(must)].sum()) if must else 0.0
    if need > cons.budget * (1 + _REL):
        out.append(Problem("portfolio.budget",
                           f"the must-fund projects {who} need {fmt.money(need)} of capital, over the budget of "
                           f"{fmt.money(cons.budget)}; the least that works is budget = {need:,.0f}, or drop a "
                           "project from must_fund"))
    for t, limit in enumerate(cons.budget_by_year):
        need_t = float(cands.capital_by_year[list(must), t].sum()) if must else 0.0
        if need_t > limit * (1 + _REL) + 1e-9:
            out.append(Problem(f"portfolio.budget_by_year[{t}]",
                               f"the must-fund projects {who} need {fmt.money(need_t)} in year {t}, over its limit "
                               f"of {fmt.money(limit)}; the least that works is {need_t:,.0f} for year {t}, or "
                               "drop a project from must_fund"))
    if must & cons.forbid:
        out.append(Problem("portfolio.must_fund", f"{_names(cands, must & cons.forbid)} must be funded but was "
                                                  "left out"))
    if not out:
        out.append(Problem("portfolio", "no set of projects meets must_fund, exclusive, requires and the budgets "
                                        "together; loosen one of them"))
    return out


def _loss_infeasible(cands: Candidates, cons: Constraints, cancel=None) -> Problem:
    x = _branch_and_bound(cands, cons, None, minimise_losses=True, cancel=cancel)
    limit = fmt.percent(cons.max_loss, digits=1)
    if x is None:  # cannot happen when the linear part is feasible; kept for safety of the message
        return Problem("portfolio.max_loss_probability", f"no allowed set keeps the chance of loss at or below {limit}")
    c = _choice(cands, x)
    funded = _names(cands, np.flatnonzero(x)) or "nothing"
    return Problem("portfolio.max_loss_probability",
                   f"no allowed set keeps the chance of loss at or below {limit} (must_fund forces a risk); the "
                   f"least risky allowed set loses money in {fmt.percent(c.prob_loss, digits=1)} of futures "
                   f"(funding {funded}, expected NPV {fmt.money(c.expected_npv)}): raise max_loss_probability to "
                   f"{math.ceil(c.prob_loss * 1000) / 1000:g} or drop a project from must_fund")


# ---------------------------------------------------------------------------------------
# The analysis: the chosen set, the frontier, the split by category, the margins
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FrontierPoint:
    budget: float
    selected: tuple[str, ...]
    expected_npv: float
    prob_loss: float
    capital: float


@dataclass(frozen=True)
class Marginal:
    """What funding or not funding one project changes, against the chosen set.

    ``action`` is "drop" for a funded project and "add" for one left out. The ``*_change``
    figures are for the chosen set with just that project toggled (``allowed`` says whether
    that set meets every constraint; ``why_not`` which it breaks). ``best_without``/
    ``best_with``: the change in the best expected NPV when the project is forced out (drop)
    or forced in (add) and the rest re-optimised; None when no set allows it.
    """

    name: str
    category: str
    funded: bool
    action: str
    capital: float
    expected_npv: float
    prob_loss_alone: float
    expected_npv_change: float
    prob_loss_change: float
    capital_change: float
    allowed: bool
    why_not: tuple[str, ...]
    reoptimised_change: float | None
    reason: str


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    spec: PortfolioSpec
    cands: Candidates
    constraints: Constraints
    choice: Choice
    currency: str
    frontier: tuple[FrontierPoint, ...]
    marginal: tuple[Marginal, ...]
    npv: dict[str, float] = field(default_factory=dict)

    @property
    def selected(self) -> list[str]:
        return self.choice.selected(self.cands)

    @property
    def total_npv(self) -> np.ndarray:
        """(futures,) total NPV of the chosen set."""
        return self.cands.npv[:, self.choice.x].sum(axis=1)

    @property
    def by_category(self) -> dict[str, dict[str, Any]]:
        return by_category(self.cands, self.choice.x)


def _category_key(cat: str) -> str:
    low = cat.strip().lower().replace(" ", "").replace("_", "-")
    if low == "it":
        return "IT"
    if low in ("non-it", "nonit"):
        return "non-IT"
    return cat.strip() or "uncategorised"


def by_category(cands: Candidates, x: np.ndarray) -> dict[str, dict[str, Any]]:
    """Capital and expected NPV of the funded set per category, and each one's share.
    "IT" and "non-IT" are always present; shares are fractions of the funded totals (None
    when the total is zero)."""
    out: dict[str, dict[str, Any]] = {"IT": {}, "non-IT": {}}
    for cat in {_category_key(c) for c in cands.categories}:
        out.setdefault(cat, {})
    cap_total = float(cands.capital[x].sum())
    npv_total = float(cands.expected[x].sum())
    for cat in out:
        members = np.array([_category_key(c) == cat for c in cands.categories], dtype=bool) & x
        cap = float(cands.capital[members].sum())
        val = float(cands.expected[members].sum())
        out[cat] = {"selected": [n for n, m in zip(cands.names, members) if m],
                    "capital": cap, "capital_share": cap / cap_total if cap_total else None,
                    "expected_npv": val, "expected_npv_share": val / npv_total if npv_total else None}
    return out


def _frontier(cands: Candidates, cons: Constraints, cancel=None) -> tuple[FrontierPoint, ...]:
    """The best set at budgets from a quarter to twice the scenario's (:data:`FRONTIER_LEVELS`).
    Levels no set meets (must-funds over a small budget) are left out; while fewer than five
    remain, levels are added between the last infeasible and the first feasible one."""
    points: dict[float, FrontierPoint] = {}
    infeasible: list[float] = []

    def at(b: float) -> None:
        try:
            c = optimise(cands, cons.scaled(b), cancel=cancel)
        except PortfolioInfeasible:
            infeasible.append(b)
            return
        points[b] = FrontierPoint(b, tuple(c.selected(cands)), c.expected_npv, c.prob_loss, c.capital)

    for b in sorted({round(cons.budget * f, 6) for f in FRONTIER_LEVELS}):
        at(b)
    for _ in range(8):
        if len(points) >= 5 or not points or not infeasible:
            break
        lo = max((b for b in infeasible if b < min(points)), default=None)
        if lo is None:
            break
        at(round((lo + min(points)) / 2, 6))
    return tuple(points[b] for b in sorted(points))


def _reason(cands: Candidates, cons: Constraints, chosen: Choice, j: int, toggled: Choice | None,
            why: list[str], currency: str) -> str:
    """Why project ``j`` is left out (or, when funded, what it brings), in words."""
    name = cands.names[j]
    e = float(cands.expected[j])
    if chosen.x[j]:
        return f"funded: adds {fmt.money(e, currency)} of expected NPV for {fmt.money(float(cands.capital[j]), currency)}"
    if j in cons.forbid:
        return "left out on purpose"
    if e <= 0 and not any(w.startswith("requires") for w in why):
        return f"{name} left out: its expected NPV is not positive ({fmt.money(e, currency)})"
    words = []
    for w in why:
        if w.startswith("exclusive"):
            g = cons.exclusive[int(w[w.index("[") + 1:-1])]
            rivals = [cands.names[q] for q in g if q != j and chosen.x[q]]
            words.append(f"only one of its group may be funded and {', '.join(rivals)} is")
        elif w.startswith("requires"):
            a, b = cons.requires[int(w[w.index("[") + 1:-1])]
            words.append(f"it requires {cands.names[b]}, which is not funded")
        elif w == "budget":
            room = cons.budget - chosen.capital
            words.append(f"it needs {fmt.money(float(cands.capital[j]), currency)} and only "
                         f"{fmt.money(max(room, 0.0), currency)} of the budget is left")
        elif w.startswith("budget_by_year"):
            t = int(w[w.index("[") + 1:-1])
            words.append(f"year {t}'s budget has no room for its {fmt.money(float(cands.capital_by_year[j, t]), currency)}")
    if toggled is not None and cons.max_loss is not None and toggled.prob_loss > cons.max_loss + 1e-12:
        words.append(f"adding it would raise the chance of loss to {fmt.percent(toggled.prob_loss, digits=1)}, "
                     f"above the limit of {fmt.percent(cons.max_loss, digits=1)}")
    if not words:
        words.append("a better use of the same capital was found")
    return f"{name} left out: " + "; ".join(words)


def _marginal(cands: Candidates, cons: Constraints, chosen: Choice, currency: str,
              reoptimise: bool, cancel=None) -> tuple[Marginal, ...]:
    out = []
    S = cands.npv.shape[0]
    for j, name in enumerate(cands.names):
        funded = bool(chosen.x[j])
        x2 = chosen.x.copy()
        x2[j] = not funded
        toggled = _choice(cands, x2)
        why = fits(cands, cons, x2)
        k = cons.max_losses(S)
        loss_ok = k is None or losses(cands.npv, x2) <= k
        allowed = not why and loss_ok
        why_all = list(why) + ([] if loss_ok else ["max_loss_probability"])
        change = None
        if reoptimise:
            alt = replace(cons, forbid=cons.forbid | {j}) if funded else replace(cons, must=cons.must | {j})
            try:
                change = optimise(cands, alt, cancel=cancel).expected_npv - chosen.expected_npv
            except PortfolioInfeasible:
                change = None
        col = cands.npv[:, j]
        out.append(Marginal(
            name, cands.categories[j], funded, "drop" if funded else "add", float(cands.capital[j]),
            float(cands.expected[j]), float(np.count_nonzero(col < 0) / S),
            toggled.expected_npv - chosen.expected_npv, toggled.prob_loss - chosen.prob_loss,
            toggled.capital - chosen.capital, allowed, tuple(why_all), change,
            _reason(cands, cons, chosen, j, toggled, why, currency)))
    return tuple(out)


def analyse(results: "Results", spec: PortfolioSpec | None = None, *, budget: float | None = None,
            max_loss: float | None | str = "spec", must_fund: Sequence[str] | None = None,
            frontier: bool = True, marginal: bool = True, reoptimise: bool = True,
            cancel: Callable[[], bool] | None = None) -> PortfolioResult:
    """The recommended set for a run of a scenario with a ``[portfolio]`` table.

    ``budget``, ``max_loss`` (a fraction, None for no limit) and ``must_fund`` override the
    table's values (the app's live edits). Raises :class:`PortfolioInfeasible` when no set
    meets the constraints.
    """
    spec = spec if spec is not None else results.scenario.portfolio
    if spec is None:
        raise ScenarioError([Problem("portfolio", "this scenario has no [portfolio] table: add one with at least "
                                                  "budget = ... to choose which projects to fund")])
    if budget is not None:
        spec = replace(spec, budget_by_year=tuple(b * budget / spec.budget for b in spec.budget_by_year),
                       budget=budget)
    if max_loss != "spec":
        spec = replace(spec, max_loss_probability=max_loss)
    if must_fund is not None:
        spec = replace(spec, must_fund=tuple(must_fund))
    cands = candidates(results)
    cons = Constraints.of(spec, cands)
    choice = optimise(cands, cons, cancel=cancel)
    total = cands.npv[:, choice.x].sum(axis=1)
    pct = np.percentile(total, PERCENTILES)
    npv = {"mean": float(total.mean()), **{f"p{p}": float(v) for p, v in zip(PERCENTILES, pct)}}
    cur = results.scenario.currency
    return PortfolioResult(
        spec, cands, cons, choice, cur,
        _frontier(cands, cons, cancel) if frontier else (),
        _marginal(cands, cons, choice, cur, reoptimise, cancel) if marginal else (),
        npv)


# ---------------------------------------------------------------------------------------
# Words and JSON
# ---------------------------------------------------------------------------------------

def to_json(result: PortfolioResult) -> dict[str, Any]:
    """The ``investsim portfolio --json`` object (keys documented in the README)."""
    c = result.choice
    return {
        "selected": result.selected,
        "expected_npv": c.expected_npv,
        "prob_loss": c.prob_loss,
        "capital": c.capital,
        "budget": result.spec.budget,
        "max_loss_probability": result.spec.max_loss_probability,
        "binding": c.binding,
        "without_loss_limit": None if c.budget_only is None else {
            "selected": c.budget_only.selected(result.cands), "expected_npv": c.budget_only.expected_npv,
            "prob_loss": c.budget_only.prob_loss, "capital": c.budget_only.capital},
        "npv": {k: result.npv[k] for k in ("p5", "p10", "p50", "p90", "p95")},
        "frontier": [{"budget": p.budget, "selected": list(p.selected), "expected_npv": p.expected_npv,
                      "prob_loss": p.prob_loss, "capital": p.capital} for p in result.frontier],
        "by_category": result.by_category,
        "marginal": [{"name": m.name, "category": m.category, "funded": m.funded, "action": m.action,
                      "capital": m.capital, "expected_npv": m.expected_npv, "prob_loss_alone": m.prob_loss_alone,
                      "expected_npv_change": m.expected_npv_change, "prob_loss_change": m.prob_loss_change,
                      "capital_change": m.capital_change, "allowed": m.allowed, "why_not": list(m.why_not),
                      "reoptimised_expected_npv_change": m.reoptimised_change, "reason": m.reason}
                     for m in result.marginal],
    }


def describe(result: PortfolioResult) -> list[str]:
    """The recommendation in words: what to fund, capital used, expected NPV, chance of loss,
    the spread, the IT / non-IT split, and what was left out and why."""
    cur = result.currency
    m = lambda v: fmt.money(v, cur)
    c = result.choice
    spec = result.spec
    lines = []
    sel = result.selected
    limit = "" if spec.max_loss_probability is None else \
        f", at most a {fmt.percent(spec.max_loss_probability)} chance of loss"
    lines.append(f"Budget {m(spec.budget)}{limit}; {len(result.cands.names)} candidate projects.")
    lines.append("")
    if sel:
        lines.append(f"Fund {len(sel)}: " + ", ".join(sel) + ".")
    else:
        lines.append("Fund nothing: no project adds expected value within the constraints.")
    lines.append(f"  Capital used        {m(c.capital)} of {m(spec.budget)} ({fmt.percent(c.capital / spec.budget)})")
    lines.append(f"  Expected NPV        {m(c.expected_npv)}   (80% between {m(result.npv['p10'])} and "
                 f"{m(result.npv['p90'])})")
    lines.append(f"  Chance of loss      {fmt.percent(c.prob_loss, digits=1)}")
    if c.budget_only is not None:
        b = c.budget_only
        lines.append(f"  The loss limit changed the choice: without it the best set ({', '.join(b.selected(result.cands))}) "
                     f"would add {m(b.expected_npv - c.expected_npv)} of expected NPV but lose money in "
                     f"{fmt.percent(b.prob_loss, digits=1)} of futures.")
    split = result.by_category
    parts = []
    for cat in ("IT", "non-IT"):
        d = split[cat]
        if d["capital_share"] is not None:
            parts.append(f"{cat} {fmt.percent(d['capital_share'])} of capital and "
                         f"{fmt.percent(d['expected_npv_share']) if d['expected_npv_share'] is not None else 'n/a'} "
                         "of expected NPV")
    if parts:
        lines.append("  Split               " + "; ".join(parts))
    out = [mg for mg in result.marginal if not mg.funded]
    if out:
        lines.append("")
        lines.append("Left out:")
        for mg in out:
            lines.append(f"  {mg.reason}")
    if result.frontier:
        lines.append("")
        lines.append("At other budgets:")
        for p in result.frontier:
            lines.append(f"  {m(p.budget):>9}  expected NPV {m(p.expected_npv):>8}, chance of loss "
                         f"{fmt.percent(p.prob_loss):>4}: {', '.join(p.selected) or 'nothing'}")
    return lines
