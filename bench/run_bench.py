"""Speed and memory figures (``make bench``). Never part of ``make test``.

Each measurement is a whole process (interpreter start, imports, load, run, summary), timed
from outside; peak memory is the child's maximum resident set size. The floor
(``bench/floor_default.py``) is measured in the same run so the ratio is fair on a shared,
noisy machine. Results are printed as a table and written to ``bench/out/results.json``.

Usage: python bench/run_bench.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"

ENGINE_CODE = """
import resource, sys, time
t0 = time.perf_counter()
from simulator.model.scenario import load
from simulator.sim.engine import run
r = run(load(sys.argv[1]), int(sys.argv[2]))
s = r.summary
print(f"compute {time.perf_counter() - t0:.3f}s peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""


ANALYTICS_CODE = """
import sys, time, statistics
from simulator.model.scenario import load
from simulator.sim.engine import run
from simulator.analysis import insights
sims, ans = [], []
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    r = run(load(sys.argv[1]), int(sys.argv[2]))
    r.summary
    t1 = time.perf_counter()
    insights.to_json(r)
    sims.append(t1 - t0)
    ans.append(time.perf_counter() - t1)
print(statistics.median(sims), statistics.median(ans), "peak_rss_mb 0")
"""


def big_scenario_text(alternatives: int = 5, horizon: int = 30) -> str:
    """A large scenario for the memory test (bench/reliability.py): 5 alternatives over 30
    years, 6 items each."""
    lines = ['format = 1', 'title = "Big run"', f'horizon_years = {horizon}', 'discount_rate = 0.07',
             '[baseline]', 'revenue = 500_000_000', 'operating_margin = 0.1',
             '[variables]', 'demand = { low = 0.8, high = 1.3 }', 'price = { low = 90, high = 130 }']
    for a in range(alternatives):
        lines += ['[[alternatives]]', f'name = "Option {a + 1}"',
                  '[[alternatives.items]]', 'name = "Build"', 'kind = "investment"',
                  f'amount = {{ dist = "pert", min = {3 + a}e6, mode = {4 + a}e6, max = {7 + a}e6 }}',
                  '[[alternatives.items]]', 'name = "Phase 2"', 'kind = "investment"', 'year = 3',
                  'amount = { low = 5e5, high = 1.5e6 }',
                  '[[alternatives.items]]', 'name = "Run"', 'kind = "running_cost"', 'growth = 0.02',
                  'amount = { low = 2e5, high = 4e5 }',
                  '[[alternatives.items]]', 'name = "Sales"', 'kind = "benefit"', 'effect = "revenue"',
                  'contribution_margin = 0.3', 'ramp_years = 3', f'amount = "demand * price * {8000 + 500 * a}"',
                  '[[alternatives.items]]', 'name = "Savings"', 'kind = "benefit"', 'vary = "yearly"',
                  'amount = { dist = "triangular", min = 1e5, mode = 3e5, max = 6e5 }',
                  '[[alternatives.items]]', 'name = "Outage"', 'kind = "risk"', 'probability = 0.1',
                  'vary = "yearly"', 'amount = { low = 1e5, high = 2e6, dist = "lognormal" }']
    return "\n".join(lines) + "\n"


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one whole process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr}")
    peak = float(proc.stdout.rsplit("peak_rss_mb", 1)[1].split()[0])
    return wall, peak


def engine_cmd(path: Path, n: int) -> list[str]:
    return [sys.executable, "-c", ENGINE_CODE, str(path), str(n)]


def floor_cmd(n: int) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "floor_default.py"), str(n)]


def median_of(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [measure(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 100k only for the others")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    out: dict = {"python": sys.version.split()[0], "rows": []}

    print("Engine vs. hand-written NumPy floor, default scenario, whole process "
          f"(median of {repeat}, interleaved)")
    for n in (100_000, 1_000_000):
        eng, flo = [], []
        for _ in range(repeat):  # interleave so both see the same machine load
            eng.append(measure(engine_cmd(DEFAULT, n)))
            flo.append(measure(floor_cmd(n)))
        e_t, f_t = statistics.median(x[0] for x in eng), statistics.median(x[0] for x in flo)
        e_m, f_m = max(x[1] for x in eng), max(x[1] for x in flo)
        print(f"  {n:>9,} futures: engine {e_t:.2f}s ({n / e_t:,.0f}/s, peak {e_m:.0f} MB)   "
              f"floor {f_t:.2f}s (peak {f_m:.0f} MB)   ratio {e_t / f_t:.2f}x")
        out["rows"].append({"what": "default vs floor", "iterations": n, "engine_s": e_t, "floor_s": f_t,
                            "ratio": e_t / f_t, "engine_peak_mb": e_m, "floor_peak_mb": f_m})

    print("\nEvery bundled scenario, whole process")
    for path in SCENARIOS:
        for n in (100_000, 1_000_000):
            if args.quick and n > 100_000 and path != DEFAULT:
                continue
            t, peak = median_of(engine_cmd(path, n), 1 if n > 100_000 else max(1, repeat // 2))
            print(f"  {path.stem:<36} {n:>9,}: {t:6.2f}s  {n / t:>11,.0f} futures/s  peak {peak:6.0f} MB")
            out["rows"].append({"what": path.stem, "iterations": n, "seconds": t, "per_second": n / t,
                                "peak_mb": peak})

    print("\nDecision analytics (tornado, EVPPI, dominance, drivers) vs. the simulation, default scenario,"
          " 100k futures, in one process (medians)")
    proc = subprocess.run([sys.executable, "-c", ANALYTICS_CODE, str(DEFAULT), "100000", str(max(3, repeat))],
                          capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    sim_t, an_t = (float(x) for x in proc.stdout.split()[:2])
    print(f"  simulation {sim_t:.3f}s, analytics {an_t:.3f}s = {an_t / sim_t:.0%} of the simulation time")
    out["rows"].append({"what": "analytics at 100k", "simulation_s": sim_t, "analytics_s": an_t,
                        "share": an_t / sim_t})

    # The big 5x30 run (memory, predicted vs. measured) and cancel latency: bench/reliability.py.

    dest = ROOT / "bench" / "out"
    dest.mkdir(exist_ok=True)
    (dest / "results.json").write_text(json.dumps(out, indent=2))
    print(f"\nwritten to {dest / 'results.json'}")


if __name__ == "__main__":
    main()
