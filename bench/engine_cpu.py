"""The engine alone (``run()``, one thread) at 1M futures: CPU and wall seconds, interleaved
across checkouts (``make bench``'s json_floor.py times the whole command; this isolates what
an engine change bought). Never a test.

Each measurement is a fresh process that loads the scenario, warms up on 20,000 futures, then
times ``run(scenario, N, workers=1)``; checkouts take turns in every round, so a loaded
machine slows them alike. Prints the medians per scenario and checkout, and the page faults.

Usage: python bench/engine_cpu.py [--repeat N] [--iterations N] [CHECKOUT_DIR ...]
       (no directory: this checkout; e.g. ``git archive REV | tar -x -C DIR`` for an earlier one)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import statistics
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("scenarios/erp-vs-production-line.toml", "bench/two_alternatives.toml")
CODE = r"""
import resource, sys, time
from simulator.model.scenario import load
from simulator.sim.engine import run
scenario = load(sys.argv[1])
run(scenario, 20_000, workers=1)
r0 = resource.getrusage(resource.RUSAGE_SELF)
c0, w0 = time.process_time(), time.perf_counter()
run(scenario, int(sys.argv[2]), workers=1)
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(time.process_time() - c0, time.perf_counter() - w0, r1.ru_minflt - r0.ru_minflt)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("checkouts", nargs="*", type=Path)
    args = parser.parse_args()
    roots = [p.resolve() for p in args.checkouts] or [ROOT]
    runs: dict[tuple[str, Path], list[tuple[float, float, int]]] = {}
    for _ in range(args.repeat):
        for scenario in SCENARIOS:
            for root in roots:
                done = subprocess.run([sys.executable, "-c", CODE, str(root / scenario), str(args.iterations)],
                                      cwd=root, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(root)))
                if done.returncode != 0:
                    raise SystemExit(f"engine run failed in {root}:\n{done.stderr}")
                cpu, wall, faults = done.stdout.split()
                runs.setdefault((scenario, root), []).append((float(cpu), float(wall), int(faults)))
    print(f"engine run() alone, {args.iterations:,} futures, one thread, median of {args.repeat} (interleaved)")
    for (scenario, root), v in runs.items():
        print(f"  {scenario:<40} {str(root):<40} CPU {statistics.median(c for c, _, _ in v):5.2f} s   "
              f"wall {statistics.median(w for _, w, _ in v):5.2f} s   page faults {statistics.median(f for _, _, f in v):>9,.0f}")


if __name__ == "__main__":
    main()
