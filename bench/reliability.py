"""Reliability figures (``make bench``, never part of ``make test``): the big run's memory and
time, and how fast a run stops when it is cancelled.

1. **Big run.** The 5-alternative, 30-year scenario of ``run_bench.big_scenario_text`` at
   1,000,000 futures, in a fresh process: wall time of the run and its summary, the process's
   peak resident set size (``ru_maxrss``), and the memory the engine predicted
   (``engine.estimated_bytes`` for that scenario, with the budget it ran under).
2. **Cancel latency.** A run on a worker thread, as the app runs it; after a random wait the
   cancel flag is set, and the time until ``run`` raises ``Cancelled`` is the latency. Each
   case is measured several times at different moments of the run (in one process per case),
   and the median and the worst are printed. Target: at most 200 ms.

Usage: python bench/reliability.py [--repeat N] [--only big|cancel] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys

from run_bench import ROOT, big_scenario_text

DEFAULT = ROOT / "scenarios" / "erp-vs-production-line.toml"
OUT = ROOT / "bench" / "out"
TARGET_MS = 200.0

BIG_CODE = """
import json, resource, sys, time
t0 = time.perf_counter()
from simulator.model.scenario import load
from simulator.sim import engine
scenario = load(sys.argv[1])
n = int(sys.argv[2])
r = engine.run(scenario, n)
t1 = time.perf_counter()
r.summary
for a in r.summary.alternatives:
    a.cumulative_cash, a.cash_by_year
t2 = time.perf_counter()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"run_s": t1 - t0, "summary_s": t2 - t1, "peak_mb": peak_mb,
                  "estimated_mb": engine.estimate(scenario, n) / 2**20, "yearly_futures": r.yearly_futures}))
"""

CANCEL_CODE = """
import json, random, sys, threading, time
from simulator.model.scenario import load
from simulator.sim.engine import run
from simulator.model.errors import Cancelled
scenario = load(sys.argv[1])
n, repeat, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pick = random.Random(seed)
out = []
for _ in range(repeat):
    flag = threading.Event()
    started = threading.Event()
    stopped = {}
    def work():
        def cancel():
            started.set()
            return flag.is_set()
        try:
            run(scenario, n, cancel=cancel)
            stopped["t"] = None
        except Cancelled:
            stopped["t"] = time.perf_counter()
    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    time.sleep(pick.uniform(0.3, 2.5))
    asked = time.perf_counter()
    flag.set()
    worker.join()
    if stopped["t"] is not None:
        out.append((stopped["t"] - asked) * 1000)
print(json.dumps(out))
"""


def _python(code: str, *args: object) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark failed:\n{proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


def big_scenario() -> Path:
    path = OUT / "big-run.toml"
    OUT.mkdir(exist_ok=True)
    path.write_text(big_scenario_text())
    return path


def big_run(repeat: int) -> dict:
    path = big_scenario()
    runs = [json.loads(_python(BIG_CODE, path, 1_000_000)) for _ in range(repeat)]
    row = {key: statistics.median(r[key] for r in runs) for key in ("run_s", "summary_s", "estimated_mb")}
    row["peak_mb"] = max(r["peak_mb"] for r in runs)
    row["yearly_futures"] = runs[0]["yearly_futures"]
    print(f"Big run: 5 alternatives x 30 years, 1,000,000 futures, fresh process (median of {repeat})")
    print(f"  run {row['run_s']:.1f}s, summary with cash by year {row['summary_s']:.1f}s, "
          f"peak RSS {row['peak_mb']:.0f} MB (engine predicted {row['estimated_mb']:.0f} MB for its results; "
          f"yearly paths kept for {row['yearly_futures']:,} futures)")
    return row


def cancel_latency(repeat: int, quick: bool) -> list[dict]:
    big = big_scenario()
    cases = [(DEFAULT, 1_000_000), (DEFAULT, 10_000_000), (big, 1_000_000), (big, 10_000_000)]
    if quick:
        cases = cases[::2]
    rows = []
    print(f"\nCancel latency: time from cancel to Cancelled, run on a worker thread (median and worst of "
          f"{repeat}; target {TARGET_MS:.0f} ms)")
    for path, n in cases:
        ms = json.loads(_python(CANCEL_CODE, path, n, repeat, 7))
        name = "5x30 big run" if path == big else path.stem
        if not ms:
            print(f"  {name:<26} {n:>10,}: finished before the cancel")
            continue
        med, worst = statistics.median(ms), max(ms)
        verdict = "ok" if worst <= TARGET_MS else "OVER TARGET"
        print(f"  {name:<26} {n:>10,}: median {med:6.0f} ms, worst {worst:6.0f} ms  {verdict}")
        rows.append({"scenario": name, "iterations": n, "median_ms": med, "worst_ms": worst, "samples": ms})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="big runs (cancel cases take 3x as many samples)")
    parser.add_argument("--only", choices=("big", "cancel"))
    parser.add_argument("--quick", action="store_true", help="one big run; cancel at 1M only")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    out: dict = {"python": sys.version.split()[0]}
    if args.only != "cancel":
        out["big_run"] = big_run(repeat)
    if args.only != "big":
        out["cancel"] = cancel_latency(max(5, 3 * repeat), args.quick)
    dest = OUT / "reliability.json"
    dest.write_text(json.dumps(out, indent=2))
    print(f"\nwritten to {dest}")


if __name__ == "__main__":
    main()
