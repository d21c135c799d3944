"""Speed of the portfolio optimiser: 30 candidate projects x 20,000 simulated futures.

    .venv/bin/python bench/portfolio.py

Random instances shaped like real portfolios: every project's NPV per future is a base value
plus exposures to two shared unknowns (demand, wages) plus its own noise; capital 0.5-3 M;
budget 40% of all capital asked. For each instance: the budget alone, then loss limits at
0.9, 0.6 and 0.3 times the chance of loss of the budget-only optimum (so the limit binds).
Prints seconds per solve (median and worst) and for the full analysis (the chosen set, the
frontier over 7 budgets and each project's re-optimised margin) on one instance.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.analysis import portfolio as P

def instance(seed: int, n: int = 30, futures: int = 20_000) -> P.Candidates:
    rng = np.random.default_rng(seed)
    demand, wage = rng.standard_normal(futures), rng.standard_normal(futures)
    npv = (rng.normal(0.3, 0.5, n) + np.outer(demand, rng.normal(0.6, 0.3, n))
           + np.outer(wage, rng.normal(-0.2, 0.2, n)) + rng.standard_normal((futures, n)) * 0.7) * 1e6
    cap = rng.uniform(0.5, 3, n) * 1e6
    return P.Candidates(tuple(f"P{j}" for j in range(n)), tuple(("IT", "non-IT")[j % 2] for j in range(n)),
                        np.ascontiguousarray(npv), cap, cap[:, None])

def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out

def main() -> int:
    seeds = range(8)
    plain, limited = [], []
    worst = (0.0, None)
    for seed in seeds:
        cands = instance(seed)
        cons = P.Constraints(float(cands.capital.sum() * 0.4))
        dt, base = timed(lambda cands=cands, cons=cons: P.optimise(cands, cons))
        plain.append(dt)
        for f in (0.9, 0.6, 0.3):
            c2 = P.Constraints(cons.budget, max_loss=base.prob_loss * f)
            try:
                dt, _ = timed(lambda cands=cands, c2=c2: P.optimise(cands, c2))
            except P.PortfolioInfeasible:
                continue
            limited.append(dt)
            if dt > worst[0]:
                worst = (dt, (seed, f))
    print(f"portfolio, 30 candidates x 20,000 futures, {len(plain)} instances")
    print(f"  budget only:           median {statistics.median(plain):.2f} s, worst {max(plain):.2f} s")
    print(f"  with a binding limit:  median {statistics.median(limited):.2f} s, worst {worst[0]:.2f} s "
          f"(seed {worst[1][0]}, limit x{worst[1][1]}); {sum(t < 5 for t in limited)} of {len(limited)} under 5 s")
    cands = instance(0)
    cons = P.Constraints(float(cands.capital.sum() * 0.4))

    t = time.perf_counter()
    choice = P.optimise(cands, cons)
    frontier = P._frontier(cands, cons)
    P._marginal(cands, cons, choice, "USD", True)
    print(f"  full analysis (set, {len(frontier)}-point frontier, 30 re-optimised margins), budget only: "
          f"{time.perf_counter() - t:.2f} s")
    return 0

if __name__ == "__main__":
    sys.exit(main())
